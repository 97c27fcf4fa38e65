//! `neuralnet._core.Model`: a trained network with its preprocessing and names, as the model file
//! holds it. Python reads its weights in the notes' orientation (W is n_out × n_in), predicts on
//! NumPy matrices or table cells, and pickles it through its file bytes.

use crate::to_py;
use neuralnet::init::Init;
use neuralnet::{Activation, Cost, Model, Network, Predictions};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rand::SeedableRng;
use std::path::{Path, PathBuf};

/// A trained network with its preprocessing, class and column names.
#[pyclass(name = "Model", module = "neuralnet._core")]
#[derive(Clone)]
pub struct PyModel {
    pub(crate) inner: Model,
}

/// `text` parsed as a `T` (an activation, a cost, an initialisation), or a `ValueError`.
pub(crate) fn parse<T: std::str::FromStr<Err = String>>(text: &str) -> PyResult<T> {
    text.parse().map_err(PyValueError::new_err)
}

/// A network of `sizes` with `activation` hidden, `output_activation` and `cost`, its weights
/// drawn by `init` (times `init_scale`) from the seeded stream `seed`, as training draws them.
#[pyfunction]
#[pyo3(signature = (sizes, activation, output_activation, cost, init, init_scale, seed))]
pub fn new_network(
    sizes: Vec<usize>,
    activation: &str,
    output_activation: &str,
    cost: &str,
    init: &str,
    init_scale: f64,
    seed: u64,
) -> PyResult<PyModel> {
    let (a, o, c, i): (Activation, Activation, Cost, Init) =
        (parse(activation)?, parse(output_activation)?, parse(cost)?, parse(init)?);
    let mut net = Network::<f32>::new(&sizes, a, o, c).map_err(to_py)?;
    net.init(i, init_scale, &mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    Ok(PyModel { inner: Model::new(net) })
}

#[pymethods]
impl PyModel {
    /// The model of a model file's bytes (`name` is named in errors).
    #[staticmethod]
    #[pyo3(signature = (data, name = "<bytes>"))]
    fn from_bytes(data: &[u8], name: &str) -> PyResult<PyModel> {
        Model::from_bytes(data, Path::new(name)).map(|inner| PyModel { inner }).map_err(to_py)
    }

    /// The model file's bytes (safetensors), the same bytes `save` writes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.inner.to_bytes().map_err(to_py)?))
    }

    /// Reads a model file.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<PyModel> {
        Model::load(&path).map(|inner| PyModel { inner }).map_err(to_py)
    }

    /// Writes the model file (atomically).
    fn save(&self, path: PathBuf) -> PyResult<()> {
        self.inner.save(&path).map_err(to_py)
    }

    /// Layer sizes, inputs first.
    #[getter]
    fn sizes(&self) -> Vec<usize> {
        self.inner.network.sizes().to_vec()
    }

    /// The activation of each layer.
    #[getter]
    fn activations(&self) -> Vec<String> {
        self.inner.network.activations().iter().map(|a| a.to_string()).collect()
    }

    /// The cost the network was trained with.
    #[getter]
    fn cost(&self) -> String {
        self.inner.network.cost().to_string()
    }

    /// Class names, index = class (classification).
    #[getter]
    fn class_names(&self) -> Option<Vec<String>> {
        self.inner.class_names.clone()
    }

    /// The columns the model was trained on, in order (those left out included), for tables.
    #[getter]
    fn columns(&self) -> Option<Vec<String>> {
        let schema = self.inner.preprocessing.schema.as_ref()?;
        Some(schema.columns.iter().map(|c| c.name.clone()).collect())
    }

    /// The fitted columns as JSON (type, categories, median, ...), for tables.
    #[getter]
    fn columns_json(&self) -> Option<String> {
        let schema = self.inner.preprocessing.schema.as_ref()?;
        serde_json::to_string(&schema.columns).ok()
    }

    /// The task: "classification" or "regression".
    #[getter]
    fn task(&self) -> String {
        self.inner.task().to_string()
    }

    /// The weight matrices, each n_out × n_in (a copy).
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyArray2<f32>>>> {
        let net = &self.inner.network;
        (0..net.n_layers())
            .map(|l| {
                let (n_in, n_out) = (net.sizes()[l], net.sizes()[l + 1]);
                PyArray1::from_slice(py, net.weight(l)).reshape([n_out, n_in])
            })
            .collect()
    }

    /// The bias vectors, each of n_out (a copy).
    fn biases<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray1<f32>>> {
        let net = &self.inner.network;
        (0..net.n_layers()).map(|l| PyArray1::from_slice(py, net.bias(l))).collect()
    }

    /// Replaces every weight and bias (shapes as `weights()` and `biases()` give them).
    fn set_parameters(
        &mut self,
        weights: Vec<PyReadonlyArray2<f32>>,
        biases: Vec<numpy::PyReadonlyArray1<f32>>,
    ) -> PyResult<()> {
        let net = &mut self.inner.network;
        if weights.len() != net.n_layers() || biases.len() != net.n_layers() {
            return Err(PyValueError::new_err(format!("expected {} weight matrices and bias vectors", net.n_layers())));
        }
        for l in 0..net.n_layers() {
            let (n_in, n_out) = (net.sizes()[l], net.sizes()[l + 1]);
            let (w, b) = (weights[l].as_array(), biases[l].as_array());
            if w.shape() != [n_out, n_in] || b.len() != n_out {
                let got = format!("{:?} and {}", w.shape(), b.len());
                return Err(PyValueError::new_err(format!(
                    "layer {l}: expected weights ({n_out}, {n_in}) and {n_out} biases, got {got}"
                )));
            }
            let (wr, br) = net.layer_ranges(l);
            let params = net.params_mut();
            params[wr].iter_mut().zip(w.iter()).for_each(|(p, &v)| *p = v);
            params[br].iter_mut().zip(b.iter()).for_each(|(p, &v)| *p = v);
        }
        Ok(())
    }

    /// The network's outputs (probabilities for softmax classifiers, values in the targets'
    /// units for regression) for the rows of `x`, whose columns are the model's features in the
    /// training order (for a model trained on a table or a matrix) or its inputs.
    fn outputs<'py>(&self, py: Python<'py>, x: PyReadonlyArray2<f32>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let rows = x.as_array().nrows();
        let width = match &self.inner.preprocessing.schema {
            Some(schema) => schema.columns.len(),
            None => self.inner.network.n_inputs(),
        };
        if x.as_array().ncols() != width {
            let what = format!("x has {} columns; the model reads {width}", x.as_array().ncols());
            return Err(PyValueError::new_err(what));
        }
        let values: Vec<f32> = x.as_array().iter().copied().collect();
        crate::fit::finite(&values, width, "x")?;
        let predictions = py.detach(|| self.inner.predict_matrix(&values)).map_err(to_py)?;
        predictions_array(py, predictions, rows)
    }

    /// As `outputs`, for table cells: `columns` names them, `rows` holds text cells (an empty
    /// cell is missing). Returns the outputs and the encoding's warnings (categories training
    /// never saw; with `strict` they are a `ValueError`).
    #[pyo3(signature = (columns, rows, strict = false))]
    fn outputs_table<'py>(
        &self,
        py: Python<'py>,
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
        strict: bool,
    ) -> PyResult<(Bound<'py, PyArray2<f32>>, Vec<String>)> {
        let n = rows.len();
        let table = crate::data::table(columns, rows, "X")?;
        let (predictions, warnings) = py.detach(|| self.inner.predict_table(&table, strict)).map_err(to_py)?;
        Ok((predictions_array(py, predictions, n)?, warnings))
    }

    fn __repr__(&self) -> String {
        let sizes: Vec<String> = self.inner.network.sizes().iter().map(|s| s.to_string()).collect();
        format!("Model({}, {})", sizes.join("-"), self.activations().join("/"))
    }
}

/// The rows × k array of predictions: class probabilities, or values.
fn predictions_array(py: Python<'_>, p: Predictions, rows: usize) -> PyResult<Bound<'_, PyArray2<f32>>> {
    let (values, width) = match p {
        Predictions::Classes { probabilities, names, .. } => (probabilities, names.len()),
        Predictions::Values { values, width, .. } => (values, width),
    };
    PyArray1::from_vec(py, values).reshape([rows, width])
}

//! Training from Python: `neuralnet::fit` with a configuration given as TOML text (the CLI's file
//! format, built by the Python layer from its parameters) on data given as NumPy arrays or table
//! cells, with the GIL released. An observer reaches back into Python only to hand each epoch's
//! figures to a callback and, every few milliseconds, to let Ctrl-C stop training (the library
//! then returns and the call raises `KeyboardInterrupt`).

use crate::data::table;
use crate::model::PyModel;
use crate::to_py;
use neuralnet::data::Dataset;
use neuralnet::data::csv::Table;
use neuralnet::preprocess::matrix::{Matrix, from_matrix};
use neuralnet::preprocess::table::from_tables;
use neuralnet::{Control, Data, EpochStats, Metrics, Observer, Splits, TrainConfig, Trained, fit};
use numpy::{PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often training looks for Ctrl-C.
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// Hands epochs to a Python callback and turns Ctrl-C into a stop request.
struct PythonObserver {
    on_epoch: Option<Py<PyAny>>,
    last_check: Instant,
    /// The Python exception that stopped training (Ctrl-C, or the callback's), raised at the end.
    error: Option<PyErr>,
}

impl PythonObserver {
    fn new(on_epoch: Option<Py<PyAny>>) -> Self {
        PythonObserver { on_epoch, last_check: Instant::now(), error: None }
    }
}

/// A split's figures as a dict: loss, n, and accuracy/correct or mse/mae where known.
fn metrics_dict<'py>(py: Python<'py>, m: &Metrics) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("loss", m.loss)?;
    d.set_item("n", m.n)?;
    for (key, v) in [("accuracy", m.accuracy), ("mse", m.mse), ("mae", m.mae)] {
        if let Some(v) = v {
            d.set_item(key, v)?;
        }
    }
    if let Some(c) = m.correct {
        d.set_item("correct", c)?;
    }
    Ok(d)
}

/// An epoch's figures as a dict (`epoch`, `seconds`, `eta`, `updates`, `weights_squared` (Σ‖W‖²,
/// first-order optimizers), and `train`/`validation`/`test`).
fn epoch_dict<'py>(py: Python<'py>, s: &EpochStats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("epoch", s.epoch)?;
    d.set_item("seconds", s.seconds)?;
    d.set_item("eta", s.eta)?;
    d.set_item("updates", s.updates)?;
    if let Some(w2) = s.weights_squared {
        d.set_item("weights_squared", w2)?;
    }
    for (key, m) in [("train", &s.train), ("validation", &s.validation), ("test", &s.test)] {
        if let Some(m) = m {
            d.set_item(key, metrics_dict(py, m)?)?;
        }
    }
    Ok(d)
}

impl Observer for PythonObserver {
    fn epoch_end(&mut self, stats: &EpochStats) -> Control {
        let Some(callback) = &self.on_epoch else { return Control::Continue };
        // A callback returning exactly `True` asks training to stop after this epoch (the weights
        // are kept, as with an epoch limit): Nielsen's network2 early stopping uses it.
        let result = Python::attach(|py| -> PyResult<bool> {
            let answer = callback.call1(py, (epoch_dict(py, stats)?,))?;
            Ok(answer.bind(py).is(pyo3::types::PyBool::new(py, true)))
        });
        match result {
            Ok(true) => Control::Stop,
            Ok(false) => Control::Continue,
            Err(e) => {
                self.error = Some(e);
                Control::Stop
            }
        }
    }

    fn stop_requested(&mut self) -> bool {
        if self.error.is_none() && self.last_check.elapsed() >= SIGNAL_CHECK {
            self.last_check = Instant::now();
            if let Err(e) = Python::attach(|py| py.check_signals()) {
                self.error = Some(e);
            }
        }
        self.error.is_some()
    }
}

/// The configuration of TOML `config` (named `<config>` in errors), starting, when `init` is
/// given, from its weights (written to a temporary model file that `network.init_from` names);
/// without a checkpoint directory of its own, an interrupted run checkpoints into `dir`.
fn configuration(config: &str, init: Option<&PyModel>, dir: &tempfile::TempDir) -> PyResult<TrainConfig> {
    let mut config = TrainConfig::from_toml_str(config, Path::new("<config>")).map_err(to_py)?;
    // A checkpoint on Ctrl-C goes to the temporary directory, not into the working directory.
    let lm = config.optimizer.kind == Some(neuralnet::Optimizer::Lm);
    let reliability = &mut config.reliability;
    if reliability.checkpoint.is_none() && reliability.resume.is_none() && !lm {
        reliability.checkpoint = Some(dir.path().join("checkpoint"));
        reliability.checkpoint_every = reliability.checkpoint_every.or(Some(0));
    }
    if let Some(model) = init {
        let path = dir.path().join("init.safetensors");
        model.inner.save(&path).map_err(to_py)?;
        config.network.init_from = Some(path);
    }
    Ok(config)
}

/// Runs `fit` with the GIL released; returns the model and the report as JSON. A Python
/// exception raised while training (Ctrl-C, the callback's) is raised again here.
fn train(
    py: Python<'_>,
    config: &TrainConfig,
    data: &Data,
    on_epoch: Option<Py<PyAny>>,
) -> PyResult<(PyModel, String)> {
    let mut observer = PythonObserver::new(on_epoch);
    let result: neuralnet::Result<Trained> = py.detach(|| fit(config, data, &mut observer));
    if let Some(e) = observer.error.take() {
        return Err(e);
    }
    let trained = result.map_err(to_py)?;
    Ok((PyModel { inner: trained.model }, trained.report.to_json()))
}

/// A `ValueError` naming the first NaN or infinite value of `values` (rows of `width`) in `what`.
pub(crate) fn finite(values: &[f32], width: usize, what: &str) -> PyResult<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(PyValueError::new_err(format!(
            "{what} has {} at row {}, column {}: every value must be a finite number",
            values[i],
            i / width.max(1),
            i % width.max(1)
        ))),
    }
}

/// A dataset of `x` (rows × features) and either class `labels` (0..`n_classes`) or targets `y`
/// (rows × outputs).
fn dataset(
    x: PyReadonlyArray2<f32>,
    labels: Option<PyReadonlyArray1<i64>>,
    y: Option<PyReadonlyArray2<f32>>,
    n_classes: usize,
) -> PyResult<Dataset> {
    let (rows, d) = (x.shape()[0], x.shape()[1]);
    let xs: Vec<f32> = x.as_array().iter().copied().collect();
    finite(&xs, d, "x")?;
    match (labels, y) {
        (Some(l), None) => {
            let labels: Vec<u32> = l.as_array().iter().map(|&c| c as u32).collect();
            if labels.len() != rows || labels.iter().any(|&c| c as usize >= n_classes) {
                return Err(PyValueError::new_err(format!("expected {rows} labels in 0..{n_classes}")));
            }
            Ok(Dataset::classification(xs, d, labels, n_classes))
        }
        (None, Some(y)) if y.shape()[0] == rows => {
            let ys: Vec<f32> = y.as_array().iter().copied().collect();
            finite(&ys, y.shape()[1], "y")?;
            Ok(Dataset::regression(xs, d, ys, y.shape()[1]))
        }
        _ => Err(PyValueError::new_err("give labels (classification) or y with a row per row of x (regression)")),
    }
}

/// Trains on splits given as they are (no table preprocessing): `train` = (x, labels, y),
/// `test` and `validation` likewise or `None`; the features are used as given (Nielsen's MNIST
/// pixels in [0, 1]). `init` starts from a model's weights; `on_epoch(dict)` sees every epoch
/// and, by returning `True`, ends training after it (the model so far is returned).
#[pyfunction]
#[pyo3(signature = (config, x, labels, y, n_classes, validation = None, test = None, init = None, on_epoch = None, name = "python"))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn fit_arrays(
    py: Python<'_>,
    config: &str,
    x: PyReadonlyArray2<f32>,
    labels: Option<PyReadonlyArray1<i64>>,
    y: Option<PyReadonlyArray2<f32>>,
    n_classes: usize,
    validation: Option<(PyReadonlyArray2<f32>, Option<PyReadonlyArray1<i64>>, Option<PyReadonlyArray2<f32>>)>,
    test: Option<(PyReadonlyArray2<f32>, Option<PyReadonlyArray1<i64>>, Option<PyReadonlyArray2<f32>>)>,
    init: Option<PyRef<'_, PyModel>>,
    on_epoch: Option<Py<PyAny>>,
    name: &str,
) -> PyResult<(PyModel, String)> {
    let dir = tempfile::tempdir().map_err(|e| PyValueError::new_err(e.to_string()))?;
    let config = configuration(config, init.as_deref(), &dir)?;
    let part = |p: Option<(PyReadonlyArray2<f32>, Option<PyReadonlyArray1<i64>>, Option<PyReadonlyArray2<f32>>)>| {
        p.map(|(x, l, y)| dataset(x, l, y, n_classes)).transpose()
    };
    let train_set = dataset(x, labels, y, n_classes)?;
    let class_names = train_set.is_classification().then(|| (0..n_classes).map(|c| c.to_string()).collect());
    let splits = Splits {
        name: name.to_string(),
        train: train_set,
        validation: part(validation)?,
        test: part(test)?,
        class_names,
        image_shape: None,
    };
    train(py, &config, &Data::from(splits), on_epoch)
}

/// Trains on a matrix of numbers `x` (rows × `names`) with the targets given as text cells
/// (`target_columns`, one row of cells per row of `x`), read as the CLI reads the table holding
/// both: the configuration's `[data]` settings split, type and standardise it.
#[pyfunction]
#[pyo3(signature = (config, x, names, target_columns, target_rows, init = None, on_epoch = None))]
#[allow(clippy::too_many_arguments)]
pub fn fit_matrix(
    py: Python<'_>,
    config: &str,
    x: PyReadonlyArray2<f32>,
    names: Vec<String>,
    target_columns: Vec<String>,
    target_rows: Vec<Vec<String>>,
    init: Option<PyRef<'_, PyModel>>,
    on_epoch: Option<Py<PyAny>>,
) -> PyResult<(PyModel, String)> {
    let dir = tempfile::tempdir().map_err(|e| PyValueError::new_err(e.to_string()))?;
    let mut config = configuration(config, init.as_deref(), &dir)?;
    config.data.train.get_or_insert_with(|| "X".into());
    if x.shape()[1] != names.len() {
        return Err(PyValueError::new_err(format!("x has {} columns but {} names", x.shape()[1], names.len())));
    }
    let values: Vec<f32> = x.as_array().iter().copied().collect();
    finite(&values, names.len(), "x")?;
    let targets = table(target_columns, target_rows, "X")?;
    let opts = config.table_options();
    let data = py.detach(|| from_matrix(Matrix { x: &values, names: &names }, &targets, &opts)).map_err(to_py)?;
    train(py, &config, &data, on_epoch)
}

/// Trains on a table of text cells (`columns`, `rows`; targets among the columns, named by the
/// configuration), read exactly as the CLI reads a CSV file.
#[pyfunction]
#[pyo3(signature = (config, columns, rows, init = None, on_epoch = None, name = "DataFrame"))]
pub fn fit_table(
    py: Python<'_>,
    config: &str,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    init: Option<PyRef<'_, PyModel>>,
    on_epoch: Option<Py<PyAny>>,
    name: &str,
) -> PyResult<(PyModel, String)> {
    let dir = tempfile::tempdir().map_err(|e| PyValueError::new_err(e.to_string()))?;
    let mut config = configuration(config, init.as_deref(), &dir)?;
    // The table is in memory; `[data] train` names it (the CLI's CSV rules then apply).
    config.data.train.get_or_insert_with(|| name.into());
    let t: Table = table(columns, rows, name)?;
    let opts = config.table_options();
    let data = py.detach(|| from_tables(&t, None, &opts)).map_err(to_py)?;
    train(py, &config, &data, on_epoch)
}

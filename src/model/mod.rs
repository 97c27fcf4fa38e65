//! The model: a trained [`Network`] together with everything needed to use it on raw inputs —
//! the input standardisation, the table's columns, the class names, the image shape — as one
//! value, saved and loaded as one safetensors file (the format of `model/io.rs`, readable by Python's
//! `safetensors` and NumPy alone). [`Model::predict`] takes raw rows (or a [`Table`] read by column
//! name) and returns classes with probabilities, or values in the targets' own units: regression
//! on a table trains on standardised targets and folds the inverse scaling into the output layer
//! (exact for identity outputs), so the saved weights already predict in those units.

mod io;

pub(crate) use io::param_count;
pub use io::{FORMAT, MAX_MODEL_BYTES};

use crate::activation::Activation;
use crate::atomic::write_atomic;
use crate::data::Dataset;
use crate::data::columns::Encoded;
use crate::data::csv::{Table, Task};
use crate::error::{Error, Result};
use crate::metrics::{Metrics, argmax, evaluate};
use crate::network::{Network, Workspace};
use crate::preprocess::Preprocessing;
use std::collections::BTreeMap;
use std::path::Path;

/// Rows per chunk when a model predicts or evaluates many rows.
pub const CHUNK_ROWS: usize = 1000;

/// A trained network with its preprocessing and names.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The network, with f32 weights.
    pub network: Network<f32>,
    /// What is applied to raw inputs before the network.
    pub preprocessing: Preprocessing,
    /// Class names, index = class (classification).
    pub class_names: Option<Vec<String>>,
    /// The data source the model was trained on (`mnist`, a file name, ...).
    pub dataset: Option<String>,
    /// Further metadata entries, kept as read and written back.
    pub extra: BTreeMap<String, String>,
}

/// What a model predicts for a batch of rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Predictions {
    /// One class per row, with the probability of every class.
    Classes {
        /// The predicted class of each row (index into `names`).
        class: Vec<usize>,
        /// Class probabilities, rows × classes row-major ([`class_probabilities`]).
        probabilities: Vec<f32>,
        /// The class names.
        names: Vec<String>,
    },
    /// Real values, rows × `width` row-major, in the targets' units.
    Values {
        /// The values.
        values: Vec<f32>,
        /// Values per row (target columns).
        width: usize,
        /// The target names, when the model knows them.
        names: Option<Vec<String>>,
    },
}

impl Model {
    /// A model of `network` alone: no preprocessing, no names.
    pub fn new(network: Network<f32>) -> Model {
        Model {
            network,
            preprocessing: Preprocessing::default(),
            class_names: None,
            dataset: None,
            extra: Default::default(),
        }
    }

    /// Reads a model file written by [`Model::save`], checking the format, shapes and checksum.
    pub fn load(path: &Path) -> Result<Model> {
        io::read(path)
    }

    /// Parses model bytes; `path` names the source in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
        io::from_bytes(bytes, path)
    }

    /// The model's file contents (safetensors).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        io::to_bytes(self)
    }

    /// Saves the model to `path` atomically (temp file, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, &self.to_bytes()?)
    }

    /// Classification or regression: classification when the model has one class name per output.
    pub fn task(&self) -> Task {
        match &self.class_names {
            Some(names) if names.len() == self.network.n_outputs() => Task::Classification,
            _ => Task::Regression,
        }
    }

    /// The network's outputs aᴸ (rows × outputs) for raw inputs `x` (rows × inputs, row-major):
    /// the preprocessing first, then the forward pass in chunks of [`CHUNK_ROWS`].
    pub fn outputs(&self, x: &[f32]) -> Result<Vec<f32>> {
        let net = &self.network;
        let d = net.n_inputs();
        if !x.len().is_multiple_of(d) {
            let got = format!("{} values (not a whole number of rows)", x.len());
            return Err(Error::Shape { op: "model inputs".into(), expected: format!("rows of {d} values"), got });
        }
        let mut x = x.to_vec();
        self.preprocessing.apply(&mut x);
        let rows = x.len() / d;
        let mut ws = Workspace::new(net, CHUNK_ROWS.min(rows.max(1)));
        let mut out = Vec::with_capacity(rows * net.n_outputs());
        for chunk in x.chunks(ws.capacity() * d) {
            out.extend_from_slice(net.forward(chunk, chunk.len() / d, &mut ws));
        }
        Ok(out)
    }

    /// Predictions for raw inputs `x` (rows × inputs, row-major).
    pub fn predict(&self, x: &[f32]) -> Result<Predictions> {
        let a = self.outputs(x)?;
        let k = self.network.n_outputs();
        let output = *self.network.activations().last().expect("a layer");
        Ok(match (self.task(), &self.class_names) {
            (Task::Classification, Some(names)) => {
                let probabilities: Vec<f32> =
                    a.chunks_exact(k).flat_map(|row| class_probabilities(output, row)).collect();
                let class = probabilities.chunks_exact(k).map(argmax).collect();
                Predictions::Classes { class, probabilities, names: names.clone() }
            }
            _ => {
                let names = self.preprocessing.schema.as_ref().map(|s| s.targets.clone()).filter(|t| t.len() == k);
                Predictions::Values { values: a, width: k, names }
            }
        })
    }

    /// The inputs of the rows of `table`: by column name when the model knows its columns (each
    /// column encoded as in training; a category training did not see is all zeros and a
    /// warning, or with `strict` an error), else every column as a number (their number must be
    /// the model's input width).
    pub fn features_of(&self, table: &Table, strict: bool) -> Result<Encoded> {
        match &self.preprocessing.schema {
            Some(s) => s.inputs_of(table, strict),
            None if table.columns.len() == self.network.n_inputs() => {
                Ok(Encoded { x: table.numbers(&(0..table.columns.len()).collect::<Vec<_>>())?, warnings: Vec::new() })
            }
            None => Err(Error::format(
                &table.path,
                format!("has {} columns; the model takes {} inputs", table.columns.len(), self.network.n_inputs()),
            )),
        }
    }

    /// Predictions for the rows of a matrix of numbers `x` whose columns are the model's features
    /// in the training order, left-out ones included (a model trained on a matrix or a table of
    /// numbers), or, for models that do not know their columns, the network's inputs.
    pub fn predict_matrix(&self, x: &[f32]) -> Result<Predictions> {
        match &self.preprocessing.schema {
            Some(s) => self.predict(&s.inputs_of_matrix(x)?),
            None => self.predict(x),
        }
    }

    /// Predictions for the rows of `table`, read by column name, and the encoding's warnings.
    pub fn predict_table(&self, table: &Table, strict: bool) -> Result<(Predictions, Vec<String>)> {
        let Encoded { x, warnings } = self.features_of(table, strict)?;
        Ok((self.predict(&x)?, warnings))
    }

    /// Loss and accuracy (or MSE and MAE) on `data`, whose features are raw (the preprocessing is
    /// applied) and whose targets are in the targets' units.
    pub fn evaluate(&self, data: &Dataset, threads: usize) -> Result<Metrics> {
        self.check_fits(data)?;
        let mut data = data.clone();
        self.preprocessing.apply(&mut data.x);
        let mut ws = Workspace::new(&self.network, CHUNK_ROWS).with_threads(threads);
        Ok(evaluate(&self.network, &data, &mut ws))
    }

    /// Loss and accuracy (or MSE and MAE) on the rows of a table that have the model's target
    /// columns, with what reading it had to say (rows without a target, unseen categories).
    pub fn evaluate_table(&self, table: &Table, threads: usize, strict: bool) -> Result<(Metrics, Vec<String>)> {
        let schema = self.preprocessing.schema.as_ref().ok_or_else(|| {
            Error::format(&table.path, "the model was not trained on a table; evaluate it on its dataset")
        })?;
        let data = schema.read(table, strict)?;
        let mut notes = data.warnings;
        if data.dropped > 0 {
            notes.push(format!("{}: {} rows without a target left out", table.path.display(), data.dropped));
        }
        Ok((self.evaluate(&data.dataset, threads)?, notes))
    }

    /// Refuses data whose width does not fit the network.
    fn check_fits(&self, data: &Dataset) -> Result<()> {
        let net = &self.network;
        if data.n_features != net.n_inputs() || data.n_outputs != net.n_outputs() {
            return Err(Error::Shape {
                op: "the model on this data".into(),
                expected: format!("{} inputs, {} outputs", net.n_inputs(), net.n_outputs()),
                got: format!("{} inputs, {} outputs", data.n_features, data.n_outputs),
            });
        }
        Ok(())
    }
}

/// Class probabilities from one output row. Softmax outputs already are probabilities. Other
/// outputs (e.g. one sigmoid per class, each in (0, 1) on its own) are clipped at 0 and
/// normalised to sum to 1 — a ranking of the classes, not a calibrated probability.
pub fn class_probabilities(output: Activation, a: &[f32]) -> Vec<f32> {
    if output == Activation::Softmax {
        return a.to_vec();
    }
    let clipped: Vec<f32> = a.iter().map(|&v| v.max(0.0)).collect();
    let sum: f32 = clipped.iter().sum();
    if sum > 0.0 { clipped.iter().map(|v| v / sum).collect() } else { vec![1.0 / a.len() as f32; a.len()] }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::Cost;

    #[test]
    fn sigmoid_outputs_are_normalised_softmax_kept() {
        assert_eq!(class_probabilities(Activation::Sigmoid, &[0.6, 0.2]), [0.75, 0.25]);
        assert_eq!(class_probabilities(Activation::Softmax, &[0.6, 0.4]), [0.6, 0.4]);
    }

    /// A model saved and loaded is the same value, and predicts from raw rows through its
    /// standardisation: one identity layer y = 2·(x − 1)/4 + 0.5.
    #[test]
    fn a_model_carries_its_preprocessing_through_a_file() {
        let mut net = Network::<f32>::new(&[1, 1], Activation::Identity, Activation::Identity, Cost::Mse).unwrap();
        net.params_mut().copy_from_slice(&[2.0, 0.5]);
        let mut model = Model::new(net);
        model.preprocessing.input = Some(crate::preprocess::Standardizer { mean: vec![1.0], std: vec![4.0] });
        model.dataset = Some("toy".into());
        let back = Model::from_bytes(&model.to_bytes().unwrap(), Path::new("m")).unwrap();
        assert_eq!(back, model);
        let Predictions::Values { values, .. } = back.predict(&[1.0, 5.0]).unwrap() else { panic!("values") };
        assert_eq!(values, [0.5, 2.5]);
        assert!(back.predict(&[]).unwrap() == Predictions::Values { values: vec![], width: 1, names: None });
    }
}

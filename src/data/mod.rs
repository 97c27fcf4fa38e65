//! Datasets: a [`Dataset`] is n samples with features x (n × d) and targets y (n × k), row-major
//! f32; [`Splits`] holds the training, validation and test parts of one named source. Loaders: [`idx`] (MNIST-format files), [`csv`] (tables: CSV/TSV, gzip-compressed or not, and [`parquet`], read as [`table`]s, their
//! columns typed and fitted in [`columns`] and read through a [`schema`]),
//! [`image`] (PNG/JPEG digits), [`builtin`] (datasets embedded in the binary) and [`locate`] (the
//! data-directory rules); [`fetch`] downloads; [`augment`] distorts training images on the fly.

pub mod augment;
pub mod builtin;
pub mod columns;
pub mod csv;
pub mod fetch;
pub mod idx;
pub mod image;
pub mod locate;
pub mod parquet;
pub mod schema;
pub mod table;

use crate::error::{Error, Result};
use std::path::Path;

/// n samples: features `x` (n × `n_features`) and targets `y` (n × `n_outputs`), row-major.
/// For classification `labels` holds each sample's class and `y` its one-hot encoding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// Features, n × d row-major.
    pub x: Vec<f32>,
    /// Targets, n × k row-major (one-hot for classification).
    pub y: Vec<f32>,
    /// d, the width of a sample.
    pub n_features: usize,
    /// k, the width of a target.
    pub n_outputs: usize,
    /// Class of each sample (classification only).
    pub labels: Option<Vec<u32>>,
}

impl Dataset {
    /// A classification dataset from features and class labels (`n_classes` one-hot outputs).
    pub fn classification(x: Vec<f32>, n_features: usize, labels: Vec<u32>, n_classes: usize) -> Self {
        let mut y = vec![0.0; labels.len() * n_classes];
        for (i, &c) in labels.iter().enumerate() {
            y[i * n_classes + c as usize] = 1.0;
        }
        Dataset { x, y, n_features, n_outputs: n_classes, labels: Some(labels) }
    }

    /// A regression dataset from features and real-valued targets.
    pub fn regression(x: Vec<f32>, n_features: usize, y: Vec<f32>, n_outputs: usize) -> Self {
        Dataset { x, y, n_features, n_outputs, labels: None }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.len().checked_div(self.n_features).unwrap_or(0)
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the targets are class labels.
    pub fn is_classification(&self) -> bool {
        self.labels.is_some()
    }

    /// The samples with indices in `range`, copied.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Dataset {
        Dataset {
            x: self.x[range.start * self.n_features..range.end * self.n_features].to_vec(),
            y: self.y[range.start * self.n_outputs..range.end * self.n_outputs].to_vec(),
            n_features: self.n_features,
            n_outputs: self.n_outputs,
            labels: self.labels.as_ref().map(|l| l[range].to_vec()),
        }
    }

    /// The samples at `indices`, in that order, copied.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let (d, k) = (self.n_features, self.n_outputs);
        let mut out = Dataset { n_features: d, n_outputs: k, ..Default::default() };
        for &i in indices {
            out.x.extend_from_slice(&self.x[i * d..(i + 1) * d]);
            out.y.extend_from_slice(&self.y[i * k..(i + 1) * k]);
        }
        out.labels = self.labels.as_ref().map(|l| indices.iter().map(|&i| l[i]).collect());
        out
    }

    /// Appends `other`'s samples (same widths) after this dataset's.
    fn append(&mut self, other: Dataset) {
        debug_assert_eq!((self.n_features, self.n_outputs), (other.n_features, other.n_outputs));
        self.x.extend_from_slice(&other.x);
        self.y.extend_from_slice(&other.y);
        if let (Some(mine), Some(theirs)) = (&mut self.labels, other.labels) {
            mine.extend_from_slice(&theirs);
        }
    }

    /// Splits off the last `n` samples (at most all of them), keeping the rest.
    fn split_off_last(&mut self, n: usize) -> Dataset {
        let keep = self.len() - n.min(self.len());
        let tail = self.slice(keep..self.len());
        self.x.truncate(keep * self.n_features);
        self.y.truncate(keep * self.n_outputs);
        if let Some(labels) = &mut self.labels {
            labels.truncate(keep);
        }
        tail
    }
}

/// The parts of one data source, plus what a model needs to remember about it.
#[derive(Debug, Clone, Default)]
pub struct Splits {
    /// Name of the source (`mnist`, `digits`, a file name, ...).
    pub name: String,
    /// Training data.
    pub train: Dataset,
    /// Validation data (early stopping, schedules, model selection).
    pub validation: Option<Dataset>,
    /// Test data.
    pub test: Option<Dataset>,
    /// Class names, index = class (classification only).
    pub class_names: Option<Vec<String>>,
    /// Image height and width when samples are images (e.g. (28, 28)).
    pub image_shape: Option<(usize, usize)>,
}

impl Splits {
    /// The parts that exist, by name: `("train", ..)`, `("validation", ..)`, `("test", ..)`.
    pub fn parts(&self) -> Vec<(&'static str, &Dataset)> {
        let mut parts = vec![("train", &self.train)];
        if let Some(v) = &self.validation {
            parts.push(("validation", v));
        }
        if let Some(t) = &self.test {
            parts.push(("test", t));
        }
        parts
    }

    /// Re-draws the validation split as Keras's `validation_split` does: the training and
    /// validation parts are joined (in that order: for MNIST, the 60,000 training images as
    /// published) and the last ⌈`fraction`·n⌉ samples validate; `fraction` = 0 trains on all
    /// of them and leaves no validation split.
    pub fn resplit_validation(&mut self, fraction: f64) {
        if let Some(validation) = self.validation.take() {
            self.train.append(validation);
        }
        let n_val = (fraction * self.train.len() as f64).ceil() as usize;
        self.validation = (n_val > 0).then(|| self.train.split_off_last(n_val));
    }

    /// Keeps only the first `n` training samples (e.g. Nielsen's 1,000-image overfitting demo).
    pub fn truncate_train(&mut self, n: usize) {
        if n < self.train.len() {
            self.train = self.train.slice(0..n);
        }
    }
}

/// Loads a dataset by name: `mnist`, `fashion-mnist` (from the data directory), or a built-in one
/// (`digits`, `higham`, `higham-extra`). `data_dir` is the `--data` flag, if given.
pub fn load_named(name: &str, data_dir: Option<&Path>) -> Result<Splits> {
    match name {
        "mnist" | "fashion-mnist" => {
            let dir = locate::find_dataset(name, data_dir)?;
            idx::load_mnist_dir(name, &dir)
        }
        _ => builtin::load(name).ok_or_else(|| {
            Error::config(
                "--dataset",
                format!("unknown dataset '{name}'; valid: mnist, fashion-mnist, {}", builtin::NAMES.join(", ")),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(range: std::ops::Range<u32>) -> Dataset {
        Dataset::classification(range.clone().map(|i| i as f32).collect(), 1, range.map(|i| i % 2).collect(), 2)
    }

    #[test]
    fn resplit_validation_keeps_the_last_fraction_in_order() {
        let mut s = Splits { train: numbered(0..50), validation: Some(numbered(50..60)), ..Default::default() };
        s.resplit_validation(0.25);
        assert_eq!(s.train, numbered(0..45));
        assert_eq!(s.validation, Some(numbered(45..60)));
        s.resplit_validation(1.0 / 6.0);
        assert_eq!((s.train, s.validation), (numbered(0..50), Some(numbered(50..60))));
        let mut s = Splits { train: numbered(0..50), validation: Some(numbered(50..60)), ..Default::default() };
        s.resplit_validation(0.0);
        assert_eq!((s.train, s.validation), (numbered(0..60), None));
    }
}

//! What is fitted on the training split and travels with the model ([`Preprocessing`]): the input
//! standardisation, the table's schema (CSV models) and the image shape (image models); and
//! [`Data`], the splits a run trains on as the network sees them, with their preprocessing.
//! [`table`] reads a CSV table into such data; `standardize` holds the standardisation, of
//! inputs and of regression targets (trained on, then folded into the output layer).

pub mod matrix;
mod standardize;
pub mod table;

pub use standardize::{Standardizer, standardize_targets};

use crate::data::Splits;
use crate::data::csv::Schema;

/// What a model applies to raw inputs before its network, fitted on the training split.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Preprocessing {
    /// The table the model reads (CSV models): feature and target columns, task, class names.
    pub schema: Option<Schema>,
    /// Per-input standardisation x' = (x − mean)/std (CSV models).
    pub input: Option<Standardizer>,
    /// Image height and width (image models, whose inputs are pixels scaled to [0, 1]).
    pub image_shape: Option<(usize, usize)>,
}

impl Preprocessing {
    /// Applies the input standardisation, if any, to row-major raw inputs `x`.
    pub fn apply(&self, x: &mut [f32]) {
        if let Some(s) = &self.input {
            s.apply(x);
        }
    }
}

/// Training data: train, validation and test splits (for CSV data with features standardised by
/// the training split's statistics) and what a model must apply to raw inputs to match them.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// The splits as the network sees them.
    pub splits: Splits,
    /// What a model trained on these splits applies to raw inputs.
    pub preprocessing: Preprocessing,
    /// Why the task was chosen, when it was inferred from a CSV target column.
    pub task_reason: Option<String>,
    /// Rows of the tables left out for a missing target.
    pub dropped_rows: usize,
    /// What reading the tables had to say (categories of the test file training did not see).
    pub notes: Vec<String>,
}

impl Data {
    /// True for data read from a table (features standardised, targets by column name).
    pub fn is_tabular(&self) -> bool {
        self.preprocessing.schema.is_some()
    }
}

impl From<Splits> for Data {
    /// In-memory splits, used as given (an image dataset keeps its image shape).
    fn from(splits: Splits) -> Data {
        let preprocessing = Preprocessing { image_shape: splits.image_shape, ..Default::default() };
        Data { splits, preprocessing, task_reason: None, dropped_rows: 0, notes: Vec::new() }
    }
}

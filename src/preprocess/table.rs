//! Reading a CSV/TSV training table into [`Data`]: the rows shuffled with the run's seed and cut
//! into train, validation and test splits, and the features standardised with the training
//! split's statistics, which the data's preprocessing keeps for the model.

use super::{Data, Preprocessing, Standardizer};
use crate::data::Splits;
use crate::data::csv::{Schema, Table, Task};
use crate::error::{Error, Result};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::path::PathBuf;

/// What [`load`] needs: the files, the target columns, the task and the held-out fractions.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    /// Training file.
    pub train: PathBuf,
    /// Test file, if any.
    pub test: Option<PathBuf>,
    /// Target column names.
    pub targets: Vec<String>,
    /// The task, or `None` to infer it.
    pub task: Option<Task>,
    /// Fraction of the training file held out for validation.
    pub validation_fraction: f64,
    /// Fraction of the training file held out for testing (ignored with a test file).
    pub test_fraction: f64,
    /// Seed of the shuffle that picks the held-out rows.
    pub seed: u64,
}

/// Reads CSV training data as `opts` says. The training file's rows are shuffled with `seed`;
/// the first ⌈test_fraction·n⌉ become the test split (only without a test file), the next
/// ⌈validation_fraction·n⌉ the validation split, the rest train. Features of every split are
/// standardised with the training split's mean and standard deviation, which the returned data's
/// preprocessing keeps for the model.
pub fn load(opts: &CsvOptions) -> Result<Data> {
    let table = Table::read(&opts.train)?;
    let (schema, task_reason) = Schema::from_table(&table, &opts.targets, opts.task)?;
    let all = schema.dataset(&table)?;
    let n = all.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed));
    let count = |f: f64| if f > 0.0 { ((f * n as f64).ceil() as usize).max(1) } else { 0 };
    let n_test = if opts.test.is_some() { 0 } else { count(opts.test_fraction) };
    let n_val = count(opts.validation_fraction);
    if n_test + n_val >= n {
        return Err(Error::format(
            &opts.train,
            format!("{n} rows leave none for training after {n_test} test and {n_val} validation rows"),
        ));
    }
    let (test_rows, rest) = order.split_at(n_test);
    let (val_rows, train_rows) = rest.split_at(n_val);
    let mut test = (n_test > 0).then(|| all.select(test_rows));
    if let Some(path) = &opts.test {
        test = Some(schema.dataset(&Table::read(path)?)?);
    }
    let mut splits = Splits {
        name: opts.train.file_name().map_or_else(|| opts.train.display().to_string(), |f| f.to_string_lossy().into()),
        train: all.select(train_rows),
        validation: (n_val > 0).then(|| all.select(val_rows)),
        test,
        class_names: schema.class_names.clone(),
        image_shape: None,
    };
    let features = Standardizer::fit(&splits.train.x, splits.train.n_features);
    for part in [Some(&mut splits.train), splits.validation.as_mut(), splits.test.as_mut()].into_iter().flatten() {
        features.apply(&mut part.x);
    }
    let preprocessing = Preprocessing { schema: Some(schema), input: Some(features), image_shape: None };
    Ok(Data { splits, preprocessing, task_reason })
}

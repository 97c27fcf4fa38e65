//! Reading a CSV/TSV training table into [`Data`]: the rows shuffled with the run's seed and cut
//! into train, validation and test splits, the feature columns typed and fitted on the training
//! split (categories, medians), and the numeric inputs standardised with the training split's
//! statistics; the data's preprocessing keeps both for the model.

use super::{Data, Preprocessing, Standardizer};
use crate::data::Splits;
use crate::data::columns::ColumnOptions;
use crate::data::csv::{Schema, Table, TableData, Targets, Task};
use crate::error::{Error, Result};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::path::PathBuf;

/// Validation fraction for CSV data when not given (scikit-learn's `validation_fraction`), for
/// tables whose validation split would have at least [`MIN_VALIDATION_ROWS`] rows.
pub const TABULAR_VALIDATION_FRACTION: f64 = 0.1;
/// Fewest rows a default validation split may have: a smaller table trains on all its rows and
/// stops on a plateau of the training loss instead (scikit-learn's default), since early stopping
/// on a handful of validation rows stops at random.
pub const MIN_VALIDATION_ROWS: usize = 100;

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
    /// Fraction of the training file held out for validation; `None`: 0.1 when that makes at
    /// least [`MIN_VALIDATION_ROWS`] rows, else none (the run then stops on a plateau of the
    /// training loss).
    pub validation_fraction: Option<f64>,
    /// Fraction of the training file held out for testing (ignored with a test file).
    pub test_fraction: f64,
    /// Seed of the shuffle that picks the held-out rows.
    pub seed: u64,
    /// How the feature columns are typed and missing cells treated.
    pub columns: ColumnOptions,
}

/// Reads CSV training data as `opts` says. Rows without a target are dropped (counted in
/// `dropped_rows`). The remaining rows are shuffled with `seed`; the first ⌈test_fraction·n⌉
/// become the test split (only without a test file), the next ⌈validation_fraction·n⌉ the
/// validation split (by default 10%, when that is at least [`MIN_VALIDATION_ROWS`] rows), the
/// rest train. The feature columns are typed and fitted on the training
/// split ([`Schema::fit`]), every split encoded with them, and the numeric inputs standardised
/// with the training split's mean and standard deviation; the returned data's preprocessing
/// keeps both for the model.
pub fn load(opts: &CsvOptions) -> Result<Data> {
    let table = Table::read(&opts.train)?;
    let targets = Targets::of(&table, &opts.targets, opts.task, opts.columns.missing)?;
    let n = targets.rows.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed));
    let count = |f: f64| if f > 0.0 { ((f * n as f64).ceil() as usize).max(1) } else { 0 };
    let n_test = if opts.test.is_some() { 0 } else { count(opts.test_fraction) };
    let n_val = match opts.validation_fraction {
        Some(f) => count(f),
        None => Some(count(TABULAR_VALIDATION_FRACTION)).filter(|&v| v >= MIN_VALIDATION_ROWS).unwrap_or(0),
    };
    if n_test + n_val >= n {
        return Err(Error::format(
            &opts.train,
            format!("{n} rows leave none for training after {n_test} test and {n_val} validation rows"),
        ));
    }
    let rows = |positions: &[usize]| positions.iter().map(|&p| targets.rows[p]).collect::<Vec<usize>>();
    let (test_rows, rest) = order.split_at(n_test);
    let (val_rows, train_rows) = rest.split_at(n_val);
    let (test_rows, val_rows, train_rows) = (rows(test_rows), rows(val_rows), rows(train_rows));
    let schema = Schema::fit(&table, &targets, &train_rows, &opts.columns)?;
    let read = |rows: &[usize]| schema.rows(&table, &targets.cols, rows, false);
    let (train, validation) = (read(&train_rows)?, (n_val > 0).then(|| read(&val_rows)).transpose()?);
    let mut test = (n_test > 0).then(|| read(&test_rows)).transpose()?;
    let mut dropped_rows = targets.dropped(&table);
    if let Some(path) = &opts.test {
        let data = schema.read(&Table::read(path)?, false)?;
        dropped_rows += data.dropped;
        test = Some(data);
    }
    let mut notes: Vec<String> = Vec::new();
    let mut take = |d: TableData| {
        notes.extend(d.warnings);
        d.dataset
    };
    let mut splits = Splits {
        name: opts.train.file_name().map_or_else(|| opts.train.display().to_string(), |f| f.to_string_lossy().into()),
        train: take(train),
        validation: validation.map(&mut take),
        test: test.map(&mut take),
        class_names: schema.class_names.clone(),
        image_shape: None,
    };
    let features = Standardizer::fit_masked(&splits.train.x, &schema.scaled_inputs());
    for part in [Some(&mut splits.train), splits.validation.as_mut(), splits.test.as_mut()].into_iter().flatten() {
        features.apply(&mut part.x);
    }
    let preprocessing = Preprocessing { schema: Some(schema), input: Some(features), image_shape: None };
    Ok(Data { splits, preprocessing, task_reason: targets.why, dropped_rows, notes })
}

//! Reading a CSV/TSV training table into [`Data`]: the rows shuffled with the run's seed and cut
//! into train, validation and test splits, the feature columns typed and fitted on the training
//! split (categories, medians), and the numeric inputs standardised with the training split's
//! statistics; the data's preprocessing keeps both for the model.

use super::{Data, Preprocessing, Standardizer};
use crate::data::columns::ColumnOptions;
use crate::data::csv::{Schema, Table, TableData, Targets, Task};
use crate::data::{Dataset, Splits};
use crate::error::{Error, Result};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::path::{Path, PathBuf};

/// Validation fraction for CSV data when not given (scikit-learn's `validation_fraction`), for
/// tables whose validation split would have at least [`MIN_VALIDATION_ROWS`] rows.
pub const TABULAR_VALIDATION_FRACTION: f64 = 0.1;
/// Fewest rows a default validation split may have: a smaller table trains on all its rows and
/// stops on a plateau of the training loss instead (scikit-learn's default), since early stopping
/// on a handful of validation rows stops at random.
pub const MIN_VALIDATION_ROWS: usize = 100;

/// What [`load`] needs: the files and how to read them.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    /// Training file.
    pub train: PathBuf,
    /// Test file, if any.
    pub test: Option<PathBuf>,
    /// The targets, the held-out fractions, the seed and the columns' options.
    pub table: TableOptions,
}

/// How a training table becomes data: its target columns, the task, the held-out fractions, the
/// shuffle's seed and how the feature columns are typed.
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    /// Target column names.
    pub targets: Vec<String>,
    /// The task, or `None` to infer it.
    pub task: Option<Task>,
    /// Fraction of the training rows held out for validation; `None`: 0.1 when that makes at
    /// least [`MIN_VALIDATION_ROWS`] rows, else none (the run then stops on a plateau of the
    /// training loss).
    pub validation_fraction: Option<f64>,
    /// Fraction of the training rows held out for testing (ignored with a test table).
    pub test_fraction: f64,
    /// Seed of the shuffle that picks the held-out rows.
    pub seed: u64,
    /// How the feature columns are typed and missing cells treated.
    pub columns: ColumnOptions,
}

/// Reads the training file (and test file) as `opts` says; see [`from_tables`].
pub fn load(opts: &CsvOptions) -> Result<Data> {
    let table = Table::read(&opts.train)?;
    let test = opts.test.as_deref().map(Table::read).transpose()?;
    from_tables(&table, test.as_ref(), &opts.table)
}

/// The data of a training table (and a test table). Rows without a target are dropped (counted
/// in `dropped_rows`); the rest are cut into test, validation and training rows. The feature columns are typed and fitted on
/// the training split ([`Schema::fit`]), every split encoded with them, and the numeric inputs
/// standardised with the training split's mean and standard deviation; the returned data's
/// preprocessing keeps both for the model.
pub fn from_tables(table: &Table, test_table: Option<&Table>, opts: &TableOptions) -> Result<Data> {
    let targets = Targets::of(table, &opts.targets, opts.task, opts.columns.missing)?;
    let [test_rows, val_rows, train_rows] = split(&targets.rows, test_table.is_some(), opts, &table.path)?;
    let schema = Schema::fit(table, &targets, &train_rows, &opts.columns)?;
    let read = |rows: &[usize]| -> Result<Option<TableData>> {
        (!rows.is_empty()).then(|| schema.rows(table, &targets.cols, rows, false)).transpose()
    };
    let (train, validation, mut test) =
        (read(&train_rows)?.expect("training rows"), read(&val_rows)?, read(&test_rows)?);
    let mut dropped_rows = targets.dropped(table);
    if let Some(t) = test_table {
        let data = schema.read(t, false)?;
        dropped_rows += data.dropped;
        test = Some(data);
    }
    let mut notes: Vec<String> = Vec::new();
    let mut take = |d: TableData| {
        notes.extend(d.warnings);
        d.dataset
    };
    let (train, validation, test) = (take(train), validation.map(&mut take), test.map(&mut take));
    let mut data = standardized(table_name(&table.path), [Some(train), validation, test], schema, targets.why);
    (data.dropped_rows, data.notes) = (dropped_rows, notes);
    Ok(data)
}

/// The rows `rows` (those with a target) shuffled with the seed and cut into (test, validation,
/// train): the first ⌈test_fraction·n⌉ test (only without a test table), the next
/// ⌈validation_fraction·n⌉ validation (by default 10%, when that is at least
/// [`MIN_VALIDATION_ROWS`] rows), the rest train. `path` names the table in errors.
pub(crate) fn split(rows: &[usize], test_table: bool, opts: &TableOptions, path: &Path) -> Result<[Vec<usize>; 3]> {
    let n = rows.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed));
    let count = |f: f64| if f > 0.0 { ((f * n as f64).ceil() as usize).max(1) } else { 0 };
    let n_test = if test_table { 0 } else { count(opts.test_fraction) };
    let n_val = match opts.validation_fraction {
        Some(f) => count(f),
        None => Some(count(TABULAR_VALIDATION_FRACTION)).filter(|&v| v >= MIN_VALIDATION_ROWS).unwrap_or(0),
    };
    if n_test + n_val >= n {
        let what = format!("{n} rows leave none for training after {n_test} test and {n_val} validation rows");
        return Err(Error::format(path, what));
    }
    let rows_at = |positions: &[usize]| positions.iter().map(|&p| rows[p]).collect::<Vec<usize>>();
    let (test, rest) = order.split_at(n_test);
    let (val, train) = rest.split_at(n_val);
    Ok([rows_at(test), rows_at(val), rows_at(train)])
}

/// The name a table's data goes by: its file name.
pub(crate) fn table_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into())
}

/// Data of the splits [train, validation, test] read through `schema`, with the numeric inputs
/// standardised by the training split's statistics.
pub(crate) fn standardized(name: String, parts: [Option<Dataset>; 3], schema: Schema, why: Option<String>) -> Data {
    let [train, validation, test] = parts;
    let mut splits = Splits {
        name,
        train: train.expect("a training split"),
        validation,
        test,
        class_names: schema.class_names.clone(),
        image_shape: None,
    };
    let features = Standardizer::fit_masked(&splits.train.x, &schema.scaled_inputs());
    for part in [Some(&mut splits.train), splits.validation.as_mut(), splits.test.as_mut()].into_iter().flatten() {
        features.apply(&mut part.x);
    }
    let preprocessing = Preprocessing { schema: Some(schema), input: Some(features), image_shape: None };
    Data { splits, preprocessing, task_reason: why, dropped_rows: 0, notes: Vec::new() }
}

//! A numeric matrix with named columns as training data, the fast path of a table whose every
//! feature cell is a number (as NumPy arrays reach the Python package): the same targets, split,
//! column fitting and standardisation as [`super::table::from_tables`], without writing the
//! numbers as text. Tested to give the data that the table of the numbers' shortest texts gives.

use super::Data;
use super::table::{TableOptions, split, standardized};
use crate::data::Dataset;
use crate::data::columns::{Column, ColumnType};
use crate::data::csv::{Schema, Table, Targets, Task};
use crate::error::{Error, Result};

/// A row-major matrix of finite numbers, rows × `names.len()`, one name per column.
#[derive(Debug, Clone, Copy)]
pub struct Matrix<'a> {
    /// The values, row-major.
    pub x: &'a [f32],
    /// The column names.
    pub names: &'a [String],
}

impl Matrix<'_> {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.x.len() / self.names.len().max(1)
    }

    /// Column `j` of the rows `rows`.
    fn column(&self, j: usize, rows: &[usize]) -> Vec<f32> {
        let d = self.names.len();
        rows.iter().map(|&r| self.x[r * d + j]).collect()
    }
}

/// The data of the features `x` and the targets `targets` (a table of the target columns only,
/// one row per row of `x`), read as [`super::table::from_tables`] reads the table holding both.
/// Every value of `x` must be finite: a matrix has no missing cells.
pub fn from_matrix(x: Matrix, targets: &Table, opts: &TableOptions) -> Result<Data> {
    if x.rows() != targets.len() || x.x.len() != x.rows() * x.names.len() {
        let what = format!("{} feature rows but {} target rows", x.rows(), targets.len());
        return Err(Error::format(&targets.path, what));
    }
    if let Some(i) = x.x.iter().position(|v| !v.is_finite()) {
        let (r, j) = (i / x.names.len(), i % x.names.len());
        let what = format!("row {r}, column '{}': {} is not a finite number", x.names[j], x.x[i]);
        return Err(Error::format(&targets.path, what));
    }
    let found = Targets::of(targets, &opts.targets, opts.task, opts.columns.missing)?;
    let [test_rows, val_rows, train_rows] = split(&found.rows, false, opts, &targets.path)?;
    let columns = (0..x.names.len())
        .map(|j| Column::fit_values(&x.names[j], &x.column(j, &train_rows), &opts.columns))
        .collect::<Result<Vec<Column>>>()?;
    for name in opts.columns.ignore.iter().chain(&opts.columns.numeric) {
        if !x.names.contains(name) {
            return Err(Error::config("--ignore/--numeric", format!("there is no feature column '{name}'")));
        }
    }
    let features: Vec<String> =
        columns.iter().filter(|c| c.kind != ColumnType::Ignored).map(|c| c.name.clone()).collect();
    if features.is_empty() {
        return Err(Error::config("--target", "no feature column is left to train on".to_string()));
    }
    let schema = Schema {
        features,
        targets: found.names.clone(),
        task: found.task,
        class_names: found.class_names.clone(),
        columns,
    };
    let read = |rows: &[usize]| -> Result<Option<Dataset>> {
        (!rows.is_empty()).then(|| dataset(x, targets, &found, &schema, rows)).transpose()
    };
    let parts = [read(&train_rows)?, read(&val_rows)?, read(&test_rows)?];
    let mut data = standardized(super::table::table_name(&targets.path), parts, schema, found.why.clone());
    data.dropped_rows = found.dropped(targets);
    Ok(data)
}

/// The dataset of the rows `rows`: the used columns of `x`, and the targets.
fn dataset(x: Matrix, targets: &Table, found: &Targets, schema: &Schema, rows: &[usize]) -> Result<Dataset> {
    let used: Vec<usize> =
        (schema.columns.iter().enumerate()).filter(|(_, c)| c.kind != ColumnType::Ignored).map(|(j, _)| j).collect();
    let d = x.names.len();
    let inputs: Vec<f32> = rows.iter().flat_map(|&r| used.iter().map(move |&j| x.x[r * d + j])).collect();
    Ok(match (found.task, &found.class_names) {
        (Task::Classification, Some(names)) => {
            let ids = schema.class_ids(targets, found.cols[0], rows, names)?;
            Dataset::classification(inputs, used.len(), ids, names.len())
        }
        _ => Dataset::regression(inputs, used.len(), targets.targets_of(&found.cols, rows)?, found.cols.len()),
    })
}

#[cfg(test)]
mod tests;

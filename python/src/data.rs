//! Data crossing into Rust: table cells as a [`Table`], NumPy matrices checked for shape, and the
//! named datasets of the data directory (MNIST in Nielsen's 50,000 / 10,000 / 10,000 split) as
//! NumPy arrays.

use crate::to_py;
use neuralnet::data::csv::Table;
use neuralnet::data::{Dataset, load_named};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

/// A table named `name` of `columns` and text `rows`, rows numbered as the lines after a header
/// (so errors name "line 2" for the first row). Every row must have a cell per column.
pub(crate) fn table(columns: Vec<String>, rows: Vec<Vec<String>>, name: &str) -> PyResult<Table> {
    if let Some(i) = rows.iter().position(|r| r.len() != columns.len()) {
        let what = format!("row {i} has {} cells for {} columns", rows[i].len(), columns.len());
        return Err(PyValueError::new_err(what));
    }
    let rows = rows.into_iter().enumerate().map(|(i, r)| (i as u64 + 2, r)).collect();
    Ok(Table { path: PathBuf::from(name), columns, rows })
}

/// Number of cores training uses by default.
#[pyfunction]
pub fn available_threads() -> usize {
    neuralnet::available_threads()
}

/// A dataset's split as a dict: `x` (rows × features, float32) and `labels` (int64, for
/// classification) or `y` (rows × outputs, float32).
fn split_dict<'py>(py: Python<'py>, d: &Dataset) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("x", PyArray1::from_slice(py, &d.x).reshape([d.len(), d.n_features])?)?;
    match &d.labels {
        Some(labels) => out.set_item("labels", PyArray1::from_vec(py, labels.iter().map(|&l| l as i64).collect()))?,
        None => out.set_item("y", PyArray1::from_slice(py, &d.y).reshape([d.len(), d.n_outputs])?)?,
    }
    Ok(out)
}

/// The dataset `name` (`mnist`, `fashion-mnist`, `digits`, `higham`, ...) from `data_dir` (the
/// CLI's rules: else `$NEURALNET_DATA`, else `~/.cache/neuralnet`), as a dict of its splits
/// (`train`, and `validation` and `test` where it has them) and its `class_names`. A missing
/// dataset is a `ValueError` naming every place looked at and `neuralnet data fetch NAME`.
#[pyfunction]
#[pyo3(signature = (name, data_dir = None))]
pub fn load_dataset<'py>(py: Python<'py>, name: &str, data_dir: Option<PathBuf>) -> PyResult<Bound<'py, PyDict>> {
    let splits = py.detach(|| load_named(name, data_dir.as_deref())).map_err(to_py)?;
    let out = PyDict::new(py);
    out.set_item("train", split_dict(py, &splits.train)?)?;
    if let Some(v) = &splits.validation {
        out.set_item("validation", split_dict(py, v)?)?;
    }
    if let Some(t) = &splits.test {
        out.set_item("test", split_dict(py, t)?)?;
    }
    out.set_item("class_names", splits.class_names.clone())?;
    Ok(out)
}

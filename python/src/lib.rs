//! `neuralnet._core`: the Python extension module over the `neuralnet` crate. It is thin on
//! purpose: models ([`model::PyModel`]), training calls that take NumPy arrays or table cells and
//! run `neuralnet::fit` with the GIL released ([`fit`]), and the datasets of the data directory
//! ([`data`]). The Python package (`neuralnet/`) builds the scikit-learn estimators and Nielsen's
//! `network`/`network2` API on top.

mod data;
mod export;
mod fit;
mod model;

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// A library error as the Python exception a caller expects: bad input (exit code 2 in the CLI)
/// is a `ValueError`, an interrupt a `KeyboardInterrupt`, a diverged run or a bug a
/// `RuntimeError`; the message is the CLI's one line.
pub(crate) fn to_py(e: neuralnet::Error) -> PyErr {
    match e.exit_code() {
        2 => PyValueError::new_err(e.to_string()),
        130 => PyKeyboardInterrupt::new_err(e.to_string()),
        _ => PyRuntimeError::new_err(e.to_string()),
    }
}

/// The extension module.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<model::PyModel>()?;
    m.add_function(wrap_pyfunction!(model::new_network, m)?)?;
    m.add_function(wrap_pyfunction!(fit::fit_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(fit::fit_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(fit::fit_table, m)?)?;
    m.add_function(wrap_pyfunction!(data::load_dataset, m)?)?;
    m.add_function(wrap_pyfunction!(data::available_threads, m)?)?;
    m.add_function(wrap_pyfunction!(export::export_onnx, m)?)?;
    m.add_function(wrap_pyfunction!(export::export_torch, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

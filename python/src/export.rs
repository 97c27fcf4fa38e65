//! Exports of a model from Python: the ONNX graph and the PyTorch state dict, as
//! `neuralnet export --onnx` and `--torch` write them.

use crate::model::PyModel;
use crate::to_py;
use pyo3::prelude::*;
use std::path::PathBuf;

/// Writes the model as an ONNX graph to `path` (atomically): raw inputs (image pixels, or one
/// input per table column) in; `probabilities` and `label`, or `values`, out.
#[pyfunction]
pub fn export_onnx(py: Python<'_>, model: &PyModel, path: PathBuf) -> PyResult<()> {
    let model = model.inner.clone();
    py.detach(move || neuralnet::export::write_onnx(&model, &path)).map_err(to_py)
}

/// Writes the network as a PyTorch `nn.Sequential` state dict to `path` (safetensors) and the
/// Python lines that build and load it beside it (`.py`); returns the lines.
#[pyfunction]
pub fn export_torch(py: Python<'_>, model: &PyModel, path: PathBuf) -> PyResult<String> {
    let model = model.inner.clone();
    py.detach(move || neuralnet::export::write_torch(&model, &path)).map(|(_, lines)| lines).map_err(to_py)
}

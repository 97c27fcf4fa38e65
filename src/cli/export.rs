//! `neuralnet export`: the model as an ONNX graph and/or the network as a PyTorch state dict
//! with the Python lines that load it. The graph is built and every output's directory checked
//! before anything is written, and each file is written atomically.

use super::args::ExportArgs;
use anyhow::Result;
use neuralnet::data::csv::Task;
use neuralnet::{Error, Model};
use std::path::Path;
use std::process::ExitCode;

/// Runs `neuralnet export`.
pub fn run(a: ExportArgs) -> Result<ExitCode> {
    let model = Model::load(&a.model)?;
    for (path, flag) in [(&a.onnx, "--onnx"), (&a.torch, "--torch")] {
        if let Some(p) = path {
            check_directory(p, flag)?;
        }
    }
    let onnx = a.onnx.as_ref().map(|_| neuralnet::export::onnx(&model)).transpose()?;
    if let (Some(path), Some(bytes)) = (&a.onnx, &onnx) {
        neuralnet::atomic::write_atomic(path, bytes)?;
        let outputs = match model.task() {
            Task::Classification => "probabilities, label",
            Task::Regression => "values",
        };
        println!("wrote {} (ONNX opset {}; outputs: {outputs})", path.display(), neuralnet::export::OPSET);
    }
    if let Some(path) = &a.torch {
        let (py, lines) = neuralnet::export::write_torch(&model, path)?;
        print!("{lines}");
        println!("# wrote {} and {}", path.display(), py.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses an output path whose directory does not exist, naming the flag and the path.
fn check_directory(path: &Path, flag: &str) -> Result<(), Error> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if dir.is_dir() {
        Ok(())
    } else {
        Err(Error::config(flag, format!("{}: directory {} does not exist", path.display(), dir.display())))
    }
}

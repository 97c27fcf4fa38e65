//! Helpers shared by the integration tests: run the `neuralnet` binary and inspect its outcome.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the binary with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neuralnet")).args(args).output().expect("binary runs")
}

/// The exit code, stdout and stderr of a run.
pub fn outcome(args: &[&str]) -> (i32, String, String) {
    let out = run(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The shared data directory (`$NEURALNET_DATA`, or `../shared/data` next to the repository) if it holds MNIST.
pub fn mnist_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("NEURALNET_DATA").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data")),
    ];
    candidates.into_iter().flatten().find(|d| d.join("mnist/train-images-idx3-ubyte.gz").is_file())
}

/// Asserts a failed run: the exit code, a single-line message containing every `needle`, no panic.
pub fn assert_fails(args: &[&str], code: i32, needles: &[&str]) {
    let (got, _, stderr) = outcome(args);
    assert_eq!(got, code, "args {args:?}: stderr {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line expected: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "'{n}' not in: {stderr}");
    }
}

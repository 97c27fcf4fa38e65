//! The trained model must not depend on the number of threads: `neuralnet train --threads 1`,
//! `--threads 2`, `3`, `4` and the automatic choice (which runs rounds of batches on one thread or
//! on all, as their progress says) write models whose tensors are bit-identical (and whose metadata
//! are equal), and so does a run interrupted and resumed on another number of threads.
//!
//! Compared are the safetensors data section byte for byte and the header as a JSON map (the
//! header's key order is not fixed by the format, so the whole files may differ in that order).

mod common;
use common::StopAfter;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Trains with `args` and `--threads threads` (none: the automatic choice), returns the model
/// file's path.
fn train(dir: &Path, tag: &str, threads: Option<usize>, args: &[&str]) -> PathBuf {
    let out = dir.join(format!("{tag}-t{threads:?}.safetensors"));
    let flag = threads.map(|t| ["--threads".to_string(), t.to_string()]);
    let status = Command::new(env!("CARGO_BIN_EXE_neuralnet"))
        .arg("train")
        .args(args)
        .args(flag.iter().flatten())
        .args(["--quiet", "--out"])
        .arg(&out)
        .status()
        .expect("running neuralnet");
    assert!(status.success(), "neuralnet train {args:?} --threads {threads:?} failed");
    out
}

/// (header as JSON, tensor data bytes) of a safetensors file.
fn split(path: &Path) -> (serde_json::Value, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    (serde_json::from_slice(&bytes[8..8 + n]).unwrap(), bytes[8 + n..].to_vec())
}

fn assert_same_model(tag: &str, args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let (h1, d1) = split(&train(dir.path(), tag, Some(1), args));
    for threads in [Some(2), Some(3), Some(4), None] {
        let (h, d) = split(&train(dir.path(), tag, threads, args));
        assert!(d1 == d, "{tag}: tensors differ between --threads 1 and {threads:?}");
        assert_eq!(h1, h, "{tag}: metadata differ");
    }
}

#[test]
fn digits_sgd_is_bit_identical_across_thread_counts() {
    // Batch 10 is cut into two row blocks: the threaded path is exercised.
    let args = ["--dataset", "digits", "--layers", "64,30,10", "--activation", "sigmoid", "--output-activation"];
    let args =
        [&args[..], &["sigmoid", "--cost", "quadratic", "--optimizer", "sgd", "--eta", "3", "--batch-size", "10"]]
            .concat();
    assert_same_model("digits-sgd", &[&args[..], &["--epochs", "3", "--seed", "7"]].concat());
}

#[test]
fn digits_adam_is_bit_identical_across_thread_counts() {
    let args = ["--dataset", "digits", "--layers", "64,64,32,10", "--optimizer", "adam", "--batch-size", "64"];
    assert_same_model("digits-adam", &[&args[..], &["--epochs", "3", "--lambda", "0.5"]].concat());
}

#[test]
fn mnist_is_bit_identical_across_thread_counts() {
    let Some(data) = common::mnist_dir("mnist_is_bit_identical_across_thread_counts") else { return };
    let args = [
        "--dataset",
        "mnist",
        "--data",
        data.to_str().unwrap(),
        "--train-size",
        "2000",
        "--layers",
        "784,30,10",
        "--activation",
        "sigmoid",
    ];
    let more = ["--output-activation", "sigmoid", "--cost", "quadratic", "--optimizer", "sgd", "--init", "normal"];
    let run = ["--epochs", "2", "--batch-size", "10", "--eta", "3.0", "--seed", "1", "--no-monitor-train"];
    assert_same_model("mnist", &[&args[..], &more, &run].concat());
}

#[test]
fn hidden_split_sgd_is_bit_identical_for_other_pairs_and_partial_batches() {
    // ReLU hidden units split 8 / 9, softmax + cross-entropy, L2, batch 7 (a partial last batch).
    let args =
        ["--dataset", "digits", "--layers", "64,17,10", "--activation", "relu", "--output-activation", "softmax"];
    let more =
        ["--cost", "cross-entropy", "--optimizer", "sgd", "--eta", "0.1", "--batch-size", "7", "--lambda", "0.3"];
    assert_same_model("digits-split-relu", &[&args[..], &more, &["--epochs", "2", "--seed", "3"]].concat());
    // tanh hidden, identity output with MSE (a non-canonical pair: δ = ∇ₐC ⊙ σ').
    let args =
        ["--dataset", "digits", "--layers", "64,20,10", "--activation", "tanh", "--output-activation", "sigmoid"];
    let more = ["--cost", "mse", "--optimizer", "sgd", "--eta", "0.5", "--batch-size", "16"];
    assert_same_model("digits-split-tanh", &[&args[..], &more, &["--epochs", "2", "--seed", "5"]].concat());
}

#[test]
fn wide_hidden_layer_uses_every_thread_and_is_bit_identical() {
    // 400 hidden units at batch 64: eight blocks, so up to eight threads share the fast path.
    let args = ["--dataset", "digits", "--layers", "64,400,10", "--activation", "sigmoid", "--optimizer", "sgd"];
    assert_same_model("digits-wide", &[&args[..], &["--eta", "0.3", "--batch-size", "64", "--epochs", "2"]].concat());
    // The same width through the general path (Adam): row and unit blocks of the pool.
    let args = ["--dataset", "digits", "--layers", "64,400,10", "--optimizer", "adam", "--batch-size", "64"];
    assert_same_model("digits-wide-adam", &[&args[..], &["--epochs", "2"]].concat());
}

/// A run interrupted in the middle of its third epoch (after 100 batches of 41 per epoch) on
/// `first` threads and resumed on `then` threads ends with the model an uninterrupted run on one
/// thread writes.
#[test]
fn a_run_resumed_on_another_number_of_threads_is_bit_identical() {
    use neuralnet::{Data, Silent, TrainConfig, fit};
    let dir = tempfile::tempdir().unwrap();
    let config = |threads: usize, resume: Option<PathBuf>| {
        let text = format!(
            "[data]\ndataset = \"digits\"\n[network]\nlayers = [64, 400, 10]\nactivation = \"sigmoid\"\n\
             [optimizer]\nkind = \"sgd\"\neta = 0.3\n[training]\nbatch_size = 32\nepochs = 4\n\
             [performance]\nthreads = {threads}\n"
        );
        let mut c = TrainConfig::from_toml_str(&text, Path::new("t.toml")).unwrap();
        c.reliability.checkpoint = Some(dir.path().join(format!("ck-{threads}")));
        c.reliability.resume = resume;
        c
    };
    let data = Data::load(&config(1, None)).unwrap();
    let whole = fit(&config(1, None), &data, &mut Silent).unwrap().model.to_bytes().unwrap();
    for (first, then) in [(1, 4), (3, 2), (4, 1)] {
        let err = fit(&config(first, None), &data, &mut StopAfter(100)).unwrap_err();
        assert!(err.to_string().contains("stopped after epoch 3 batch 18/41"), "{err}");
        assert_eq!(err.exit_code(), 130, "{err}");
        let ck = dir.path().join(format!("ck-{first}"));
        let resumed = fit(&config(then, Some(ck)), &data, &mut Silent).unwrap();
        assert!(resumed.model.to_bytes().unwrap() == whole, "{first} threads, resumed on {then}");
    }
}

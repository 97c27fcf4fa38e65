//! End-to-end tests of the core commands: train, eval, inspect, gradcheck, and their errors.

mod common;
use common::{assert_fails, mnist_dir, outcome};
use std::fs;
use std::io::Write;

fn idx_header(magic: u32, dims: &[u32]) -> Vec<u8> {
    let mut v = magic.to_be_bytes().to_vec();
    dims.iter().for_each(|d| v.extend_from_slice(&d.to_be_bytes()));
    v
}

/// Writes a tiny MNIST-format dataset (`n` train and test images of 28×28) into `dir/mnist`.
fn write_fake_mnist(dir: &std::path::Path, n: u32, images: Option<Vec<u8>>, labels_n: u32) {
    let m = dir.join("mnist");
    fs::create_dir_all(&m).unwrap();
    let mut img = idx_header(0x803, &[n, 28, 28]);
    img.extend(std::iter::repeat_n(7u8, (n * 784) as usize));
    let img = images.unwrap_or(img);
    let mut lab = idx_header(0x801, &[labels_n]);
    lab.extend((0..labels_n).map(|i| (i % 10) as u8));
    for prefix in ["train", "t10k"] {
        fs::write(m.join(format!("{prefix}-images-idx3-ubyte")), &img).unwrap();
        fs::write(m.join(format!("{prefix}-labels-idx1-ubyte")), &lab).unwrap();
    }
}

#[test]
fn trains_digits_and_writes_model_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let (model, report) = (dir.path().join("m.safetensors"), dir.path().join("r.json"));
    let (code, stdout, stderr) = outcome(&[
        "train",
        "--dataset",
        "digits",
        "--epochs",
        "3",
        "--seed",
        "4",
        "--out",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("epoch 3/3") && stdout.contains("test "), "{stdout}");
    let r: serde_json::Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["config"]["layers"], serde_json::json!([64, 100, 10]));
    assert_eq!(r["data"]["test"], 360);
    assert_eq!(r["epochs"].as_array().unwrap().len(), 3);
    assert!(r["final"]["test_accuracy"].as_f64().unwrap() > 0.85, "{}", r["final"]);
    assert!(r["config"]["defaults_used"].as_array().unwrap().iter().any(|v| v == "optimizer"));
    // eval on the same split agrees with the report
    let (code, stdout, _) = outcome(&["eval", "--model", model.to_str().unwrap(), "--dataset", "digits", "--json"]);
    assert_eq!(code, 0);
    let e: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(e["accuracy"], r["final"]["test_accuracy"]);
    let (code, stdout, _) = outcome(&["inspect", model.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("64 → 100 → 10") && stdout.contains("parameters  7510"), "{stdout}");
}

#[test]
fn same_seed_gives_identical_model_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = (0..2).map(|i| dir.path().join(format!("m{i}.safetensors"))).collect();
    for p in &paths {
        let args =
            ["train", "--dataset", "digits", "--epochs", "2", "--seed", "9", "--quiet", "--out", p.to_str().unwrap()];
        assert_eq!(outcome(&args).0, 0);
    }
    assert_eq!(fs::read(&paths[0]).unwrap(), fs::read(&paths[1]).unwrap());
}

#[test]
fn gradcheck_passes_by_default_and_fails_loudly_on_bad_flags() {
    let (code, stdout, _) = outcome(&["gradcheck"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("OK"));
    let (code, stdout, _) = outcome(&[
        "gradcheck",
        "--layers",
        "3,6,4",
        "--activation",
        "tanh",
        "--output-activation",
        "softmax",
        "--cost",
        "cross-entropy",
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert_fails(
        &["gradcheck", "--output-activation", "softmax", "--cost", "mae"],
        2,
        &["--output-activation", "cross-entropy"],
    );
}

#[test]
fn missing_dataset_lists_every_place_and_the_fetch_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert_fails(&["train", "--dataset", "mnist", "--data", d], 2, &[d, "neuralnet data fetch mnist"]);
    assert_fails(&["train", "--dataset", "cifar"], 2, &["--dataset", "mnist", "digits"]);
}

#[test]
fn corrupt_idx_files_are_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let train = ["train", "--dataset", "mnist", "--data", d, "--epochs", "1"];
    // truncated image data
    let mut img = idx_header(0x803, &[5, 28, 28]);
    img.extend(vec![0u8; 784 * 4]);
    write_fake_mnist(dir.path(), 5, Some(img), 5);
    assert_fails(&train, 2, &["train-images-idx3-ubyte", "truncated"]);
    // wrong magic
    write_fake_mnist(dir.path(), 5, Some(b"PK\x03\x04 definitely not idx".to_vec()), 5);
    assert_fails(&train, 2, &["train-images-idx3-ubyte", "not an IDX file"]);
    // counts differ
    write_fake_mnist(dir.path(), 5, None, 4);
    assert_fails(&train, 2, &["train-labels-idx1-ubyte", "4 labels for 5 images"]);
    // a header claiming 4 billion images is refused without allocating
    write_fake_mnist(dir.path(), 5, Some(idx_header(0x803, &[4_000_000_000, 28, 28])), 5);
    assert_fails(&train, 2, &["train-images-idx3-ubyte", "truncated"]);
    // a gzip file that is cut short
    let gz = dir.path().join("mnist/train-images-idx3-ubyte");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&[0u8; 5000]).unwrap();
    let bytes = enc.finish().unwrap();
    fs::remove_file(&gz).unwrap();
    fs::write(gz.with_extension("gz"), &bytes[..bytes.len() / 2]).unwrap();
    assert_fails(&train, 2, &["train-images-idx3-ubyte.gz"]);
}

#[test]
fn bad_flags_name_the_flag_and_leave_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let o = out.to_str().unwrap();
    assert_fails(&["train", "--dataset", "digits", "--layers", "784,30,10", "--out", o], 2, &["--layers", "64 inputs"]);
    assert_fails(&["train", "--dataset", "digits", "--eta", "0", "--out", o], 2, &["--eta"]);
    assert_fails(&["train", "--dataset", "digits", "--eta", "-1", "--out", o], 2, &["--eta"]);
    assert_fails(&["train", "--dataset", "digits", "--batch-size", "0", "--out", o], 2, &["--batch-size"]);
    assert_fails(&["train", "--dataset", "digits", "--momentum", "1.5"], 2, &["--momentum"]);
    assert_fails(&["train", "--dataset", "digits", "--lambda", "-0.1"], 2, &["--lambda"]);
    assert_fails(&["train", "--dataset", "digits", "--patience", "0"], 2, &["--patience"]);
    assert_fails(&["train", "--dataset", "digits", "--activation", "swish"], 2, &["swish", "leaky-relu"]);
    assert_fails(&["train", "--dataset", "digits", "--output-activation", "softmax", "--cost", "mae"], 2, &["softmax"]);
    assert_fails(&["train", "--dataset", "digits", "--out", "/nonexistent/dir/m.safetensors"], 2, &["--out"]);
    assert!(!out.exists());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "no stray temp files");
}

#[test]
fn bad_model_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.safetensors");
    fs::write(&junk, b"this is not a model").unwrap();
    assert_fails(&["inspect", junk.to_str().unwrap()], 2, &["junk.safetensors", "safetensors"]);
    assert_fails(&["eval", "--model", junk.to_str().unwrap(), "--dataset", "digits"], 2, &["junk.safetensors"]);
    // valid safetensors, but not a neuralnet model
    let foreign = dir.path().join("foreign.safetensors");
    let header = br#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(&1.0f32.to_le_bytes());
    fs::write(&foreign, bytes).unwrap();
    assert_fails(&["inspect", foreign.to_str().unwrap()], 2, &["foreign.safetensors", "format"]);
    assert_fails(&["inspect", dir.path().join("absent").to_str().unwrap()], 2, &["absent"]);
}

#[test]
fn model_for_other_data_is_refused_by_eval() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("h.safetensors");
    let args =
        ["train", "--dataset", "higham", "--layers", "2,3,2", "--epochs", "2", "--quiet", "--out", m.to_str().unwrap()];
    assert_eq!(outcome(&args).0, 0);
    let (code, _, stderr) = outcome(&["eval", "--model", m.to_str().unwrap(), "--dataset", "digits"]);
    assert_eq!(code, 2, "{stderr}");
    let lines: Vec<&str> = stderr.trim().lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].starts_with("warning: ") && lines[0].contains("trained on 'higham'"), "{stderr}");
    assert!(lines[1].starts_with("error: ") && lines[1].contains("2 inputs") && lines[1].contains("64 inputs"));
}

/// Nielsen's configuration on a CI-sized subset: 5,000 training images, 3 epochs. Measured with
/// this build: test accuracy 90.4% after epoch 3 (seed 1); the bound leaves room for other seeds.
#[test]
fn nielsen_configuration_learns_mnist_subset() {
    let Some(data) = mnist_dir("nielsen_configuration_learns_mnist_subset") else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let (code, _, stderr) = outcome(&[
        "train",
        "--dataset",
        "mnist",
        "--data",
        data.to_str().unwrap(),
        "--train-size",
        "5000",
        "--layers",
        "784,30,10",
        "--activation",
        "sigmoid",
        "--output-activation",
        "sigmoid",
        "--cost",
        "quadratic",
        "--optimizer",
        "sgd",
        "--init",
        "normal",
        "--epochs",
        "3",
        "--batch-size",
        "10",
        "--eta",
        "3.0",
        "--seed",
        "1",
        "--quiet",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let r: serde_json::Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["data"]["train"], 5000);
    assert_eq!(r["data"]["validation"], 10000);
    let acc = r["final"]["test_accuracy"].as_f64().unwrap();
    assert!(acc > 0.85, "test accuracy {acc}");
    assert_eq!(r["final"]["updates"], 1500);
}

#[test]
fn levenberg_marquardt_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let (code, stdout, err) = outcome(&[
        "train",
        "--dataset",
        "higham",
        "--layers",
        "2,2,3,2",
        "--activation",
        "sigmoid",
        "--output-activation",
        "sigmoid",
        "--cost",
        "quadratic",
        "--init",
        "normal",
        "--init-scale",
        "0.5",
        "--optimizer",
        "lm",
        "--epochs",
        "50",
        "--seed",
        "2",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("iteration 18/50  mu"), "{stdout}");
    let r: serde_json::Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let epochs = r["epochs"].as_array().unwrap();
    assert!(epochs.iter().all(|e| e["lm_mu"].is_f64() && e["train_loss"].is_f64() && e.get("eta").is_none()));
    assert_eq!(r["final"]["train_accuracy"], 1.0);
    assert!(20.0 * r["final"]["train_loss"].as_f64().unwrap() <= 7.3e-4);
    // refused: a cost that is not a sum of squares, mini-batches, a network beyond the memory limit
    let lm = ["train", "--dataset", "digits", "--optimizer", "lm", "--epochs", "2"];
    let with = |extra: &[&'static str]| [&lm[..], extra].concat();
    assert_fails(
        &with(&["--cost", "cross-entropy", "--output-activation", "softmax"]),
        2,
        &["--cost", "sum of squares", "adam"],
    );
    assert_fails(&with(&["--cost", "mse", "--batch-size", "10"]), 2, &["--batch-size", "whole training set"]);
    assert_fails(
        &with(&["--cost", "mse", "--output-activation", "sigmoid", "--lm-memory-limit", "1"]),
        2,
        &["memory limit", "--optimizer adam"],
    );
}

/// Issue 4's figure: from 0.5·N(0,1) starts, LM brings Higham's ten points to the paper's
/// Σ‖y−F‖² ≤ 7.3e-4 within 50 iterations for at least 9 of seeds 1–10 (geodesic acceleration,
/// the default); plain trainlm steps manage 8 (seed 1 creeps along a plateau, seed 3 needs 68).
#[test]
fn lm_reaches_the_papers_cost_for_nine_of_ten_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let reached = |seed: u64, extra: &[&str]| -> Option<u64> {
        let s = seed.to_string();
        let args = [&["train", "experiments/higham-lm.toml", "--seed", &s, "--quiet"][..], extra].concat();
        let args = [&args[..], &["--report", report.to_str().unwrap()]].concat();
        let (code, _, err) = outcome(&args);
        assert_eq!(code, 0, "{err}");
        let r: serde_json::Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
        let epochs = r["epochs"].as_array().unwrap().clone();
        epochs.iter().find(|e| 20.0 * e["train_loss"].as_f64().unwrap() <= 7.3e-4).map(|e| e["epoch"].as_u64().unwrap())
    };
    let geodesic: Vec<Option<u64>> = (1..=10).map(|s| reached(s, &[])).collect();
    assert_eq!(geodesic.iter().filter(|i| i.is_some()).count(), 9, "{geodesic:?}");
    assert!(geodesic.iter().flatten().all(|&i| i <= 50), "{geodesic:?}");
    let plain: Vec<Option<u64>> = (1..=10).map(|s| reached(s, &["--lm-geodesic", "false"])).collect();
    assert_eq!(plain.iter().filter(|i| i.is_some()).count(), 8, "{plain:?}");
    assert_eq!(plain[1], Some(18), "plain trainlm steps: seed 2 in 18 iterations, as before");
}

/// `--no-monitor-validation` drops the validation figures from the report (the benchmark run of
/// issue 8 evaluates the test split only) and is refused beside anything that watches validation.
#[test]
fn validation_monitoring_can_be_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let args = ["train", "--dataset", "digits", "--epochs", "2", "--no-monitor-validation", "--quiet", "--report"];
    let (code, _, err) = outcome(&[&args[..], &[report.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    for e in r["epochs"].as_array().unwrap() {
        assert!(e.get("validation_accuracy").is_none() && e["test_accuracy"].is_f64(), "{e}");
    }
    let no_test = ["train", "--dataset", "digits", "--epochs", "2", "--no-monitor-test", "--quiet", "--report"];
    let (code, _, err) = outcome(&[&no_test[..], &[report.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    for e in r["epochs"].as_array().unwrap() {
        assert!(e.get("test_accuracy").is_none() && e["validation_accuracy"].is_f64(), "{e}");
    }
    assert!(r["final"]["test_accuracy"].is_f64(), "the final figures still cover every split");
    let watch = ["train", "--dataset", "digits", "--epochs", "2", "--no-monitor-validation"];
    assert_fails(&[&watch[..], &["--patience", "3"]].concat(), 2, &["--no-monitor-validation", "validation"]);
    assert_fails(&[&watch[..], &["--schedule", "halve-on-plateau:2"]].concat(), 2, &["--no-monitor-validation"]);
}

/// `--precision f64` trains in double precision (recorded in the report's config); the model file
/// holds f32 either way; an unknown precision lists the valid ones.
#[test]
fn precision_f64_is_recorded_and_trains() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let model = dir.path().join("m.safetensors");
    let base = ["train", "--dataset", "digits", "--epochs", "3", "--quiet", "--precision", "f64"];
    let paths = ["--report", report.to_str().unwrap(), "--out", model.to_str().unwrap()];
    let (code, _, err) = outcome(&[&base[..], &paths[..]].concat());
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["config"]["precision"], "f64");
    assert!(r["final"]["test_accuracy"].as_f64().unwrap() > 0.85, "{}", r["final"]);
    let header = String::from_utf8_lossy(&fs::read(&model).unwrap()[..512]).to_string();
    assert!(header.contains("\"F32\"") && !header.contains("\"F64\""), "{header}");
    assert_fails(&["train", "--dataset", "digits", "--precision", "f16"], 2, &["--precision", "f32, f64"]);
}

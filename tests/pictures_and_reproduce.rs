//! `neuralnet plot`, `train --plot` and the quick versions of `neuralnet reproduce`, with their
//! figures asserted.
#![cfg(feature = "plot")]

mod common;
use common::{assert_fails, mnist_dir, outcome};
use std::fs;

fn is_png(path: &std::path::Path) -> bool {
    fs::read(path).is_ok_and(|b| b.len() > 2000 && b.starts_with(b"\x89PNG"))
}

#[test]
fn train_plot_and_plot_command_draw_every_picture() {
    let dir = tempfile::tempdir().unwrap();
    let (model, report, pics) = (dir.path().join("m.safetensors"), dir.path().join("r.json"), dir.path().join("pics"));
    let args = [
        "train",
        "--dataset",
        "higham",
        "--layers",
        "2,4,2",
        "--epochs",
        "20",
        "--eta",
        "0.05",
        "--quiet",
        "--out",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--plot",
        pics.to_str().unwrap(),
    ];
    let (code, _, err) = outcome(&args);
    assert_eq!(code, 0, "{err}");
    for f in ["loss.png", "accuracy.png", "confusion.png", "regions.png"] {
        assert!(is_png(&pics.join(f)), "{f}");
    }
    let again = dir.path().join("again");
    let args = [
        "plot",
        report.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--svg",
    ];
    let (code, _, err) = outcome(&args);
    assert_eq!(code, 0, "{err}");
    assert!(fs::read_to_string(again.join("regions.svg")).unwrap().contains("<svg"));
    let bogus = dir.path().join("bogus.json");
    fs::write(&bogus, "{ not json").unwrap();
    assert_fails(&["plot", bogus.to_str().unwrap(), "--out", again.to_str().unwrap()], 2, &["bogus.json"]);
}

#[test]
fn reproduce_lists_experiments_and_refuses_unknown_names() {
    let (code, stdout, _) = outcome(&["reproduce", "--list"]);
    assert_eq!(code, 0);
    for name in ["higham", "nielsen", "lm", "simard"] {
        assert!(stdout.contains(name), "{stdout}");
    }
    assert_fails(&["reproduce", "cifar", "--out", "/tmp/x"], 2, &["cifar", "higham"]);
}

/// Quick Higham run: three seeds of 2 × 10⁵ SGD steps. Measured: Σ‖y−F‖² from 5.28 (mean) to
/// 8.4e-3, 7.9e-3 and 6.8e-3; LM separates the eleven points for all three seeds.
#[test]
fn reproduce_higham_quick() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, err) = outcome(&["reproduce", "higham", "--quick", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(!stdout.contains("OUTSIDE"), "{stdout}");
    let r: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    for run in r["data"]["sgd"].as_array().unwrap() {
        let fin = run["final"].as_f64().unwrap();
        assert!(fin < 0.02, "final Σ {fin}");
        assert_eq!(run["accuracy"], 1.0);
    }
    assert_eq!(r["data"]["lm_extra"]["separated"], 3);
    for f in ["report.md", "higham_cost.png", "higham_regions.png", "higham_extra_regions.png"] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
}

/// Quick LM comparison: LM's sinc(10x) MSE after 0.2 s beats Adam's after 2 s.
#[test]
fn reproduce_lm_quick() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = outcome(&["reproduce", "lm", "--quick", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    let last = |k: &str| r["data"]["sinc"][k].as_array().unwrap().last().unwrap()[1].as_f64().unwrap();
    assert!(last("lm") < 1e-6, "LM MSE {}", last("lm"));
    assert!(last("lm") < last("adam_long") / 10.0);
    let iterations: Vec<Option<u64>> =
        r["data"]["higham"].as_array().unwrap().iter().map(|d| d["lm_iterations_to_target"].as_u64()).collect();
    assert_eq!(iterations[1], Some(33), "seed 2 reaches the paper's cost in 33 LM iterations (geodesic steps)");
}

/// Quick Nielsen run (5,000 images): the orderings hold (η = 100 at chance, scaled init ahead).
#[test]
fn reproduce_nielsen_quick() {
    let Some(data) = mnist_dir("reproduce_nielsen_quick") else { return };
    let dir = tempfile::tempdir().unwrap();
    let args =
        ["reproduce", "nielsen", "--quick", "--out", dir.path().to_str().unwrap(), "--data", data.to_str().unwrap()];
    let (code, stdout, err) = outcome(&args);
    assert_eq!(code, 0, "{err}");
    // A quick run misses the published accuracies, as it says; nothing else may be outside.
    for l in stdout.lines().filter(|l| l.starts_with("OUTSIDE")) {
        assert!(l.ends_with("; full run only)"), "{l}");
    }
    assert!(dir.path().join("nielsen_ch1.png").is_file());
}

//! TOML config files: every file under `experiments/` parses and resolves; flags override the file;
//! unknown keys and wrong types are refused naming the key.

mod common;
use common::{assert_fails, outcome};
use neuralnet::TrainConfig;
use std::fs;

#[test]
fn every_experiment_file_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut n = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let config = TrainConfig::from_toml(&path).unwrap_or_else(|e| panic!("{e}"));
            config.validate().unwrap();
            n += 1;
        }
    }
    assert!(n >= 5);
}

#[test]
fn flags_override_the_file_and_the_report_records_what_was_used() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    let text = "[data]\ndataset = \"digits\"\n[training]\nepochs = 5\n[optimizer]\nkind = \"momentum\"\neta = 0.01\n\
                [network]\nlayers = [64, 20, 10]\n";
    fs::write(&cfg, text).unwrap();
    let report = dir.path().join("r.json");
    let (code, _, err) =
        outcome(&["train", cfg.to_str().unwrap(), "--epochs", "2", "--quiet", "--report", report.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["config"]["epochs"], 2);
    assert_eq!(r["config"]["eta"], 0.01);
    assert_eq!(r["config"]["optimizer"], "momentum");
    assert_eq!(r["config"]["layers"], serde_json::json!([64, 20, 10]));
    assert_eq!(r["epochs"].as_array().unwrap().len(), 2);
}

#[test]
fn unknown_keys_and_wrong_types_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    fs::write(&cfg, "[data]\ndataset = \"digits\"\n[optimizer]\nlearning_rate = 0.1\n").unwrap();
    assert_fails(&["train", cfg.to_str().unwrap()], 2, &["bad.toml", "learning_rate", "line 4"]);
    fs::write(&cfg, "[training]\nepochs = \"ten\"\n").unwrap();
    assert_fails(&["train", cfg.to_str().unwrap()], 2, &["bad.toml", "line 2"]);
    fs::write(&cfg, "[network]\nactivation = \"swish\"\n").unwrap();
    assert_fails(&["train", cfg.to_str().unwrap()], 2, &["bad.toml", "swish"]);
    fs::write(&cfg, "[optimizer.lm]\nmu_start = 1\n").unwrap();
    assert_fails(&["train", cfg.to_str().unwrap()], 2, &["bad.toml", "mu_start"]);
    assert_fails(&["train", dir.path().join("missing.toml").to_str().unwrap()], 2, &["missing.toml"]);
}

/// The issue-18 recipes: each parses, names its dataset and 784 inputs, keeps the test split
/// monitored every epoch, and trains for an epoch with its augmentation, dropout and schedule on
/// 40 random 28 × 28 images (so a recipe broken in any key fails here, without MNIST).
#[test]
fn the_simard_and_fashion_recipes_train_on_tiny_images() {
    use neuralnet::train::{Silent, fit};
    use neuralnet::{Data, Dataset, Splits};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let image = |n: usize, seed: u32| {
        let x = (0..n * 784).map(|i| (((i as u32).wrapping_mul(2_654_435_761) ^ seed) >> 24) as f32 / 255.0).collect();
        Dataset::classification(x, 784, (0..n as u32).map(|i| i % 10).collect(), 10)
    };
    let splits = Splits {
        name: "tiny".into(),
        train: image(40, 1),
        validation: Some(image(20, 2)),
        test: Some(image(20, 3)),
        class_names: None,
        image_shape: Some((28, 28)),
    };
    let recipes = [
        ("simard-plain", "mnist", 800),
        ("simard-affine", "mnist", 800),
        ("simard-elastic", "mnist", 800),
        ("fashion-mlp", "fashion-mnist", 1024),
    ];
    for (name, dataset, hidden) in recipes {
        let path = dir.join(format!("{name}.toml"));
        let mut config = TrainConfig::from_toml(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.data.dataset.as_deref(), Some(dataset), "{name}");
        let layers = config.network.layers.clone().unwrap();
        assert_eq!((layers[0], layers[1], *layers.last().unwrap()), (784, hidden, 10), "{name}");
        assert_ne!(config.monitor.test, Some(false), "{name}: test accuracy per epoch");
        assert_eq!(config.data.augment.is_some(), name != "simard-plain", "{name}");
        // The elastic and Fashion-MNIST recipes train on all 60,000 images: no validation split.
        let all = matches!(name, "simard-elastic" | "fashion-mlp");
        assert_eq!(config.data.validation_fraction, all.then_some(0.0), "{name}");
        config.data.dataset = None;
        config.training.epochs = Some(1);
        config.resolve(&splits).unwrap_or_else(|e| panic!("{name}: {e}"));
        let trained = fit(&config, &Data::from(splits.clone()), &mut Silent).unwrap_or_else(|e| panic!("{name}: {e}"));
        let epochs = &trained.history.epochs;
        assert!(epochs.len() == 1 && epochs[0].test.is_some_and(|m| m.accuracy.is_some()), "{name}");
    }
}

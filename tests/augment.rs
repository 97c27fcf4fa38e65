//! `--augment` through the library and the binary: the weights do not depend on the thread
//! count, a run interrupted mid-epoch and resumed equals the uninterrupted one, augmentation
//! changes the weights while evaluation sees undistorted data, bad input exits 2 naming the flag,
//! and `--plot` draws the sheet of augmented samples. Built-in digits (8 × 8), a few epochs.

mod common;
use common::StopAfter;

use neuralnet::{Data, Silent, TrainConfig, fit};
use std::path::{Path, PathBuf};

const AFFINE_ELASTIC: &str = "affine:15,0.15,0.3,1+elastic:2,3";

/// Digits, `layers`, `optimizer` at batch 32 for 3 epochs, `augment` (if any), on `threads`.
fn config(layers: &str, optimizer: &str, augment: Option<&str>, threads: usize) -> TrainConfig {
    let augment = augment.map(|a| format!("augment = \"{a}\"\n")).unwrap_or_default();
    let eta = if optimizer == "sgd" { 0.3 } else { 0.003 };
    let text = format!(
        "[data]\ndataset = \"digits\"\n{augment}[network]\nlayers = [{layers}]\n\
         [optimizer]\nkind = \"{optimizer}\"\neta = {eta}\n[training]\nbatch_size = 32\nepochs = 3\nseed = 4\n\
         [performance]\nthreads = {threads}\n"
    );
    TrainConfig::from_toml_str(&text, Path::new("t.toml")).unwrap()
}

fn model_bytes(c: &TrainConfig) -> Vec<u8> {
    let data = Data::load(c).unwrap();
    fit(c, &data, &mut Silent).unwrap().model.to_bytes().unwrap()
}

#[test]
fn weights_are_bit_identical_for_one_and_two_threads() {
    // The fast path (plain SGD, one hidden layer: 400 units, several blocks) and the general path.
    for (layers, optimizer) in [("64, 400, 10", "sgd"), ("64, 48, 24, 10", "adam")] {
        let one = model_bytes(&config(layers, optimizer, Some(AFFINE_ELASTIC), 1));
        let two = model_bytes(&config(layers, optimizer, Some(AFFINE_ELASTIC), 2));
        assert!(one == two, "{layers} {optimizer}: the thread count changed the weights");
        let plain = model_bytes(&config(layers, optimizer, None, 1));
        assert!(one != plain, "{layers} {optimizer}: --augment changed nothing");
    }
}

#[test]
fn a_run_interrupted_mid_epoch_resumes_bit_identically() {
    let dir = tempfile::tempdir().unwrap();
    for (layers, optimizer, threads) in [("64, 400, 10", "sgd", 2), ("64, 48, 24, 10", "adam", 1)] {
        let ck: PathBuf = dir.path().join(optimizer);
        let with = |resume: bool, threads: usize| {
            let mut c = config(layers, optimizer, Some("shift:1+affine:10,0.1,0.2,1+elastic:2,3+flip"), threads);
            c.reliability.checkpoint = Some(ck.clone());
            c.reliability.resume = resume.then(|| ck.clone());
            c
        };
        let data = Data::load(&with(false, 1)).unwrap();
        let whole = fit(&with(false, 1), &data, &mut Silent).unwrap().model.to_bytes().unwrap();
        // 41 batches an epoch: stopped in the middle of the second, resumed on the other thread count.
        let err = fit(&with(false, threads), &data, &mut StopAfter(60)).unwrap_err();
        assert!(err.to_string().contains("epoch 2 batch"), "{err}");
        assert_eq!(err.exit_code(), 130);
        let resumed = fit(&with(true, 3 - threads), &data, &mut Silent).unwrap();
        assert!(resumed.model.to_bytes().unwrap() == whole, "{optimizer}: the resumed run differs");
    }
}

#[test]
fn evaluation_sees_the_undistorted_data() {
    let c = config("64, 30, 10", "adam", Some("elastic:2,20+shift:2"), 1);
    let data = Data::load(&c).unwrap();
    let trained = fit(&c, &data, &mut Silent).unwrap();
    // The last epoch's training figures are those of the final model on the training set as loaded.
    let last = trained.history.epochs.last().unwrap().train.unwrap();
    let mut ws = neuralnet::Workspace::new(&trained.model.network, neuralnet::train::EVAL_CHUNK);
    let again = neuralnet::metrics::evaluate(&trained.model.network, &data.splits.train, &mut ws);
    assert_eq!(last.loss, again.loss);
    assert_eq!(last.accuracy, again.accuracy);
    assert_eq!(trained.report.config.augment.unwrap().to_string(), "elastic:2,20+shift:2");
}

#[test]
fn bad_input_exits_2_naming_augment() {
    let table = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/tables/penguins.csv");
    let csv = ["train", "--train", table, "--target", "species", "--augment", "shift:1", "--epochs", "1"];
    common::assert_fails(&csv, 2, &["--augment", "not an image dataset"]);
    for (spec, says) in [
        ("twist:3", "unknown transform 'twist'"),
        ("affine:15,x,0,0", "not a number"),
        ("elastic:4", "takes 2 number(s)"),
        ("shift:-1", "shift:N"),
    ] {
        common::assert_fails(&["train", "--dataset", "digits", "--augment", spec], 2, &["--augment", says]);
    }
    let lm = ["train", "--dataset", "digits", "--optimizer", "lm", "--cost", "mse", "--augment", "flip"];
    common::assert_fails(&lm, 2, &["--augment", "--optimizer lm"]);
    let full = ["train", "--dataset", "digits", "--sampling", "full-batch", "--augment", "flip"];
    common::assert_fails(&full, 2, &["--augment", "full-batch"]);
    let dir = common::tempdir();
    let toml = dir.path().join("bad.toml");
    std::fs::write(&toml, "[data]\ndataset = \"digits\"\naugment = [\"elastic:0,3\"]\n").unwrap();
    common::assert_fails(&["train", toml.to_str().unwrap()], 2, &["--augment (data.augment)", "SIGMA", "line 3"]);
}

#[cfg(feature = "plot")]
#[test]
fn plot_draws_the_sheet_of_augmented_samples() {
    let dir = common::tempdir();
    let plots = dir.path().join("plots");
    let report = dir.path().join("r.json");
    let args = ["train", "--dataset", "digits", "--layers", "64,20,10", "--epochs", "1", "--quiet"];
    let flags = ["--augment", AFFINE_ELASTIC, "--plot", plots.to_str().unwrap(), "--report", report.to_str().unwrap()];
    let o = common::run(&[&args[..], &flags].concat());
    assert!(o.status.success(), "{}", common::stderr(&o));
    let sheet = std::fs::metadata(plots.join("augmented.png")).expect("augmented.png written").len();
    assert!(sheet > 5_000, "augmented.png has {sheet} bytes");
    // `neuralnet plot` draws it again from the report.
    let again = dir.path().join("again");
    let o = common::run(&["plot", report.to_str().unwrap(), "--out", again.to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(
        std::fs::read(again.join("augmented.png")).unwrap(),
        std::fs::read(plots.join("augmented.png")).unwrap()
    );
    // No sheet without --augment.
    let plain = dir.path().join("plain");
    let o = common::run(&[&args[..], &["--plot", plain.to_str().unwrap()]].concat());
    assert!(o.status.success() && !plain.join("augmented.png").exists());
}

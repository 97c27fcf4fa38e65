//! Chapter 3's regularisers do what they claim: L1 leaves the weights of irrelevant inputs at
//! exactly zero (L2 does not); max-norm keeps every unit's incoming weights within C, and reaches
//! it; dropout's training-time expectation is the test-time network, and dropout still trains the
//! digits well; a run with all three is bit-identical on any number of threads and after a resume;
//! bad values and Levenberg–Marquardt are refused, naming the flag. (The gradient checks of
//! dropout and of the L1 term are in `gradients.rs`.)

mod common;
use common::StopAfter;

use neuralnet::data::{Dataset, Splits};
use neuralnet::{Data, Network, Silent, TrainConfig, Workspace, fit};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

fn config(text: &str) -> TrainConfig {
    TrainConfig::from_toml_str(text, Path::new("test.toml")).unwrap()
}

/// y = x₀ − x₁ + 0.1·noise with ten inputs uniform in [−1, 1]: inputs 2–9 are irrelevant.
fn two_of_ten(n: usize) -> Data {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x: Vec<f32> = (0..n * 10).map(|_| rng.random_range(-1.0..1.0)).collect();
    let y: Vec<f32> = (0..n).map(|i| x[i * 10] - x[i * 10 + 1] + 0.1 * rng.random_range(-1.0f32..1.0)).collect();
    let train = Dataset::regression(x, 10, y, 1);
    Data::from(Splits {
        name: "two-of-ten".into(),
        train,
        validation: None,
        test: None,
        class_names: None,
        image_shape: None,
    })
}

/// A linear model 10 → 1 trained by `optimizer` with `[regularization]` set to `reg`.
fn linear_weights(optimizer: &str, eta: f64, reg: &str) -> Vec<f32> {
    let text = format!(
        "[network]\nlayers = [10, 1]\noutput_activation = \"identity\"\ncost = \"mse\"\n\
         [optimizer]\nkind = \"{optimizer}\"\neta = {eta}\n[training]\nepochs = 40\nbatch_size = 10\n\
         [regularization]\n{reg}\n"
    );
    let trained = fit(&config(&text), &two_of_ten(500), &mut Silent).unwrap();
    trained.model.network.weight(0).to_vec()
}

#[test]
fn l1_zeroes_the_weights_of_irrelevant_inputs_and_l2_does_not() {
    // Adam's steps are about η whatever the gradient's size, so it needs a larger λ₁/n against
    // them: the L1 step ηλ₁/n is not rescaled by Adam (like L2's decay here).
    for (optimizer, eta, lambda) in [("sgd", 0.05, 50.0), ("adam", 0.01, 200.0)] {
        let w = linear_weights(optimizer, eta, &format!("l1 = {lambda:?}"));
        assert!(w[0] > 0.3 && w[1] < -0.3, "{optimizer}: the relevant weights survive: {w:?}");
        assert!(w[2..].iter().all(|&v| v == 0.0), "{optimizer}: irrelevant weights exactly 0: {w:?}");
        // L2 of the same strength shrinks them, but none is exactly 0.
        let w = linear_weights(optimizer, eta, &format!("lambda = {lambda:?}"));
        assert!(w[0] > 0.3 && w[1] < -0.3, "{optimizer}, L2: {w:?}");
        assert!(w[2..].iter().all(|&v| v != 0.0), "{optimizer}, L2 leaves no weight at exactly 0: {w:?}");
    }
}

/// The digits with 64-`hidden`-10, the optimizer and the settings in `extra` (TOML lines).
fn digits(hidden: usize, extra: &str) -> TrainConfig {
    config(&format!(
        "[data]\ndataset = \"digits\"\n[network]\nlayers = [64, {hidden}, 10]\n[training]\nbatch_size = 32\n{extra}\n"
    ))
}

fn row_norms(net: &Network, l: usize) -> Vec<f64> {
    let n_in = net.sizes()[l];
    net.weight(l).chunks(n_in).map(|r| r.iter().map(|&w| f64::from(w).powi(2)).sum::<f64>().sqrt()).collect()
}

#[test]
fn max_norm_bounds_every_row_and_some_reach_the_bound() {
    let data = Data::from(neuralnet::data::builtin::load("digits").unwrap());
    // Adam through the general path; plain SGD of one hidden layer through the fast path.
    for (optimizer, c) in [("kind = \"adam\"\neta = 0.01", 0.5), ("kind = \"sgd\"\neta = 0.5", 0.7)] {
        let extra = format!("epochs = 5\n[optimizer]\n{optimizer}\n[regularization]\nmax_norm = {c}");
        let net = fit(&digits(40, &extra), &data, &mut Silent).unwrap().model.network;
        for l in 0..2 {
            let norms = row_norms(&net, l);
            let top = norms.iter().cloned().fold(0.0, f64::max);
            assert!(top <= c * (1.0 + 1e-6), "{optimizer}, layer {l}: a row of norm {top} > {c}");
            assert!(top >= c * (1.0 - 1e-6), "{optimizer}, layer {l}: no row reached {c} (largest {top})");
        }
        // Without the constraint the same run has longer rows.
        let extra = format!("epochs = 5\n[optimizer]\n{optimizer}");
        let free = fit(&digits(40, &extra), &data, &mut Silent).unwrap().model.network;
        assert!(row_norms(&free, 0).iter().any(|&n| n > c * 1.5), "{optimizer}: the bound binds");
    }
}

/// Mean and standard error of the mean of each entry of `samples` (each a vector of the same
/// length).
fn mean_and_error(samples: &[Vec<f64>]) -> Vec<(f64, f64)> {
    let n = samples.len() as f64;
    (0..samples[0].len())
        .map(|j| {
            let mean = samples.iter().map(|s| s[j]).sum::<f64>() / n;
            let var = samples.iter().map(|s| (s[j] - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, (var / n).sqrt())
        })
        .collect()
}

#[test]
fn dropout_expectation_is_the_test_time_network() {
    // Identity activations, so each layer's output is its pre-activation z.
    let mut net = Network::<f64>::new(
        &[6, 5, 3],
        neuralnet::Activation::Identity,
        neuralnet::Activation::Identity,
        neuralnet::Cost::Mse,
    )
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    net.init(neuralnet::Init::Normal, 1.0, &mut rng);
    let x: Vec<f64> = (0..6).map(|i| 0.3 * i as f64 - 0.6).collect();
    let mut plain = Workspace::new(&net, 1);
    let z1 = plain_layer(&net, &x, &mut plain, 0);
    let z2 = plain_layer(&net, &x, &mut plain, 1);
    // Input dropout: the mean z¹ over many masks; hidden dropout alone: the mean z².
    for (p, layer, want) in [([0.5, 0.0], 0, &z1), ([0.0, 0.3], 1, &z2), ([0.2, 0.5], 1, &z2)] {
        let mut ws = Workspace::new(&net, 1).with_dropout(&p);
        let samples: Vec<Vec<f64>> = (0..20_000)
            .map(|_| {
                ws.draw_dropout(1, &mut rng);
                net.forward_dropout(&x, 1, &mut ws);
                ws.layer_output(layer, 1).to_vec()
            })
            .collect();
        for (j, ((mean, se), &z)) in mean_and_error(&samples).into_iter().zip(want.iter()).enumerate() {
            assert!(se > 0.0, "p {p:?}: the masks vary");
            assert!((mean - z).abs() < 5.0 * se, "p {p:?}, unit {j}: mean {mean} vs test-time {z} (±{se})");
        }
    }
}

/// Layer `l`'s output for one input `x` without dropout.
fn plain_layer(net: &Network<f64>, x: &[f64], ws: &mut Workspace<f64>, l: usize) -> Vec<f64> {
    net.forward(x, 1, ws);
    ws.layer_output(l, 1).to_vec()
}

#[test]
fn dropout_still_trains_the_digits_and_evaluation_does_not_drop() {
    let data = Data::from(neuralnet::data::builtin::load("digits").unwrap());
    let extra =
        "epochs = 25\nseed = 2\n[optimizer]\nkind = \"adam\"\neta = 0.003\n[regularization]\ndropout = [0.2, 0.5]";
    let trained = fit(&digits(100, extra), &data, &mut Silent).unwrap();
    let accuracy = trained.report.final_figures.figures.test_accuracy.unwrap();
    assert!(accuracy > 0.93, "test accuracy {accuracy}");
    // The report records the probabilities; evaluating the saved model again gives its figures.
    assert_eq!(trained.report.config.dropout, vec![0.2, 0.5]);
    let again = fit(&digits(100, extra), &data, &mut Silent).unwrap();
    assert!(again.model.to_bytes().unwrap() == trained.model.to_bytes().unwrap(), "same seed, same model");
}

/// Dropout + L1 + max-norm: the same model on one thread and on two, and interrupted mid-epoch
/// and resumed (on the other thread count) — for Adam (general path, 2 row blocks) and for
/// plain SGD of one hidden layer without dropout (the fast path's L1 and max-norm).
#[test]
fn regularised_runs_are_bit_identical_on_any_threads_and_after_a_resume() {
    let dir = tempfile::tempdir().unwrap();
    let data = Data::from(neuralnet::data::builtin::load("digits").unwrap());
    let runs = [
        ("adam", "kind = \"adam\"\neta = 0.005", "dropout = [0.2, 0.5]\nl1 = 0.5\nmax_norm = 2.0"),
        ("sgd", "kind = \"sgd\"\neta = 0.3", "l1 = 0.5\nmax_norm = 1.0"),
    ];
    for (name, optimizer, reg) in runs {
        let run = |threads: usize, ck: Option<&str>, resume: bool| {
            let extra = format!(
                "epochs = 3\n[optimizer]\n{optimizer}\n[regularization]\n{reg}\n[performance]\nthreads = {threads}"
            );
            let mut c = digits(100, &extra);
            let ck = ck.map(|ck| dir.path().join(ck));
            c.reliability.checkpoint = ck.clone().filter(|_| !resume);
            c.reliability.resume = ck.filter(|_| resume);
            c
        };
        let one = fit(&run(1, None, false), &data, &mut Silent).unwrap().model.to_bytes().unwrap();
        let two = fit(&run(2, None, false), &data, &mut Silent).unwrap().model.to_bytes().unwrap();
        assert!(one == two, "{name}: --threads 1 and 2 differ");
        let ck = format!("ck-{name}");
        let err = fit(&run(2, Some(&ck), false), &data, &mut StopAfter(50)).unwrap_err();
        assert_eq!(err.exit_code(), 130, "{err}");
        assert!(err.to_string().contains("stopped after epoch 2 batch"), "{err}");
        let resumed = fit(&run(1, Some(&ck), true), &data, &mut Silent).unwrap().model.to_bytes().unwrap();
        assert!(resumed == one, "{name}: the resumed run differs");
    }
}

#[test]
fn bad_values_and_lm_are_refused_naming_the_flag() {
    let base = ["train", "--dataset", "digits", "--layers", "64,30,10", "--epochs", "1", "--quiet"];
    let with = |extra: &[&'static str]| [&base[..], extra].concat();
    for (extra, needles) in [
        (&["--l1", "-0.1"][..], &["--l1 (regularization.l1)", "≥ 0"][..]),
        (&["--max-norm", "0"], &["--max-norm (regularization.max_norm)", "positive"]),
        (&["--dropout", "1"], &["--dropout (regularization.dropout)", "[0, 1)"]),
        (&["--dropout", "0.2,-0.5"], &["--dropout", "[0, 1)"]),
        (&["--dropout", "0.2,0.5,0.5"], &["--dropout", "got 3"]),
        (&["--dropout", "half"], &["--dropout", "'half' is not a probability"]),
        (&["--optimizer", "lm", "--l1", "0.1"], &["--l1", "lm does not support L1"]),
        (&["--optimizer", "lm", "--max-norm", "3"], &["--max-norm", "lm does not support max-norm"]),
        (&["--optimizer", "lm", "--dropout", "0.5"], &["--dropout", "lm does not support dropout"]),
    ] {
        common::assert_fails(&with(extra), 2, needles);
    }
    // A list shorter than the layer inputs is an error too (two hidden layers need three values).
    let deep = ["train", "--dataset", "digits", "--layers", "64,30,20,10", "--epochs", "1", "--dropout", "0.2,0.5"];
    common::assert_fails(&deep, 2, &["--dropout", "or 3 (the input's", "got 2"]);
}

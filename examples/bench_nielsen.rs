//! Release-mode training benchmark: seconds per epoch, samples per second and achieved GFLOP/s for
//! the configurations of issue 8, on MNIST (or random data of the same shape with `--synthetic`).
//!
//! ```text
//! cargo run --release --example bench_nielsen -- [--data DIR] [--epochs 3] [--threads N]
//!     [--config nielsen|nielsen-train|b100|deep|all] [--peak GFLOPS] [--synthetic]
//! ```
//!
//! For each configuration it trains `--epochs` epochs twice from the same seed: once with the
//! per-epoch evaluation the configuration asks for (the figure to compare with other programs,
//! "train+eval") and once without any (training alone, "train"), and then times inference on the
//! 10,000 test images. FLOPs count the matrix products only (2·m·k·n each): per training sample
//! 2·Σ n_in·n_out forward, the same for ∂C/∂W, and 2·Σ_{l>1} n_in·n_out for δ; per evaluated
//! sample the forward part. `--peak` (default 85, the measured one-core SGEMM peak of the shared
//! bench machine) gives the FLOP floor: the seconds the FLOPs take at that rate.

use neuralnet::config::{MonitorConfig, NetworkConfig, OptimizerConfig, PerformanceConfig, TrainingConfig};
use neuralnet::data::{Dataset, Splits, load_named};
use neuralnet::metrics::evaluate;
use neuralnet::train::EVAL_CHUNK;
use neuralnet::{Activation, Cost, Data, Init, Optimizer, Silent, TrainConfig, Workspace, fit};
use rand::{RngExt, SeedableRng};
use std::path::PathBuf;
use std::time::Instant;

struct Bench {
    name: &'static str,
    layers: Vec<usize>,
    activation: Activation,
    output: Activation,
    cost: Cost,
    optimizer: Optimizer,
    init: Init,
    batch: usize,
    eta: f64,
    /// Per-epoch evaluation: (train, validation, test).
    monitor: [bool; 3],
}

fn configs() -> Vec<Bench> {
    let nielsen = Bench {
        name: "nielsen",
        layers: vec![784, 30, 10],
        activation: Activation::Sigmoid,
        output: Activation::Sigmoid,
        cost: Cost::Quadratic,
        optimizer: Optimizer::Sgd,
        init: Init::Normal,
        batch: 10,
        eta: 3.0,
        monitor: [false, true, true],
    };
    vec![
        Bench { name: "nielsen-train", monitor: [true, true, true], ..nielsen_clone(&nielsen) },
        Bench { name: "b100", layers: vec![784, 100, 10], batch: 100, ..nielsen_clone(&nielsen) },
        Bench {
            name: "deep",
            layers: vec![784, 256, 128, 10],
            activation: Activation::Relu,
            output: Activation::Softmax,
            cost: Cost::CrossEntropy,
            optimizer: Optimizer::Adam,
            init: Init::He,
            batch: 64,
            eta: 1e-3,
            monitor: [false, true, true],
        },
        nielsen,
    ]
}

fn nielsen_clone(b: &Bench) -> Bench {
    Bench { layers: b.layers.clone(), ..*b }
}

/// Matrix-product FLOPs of one training sample and of one evaluated sample.
fn flops(layers: &[usize]) -> (f64, f64) {
    let fwd: usize = layers.windows(2).map(|s| 2 * s[0] * s[1]).sum();
    let dprev: usize = layers.windows(2).skip(1).map(|s| 2 * s[0] * s[1]).sum();
    ((2 * fwd + dprev) as f64, fwd as f64)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

fn synthetic(n: usize, seed: u64) -> Dataset {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let x = (0..n * 784).map(|_| rng.random_range(0.0f32..1.0)).collect();
    let labels = (0..n).map(|_| rng.random_range(0..10u32)).collect();
    Dataset::classification(x, 784, labels, 10)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut data, mut epochs, mut threads, mut which, mut peak, mut synth) =
        (None, 3usize, None, "all".to_string(), 85.0f64, false);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--data" => data = Some(PathBuf::from(val())),
            "--epochs" => epochs = val().parse().expect("--epochs N"),
            "--threads" => threads = Some(val().parse().expect("--threads N")),
            "--config" => which = val(),
            "--peak" => peak = val().parse().expect("--peak GFLOPS"),
            "--synthetic" => synth = true,
            other => panic!("unknown argument {other}"),
        }
    }
    let splits = if synth {
        Splits {
            name: "synthetic".into(),
            train: synthetic(50_000, 1),
            validation: Some(synthetic(10_000, 2)),
            test: Some(synthetic(10_000, 3)),
            ..Default::default()
        }
    } else {
        load_named("mnist", data.as_deref()).unwrap_or_else(|e| {
            eprintln!("{e}\n(use --synthetic to run on random data of MNIST's shape)");
            std::process::exit(2)
        })
    };
    let threads = threads.unwrap_or_else(neuralnet::available_threads);
    let data = Data::from(splits);
    let splits = &data.splits;
    println!("# {} threads, {epochs} epochs per run, FLOP floor at {peak} GFLOP/s", threads);
    println!(
        "{:<14} {:>10} {:>10} {:>11} {:>9} {:>10} {:>10} {:>12} {:>8}",
        "config",
        "s/ep train",
        "s/ep +eval",
        "train smp/s",
        "GFLOP/s",
        "floor s/ep",
        "×floor",
        "infer img/s",
        "test acc"
    );
    for b in configs().into_iter().filter(|b| which == "all" || which == b.name) {
        let [train, validation, test] = b.monitor.map(Some);
        let mut config = TrainConfig {
            network: NetworkConfig {
                layers: Some(b.layers.clone()),
                activation: Some(b.activation),
                output_activation: Some(b.output),
                cost: Some(b.cost),
                init: Some(b.init),
                ..Default::default()
            },
            optimizer: OptimizerConfig { kind: Some(b.optimizer), eta: Some(b.eta), ..Default::default() },
            training: TrainingConfig {
                batch_size: Some(b.batch),
                epochs: Some(epochs),
                seed: Some(1),
                ..Default::default()
            },
            monitor: MonitorConfig { train, validation, test },
            performance: PerformanceConfig { threads: Some(threads) },
            ..Default::default()
        };
        let with_eval = fit(&config, &data, &mut Silent).expect("training");
        let net = with_eval.model.network;
        let with_eval = with_eval.history;
        config.monitor = MonitorConfig { train: Some(false), validation: Some(false), test: Some(false) };
        let train_only = fit(&config, &data, &mut Silent).expect("training").history;
        let s_train = median(train_only.epochs.iter().map(|e| e.seconds).collect());
        let s_all = median(with_eval.epochs.iter().map(|e| e.seconds).collect());
        let n = splits.train.len() as f64;
        let (f_train, f_eval) = flops(&b.layers);
        let evaluated: f64 = [Some(&splits.train), splits.validation.as_ref(), splits.test.as_ref()]
            .iter()
            .zip(b.monitor)
            .filter(|(_, on)| *on)
            .map(|(d, _)| d.map_or(0.0, |d| d.len() as f64))
            .sum();
        let epoch_flops = n * f_train + evaluated * f_eval;
        let floor = epoch_flops / (peak * 1e9);
        // Inference on the test split, median of 7 passes.
        let test = splits.test.as_ref().expect("test split");
        let mut ws = Workspace::new(&net, EVAL_CHUNK).with_threads(threads);
        let acc = evaluate(&net, test, &mut ws).accuracy.unwrap_or(f64::NAN);
        let infer = median(
            (0..7)
                .map(|_| {
                    let t = Instant::now();
                    evaluate(&net, test, &mut ws);
                    test.len() as f64 / t.elapsed().as_secs_f64()
                })
                .collect(),
        );
        println!(
            "{:<14} {:>10.4} {:>10.4} {:>11.0} {:>9.1} {:>10.4} {:>10.2} {:>12.0} {:>8.4}",
            b.name,
            s_train,
            s_all,
            n / s_train,
            n * f_train / s_train / 1e9,
            floor,
            s_all / floor,
            infer,
            acc
        );
    }
}

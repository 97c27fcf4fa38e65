//! Nielsen's chapter-3 L2 run (784-30-10, sigmoid outputs, cross-entropy, N(0,1) init, η = 0.5,
//! batch 10, λ = 5, 30 epochs) trained in f64 or f32 from the library's pieces, with the same
//! seeded initialisation and batch order as `neuralnet train experiments/nielsen-ch3-l2.toml`.
//! Prints the per-epoch test accuracy and the peak, to compare precisions on one seed.
//!
//! ```text
//! cargo run --release --example nielsen_f64 -- --data ../shared/data --seed 1 [--f32] [--lambda 5]
//! ```

use neuralnet::data::load_named;
use neuralnet::float::Scalar;
use neuralnet::{Activation, Cost, Init, Network, Workspace};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;

fn run<F: Scalar>(splits: &neuralnet::data::Splits, seed: u64, lambda: f64, epochs: usize) -> Vec<f64> {
    let (train, test) = (&splits.train, splits.test.as_ref().expect("MNIST has a test split"));
    let cast = |v: &[f32]| v.iter().map(|&x| F::of(x as f64)).collect::<Vec<F>>();
    let (x, y, x_test) = (cast(&train.x), cast(&train.y), cast(&test.x));
    let (n, d, k, m) = (train.len(), train.n_features, train.n_outputs, 10);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut net = Network::<F>::new(&[784, 30, 10], Activation::Sigmoid, Activation::Sigmoid, Cost::CrossEntropy)
        .expect("valid network");
    net.init(Init::Normal, 1.0, &mut rng);
    let mut ws = Workspace::new(&net, m);
    let mut eval_ws = Workspace::new(&net, 1000);
    let (eta, decay) = (F::of(0.5), F::of(1.0 - 0.5 * lambda / n as f64));
    let mut order: Vec<usize> = (0..n).collect();
    let (mut xb, mut yb) = (vec![F::zero(); m * d], vec![F::zero(); m * k]);
    let mut accuracy = Vec::new();
    for _ in 0..epochs {
        order.shuffle(&mut rng);
        for batch in order.chunks(m) {
            for (r, &i) in batch.iter().enumerate() {
                xb[r * d..(r + 1) * d].copy_from_slice(&x[i * d..(i + 1) * d]);
                yb[r * k..(r + 1) * k].copy_from_slice(&y[i * k..(i + 1) * k]);
            }
            net.sgd_step(&xb, &yb, batch.len(), &mut ws, eta, decay);
        }
        let mut correct = 0;
        for (c, labels) in x_test.chunks(1000 * d).zip(test.y.chunks(1000 * k)) {
            let rows = c.len() / d;
            net.forward(c, rows, &mut eval_ws);
            let out = net.output(rows, &eval_ws);
            for (o, t) in out.chunks(k).zip(labels.chunks(k)) {
                let argmax = |v: &[F]| (0..k).fold(0, |b, j| if v[j] > v[b] { j } else { b });
                let truth = (0..k).fold(0, |b, j| if t[j] > t[b] { j } else { b });
                correct += usize::from(argmax(o) == truth);
            }
        }
        accuracy.push(correct as f64 / test.len() as f64);
    }
    accuracy
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let data = flag("--data").map(PathBuf::from);
    let seed: u64 = flag("--seed").map_or(1, |s| s.parse().expect("--seed N"));
    let lambda: f64 = flag("--lambda").map_or(5.0, |s| s.parse().expect("--lambda L"));
    let epochs: usize = flag("--epochs").map_or(30, |s| s.parse().expect("--epochs N"));
    let splits = load_named("mnist", data.as_deref()).expect("MNIST (see --data)");
    let f32_run = args.iter().any(|a| a == "--f32");
    let acc =
        if f32_run { run::<f32>(&splits, seed, lambda, epochs) } else { run::<f64>(&splits, seed, lambda, epochs) };
    let peak = acc.iter().cloned().fold(0.0, f64::max);
    let curve: Vec<String> = acc.iter().map(|a| format!("{:.4}", a)).collect();
    println!("{} seed {seed} peak {peak:.4} [{}]", if f32_run { "f32" } else { "f64" }, curve.join(" "));
}

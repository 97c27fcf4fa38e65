//! Per-batch cost of one training step (forward, backward, update) at the shapes of issue 8, on
//! random data, reported by criterion as samples per second (`cargo bench --bench train_step`):
//!
//! - `nielsen`: 784-30-10 sigmoid, quadratic cost, plain SGD (the fused step), batch 10;
//! - `b100`: 784-100-10 sigmoid, quadratic, SGD, batch 100;
//! - `deep`: 784-256-128-10 ReLU, softmax + cross-entropy, Adam (backprop + step), batch 64;
//! - `eval`: the forward pass of 784-30-10 over a chunk of 1,000 rows (inference);
//! - `nielsen-split`, `b100-split`: the path training takes for those two (the fast path, the
//!   hidden units in two halves): one epoch of 100 batches of random rows through `neuralnet::fit`
//!   per iteration (it also evaluates the 100 batches' rows once at the end, ≈ 1/20 of the work).
//!
//! Each runs on 1 thread and on all cores (`threads-N` in the name).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use neuralnet::config::{MonitorConfig, NetworkConfig, OptimizerConfig, PerformanceConfig, TrainingConfig};
use neuralnet::data::Dataset;
use neuralnet::{
    Activation, Cost, Data, Init, Network, OptimState, Optimizer, Silent, Solver, Splits, TrainConfig, Workspace,
    available_threads as default_threads, fit,
};
use rand::{RngExt, SeedableRng};
use std::hint::black_box;

struct Case {
    name: &'static str,
    sizes: &'static [usize],
    hidden: Activation,
    output: Activation,
    cost: Cost,
    optimizer: Optimizer,
    rows: usize,
}

const CASES: [Case; 3] = [
    Case {
        name: "nielsen",
        sizes: &[784, 30, 10],
        hidden: Activation::Sigmoid,
        output: Activation::Sigmoid,
        cost: Cost::Quadratic,
        optimizer: Optimizer::Sgd,
        rows: 10,
    },
    Case {
        name: "b100",
        sizes: &[784, 100, 10],
        hidden: Activation::Sigmoid,
        output: Activation::Sigmoid,
        cost: Cost::Quadratic,
        optimizer: Optimizer::Sgd,
        rows: 100,
    },
    Case {
        name: "deep",
        sizes: &[784, 256, 128, 10],
        hidden: Activation::Relu,
        output: Activation::Softmax,
        cost: Cost::CrossEntropy,
        optimizer: Optimizer::Adam,
        rows: 64,
    },
];

/// A network and `rows` random MNIST-like samples with one-hot targets.
fn setup(c: &Case, rows: usize) -> (Network<f32>, Vec<f32>, Vec<f32>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut net = Network::new(c.sizes, c.hidden, c.output, c.cost).unwrap();
    net.init(Init::Normal, 0.1, &mut rng);
    let x = (0..rows * c.sizes[0]).map(|_| rng.random_range(0.0f32..1.0)).collect();
    let k = *c.sizes.last().unwrap();
    let y = (0..rows).flat_map(|r| (0..k).map(move |j| f32::from(u8::from(j == r % k)))).collect();
    (net, x, y)
}

fn train_step(crit: &mut Criterion) {
    let mut threads = vec![1];
    if default_threads() > 1 {
        threads.push(default_threads());
    }
    for c in &CASES {
        let mut group = crit.benchmark_group(c.name);
        group.throughput(Throughput::Elements(c.rows as u64));
        for &t in &threads {
            let (mut net, x, y) = setup(c, c.rows);
            let mut ws = Workspace::new(&net, c.rows).with_threads(t);
            let mut opt = OptimState::new(&Solver::adam(1e-4), net.n_params());
            let mut grad = vec![0.0f32; net.n_params()];
            group.bench_function(format!("threads-{t}"), |b| {
                b.iter(|| {
                    if c.optimizer == Optimizer::Sgd {
                        black_box(net.sgd_step(&x, &y, c.rows, &mut ws, 0.01, 1.0));
                    } else {
                        black_box(net.backprop(&x, &y, c.rows, &mut ws, &mut grad));
                        opt.step_with(net.params_mut(), &grad, 1e-4, &ws);
                    }
                })
            });
        }
        group.finish();
    }
    // The split path: one epoch of 100 batches through `fit`, as training runs it.
    const BATCHES: usize = 100;
    for c in &CASES[..2] {
        let n = BATCHES * c.rows;
        let mut group = crit.benchmark_group(format!("{}-split", c.name));
        group.throughput(Throughput::Elements((BATCHES * c.rows) as u64));
        let (_, x, _) = setup(c, n);
        let labels = (0..n as u32).map(|i| i % 10).collect();
        let train = Dataset::classification(x, c.sizes[0], labels, 10);
        let data = Data::from(Splits { name: "random".into(), train, ..Default::default() });
        for &t in &threads {
            let config = TrainConfig {
                network: NetworkConfig {
                    layers: Some(c.sizes.to_vec()),
                    activation: Some(c.hidden),
                    output_activation: Some(c.output),
                    cost: Some(c.cost),
                    init: Some(Init::Normal),
                    init_scale: Some(0.1),
                    ..Default::default()
                },
                optimizer: OptimizerConfig { kind: Some(Optimizer::Sgd), eta: Some(0.01), ..Default::default() },
                training: TrainingConfig { epochs: Some(1), batch_size: Some(c.rows), ..Default::default() },
                monitor: MonitorConfig { train: Some(false), validation: Some(false), test: Some(false) },
                performance: PerformanceConfig { threads: Some(t) },
                ..Default::default()
            };
            group.bench_function(format!("threads-{t}"), |b| {
                b.iter(|| black_box(fit(&config, &data, &mut Silent).expect("training").history.updates))
            });
        }
        group.finish();
    }
    let mut group = crit.benchmark_group("eval");
    group.throughput(Throughput::Elements(1000));
    for &t in &threads {
        let (net, x, _) = setup(&CASES[0], 1000);
        let mut ws = Workspace::new(&net, 1000).with_threads(t);
        group.bench_function(format!("threads-{t}"), |b| b.iter(|| black_box(net.forward(&x, 1000, &mut ws)[0])));
    }
    group.finish();
}

criterion_group!(benches, train_step);
criterion_main!(benches);

//! Per-batch cost of one training step (forward, backward, update) at the shapes of issue 8, on
//! random data, reported by criterion as samples per second (`cargo bench --bench train_step`):
//!
//! - `nielsen`: 784-30-10 sigmoid, quadratic cost, plain SGD (the fused step), batch 10;
//! - `b100`: 784-100-10 sigmoid, quadratic, SGD, batch 100;
//! - `deep`: 784-256-128-10 ReLU, softmax + cross-entropy, Adam (backprop + step), batch 64;
//! - `eval`: the forward pass of 784-30-10 over a chunk of 1,000 rows (inference);
//! - `nielsen-split`, `b100-split`: the path training takes for those two (`hidden_split`, the
//!   hidden units in two halves): one shuffled pass over 100 batches of random rows per iteration.
//!
//! Each runs on 1 thread and on all cores (`threads-N` in the name).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use neuralnet::data::Dataset;
use neuralnet::hidden_split::Threads;
use neuralnet::parallel::default_threads;
use neuralnet::{Activation, Cost, Init, Network, OptimState, Optimizer, Workspace};
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
            let mut opt = OptimState::new(c.optimizer, 0.9, net.n_params());
            let mut grad = vec![0.0f32; net.n_params()];
            group.bench_function(format!("threads-{t}"), |b| {
                b.iter(|| {
                    if c.optimizer == Optimizer::Sgd {
                        black_box(net.sgd_step(&x, &y, c.rows, &mut ws, 0.01, 1.0));
                    } else {
                        black_box(net.backprop(&x, &y, c.rows, &mut ws, &mut grad));
                        opt.step_on(net.params_mut(), &grad, 1e-4, ws.pool());
                    }
                })
            });
        }
        group.finish();
    }
    // The split path: 100 batches per iteration, one pass over 100 batches' rows in shuffled order.
    const BATCHES: usize = 100;
    for c in &CASES[..2] {
        let n = BATCHES * c.rows;
        let mut group = crit.benchmark_group(format!("{}-split", c.name));
        group.throughput(Throughput::Elements((BATCHES * c.rows) as u64));
        let (mut net, x, _) = setup(c, n);
        let labels = (0..n as u32).map(|i| i % 10).collect();
        let data = Dataset::classification(x, c.sizes[0], labels, 10);
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        rand::seq::SliceRandom::shuffle(&mut order[..], &mut rng);
        for &t in &threads {
            group.bench_function(format!("threads-{t}"), |b| {
                b.iter(|| {
                    let (done, stop, _) = neuralnet::hidden_split::sgd_batches(
                        &mut net,
                        &data,
                        &order,
                        c.rows,
                        0..BATCHES,
                        0.01,
                        1.0,
                        if t >= 2 { Threads::Two } else { Threads::One },
                        16,
                        |_, cost| {
                            black_box(cost);
                        },
                        || false,
                    );
                    assert!(done == BATCHES && stop.is_none());
                })
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

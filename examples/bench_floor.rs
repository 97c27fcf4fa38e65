//! How close 784-800-10 training comes to its FLOP floor: the GEMM peak measured in this sitting
//! with the routine and float type training uses (`<f32 as Scalar>::gemm`, i.e. faer's `matmul`,
//! one thread per product), then 784-800-10 trained through `fit` at several batch sizes on 1 and
//! 2 threads, with the achieved GFLOP/s and the ratio of the time per epoch to the floor
//! (the epoch's FLOPs at the peak).
//!
//! ```text
//! cargo run --release --example bench_floor -- [--threads 1,2] [--batch 64,100,128] [--epochs N]
//!     [--data DIR] [--activation sigmoid|relu] [--eta 0.1] [--no-train] [--no-pieces] [--quick]
//! ```
//!
//! `--quick` measures the peak on the square products alone (512³ and 1024³, where it lies).
//!
//! MNIST comes from `--data DIR` (or `$NEURALNET_DATA`), the directory holding `mnist/`.
//!
//! What it prints:
//! 1. **GEMM peak**: GFLOP/s of the products of a training batch, with training's layouts (the
//!    hidden layer cut into the blocks `network::unit_blocks` gives, Wᵀ and δᵀ as strided
//!    views), of the same products uncut, and of large square products; on 1 thread and on 2
//!    (two threads each running the product on their own operands at once: the aggregate rate two
//!    cores give). The peak of a thread count is the best rate over all shapes.
//! 2. **Pieces**: one batch of the one-hidden-layer fast path rebuilt from public pieces on one
//!    thread (the gather of shuffled rows, the products, σ with its bias, the output layer,
//!    σ', the bias sums, the output layer's copy), each piece timed, as µs per batch and per
//!    epoch; set against the training time measured below, the remainder is the threads'
//!    synchronisation and the training loop's own work.
//! 3. **Training**: 784-800-10, hidden σ (or ReLU), softmax output, cross-entropy, plain SGD
//!    (η = 0.1), no evaluation, `--epochs` epochs per configuration; the median epoch's seconds,
//!    the GFLOP/s achieved, the floor (FLOPs / peak of that thread count) and time ÷ floor, and a
//!    hash of the trained weights (the same for two builds that compute the same model).
//!
//! FLOPs of an epoch of n rows at batch m (multiply and add counted as 2):
//! forward 2n(784·800 + 800·10), weight gradients 2n(784·800 + 800·10), hidden δ 2n·800·10 (no δ
//! for the input layer), and the update 2·636,010 per batch (w ← w − η g). The bias adds, σ, σ',
//! softmax and the bias sums are not counted: they are part of what the ratio measures.

use neuralnet::network::unit_blocks;
use neuralnet::train::EachEpoch;
use neuralnet::{Activation, Cost, Data, Scalar, TrainConfig, fit};
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::Instant;

const N0: usize = 784;
const N1: usize = 800;
const N2: usize = 10;

/// A small deterministic generator (xorshift64*), for operands and row orders.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn uniform(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn vec(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| self.uniform()).collect()
    }
}

/// One product C ← αAB + βC in training's layout: A m×k, B k×n, C m×n, each with (row, column)
/// strides.
#[derive(Clone, Copy)]
struct Product {
    name: &'static str,
    m: usize,
    k: usize,
    n: usize,
    sa: [usize; 2],
    sb: [usize; 2],
    beta: f32,
}

impl Product {
    fn flops(&self) -> f64 {
        2.0 * (self.m * self.k * self.n) as f64
    }
}

/// Operands for a list of products, one set per thread.
struct Operands {
    a: Vec<Vec<f32>>,
    b: Vec<Vec<f32>>,
    c: Vec<Vec<f32>>,
}

impl Operands {
    fn new(products: &[Product], seed: u64) -> Self {
        let mut rng = Rng(seed);
        let mut o = Operands { a: vec![], b: vec![], c: vec![] };
        for p in products {
            o.a.push(rng.vec((p.m - 1) * p.sa[0] + (p.k - 1) * p.sa[1] + 1));
            o.b.push(rng.vec((p.k - 1) * p.sb[0] + (p.n - 1) * p.sb[1] + 1));
            o.c.push(rng.vec(p.m * p.n));
        }
        o
    }

    fn run(&mut self, products: &[Product]) {
        for (i, p) in products.iter().enumerate() {
            let (a, b, c) = (&self.a[i], &self.b[i], &mut self.c[i]);
            f32::gemm(p.m, p.k, p.n, -1e-3, a, p.sa[0], p.sa[1], b, p.sb[0], p.sb[1], p.beta, c, p.n, 1);
        }
    }
}

/// GFLOP/s of running `products` (in turn) on each of `threads` threads at once, each on its own
/// operands: the median of 7 samples of ≈ 30 ms.
fn gemm_rate(products: &[Product], threads: usize) -> f64 {
    let flops: f64 = products.iter().map(Product::flops).sum();
    let mut ops: Vec<Operands> = (0..threads).map(|t| Operands::new(products, 7 + t as u64)).collect();
    // Calibrate on one thread.
    let t0 = Instant::now();
    let mut reps = 0usize;
    while t0.elapsed().as_secs_f64() < 0.01 {
        ops[0].run(products);
        reps += 1;
    }
    let reps = (reps * 3).max(2);
    let barrier = Barrier::new(threads);
    let mut samples: Vec<f64> = (0..7)
        .map(|_| {
            let walls: Vec<f64> = std::thread::scope(|s| {
                let hs: Vec<_> = ops
                    .iter_mut()
                    .map(|o| {
                        let barrier = &barrier;
                        s.spawn(move || {
                            o.run(products);
                            barrier.wait();
                            let t = Instant::now();
                            for _ in 0..reps {
                                o.run(products);
                            }
                            let e = t.elapsed().as_secs_f64();
                            barrier.wait();
                            e
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().expect("no panic")).collect()
            });
            let wall = walls.into_iter().fold(0.0, f64::max);
            threads as f64 * reps as f64 * flops / wall / 1e9
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[3]
}

/// The products of one batch of m rows on the fast path (`train::hidden_split`), hidden layer cut
/// into `unit_blocks` blocks of h units: forward X(W¹[J])ᵀ per block, the output layer's forward,
/// δ²W²[:, J] per block, the update (δ¹[:, J])ᵀX per block and (δ²)ᵀA¹.
fn batch_products(m: usize, blocks: usize) -> Vec<Product> {
    let h = N1 / blocks;
    let mut v = Vec::new();
    for _ in 0..blocks {
        v.push(Product { name: "fwd", m, k: N0, n: h, sa: [N0, 1], sb: [1, N0], beta: 0.0 });
    }
    v.push(Product { name: "out fwd", m, k: N1, n: N2, sa: [N1, 1], sb: [1, N1], beta: 0.0 });
    for _ in 0..blocks {
        v.push(Product { name: "δ¹", m, k: N2, n: h, sa: [N2, 1], sb: [N1, 1], beta: 0.0 });
    }
    for _ in 0..blocks {
        v.push(Product { name: "update", m: h, k: m, n: N0, sa: [1, h], sb: [N0, 1], beta: 1.0 });
    }
    v.push(Product { name: "out update", m: N2, k: m, n: N1, sa: [1, N2], sb: [N1, 1], beta: 1.0 });
    v
}

/// Training's FLOPs for an epoch of `n` rows at batch `m` (see the module docs).
fn epoch_flops(n: usize, m: usize) -> f64 {
    let per_row = 2.0 * (N0 * N1 + N1 * N2) as f64 * 2.0 + 2.0 * (N1 * N2) as f64;
    let params = (N0 * N1 + N1 + N1 * N2 + N2) as f64;
    n as f64 * per_row + n.div_ceil(m) as f64 * 2.0 * params
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn list(s: Option<String>, what: &str) -> Vec<usize> {
    s.unwrap_or_else(|| panic!("{what} needs a value"))
        .split(',')
        .map(|v| v.trim().parse().unwrap_or_else(|_| panic!("{what}: not a number: {v}")))
        .collect()
}

/// Peak GFLOP/s per thread count: rates of training's batch products (cut and uncut) and of
/// square products, printed as a table.
fn peaks(threads: &[usize], batches: &[usize], quick: bool) -> Vec<(usize, f64)> {
    let mut rows: Vec<(String, Vec<Product>)> = Vec::new();
    for &m in batches.iter().filter(|_| !quick) {
        let k = unit_blocks(N0, N1, m);
        let cut = batch_products(m, k);
        rows.push((format!("b{m} batch, {k} blocks of {} units (training's calls)", N1 / k), cut.clone()));
        let pick = |name: &str| cut.iter().copied().find(|p| p.name == name).expect("a product");
        rows.push((format!("b{m} fwd {m}×{N0}×{} (Wᵀ strided)", N1 / k), vec![pick("fwd")]));
        rows.push((format!("b{m} update {}×{m}×{N0} (δᵀ strided, β=1)", N1 / k), vec![pick("update")]));
        // Another layout: the hidden layer's values kept transposed (units × rows), so that the
        // forward product reads W¹[J] contiguously and the update reads (δ¹[:, J])ᵀ contiguously.
        let h = N1 / k;
        rows.push((
            format!("b{m} fwd transposed {h}×{N0}×{m} (W contiguous, Xᵀ strided)"),
            vec![Product { name: "fwdT", m: h, k: N0, n: m, sa: [N0, 1], sb: [1, N0], beta: 0.0 }],
        ));
        rows.push((
            format!("b{m} update {h}×{m}×{N0} (δᵀ contiguous, β=1)"),
            vec![Product { name: "updT", m: h, k: m, n: N0, sa: [m, 1], sb: [N0, 1], beta: 1.0 }],
        ));
        rows.push((format!("b{m} batch uncut (1 block of 800)"), batch_products(m, 1)));
        let full = batch_products(m, 1);
        rows.push((format!("b{m} fwd {m}×{N0}×{N1} (Wᵀ strided)"), vec![full[0]]));
        rows.push((format!("b{m} update {N1}×{m}×{N0} (δᵀ strided, β=1)"), vec![full[3]]));
    }
    for s in [512, 1024, 2048].into_iter().take(if quick { 2 } else { 3 }) {
        rows.push((
            format!("square {s}³"),
            vec![Product { name: "square", m: s, k: s, n: s, sa: [s, 1], sb: [s, 1], beta: 0.0 }],
        ));
    }
    print!("{:<58}", "GEMM GFLOP/s (faer f32, Scalar::gemm)");
    threads.iter().for_each(|t| print!(" {:>9}", format!("{t} thr")));
    println!();
    let mut best = vec![0.0f64; threads.len()];
    for (name, products) in &rows {
        print!("{name:<58}");
        for (i, &t) in threads.iter().enumerate() {
            let r = gemm_rate(products, t);
            best[i] = best[i].max(r);
            print!(" {r:>9.1}");
        }
        println!();
    }
    print!("{:<58}", "peak (best of the above)");
    best.iter().for_each(|b| print!(" {b:>9.1}"));
    println!("\n");
    threads.iter().copied().zip(best).collect()
}

/// Seconds per batch of each piece of a one-thread batch of the fast path, rebuilt from public
/// pieces over `batches` shuffled batches of `data`.
fn pieces(data: &neuralnet::Dataset, m: usize, act: Activation, eta: f32) -> Vec<(&'static str, f64)> {
    let blocks = unit_blocks(N0, N1, m);
    let h = N1 / blocks;
    let mut rng = Rng(11);
    let scale = |v: Vec<f32>, s: f32| v.into_iter().map(|x| x * s).collect::<Vec<f32>>();
    let mut w1 = scale(rng.vec(N1 * N0), 0.1);
    let mut b1 = scale(rng.vec(N1), 0.1);
    let mut out = scale(rng.vec(N2 * N1 + N2), 0.1);
    let mut next = out.clone();
    let (mut x, mut y) = (vec![0.0f32; m * N0], vec![0.0f32; m * N2]);
    let mut a1 = vec![0.0f32; m * N1];
    let mut blk_a: Vec<Vec<f32>> = (0..blocks).map(|_| vec![0.0; m * h]).collect();
    let mut blk_d: Vec<Vec<f32>> = (0..blocks).map(|_| vec![0.0; m * h]).collect();
    let (mut a2, mut z2, mut d2) = (vec![0.0f32; m * N2], vec![0.0f32; m * N2], vec![0.0f32; m * N2]);
    let names = [
        "gather rows (X, Y)",
        "forward products X·W¹[J]ᵀ",
        "bias + σ (hidden)",
        "A¹[:, J] into the shared A¹",
        "output layer (product, softmax, cost, δ²)",
        "δ¹ products δ²·W²[:, J]",
        "σ' (δ¹ ⊙ σ'(Z¹))",
        "bias sums Σ_rows δ¹ (b¹ update)",
        "update products W¹[J] += −η δ¹ᵀX",
        "output layer copy + update + b²",
    ];
    let mut t = [0.0f64; 10];
    let n = data.len();
    let reps = (4 * 50_000 / m).max(200);
    let mut clock = Instant::now();
    let mut lap = |i: usize, t: &mut [f64; 10]| {
        let now = Instant::now();
        t[i] += (now - clock).as_secs_f64();
        clock = now;
    };
    for _ in 0..reps {
        lap(9, &mut t);
        for r in 0..m {
            let i = rng.below(n);
            x[r * N0..(r + 1) * N0].copy_from_slice(&data.x[i * N0..(i + 1) * N0]);
            y[r * N2..(r + 1) * N2].copy_from_slice(&data.y[i * N2..(i + 1) * N2]);
        }
        lap(0, &mut t);
        for (k, a) in blk_a.iter_mut().enumerate() {
            let w = &w1[k * h * N0..(k + 1) * h * N0];
            f32::gemm(m, N0, h, 1.0, &x, N0, 1, w, 1, N0, 0.0, a, h, 1);
            lap(1, &mut t);
            act.apply_biased(a, &b1[k * h..(k + 1) * h]);
            lap(2, &mut t);
            for r in 0..m {
                a1[r * N1 + k * h..r * N1 + (k + 1) * h].copy_from_slice(&a[r * h..(r + 1) * h]);
            }
            lap(3, &mut t);
        }
        let (w2, b2) = out.split_at(N2 * N1);
        f32::gemm(m, N1, N2, 1.0, &a1, N1, 1, w2, 1, N1, 0.0, &mut a2, N2, 1);
        a2.chunks_exact_mut(N2).for_each(|row| row.iter_mut().zip(b2).for_each(|(z, &b)| *z += b));
        z2.copy_from_slice(&a2);
        Activation::Softmax.apply(&mut a2, N2);
        std::hint::black_box(Cost::CrossEntropy.total(Activation::Softmax, &a2, &z2, &y, N2));
        Cost::CrossEntropy.output_delta_of_mean(Activation::Softmax, &a2, &y, &mut d2, N2, m);
        lap(4, &mut t);
        for (k, (d, a)) in blk_d.iter_mut().zip(&blk_a).enumerate() {
            f32::gemm(m, N2, h, 1.0, &d2, N2, 1, &w2[k * h..], N1, 1, 0.0, d, h, 1);
            lap(5, &mut t);
            act.mul_derivative(d, a);
            lap(6, &mut t);
        }
        for (k, d) in blk_d.iter().enumerate() {
            // As `network::bias_step` sums them: row by row into chunks of 64 sums (each unit's
            // rows still in order).
            for (c, bc) in b1[k * h..(k + 1) * h].chunks_mut(64).enumerate() {
                let mut sums = [0.0f32; 64];
                for row in d.chunks_exact(h) {
                    sums.iter_mut().zip(&row[c * 64..c * 64 + bc.len()]).for_each(|(s, &v)| *s += v);
                }
                bc.iter_mut().zip(&sums).for_each(|(b, &sum)| *b += -eta * sum);
            }
            lap(7, &mut t);
            let w = &mut w1[k * h * N0..(k + 1) * h * N0];
            f32::gemm(h, m, N0, -eta, d, 1, h, &x, N0, 1, 1.0, w, N0, 1);
            lap(8, &mut t);
        }
        next.copy_from_slice(&out);
        let (nw2, nb2) = next.split_at_mut(N2 * N1);
        f32::gemm(N2, m, N1, -eta, &d2, 1, N2, &a1, N1, 1, 1.0, nw2, N1, 1);
        for (q, b) in nb2.iter_mut().enumerate() {
            let sum = d2.iter().skip(q).step_by(N2).fold(0.0f32, |s, &v| s + v);
            *b += -eta * sum;
        }
        std::mem::swap(&mut out, &mut next);
    }
    lap(9, &mut t);
    names.into_iter().zip(t.map(|s| s / reps as f64)).collect()
}

/// 784-800-10 on MNIST in `dir`.
fn config(dir: &Path, act: Activation, eta: f64, batch: usize, threads: usize, epochs: usize) -> TrainConfig {
    let text = format!(
        "[network]\nlayers = [784, 800, 10]\nactivation = \"{act}\"\noutput_activation = \"softmax\"\n\
         cost = \"cross-entropy\"\n[optimizer]\nkind = \"sgd\"\neta = {eta}\n[training]\nbatch_size = {batch}\n\
         epochs = {epochs}\nseed = 1\n[monitor]\ntrain = false\nvalidation = false\ntest = false\n\
         [performance]\nthreads = {threads}\n"
    );
    let mut c = TrainConfig::from_toml_str(&text, Path::new("bench_floor")).expect("a valid configuration");
    c.data.dataset = Some("mnist".into());
    c.data.dir = Some(dir.to_path_buf());
    c
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut threads, mut batches, mut epochs, mut dir) = (vec![1, 2], vec![64, 100, 128], 3, None);
    let (mut act, mut eta, mut train, mut show_pieces, mut quick) = (Activation::Sigmoid, 0.1, true, true, false);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => threads = list(args.next(), "--threads"),
            "--batch" => batches = list(args.next(), "--batch"),
            "--epochs" => epochs = list(args.next(), "--epochs")[0],
            "--data" => dir = args.next().map(PathBuf::from),
            "--activation" => act = args.next().and_then(|s| s.parse().ok()).expect("--activation sigmoid|relu"),
            "--eta" => eta = args.next().and_then(|s| s.parse().ok()).expect("--eta X"),
            "--no-train" => train = false,
            "--no-pieces" => show_pieces = false,
            "--quick" => quick = true,
            other => {
                eprintln!("unknown argument {other}; see the module docs of examples/bench_floor.rs");
                std::process::exit(2);
            }
        }
    }
    let dir = dir.or_else(|| std::env::var_os("NEURALNET_DATA").map(PathBuf::from));
    let Some(dir) = dir.filter(|d| d.join("mnist").is_dir()) else {
        eprintln!(
            "bench_floor needs MNIST: pass --data DIR (or set NEURALNET_DATA) where DIR/mnist holds the \
             IDX files, e.g. --data /work/shared/data"
        );
        std::process::exit(2);
    };
    println!("# load average at start: {}", load_average());
    let peak = peaks(&threads, &batches, quick);
    let data = Data::load(&config(&dir, act, eta, 128, 1, 1)).expect("MNIST");
    let train_set = &data.splits.train;
    let n = train_set.len();
    if show_pieces {
        println!("# one batch of the fast path rebuilt from public pieces, 1 thread, µs per batch (s per epoch)");
        for &m in &batches {
            let p = pieces(train_set, m, act, eta as f32);
            let total: f64 = p.iter().map(|(_, s)| s).sum();
            let per_epoch = n.div_ceil(m) as f64;
            println!("b{m} ({} blocks):", unit_blocks(N0, N1, m));
            for (name, s) in &p {
                println!(
                    "  {name:<44} {:>8.1} µs ({:.4} s/epoch, {:>4.1} %)",
                    s * 1e6,
                    s * per_epoch,
                    100.0 * s / total
                );
            }
            println!("  {:<44} {:>8.1} µs ({:.4} s/epoch)", "total", total * 1e6, total * per_epoch);
        }
        println!();
    }
    if train {
        println!(
            "# 784-800-10 {act}/softmax/cross-entropy, SGD η = {eta}, {n} rows, {epochs} epochs per row, \
             no evaluation; median epoch"
        );
        println!(
            "{:>5} {:>7} {:>9} {:>9} {:>10} {:>10} {:>9} {:>8}  epochs (s)",
            "batch", "threads", "GFLOP", "s/epoch", "GFLOP/s", "peak", "floor s", "×floor"
        );
        for &m in &batches {
            for &(t, pk) in &peak {
                // The seconds of every epoch and the threads its report gives.
                let mut rec: Vec<(f64, Option<usize>)> = Vec::new();
                let mut observer = EachEpoch(|s| rec.push((s.seconds, s.threads)));
                let trained = fit(&config(&dir, act, eta, m, t, epochs), &data, &mut observer).expect("training");
                // FNV-1a over the weights' bits: equal for builds that compute the same model.
                let hash =
                    trained.model.network.params().iter().fold(0xcbf2_9ce4_8422_2325u64, |h, w| {
                        (h ^ u64::from(w.to_bits())).wrapping_mul(0x100_0000_01b3)
                    });
                let mut secs: Vec<f64> = rec.iter().map(|e| e.0).collect();
                let all = secs.iter().map(|s| format!("{s:.3}")).collect::<Vec<_>>().join(" ");
                secs.sort_by(f64::total_cmp);
                let s = secs[secs.len() / 2];
                let flops = epoch_flops(n, m);
                let floor = flops / (pk * 1e9);
                println!(
                    "{m:>5} {t:>7} {:>9.2} {s:>9.4} {:>10.1} {pk:>10.1} {floor:>9.4} {:>7.2}×  {all} (threads {:?}, \
                     weights {hash:016x})",
                    flops / 1e9,
                    flops / s / 1e9,
                    s / floor,
                    rec.last().and_then(|e| e.1)
                );
            }
        }
    }
    println!("# load average at end: {}", load_average());
}

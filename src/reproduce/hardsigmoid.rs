//! Hung-yi Lee, *Machine Learning 2021*, lecture 1: any piecewise-linear curve is a constant plus a
//! sum of hard sigmoids, and a hard sigmoid (flat, ramp, flat) is the difference of two ReLUs:
//! c·max(0, b + w·x) − c·max(0, b' + w·x). So a network with one hidden layer of ReLUs and an
//! identity output can draw any piecewise-linear curve, one ReLU per breakpoint, and fits better
//! the more ReLUs it has. The lecture states this without figures; we check it two ways on a
//! target with 8 breakpoints on [0, 1]: (a) the exact construction (weights set analytically)
//! has error ~0 once k ≥ 8 ReLUs; (b) training 1-k-1 ReLU networks (Adam, MSE) for
//! k = 1, 2, 4, 8, 16 gives an error that falls as k grows.

use super::{Comparison, Options, QuickScope, Report, finish_with, md_table};
use crate::config::{MonitorConfig, NetworkConfig, OptimizerConfig, ScheduleConfig, TrainingConfig};
use crate::error::Result;
use crate::metrics::evaluate;
use crate::network::{Network, Workspace};
use crate::plot::{Series, line_chart};
use crate::train::{Silent, from_network};
use crate::{Activation, Cost, Dataset, Optimizer, Sampling, Schedule, Splits, TrainConfig};
use rand::RngExt;
use serde::Serialize;
use serde_json::json;
use std::path::Path;

/// What `reproduce hardsigmoid --quick` is and can show.
pub const QUICK: QuickScope = QuickScope {
    size: "2 seeds instead of 5 and 3,000 epochs instead of 6,000 for each trained fit",
    shows: "the exact construction (not trained: the same as in the full run) and the trained fits improving \
            as k grows",
    cannot: "the near-zero error of 16 trained ReLUs (MSE below 1e-4), which takes the longer training",
};

/// The target's vertices (x, y) on [0, 1]: flat at both ends, 8 breakpoints in between.
pub const VERTICES: [(f64, f64); 10] = [
    (0.0, 0.25),
    (0.1, 0.25),
    (0.2, 0.9),
    (0.3, 0.9),
    (0.45, 0.35),
    (0.55, 0.45),
    (0.7, 0.7),
    (0.8, 0.7),
    (0.9, 0.3),
    (1.0, 0.3),
];
/// Numbers of ReLUs tried.
pub const KS: [usize; 5] = [1, 2, 4, 8, 16];
/// Training inputs: evenly spaced points on [0, 1].
const N_TRAIN: usize = 201;
/// Evaluation inputs: a finer grid on [0, 1].
const N_EVAL: usize = 1001;

/// The piecewise-linear target: linear interpolation between [`VERTICES`].
pub fn target(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    let i = VERTICES.windows(2).position(|w| x <= w[1].0).unwrap_or(VERTICES.len() - 2);
    let ((x0, y0), (x1, y1)) = (VERTICES[i], VERTICES[i + 1]);
    y0 + (y1 - y0) * (x - x0) / (x1 - x0)
}

/// Slope of segment `i` (between vertices i and i + 1).
fn slope(i: usize) -> f64 {
    let ((x0, y0), (x1, y1)) = (VERTICES[i], VERTICES[i + 1]);
    (y1 - y0) / (x1 - x0)
}

/// The breakpoints (xⱼ, Δsⱼ): the interior vertices where the slope changes, and by how much.
pub fn breakpoints() -> Vec<(f64, f64)> {
    (1..VERTICES.len() - 1).map(|j| (VERTICES[j].0, slope(j) - slope(j - 1))).filter(|b| b.1.abs() > 1e-12).collect()
}

/// `n` evenly spaced points on [0, 1].
fn grid(n: usize) -> Vec<f64> {
    (0..n).map(|i| i as f64 / (n - 1) as f64).collect()
}

/// The exact construction as a 1-k-1 ReLU network: f(x) = f(0) + Σⱼ Δsⱼ·ReLU(x − xⱼ), one ReLU
/// per breakpoint (hidden weight 1, bias −xⱼ, output weight Δsⱼ). With fewer ReLUs than
/// breakpoints only the first k are used; extra ReLUs get output weight 0.
pub fn construct(k: usize) -> Result<Network<f64>> {
    let mut net = Network::<f64>::new(&[1, k, 1], Activation::Relu, Activation::Identity, Cost::Mse)?;
    let bps = breakpoints();
    let p = net.params_mut();
    // Layout: W¹ (k × 1), b¹ (k), W² (1 × k), b² (1).
    for i in 0..k {
        let (x, ds) = bps.get(i).copied().unwrap_or((0.0, 0.0));
        p[i] = 1.0;
        p[k + i] = -x;
        p[2 * k + i] = ds;
    }
    p[3 * k] = VERTICES[0].1;
    Ok(net)
}

/// Outputs of a network on the points `xs`.
fn outputs<F: crate::Scalar>(net: &Network<F>, xs: &[f64]) -> Vec<f64> {
    let x: Vec<F> = xs.iter().map(|&v| F::of(v)).collect();
    let mut ws = Workspace::new(net, xs.len());
    net.forward(&x, xs.len(), &mut ws).iter().map(|v| v.f64()).collect()
}

/// Largest |network − target| on the evaluation grid.
fn max_error(values: &[f64], xs: &[f64]) -> f64 {
    values.iter().zip(xs).map(|(v, &x)| (v - target(x)).abs()).fold(0.0, f64::max)
}

/// The target sampled at `n` points, as a regression dataset.
fn sampled(n: usize) -> Dataset {
    let xs = grid(n);
    Dataset::regression(xs.iter().map(|&x| x as f32).collect(), 1, xs.iter().map(|&x| target(x) as f32).collect(), 1)
}

/// Training settings: Adam on the whole training set, η = 0.01 halved every quarter of the run.
fn config(k: usize, seed: u64, quick: bool) -> TrainConfig {
    let epochs = if quick { 3000 } else { 6000 };
    TrainConfig {
        network: NetworkConfig {
            layers: Some(vec![1, k, 1]),
            activation: Some(Activation::Relu),
            output_activation: Some(Activation::Identity),
            cost: Some(Cost::Mse),
            ..Default::default()
        },
        optimizer: OptimizerConfig { kind: Some(Optimizer::Adam), eta: Some(0.01), ..Default::default() },
        training: TrainingConfig {
            sampling: Some(Sampling::FullBatch),
            epochs: Some(epochs),
            seed: Some(seed),
            ..Default::default()
        },
        schedule: ScheduleConfig { eta: Some(Schedule::Step { every: epochs / 4, factor: 0.5 }), ..Default::default() },
        monitor: MonitorConfig { train: Some(false), validation: Some(false), test: Some(false) },
        ..Default::default()
    }
}

/// One trained fit with k ReLUs: the best of several seeds.
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    /// Number of ReLUs.
    pub k: usize,
    /// MSE of the best seed on the evaluation grid.
    pub mse: f64,
    /// Its largest |error| on the evaluation grid.
    pub max_error: f64,
    /// Evaluation MSE of every seed, in seed order.
    pub seed_mse: Vec<f64>,
    /// The best seed.
    pub best_seed: u64,
    /// The best fit's outputs on the evaluation grid.
    pub curve: Vec<f64>,
}

/// Trains a 1-k-1 ReLU network from `seed`. The hidden ReLUs start with their kinks x = −b/w
/// spread uniformly over [0, 1] (random slopes ±[1, 4]), so none starts dead on the data.
fn train_k(k: usize, seed: u64, splits: &Splits, quick: bool) -> Result<Network<f32>> {
    let plan = config(k, seed, quick).resolve(splits)?;
    let (mut net, mut rng) = plan.initial_network::<f32>()?;
    let p = net.params_mut();
    for i in 0..k {
        let (kink, mag): (f64, f64) = (rng.random(), 1.0 + 3.0 * rng.random::<f64>());
        let w = if rng.random::<bool>() { mag } else { -mag };
        p[i] = w as f32;
        p[k + i] = (-w * kink) as f32;
    }
    from_network(&plan, splits, &mut net, &mut rng, &mut Silent)?;
    Ok(net)
}

/// Fits with k ReLUs from `seeds` seeds; keeps the one with the lowest evaluation MSE.
fn fit_k(k: usize, seeds: u64, quick: bool) -> Result<Fit> {
    let splits = Splits {
        name: "hardsigmoid".into(),
        train: sampled(N_TRAIN),
        test: Some(sampled(N_EVAL)),
        ..Default::default()
    };
    let eval = splits.test.as_ref().expect("set above");
    let mut best: Option<(f64, u64, Network<f32>)> = None;
    let mut seed_mse = Vec::new();
    for seed in 1..=seeds {
        let net = train_k(k, seed, &splits, quick)?;
        let mse = evaluate(&net, eval, &mut Workspace::new(&net, N_EVAL)).mse.unwrap_or(f64::NAN);
        seed_mse.push(mse);
        if best.as_ref().is_none_or(|b| mse < b.0) {
            best = Some((mse, seed, net));
        }
    }
    let (mse, best_seed, net) = best.expect("at least one seed");
    let xs = grid(N_EVAL);
    let curve = outputs(&net, &xs);
    Ok(Fit { k, mse, max_error: max_error(&curve, &xs), seed_mse, best_seed, curve })
}

/// Largest |error| of the exact construction with k ReLUs, for every k in [`KS`].
fn construction_errors() -> Result<Vec<(usize, f64)>> {
    let xs = grid(N_EVAL);
    KS.iter().map(|&k| Ok((k, max_error(&outputs(&construct(k)?, &xs), &xs)))).collect()
}

/// Comparisons: the construction is exact from k = breakpoints on; the trained MSE falls with k.
fn comparisons(exact: &[(usize, f64)], fits: &[Fit], quick: bool) -> Vec<Comparison> {
    let n = breakpoints().len();
    let at_n = exact.iter().filter(|e| e.0 >= n).map(|e| e.1).fold(0.0, f64::max);
    let below = exact.iter().filter(|e| e.0 < n).map(|e| e.1).fold(f64::INFINITY, f64::min);
    let mses: Vec<f64> = fits.iter().map(|f| f.mse).collect();
    let chain = fits.iter().map(|f| format!("{}: {:.1e}", f.k, f.mse)).collect::<Vec<_>>().join(", ");
    let falls = mses.windows(2).all(|w| w[1] < w[0]);
    let last = fits.last().map_or(f64::NAN, |f| f.mse);
    vec![
        Comparison::new(
            &format!("exact construction, k ≥ {n} ReLUs (= breakpoints): max abs error"),
            format!("{at_n:.1e}"),
            "0 (exact)",
            "< 1e-12",
            Some(at_n < 1e-12),
        ),
        Comparison::new(
            &format!("exact construction, k < {n} ReLUs: smallest max abs error"),
            format!("{below:.3}"),
            "not exact",
            "> 0.01",
            Some(below > 0.01),
        ),
        Comparison::new(
            "trained 1-k-1 ReLU nets: MSE falls as k grows",
            chain,
            "fit improves with k",
            "each < previous",
            Some(falls),
        ),
        Comparison::new(
            &format!("trained, k = {}: MSE", KS[KS.len() - 1]),
            format!("{last:.1e}"),
            "≈ 0 (enough hard sigmoids)",
            "< 1e-4",
            Some(last < 1e-4),
        )
        .needs_full_run(quick),
    ]
}

/// Runs the experiment: the exact construction, the trained fits, the report.
pub fn run(opts: &Options) -> Result<Report> {
    let exact = construction_errors()?;
    let seeds = if opts.quick { 2 } else { 5 };
    let fits: Vec<Fit> = KS.iter().map(|&k| fit_k(k, seeds, opts.quick)).collect::<Result<_>>()?;
    let n = breakpoints().len();
    let notes = vec![
        format!(
            "Target: {} vertices, {n} breakpoints = constant + {} hard sigmoids (one per sloped segment); \
             adjacent ramps share a ReLU, so the exact construction needs {n} ReLUs.",
            VERTICES.len(),
            (0..VERTICES.len() - 1).filter(|&i| slope(i).abs() > 1e-12).count()
        ),
        format!(
            "Training: Adam on {N_TRAIN} evenly spaced points, full batch, η = 0.01 halved every quarter of {} epochs, \
             MSE cost; kinks initialized uniformly on [0, 1]; best of {seeds} seeds; errors measured on {N_EVAL} points.",
            config(1, 1, opts.quick).training.epochs.unwrap_or_default()
        ),
    ];
    let data = json!({
        "vertices": VERTICES,
        "breakpoints": breakpoints(),
        "construction": exact.iter().map(|&(k, e)| json!({"k": k, "max_error": e})).collect::<Vec<_>>(),
        "training": config(1, 1, opts.quick),
        "fits": fits,
        "x": grid(N_EVAL),
    });
    let report = Report {
        experiment: "hardsigmoid".into(),
        source: super::source("hardsigmoid").into(),
        quick: opts.quick,
        comparisons: comparisons(&exact, &fits, opts.quick),
        notes,
        data,
        pictures: Vec::new(),
    };
    let rows: Vec<Vec<String>> = exact
        .iter()
        .zip(&fits)
        .map(|(&(k, e), f)| {
            vec![k.to_string(), format!("{e:.1e}"), format!("{:.2e}", f.mse), format!("{:.3}", f.max_error)]
        })
        .collect();
    let head = ["k ReLUs", "exact construction: max abs error", "trained: MSE", "trained: max abs error"];
    let extra = md_table(&head, &rows);
    finish_with(report, opts, &extra, |dir| draw(dir, &fits))
}

/// A curve on the evaluation grid as a chart series.
fn curve(label: &str, y: Vec<f64>) -> Series {
    Series { label: label.into(), x: grid(y.len()), y }
}

/// Draws the fits against the target, the hard sigmoid from two ReLUs, and the target as a
/// constant plus hard sigmoids.
fn draw(dir: &Path, fits: &[Fit]) -> Result<Vec<String>> {
    let xs = grid(N_EVAL);
    let mut lines = vec![curve("target", xs.iter().map(|&x| target(x)).collect())];
    lines.extend(
        fits.iter().map(|f| curve(&format!("{} ReLU{}", f.k, if f.k > 1 { "s" } else { "" }), f.curve.clone())),
    );
    line_chart(&dir.join("fits.png"), "Piecewise-linear target and trained 1-k-1 ReLU fits", "x", "y", &lines, false)?;
    let relu = |x: f64, a: f64| (x - a).max(0.0) / 0.3;
    let two = vec![
        curve("ReLU(x − 0.3)/0.3", xs.iter().map(|&x| relu(x, 0.3)).collect()),
        curve("−ReLU(x − 0.6)/0.3", xs.iter().map(|&x| -relu(x, 0.6)).collect()),
        curve("sum: hard sigmoid", xs.iter().map(|&x| relu(x, 0.3) - relu(x, 0.6)).collect()),
    ];
    line_chart(&dir.join("hard_sigmoid.png"), "A hard sigmoid is the difference of two ReLUs", "x", "y", &two, false)?;
    let mut parts = vec![
        curve("target", xs.iter().map(|&x| target(x)).collect()),
        curve("constant", vec![VERTICES[0].1; xs.len()]),
    ];
    for (n, i) in (0..VERTICES.len() - 1).filter(|&i| slope(i).abs() > 1e-12).enumerate() {
        let ((a, _), (b, _), s) = (VERTICES[i], VERTICES[i + 1], slope(i));
        let hs = xs.iter().map(|&x| s * ((x - a).max(0.0) - (x - b).max(0.0))).collect();
        parts.push(curve(if n == 0 { "hard sigmoids, one per ramp" } else { "" }, hs));
    }
    line_chart(&dir.join("construction.png"), "Target = constant + sum of hard sigmoids", "x", "y", &parts, false)?;
    Ok(vec!["fits.png".into(), "hard_sigmoid.png".into(), "construction.png".into()])
}

//! Higham & Higham (2019), section 2: a 2-2-3-2 sigmoid network separating ten points of the
//! plane in two categories (O and X), trained by stochastic gradient with one point drawn with
//! replacement per step, η = 0.05, 10⁶ steps, weights and biases from 0.5·N(0, 1), quadratic cost.
//! Published: Σ‖y − F‖² falls from about 5.3 to 7.3 × 10⁻⁴, after an early plateau (some runs
//! stall there). Figure 2.4: the plane shaded by the predicted category. With an eleventh point
//! (0.3, 0.7) in category B (Figure 2.5) the network is trained here by Levenberg–Marquardt.

use super::{Comparison, Options, QuickScope, Report, finish};
use crate::config::{NetworkConfig, OptimizerConfig, TrainingConfig};
use crate::data::builtin;
use crate::error::Result;
use crate::metrics::evaluate;
use crate::network::{Network, Workspace};
use crate::plot::{Labelled, Series, decision_regions, line_chart};
use crate::train::{Control, Observer, Silent, fit, from_network};
use crate::{Activation, Cost, Data, EpochStats, Init, Optimizer, Sampling, Splits, TrainConfig};
use serde_json::json;

/// What `reproduce higham --quick` is and can show.
pub const QUICK: QuickScope = QuickScope {
    size: "3 SGD seeds of 2 × 10⁵ steps instead of 10 seeds of 10⁶; LM on the eleven points for seeds 1–3 \
           instead of 1–10",
    shows: "the cost starting near the paper's 5.3 and falling through its plateau to below 0.05, the \
            decision regions separating the ten points, and Levenberg–Marquardt separating the eleven",
    cannot: "the paper's final Σ‖y−F‖² = 7.3e-4, which takes the full 10⁶ steps (the final-cost row checks a \
             bound for 2 × 10⁵ steps instead, and says so), nor how often runs stall on the plateau, which \
             takes more seeds",
};

/// The paper's final Σ‖y − F‖² after 10⁶ steps.
pub const PUBLISHED_FINAL: f64 = 7.3e-4;
/// The paper's initial Σ‖y − F‖² (about).
pub const PUBLISHED_INITIAL: f64 = 5.3;
/// A run whose Σ‖y − F‖² ends above this has stalled on the plateau.
pub const STALLED: f64 = 0.5;

/// The paper's configuration; `epochs` of 10 steps each (one point per step, with replacement).
pub fn config(seed: u64, epochs: usize, optimizer: Optimizer) -> TrainConfig {
    let lm = optimizer == Optimizer::Lm;
    TrainConfig {
        network: NetworkConfig {
            layers: Some(vec![2, 2, 3, 2]),
            activation: Some(Activation::Sigmoid),
            output_activation: Some(Activation::Sigmoid),
            cost: Some(Cost::Quadratic),
            init: Some(Init::Normal),
            init_scale: Some(0.5),
            ..Default::default()
        },
        optimizer: OptimizerConfig { kind: Some(optimizer), eta: (!lm).then_some(0.05), ..Default::default() },
        training: TrainingConfig {
            epochs: Some(epochs),
            batch_size: (!lm).then_some(1),
            sampling: (!lm).then_some(Sampling::WithReplacement),
            seed: Some(seed),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Records Σ‖y − F‖² = 20 × (mean ½‖y − a‖²) every `every` epochs.
struct CostTrace {
    every: usize,
    points: Vec<(f64, f64)>,
}

impl Observer for CostTrace {
    fn epoch_end(&mut self, s: &EpochStats) -> Control {
        if s.epoch.is_multiple_of(self.every) || s.epoch == 1 {
            let n = 10.0;
            self.points.push((s.updates as f64, 2.0 * n * s.train.expect("train monitored").loss));
        }
        Control::Continue
    }
}

/// One SGD run: the cost trace, the initial and final Σ‖y − F‖², accuracy, and final parameters.
fn sgd_run(splits: &Splits, seed: u64, steps: usize) -> Result<serde_json::Value> {
    let plan = config(seed, steps / 10, Optimizer::Sgd).resolve(splits)?;
    let (mut net, mut rng) = plan.initial_network::<f32>()?;
    let mut ws = Workspace::new(&net, 10);
    let initial = 20.0 * evaluate(&net, &splits.train, &mut ws).loss;
    let mut trace = CostTrace { every: (steps / 10 / 500).max(1), points: vec![(0.0, initial)] };
    from_network(&plan, splits, &mut net, &mut rng, &mut trace)?;
    let m = evaluate(&net, &splits.train, &mut ws);
    Ok(json!({
        "seed": seed, "steps": steps, "initial": initial, "final": 20.0 * m.loss,
        "accuracy": m.accuracy, "trace": trace.points, "params": net.params(),
    }))
}

/// Runs the experiment: `seeds` SGD runs of 10⁶ steps (quick: 3 runs of 2 × 10⁵), and LM on the
/// eleven points.
pub fn run(opts: &Options) -> Result<Report> {
    let (seeds, steps): (Vec<u64>, usize) =
        if opts.quick { ((1..=3).collect(), 200_000) } else { ((1..=10).collect(), 1_000_000) };
    let splits = builtin::load("higham").expect("built in");
    let runs = seeds.iter().map(|&s| sgd_run(&splits, s, steps)).collect::<Result<Vec<_>>>()?;
    let finals: Vec<f64> = runs.iter().map(|r| r["final"].as_f64().unwrap_or(f64::NAN)).collect();
    let stalled = finals.iter().filter(|&&f| f.is_nan() || f > STALLED).count();
    let mut good: Vec<f64> = finals.iter().copied().filter(|&f| f <= STALLED).collect();
    good.sort_by(f64::total_cmp);
    let median = good.get(good.len() / 2).copied().unwrap_or(f64::NAN);
    let initial_mean = runs.iter().map(|r| r["initial"].as_f64().unwrap_or(0.0)).sum::<f64>() / runs.len() as f64;
    let extra = lm_extra(opts)?;
    let mut comparisons = vec![
        Comparison::new(
            "initial Σ‖y−F‖² (mean over seeds)",
            format!("{initial_mean:.2}"),
            "about 5.3",
            "within a factor 2 (depends on the random start)",
            Some(initial_mean > PUBLISHED_INITIAL / 2.0 && initial_mean < PUBLISHED_INITIAL * 2.0),
        ),
        Comparison::new(
            &format!("final Σ‖y−F‖² after {steps} steps (median of runs that did not stall)"),
            format!("{median:.2e}"),
            "7.3e-4 after 10⁶ steps",
            if opts.quick { "below 0.05 (quick run: a fifth of the steps)" } else { "within a factor 3" },
            Some(if opts.quick {
                median < 0.05
            } else {
                median > PUBLISHED_FINAL / 3.0 && median < PUBLISHED_FINAL * 3.0
            }),
        ),
    ];
    comparisons.push(Comparison::new(
        "eleven points (Figure 2.5) separated by LM",
        format!("{} of {} seeds", extra["separated"], extra["runs"].as_array().map_or(0, |r| r.len())),
        "separated",
        "at least one seed separates all eleven",
        Some(extra["separated"].as_u64().unwrap_or(0) > 0),
    ));
    let notes = vec![format!(
        "{stalled} of {} SGD runs stalled on the plateau (Σ‖y−F‖² > {STALLED} at the end), as the paper warns; finals: {}",
        runs.len(),
        finals.iter().map(|f| format!("{f:.2e}")).collect::<Vec<_>>().join(", ")
    )];
    let report = Report {
        experiment: "higham".into(),
        source: super::source("higham").into(),
        quick: opts.quick,
        comparisons,
        notes,
        data: json!({ "sgd": runs, "lm_extra": extra }),
        pictures: vec![],
    };
    finish(report, opts, |dir| draw(dir, &splits))
}

/// Levenberg–Marquardt on the eleven points: seeds 1–10 (quick: 1–3), 200 iterations at most.
fn lm_extra(opts: &Options) -> Result<serde_json::Value> {
    let data = Data::from(builtin::load("higham-extra").expect("built in"));
    let seeds: Vec<u64> = if opts.quick { (1..=3).collect() } else { (1..=10).collect() };
    let mut runs = Vec::new();
    for seed in seeds {
        let trained = fit(&config(seed, 200, Optimizer::Lm), &data, &mut Silent)?;
        let (net, history) = (&trained.model.network, &trained.history);
        let m = evaluate(net, &data.splits.train, &mut Workspace::new(net, 11));
        runs.push(json!({
            "seed": seed, "iterations": history.updates, "final": 22.0 * m.loss,
            "accuracy": m.accuracy, "params": net.params(),
        }));
    }
    let separated = runs.iter().filter(|r| r["accuracy"].as_f64() == Some(1.0)).count();
    Ok(json!({ "runs": runs, "separated": separated }))
}

/// A network of the experiment's shape holding `params` (from the report's data).
fn network_from(params: &serde_json::Value) -> Network<f32> {
    let mut net =
        Network::new(&[2, 2, 3, 2], Activation::Sigmoid, Activation::Sigmoid, Cost::Quadratic).expect("valid");
    let values: Vec<f32> =
        params.as_array().map(|a| a.iter().map(|v| v.as_f64().unwrap_or(0.0) as f32).collect()).unwrap_or_default();
    if values.len() == net.n_params() {
        net.params_mut().copy_from_slice(&values);
    }
    net
}

/// Category (0 = A, drawn O; 1 = B, drawn X) the network assigns to the point (x₁, x₂).
pub fn predict(net: &Network<f32>, x1: f64, x2: f64) -> usize {
    let mut ws = Workspace::new(net, 1);
    let a = net.forward(&[x1 as f32, x2 as f32], 1, &mut ws);
    usize::from(a[1] > a[0])
}

/// The points of `splits` as `(x₁, x₂, category)`, category 0 = A, 1 = B.
fn points(splits: &Splits) -> Vec<(f64, f64, usize)> {
    let labels = splits.train.labels.as_ref().expect("classification");
    splits.train.x.chunks(2).zip(labels).map(|(p, &l)| (p[0] as f64, p[1] as f64, l as usize)).collect()
}

/// The paper's category names, A and B (the data's class names).
fn categories(splits: &Splits) -> Vec<String> {
    splits.class_names.clone().unwrap_or_else(|| vec!["A".into(), "B".into()])
}

fn draw(dir: &std::path::Path, splits: &Splits) -> Result<Vec<String>> {
    let report = super::read_report(dir)?;
    let runs = report["data"]["sgd"].as_array().cloned().unwrap_or_default();
    let series: Vec<Series> = runs
        .iter()
        .map(|r| {
            let trace: Vec<(f64, f64)> = serde_json::from_value(r["trace"].clone()).unwrap_or_default();
            Series {
                label: format!("seed {}", r["seed"]),
                x: trace.iter().map(|p| p.0).collect(),
                y: trace.iter().map(|p| p.1).collect(),
            }
        })
        .collect();
    line_chart(&dir.join("higham_cost.png"), "Higham & Higham: SGD cost", "step", "Σ‖y − F‖²", &series, true)?;
    let best = runs
        .iter()
        .min_by(|a, b| a["final"].as_f64().unwrap_or(f64::MAX).total_cmp(&b["final"].as_f64().unwrap_or(f64::MAX)));
    let mut pictures = vec!["higham_cost.png".to_string()];
    if let Some(best) = best {
        let net = network_from(&best["params"]);
        let title = format!("Figure 2.4: SGD, seed {}", best["seed"]);
        decision_regions(
            &dir.join("higham_regions.png"),
            &title,
            &|a, b| predict(&net, a, b),
            (0.0, 1.0),
            (0.0, 1.0),
            Labelled { points: &points(splits), names: &categories(splits) },
            200,
        )?;
        pictures.push("higham_regions.png".into());
    }
    let extra = builtin::load("higham-extra").expect("built in");
    let lm_runs = report["data"]["lm_extra"]["runs"].as_array().cloned().unwrap_or_default();
    if let Some(best) = lm_runs.iter().find(|r| r["accuracy"].as_f64() == Some(1.0)).or(lm_runs.first()) {
        let net = network_from(&best["params"]);
        let title = format!("Figure 2.5: eleven points, Levenberg–Marquardt, seed {}", best["seed"]);
        decision_regions(
            &dir.join("higham_extra_regions.png"),
            &title,
            &|a, b| predict(&net, a, b),
            (0.0, 1.0),
            (0.0, 1.0),
            Labelled { points: &points(&extra), names: &categories(&extra) },
            200,
        )?;
        pictures.push("higham_extra_regions.png".into());
    }
    Ok(pictures)
}

//! Hung-yi Lee, *Machine Learning 2021*, lecture 1 ("Introduction of Machine/Deep Learning"): the
//! regression ladder on a daily series with a weekly cycle. Tomorrow's value is predicted from the
//! previous 1, 7, 28 or 56 days by a linear model y = b + Σⱼ wⱼxⱼ, then by one hidden layer of
//! 10/100/1000 ReLUs, then by 1–4 hidden layers of 100 ReLUs, all trained on the MAE
//! L = mean |y − ŷ| over every year but the last and scored on the last ("unseen") year.
//!
//! Published (on the lecturer's channel-view counts, so the *pattern* is compared, not the values):
//! more days lower both losses (1 day 0.48k/0.58k → 56 days 0.32k/0.46k, train/unseen); width
//! lowers the training loss (10/100/1000 ReLUs: 0.32k/0.28k/0.27k, unseen 0.45k/0.43k/0.43k); depth
//! keeps lowering it (1→4 layers: 0.28k/0.18k/0.14k/0.10k) while the unseen loss turns up at four
//! layers (0.43k/0.39k/0.38k/0.44k); the one-day model's w* = 0.97, b* = 0.1k. We use the daily US
//! births 2000–2014 (FiveThirtyEight/SSA, CC BY 4.0), embedded; `--series FILE` replaces it with
//! any daily `date,value` CSV. Values are in thousands ("k"); sigmoid widths are our addition.
//!
//! This file holds the constants, the ladder of model specs and everything that trains it through
//! the library (`config`, `train_one`, `train_ladder`: the only uses of the training API), the
//! experiment's `run` and its notes. The daily series and the lag problem are in `series`, the
//! error surface in `surface`, the pattern checks and tables in `compare`, the pictures in `draw`.

mod compare;
mod draw;
mod series;
mod surface;

use super::{Options, QuickScope, Report, finish_with};
use crate::config::{MonitorConfig, NetworkConfig, OptimizerConfig, ScheduleConfig, TrainingConfig};
use crate::error::Result;
use crate::metrics::evaluate;
use crate::network::{Network, Workspace};
use crate::train::{Silent, fit};
use crate::{Activation, Cost, Data, Dataset, Optimizer, Schedule, Splits, TrainConfig};
use compare::{comparisons, tables};
use draw::draw;
use serde::Serialize;
use serde_json::json;
use std::path::Path;
use surface::error_surface;

pub use series::{Daily, Problem, build_problem, parse_series};
pub(crate) use series::{load, take_lags};
pub use surface::Surface;

/// What `reproduce lee --quick` is and can show.
pub const QUICK: QuickScope = QuickScope {
    size: "hidden layers of 4/16/64 units and depths of 32-unit layers instead of 10/100/1000 and 100, 20 \
           epochs instead of 150, 3,000 descent steps on the error surface instead of 40,000",
    shows: "the ladder's orderings — more days lower both losses, width and depth lower the training loss — \
            and the error surface with the descent path reaching the valley",
    cannot: "the full run's losses, since its widest and deepest nets are much smaller and train a seventh as \
             long (the lecture's own values are on other data in either run: the pattern is compared)",
};

/// The longest look-back (days); every model predicts the same days, those with 56 days before them.
pub const MAX_LAG: usize = 56;
/// Fewest training days (after the look-back) the series must have before its last year.
pub const MIN_TRAIN_DAYS: usize = 56;
/// The lecture's look-backs for the linear model.
pub const LAGS: [usize; 4] = [1, 7, 28, 56];

/// One rung of the ladder.
#[derive(Debug, Clone, Serialize)]
pub struct Spec {
    /// Row label, as in the lecture's tables.
    pub name: String,
    /// Which table: `days`, `relu-width`, `sigmoid-width` or `depth`.
    pub group: &'static str,
    /// Look-back in days (number of inputs).
    pub lags: usize,
    /// Hidden-layer widths (empty: linear).
    pub hidden: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
}

/// The models, in table order. Quick: smaller widths and depths up to 4 of 32 units.
pub fn ladder(quick: bool) -> Vec<Spec> {
    let spec =
        |name: String, group, lags, hidden: Vec<usize>, activation| Spec { name, group, lags, hidden, activation };
    let mut v: Vec<Spec> = LAGS
        .iter()
        .map(|&d| {
            spec(format!("linear, {d} day{}", if d > 1 { "s" } else { "" }), "days", d, vec![], Activation::Identity)
        })
        .collect();
    let (widths, deep) = if quick { ([4, 16, 64], 32) } else { ([10, 100, 1000], 100) };
    for (group, act, label) in
        [("relu-width", Activation::Relu, "ReLU"), ("sigmoid-width", Activation::Sigmoid, "sigmoid")]
    {
        for w in widths {
            v.push(spec(format!("{w} {label}s"), group, MAX_LAG, vec![w], act));
        }
    }
    for depth in 1..=4 {
        let name = format!("{depth} layer{} of {deep} ReLU", if depth > 1 { "s" } else { "" });
        v.push(spec(name, "depth", MAX_LAG, vec![deep; depth], Activation::Relu));
    }
    v
}

/// Training settings shared by every model: Adam on mini-batches of 64, η decayed tenfold twice.
fn config(spec: &Spec, quick: bool) -> TrainConfig {
    let epochs = if quick { 20 } else { 150 };
    let mut layers = vec![spec.lags];
    layers.extend(&spec.hidden);
    layers.push(1);
    TrainConfig {
        network: NetworkConfig {
            layers: Some(layers),
            activation: Some(spec.activation),
            output_activation: Some(Activation::Identity),
            cost: Some(Cost::Mae),
            ..Default::default()
        },
        optimizer: OptimizerConfig {
            kind: Some(Optimizer::Adam),
            eta: Some(if spec.hidden.is_empty() { 0.01 } else { 0.002 }),
            ..Default::default()
        },
        training: TrainingConfig { batch_size: Some(64), epochs: Some(epochs), seed: Some(1), ..Default::default() },
        schedule: ScheduleConfig { eta: Some(Schedule::Step { every: epochs / 3, factor: 0.3 }), ..Default::default() },
        monitor: MonitorConfig { train: Some(false), validation: Some(false), test: Some(false) },
        ..Default::default()
    }
}

/// A trained model's figures, in k (MAE) and k² (MSE).
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The model.
    pub spec: Spec,
    /// Training MAE (k).
    pub train_mae: f64,
    /// Unseen-year MAE (k).
    pub unseen_mae: f64,
    /// Training MSE (k²).
    pub train_mse: f64,
    /// Unseen-year MSE (k²).
    pub unseen_mse: f64,
    /// Training time (s).
    pub seconds: f64,
}

/// The network's outputs on `d`, mapped back to k.
fn predict(net: &Network<f32>, d: &Dataset, p: &Problem) -> Vec<f64> {
    let mut ws = Workspace::new(net, 1000);
    let mut out = Vec::with_capacity(d.len());
    for rows in d.x.chunks(1000 * d.n_features) {
        let r = rows.len() / d.n_features;
        out.extend(net.forward(rows, r, &mut ws).iter().map(|&a| a as f64 * p.scale + p.mean));
    }
    out
}

/// Trains one model; returns its figures and the network.
fn train_one(spec: &Spec, p: &Problem, quick: bool) -> Result<(Outcome, Network<f32>)> {
    let (train, unseen) = (take_lags(&p.train, spec.lags), take_lags(&p.unseen, spec.lags));
    let data = Data::from(Splits { name: "daily".into(), train, test: Some(unseen), ..Default::default() });
    let trained = fit(&config(spec, quick), &data, &mut Silent)?;
    let (net, history, splits) = (trained.model.network, trained.history, &data.splits);
    let mut ws = Workspace::new(&net, 1000);
    let test = splits.test.as_ref().expect("set above");
    let (tr, un) = (evaluate(&net, &splits.train, &mut ws), evaluate(&net, test, &mut ws));
    let (s, s2) = (p.scale, p.scale * p.scale);
    let outcome = Outcome {
        spec: spec.clone(),
        train_mae: tr.mae.unwrap_or(f64::NAN) * s,
        unseen_mae: un.mae.unwrap_or(f64::NAN) * s,
        train_mse: tr.mse.unwrap_or(f64::NAN) * s2,
        unseen_mse: un.mse.unwrap_or(f64::NAN) * s2,
        seconds: history.seconds_total,
    };
    Ok((outcome, net))
}

/// Trains every rung of the ladder (identical models once); returns the outcomes and networks.
fn train_ladder(p: &Problem, quick: bool) -> Result<(Vec<Outcome>, Vec<Network<f32>>)> {
    let (mut outcomes, mut nets): (Vec<Outcome>, Vec<Network<f32>>) = (Vec::new(), Vec::new());
    for spec in ladder(quick) {
        let same = |o: &Outcome| {
            (o.spec.lags, &o.spec.hidden, o.spec.activation) == (spec.lags, &spec.hidden, spec.activation)
        };
        if let Some(i) = outcomes.iter().position(same) {
            let again = Outcome { spec, ..outcomes[i].clone() };
            let net = nets[i].clone();
            outcomes.push(again);
            nets.push(net);
            continue;
        }
        let (o, net) = train_one(&spec, p, quick)?;
        outcomes.push(o);
        nets.push(net);
    }
    Ok((outcomes, nets))
}

/// Predictions over the unseen year: the truth, the best model's and the 56-day linear model's.
#[derive(Debug, Clone, Serialize)]
pub struct Predictions {
    /// Dates of the unseen days.
    pub dates: Vec<String>,
    /// The actual values (k).
    pub truth: Vec<f64>,
    /// Name of the model with the lowest unseen MAE.
    pub best_name: String,
    /// Its predictions (k).
    pub best: Vec<f64>,
    /// The 56-day linear model's predictions (k).
    pub linear56: Vec<f64>,
}

/// Runs the experiment: trains the ladder, computes the error surface, writes the report.
pub fn run(opts: &Options) -> Result<Report> {
    let (series, source) = load(opts)?;
    let p = build_problem(&series, opts.series.as_deref().unwrap_or(Path::new("us_births_2000_2014.csv")))?;
    let (outcomes, nets) = train_ladder(&p, opts.quick)?;
    let (w, b) = (
        nets[0].params()[0] as f64,
        nets[0].params()[1] as f64 * p.scale + p.mean * (1.0 - nets[0].params()[0] as f64),
    );
    let best =
        (0..outcomes.len()).min_by(|&i, &j| outcomes[i].unseen_mae.total_cmp(&outcomes[j].unseen_mae)).unwrap_or(0);
    let lin56 = outcomes.iter().position(|o| o.spec.group == "days" && o.spec.lags == MAX_LAG).unwrap_or(0);
    let preds = Predictions {
        dates: p.unseen_dates.clone(),
        truth: p.unseen.y.iter().map(|&y| y as f64 * p.scale + p.mean).collect(),
        best_name: outcomes[best].spec.name.clone(),
        best: predict(&nets[best], &take_lags(&p.unseen, outcomes[best].spec.lags), &p),
        linear56: predict(&nets[lin56], &p.unseen, &p),
    };
    let surface = error_surface(&p, opts.quick);
    let comparisons = comparisons(&outcomes, w, b);
    let notes = notes(&p, &source, &surface, opts.quick);
    let data = json!({
        "series": { "source": source, "first": p.span.0, "last": p.span.1, "unseen_year": p.last_year,
                    "train_days": p.train.len(), "unseen_days": p.unseen.len(), "mean_k": p.mean, "std_k": p.scale },
        "training": config(&ladder(opts.quick)[4], opts.quick),
        "models": outcomes,
        "one_day_linear": { "w": w, "b_k": b },
        "surface": surface,
        "predictions": preds,
    });
    let report = Report {
        experiment: "lee".into(),
        source: super::source("lee").into(),
        quick: opts.quick,
        comparisons,
        notes,
        data,
        pictures: Vec::new(),
    };
    let extra = tables(&outcomes, w, b);
    finish_with(report, opts, &extra, |dir| draw(dir, &preds, &surface))
}

/// Remarks on the data and the error surface.
fn notes(p: &Problem, source: &str, s: &Surface, quick: bool) -> Vec<String> {
    let mut v = vec![
        format!(
            "Series: {source}, {} to {}; trained on {} days before {}, unseen = {} ({} days). Values in thousands (k); \
             features standardized with the training mean {:.3}k and spread {:.3}k, losses reported in k.",
            p.span.0,
            p.span.1,
            p.train.len(),
            p.last_year,
            p.last_year,
            p.unseen.len(),
            p.mean,
            p.scale
        ),
        format!(
            "Every model: MAE cost, Adam (η = 0.01 linear, 0.002 networks) on mini-batches of 64 for {} epochs, \
             η ×0.3 every third of them, seed 1. The lecture's figures are on its channel-view data: compare the \
             pattern, not the values.",
            config(&ladder(quick)[0], quick).training.epochs.unwrap_or_default()
        ),
        format!(
            "Error surface: plain gradient descent on the training MAE of y = b + w·x₁ from (w, b) = (0, 0), η = {}, \
             {} steps, ends at w = {:.3}, b = {:.3}k (MAE {:.3}k). It reaches the valley w ≈ 1, b ≈ 0 within a few \
             hundred steps — the lecture's w* = 0.97, b* = 0.1k — and then crawls along its flat floor.",
            s.eta, s.steps, s.end.0, s.end.1, s.end.2
        ),
    ];
    if quick {
        v.push("Quick run: widths 4/16/64, depth up to 4 layers of 32, 20 epochs; not the lecture's sizes.".into());
    }
    v
}

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

use super::{Comparison, Options, Report, finish_with, md_table};
use crate::error::{Error, Result};
use crate::metrics::evaluate;
use crate::network::{Network, Workspace};
use crate::plot::{Series, contour_with_path, line_chart};
use crate::train::{Silent, fit};
use crate::{Activation, Cost, Dataset, Optimizer, Schedule, Splits, TrainConfig};
use serde::Serialize;
use serde_json::json;
use std::path::Path;

/// The built-in series: daily US births 2000–2014.
const BIRTHS: &str = include_str!("../../data/us_births_2000_2014.csv");
/// The longest look-back (days); every model predicts the same days, those with 56 days before them.
pub const MAX_LAG: usize = 56;
/// Fewest training days (after the look-back) the series must have before its last year.
pub const MIN_TRAIN_DAYS: usize = 56;
/// Days shown in the zoomed predictions picture.
const ZOOM_DAYS: usize = 56;
/// The lecture's look-backs for the linear model.
pub const LAGS: [usize; 4] = [1, 7, 28, 56];

/// A daily series: consecutive days, values in thousands.
#[derive(Debug, Clone)]
pub struct Daily {
    /// ISO date of each day.
    pub dates: Vec<String>,
    /// Calendar year of each day.
    pub years: Vec<i32>,
    /// Value of each day, in thousands.
    pub values: Vec<f64>,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` into (year, day number); `None` if it is not a valid date.
fn parse_date(s: &str) -> Option<(i32, i64)> {
    let p: Vec<&str> = s.split('-').collect();
    if p.len() != 3 || p[0].len() != 4 || p[1].len() != 2 || p[2].len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (p[0].parse().ok()?, p[1].parse().ok()?, p[2].parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > days_in[(m - 1) as usize] {
        return None;
    }
    Some((y as i32, days_from_civil(y, m, d)))
}

/// Reads a `date,value` CSV (header `date,value`, ISO dates, one row per day, sorted, no gaps).
/// Every error names `path` and the problem.
pub fn parse_series(bytes: &[u8], path: &Path) -> Result<Daily> {
    let bad = |what: String| Error::format(path, what);
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not a date,value CSV: not UTF-8 text".into()))?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let header = lines.next().map(|(_, l)| l.trim_start_matches('\u{feff}').trim().to_ascii_lowercase());
    if header.as_deref() != Some("date,value") {
        let first = header.unwrap_or_default().chars().take(40).collect::<String>();
        return Err(bad(format!("not a date,value CSV: first line is '{first}', expected the header 'date,value'")));
    }
    let mut s = Daily { dates: Vec::new(), years: Vec::new(), values: Vec::new() };
    let mut last_day: Option<i64> = None;
    for (i, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let row = || format!("not a date,value CSV: line {}: '{}'", i + 1, line.chars().take(40).collect::<String>());
        let [date, value] = fields[..] else { return Err(bad(row() + " does not have two fields")) };
        let (year, day) = parse_date(date).ok_or_else(|| bad(row() + ": the date is not YYYY-MM-DD"))?;
        let v: f64 = value.parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| bad(row() + ": bad value"))?;
        if let Some(prev) = last_day {
            if day <= prev {
                return Err(bad(format!("line {}: {date} does not follow the previous date (sort the rows)", i + 1)));
            }
            if day > prev + 1 {
                let (missing, before) = (day - prev - 1, s.dates.last().cloned().unwrap_or_default());
                return Err(bad(format!(
                    "line {}: {missing} missing day(s) between {before} and {date}; the lag model needs every day",
                    i + 1
                )));
            }
        }
        last_day = Some(day);
        s.dates.push(date.to_string());
        s.years.push(year);
        s.values.push(v / 1000.0);
    }
    Ok(s)
}

/// The regression problem: 56 lag features per day (standardized with the training days' mean
/// and spread, the same map for inputs and target), split into training years and the last year.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Features (newest lag first) and targets of the training days, standardized.
    pub train: Dataset,
    /// The same for the last ("unseen") year.
    pub unseen: Dataset,
    /// Mean of the training values (k).
    pub mean: f64,
    /// Standard deviation of the training values (k).
    pub scale: f64,
    /// Dates of the unseen days.
    pub unseen_dates: Vec<String>,
    /// The last year (unseen).
    pub last_year: i32,
    /// First and last date of the series.
    pub span: (String, String),
}

/// Builds the lag problem, refusing a series too short for 56 lags plus training days before its
/// last year.
pub fn build_problem(s: &Daily, path: &Path) -> Result<Problem> {
    let n = s.values.len();
    let last_year = *s.years.last().ok_or_else(|| Error::format(path, "no data rows after the header"))?;
    let first_unseen = s.years.iter().position(|&y| y == last_year).unwrap_or(n);
    if first_unseen < MAX_LAG + MIN_TRAIN_DAYS {
        return Err(Error::format(
            path,
            format!(
                "too short: needs {MAX_LAG} days of lags plus {MIN_TRAIN_DAYS} training days before the last year \
                 ({last_year}), has {first_unseen} day(s) before it"
            ),
        ));
    }
    let train_vals = &s.values[..first_unseen];
    let mean = train_vals.iter().sum::<f64>() / first_unseen as f64;
    let var = train_vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / first_unseen as f64;
    let scale = if var.sqrt() > 1e-12 { var.sqrt() } else { 1.0 };
    let z = |v: f64| ((v - mean) / scale) as f32;
    let rows = |r: std::ops::Range<usize>| {
        let x: Vec<f32> = r.clone().flat_map(|t| (1..=MAX_LAG).map(move |j| t - j)).map(|i| z(s.values[i])).collect();
        let y: Vec<f32> = r.map(|t| z(s.values[t])).collect();
        Dataset::regression(x, MAX_LAG, y, 1)
    };
    Ok(Problem {
        train: rows(MAX_LAG..first_unseen),
        unseen: rows(first_unseen..n),
        mean,
        scale,
        unseen_dates: s.dates[first_unseen..].to_vec(),
        last_year,
        span: (s.dates[0].clone(), s.dates[n - 1].clone()),
    })
}

/// The first `lags` feature columns of `d`.
pub(crate) fn take_lags(d: &Dataset, lags: usize) -> Dataset {
    let x = d.x.chunks_exact(d.n_features).flat_map(|r| r[..lags].iter().copied()).collect();
    Dataset::regression(x, lags, d.y.clone(), 1)
}

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
        layers: Some(layers),
        activation: Some(spec.activation),
        output_activation: Some(Activation::Identity),
        cost: Some(Cost::Mae),
        optimizer: Some(Optimizer::Adam),
        eta: Some(if spec.hidden.is_empty() { 0.01 } else { 0.002 }),
        batch_size: Some(64),
        epochs: Some(epochs),
        schedule: Schedule::Step { every: epochs / 3, factor: 0.3 },
        seed: 1,
        monitor_train: false,
        monitor_validation: false,
        monitor_test: false,
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
    let splits = Splits { name: "daily".into(), train, test: Some(unseen), ..Default::default() };
    let plan = config(spec, quick).resolve(&splits)?;
    let (net, history) = fit(&plan, &splits, &mut Silent)?;
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

/// The lecture's error surface: the training MAE of y = b + w·x₁ (k) on a grid of (w, b), and the
/// path of plain gradient descent on it from (0, 0).
#[derive(Debug, Clone, Serialize)]
pub struct Surface {
    /// Range of w.
    pub w_range: (f64, f64),
    /// Range of b (k).
    pub b_range: (f64, f64),
    /// Grid cells per axis (the grid has `resolution + 1` nodes per axis).
    pub resolution: usize,
    /// Loss at node (i, j) is `loss[j * (resolution + 1) + i]` (w index i, b index j).
    pub loss: Vec<f64>,
    /// Learning rate of the descent.
    pub eta: f64,
    /// Descent steps taken.
    pub steps: usize,
    /// (w, b) after every `stride`-th step, from the start.
    pub path: Vec<(f64, f64)>,
    /// Final (w, b) and loss.
    pub end: (f64, f64, f64),
}

/// MAE of b + w·x over the pairs, and its subgradient (∂/∂w, ∂/∂b).
fn mae_and_grad(xy: &[(f64, f64)], w: f64, b: f64) -> (f64, f64, f64) {
    let (mut l, mut gw, mut gb) = (0.0, 0.0, 0.0);
    for &(x, y) in xy {
        let r = y - b - w * x;
        l += r.abs();
        let s = if r > 0.0 {
            -1.0
        } else if r < 0.0 {
            1.0
        } else {
            0.0
        };
        gw += s * x;
        gb += s;
    }
    let n = xy.len().max(1) as f64;
    (l / n, gw / n, gb / n)
}

/// Computes the error surface and the descent path on the training days (k units).
fn error_surface(p: &Problem, quick: bool) -> Surface {
    let xy: Vec<(f64, f64)> = (0..p.train.len())
        .map(|i| (p.train.x[i * MAX_LAG] as f64, p.train.y[i] as f64))
        .map(|(x, y)| (x * p.scale + p.mean, y * p.scale + p.mean))
        .collect();
    let (eta, steps) = (0.01, if quick { 3_000 } else { 40_000 });
    let stride = (steps / 2000).max(1);
    let (mut w, mut b) = (0.0, 0.0);
    let mut path = vec![(w, b)];
    for step in 1..=steps {
        let (_, gw, gb) = mae_and_grad(&xy, w, b);
        (w, b) = (w - eta * gw, b - eta * gb);
        if step % stride == 0 {
            path.push((w, b));
        }
    }
    let top = p.mean * 1.25;
    let (w_range, b_range, resolution) = ((-0.2, 1.3), (-0.1 * top, top), if quick { 40 } else { 80 });
    let n = resolution + 1;
    let at = |i: usize, r: (f64, f64)| r.0 + (r.1 - r.0) * i as f64 / resolution as f64;
    let loss = (0..n * n).map(|k| mae_and_grad(&xy, at(k % n, w_range), at(k / n, b_range)).0).collect();
    let end = (w, b, mae_and_grad(&xy, w, b).0);
    Surface { w_range, b_range, resolution, loss, eta, steps, path, end }
}

/// The lecture's figures (train, unseen MAE in k) for row `i` of `group`, where it has them.
fn published(group: &str, i: usize) -> Option<(f64, f64)> {
    let table: &[(f64, f64)] = match group {
        "days" => &[(0.48, 0.58), (0.38, 0.49), (0.33, 0.46), (0.32, 0.46)],
        "relu-width" => &[(0.32, 0.45), (0.28, 0.43), (0.27, 0.43)],
        "depth" => &[(0.28, 0.43), (0.18, 0.39), (0.14, 0.38), (0.10, 0.44)],
        _ => &[],
    };
    table.get(i).copied()
}

/// The outcomes of one table, in order.
fn group<'a>(o: &'a [Outcome], g: &str) -> Vec<&'a Outcome> {
    o.iter().filter(|x| x.spec.group == g).collect()
}

/// True if every value is at most the previous one plus `slack` (relative).
fn falls(v: &[f64], slack: f64) -> bool {
    v.windows(2).all(|w| w[1] <= w[0] * (1.0 + slack))
}

/// Formats values as `a → b → c` in k.
fn chain(v: &[f64]) -> String {
    v.iter().map(|x| format!("{x:.3}k")).collect::<Vec<_>>().join(" → ")
}

/// A pattern check on the values `v` (k): "each ≤ previous + 1%" for a chain of three or more.
fn pattern(what: &str, v: &[f64], published: &str, holds: bool) -> Comparison {
    let tol = if v.len() > 2 { "each ≤ previous + 1%" } else { "pattern holds" };
    Comparison::new(what, chain(v), published, tol, Some(holds))
}

/// Train and unseen MAE (k) of every model of table `g`, in order.
fn columns(o: &[Outcome], g: &str) -> (Vec<f64>, Vec<f64>) {
    group(o, g).into_iter().map(|x| (x.train_mae, x.unseen_mae)).unzip()
}

/// The last value (NaN if none).
fn last(v: &[f64]) -> f64 {
    *v.last().unwrap_or(&f64::NAN)
}

/// The first value (NaN if none).
fn first(v: &[f64]) -> f64 {
    *v.first().unwrap_or(&f64::NAN)
}

/// The pattern checks, each honestly decided on our figures: days and width here, depth and the
/// one-day model in [`depth_comparisons`].
fn comparisons(o: &[Outcome], w: f64, b: f64) -> Vec<Comparison> {
    let ((days_tr, days_un), (relu_tr, relu_un)) = (columns(o, "days"), columns(o, "relu-width"));
    let sig_tr = columns(o, "sigmoid-width").0;
    let ends = |v: &[f64]| [first(v), last(v)];
    let (a, b_) = ([last(&days_tr), last(&relu_tr)], [last(&days_un), last(&relu_un)]);
    let mut v = vec![
        pattern("56 days beat 1 day on unseen MAE", &ends(&days_un), "0.58k → 0.46k", last(&days_un) < first(&days_un)),
        pattern(
            "56 days beat 1 day on training MAE",
            &ends(&days_tr),
            "0.48k → 0.32k",
            last(&days_tr) < first(&days_tr),
        ),
        pattern(
            "training MAE falls with days (1, 7, 28, 56)",
            &days_tr,
            "0.48k → 0.38k → 0.33k → 0.32k",
            falls(&days_tr, 0.01),
        ),
        pattern(
            "unseen MAE falls with days (1, 7, 28, 56)",
            &days_un,
            "0.58k → 0.49k → 0.46k → 0.46k",
            falls(&days_un, 0.01),
        ),
        pattern("training MAE falls with width (ReLU)", &relu_tr, "0.32k → 0.28k → 0.27k", falls(&relu_tr, 0.01)),
        pattern("widest ReLU layer beats linear 56 days (training)", &a, "0.32k → 0.27k", a[1] < a[0]),
        pattern("widest ReLU layer beats linear 56 days (unseen)", &b_, "0.46k → 0.43k", b_[1] < b_[0]),
        pattern(
            "training MAE falls with width (sigmoid, our addition)",
            &sig_tr,
            "— (not in the lecture)",
            falls(&sig_tr, 0.01),
        ),
    ];
    v.extend(depth_comparisons(o, w, b));
    v
}

/// The depth patterns and the one-day model's w*, b* beside the lecture's.
fn depth_comparisons(o: &[Outcome], w: f64, b: f64) -> Vec<Comparison> {
    let (deep_tr, deep_un) = columns(o, "depth");
    let deep_end = &deep_un[deep_un.len().saturating_sub(2)..];
    let side = "different data: side by side";
    vec![
        pattern(
            "training MAE falls with depth (1 → 4 layers)",
            &deep_tr,
            "0.28k → 0.18k → 0.14k → 0.10k",
            falls(&deep_tr, 0.01),
        ),
        pattern(
            "deepest net has the lowest training MAE",
            &[last(&deep_tr)],
            "0.10k",
            deep_tr.iter().all(|&x| x >= last(&deep_tr)),
        ),
        pattern(
            "unseen MAE rises at 4 layers (3 → 4)",
            deep_end,
            "0.38k → 0.44k",
            deep_end.len() == 2 && deep_end[1] > deep_end[0],
        ),
        Comparison::new("one-day linear model: w*", format!("{w:.3}"), "0.97", side, None),
        Comparison::new("one-day linear model: b*", format!("{b:.3}k"), "0.1k", side, None),
    ]
}

/// The series and where it came from: `--series FILE` or the embedded births data.
pub(crate) fn load(opts: &Options) -> Result<(Daily, String)> {
    match &opts.series {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            Ok((parse_series(&bytes, path)?, path.display().to_string()))
        }
        None => {
            let name = "us_births_2000_2014.csv (built in; FiveThirtyEight/SSA, CC BY 4.0)";
            Ok((parse_series(BIRTHS.as_bytes(), Path::new("us_births_2000_2014.csv"))?, name.into()))
        }
    }
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
            config(&ladder(quick)[0], quick).epochs.unwrap_or_default()
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

/// The lecture-layout tables (train and unseen loss per model) plus w*, b*.
fn tables(o: &[Outcome], w: f64, b: f64) -> String {
    let mut md = String::new();
    for (g, title) in [
        ("days", "Linear model, previous N days"),
        ("relu-width", "One hidden layer of ReLUs (56 days)"),
        ("sigmoid-width", "One hidden layer of sigmoids (56 days; our addition)"),
        ("depth", "Hidden layers of ReLUs (56 days)"),
    ] {
        let rows: Vec<Vec<String>> = group(o, g)
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let lecture = published(g, i).map_or("—".into(), |(a, b)| format!("{a:.2}k / {b:.2}k"));
                let mse = format!("{:.3} / {:.3}", x.train_mse, x.unseen_mse);
                vec![x.spec.name.clone(), format!("{:.3}k", x.train_mae), format!("{:.3}k", x.unseen_mae), mse, lecture]
            })
            .collect();
        md += &format!("### {title}\n\n");
        let head = ["model", "train MAE", "unseen MAE", "MSE train / unseen (k²)", "lecture train / unseen"];
        md += &md_table(&head, &rows);
        md += "\n";
    }
    md + &format!("One-day linear model y = b + w·x₁: w* = {w:.3}, b* = {b:.3}k (lecture: w* = 0.97, b* = 0.1k).\n")
}

/// Draws the predictions over the unseen year and the error surface with the descent path.
fn draw(dir: &Path, p: &Predictions, s: &Surface) -> Result<Vec<String>> {
    let day: Vec<f64> = (1..=p.truth.len()).map(|d| d as f64).collect();
    let series = |label: String, y: &[f64]| Series { label, x: day.clone(), y: y.to_vec() };
    let lines = [
        series("truth".into(), &p.truth),
        series("linear, 56 days".into(), &p.linear56),
        series(format!("best: {}", p.best_name), &p.best),
    ];
    let year = p.dates.first().map_or("", |d| d.get(..4).unwrap_or(d));
    let title = format!("Unseen year {year}: predictions against the truth");
    line_chart(&dir.join("predictions.png"), &title, "day of the year", "value (k)", &lines, false)?;
    // Eight weeks from mid-June (or the whole year if shorter), where the daily detail is visible.
    let start = if day.len() >= 166 + ZOOM_DAYS { 166 } else { 0 };
    let part = |s: &Series| Series {
        label: s.label.clone(),
        x: s.x.iter().skip(start).take(ZOOM_DAYS).copied().collect(),
        y: s.y.iter().skip(start).take(ZOOM_DAYS).copied().collect(),
    };
    let zoom: Vec<Series> = lines.iter().map(part).collect();
    let title = format!("Unseen year {year}, eight weeks from day {}", start + 1);
    line_chart(&dir.join("predictions_zoom.png"), &title, "day of the year", "value (k)", &zoom, false)?;
    let n = s.resolution + 1;
    let idx = |v: f64, r: (f64, f64)| {
        (((v - r.0) / (r.1 - r.0) * s.resolution as f64).round().max(0.0) as usize).min(s.resolution)
    };
    let f = |w: f64, b: f64| s.loss[idx(b, s.b_range) * n + idx(w, s.w_range)];
    let path: Vec<(f64, f64)> = s.path.clone();
    let title = "Error surface: MAE of y = b + w·x₁ with the gradient-descent path";
    contour_with_path(
        &dir.join("error_surface.png"),
        title,
        "w",
        "b (k)",
        &f,
        s.w_range,
        s.b_range,
        &path,
        s.resolution,
    )?;
    Ok(vec!["predictions.png".into(), "predictions_zoom.png".into(), "error_surface.png".into()])
}

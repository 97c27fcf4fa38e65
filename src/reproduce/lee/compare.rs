//! The trained ladder beside the lecture: its published figures (`published`), the pattern
//! checks decided on our figures (`comparisons`, `depth_comparisons` and their small helpers),
//! and the lecture-layout Markdown tables of train and unseen loss per model (`tables`).

use super::Outcome;
use crate::reproduce::{Comparison, md_table};

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

/// A pattern check on the values `v` (k) by the stated `rule` ("each ≤ previous + 1%" for the
/// falling chains).
fn pattern(what: &str, v: &[f64], published: &str, rule: &str, holds: bool) -> Comparison {
    Comparison::new(what, chain(v), published, rule, Some(holds))
}

/// The rule of the falling chains, [`falls`] with 1% slack.
const FALLS: &str = "each ≤ previous + 1%";

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
pub(super) fn comparisons(o: &[Outcome], w: f64, b: f64) -> Vec<Comparison> {
    let ((days_tr, days_un), (relu_tr, relu_un)) = (columns(o, "days"), columns(o, "relu-width"));
    let sig_tr = columns(o, "sigmoid-width").0;
    let ends = |v: &[f64]| [first(v), last(v)];
    let (a, b_) = ([last(&days_tr), last(&relu_tr)], [last(&days_un), last(&relu_un)]);
    let mut v = vec![
        pattern(
            "56 days beat 1 day on unseen MAE",
            &ends(&days_un),
            "0.58k → 0.46k",
            "56 days lower",
            last(&days_un) < first(&days_un),
        ),
        pattern(
            "56 days beat 1 day on training MAE",
            &ends(&days_tr),
            "0.48k → 0.32k",
            "56 days lower",
            last(&days_tr) < first(&days_tr),
        ),
        pattern(
            "training MAE falls with days (1, 7, 28, 56)",
            &days_tr,
            "0.48k → 0.38k → 0.33k → 0.32k",
            FALLS,
            falls(&days_tr, 0.01),
        ),
        pattern(
            "unseen MAE falls with days (1, 7, 28, 56)",
            &days_un,
            "0.58k → 0.49k → 0.46k → 0.46k",
            FALLS,
            falls(&days_un, 0.01),
        ),
        pattern(
            "training MAE falls with width (ReLU)",
            &relu_tr,
            "0.32k → 0.28k → 0.27k",
            FALLS,
            falls(&relu_tr, 0.01),
        ),
        pattern("widest ReLU layer beats linear 56 days (training)", &a, "0.32k → 0.27k", "widest lower", a[1] < a[0]),
        pattern("widest ReLU layer beats linear 56 days (unseen)", &b_, "0.46k → 0.43k", "widest lower", b_[1] < b_[0]),
        pattern(
            "training MAE falls with width (sigmoid, our addition)",
            &sig_tr,
            "— (not in the lecture)",
            FALLS,
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
            FALLS,
            falls(&deep_tr, 0.01),
        ),
        pattern(
            "deepest net has the lowest training MAE",
            &[last(&deep_tr)],
            "0.10k",
            "lowest of the depths",
            deep_tr.iter().all(|&x| x >= last(&deep_tr)),
        ),
        pattern(
            "unseen MAE rises at 4 layers (3 → 4)",
            deep_end,
            "0.38k → 0.44k",
            "4 layers higher",
            deep_end.len() == 2 && deep_end[1] > deep_end[0],
        ),
        Comparison::new("one-day linear model: w*", format!("{w:.3}"), "0.97", side, None),
        Comparison::new("one-day linear model: b*", format!("{b:.3}k"), "0.1k", side, None),
    ]
}

/// The lecture-layout tables (train and unseen loss per model) plus w*, b*.
pub(super) fn tables(o: &[Outcome], w: f64, b: f64) -> String {
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

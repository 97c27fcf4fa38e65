//! The axes of line charts: the data span, zero-snapping of linear ticks, the x ticks (whole
//! numbers only on an axis of whole numbers such as epochs, with compact labels for large counts)
//! and the ticks of log axes (1, 2 and 5 per decade, each value once), and [`Ticked`], the
//! coordinate that draws its ticks exactly where they were chosen.

use super::tick;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use std::ops::Range;

/// Min and max of the finite values, widened when empty or degenerate.
pub(super) fn span(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    match (lo <= hi, log) {
        (false, false) => (0.0, 1.0),
        (false, true) => (0.1, 10.0),
        (true, true) if lo == hi => (lo / 2.0, hi * 2.0),
        (true, true) => (lo, hi),
        (true, false) if lo == hi => (lo - 0.5, hi + 0.5),
        (true, false) => (lo, hi),
    }
}

/// A linear-axis tick value, with rounding noise around zero (e.g. −5.6e-17 on an axis spanning
/// 1.4) snapped to 0.
pub(super) fn snap(v: f64, span: f64) -> f64 {
    if v.abs() < 1e-9 * span.abs() { 0.0 } else { v }
}

/// Tick values of an x axis over `[lo, hi]`: about `max` or fewer, at the multiples of a 1-2-5
/// step. An axis of whole numbers (epochs, steps, iterations, days) is ticked at whole numbers
/// only: its step is at least 1, so it never shows an epoch 1.2.
pub(super) fn x_ticks(lo: f64, hi: f64, whole: bool, max: usize) -> Vec<f64> {
    let raw = (hi - lo) / max.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return vec![lo];
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|&s| s >= raw * (1.0 - 1e-9)).unwrap_or(10.0 * mag);
    let step = if whole { step.max(1.0).round() } else { step };
    let (first, last) = ((lo / step - 1e-9).ceil() as i64, (hi / step + 1e-9).floor() as i64);
    (first..=last).map(|k| snap(k as f64 * step, hi - lo)).collect()
}

/// Label of a whole-number tick: as is below 10,000, then in thousands ("200k") or millions
/// ("1M", "1.5M"), so that a count of steps fits under its tick.
pub(super) fn whole_tick(v: f64) -> String {
    match v.abs() {
        a if a >= 1e6 => format!("{}M", tick(v / 1e6)),
        a if a >= 1e4 => format!("{}k", tick(v / 1e3)),
        _ => tick(v),
    }
}

/// The ticks of a log axis over `[lo, hi]`: labelled ones at 1, 2 and 5 times each power of ten
/// (over more than four decades, the powers of ten alone; over more than fourteen, every other
/// one), each value once and exact (parsed from its decimal form), or the linear ticks where
/// that gives fewer than three (a range within about a decade); light ones at every multiple 1–9
/// of each power of ten, for the grid.
pub(super) fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return (Vec::new(), Vec::new());
    }
    let (e0, e1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let decades = (hi / lo).log10();
    let mantissas: &[u32] = if decades <= 4.0 { &[1, 2, 5] } else { &[1] };
    let every = if decades > 14.0 { 2 } else { 1 };
    let value = |m: u32, e: i32| format!("{m}e{e}").parse::<f64>().expect("a decimal number");
    let inside = |v: &f64| (lo..=hi).contains(v);
    let bold: Vec<f64> = (e0..=e1)
        .filter(|e| (e - e0) % every == 0)
        .flat_map(|e| mantissas.iter().map(move |&m| value(m, e)))
        .filter(inside)
        .collect();
    let light = (e0..=e1).flat_map(|e| (1..=9).map(move |m| value(m, e))).filter(inside).collect();
    // Within about a decade 1, 2 and 5 may leave one or two labels: use the linear ticks then.
    let bold: Vec<f64> = if bold.len() < 3 { x_ticks(lo, hi, false, 5) } else { bold };
    (bold.into_iter().filter(|&v| v > 0.0).collect(), light)
}

/// A coordinate (linear or log) whose ticks are given rather than chosen by plotters: `bold`
/// ones (labelled, with a grid line) and `light` ones (a faint grid line). Plotters' own
/// `WithKeyPoints` has no value formatter for f64 in plotters 0.3.7, so no mesh can be drawn with
/// it.
pub(super) struct Ticked<R> {
    inner: R,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl<R> Ticked<R> {
    /// The coordinate `inner` with these ticks.
    pub(super) fn new(inner: R, bold: Vec<f64>, light: Vec<f64>) -> Self {
        Ticked { inner, bold, light }
    }
}

impl<R: Ranged<ValueType = f64>> Ranged for Ticked<R> {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() { self.light.clone() } else { self.bold.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_axis_is_ticked_at_whole_numbers_only() {
        assert_eq!(x_ticks(1.0, 3.0, true, 10), [1.0, 2.0, 3.0], "3 epochs: no 1.2, 1.4, ...");
        assert_eq!(x_ticks(0.5, 1.5, true, 10), [1.0], "a single epoch");
        for (lo, hi) in [(1.0, 2.0), (1.0, 7.0), (1.0, 30.0), (1.0, 60.0), (1.0, 400.0), (0.0, 1e6)] {
            let t = x_ticks(lo, hi, true, 10);
            assert!(!t.is_empty() && t.len() <= 11, "{lo}..{hi}: {t:?}");
            assert!(t.iter().all(|v| v.fract() == 0.0 && (lo..=hi).contains(v)), "{lo}..{hi}: {t:?}");
            assert!(t.iter().all(|v| !whole_tick(*v).contains('.')), "{lo}..{hi}: {t:?}");
        }
        assert_eq!(x_ticks(1.0, 30.0, true, 10), [5.0, 10.0, 15.0, 20.0, 25.0, 30.0]);
        // A continuous axis keeps fractional ticks.
        assert_eq!(x_ticks(0.0, 1.0, false, 10).len(), 11);
        assert!(x_ticks(0.0, 1.0, false, 10).iter().any(|v| v.fract() != 0.0));
    }

    #[test]
    fn large_counts_are_labelled_compactly() {
        let labels: Vec<String> = [0.0, 30.0, 9000.0, 20000.0, 200000.0, 1e6, 1.5e6].map(whole_tick).into();
        assert_eq!(labels, ["0", "30", "9000", "20k", "200k", "1M", "1.5M"]);
    }

    #[test]
    fn log_ticks_label_each_value_once() {
        let (bold, light) = log_ticks(0.000999, 5.75);
        let expected = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0];
        assert_eq!(bold, expected, "1-2-5 over four decades, no near-duplicate at a decade");
        let labels: Vec<String> = bold.iter().map(|v| tick(*v)).collect();
        assert_eq!(labels, ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5"]);
        assert!(light.windows(2).all(|w| w[0] < w[1]) && light.len() == 9 * 4 - 4, "{light:?}");
        let (bold, _) = log_ticks(1e-12, 0.2);
        assert_eq!(bold.len(), 12, "powers of ten only over many decades: {bold:?}");
        let (bold, _) = log_ticks(1e-20, 1.0);
        assert_eq!(bold.first(), Some(&1e-20));
        assert!(bold.len() == 11, "every other power over twenty decades: {bold:?}");
        assert_eq!(log_ticks(0.0, 1.0), (vec![], vec![]));
        let (bold, _) = log_ticks(0.0999, 0.27);
        assert!(bold.len() >= 3 && bold.windows(2).all(|w| w[0] < w[1]), "a narrow range gets linear ticks: {bold:?}");
    }
}

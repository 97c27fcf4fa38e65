//! Line charts of several named series (loss and accuracy curves, fitted functions) with a linear
//! or logarithmic y axis: [`line_chart`], its picture size, the tab10 line colours and the axis
//! helpers it alone uses (the data span, zero-snapping of linear ticks, 1-2-5 labels on log axes).

use super::{DrawResult, FONT, Format, PlotError, Series, finish, invalid, legend, prepare, render, tick};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

const LINE_SIZE: (u32, u32) = (900, 600);

/// Ten well-separated line colours (matplotlib's "tab10").
const TAB10: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

fn tab10(i: usize) -> RGBColor {
    let (r, g, b) = TAB10[i % TAB10.len()];
    RGBColor(r, g, b)
}

/// Min and max of the finite values, widened when empty or degenerate.
fn span(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
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
fn snap(v: f64, span: f64) -> f64 {
    if v.abs() < 1e-9 * span.abs() { 0.0 } else { v }
}

/// Log-axis tick label: only mantissas 1, 2 and 5 are labelled.
fn log_tick(v: f64) -> String {
    let m = v / 10f64.powf(v.log10().floor());
    let keep = [1.0, 2.0, 5.0, 10.0].iter().any(|k| (m - k).abs() < 1e-6);
    if keep { tick(v) } else { String::new() }
}

/// Line chart of several series; `log_y` draws the y axis in log scale (non-positive
/// values are then skipped). Non-finite points are skipped.
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_y: bool,
) -> Result<(), PlotError> {
    if let Some(s) = series.iter().find(|s| s.x.len() != s.y.len()) {
        return Err(invalid(path, format!("series '{}' has x and y of different lengths", s.label)));
    }
    let pts: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| {
            let keep = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && (!log_y || y > 0.0);
            s.x.iter().copied().zip(s.y.iter().copied()).filter(keep).collect()
        })
        .collect();
    let (x0, x1) = span(pts.iter().flatten().map(|p| p.0), false);
    let (y0, y1) = span(pts.iter().flatten().map(|p| p.1), log_y);
    // A log axis starts at a power of ten: plotters labels nothing below the lowest one.
    let (y0, y1) = if log_y {
        (10f64.powf((y0 / 1.1).log10().floor()) * 0.999, y1 * 1.15)
    } else {
        (y0 - 0.05 * (y1 - y0), y1 + 0.05 * (y1 - y0))
    };
    render!(path, LINE_SIZE, |root| {
        root.fill(&WHITE)?;
        let mut builder = ChartBuilder::on(root);
        builder.caption(title, (FONT, 26)).margin(20).x_label_area_size(50).y_label_area_size(80);
        macro_rules! body {
            ($chart:ident) => {{
                $chart
                    .configure_mesh()
                    .x_desc(x_label)
                    .y_desc(y_label)
                    .label_style((FONT, 15))
                    .axis_desc_style((FONT, 17))
                    .x_label_formatter(&|v| tick(snap(*v, x1 - x0)))
                    .y_label_formatter(&|v| if log_y { log_tick(*v) } else { tick(snap(*v, y1 - y0)) })
                    .y_labels(if log_y { 30 } else { 12 })
                    .max_light_lines(4)
                    .light_line_style(RGBColor(238, 238, 238))
                    .bold_line_style(RGBColor(215, 215, 215))
                    .draw()?;
                for (i, (s, p)) in series.iter().zip(&pts).enumerate() {
                    let style = tab10(i).stroke_width(2);
                    let drawn = $chart.draw_series(LineSeries::new(p.iter().copied(), style))?;
                    if !s.label.is_empty() {
                        drawn
                            .label(s.label.as_str())
                            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
                    }
                }
                if series.iter().any(|s| !s.label.is_empty()) {
                    legend!($chart);
                }
            }};
        }
        if log_y {
            let mut chart = builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale())?;
            body!(chart)
        } else {
            let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1)?;
            body!(chart)
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::tests::{both, check, loss_curves};

    #[test]
    fn line_chart_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let s = loss_curves();
        both(dir.path(), "line_log", |p| line_chart(p, "Training loss", "epoch", "cross-entropy", &s, true));
        check(dir.path(), "line_log", LINE_SIZE, "Training loss");
        both(dir.path(), "line_linear", |p| line_chart(p, "Loss (linear)", "epoch", "loss", &s, false));
        check(dir.path(), "line_linear", LINE_SIZE, "Loss (linear)");
    }

    #[test]
    fn line_chart_rejects_mismatched_series() {
        let dir = tempfile::tempdir().unwrap();
        let bad = [Series { label: "bad".into(), x: vec![1.0, 2.0], y: vec![1.0] }];
        let err = line_chart(&dir.path().join("bad.png"), "t", "x", "y", &bad, false).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput { .. }) && err.to_string().contains("bad.png"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

//! The experiment's pictures: the predictions over the unseen year against the truth (the whole
//! year and an eight-week zoom) and the error surface as a contour plot with the gradient-descent
//! path.

use super::{Predictions, Surface};
use crate::error::Result;
use crate::plot::{Series, contour_with_path, line_chart};
use std::path::Path;

/// Days shown in the zoomed predictions picture.
const ZOOM_DAYS: usize = 56;

/// Draws the predictions over the unseen year and the error surface with the descent path.
pub(super) fn draw(dir: &Path, p: &Predictions, s: &Surface) -> Result<Vec<String>> {
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

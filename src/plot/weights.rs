//! Weight grids: [`weight_grid`] draws the first-layer weights of a network as a titled grid of
//! small greyscale images, one per hidden unit, each normalised to its own range; the layout
//! (columns, rows, pixel scale, picture size) is computed from the unit count and image shape.

use super::{DrawResult, FONT, Format, PlotError, finish, invalid, prepare, render};
use plotters::coord::Shift;
use plotters::element::BitMapElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Layout of a weight grid: (shown units, columns, rows, pixel scale, picture size).
fn weight_layout(n_units: usize, h: usize, w: usize, max_units: usize) -> (usize, usize, usize, usize, (u32, u32)) {
    let k = n_units.min(max_units);
    let cols = ((k as f64).sqrt().ceil() as usize).max(1);
    let rows = k.div_ceil(cols);
    let scale = (96 / h.max(w)).max(1);
    let width = (cols * (w * scale + GAP) + GAP).max(420) as u32;
    let height = (rows * (h * scale + GAP) + GAP) as u32 + TITLE_H;
    (k, cols, rows, scale, (width, height))
}
const GAP: usize = 6;
const TITLE_H: u32 = 44;

/// First-layer weights as a grid of greyscale images: `weights` is row-major
/// `n_units × (h*w)`; each of the first `max_units` rows is drawn as an `h×w` image
/// normalised to its own min/max (black = smallest, white = largest).
pub fn weight_grid(
    path: &Path,
    title: &str,
    weights: &[f32],
    n_units: usize,
    h: usize,
    w: usize,
    max_units: usize,
) -> Result<(), PlotError> {
    if n_units == 0 || h == 0 || w == 0 || max_units == 0 || weights.len() != n_units * h * w {
        let reason = format!("need {n_units}×{h}×{w} weights, got {}; all sizes > 0", weights.len());
        return Err(invalid(path, reason));
    }
    let (k, cols, rows, scale, size) = weight_layout(n_units, h, w, max_units);
    let (tw, th) = (w * scale, h * scale);
    let (bw, bh) = (cols * (tw + GAP) + GAP, rows * (th + GAP) + GAP);
    let mut buf = vec![255u8; bw * bh * 3];
    for u in 0..k {
        let unit = &weights[u * h * w..(u + 1) * h * w];
        let (lo, hi) = unit.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let (ox, oy) = (GAP + (u % cols) * (tw + GAP), GAP + (u / cols) * (th + GAP));
        for py in oy - 1..oy + th + 1 {
            for px in ox - 1..ox + tw + 1 {
                let inside = px >= ox && px < ox + tw && py >= oy && py < oy + th;
                let g = if !inside {
                    150 // thin frame
                } else {
                    let v = unit[(py - oy) / scale * w + (px - ox) / scale];
                    if hi > lo { ((v - lo) / (hi - lo) * 255.0).round() as u8 } else { 128 }
                };
                buf[(py * bw + px) * 3..][..3].fill(g);
            }
        }
    }
    let title = if k < n_units { format!("{title} (first {k} of {n_units} units)") } else { title.to_string() };
    render!(path, size, |root| {
        root.fill(&WHITE)?;
        let style = TextStyle::from((FONT, 22).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new(title.as_str(), (size.0 as i32 / 2, TITLE_H as i32 / 2), style))?;
        let x = (size.0 as i32 - bw as i32) / 2;
        let bitmap = BitMapElement::with_owned_buffer((x, TITLE_H as i32), (bw as u32, bh as u32), buf.clone());
        root.draw(&bitmap.expect("buffer size matches"))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::tests::{both, check};

    #[test]
    fn weight_grid_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let (n, h, w) = (20, 28, 28);
        let weights: Vec<f32> = (0..n * h * w)
            .map(|k| {
                let (u, r, c) = ((k / (h * w)) as f32, ((k / w) % h) as f32, (k % w) as f32);
                let (cr, cc) = (8.0 + (u * 3.0) % 12.0, 6.0 + (u * 5.0) % 16.0);
                (-((r - cr).powi(2) + (c - cc).powi(2)) / 30.0).exp() - 0.5 * ((r + c * u) / 5.0).sin() * 0.3
            })
            .collect();
        both(dir.path(), "weights", |p| weight_grid(p, "First-layer weights", &weights, n, h, w, 16));
        check(dir.path(), "weights", weight_layout(n, h, w, 16).4, "First-layer weights");
        let err = weight_grid(&dir.path().join("x.png"), "t", &weights[1..], n, h, w, 16).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput { .. }));
    }
}

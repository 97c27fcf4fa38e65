//! Contour maps with a descent path: [`contour_with_path`] shades `f(x, y)` in bands between
//! quantile levels, draws the level lines (marching squares) and the path of iterates from a
//! start circle to an end cross. Also here: its picture size and the light viridis-like colour map.

use super::{DrawResult, FONT, Format, PlotError, check_ranges, finish, legend, prepare, render, tick};
use plotters::coord::Shift;
use plotters::element::BitMapElement;
use plotters::prelude::*;
use std::path::Path;

const CONTOUR_SIZE: (u32, u32) = (820, 640);

/// A light viridis-like colour for `t` in [0, 1].
fn colormap(t: f64) -> RGBColor {
    const V: [(f64, f64, f64); 5] =
        [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];
    let s = t.clamp(0.0, 1.0) * 4.0;
    let (k, f) = ((s.floor() as usize).min(3), s - s.floor().min(3.0));
    let mix = |a: f64, b: f64| a + (b - a) * f;
    let (a, b) = (V[k], V[k + 1]);
    let light = |c: f64| (c + (255.0 - c) * 0.45).round() as u8;
    RGBColor(light(mix(a.0, b.0)), light(mix(a.1, b.1)), light(mix(a.2, b.2)))
}

/// Contour segments of level `t` over a grid `z[j * nx + i]` (marching squares), in grid units.
fn contour_segments(z: &[f64], nx: usize, ny: usize, t: f64) -> Vec<[(f64, f64); 2]> {
    let mut segs = Vec::new();
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            // Corners in order around the cell: (i,j), (i+1,j), (i+1,j+1), (i,j+1).
            let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let v = c.map(|(a, b)| z[b * nx + a]);
            if v.iter().any(|x| !x.is_finite()) {
                continue;
            }
            let mut cross = Vec::with_capacity(4);
            for e in 0..4 {
                let (p, q) = (e, (e + 1) % 4);
                if (v[p] < t) != (v[q] < t) {
                    let f = (t - v[p]) / (v[q] - v[p]);
                    let lerp = |a: usize, b: usize| a as f64 + (b as f64 - a as f64) * f;
                    cross.push((lerp(c[p].0, c[q].0), lerp(c[p].1, c[q].1)));
                }
            }
            for pair in cross.chunks_exact(2) {
                segs.push([pair[0], pair[1]]);
            }
        }
    }
    segs
}

/// Contour map of `f(x, y)` on a `resolution × resolution` grid over `x_range × y_range`,
/// shaded in bands between contour levels (dark = low, light = high; levels at quantiles of
/// the grid values, so wide dynamic ranges stay readable), with `path_points` (e.g. gradient
/// descent iterates) drawn on top from a start circle to an end cross.
#[allow(clippy::too_many_arguments)]
pub fn contour_with_path(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    f: &dyn Fn(f64, f64) -> f64,
    x_range: (f64, f64),
    y_range: (f64, f64),
    path_points: &[(f64, f64)],
    resolution: usize,
) -> Result<(), PlotError> {
    check_ranges(path, x_range, y_range, resolution)?;
    let n = resolution + 1; // grid nodes per axis
    let (dx, dy) = ((x_range.1 - x_range.0) / resolution as f64, (y_range.1 - y_range.0) / resolution as f64);
    let z: Vec<f64> = (0..n * n).map(|k| f(x_range.0 + (k % n) as f64 * dx, y_range.0 + (k / n) as f64 * dy)).collect();
    let mut sorted: Vec<f64> = z.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let mut levels: Vec<f64> = (1..=14).filter_map(|q| sorted.get(q * sorted.len() / 15).copied()).collect();
    levels.dedup();
    let band = |v: f64| {
        let b = levels.iter().filter(|&&l| v >= l).count();
        if v.is_finite() { colormap(b as f64 / levels.len().max(1) as f64) } else { WHITE }
    };
    let pts: Vec<(f64, f64)> = path_points.iter().copied().filter(|p| p.0.is_finite() && p.1.is_finite()).collect();
    render!(path, CONTOUR_SIZE, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 24))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        // Bands from bilinear interpolation of the grid at each pixel.
        let mut buf = Vec::with_capacity(pw as usize * ph as usize * 3);
        for py in 0..ph {
            let gy = (1.0 - (py as f64 + 0.5) / ph as f64) * resolution as f64;
            for px in 0..pw {
                let gx = (px as f64 + 0.5) / pw as f64 * resolution as f64;
                let (i, j) = ((gx as usize).min(n - 2), (gy as usize).min(n - 2));
                let (fx, fy) = (gx - i as f64, gy - j as f64);
                let at = |a: usize, b: usize| z[b * n + a];
                let bottom = at(i, j) * (1.0 - fx) + at(i + 1, j) * fx;
                let top = at(i, j + 1) * (1.0 - fx) + at(i + 1, j + 1) * fx;
                let RGBColor(r, g, b) = band(bottom * (1.0 - fy) + top * fy);
                buf.extend_from_slice(&[r, g, b]);
            }
        }
        chart.draw_series(BitMapElement::with_owned_buffer((x_range.0, y_range.1), (pw, ph), buf))?;
        let line = RGBColor(40, 40, 40).mix(0.45);
        for &t in &levels {
            let segs = contour_segments(&z, n, n, t);
            let to_xy = |(a, b): (f64, f64)| (x_range.0 + a * dx, y_range.0 + b * dy);
            chart.draw_series(segs.iter().map(|s| PathElement::new(vec![to_xy(s[0]), to_xy(s[1])], line)))?;
        }
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .x_desc(x_label)
            .y_desc(y_label)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()?;
        if let (Some(&first), Some(&last)) = (pts.first(), pts.last()) {
            let red = RGBColor(220, 20, 20);
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), red.stroke_width(2)))?
                .label("path")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], red.stroke_width(2)));
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 2, red.filled())))?;
            chart
                .draw_series([
                    Circle::new(first, 6, WHITE.filled().stroke_width(2)),
                    Circle::new(first, 6, BLACK.stroke_width(2)),
                ])?
                .label("start")
                .legend(|p| Circle::new(p, 5, BLACK.stroke_width(2)));
            chart
                .draw_series([Cross::new(last, 7, BLACK.stroke_width(3))])?
                .label("end")
                .legend(|p| Cross::new(p, 5, BLACK.stroke_width(3)));
            legend!(chart);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::tests::{both, check};

    #[test]
    fn contour_with_path_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        // An elongated bowl and plain gradient descent on it.
        let f = |w: f64, b: f64| (w - 1.0).powi(2) + 10.0 * (b + 0.5).powi(2) + 0.5 * (w - 1.0) * (b + 0.5);
        let mut p = (-3.0, 2.0);
        let mut iterates = vec![p];
        for _ in 0..40 {
            let gw = 2.0 * (p.0 - 1.0) + 0.5 * (p.1 + 0.5);
            let gb = 20.0 * (p.1 + 0.5) + 0.5 * (p.0 - 1.0);
            p = (p.0 - 0.09 * gw, p.1 - 0.09 * gb);
            iterates.push(p);
        }
        let title = "Error surface";
        both(dir.path(), "contour", |q| {
            contour_with_path(q, title, "w", "b", &f, (-4.0, 3.0), (-3.0, 3.0), &iterates, 120)
        });
        check(dir.path(), "contour", CONTOUR_SIZE, title);
        let err = contour_with_path(&dir.path().join("x.svg"), "t", "w", "b", &f, (1.0, 1.0), (0.0, 1.0), &[], 50);
        assert!(matches!(err.unwrap_err(), PlotError::InvalidInput { .. }));
    }

    #[test]
    fn segments_of_a_plane_are_straight() {
        // z = x on a 3×3 grid: the level 0.5 is the vertical line x = 0.5.
        let z = [0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 0.0, 1.0, 2.0];
        let segs = contour_segments(&z, 3, 3, 0.5);
        assert_eq!(segs.len(), 2);
        assert!(segs.iter().flatten().all(|p| (p.0 - 0.5).abs() < 1e-12));
    }
}

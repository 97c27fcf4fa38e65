//! Contour maps with a descent path: [`contour_with_path`] shades `f(x, y)` in bands between
//! quantile levels, draws the level lines (marching squares) and the path of iterates from a
//! start circle to an end cross, named in a legend below the chart. Also here: its picture size,
//! the light viridis-like colour map and the band bitmap.

use super::legend::{self, Entry, Geometry, Mark, Swatch};
use super::{DrawError, DrawResult, FONT, Format, PlotError, check_ranges, finish, prepare, render, tick};
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
    let pts: Vec<(f64, f64)> = path_points.iter().copied().filter(|p| p.0.is_finite() && p.1.is_finite()).collect();
    let grid = Surface { z, n, levels, x: x_range, y: y_range };
    render!(path, CONTOUR_SIZE, |root| {
        draw(root, [title, x_label, y_label], &grid, &pts).map(|g| debug_assert!(g.legend_is_clear()))
    })
}

/// `f` on the `n × n` grid nodes over `x × y` (`z[j * n + i]`, row 0 = bottom) and its contour
/// levels.
struct Surface {
    z: Vec<f64>,
    n: usize,
    levels: Vec<f64>,
    x: (f64, f64),
    y: (f64, f64),
}

impl Surface {
    /// The light band colour of the value `v`.
    fn band(&self, v: f64) -> RGBColor {
        let b = self.levels.iter().filter(|&&l| v >= l).count();
        if v.is_finite() { colormap(b as f64 / self.levels.len().max(1) as f64) } else { WHITE }
    }

    /// A `pw × ph` RGB bitmap (row 0 = top) of the bands, from bilinear interpolation of the grid
    /// at each pixel.
    fn bitmap(&self, pw: u32, ph: u32) -> Vec<u8> {
        let (n, res) = (self.n, (self.n - 1) as f64);
        let mut buf = Vec::with_capacity(pw as usize * ph as usize * 3);
        for py in 0..ph {
            let gy = (1.0 - (py as f64 + 0.5) / ph as f64) * res;
            for px in 0..pw {
                let gx = (px as f64 + 0.5) / pw as f64 * res;
                let (i, j) = ((gx as usize).min(n - 2), (gy as usize).min(n - 2));
                let (fx, fy) = (gx - i as f64, gy - j as f64);
                let at = |a: usize, b: usize| self.z[b * n + a];
                let bottom = at(i, j) * (1.0 - fx) + at(i + 1, j) * fx;
                let top = at(i, j + 1) * (1.0 - fx) + at(i + 1, j + 1) * fx;
                let RGBColor(r, g, b) = self.band(bottom * (1.0 - fy) + top * fy);
                buf.extend_from_slice(&[r, g, b]);
            }
        }
        buf
    }
}

/// The legend entries of a path picture: the path, its start and its end.
fn path_entries() -> Vec<Entry> {
    let red = RGBColor(220, 20, 20).stroke_width(2);
    let entry = |label: &str, swatch| Entry { label: label.into(), swatch };
    vec![
        entry("path", Swatch::Line(red)),
        entry("start", Swatch::Mark(Mark::Circle, BLACK.stroke_width(2))),
        entry("end", Swatch::Mark(Mark::Cross, BLACK.stroke_width(3))),
    ]
}

/// Draws the bands and level lines of `s`, the path `pts` and its legend on `root`, with
/// `[title, x label, y label]`; returns where its parts went.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    [title, x_label, y_label]: [&str; 3],
    s: &Surface,
    pts: &[(f64, f64)],
) -> Result<Geometry, DrawError<DB>> {
    root.fill(&WHITE)?;
    let entries = if pts.is_empty() { Vec::new() } else { path_entries() };
    let (area, legend) = legend::split(root, &entries)?;
    let mut chart = ChartBuilder::on(&area)
        .caption(title, (FONT, 24))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(s.x.0..s.x.1, s.y.0..s.y.1)?;
    let (pw, ph) = chart.plotting_area().dim_in_pixel();
    chart.draw_series(BitMapElement::with_owned_buffer((s.x.0, s.y.1), (pw, ph), s.bitmap(pw, ph)))?;
    let line = RGBColor(40, 40, 40).mix(0.45);
    let (dx, dy) = ((s.x.1 - s.x.0) / (s.n - 1) as f64, (s.y.1 - s.y.0) / (s.n - 1) as f64);
    let to_xy = |(a, b): (f64, f64)| (s.x.0 + a * dx, s.y.0 + b * dy);
    for &t in &s.levels {
        let segs = contour_segments(&s.z, s.n, s.n, t);
        chart.draw_series(segs.iter().map(|g| PathElement::new(vec![to_xy(g[0]), to_xy(g[1])], line)))?;
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
        chart.draw_series(LineSeries::new(pts.iter().copied(), red.stroke_width(2)))?;
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 2, red.filled())))?;
        chart.draw_series([
            Circle::new(first, 6, WHITE.filled().stroke_width(2)),
            Circle::new(first, 6, BLACK.stroke_width(2)),
        ])?;
        chart.draw_series([Cross::new(last, 7, BLACK.stroke_width(3))])?;
    }
    let points = pts.iter().map(|p| chart.backend_coord(p)).collect();
    Ok(Geometry { plot: chart.plotting_area().get_pixel_range(), legend, points })
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
    fn the_path_legend_is_below_the_plot() {
        assert!(crate::plot::register_font());
        let z: Vec<f64> = (0..9).map(f64::from).collect();
        let s = Surface { z, n: 3, levels: vec![2.0, 5.0], x: (0.0, 1.0), y: (0.0, 1.0) };
        let mut buf = vec![0u8; (CONTOUR_SIZE.0 * CONTOUR_SIZE.1 * 3) as usize];
        let root = BitMapBackend::with_buffer(&mut buf, CONTOUR_SIZE).into_drawing_area();
        let path = [(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)];
        let g = draw(&root, ["t", "w", "b"], &s, &path).unwrap();
        let legend = g.legend.clone().expect("a legend");
        assert!(legend.1.start >= g.plot.1.end && g.legend_is_clear(), "{g:?}");
        assert!(draw(&root, ["t", "w", "b"], &s, &[]).unwrap().legend.is_none(), "no path, no legend");
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

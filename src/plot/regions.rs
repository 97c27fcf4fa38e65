//! Decision regions of 2-D classifiers: [`decision_regions`] shades the plane by the predicted
//! class on a grid and draws the labelled points on top with one marker per class. Also here: its
//! picture size, the light region and dark marker colours, and the upsampling of the class grid
//! to a bitmap.

use super::{DrawResult, FONT, Format, PlotError, check_ranges, finish, legend, prepare, render, tick};
use plotters::coord::Shift;
use plotters::element::BitMapElement;
use plotters::prelude::*;
use std::path::Path;

const REGION_SIZE: (u32, u32) = (760, 640);

/// Light fill colours for class regions and matching darker marker colours.
const REGION: [(u8, u8, u8); 6] =
    [(255, 210, 210), (208, 222, 255), (208, 245, 208), (255, 238, 190), (232, 214, 255), (206, 242, 242)];
const MARK: [(u8, u8, u8); 6] =
    [(200, 30, 30), (30, 60, 200), (20, 130, 20), (200, 120, 0), (120, 40, 180), (0, 130, 130)];

fn rgb(table: &[(u8, u8, u8); 6], c: usize) -> RGBColor {
    let (r, g, b) = table[c % 6];
    RGBColor(r, g, b)
}

/// Nearest-neighbour upsampling of a `res_x × res_y` colour grid (row 0 = bottom) to a
/// `pw × ph` RGB bitmap (row 0 = top).
fn grid_bitmap(res_x: usize, res_y: usize, pw: u32, ph: u32, color: impl Fn(usize, usize) -> RGBColor) -> Vec<u8> {
    let mut buf = Vec::with_capacity(pw as usize * ph as usize * 3);
    for py in 0..ph as usize {
        let j = res_y - 1 - (py * res_y / ph as usize).min(res_y - 1);
        for px in 0..pw as usize {
            let RGBColor(r, g, b) = color((px * res_x / pw as usize).min(res_x - 1), j);
            buf.extend_from_slice(&[r, g, b]);
        }
    }
    buf
}

/// Decision regions of a 2-D classifier: `predict(x1, x2)` is evaluated on a
/// `resolution × resolution` grid over `x_range × y_range`; regions are shaded in light
/// class colours and `points` `(x1, x2, class)` are drawn on top with one marker per class
/// (class 0 as circles, class 1 as crosses, then triangles, squares, ...).
pub fn decision_regions(
    path: &Path,
    title: &str,
    predict: &dyn Fn(f64, f64) -> usize,
    x_range: (f64, f64),
    y_range: (f64, f64),
    points: &[(f64, f64, usize)],
    resolution: usize,
) -> Result<(), PlotError> {
    check_ranges(path, x_range, y_range, resolution)?;
    let (dx, dy) = ((x_range.1 - x_range.0) / resolution as f64, (y_range.1 - y_range.0) / resolution as f64);
    let classes: Vec<usize> = (0..resolution * resolution)
        .map(|k| {
            predict(
                x_range.0 + (k % resolution) as f64 * dx + dx / 2.0,
                y_range.0 + (k / resolution) as f64 * dy + dy / 2.0,
            )
        })
        .collect();
    let max_class = points.iter().map(|p| p.2).max();
    render!(path, REGION_SIZE, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 24))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        let buf = grid_bitmap(resolution, resolution, pw, ph, |i, j| rgb(&REGION, classes[j * resolution + i]));
        let bitmap = BitMapElement::with_owned_buffer((x_range.0, y_range.1), (pw, ph), buf);
        chart.draw_series(bitmap)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .x_desc("x₁")
            .y_desc("x₂")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()?;
        for c in 0..=max_class.unwrap_or(0) {
            let pts = points.iter().filter(|p| p.2 == c && p.0.is_finite() && p.1.is_finite());
            if pts.clone().next().is_none() {
                continue;
            }
            // Marker of class c: 0 hollow circle, 1 cross, 2 triangle, 3 hollow square,
            // 4 filled circle, 5+ filled square (colours cycle after six classes).
            let style = rgb(&MARK, c).stroke_width(2);
            let fill = style.filled();
            macro_rules! shape {
                (|$p:ident| $series:expr, |$q:ident| $legend:expr) => {
                    chart
                        .draw_series(pts.map(|&(x, y, _)| {
                            let $p = (x, y);
                            $series
                        }))?
                        .label(format!("class {c}"))
                        .legend(move |$q| $legend)
                };
            }
            let sq = |(x, y): (i32, i32), s| Rectangle::new([(x - 5, y - 5), (x + 5, y + 5)], s);
            match c {
                0 => shape!(|p| Circle::new(p, 5, style), |q| Circle::new(q, 5, style)),
                1 => shape!(|p| Cross::new(p, 5, style), |q| Cross::new(q, 5, style)),
                2 => shape!(|p| TriangleMarker::new(p, 6, style), |q| { TriangleMarker::new(q, 6, style) }),
                3 => shape!(|p| EmptyElement::at(p) + sq((0, 0), style), |q| sq(q, style)),
                4 => shape!(|p| Circle::new(p, 5, fill), |q| Circle::new(q, 5, fill)),
                _ => shape!(|p| EmptyElement::at(p) + sq((0, 0), fill), |q| sq(q, fill)),
            };
        }
        if max_class.is_some() {
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
    fn decision_regions_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        // Higham & Higham's ten points: class 0 'o', class 1 'x'.
        let pts = [
            (0.1, 0.1, 0),
            (0.3, 0.4, 0),
            (0.1, 0.5, 0),
            (0.6, 0.9, 0),
            (0.4, 0.2, 0),
            (0.6, 0.3, 1),
            (0.5, 0.6, 1),
            (0.9, 0.2, 1),
            (0.4, 0.4, 1),
            (0.7, 0.6, 1),
        ];
        let predict = |x: f64, y: f64| usize::from(x - 0.3 * (y - 0.5).powi(2) * 4.0 > 0.45 - 0.2 * y);
        let title = "Decision regions";
        both(dir.path(), "regions", |p| decision_regions(p, title, &predict, (0.0, 1.0), (0.0, 1.0), &pts, 200));
        check(dir.path(), "regions", REGION_SIZE, title);
        let three: Vec<(f64, f64, usize)> =
            (0..60).map(|k| ((k % 10) as f64 / 9.0 * 4.0 - 2.0, (k / 10) as f64 / 5.0 * 4.0 - 2.0, k % 4)).collect();
        let predict4 = |x: f64, y: f64| usize::from(x > 0.0) + 2 * usize::from(y > 0.0);
        let title = "Four classes";
        both(dir.path(), "regions4", |p| decision_regions(p, title, &predict4, (-2.5, 2.5), (-2.5, 2.5), &three, 100));
        check(dir.path(), "regions4", REGION_SIZE, title);
    }
}

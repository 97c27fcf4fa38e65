//! Decision regions of 2-D classifiers: [`decision_regions`] shades the plane by the predicted
//! class on a grid and draws the [`Labelled`] points on top with one marker per class, named in
//! the legend below the chart by the caller's class names ([`class_name`]). Also here: its
//! picture size, the light region and dark marker colours, the class markers, and the upsampling
//! of the class grid to a bitmap.

use super::legend::{self, Entry, Geometry, Mark, Swatch, draw_mark};
use super::{DrawError, DrawResult, FONT, Format, PlotError, check_ranges, finish, prepare, render, tick};
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

/// The labelled points of a decision-regions picture and the names of their classes.
#[derive(Debug, Clone, Copy)]
pub struct Labelled<'a> {
    /// `(x₁, x₂, class)` of each point.
    pub points: &'a [(f64, f64, usize)],
    /// The name of class `c` at index `c` (e.g. Higham's categories `["A", "B"]`, a dataset's
    /// class names); a class without one is called "class c".
    pub names: &'a [String],
}

/// The legend name of class `c`: `names[c]`, or "class c" when there is none.
pub fn class_name(names: &[String], c: usize) -> String {
    names.get(c).cloned().unwrap_or_else(|| format!("class {c}"))
}

/// The marker of class `c`: 0 hollow circle, 1 cross, 2 triangle, 3 hollow square, 4 filled
/// circle, 5 and on filled square (colours cycle after six classes).
fn marker(c: usize) -> (Mark, ShapeStyle) {
    let style = rgb(&MARK, c).stroke_width(2);
    match c {
        0 => (Mark::Circle, style),
        1 => (Mark::Cross, style),
        2 => (Mark::Triangle, style),
        3 => (Mark::Square, style),
        4 => (Mark::Circle, style.filled()),
        _ => (Mark::Square, style.filled()),
    }
}

/// Decision regions of a 2-D classifier: `predict(x1, x2)` is evaluated on a
/// `resolution × resolution` grid over `x_range × y_range`; regions are shaded in light
/// class colours and the `labelled` points are drawn on top with one marker per class
/// (class 0 as circles, class 1 as crosses, then triangles, squares, ...). The legend, below the
/// chart, names each class shown by the caller's name for it.
pub fn decision_regions(
    path: &Path,
    title: &str,
    predict: &dyn Fn(f64, f64) -> usize,
    x_range: (f64, f64),
    y_range: (f64, f64),
    labelled: Labelled,
    resolution: usize,
) -> Result<(), PlotError> {
    check_ranges(path, x_range, y_range, resolution)?;
    let (dx, dy) = ((x_range.1 - x_range.0) / resolution as f64, (y_range.1 - y_range.0) / resolution as f64);
    let grid = Grid {
        classes: (0..resolution * resolution)
            .map(|k| {
                predict(
                    x_range.0 + (k % resolution) as f64 * dx + dx / 2.0,
                    y_range.0 + (k / resolution) as f64 * dy + dy / 2.0,
                )
            })
            .collect(),
        resolution,
        x: x_range,
        y: y_range,
    };
    render!(path, REGION_SIZE, |root| {
        draw(root, title, &grid, labelled).map(|g| debug_assert!(g.legend_is_clear()))
    })
}

/// The predicted class on a `resolution × resolution` grid over `x × y` (row 0 = bottom).
struct Grid {
    classes: Vec<usize>,
    resolution: usize,
    x: (f64, f64),
    y: (f64, f64),
}

/// Draws the regions of `grid`, the `labelled` points and the legend on `root`; returns where its
/// parts went.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    grid: &Grid,
    labelled: Labelled,
) -> Result<Geometry, DrawError<DB>> {
    root.fill(&WHITE)?;
    let points: Vec<(f64, f64, usize)> =
        labelled.points.iter().copied().filter(|p| p.0.is_finite() && p.1.is_finite()).collect();
    let mut shown: Vec<usize> = points.iter().map(|p| p.2).collect();
    shown.sort_unstable();
    shown.dedup();
    let entries: Vec<Entry> = shown
        .iter()
        .map(|&c| Entry { label: class_name(labelled.names, c), swatch: Swatch::Mark(marker(c).0, marker(c).1) })
        .collect();
    let (area, legend) = legend::split(root, &entries)?;
    let (x, y, res) = (grid.x, grid.y, grid.resolution);
    let mut chart = ChartBuilder::on(&area)
        .caption(title, (FONT, 24))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    let (pw, ph) = chart.plotting_area().dim_in_pixel();
    let buf = grid_bitmap(res, res, pw, ph, |i, j| rgb(&REGION, grid.classes[j * res + i]));
    chart.draw_series(BitMapElement::with_owned_buffer((x.0, y.1), (pw, ph), buf))?;
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
    let mut drawn = Vec::with_capacity(points.len());
    for &(a, b, c) in &points {
        let at = chart.backend_coord(&(a, b));
        let (mark, style) = marker(c);
        draw_mark(root, mark, at, style)?;
        drawn.push(at);
    }
    Ok(Geometry { plot: chart.plotting_area().get_pixel_range(), legend, points: drawn })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::tests::{both, check};

    /// Higham & Higham's ten points: category A (0) 'o', category B (1) 'x'.
    const HIGHAM: [(f64, f64, usize); 10] = [
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

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn decision_regions_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let predict = |x: f64, y: f64| usize::from(x - 0.3 * (y - 0.5).powi(2) * 4.0 > 0.45 - 0.2 * y);
        let title = "Decision regions";
        let ab = names(&["A", "B"]);
        let labelled = Labelled { points: &HIGHAM, names: &ab };
        both(dir.path(), "regions", |p| decision_regions(p, title, &predict, (0.0, 1.0), (0.0, 1.0), labelled, 200));
        check(dir.path(), "regions", REGION_SIZE, title);
        let three: Vec<(f64, f64, usize)> =
            (0..60).map(|k| ((k % 10) as f64 / 9.0 * 4.0 - 2.0, (k / 10) as f64 / 5.0 * 4.0 - 2.0, k % 4)).collect();
        let predict4 = |x: f64, y: f64| usize::from(x > 0.0) + 2 * usize::from(y > 0.0);
        let title = "Four classes";
        let labelled = Labelled { points: &three, names: &[] };
        both(dir.path(), "regions4", |p| {
            decision_regions(p, title, &predict4, (-2.5, 2.5), (-2.5, 2.5), labelled, 100)
        });
        check(dir.path(), "regions4", REGION_SIZE, title);
    }

    #[test]
    fn the_legend_names_classes_as_the_caller_does() {
        let dir = tempfile::tempdir().unwrap();
        let predict = |x: f64, _: f64| usize::from(x > 0.5);
        let draw = |file: &str, names: &[String]| {
            let path = dir.path().join(file);
            let labelled = Labelled { points: &HIGHAM, names };
            decision_regions(&path, "t", &predict, (0.0, 1.0), (0.0, 1.0), labelled, 20).unwrap();
            std::fs::read_to_string(path).unwrap()
        };
        let svg = draw("named.svg", &names(&["setosa", "versicolor"]));
        assert!(svg.contains("setosa") && svg.contains("versicolor"), "{svg}");
        assert!(!svg.contains("class 0"));
        let svg = draw("unnamed.svg", &[]);
        assert!(svg.contains("class 0") && svg.contains("class 1"));
        assert_eq!((class_name(&names(&["A"]), 0), class_name(&names(&["A"]), 1)), ("A".into(), "class 1".into()));
    }

    #[test]
    fn the_legend_is_below_the_plot_and_covers_no_point() {
        assert!(crate::plot::register_font());
        // Points in every corner of the plane, where a legend inside the plot would sit.
        let corners: Vec<(f64, f64, usize)> =
            (0..40).map(|k| (f64::from(k % 2), f64::from(k / 2 % 2), (k % 3) as usize)).collect();
        let grid = Grid { classes: vec![0; 16], resolution: 4, x: (-0.05, 1.05), y: (-0.05, 1.05) };
        let mut buf = vec![0u8; (REGION_SIZE.0 * REGION_SIZE.1 * 3) as usize];
        let root = BitMapBackend::with_buffer(&mut buf, REGION_SIZE).into_drawing_area();
        let ab = names(&["A", "B", "C"]);
        let g = draw(&root, "corners", &grid, Labelled { points: &corners, names: &ab }).unwrap();
        let legend = g.legend.clone().expect("a legend");
        assert!(legend.1.start >= g.plot.1.end, "legend {legend:?} not below the plot {:?}", g.plot);
        assert!(legend.1.end <= REGION_SIZE.1 as i32 && legend.0.start >= 0 && legend.0.end <= REGION_SIZE.0 as i32);
        assert_eq!(g.points.len(), corners.len());
        assert!(g.legend_is_clear(), "{g:?}");
    }
}

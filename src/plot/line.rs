//! Line charts of several named series (loss and accuracy curves, fitted functions) with a linear
//! or logarithmic y axis and the legend below the chart: [`line_chart`], its picture size and the
//! tab10 line colours. The ticks are chosen in `axes`.

use super::axes::{Ticked, log_ticks, snap, span, whole_tick, x_ticks};
use super::legend::{self, Entry, Geometry, Swatch};
use super::{DrawError, DrawResult, FONT, Format, PlotError, Series, finish, invalid, prepare, render, tick};
use plotters::coord::Shift;
use plotters::coord::combinators::LogCoord;
use plotters::coord::types::RangedCoordf64;
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

/// The drawable form of a line chart: each series' finite points, the axis ranges (with margins)
/// and the x ticks.
struct LineData<'a> {
    series: &'a [Series],
    pts: Vec<Vec<(f64, f64)>>,
    x: (f64, f64),
    y: (f64, f64),
    x_ticks: Vec<f64>,
    whole_x: bool,
    log_y: bool,
}

impl<'a> LineData<'a> {
    /// Checks the series (x and y of equal lengths) and keeps the drawable points: finite, and
    /// positive on a log axis.
    fn new(path: &Path, series: &'a [Series], log_y: bool) -> Result<Self, PlotError> {
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
        let x = span(pts.iter().flatten().map(|p| p.0), false);
        let (y0, y1) = span(pts.iter().flatten().map(|p| p.1), log_y);
        // A log axis starts at a power of ten: plotters labels nothing below the lowest one.
        let y = if log_y {
            (10f64.powf((y0 / 1.1).log10().floor()) * 0.999, y1 * 1.15)
        } else {
            (y0 - 0.05 * (y1 - y0), y1 + 0.05 * (y1 - y0))
        };
        let whole_x = pts.iter().flatten().all(|p| p.0.fract() == 0.0);
        let x_ticks = x_ticks(x.0, x.1, whole_x, 10);
        Ok(LineData { series, pts, x, y, x_ticks, whole_x, log_y })
    }
}

/// Line chart of several series; `log_y` draws the y axis in log scale (non-positive
/// values are then skipped). Non-finite points are skipped. When every x is a whole number
/// (epochs, steps), the x axis is ticked at whole numbers only. The legend (the non-empty labels)
/// is drawn in a strip below the chart, where it covers no curve.
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_y: bool,
) -> Result<(), PlotError> {
    let data = LineData::new(path, series, log_y)?;
    render!(path, LINE_SIZE, |root| {
        draw(root, &data, [title, x_label, y_label]).map(|g| debug_assert!(g.legend_is_clear()))
    })
}

/// Draws the chart of `d` with `[title, x label, y label]` on `root`; returns where its parts went.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &LineData,
    [title, x_label, y_label]: [&str; 3],
) -> Result<Geometry, DrawError<DB>> {
    root.fill(&WHITE)?;
    let style = |i: usize| tab10(i).stroke_width(2);
    let entries: Vec<Entry> = (d.series.iter().enumerate())
        .filter(|(_, s)| !s.label.is_empty())
        .map(|(i, s)| Entry { label: s.label.clone(), swatch: Swatch::Line(style(i)) })
        .collect();
    let (area, legend) = legend::split(root, &entries)?;
    let mut builder = ChartBuilder::on(&area);
    builder.caption(title, (FONT, 26)).margin(20).x_label_area_size(50).y_label_area_size(80);
    let ((x0, x1), (y0, y1), log_y, whole_x) = (d.x, d.y, d.log_y, d.whole_x);
    let x_range = Ticked::new(RangedCoordf64::from(x0..x1), d.x_ticks.clone(), Vec::new());
    macro_rules! body {
        ($chart:ident) => {{
            $chart
                .configure_mesh()
                .x_desc(x_label)
                .y_desc(y_label)
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 17))
                .x_label_formatter(&|v| if whole_x { whole_tick(*v) } else { tick(*v) })
                .y_label_formatter(&|v| if log_y { tick(*v) } else { tick(snap(*v, y1 - y0)) })
                .y_labels(12)
                .max_light_lines(4)
                .light_line_style(RGBColor(238, 238, 238))
                .bold_line_style(RGBColor(215, 215, 215))
                .draw()?;
            // Segment by segment: a thick polyline's mitred joins shoot far past a sharp turn of a
            // noisy curve, drawing values the data never reach.
            for (i, p) in d.pts.iter().enumerate() {
                $chart.draw_series(p.windows(2).map(|w| PathElement::new(vec![w[0], w[1]], style(i))))?;
            }
            let points = d.pts.iter().flatten().map(|p| $chart.backend_coord(p)).collect();
            Geometry { plot: $chart.plotting_area().get_pixel_range(), legend, points }
        }};
    }
    Ok(if log_y {
        let (bold, light) = log_ticks(y0, y1);
        let y_range = Ticked::new(LogCoord::from((y0..y1).log_scale()), bold, light);
        let mut chart = builder.build_cartesian_2d(x_range, y_range)?;
        body!(chart)
    } else {
        let mut chart = builder.build_cartesian_2d(x_range, y0..y1)?;
        body!(chart)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::legend::intersects;
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

    #[test]
    fn the_chart_ticks_an_axis_of_whole_numbers_at_whole_numbers() {
        // The chart finds out which kind of axis it has from the data.
        let epochs = [Series { label: "test".into(), x: vec![1.0, 2.0, 3.0], y: vec![70.0, 80.0, 85.0] }];
        assert_eq!(LineData::new(Path::new("a.png"), &epochs, false).unwrap().x_ticks, [1.0, 2.0, 3.0]);
        let curve = [Series { label: "f".into(), x: vec![0.0, 0.25, 0.5], y: vec![1.0, 2.0, 3.0] }];
        assert!(LineData::new(Path::new("a.png"), &curve, false).unwrap().x_ticks.iter().any(|v| v.fract() != 0.0));
    }

    /// A noisy curve (sharp turns between 10⁻² and 10⁻⁶ on a log axis) is drawn within the rows
    /// its values span: no spike below its lowest value.
    #[test]
    fn a_noisy_curve_draws_nothing_past_its_values() {
        assert!(crate::plot::register_font());
        let x: Vec<f64> = (0..2000).map(|i| i as f64 * 0.03).collect();
        let y: Vec<f64> = (0..2000).map(|i| if i % 3 == 0 { 1e-2 } else { 1e-6 * (1.0 + (i % 7) as f64) }).collect();
        let floor = [Series { label: "floor".into(), x: vec![0.0, 60.0], y: vec![1e-9, 1e-9] }];
        let series = [vec![Series { label: "noisy".into(), x, y }], floor.to_vec()].concat();
        let data = LineData::new(Path::new("a.png"), &series, true).unwrap();
        let mut buf = vec![0u8; (LINE_SIZE.0 * LINE_SIZE.1 * 3) as usize];
        let g = {
            let root = BitMapBackend::with_buffer(&mut buf, LINE_SIZE).into_drawing_area();
            draw(&root, &data, ["t", "x", "y"]).unwrap()
        };
        // The lowest pixel row the noisy curve may reach: its 1e-6 points, plus the stroke.
        let lowest = g.points[..2000].iter().map(|p| p.1).max().unwrap() + 2;
        let RGBColor(r, gr, b) = tab10(0);
        let (xs, ys) = (g.plot.0.clone(), g.plot.1.clone());
        for y in (lowest + 1)..ys.end {
            for x in xs.clone() {
                let k = 3 * (y as usize * LINE_SIZE.0 as usize + x as usize);
                assert!(
                    (buf[k], buf[k + 1], buf[k + 2]) != (r, gr, b),
                    "the curve's colour at {x},{y}, below row {lowest}"
                );
            }
        }
    }

    /// Six accuracy curves, the last ending in the top right corner of the plot (where the legend
    /// used to be drawn, hiding the train curve's last epochs).
    fn accuracy_curves() -> Vec<Series> {
        let x: Vec<f64> = (1..=30).map(f64::from).collect();
        (0..6)
            .map(|i| Series {
                label: format!("a long label for curve number {i} (published 95.42%)"),
                x: x.clone(),
                y: x.iter().map(|e| 60.0 + 40.0 * (e / 30.0).powf(0.2 + i as f64 * 0.3)).collect(),
            })
            .collect()
    }

    #[test]
    fn the_legend_is_below_the_plot_and_covers_no_curve() {
        assert!(crate::plot::register_font());
        let series = accuracy_curves();
        for log_y in [false, true] {
            let data = LineData::new(Path::new("a.png"), &series, log_y).unwrap();
            let mut buf = vec![0u8; (LINE_SIZE.0 * LINE_SIZE.1 * 3) as usize];
            let g = {
                let root = BitMapBackend::with_buffer(&mut buf, LINE_SIZE).into_drawing_area();
                draw(&root, &data, ["Accuracy", "epoch", "accuracy (%)"]).unwrap()
            };
            let legend = g.legend.clone().expect("a legend");
            assert!(!intersects(&legend, &g.plot), "legend {legend:?} overlaps the plot {:?}", g.plot);
            assert!(legend.1.start >= g.plot.1.end && legend.1.end <= LINE_SIZE.1 as i32);
            assert_eq!(g.points.len(), 6 * 30);
            assert!(g.legend_is_clear());
            // The last curve's last point, in the plot's top right corner, shows in its own colour.
            let (x, y) = *g.points.last().unwrap();
            let at = |x: i32, y: i32| {
                let k = 3 * (y as usize * LINE_SIZE.0 as usize + x as usize);
                (buf[k], buf[k + 1], buf[k + 2])
            };
            let RGBColor(r, gr, b) = tab10(5);
            let near = (-2..=2).flat_map(|dx| (-2..=2).map(move |dy| (dx, dy)));
            assert!(near.into_iter().any(|(dx, dy)| at(x + dx, y + dy) == (r, gr, b)), "curve hidden at {x},{y}");
        }
        let unlabelled = [Series { label: String::new(), x: vec![1.0, 2.0], y: vec![1.0, 2.0] }];
        let data = LineData::new(Path::new("a.png"), &unlabelled, false).unwrap();
        let mut buf = vec![0u8; (LINE_SIZE.0 * LINE_SIZE.1 * 3) as usize];
        let root = BitMapBackend::with_buffer(&mut buf, LINE_SIZE).into_drawing_area();
        assert!(draw(&root, &data, ["t", "x", "y"]).unwrap().legend.is_none(), "no labels, no legend");
    }
}

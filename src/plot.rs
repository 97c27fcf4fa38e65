//! Pictures of training results, drawn with `plotters` from plain data after training:
//! line charts (loss curves), confusion matrices, first-layer weight grids, decision
//! regions of 2-D classifiers and contour maps with a descent path. The output format
//! follows the path's extension (`.png` or `.svg`); each picture is written to a temporary
//! file in the same directory and renamed into place, so no half-written picture is left.
//! Text uses DejaVu Sans embedded in the binary, so no system fonts are needed.

use plotters::coord::Shift;
use plotters::element::BitMapElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The font family name under which the embedded DejaVu Sans is registered.
const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// An error while drawing a picture; each names the output path.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The path's extension is neither `.png` nor `.svg`.
    #[error("{path}: unsupported picture format (use .png or .svg)")]
    UnsupportedExtension {
        /// The requested output path.
        path: PathBuf,
    },
    /// The data given cannot be drawn (e.g. mismatched lengths, empty input).
    #[error("{path}: invalid plot data: {reason}")]
    InvalidInput {
        /// The requested output path.
        path: PathBuf,
        /// What is wrong with the data.
        reason: String,
    },
    /// The plotting backend failed (including font registration and encoding).
    #[error("{path}: drawing failed: {message}")]
    Backend {
        /// The requested output path.
        path: PathBuf,
        /// The backend's error message.
        message: String,
    },
    /// Moving the finished picture into place failed.
    #[error("{path}: {source}")]
    Io {
        /// The requested output path.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

/// One named curve of a line chart; points are `(x[i], y[i])`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text (an empty label is left out of the legend).
    pub label: String,
    /// X coordinates.
    pub x: Vec<f64>,
    /// Y coordinates, as many as `x`.
    pub y: Vec<f64>,
}

#[derive(Clone, Copy)]
enum Format {
    Png,
    Svg,
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn invalid(path: &Path, reason: impl Into<String>) -> PlotError {
    PlotError::InvalidInput { path: path.to_path_buf(), reason: reason.into() }
}

/// Checks the extension and registers the embedded font (once per process).
fn prepare(path: &Path) -> Result<(Format, PathBuf), PlotError> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("png") => Format::Png,
        Some("svg") => Format::Svg,
        _ => {
            return Err(PlotError::UnsupportedExtension { path: path.to_path_buf() });
        }
    };
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        [FontStyle::Normal, FontStyle::Bold]
            .into_iter()
            .all(|s| plotters::style::register_font(FONT, s, FONT_BYTES).is_ok())
    });
    if !ok {
        let message = "embedded font could not be loaded".to_string();
        return Err(PlotError::Backend { path: path.to_path_buf(), message });
    }
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let ext = if matches!(format, Format::Png) { "png" } else { "svg" };
    let tmp = path.with_file_name(format!(".{name}.{}-{n}.tmp.{ext}", std::process::id()));
    Ok((format, tmp))
}

/// Renames the temporary file into place, or removes it if drawing failed.
fn finish(path: &Path, tmp: &Path, result: Result<(), String>) -> Result<(), PlotError> {
    match result {
        Ok(()) => std::fs::rename(tmp, path).map_err(|source| {
            let _ = std::fs::remove_file(tmp);
            PlotError::Io { path: path.to_path_buf(), source }
        }),
        Err(message) => {
            let _ = std::fs::remove_file(tmp);
            Err(PlotError::Backend { path: path.to_path_buf(), message })
        }
    }
}

/// Runs the drawing `$body` (with `$root` bound to the canvas) on a PNG or SVG backend chosen by the path's extension.
macro_rules! render {
    ($path:expr, $size:expr, |$root:ident| $body:block) => {{
        let path: &Path = $path;
        let (format, tmp) = prepare(path)?;
        let result = match format {
            Format::Png => {
                let area = BitMapBackend::new(&tmp, $size).into_drawing_area();
                let draw = |$root: &DrawingArea<BitMapBackend, Shift>| -> DrawResult<BitMapBackend> { $body };
                draw(&area).and_then(|_| area.present()).map_err(|e| e.to_string())
            }
            Format::Svg => {
                let area = SVGBackend::new(&tmp, $size).into_drawing_area();
                let draw = |$root: &DrawingArea<SVGBackend, Shift>| -> DrawResult<SVGBackend> { $body };
                draw(&area).and_then(|_| area.present()).map_err(|e| e.to_string())
            }
        };
        finish(path, &tmp, result)
    }};
}

/// Draws the legend box in the upper right corner of a chart.
macro_rules! legend {
    ($chart:expr) => {
        $chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .label_font((FONT, 15))
            .position(SeriesLabelPosition::UpperRight)
            .draw()?
    };
}

const LINE_SIZE: (u32, u32) = (900, 600);
const REGION_SIZE: (u32, u32) = (760, 640);
const CONTOUR_SIZE: (u32, u32) = (820, 640);

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

/// Compact tick label: up to 4 significant digits, no trailing zeros.
fn tick(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        return "0".into();
    }
    if !(1e-4..1e6).contains(&a) {
        return format!("{v:.1e}").replace(".0e", "e");
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
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

/// Pixel size of a confusion-matrix picture for `n` classes.
fn confusion_size(n: usize) -> (u32, u32) {
    let cell = (560 / n.max(1)).clamp(28, 120) as u32;
    (cell * n as u32 + 190, cell * n as u32 + 180)
}

/// Confusion matrix: `counts[i][j]` = samples of true class `i` predicted as `j`. Cells are
/// shaded by the row-normalised value, and each shows its count.
pub fn confusion_matrix(
    path: &Path,
    title: &str,
    counts: &[Vec<u64>],
    class_names: &[String],
) -> Result<(), PlotError> {
    let n = counts.len();
    if n == 0 || counts.iter().any(|r| r.len() != n) || class_names.len() != n {
        let reason = "counts must be a non-empty n×n matrix with n class names";
        return Err(invalid(path, reason));
    }
    let size = confusion_size(n);
    let cell = (size.0 - 190) / n as u32;
    let rotate = class_names.iter().any(|s| s.chars().count() as u32 * 9 > cell);
    render!(path, size, |root| {
        root.fill(&WHITE)?;
        let longest = class_names.iter().map(|s| s.chars().count()).max().unwrap_or(1) as u32;
        let x_area = if rotate { 40 + 9 * longest.min(16) } else { 50 };
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 24))
            .margin(20)
            .x_label_area_size(x_area)
            .y_label_area_size(40 + 9 * longest.min(16))
            .build_cartesian_2d(0.0..n as f64, n as f64..0.0)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .set_all_tick_mark_size(0)
            .x_desc("Predicted class")
            .y_desc("True class")
            .axis_desc_style((FONT, 17))
            .draw()?;
        let font = (cell as f64 * 0.3).clamp(10.0, 18.0);
        for (i, row) in counts.iter().enumerate() {
            let total: u64 = row.iter().sum();
            for (j, &c) in row.iter().enumerate() {
                let v = if total > 0 { c as f64 / total as f64 } else { 0.0 };
                // White to dark blue.
                let shade = |hi: f64, lo: f64| (hi + (lo - hi) * v).round() as u8;
                let fill = RGBColor(shade(247.0, 8.0), shade(251.0, 48.0), shade(255.0, 107.0));
                let (x, y) = (j as f64, i as f64);
                chart.draw_series([Rectangle::new([(x, y), (x + 1.0, y + 1.0)], fill.filled())])?;
                let ink = if v > 0.5 { WHITE } else { BLACK };
                let style =
                    TextStyle::from((FONT, font).into_font()).color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                chart.draw_series([Text::new(c.to_string(), (x + 0.5, y + 0.5), style)])?;
            }
        }
        // Class names at the cell centres; long ones written downwards below each column.
        let x_style = TextStyle::from((FONT, 16).into_font());
        let x_style = match rotate {
            true => x_style.transform(FontTransform::Rotate90),
            false => x_style.pos(Pos::new(HPos::Center, VPos::Top)),
        };
        let y_style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        for (k, name) in class_names.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(k as f64 + 0.5, n as f64));
            root.draw(&Text::new(name.as_str(), (x, y + 8), x_style.clone()))?;
            let (x, y) = chart.backend_coord(&(0.0, k as f64 + 0.5));
            root.draw(&Text::new(name.as_str(), (x - 8, y), y_style.clone()))?;
        }
        let grid = RGBColor(200, 200, 200);
        let (m, nf) = (n as f64, n as f64);
        for k in 0..=n {
            let k = k as f64;
            chart.draw_series([PathElement::new(vec![(k, 0.0), (k, nf)], grid)])?;
            chart.draw_series([PathElement::new(vec![(0.0, k), (m, k)], grid)])?;
        }
        Ok(())
    })
}

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

fn check_ranges(path: &Path, x: (f64, f64), y: (f64, f64), resolution: usize) -> Result<(), PlotError> {
    let ok = |(a, b): (f64, f64)| a.is_finite() && b.is_finite() && a < b;
    if !ok(x) || !ok(y) || resolution < 2 {
        return Err(invalid(path, "ranges must be finite with min < max, and resolution >= 2"));
    }
    Ok(())
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

    /// Checks the PNG (size, dimensions, not one colour) and the SVG (tag, title) written
    /// for `name`; copies both to `$PLOT_EXAMPLES_OUT` when that is set.
    fn check(dir: &Path, name: &str, (w, h): (u32, u32), title: &str) {
        let png_path = dir.join(format!("{name}.png"));
        assert!(std::fs::metadata(&png_path).unwrap().len() > 2000);
        let mut reader = png::Decoder::new(std::fs::File::open(&png_path).unwrap()).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (w, h), "{name}.png dimensions");
        let px = info.color_type.samples();
        let data = &buf[..info.buffer_size()];
        assert!(data.chunks(px).any(|p| p != &data[..px]), "{name}.png is one colour");
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        assert!(svg.len() > 1000 && svg.contains("<svg") && svg.contains(title), "{name}.svg");
        let leftovers = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok());
        assert!(leftovers.filter(|e| e.file_name().to_string_lossy().contains(".tmp.")).count() == 0);
        if let Some(out) = std::env::var_os("PLOT_EXAMPLES_OUT") {
            for ext in ["png", "svg"] {
                let file = format!("{name}.{ext}");
                std::fs::copy(dir.join(&file), Path::new(&out).join(file)).unwrap();
            }
        }
    }

    fn both(dir: &Path, name: &str, mut draw: impl FnMut(&Path) -> Result<(), PlotError>) {
        for ext in ["png", "svg"] {
            draw(&dir.join(format!("{name}.{ext}"))).unwrap();
        }
    }

    fn loss_curves() -> Vec<Series> {
        let x: Vec<f64> = (1..=50).map(f64::from).collect();
        let train = x.iter().map(|&e| 2.3 * (-e / 8.0).exp() + 0.02 + 0.01 * (e * 1.7).sin()).collect();
        let test = x.iter().map(|&e| 2.3 * (-e / 9.0).exp() + 0.06 + 0.0004 * e).collect();
        vec![
            Series { label: "train loss".into(), x: x.clone(), y: train },
            Series { label: "test loss".into(), x, y: test },
        ]
    }

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
    fn unsupported_extension_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.bmpx");
        let err = line_chart(&path, "t", "x", "y", &loss_curves(), false).unwrap_err();
        assert!(matches!(err, PlotError::UnsupportedExtension { .. }));
        assert!(err.to_string().contains("chart.bmpx"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn confusion_matrix_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        let counts: Vec<Vec<u64>> = (0..10)
            .map(|i| (0..10).map(|j| if i == j { 950 + 3 * i } else { (i * 7 + j * 3) % 11 }).collect())
            .collect();
        both(dir.path(), "confusion", |p| confusion_matrix(p, "MNIST test confusion", &counts, &names));
        check(dir.path(), "confusion", confusion_size(10), "MNIST test confusion");
        let names: Vec<String> = ["setosa", "versicolor", "virginica"].map(String::from).to_vec();
        let counts = vec![vec![50, 0, 0], vec![0, 46, 4], vec![0, 3, 47]];
        both(dir.path(), "confusion_iris", |p| confusion_matrix(p, "Iris confusion", &counts, &names));
        check(dir.path(), "confusion_iris", confusion_size(3), "Iris confusion");
        let names: Vec<String> =
            ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
                .map(String::from)
                .to_vec();
        let counts: Vec<Vec<u64>> = (0..10)
            .map(|i| (0..10).map(|j| if i == j { 700 + 20 * i } else { (i * 13 + j * 7) % 60 }).collect())
            .collect();
        both(dir.path(), "confusion_cifar", |p| confusion_matrix(p, "CIFAR-10 confusion", &counts, &names));
        check(dir.path(), "confusion_cifar", confusion_size(10), "CIFAR-10 confusion");
        let err = confusion_matrix(&dir.path().join("x.png"), "t", &[vec![1, 2]], &names[..1]).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput { .. }));
    }

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

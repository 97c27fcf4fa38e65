//! Pictures of training results, drawn with `plotters` from plain data after training: line
//! charts (loss curves), confusion matrices, first-layer weight grids, decision regions of 2-D
//! classifiers and contour maps with a descent path. The output format follows the path's
//! extension (`.png` or `.svg`); each picture is written to a temporary file in the same
//! directory and renamed into place, so no half-written picture is left. Text uses DejaVu Sans
//! embedded in the binary, so no system fonts are needed. This file holds what every picture
//! shares: [`PlotError`], [`Series`], the output handling just described (`prepare`,
//! `finish`), the `render!` macro, tick labels and the range check of the gridded pictures.
//! Legends are drawn below the chart, never over it (`legend`); line charts' ticks are chosen in
//! `axes`. Each kind of picture is drawn in its own file: `line` (line charts), `confusion`
//! (confusion matrices), `weights` (weight grids), `regions` (decision regions), `samples`
//! (sheets of images) and `contour` (contour map with a path).

mod axes;
mod confusion;
mod contour;
mod legend;
mod line;
mod regions;
mod samples;
#[cfg(test)]
mod tests;
mod weights;

pub use confusion::confusion_matrix;
pub use contour::contour_with_path;
pub use line::line_chart;
pub use regions::{Labelled, class_name, decision_regions};
pub use samples::image_grid;
pub use weights::weight_grid;

use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The font family name under which the embedded DejaVu Sans is registered.
const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

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

/// A drawing error of the backend `DB`.
type DrawError<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;
/// The result of a drawing step on the backend `DB`.
type DrawResult<DB> = Result<(), DrawError<DB>>;

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
    if !register_font() {
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

/// Registers the embedded font (once per process); false if it could not be loaded.
fn register_font() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        [FontStyle::Normal, FontStyle::Bold]
            .into_iter()
            .all(|s| plotters::style::register_font(FONT, s, FONT_BYTES).is_ok())
    })
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
/// The expansion names `Path`, `Shift`, `Format`, `DrawResult`, `prepare` and `finish`, so a file using it
/// imports them.
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
// Imported by path (`use super::render`) in the drawing files.
use render;

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

fn check_ranges(path: &Path, x: (f64, f64), y: (f64, f64), resolution: usize) -> Result<(), PlotError> {
    let ok = |(a, b): (f64, f64)| a.is_finite() && b.is_finite() && a < b;
    if !ok(x) || !ok(y) || resolution < 2 {
        return Err(invalid(path, "ranges must be finite with min < max, and resolution >= 2"));
    }
    Ok(())
}

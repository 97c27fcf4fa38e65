//! The notes' experiments as seeded library functions. Each one computes its figures, writes
//! `DIR/report.json` (the data) first, then draws its pictures from those figures and writes
//! `DIR/report.md`, which puts every figure of ours beside the published one and says whether it
//! is within the stated tolerance. `quick` runs a CI-sized version that finishes in seconds.

pub mod hardsigmoid;
pub mod higham;
pub mod lee;
pub mod lm;
pub mod nielsen;

use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::plot::PlotError;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Settings shared by every experiment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Output directory (created if missing).
    pub out: PathBuf,
    /// CI-sized version.
    pub quick: bool,
    /// Data directory for MNIST (`--data`).
    pub data_dir: Option<PathBuf>,
    /// A `date,value` CSV replacing the built-in daily series (`lee`).
    pub series: Option<PathBuf>,
}

/// One figure of ours beside the published one.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// What is measured.
    pub what: String,
    /// Our value, formatted.
    pub ours: String,
    /// The published value, formatted.
    pub published: String,
    /// The tolerance that decides agreement, in words.
    pub tolerance: String,
    /// Whether ours is within the tolerance (`None` where the comparison is of a pattern only).
    pub within: Option<bool>,
}

impl Comparison {
    /// A comparison line.
    pub fn new(what: &str, ours: String, published: &str, tolerance: &str, within: Option<bool>) -> Self {
        Comparison { what: what.into(), ours, published: published.into(), tolerance: tolerance.into(), within }
    }
}

/// What an experiment produced.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Experiment name.
    pub experiment: String,
    /// The source it reproduces.
    pub source: String,
    /// Whether this is the CI-sized version.
    pub quick: bool,
    /// Our figures beside the published ones.
    pub comparisons: Vec<Comparison>,
    /// Remarks (e.g. how many seeds stalled).
    pub notes: Vec<String>,
    /// The experiment's full data (per-epoch curves, tables).
    pub data: serde_json::Value,
    /// Pictures written, relative to the output directory.
    pub pictures: Vec<String>,
}

/// The experiments: name, source, what it shows.
pub const EXPERIMENTS: [(&str, &str); 5] = [
    ("higham", "Higham & Higham (2019), Deep Learning: An Introduction for Applied Mathematicians, section 2"),
    ("nielsen", "Nielsen, Neural Networks and Deep Learning, chapters 1 and 3"),
    ("lee", "Hung-yi Lee, ML 2021 lecture 1: regression on a daily series with a weekly cycle"),
    ("lm", "Levenberg–Marquardt against SGD and Adam (Higham's points, a sinc(10x) curve fit)"),
    ("hardsigmoid", "Hung-yi Lee, ML 2021 lecture 1: piecewise-linear curves from hard sigmoids built of two ReLUs"),
];

/// The source an experiment reproduces, from [`EXPERIMENTS`].
pub fn source(name: &str) -> &'static str {
    EXPERIMENTS.iter().find(|e| e.0 == name).map_or("", |e| e.1)
}

/// Runs experiment `name`, writing into `opts.out`.
pub fn run(name: &str, opts: &Options) -> Result<Report> {
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, e))?;
    match name {
        "higham" => higham::run(opts),
        "nielsen" => nielsen::run(opts),
        "lm" => lm::run(opts),
        "lee" => lee::run(opts),
        "hardsigmoid" => hardsigmoid::run(opts),
        _ => {
            let names: Vec<&str> = EXPERIMENTS.iter().map(|e| e.0).collect();
            Err(Error::config("reproduce", format!("unknown experiment '{name}'; valid: {}", names.join(", "))))
        }
    }
}

/// Writes `report.json`, then calls `draw` (which returns the picture files it wrote), then
/// writes `report.md`.
pub fn finish(report: Report, opts: &Options, draw: impl FnOnce(&Path) -> Result<Vec<String>>) -> Result<Report> {
    finish_with(report, opts, "", draw)
}

/// Like [`finish`], with `extra` Markdown (e.g. a results table built from the report's data)
/// placed in `report.md` between the comparison table and the notes.
pub fn finish_with(
    mut report: Report,
    opts: &Options,
    extra: &str,
    draw: impl FnOnce(&Path) -> Result<Vec<String>>,
) -> Result<Report> {
    let json_path = opts.out.join("report.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| Error::format(&json_path, e.to_string()))?;
    write_atomic(&json_path, text.as_bytes())?;
    report.pictures = draw(&opts.out)?;
    write_atomic(&json_path, serde_json::to_string_pretty(&report).expect("serializable").as_bytes())?;
    write_atomic(&opts.out.join("report.md"), markdown_with(&report, extra).as_bytes())?;
    Ok(report)
}

/// Reads back `dir/report.json`, which [`finish`] wrote before drawing: pictures are drawn from it.
pub fn read_report(dir: &Path) -> Result<serde_json::Value> {
    let path = dir.join("report.json");
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::format(&path, e.to_string()))
}

/// The report as Markdown: the comparison table, the notes, the pictures.
pub fn markdown(r: &Report) -> String {
    markdown_with(r, "")
}

/// A Markdown table with a header row.
pub fn md_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut md = format!("| {} |\n|{}\n", headers.join(" | "), "---|".repeat(headers.len()));
    rows.iter().for_each(|r| md += &format!("| {} |\n", r.join(" | ")));
    md
}

/// [`markdown`] with `extra` Markdown between the comparison table and the notes.
pub fn markdown_with(r: &Report, extra: &str) -> String {
    let mut md = format!("# {}{}\n\nSource: {}\n\n", r.experiment, if r.quick { " (quick)" } else { "" }, r.source);
    md += "| figure | ours | published | tolerance | within |\n|---|---|---|---|---|\n";
    for c in &r.comparisons {
        let within = match c.within {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "pattern",
        };
        md += &format!("| {} | {} | {} | {} | {} |\n", c.what, c.ours, c.published, c.tolerance, within);
    }
    if !extra.is_empty() {
        md += "\n";
        md += extra;
    }
    if !r.notes.is_empty() {
        md += "\n";
        r.notes.iter().for_each(|n| md += &format!("- {n}\n"));
    }
    md += "\n";
    r.pictures.iter().for_each(|p| md += &format!("![{p}]({p})\n\n"));
    md
}

impl From<PlotError> for Error {
    fn from(e: PlotError) -> Self {
        match e {
            PlotError::UnsupportedExtension { ref path } => Error::format(path.clone(), e.to_string()),
            PlotError::Io { path, source } => Error::io(path, source),
            other => Error::Internal(other.to_string()),
        }
    }
}

//! The notes' experiments as seeded library functions. Each one computes its figures, writes
//! `DIR/report.json` (the data) first, then draws its pictures from those figures and writes
//! `DIR/report.md` (see `markdown`), which puts every figure of ours beside the published one and
//! says whether it is within the stated tolerance, or whether the stated claim holds. `quick` runs
//! a CI-sized version that finishes in seconds; each experiment's `QUICK` says what that version
//! can and cannot show, and rows that need the full run are marked ([`Comparison::needs_full_run`]).

pub mod hardsigmoid;
pub mod higham;
pub mod lee;
pub mod lm;
mod markdown;
pub mod nielsen;
mod nielsen_ch3;
pub mod simard;

pub use markdown::{QuickScope, markdown, markdown_with, md_table, verdict};

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
    /// Whether ours is within the tolerance, or the claim the tolerance states holds for our
    /// numbers; `None` where the published figure comes from different data and is only shown
    /// side by side with ours.
    pub within: Option<bool>,
    /// Whether the published figure needs the full run (all the data and epochs or seeds): a
    /// `--quick` run is expected to miss it, and report.md marks such a miss "off (quick run)".
    pub full_run_only: bool,
}

impl Comparison {
    /// A comparison line.
    pub fn new(what: &str, ours: String, published: &str, tolerance: &str, within: Option<bool>) -> Self {
        let (what, published, tolerance) = (what.into(), published.into(), tolerance.into());
        Comparison { what, ours, published, tolerance, within, full_run_only: false }
    }

    /// Marks the line as needing the full run; in a `quick` run its tolerance says so too, since
    /// the command line prints the tolerance beside the verdict.
    pub fn needs_full_run(mut self, quick: bool) -> Self {
        self.full_run_only = true;
        if quick {
            self.tolerance += "; full run only";
        }
        self
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
pub const EXPERIMENTS: [(&str, &str); 6] = [
    ("higham", "Higham & Higham (2019), Deep Learning: An Introduction for Applied Mathematicians, section 2"),
    ("nielsen", "Nielsen, Neural Networks and Deep Learning, chapters 1 and 3"),
    ("lee", "Hung-yi Lee, ML 2021 lecture 1: regression on a daily series with a weekly cycle"),
    ("lm", "Levenberg–Marquardt against SGD and Adam (Higham's points, a sinc(10x) curve fit)"),
    ("hardsigmoid", "Hung-yi Lee, ML 2021 lecture 1: piecewise-linear curves from hard sigmoids built of two ReLUs"),
    (
        "simard",
        "Simard, Steinkraus & Platt (2003), ICDAR, table 2: the 784-800-10 network plain, with affine and with elastic distortions",
    ),
];

/// The source an experiment reproduces, from [`EXPERIMENTS`].
pub fn source(name: &str) -> &'static str {
    EXPERIMENTS.iter().find(|e| e.0 == name).map_or("", |e| e.1)
}

/// What the `--quick` version of experiment `name` is and what it can and cannot show.
pub fn quick_scope(name: &str) -> Option<&'static QuickScope> {
    match name {
        "higham" => Some(&higham::QUICK),
        "nielsen" => Some(&nielsen::QUICK),
        "lee" => Some(&lee::QUICK),
        "lm" => Some(&lm::QUICK),
        "hardsigmoid" => Some(&hardsigmoid::QUICK),
        "simard" => Some(&simard::QUICK),
        _ => None,
    }
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
        "simard" => simard::run(opts),
        _ => {
            let names: Vec<&str> = EXPERIMENTS.iter().map(|e| e.0).collect();
            Err(Error::config("reproduce", format!("unknown experiment '{name}'; valid: {}", names.join(", "))))
        }
    }
}

/// Writes `report.json`, then calls `draw` (which returns the picture files it wrote), then
/// writes `report.md`. A quick run with rows off because they need the full run gets a note
/// saying so (the command line prints the notes).
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
    let off = report.comparisons.iter().filter(|c| c.full_run_only && c.within == Some(false)).count();
    if report.quick && off > 0 {
        report.notes.push(format!(
            "quick run: {off} row(s) compare with figures that need the full run (their tolerance ends in 'full \
             run only') and are off, as expected at this size; report.md says what a quick run can and cannot show"
        ));
    }
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

impl From<PlotError> for Error {
    fn from(e: PlotError) -> Self {
        match e {
            PlotError::UnsupportedExtension { ref path } => Error::format(path.clone(), e.to_string()),
            PlotError::Io { path, source } => Error::io(path, source),
            other => Error::Internal(other.to_string()),
        }
    }
}

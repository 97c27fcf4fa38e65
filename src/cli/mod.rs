//! The subcommands: each turns parsed arguments into library calls and prints the results.

pub mod args;
mod columns;
mod export;
mod inspect;
mod predict;
mod progress;
mod train;

use anyhow::Result;
use args::{Cli, Command};
use std::process::ExitCode;

#[cfg(feature = "plot")]
/// What `neuralnet plot` reads of a report: its epochs and the dataset it trained on.
#[derive(serde::Deserialize)]
struct ReportEpochs {
    epochs: Vec<neuralnet::train::report::EpochEntry>,
    config: DatasetName,
}

#[cfg(feature = "plot")]
#[derive(serde::Deserialize)]
struct DatasetName {
    dataset: Option<String>,
    /// The run's `--augment` and seed, for the sheet of augmented samples.
    #[serde(default)]
    augment: Option<neuralnet::data::augment::Augment>,
    #[serde(default)]
    seed: Option<u64>,
}

/// Runs `neuralnet plot`.
#[cfg(feature = "plot")]
fn plot(a: args::PlotArgs) -> Result<ExitCode> {
    use neuralnet::Error;
    let text = std::fs::read_to_string(&a.report).map_err(|e| Error::io(&a.report, e))?;
    let report: ReportEpochs = serde_json::from_str(&text).map_err(|e| Error::format(&a.report, e.to_string()))?;
    std::fs::create_dir_all(&a.out).map_err(|e| Error::io(&a.out, e))?;
    let mut files = neuralnet::train::report::learning_curves(&report.epochs, &a.out, a.svg)?;
    if let Some(path) = &a.model {
        let model = neuralnet::Model::load(path)?;
        let name = model.dataset.clone().or(report.config.dataset.clone());
        let name =
            name.ok_or_else(|| Error::config("--model", "the model does not say which dataset it was trained on"))?;
        let splits = neuralnet::data::load_named(&name, a.data_dir.as_deref())?;
        files.extend(neuralnet::figures::model_figures(&model.network, &splits, &a.out, a.svg)?);
    }
    if let (Some(augment), Some(name)) = (&report.config.augment, &report.config.dataset) {
        let splits = neuralnet::data::load_named(name, a.data_dir.as_deref())?;
        let seed = report.config.seed.unwrap_or(1);
        files.extend(neuralnet::figures::augmented_sheet(&splits, augment, seed, &a.out, a.svg)?);
    }
    println!("wrote {} in {}", files.join(", "), a.out.display());
    Ok(ExitCode::SUCCESS)
}

/// Runs `neuralnet reproduce`.
#[cfg(feature = "plot")]
fn reproduce(a: args::ReproduceArgs) -> Result<ExitCode> {
    use neuralnet::reproduce::{EXPERIMENTS, Options, run};
    if a.list {
        EXPERIMENTS.iter().for_each(|(name, source)| println!("{name:<12} {source}"));
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(name), Some(out)) = (a.name, a.out) else { unreachable!("clap requires both without --list") };
    let opts = Options { out, quick: a.quick, data_dir: a.data_dir, series: a.series };
    let report = run(&name, &opts)?;
    for c in &report.comparisons {
        let verdict = match c.within {
            Some(true) => "ok",
            Some(false) => "OUTSIDE",
            None => "pattern",
        };
        println!("{:<8} {}: ours {}, published {} ({})", verdict, c.what, c.ours, c.published, c.tolerance);
    }
    report.notes.iter().for_each(|n| println!("note: {n}"));
    println!("wrote {}", opts.out.join("report.md").display());
    Ok(ExitCode::SUCCESS)
}

/// Runs `neuralnet data fetch`.
fn fetch(a: args::FetchArgs) -> Result<ExitCode> {
    use neuralnet::data::{fetch, locate};
    let src = fetch::source(&a.name).ok_or_else(|| {
        neuralnet::Error::config(
            "data fetch",
            format!("unknown dataset '{}'; valid: {}", a.name, fetch::DATASETS.join(", ")),
        )
    })?;
    let dir = locate::data_dir(a.data_dir.as_deref());
    let mirrors = if a.mirror.is_empty() { fetch::mirrors_from_env() } else { Some(a.mirror.clone()) };
    let files = fetch::fetch(&src, &dir, mirrors.as_deref(), !a.quiet).map_err(neuralnet::Error::from)?;
    if !a.quiet {
        println!("{}: {} files verified in {}", a.name, files.len(), dir.join(&a.name).display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs one parsed command line; `matches` are clap's, for the flags `train` was given.
pub fn run(cli: Cli, matches: &clap::ArgMatches) -> Result<ExitCode> {
    match cli.command {
        Command::Train(a) => {
            let train = matches.subcommand_matches("train").expect("the train subcommand");
            train::run(*a, train)
        }
        Command::Eval(a) => inspect::eval(a),
        Command::Inspect(a) => inspect::inspect(a),
        Command::Predict(a) => predict::run(a),
        Command::Gradcheck(a) => inspect::gradcheck(a),
        Command::Export(a) => export::run(a),
        Command::Data(args::DataCommand::Fetch(a)) => fetch(a),
        #[cfg(feature = "plot")]
        Command::Reproduce(a) => reproduce(a),
        #[cfg(feature = "plot")]
        Command::Plot(a) => plot(a),
    }
}

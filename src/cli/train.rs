//! `neuralnet train`: the TOML file (or the checkpoint resumed), the flags on top, the data, one
//! call of the library's `fit`, and what it says printed. Ctrl-C sets a flag the terminal observer
//! hands to the library, which checkpoints and returns; the exit code follows DESIGN.md (130
//! interrupted, 3 diverged).
//!
//! SIGINT is handled with `signal-hook`'s `flag` module: the handler only sets an atomic flag that
//! the training loop reads after each batch (async-signal-safe, no extra thread, unlike `ctrlc`),
//! and a second Ctrl-C while the checkpoint is being written ends the process at once (130).

use super::args::TrainArgs;
use super::progress::{Terminal, group_thousands};
use anyhow::Result;
use clap::FromArgMatches;
use neuralnet::{Data, Error, TrainConfig, Trained, fit};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The configuration to train with: the file (or, resuming, the checkpoint's), then every flag
/// given on the command line (`matches`) on top.
fn config(a: &TrainArgs, matches: &clap::ArgMatches) -> Result<TrainConfig> {
    let mut config = match (&a.config_file, &a.config.reliability.resume) {
        (Some(path), _) => TrainConfig::from_toml(path)?,
        (None, Some(dir)) => TrainConfig::resuming(dir)?,
        (None, None) => TrainConfig::default(),
    };
    config.update_from_arg_matches(matches)?;
    Ok(config)
}

/// Runs `neuralnet train`.
pub fn run(a: TrainArgs, matches: &clap::ArgMatches) -> Result<ExitCode> {
    let config = config(&a, matches)?;
    config.validate()?;
    if !a.quiet && config.data.dataset.is_none() && config.data.train.is_none() {
        println!("no --dataset given: training on the built-in 8×8 digits (1,797 images, UCI optical digits)");
    }
    let data = Data::load(&config)?;
    if let (false, Some(why)) = (a.quiet, &data.task_reason) {
        let task = data.preprocessing.schema.as_ref().map(|s| s.task.to_string()).unwrap_or_default();
        println!("task: {task} ({why}; set --task to choose)");
    }
    if !a.quiet {
        super::columns::summary(&data).iter().for_each(|l| println!("{l}"));
    }
    data.notes.iter().for_each(|n| eprintln!("warning: {n}"));
    let parts: Vec<String> = data.splits.parts().iter().map(|(n, d)| format!("{n} {}", d.len())).collect();
    let flag = Arc::new(AtomicBool::new(false));
    let sigint = signal_hook::consts::SIGINT;
    // Registered first so that it sees the flag before the second handler sets it: a second Ctrl-C
    // exits at once.
    let ids = [
        signal_hook::flag::register_conditional_shutdown(sigint, 130, Arc::clone(&flag))?,
        signal_hook::flag::register(sigint, Arc::clone(&flag))?,
    ];
    let mut terminal = Terminal::new(parts.join(", "), a.quiet, flag);
    let result = fit(&config, &data, &mut terminal);
    terminal.clear();
    ids.into_iter().for_each(|id| {
        signal_hook::low_level::unregister(id);
    });
    match result {
        Ok(trained) => {
            if !a.quiet {
                summary(&trained, &config);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ Error::Interrupted { .. }) => {
            let Error::Interrupted { checkpoint: Some(dir), .. } = &e else {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(130));
            };
            eprintln!("error: {e}; resume with: neuralnet train --resume {}", shell_quote(dir));
            Ok(ExitCode::from(130))
        }
        Err(e @ Error::Diverged { .. }) => {
            let dir = config.reliability.dir();
            let kept = if config.reliability.every() > 0 && neuralnet::train::checkpoint::file_in(&dir).is_file() {
                format!("; the last good checkpoint in {} is kept", dir.display())
            } else {
                String::new()
            };
            eprintln!("error: {e}; no model written (the diverged weights are discarded){kept}");
            Ok(ExitCode::from(3))
        }
        Err(e) => Err(e.into()),
    }
}

/// `n word` with the word in the plural unless n = 1.
fn count(n: u64, word: &str) -> String {
    let n_text = if n >= 10_000 { group_thousands(n) } else { n.to_string() };
    format!("{n_text} {word}{}", if n == 1 { "" } else { "s" })
}

/// The saved model's figures on one split: "test 95.12%", or "test mse 0.0123 mae 0.0456", or
/// "test loss 0.123"; `None` when the run has no such split.
fn final_figure(
    name: &str,
    loss: Option<f64>,
    accuracy: Option<f64>,
    mse_mae: (Option<f64>, Option<f64>),
) -> Option<String> {
    Some(match (accuracy, mse_mae) {
        (Some(a), _) => format!("{name} {:.2}%", 100.0 * a),
        (None, (Some(mse), Some(mae))) => format!("{name} mse {mse:.4} mae {mae:.4}"),
        _ => format!("{name} loss {:.4}", loss?),
    })
}

/// The lines after training: how long it ran and why it stopped; the saved model — which epoch's
/// weights and its figures on every split —, the peak accuracy over the epochs, where it went.
fn summary(trained: &Trained, config: &TrainConfig) {
    let (history, f) = (&trained.history, &trained.report.final_figures);
    let lm = matches!(trained.report.config.solver, neuralnet::Solver::Lm { .. });
    let unit = if lm { "iteration" } else { "epoch" };
    // An LM history starts with iteration 0, the initial weights: its updates are its iterations.
    let mut line = match lm {
        true => format!("done: {}", count(history.updates, unit)),
        false => format!("done: {}, {}", count(f.epochs as u64, unit), count(history.updates, "update")),
    };
    let digits = if history.seconds_total < 10.0 { 2 } else { 1 };
    line += &format!(", {:.digits$} s ({})", history.seconds_total, f.stop_reason);
    println!("{line}");
    let g = &f.figures;
    let figures: Vec<String> = [
        final_figure("test", g.test_loss, g.test_accuracy, (g.test_mse, g.test_mae)),
        final_figure("validation", g.validation_loss, g.validation_accuracy, (g.validation_mse, g.validation_mae)),
        final_figure("train", g.train_loss, g.train_accuracy, (g.train_mse, g.train_mae)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut line = format!("model: the weights after {unit} {}; {}", f.kept_epoch, figures.join(", "));
    if let Some((split, acc, epoch)) = peak(history) {
        line += &format!("; peak {split} accuracy {:.2}% after {unit} {epoch}", 100.0 * acc);
    }
    println!("{line}");
    let mut written = Vec::new();
    if let Some(out) = &config.output.model {
        written.push(format!("model written to {}", out.display()));
    }
    if let Some(out) = &config.output.report {
        written.push(format!("report to {}", out.display()));
    }
    if let Some(dir) = &config.output.plot {
        written.push(format!("pictures to {}", dir.display()));
    }
    if !written.is_empty() {
        println!("{}", written.join("; "));
    }
}

/// The best accuracy any epoch reached on the test split (or, when the test split was not
/// evaluated each epoch, the validation split): (split, accuracy, epoch).
fn peak(history: &neuralnet::History) -> Option<(&'static str, f64, usize)> {
    let best = |split: &'static str, pick: &dyn Fn(&neuralnet::EpochStats) -> Option<f64>| {
        history
            .epochs
            .iter()
            .filter_map(|e| pick(e).map(|acc| (split, acc, e.epoch)))
            .fold(None, |b: Option<(&str, f64, usize)>, x| if b.is_none_or(|b| x.1 > b.1) { Some(x) } else { b })
    };
    best("test", &|e| e.test.and_then(|m| m.accuracy))
        .or_else(|| best("validation", &|e| e.validation.and_then(|m| m.accuracy)))
}

/// `path` as a shell word: as is when it is plain, else in single quotes.
fn shell_quote(path: &Path) -> String {
    let s = path.display().to_string();
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:=,".contains(c)) {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

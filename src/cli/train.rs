//! `neuralnet train`: the TOML file (or the checkpoint resumed), the flags on top, the data, one
//! call of the library's `fit`, and what it says printed. Ctrl-C sets a flag the terminal observer
//! hands to the library, which checkpoints and returns; the exit code follows DESIGN.md (130
//! interrupted, 3 diverged).
//!
//! SIGINT is handled with `signal-hook`'s `flag` module: the handler only sets an atomic flag that
//! the training loop reads after each batch (async-signal-safe, no extra thread, unlike `ctrlc`),
//! and a second Ctrl-C while the checkpoint is being written ends the process at once (130).

use super::args::TrainArgs;
use super::progress::Terminal;
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

/// The line after training: epochs, updates, time, the peak accuracy, where the model went.
fn summary(trained: &Trained, config: &TrainConfig) {
    let history = &trained.history;
    let best = history
        .epochs
        .iter()
        .filter_map(|e| e.test.or(e.validation).and_then(|m| m.accuracy).map(|acc| (acc, e.epoch)))
        .fold(None, |b: Option<(f64, usize)>, x| if b.is_none_or(|b| x.0 > b.0) { Some(x) } else { b });
    let mut line =
        format!("done: {} epochs, {} updates, {:.1} s", history.epochs.len(), history.updates, history.seconds_total);
    if let Some((acc, epoch)) = best {
        line += &format!("; peak accuracy {:.2}% at epoch {epoch}", 100.0 * acc);
    }
    if let Some(dir) = &config.output.plot {
        line += &format!("; pictures in {}", dir.display());
    }
    if let Some(out) = &config.output.model {
        line += &format!("; model written to {}", out.display());
    }
    println!("{line}");
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

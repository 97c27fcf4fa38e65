//! `neuralnet train`: TOML file, then flags on top, resolved against the data, trained, saved.

use super::args::TrainArgs;
use super::progress::Terminal;
use anyhow::{Context, Result};
use neuralnet::data::load_named;
use neuralnet::model_io::{self, ModelMeta};
use neuralnet::parallel::threads_or_all;
use neuralnet::train::{EVAL_CHUNK, evaluate_splits, fit};
use neuralnet::{Error, TrainConfig, Workspace};
use std::path::Path;
use std::process::ExitCode;

/// Flags override the file: every flag given replaces the config's value.
fn merge(a: &TrainArgs, mut c: TrainConfig) -> TrainConfig {
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = a.$f.clone() { c.$f = Some(v); } )* };
    }
    macro_rules! set_plain {
        ($($f:ident),*) => { $( if let Some(v) = a.$f.clone() { c.$f = v; } )* };
    }
    set!(
        dataset,
        data_dir,
        train_size,
        layers,
        activation,
        output_activation,
        cost,
        optimizer,
        init,
        eta,
        patience,
        init_from,
        threads
    );
    set!(batch_size);
    set_plain!(init_scale, epochs, seed, lambda, momentum, sampling, schedule);
    if a.no_monitor_train {
        c.monitor_train = false;
    }
    c
}

/// Refuses an output path whose directory does not exist, before hours of training.
fn check_writable(path: &Option<std::path::PathBuf>, flag: &str) -> Result<()> {
    if let Some(p) = path {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(Error::config(flag, format!("directory {} does not exist", dir.display())).into());
        }
    }
    Ok(())
}

/// Runs `neuralnet train`.
pub fn run(a: TrainArgs) -> Result<ExitCode> {
    let base = match &a.config {
        Some(path) => TrainConfig::from_toml(path)?,
        None => TrainConfig::default(),
    };
    let config = merge(&a, base);
    config.validate()?;
    check_writable(&a.out, "--out")?;
    check_writable(&a.report, "--report")?;
    let name = match &config.dataset {
        Some(n) => n.clone(),
        None => {
            if !a.quiet {
                println!("no --dataset given: training on the built-in 8×8 digits (1,797 images, UCI optical digits)");
            }
            "digits".to_string()
        }
    };
    let mut splits = load_named(&name, config.data_dir.as_deref())?;
    if let Some(n) = config.train_size {
        splits.truncate_train(n);
    }
    let plan = config.resolve(&splits)?;
    if !a.quiet {
        let parts: Vec<String> = splits.parts().iter().map(|(n, d)| format!("{n} {}", d.len())).collect();
        println!(
            "{}: {}; layers {:?}, {} / {}, {}, {} η={} batch {}",
            plan.dataset,
            parts.join(", "),
            plan.layers,
            plan.activation,
            plan.output_activation,
            plan.cost,
            plan.optimizer,
            plan.eta,
            plan.batch_size
        );
    }
    let mut observer = Terminal::new(plan.epochs, a.quiet);
    let (net, history) = fit(&plan, &splits, &mut observer)?;
    let mut ws = Workspace::new(&net, EVAL_CHUNK).with_threads(threads_or_all(plan.threads));
    let final_metrics = evaluate_splits(&net, &splits, [true; 3], &mut ws);
    if let Some(out) = &a.out {
        let meta = ModelMeta {
            dataset: Some(splits.name.clone()),
            class_names: splits.class_names.clone(),
            image_shape: splits.image_shape,
            ..Default::default()
        };
        model_io::save(&net, &meta, out).with_context(|| "saving the model")?;
    }
    if let Some(path) = &a.report {
        let report = neuralnet::report::build(&plan, &splits, &history, &final_metrics);
        let text = serde_json::to_string_pretty(&report)?;
        neuralnet::atomic::write_atomic(path, text.as_bytes())?;
    }
    if !a.quiet {
        let best = history
            .epochs
            .iter()
            .filter_map(|e| e.test.or(e.validation).and_then(|m| m.accuracy).map(|acc| (acc, e.epoch)))
            .fold(None, |b: Option<(f64, usize)>, x| if b.is_none_or(|b| x.0 > b.0) { Some(x) } else { b });
        let mut line = format!(
            "done: {} epochs, {} updates, {:.1} s",
            history.epochs.len(),
            history.updates,
            history.seconds_total
        );
        if let Some((acc, epoch)) = best {
            line += &format!("; peak accuracy {:.2}% at epoch {epoch}", 100.0 * acc);
        }
        if let Some(out) = &a.out {
            line += &format!("; model written to {}", out.display());
        }
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

//! `neuralnet train`: TOML file, then flags on top, resolved against the data, trained, saved.

use super::args::TrainArgs;
use super::progress::Terminal;
use super::resilience;
use anyhow::{Context, Result};
use neuralnet::config::TABULAR_VALIDATION_FRACTION;
use neuralnet::data::csv::{self, CsvOptions, Tabular, standardize_targets};
use neuralnet::data::{Splits, load_named};
use neuralnet::lm_fit::train_lm;
use neuralnet::model_io::{self, ModelMeta};
use neuralnet::parallel::threads_or_all;
use neuralnet::train::{EVAL_CHUNK, evaluate_splits, init_network};
use neuralnet::{Activation, Error, TrainConfig, Workspace};
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
        train_file,
        test_file,
        target,
        task,
        validation_fraction,
        test_fraction,
        epochs,
        threads
    );
    set!(batch_size);
    set_plain!(init_scale, seed, lambda, momentum, sampling, schedule, precision);
    macro_rules! set_lm {
        ($($flag:ident => $f:ident),*) => { $( if let Some(v) = a.$flag { c.lm.$f = v; } )* };
    }
    set_lm!(lm_solve => solve, lm_mu => mu, lm_mu_max => mu_max, lm_max_fail => max_fail, lm_goal => goal, lm_min_grad => min_grad, lm_geodesic => geodesic);
    if let Some(mib) = a.lm_memory_limit {
        c.lm.memory_limit_bytes = mib.saturating_mul(1 << 20);
    }
    if a.no_monitor_train {
        c.monitor_train = false;
    }
    if a.no_monitor_validation {
        c.monitor_validation = false;
    }
    if a.no_monitor_test {
        c.monitor_test = false;
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

/// The data `config` names: a CSV file (`--train`), or a dataset by name (default `digits`).
/// Returns the CSV specifics alongside for CSV data.
fn load_data(config: &TrainConfig, quiet: bool) -> Result<(Splits, Option<Tabular>)> {
    if let Some(train) = &config.train_file {
        let opts = CsvOptions {
            train: train.clone(),
            test: config.test_file.clone(),
            targets: config.target.clone().unwrap_or_default(),
            task: config.task,
            validation_fraction: config.validation_fraction.unwrap_or(TABULAR_VALIDATION_FRACTION),
            test_fraction: config.test_fraction.unwrap_or(0.0),
            seed: config.seed,
        };
        let tabular = csv::load(&opts)?;
        if let (false, Some(why)) = (quiet, &tabular.task_reason) {
            println!("task: {} ({why}; set --task to choose)", tabular.schema.task);
        }
        let mut splits = tabular.splits.clone();
        if let Some(n) = config.train_size {
            splits.truncate_train(n);
        }
        return Ok((splits, Some(tabular)));
    }
    let name = match &config.dataset {
        Some(n) => n.clone(),
        None => {
            if !quiet {
                println!("no --dataset given: training on the built-in 8×8 digits (1,797 images, UCI optical digits)");
            }
            "digits".to_string()
        }
    };
    let mut splits = load_named(&name, config.data_dir.as_deref())?;
    if let Some(n) = config.train_size {
        splits.truncate_train(n);
    }
    Ok((splits, None))
}

/// Runs `neuralnet train`.
pub fn run(mut a: TrainArgs) -> Result<ExitCode> {
    let resumed = resilience::load(&mut a)?;
    let base = match (&a.config, &resumed) {
        (Some(path), _) => TrainConfig::from_toml(path)?,
        (None, Some(ck)) => ck.config.clone(),
        (None, None) => TrainConfig::default(),
    };
    let config = merge(&a, base);
    resilience::check_agrees(&a, &config, resumed.as_ref())?;
    config.validate()?;
    check_writable(&a.out, "--out")?;
    check_writable(&a.report, "--report")?;
    let (splits, tabular) = load_data(&config, a.quiet)?;
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
    // Regression on CSV data trains on standardised targets, then folds the inverse transform
    // into the output layer: the saved model and the final figures are in the targets' units.
    let mut scaled = None;
    let target_scaling =
        (tabular.is_some() && plan.output_activation == Activation::Identity && !splits.train.is_classification())
            .then(|| {
                let mut s = splits.clone();
                let scaling = standardize_targets(&mut s);
                scaled = Some(s);
                scaling
            });
    let train_splits = scaled.as_ref().unwrap_or(&splits);
    let (mut net, history) = match &plan.lm {
        Some(lm) => {
            if a.checkpoint.is_some() || resumed.is_some() {
                let why = "Levenberg–Marquardt runs take seconds and are not checkpointed; drop --checkpoint/--resume";
                return Err(Error::config("--checkpoint", why).into());
            }
            let (mut net, _) = init_network(&plan)?;
            let history = train_lm(&mut net, train_splits, &plan, lm, &mut |s| observer.lm_iteration(s))?;
            (net, history)
        }
        None => match resilience::fit(&a, &config, &plan, train_splits, resumed, &mut observer)? {
            Ok(done) => done,
            Err(code) => return Ok(code),
        },
    };
    if let Some(scaling) = &target_scaling {
        scaling.fold_into_output(&mut net);
    }
    let mut ws = Workspace::new(&net, EVAL_CHUNK).with_threads(threads_or_all(plan.threads));
    let final_metrics = evaluate_splits(&net, &splits, [true; 3], &mut ws);
    if let Some(out) = &a.out {
        let mut meta = ModelMeta {
            dataset: Some(splits.name.clone()),
            class_names: splits.class_names.clone(),
            image_shape: splits.image_shape,
            ..Default::default()
        };
        if let Some(t) = &tabular {
            t.schema.to_meta(&mut meta);
            meta.normalization = Some((t.features.mean.clone(), t.features.std.clone()));
        }
        model_io::save(&net, &meta, out).with_context(|| "saving the model")?;
    }
    let mut report = neuralnet::report::build(&plan, &splits, &history, &final_metrics);
    if let Some(t) = &tabular {
        let data = &mut report["data"];
        data["features"] = serde_json::json!(t.schema.features);
        data["targets"] = serde_json::json!(t.schema.targets);
        if let Some(why) = &t.task_reason {
            data["task_inferred_from"] = serde_json::json!(why);
        }
        data["features_standardized"] = serde_json::json!(true);
        data["targets_standardized"] = serde_json::json!(target_scaling.is_some());
    }
    if let Some(path) = &a.report {
        let text = serde_json::to_string_pretty(&report)?;
        neuralnet::atomic::write_atomic(path, text.as_bytes())?;
    }
    if let Some(dir) = &a.plot {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut files = neuralnet::figures::learning_curves(&report, dir, false)?;
        files.extend(neuralnet::figures::model_figures(&net, &splits, dir, false)?);
        if !a.quiet {
            println!("pictures: {} in {}", files.join(", "), dir.display());
        }
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

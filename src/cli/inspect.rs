//! `neuralnet eval`, `neuralnet inspect` and `neuralnet gradcheck`.

use super::args::{EvalArgs, GradcheckArgs, InspectArgs};
use super::progress::describe;
use anyhow::Result;
use neuralnet::data::csv::Table;
use neuralnet::data::{Dataset, load_named};
use neuralnet::{Error, Model};
use serde_json::json;
use std::process::ExitCode;
use std::time::Instant;

/// The data `neuralnet eval` runs on, raw, and its name: a split of a named dataset, or a CSV file
/// read by the model's stored columns and class names.
fn eval_data(a: &EvalArgs, model: &Model) -> Result<(String, Dataset)> {
    let net = &model.network;
    if let Some(path) = &a.csv {
        let schema = model.preprocessing.schema.as_ref().ok_or_else(|| {
            Error::config("--csv", format!("model {} was not trained on CSV data; use --dataset", a.model.display()))
        })?;
        let data = schema.read(&Table::read(path)?, a.strict)?;
        data.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
        if data.dropped > 0 {
            eprintln!("warning: {}: {} rows without a target left out", path.display(), data.dropped);
        }
        return Ok((path.display().to_string(), data.dataset));
    }
    let name = dataset_name(a, model)?;
    let splits = load_named(&name, a.data_dir.as_deref())?;
    let data = match a.split.as_str() {
        "train" => Some(&splits.train),
        "validation" => splits.validation.as_ref(),
        "test" => splits.test.as_ref().or(Some(&splits.train)),
        other => {
            return Err(
                Error::config("--split", format!("unknown split '{other}'; valid: train, validation, test")).into()
            );
        }
    }
    .ok_or_else(|| Error::config("--split", format!("dataset '{name}' has no {} split", a.split)))?;
    if data.n_features != net.n_inputs() || data.n_outputs != net.n_outputs() {
        return Err(Error::Shape {
            op: format!("model {} on dataset {name}", a.model.display()),
            expected: format!("{} inputs, {} outputs", net.n_inputs(), net.n_outputs()),
            got: format!("{} inputs, {} outputs", data.n_features, data.n_outputs),
        }
        .into());
    }
    Ok((name, data.clone()))
}

/// The named dataset to evaluate on: `--dataset`, else the one the model was trained on. Warns
/// when `--dataset` names another than the model's.
fn dataset_name(a: &EvalArgs, model: &Model) -> Result<String> {
    let path = a.model.display();
    match (&a.dataset, &model.dataset) {
        (Some(given), Some(trained)) if given != trained && model.preprocessing.schema.is_none() => {
            eprintln!(
                "warning: model {path} was trained on '{trained}'; evaluating it on '{given}' (its accuracy there \
                 says little about the model)"
            );
            Ok(given.clone())
        }
        (Some(given), _) => Ok(given.clone()),
        (None, _) if model.preprocessing.schema.is_some() => Err(Error::config(
            "--csv",
            format!(
                "model {path} was trained on the table {}; give the table to evaluate on with --csv FILE",
                model.dataset.as_deref().unwrap_or("(unnamed)")
            ),
        )
        .into()),
        (None, Some(trained)) => Ok(trained.clone()),
        (None, None) => Err(Error::config(
            "--dataset",
            format!("model {path} does not say which dataset it was trained on; give --dataset NAME"),
        )
        .into()),
    }
}

/// Runs `neuralnet eval`.
pub fn eval(a: EvalArgs) -> Result<ExitCode> {
    let model = Model::load(&a.model)?;
    let (name, data) = eval_data(&a, &model)?;
    let t0 = Instant::now();
    let m = model.evaluate(&data, a.threads.unwrap_or_else(neuralnet::available_threads))?;
    let seconds = t0.elapsed().as_secs_f64();
    if a.json {
        let mut obj = serde_json::Map::new();
        obj.insert("dataset".into(), json!(name));
        obj.insert("split".into(), json!(a.split));
        obj.insert("n".into(), json!(m.n));
        obj.insert("loss".into(), json!(m.loss));
        for (key, v) in [("accuracy", m.accuracy), ("mse", m.mse), ("mae", m.mae)] {
            if let Some(v) = v {
                obj.insert(key.into(), json!(v));
            }
        }
        obj.insert("seconds".into(), json!(seconds));
        obj.insert("samples_per_second".into(), json!(m.n as f64 / seconds));
        println!("{}", serde_json::to_string_pretty(&obj)?);
    } else {
        println!("{name}: {}  loss {:.6}  ({} samples in {:.3} s)", describe(&a.split, &m), m.loss, m.n, seconds);
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `neuralnet inspect`.
pub fn inspect(a: InspectArgs) -> Result<ExitCode> {
    let model = Model::load(&a.model)?;
    let net = &model.network;
    println!("model       {}", a.model.display());
    println!("layers      {}", net.sizes().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" → "));
    let acts: Vec<String> = net.activations().iter().map(|a| a.to_string()).collect();
    println!("activations {}", acts.join(", "));
    println!("cost        {}", net.cost());
    println!("parameters  {}", net.n_params());
    for l in 0..net.n_layers() {
        let (n_in, n_out) = (net.sizes()[l], net.sizes()[l + 1]);
        println!("  layer {l}: W {n_out}×{n_in}, b {n_out}, {}", net.activations()[l]);
    }
    if let Some(d) = &model.dataset {
        println!("dataset     {d}");
    }
    if let Some(c) = &model.class_names {
        println!("classes     {}", c.join(", "));
    }
    let pre = &model.preprocessing;
    if let Some((h, w)) = pre.image_shape {
        println!("image       {h}×{w}");
    }
    if let Some(s) = &pre.schema {
        println!("features    {}", s.features.join(", "));
        println!("targets     {}", s.targets.join(", "));
        println!("task        {}", s.task);
        println!("columns     (as fitted on the training split)");
        super::columns::column_lines(s).iter().for_each(|l| println!("{l}"));
    }
    if pre.input.is_some() {
        println!("inputs      numeric ones standardised with the training split's mean and standard deviation");
    }
    for (k, v) in &model.extra {
        println!("{k:<11} {v}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `neuralnet gradcheck`: exit 0 only when the max relative error is under the tolerance.
pub fn gradcheck(a: GradcheckArgs) -> Result<ExitCode> {
    if a.batch_size == 0 {
        return Err(Error::config("--batch-size", "must be at least 1").into());
    }
    let (net, x, y) = neuralnet::gradcheck::random_problem(
        &a.layers,
        a.activation,
        a.output_activation,
        a.cost,
        a.batch_size,
        a.seed,
    )?;
    let r = neuralnet::gradcheck::check(&net, &x, &y, a.batch_size);
    let ok = r.max_rel_error < a.tolerance;
    println!(
        "gradcheck layers {:?} {}/{} {}: {} parameters ({} skipped at kinks), max relative error {:.3e} (parameter {}), tolerance {:.0e}: {}",
        a.layers,
        a.activation,
        a.output_activation,
        a.cost,
        r.n_params,
        r.skipped,
        r.max_rel_error,
        r.worst_param,
        a.tolerance,
        if ok { "OK" } else { "FAILED" }
    );
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

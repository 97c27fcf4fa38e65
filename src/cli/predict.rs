//! `neuralnet predict`: CSV rows in, CSV out (the prediction and, for classification, one
//! probability column per class); or PNG/JPEG images in, one line per image
//! (`file<TAB>class<TAB>probability`). All output is computed before anything is written, and a
//! file given with `--out` is written atomically, so a failure leaves no partial output.

use super::args::PredictArgs;
use anyhow::Result;
use neuralnet::data::csv::{Schema, Table};
use neuralnet::data::image::{load_digit, looks_like_image};
use neuralnet::model_io::{self, ModelMeta};
use neuralnet::predict::{class_probabilities, normalize_inputs, outputs, predicted_class};
use neuralnet::{Error, Network};
use std::path::Path;
use std::process::ExitCode;

/// Runs `neuralnet predict`.
pub fn run(a: PredictArgs) -> Result<ExitCode> {
    let (net, meta) = model_io::load(&a.model)?;
    let text = match meta.image_shape {
        Some(shape) => predict_images(&net, &meta, shape, &a.inputs)?,
        None => predict_tables(&net, &meta, &a)?,
    };
    match &a.out {
        Some(out) => neuralnet::atomic::write_atomic(out, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per image: file, predicted class (name), its probability.
fn predict_images(
    net: &Network<f32>,
    meta: &ModelMeta,
    shape: (usize, usize),
    inputs: &[std::path::PathBuf],
) -> Result<String> {
    let mut x = Vec::with_capacity(inputs.len() * shape.0 * shape.1);
    for path in inputs {
        x.extend(load_digit(path, shape).map_err(|e| match e {
            Error::Format { path, what } => Error::format(
                path,
                format!("{what}; model takes {}×{} PNG/JPEG images (it is an image model)", shape.0, shape.1),
            ),
            other => other,
        })?);
    }
    normalize_inputs(meta, &mut x);
    let a = outputs(net, &x);
    let output = *net.activations().last().expect("a layer");
    let mut text = String::new();
    for (path, row) in inputs.iter().zip(a.chunks_exact(net.n_outputs())) {
        let (c, p) = predicted_class(output, row);
        let name = meta.class_names.as_ref().and_then(|n| n.get(c).cloned()).unwrap_or_else(|| c.to_string());
        text += &format!("{}\t{name}\t{p:.4}\n", path.display());
    }
    Ok(text)
}

/// The rows of every input table, predicted, as one CSV text.
fn predict_tables(net: &Network<f32>, meta: &ModelMeta, a: &PredictArgs) -> Result<String> {
    let schema = Schema::from_meta(meta, &a.model)?;
    let mut x = Vec::new();
    for path in &a.inputs {
        x.extend(table_features(net, schema.as_ref(), path)?);
    }
    normalize_inputs(meta, &mut x);
    let out = outputs(net, &x);
    let output = *net.activations().last().expect("a layer");
    let mut w = csv::Writer::from_writer(Vec::new());
    let classes = meta.class_names.clone().filter(|c| c.len() == net.n_outputs());
    let targets = schema.map(|s| s.targets).unwrap_or_else(|| vec!["prediction".into()]);
    let write_err = |e: csv::Error| anyhow::anyhow!("writing CSV: {e}");
    match &classes {
        Some(names) => {
            let mut header = vec![targets[0].clone()];
            header.extend(names.iter().map(|n| format!("p_{n}")));
            w.write_record(&header).map_err(write_err)?;
            for row in out.chunks_exact(net.n_outputs()) {
                let (c, _) = predicted_class(output, row);
                let mut record = vec![names[c].clone()];
                record.extend(class_probabilities(output, row).iter().map(|p| format!("{p:.6}")));
                w.write_record(&record).map_err(write_err)?;
            }
        }
        None => {
            let header: Vec<String> = if targets.len() == net.n_outputs() {
                targets
            } else {
                (0..net.n_outputs()).map(|j| format!("output_{j}")).collect()
            };
            w.write_record(&header).map_err(write_err)?;
            for row in out.chunks_exact(net.n_outputs()) {
                w.write_record(row.iter().map(|v| v.to_string())).map_err(write_err)?;
            }
        }
    }
    Ok(String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("writing CSV: {e}"))?)?)
}

/// The feature rows of one input table: by column name when the model knows its columns, else
/// every column (their number must be the model's input width).
fn table_features(net: &Network<f32>, schema: Option<&Schema>, path: &Path) -> Result<Vec<f32>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if looks_like_image(&bytes) {
        return Err(
            Error::format(path, "is an image, but this model takes CSV rows (it was not trained on images)").into()
        );
    }
    let table = Table::parse(&bytes, path)?;
    match schema {
        Some(s) => Ok(s.features_of(&table)?),
        None if table.columns.len() == net.n_inputs() => {
            Ok(table.numbers(&(0..table.columns.len()).collect::<Vec<_>>())?)
        }
        None => Err(Error::format(
            path,
            format!("has {} columns; the model takes {} inputs", table.columns.len(), net.n_inputs()),
        )
        .into()),
    }
}

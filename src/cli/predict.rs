//! `neuralnet predict`: table rows in (CSV/TSV, gzip-compressed or not, or Parquet), CSV out (the
//! prediction and, for classification, one probability column per class); or PNG/JPEG images in, a
//! header row and one line per image
//! (`file<TAB>class<TAB>probability`). All output is computed before anything is written, and a
//! file given with `--out` is written atomically, so a failure leaves no partial output.

use super::args::PredictArgs;
use anyhow::Result;
use neuralnet::data::csv::Table;
use neuralnet::data::image::{load_digit, looks_like_image};
use neuralnet::{Error, Model, Predictions};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs `neuralnet predict`.
pub fn run(a: PredictArgs) -> Result<ExitCode> {
    let model = Model::load(&a.model)?;
    let text = match model.preprocessing.image_shape {
        Some(shape) => predict_images(&model, shape, &a.inputs)?,
        None => predict_tables(&model, &a.inputs, a.strict)?,
    };
    match &a.out {
        Some(out) => neuralnet::atomic::write_atomic(out, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// A header row, then one line per image: file, predicted class (name), its probability.
fn predict_images(model: &Model, shape: (usize, usize), inputs: &[PathBuf]) -> Result<String> {
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
    let mut text = String::new();
    match model.predict(&x)? {
        Predictions::Classes { class, probabilities, names } => {
            text += "file\tclass\tprobability\n";
            for ((path, c), p) in inputs.iter().zip(class).zip(probabilities.chunks_exact(names.len())) {
                text += &format!("{}\t{}\t{:.4}\n", path.display(), names[c], p[c]);
            }
        }
        Predictions::Values { values, width, .. } => {
            let columns: Vec<String> = (0..width).map(|j| format!("output_{j}")).collect();
            text += &format!("file\t{}\n", columns.join("\t"));
            for (path, row) in inputs.iter().zip(values.chunks_exact(width)) {
                let row: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                text += &format!("{}\t{}\n", path.display(), row.join("\t"));
            }
        }
    }
    Ok(text)
}

/// The rows of every input table, predicted, as one CSV text; a category training did not see
/// is a warning on stderr, or with `strict` an error.
fn predict_tables(model: &Model, inputs: &[PathBuf], strict: bool) -> Result<String> {
    let mut x = Vec::new();
    for path in inputs {
        let encoded = model.features_of(&read_table(path)?, strict)?;
        encoded.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
        x.extend(encoded.x);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let write_err = |e: csv::Error| anyhow::anyhow!("writing CSV: {e}");
    match model.predict(&x)? {
        Predictions::Classes { class, probabilities, names } => {
            let target = model.preprocessing.schema.as_ref().map_or("prediction".to_string(), |s| s.targets[0].clone());
            let mut header = vec![target];
            header.extend(names.iter().map(|n| format!("p_{n}")));
            w.write_record(&header).map_err(write_err)?;
            for (c, p) in class.iter().zip(probabilities.chunks_exact(names.len())) {
                let mut record = vec![names[*c].clone()];
                record.extend(p.iter().map(|p| format!("{p:.6}")));
                w.write_record(&record).map_err(write_err)?;
            }
        }
        Predictions::Values { values, width, names } => {
            let single = || if width == 1 { vec!["prediction".to_string()] } else { Vec::new() };
            let header = names
                .or_else(|| Some(single()).filter(|h| !h.is_empty()))
                .unwrap_or_else(|| (0..width).map(|j| format!("output_{j}")).collect());
            w.write_record(&header).map_err(write_err)?;
            for row in values.chunks_exact(width) {
                w.write_record(row.iter().map(|v| v.to_string())).map_err(write_err)?;
            }
        }
    }
    Ok(String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("writing CSV: {e}"))?)?)
}

/// An input table, read as [`Table::read`] reads training data (CSV/TSV, gzip-compressed or not,
/// or Parquet); an image given to a table model is refused with a word on why.
fn read_table(path: &Path) -> Result<Table> {
    use std::io::Read;
    let mut head = Vec::new();
    let peeked = std::fs::File::open(path).and_then(|f| f.take(8).read_to_end(&mut head));
    peeked.map_err(|e| Error::io(path, e))?;
    if looks_like_image(&head) {
        return Err(
            Error::format(path, "is an image, but this model takes CSV rows (it was not trained on images)").into()
        );
    }
    Ok(Table::read(path)?)
}

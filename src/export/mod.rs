//! Models on the way out — an ONNX graph for ONNX Runtime, a PyTorch state dict — and PyTorch
//! networks on the way in (`--init-from`).
//!
//! [`onnx`] builds one graph that takes what `neuralnet predict` takes and returns what it
//! prints: the inputs (`table`: pixels, or one input per table column with the imputation, the
//! one-hot categories and the standardisation), the layers (`layers`: `Gemm` + activation),
//! then `probabilities` and `label` (the class name) for classification, or `values` in the
//! targets' units for regression. Opset 19 of the default domain (string `Equal`), IR version 9.
//! [`torch_state_dict`] writes the network under `torch.nn.Sequential` key names with the lines
//! that build it; `torch.rs` also reads such a file back (`--init-from`).

mod graph;
mod layers;
mod table;
mod torch;

pub use torch::{TorchExport, torch_module, torch_state_dict};

use crate::atomic::write_atomic;
use crate::data::columns::ColumnType;
use crate::data::csv::{Schema, Task};
use crate::error::{Error, Result};
use crate::model::Model;
use onnx_protobuf::{Message, ModelProto, OperatorSetIdProto, StringStringEntryProto};
use std::path::{Path, PathBuf};

/// The opset of the default ONNX domain the graph uses (19: `Equal` on strings).
pub const OPSET: i64 = 19;
/// The ONNX IR version of the file (9, the one of opset 19).
pub const IR_VERSION: i64 = 9;

/// The ONNX model (protobuf bytes) of `model`: raw inputs in, `probabilities` and `label`
/// (classification) or `values` (regression) out; see the module documentation.
pub fn onnx(model: &Model) -> Result<Vec<u8>> {
    let net = &model.network;
    let outputs: &[&str] = match model.task() {
        Task::Classification => &["probabilities", "label"],
        Task::Regression => &["values"],
    };
    if let Some(schema) = &model.preprocessing.schema
        && let Some(name) = schema.features.iter().find(|f| outputs.contains(&f.as_str()))
    {
        let why = format!("column '{name}' has the name of a graph output ({})", outputs.join(", "));
        return Err(Error::config("--onnx", why));
    }
    let doc = "neuralnet model: raw inputs in; class probabilities and label, or values, out";
    let mut g = graph::Graph::new("neuralnet", doc);
    let x = table::inputs(&mut g, &model.preprocessing, net.n_inputs());
    let a = layers::network(&mut g, net, &x);
    let output = *net.activations().last().expect("a layer");
    match (model.task(), &model.class_names) {
        (Task::Classification, Some(names)) => layers::classes(&mut g, &a, output, names),
        _ => layers::values(&mut g, &a, net.n_outputs()),
    }
    let mut proto = ModelProto::new();
    proto.ir_version = IR_VERSION;
    proto.producer_name = "neuralnet".into();
    proto.producer_version = env!("CARGO_PKG_VERSION").into();
    proto.doc_string = doc.into();
    let mut opset = OperatorSetIdProto::new();
    opset.version = OPSET;
    proto.opset_import = vec![opset];
    proto.metadata_props = metadata(model);
    proto.graph = Some(g.proto).into();
    proto.write_to_bytes().map_err(|e| Error::Internal(format!("encoding the ONNX graph: {e}")))
}

/// Writes [`onnx`] of `model` to `path` atomically.
pub fn write_onnx(model: &Model, path: &Path) -> Result<()> {
    write_atomic(path, &onnx(model)?)
}

/// Writes [`torch_state_dict`] of `model` to `path` and its Python lines beside it (`path` with
/// the extension `.py`), each atomically; returns the Python file's path and the lines.
pub fn write_torch(model: &Model, path: &Path) -> Result<(PathBuf, String)> {
    let file_name = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into());
    let export = torch_state_dict(model, &file_name)?;
    let py = path.with_extension("py");
    if py == path {
        return Err(Error::config("--torch", format!("{}: name the state dict .safetensors", path.display())));
    }
    write_atomic(path, &export.safetensors)?;
    write_atomic(&py, export.python.as_bytes())?;
    Ok((py, export.python))
}

/// A name for each network input of a table model: the column (a number), `column (missing)`
/// (its missing indicator), `column=category` (a one-hot input).
pub fn feature_names(schema: &Schema) -> Vec<String> {
    let mut names = Vec::new();
    for c in &schema.columns {
        match c.kind {
            ColumnType::Numeric => {
                names.push(c.name.clone());
                if c.indicator {
                    names.push(format!("{} (missing)", c.name));
                }
            }
            ColumnType::Categorical | ColumnType::Boolean => {
                names.extend(c.categories.iter().map(|k| format!("{}={k}", c.name)))
            }
            ColumnType::Ignored => {}
        }
    }
    names
}

/// The graph's metadata: neuralnet's version, the layer sizes and activations, the task, the
/// class names, the input columns and what the inputs are.
fn metadata(model: &Model) -> Vec<StringStringEntryProto> {
    let net = &model.network;
    let join = |v: Vec<String>| v.join(",");
    let mut entries = vec![
        ("neuralnet_version", env!("CARGO_PKG_VERSION").to_string()),
        ("sizes", join(net.sizes().iter().map(usize::to_string).collect())),
        ("activations", join(net.activations().iter().map(|a| a.to_string()).collect())),
        ("task", model.task().to_string()),
    ];
    let json = |v: &Vec<String>| serde_json::to_string(v).expect("strings serialize");
    if let Some(names) = &model.class_names {
        entries.push(("class_names", json(names)));
    }
    if let Some(d) = &model.dataset {
        entries.push(("dataset", d.clone()));
    }
    let pre = &model.preprocessing;
    if let Some((h, w)) = pre.image_shape {
        entries.push(("image_shape", format!("{h},{w}")));
        entries.push(("input", "pixels row by row, scaled to [0, 1]".into()));
    }
    if let Some(schema) = &pre.schema {
        entries.push(("feature_columns", json(&schema.features)));
        entries.push(("target_names", json(&schema.targets)));
    }
    entries
        .into_iter()
        .map(|(k, v)| {
            let mut e = StringStringEntryProto::new();
            (e.key, e.value) = (k.to_string(), v);
            e
        })
        .collect()
}

/// Each layer's weight (n_out × n_in, row-major) and bias, in order.
pub(crate) type Layers = Vec<(Vec<f32>, Vec<f32>)>;

/// The layer sizes and each layer's (weight, bias) of a file `--init-from` names: a neuralnet
/// model, or a PyTorch `nn.Sequential` state dict (see `torch.rs`).
pub(crate) fn initial_layers(path: &Path) -> Result<(Vec<usize>, Layers)> {
    let len = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
    if len > crate::model::MAX_MODEL_BYTES {
        return Err(Error::format(path, format!("is {len} bytes, more than a model file may be")));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if !is_torch_state_dict(&bytes) {
        let net = Model::from_bytes(&bytes, path)?.network;
        let layers = (0..net.n_layers()).map(|l| (net.weight(l).to_vec(), net.bias(l).to_vec())).collect();
        return Ok((net.sizes().to_vec(), layers));
    }
    torch::read_state_dict(&bytes, path)
}

/// A safetensors file that is not a neuralnet model (no `format` = neuralnet metadata, no
/// `layers.*` tensors): read as a PyTorch state dict.
fn is_torch_state_dict(bytes: &[u8]) -> bool {
    let Ok((_, meta)) = safetensors::SafeTensors::read_metadata(bytes) else { return false };
    let neuralnet = meta.metadata().as_ref().and_then(|m| m.get("format")).is_some_and(|f| f.starts_with("neuralnet/"));
    !neuralnet && !meta.tensors().keys().any(|k| k.starts_with("layers."))
}

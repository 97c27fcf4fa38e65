//! PyTorch state dicts, both ways. Out: the network's weights as safetensors under the key names
//! of a `torch.nn.Sequential` of `nn.Linear` layers each followed by its activation module
//! (`0.weight`, `0.bias`, `2.weight`, …: module 2l is layer l's `nn.Linear`, module 2l + 1 its
//! activation), float32, weight [n_out, n_in] as `nn.Linear` stores it, with the Python lines that
//! build the matching `nn.Sequential`. In: such a file saved from PyTorch
//! (`safetensors.torch.save_file(model.state_dict(), path)`), read for `--init-from`.

use super::{Layers, feature_names};
use crate::activation::{Activation, LEAKY_SLOPE};
use crate::error::{Error, Result};
use crate::model::Model;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// A network as a PyTorch state dict.
#[derive(Debug, Clone, PartialEq)]
pub struct TorchExport {
    /// The safetensors file's bytes (`0.weight`, `0.bias`, …, float32).
    pub safetensors: Vec<u8>,
    /// Python lines building the matching `nn.Sequential` and loading the file with
    /// `strict=True`; the file is named by `file_name`.
    pub python: String,
}

/// The `torch.nn` module of an activation. PyTorch's `Hardsigmoid` is ReLU6(z + 3)/6, the same
/// function as ours (slope 1/6 between −3 and 3), computed in another order (a rounding apart).
pub fn torch_module(act: Activation) -> String {
    match act {
        Activation::Sigmoid => "nn.Sigmoid()".into(),
        Activation::Relu => "nn.ReLU()".into(),
        Activation::LeakyRelu => format!("nn.LeakyReLU(negative_slope={LEAKY_SLOPE})"),
        Activation::HardSigmoid => "nn.Hardsigmoid()".into(),
        Activation::Tanh => "nn.Tanh()".into(),
        Activation::Identity => "nn.Identity()".into(),
        Activation::Softmax => "nn.Softmax(dim=1)".into(),
    }
}

/// The network of `model` as a PyTorch state dict, with the Python lines that load the file
/// `file_name` into an `nn.Sequential`. Only the network: a table model's preprocessing is not
/// in it (the lines say what its inputs are; the ONNX export has the preprocessing).
pub fn torch_state_dict(model: &Model, file_name: &str) -> Result<TorchExport> {
    let net = &model.network;
    let mut tensors: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::new();
    for l in 0..net.n_layers() {
        let (n_in, n_out) = (net.sizes()[l], net.sizes()[l + 1]);
        let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        tensors.push((format!("{}.weight", 2 * l), bytes(net.weight(l)), vec![n_out, n_in]));
        tensors.push((format!("{}.bias", 2 * l), bytes(net.bias(l)), vec![n_out]));
    }
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .map(|(name, bytes, shape)| {
            (name.clone(), TensorView::new(Dtype::F32, shape.clone(), bytes).expect("sizes agree"))
        })
        .collect();
    let info = HashMap::from([("format".to_string(), "pt".to_string())]);
    let safetensors =
        safetensors::serialize(views, Some(info)).map_err(|e| Error::Internal(format!("serialize: {e}")))?;
    Ok(TorchExport { safetensors, python: python_lines(model, file_name) })
}

/// The Python lines that build the `nn.Sequential` of `model` and load `file_name` into it.
fn python_lines(model: &Model, file_name: &str) -> String {
    let net = &model.network;
    let sizes: Vec<String> = net.sizes().iter().map(usize::to_string).collect();
    let mut py =
        format!("# neuralnet {} network {} as torch.nn.Sequential.\n", env!("CARGO_PKG_VERSION"), sizes.join("-"));
    py += &inputs_comment(model);
    py += "import torch\nfrom torch import nn\nfrom safetensors.torch import load_file\n\nmodel = nn.Sequential(\n";
    for (l, &act) in net.activations().iter().enumerate() {
        py += &format!("    nn.Linear({}, {}),\n    {},\n", net.sizes()[l], net.sizes()[l + 1], torch_module(act));
    }
    py += ")\n";
    py += &format!("model.load_state_dict(load_file({}), strict=True)\n", python_string(file_name));
    py
}

/// A comment on what the network's inputs are.
fn inputs_comment(model: &Model) -> String {
    let pre = &model.preprocessing;
    let n = model.network.n_inputs();
    match (&pre.schema, pre.image_shape) {
        (Some(schema), _) => {
            let names = feature_names(schema);
            format!(
                "# Inputs: the {n} preprocessed features of a table row, in this order: {}.\n\
                 # This is the network only: numbers standardised (x - mean)/std with the training\n\
                 # statistics, missing numbers imputed with an indicator, categories one-hot. The model\n\
                 # file (metadata input_mean, input_std, columns) holds them; `neuralnet export --onnx`\n\
                 # gives a graph that takes the raw columns.\n",
                names.join(", ")
            )
        }
        (None, Some((h, w))) => format!("# Inputs: {h}x{w} image pixels row by row, scaled to [0, 1] ({n} per row).\n"),
        (None, None) => format!("# Inputs: {n} numbers per row, as the model was trained on them.\n"),
    }
}

/// `s` as a Python string literal.
fn python_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The layers of a PyTorch state dict, in module order: sizes (input first) and each layer's
/// weight (n_out × n_in, row-major) and bias. `path` names the file in errors.
pub(crate) fn read_state_dict(bytes: &[u8], path: &Path) -> Result<(Vec<usize>, Layers)> {
    let bad = |what: String| Error::format(path, what);
    let st = SafeTensors::deserialize(bytes).map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let mut modules: BTreeMap<usize, BTreeMap<String, TensorView>> = BTreeMap::new();
    let mut tensors = st.tensors();
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, view) in tensors {
        let parsed = key.split_once('.').and_then(|(i, p)| i.parse::<usize>().ok().map(|i| (i, p)));
        let Some((index, param)) = parsed else {
            return Err(bad(format!(
                "key '{key}' is not a torch.nn.Sequential key (0.weight, 0.bias, ...); save the state dict of a plain nn.Sequential"
            )));
        };
        modules.entry(index).or_default().insert(param.to_string(), view);
    }
    if modules.is_empty() {
        return Err(bad("has no tensors".into()));
    }
    let mut sizes = Vec::new();
    let mut layers = Vec::new();
    for (index, params) in &modules {
        let (w, b, n_in, n_out) = linear(*index, params).map_err(bad)?;
        match sizes.last() {
            None => sizes.push(n_in),
            Some(&prev) if prev != n_in => {
                return Err(bad(format!(
                    "module {index} (nn.Linear) takes {n_in} inputs but the layer before gives {prev}"
                )));
            }
            Some(_) => {}
        }
        sizes.push(n_out);
        layers.push((w, b));
    }
    Ok((sizes, layers))
}

/// The weight, bias and shape of module `index` if it is an `nn.Linear` (a 2-D `weight` and a
/// `bias` of as many outputs, float32 or float64); else a line saying what it looks like.
fn linear(
    index: usize,
    params: &BTreeMap<String, TensorView>,
) -> std::result::Result<(Vec<f32>, Vec<f32>, usize, usize), String> {
    let describe = || {
        let parts: Vec<String> = params.iter().map(|(k, v)| format!("{k} {:?}", v.shape())).collect();
        parts.join(", ")
    };
    let unsupported = |why: &str| {
        format!(
            "module {index} has {}: {why}; only nn.Linear layers and parameter-free activations come in",
            describe()
        )
    };
    if let Some(other) = params.keys().find(|k| *k != "weight" && *k != "bias") {
        return Err(unsupported(&format!("'{other}' is not a parameter of nn.Linear")));
    }
    let (Some(w), Some(b)) = (params.get("weight"), params.get("bias")) else {
        return Err(unsupported("nn.Linear needs a weight and a bias (bias=False is not supported)"));
    };
    let &[n_out, n_in] = w.shape() else {
        return Err(unsupported("the weight is not 2-D, so this is not an nn.Linear"));
    };
    if b.shape() != [n_out] {
        return Err(unsupported(&format!("the bias does not have the weight's {n_out} outputs")));
    }
    Ok((floats(w).map_err(|e| unsupported(&e))?, floats(b).map_err(|e| unsupported(&e))?, n_in, n_out))
}

/// A tensor's values as f32 (float32, or float64 rounded).
fn floats(v: &TensorView) -> std::result::Result<Vec<f32>, String> {
    let data = v.data();
    match v.dtype() {
        Dtype::F32 => Ok(data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect()),
        Dtype::F64 => {
            Ok(data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32).collect())
        }
        other => Err(format!("dtype {other:?} is not float32 or float64")),
    }
}

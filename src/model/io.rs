//! Model files: safetensors with tensors `layers.{i}.weight` (`[n_out, n_in]`) and `layers.{i}.bias`
//! (`[n_out]`), i from 0, and string metadata `format` = `neuralnet/1`, `sizes`, `activations`,
//! `cost`, a CRC-32 of the tensor data (`checksum`), and, where known, class names, image shape,
//! input normalisation (`input_mean`, `input_std`), the table's schema (`feature_names`,
//! `target_names`, `task`) and dataset. Anything that reads safetensors can run the model (see
//! `scripts/numpy_forward.py`). Files are written atomically, with sorted metadata, so the same
//! model always gives the same bytes.

use super::Model;
use crate::activation::Activation;
use crate::cost::Cost;
use crate::data::csv::Schema;
use crate::error::{Error, Result};
use crate::network::Network;
use crate::preprocess::{Preprocessing, Standardizer};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
use std::path::Path;

/// The value of the `format` metadata key this version writes and reads.
pub const FORMAT: &str = "neuralnet/1";

/// Largest model file [`Model::load`] accepts (bytes), checked before reading.
pub const MAX_MODEL_BYTES: u64 = 4 << 30;

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",")
}

/// The safetensors bytes of `model`.
pub(super) fn to_bytes(model: &Model) -> Result<Vec<u8>> {
    let net = &model.network;
    let mut tensors: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::new();
    let mut crc = crc32fast::Hasher::new();
    for l in 0..net.n_layers() {
        let (n_in, n_out) = (net.sizes()[l], net.sizes()[l + 1]);
        for (name, values, shape) in [("weight", net.weight(l), vec![n_out, n_in]), ("bias", net.bias(l), vec![n_out])]
        {
            let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            crc.update(&bytes);
            tensors.push((format!("layers.{l}.{name}"), bytes, shape));
        }
    }
    let mut info: HashMap<String, String> = model.extra.clone().into_iter().collect();
    info.insert("format".into(), FORMAT.into());
    info.insert("sizes".into(), join(net.sizes()));
    info.insert("activations".into(), join(net.activations()));
    info.insert("cost".into(), net.cost().to_string());
    info.insert("checksum".into(), format!("crc32:{:08x}", crc.finalize()));
    if let Some(d) = &model.dataset {
        info.insert("dataset".into(), d.clone());
    }
    if let Some(c) = &model.class_names {
        info.insert("class_names".into(), serde_json::to_string(c).expect("strings serialize"));
    }
    let pre = &model.preprocessing;
    if let Some((h, w)) = pre.image_shape {
        info.insert("image_shape".into(), format!("{h},{w}"));
    }
    if let Some(s) = &pre.input {
        info.insert("input_mean".into(), join(&s.mean));
        info.insert("input_std".into(), join(&s.std));
    }
    if let Some(schema) = &pre.schema {
        schema.to_metadata(&mut info);
    }
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .map(|(name, bytes, shape)| {
            (name.clone(), TensorView::new(Dtype::F32, shape.clone(), bytes).expect("sizes agree"))
        })
        .collect();
    safetensors::serialize(views, Some(info))
        .map(crate::canonical::sort_metadata)
        .map_err(|e| Error::LinAlg(format!("serialize: {e}")))
}

/// Reads a model file, checking its size before reading it.
pub(super) fn read(path: &Path) -> Result<Model> {
    let len = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
    if len > MAX_MODEL_BYTES {
        return Err(Error::format(path, format!("{len} bytes is larger than any model this version writes")));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(&bytes, path)
}

/// Parses model bytes, checking the format, shapes and checksum; `path` names the source in errors.
pub(super) fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
    let bad = |what: String| Error::format(path, what);
    let st = SafeTensors::deserialize(bytes).map_err(|e| bad(format!("not a valid safetensors file ({e})")))?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| bad(format!("bad safetensors header ({e})")))?;
    let info = header.metadata().clone().unwrap_or_default();
    let get = |key: &str| info.get(key).ok_or_else(|| bad(format!("metadata has no '{key}' (not a neuralnet model?)")));
    let format = get("format")?;
    if format != FORMAT {
        return Err(bad(format!("format '{format}' is not supported (this version reads {FORMAT})")));
    }
    let sizes: Vec<usize> = parse_list(get("sizes")?, "sizes", path)?;
    let activations: Vec<Activation> = parse_list(get("activations")?, "activations", path)?;
    let cost: Cost = get("cost")?.parse().map_err(|e: String| bad(e))?;
    // Every parameter takes at least 4 bytes of the file: refuse sizes the data cannot hold before
    // allocating the network they imply.
    match param_count(&sizes) {
        Some(n) if n <= bytes.len() / 4 => {}
        _ => return Err(bad(format!("metadata 'sizes' {sizes:?} implies more parameters than the file holds"))),
    }
    let mut net = Network::with_activations(&sizes, activations, cost).map_err(|e| bad(format!("metadata: {e}")))?;
    let mut crc = crc32fast::Hasher::new();
    for l in 0..net.n_layers() {
        let (n_in, n_out) = (sizes[l], sizes[l + 1]);
        let (w_range, b_range) = net.layer_ranges(l);
        for (name, range, shape) in [("weight", w_range, vec![n_out, n_in]), ("bias", b_range, vec![n_out])] {
            let key = format!("layers.{l}.{name}");
            let t = st.tensor(&key).map_err(|_| bad(format!("missing tensor {key}")))?;
            if t.shape() != shape.as_slice() {
                return Err(bad(format!("tensor {key} has shape {:?}, sizes say {shape:?}", t.shape())));
            }
            crc.update(t.data());
            let dst = &mut net.params_mut()[range];
            match t.dtype() {
                Dtype::F32 => dst
                    .iter_mut()
                    .zip(t.data().chunks_exact(4))
                    .for_each(|(d, c)| *d = f32::from_le_bytes(c.try_into().expect("4 bytes"))),
                Dtype::F64 => dst
                    .iter_mut()
                    .zip(t.data().chunks_exact(8))
                    .for_each(|(d, c)| *d = f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32),
                other => return Err(bad(format!("tensor {key} has dtype {other:?}; expected F32 or F64"))),
            }
        }
    }
    if let Some(want) = info.get("checksum") {
        let got = format!("crc32:{:08x}", crc.finalize());
        if *want != got {
            return Err(bad(format!(
                "tensor data checksum mismatch ({got}, metadata says {want}): the file is corrupt"
            )));
        }
    }
    from_metadata(net, &info, path)
}

/// Number of weights and biases of a network with layer `sizes`, or `None` on overflow.
pub(crate) fn param_count(sizes: &[usize]) -> Option<usize> {
    sizes.windows(2).try_fold(0usize, |acc, s| s[1].checked_mul(s[0])?.checked_add(s[1])?.checked_add(acc))
}

fn parse_list<T: std::str::FromStr>(s: &str, key: &str, path: &Path) -> Result<Vec<T>>
where
    T::Err: std::fmt::Display,
{
    s.split(',')
        .map(|v| v.trim().parse::<T>().map_err(|e| Error::format(path, format!("metadata '{key}': {e}"))))
        .collect()
}

/// The model of `net` with what its metadata `info` says.
fn from_metadata(network: Network<f32>, info: &HashMap<String, String>, path: &Path) -> Result<Model> {
    let known = [
        "format",
        "sizes",
        "activations",
        "cost",
        "checksum",
        "dataset",
        "class_names",
        "image_shape",
        "input_mean",
        "input_std",
    ];
    let known = |k: &str| known.contains(&k) || Schema::METADATA_KEYS.contains(&k);
    let class_names = match info.get("class_names") {
        Some(s) => {
            Some(serde_json::from_str(s).map_err(|e| Error::format(path, format!("metadata 'class_names': {e}")))?)
        }
        None => None,
    };
    let image_shape = match info.get("image_shape") {
        Some(s) => match parse_list::<usize>(s, "image_shape", path)?.as_slice() {
            [h, w] => Some((*h, *w)),
            _ => return Err(Error::format(path, "metadata 'image_shape' must be H,W")),
        },
        None => None,
    };
    let input = match (info.get("input_mean"), info.get("input_std")) {
        (Some(m), Some(s)) => {
            let (mean, std): (Vec<f32>, Vec<f32>) =
                (parse_list(m, "input_mean", path)?, parse_list(s, "input_std", path)?);
            if mean.len() != network.n_inputs() || std.len() != network.n_inputs() {
                let what = format!("metadata 'input_mean'/'input_std' need {} values each", network.n_inputs());
                return Err(Error::format(path, what));
            }
            Some(Standardizer { mean, std })
        }
        _ => None,
    };
    let schema = Schema::from_metadata(info, class_names.as_ref(), path)?;
    Ok(Model {
        network,
        preprocessing: Preprocessing { schema, input, image_shape },
        class_names,
        dataset: info.get("dataset").cloned(),
        extra: info.iter().filter(|(k, _)| !known(k)).map(|(k, v)| (k.clone(), v.clone())).collect(),
    })
}

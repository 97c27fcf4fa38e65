//! Reading a checkpoint back: the safetensors file checked (format, checksum, sizes against the
//! data present) before anything in it is trusted, then the configuration, the plan, the weights
//! and the training state rebuilt from it.

use super::{Checkpoint, FORMAT, MAX_CHECKPOINT_BYTES, StateMeta, file_in, unhex32};
use crate::config::{Plan, Precision, TrainConfig};
use crate::error::{Error, Result};
use crate::model::param_count;
use crate::optim::OptimState;
use crate::train::events::EpochStats;
use crate::train::state::{Best, TrainState};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use safetensors::tensor::{Dtype, SafeTensors};
use std::collections::HashMap;
use std::path::Path;

/// Reads the checkpoint in directory `dir` (or the file itself, if `dir` names a file).
pub fn load(dir: &Path) -> Result<Checkpoint> {
    let path = if dir.is_dir() { file_in(dir) } else { dir.to_path_buf() };
    let len = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?.len();
    if len > MAX_CHECKPOINT_BYTES {
        return Err(Error::format(&path, format!("{len} bytes is larger than any checkpoint this version writes")));
    }
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    from_bytes(&bytes, &path)
}

/// Parses checkpoint bytes; `path` names the source in errors. Every size is checked against the
/// data present before anything is allocated, and the checksum before anything is trusted.
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Checkpoint> {
    let bad = |what: String| Error::format(path, what);
    let st = SafeTensors::deserialize(bytes).map_err(|e| bad(format!("not a valid safetensors file ({e})")))?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| bad(format!("bad safetensors header ({e})")))?;
    let info = Info { map: header.metadata().clone().unwrap_or_default(), path };
    let format = info.get("format")?;
    if format != FORMAT {
        let why = "checkpoints of other versions cannot be resumed; start the run again";
        return Err(bad(format!("format '{format}' is not supported (this version reads {FORMAT}; {why})")));
    }
    // Checksum first: a flipped byte anywhere in the tensor data is reported as corruption.
    let mut crc = crc32fast::Hasher::new();
    for name in ["params", "optim.m", "optim.v", "best.params", "order"] {
        if let Ok(t) = st.tensor(name) {
            crc.update(t.data());
        }
    }
    let (got, want) = (format!("crc32:{:08x}", crc.finalize()), info.get("checksum")?);
    if *want != got {
        return Err(bad(format!("tensor data checksum mismatch ({got}, metadata says {want}): the file is corrupt")));
    }
    let (config, plan): (TrainConfig, Plan) = (info.typed("config")?, info.typed("plan")?);
    let meta: StateMeta = info.typed("state")?;
    let layers = &plan.network.layers;
    let n_params = param_count(layers)
        .filter(|&n| n > 0)
        .ok_or_else(|| bad(format!("metadata 'plan': layers {layers:?} are not a network")))?;
    if meta.optimizer != plan.optimizer() {
        let why =
            format!("metadata 'state': optimizer {} differs from the plan's {}", meta.optimizer, plan.optimizer());
        return Err(bad(why));
    }
    let tensors = Tensors { st: &st, path, n_params, precision: plan.precision };
    let params = tensors.floats("params")?;
    let state = state(meta, info.typed("history")?, &plan, &tensors)?;
    Ok(Checkpoint { config, data: info.get("data")?.clone(), plan, params, state })
}

/// A checkpoint's string metadata; `path` names the file in errors.
struct Info<'a> {
    map: HashMap<String, String>,
    path: &'a Path,
}

impl Info<'_> {
    fn get(&self, key: &str) -> Result<&String> {
        let why = || format!("metadata has no '{key}' (not a neuralnet checkpoint?)");
        self.map.get(key).ok_or_else(|| Error::format(self.path, why()))
    }

    /// The JSON value under `key` as a `T`.
    fn typed<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<T> {
        serde_json::from_str(self.get(key)?).map_err(|e| Error::format(self.path, format!("metadata '{key}': {e}")))
    }
}

/// A checkpoint's tensors, read as the run's float type and checked against its parameter count.
struct Tensors<'a> {
    st: &'a SafeTensors<'a>,
    path: &'a Path,
    n_params: usize,
    precision: Precision,
}

impl Tensors<'_> {
    fn bad(&self, what: String) -> Error {
        Error::format(self.path, what)
    }

    /// The parameter-sized tensor `name` (in f64, which holds an f32 run's values exactly).
    fn floats(&self, name: &str) -> Result<Vec<f64>> {
        let dtype = match self.precision {
            Precision::F32 => Dtype::F32,
            Precision::F64 => Dtype::F64,
        };
        let t = self.st.tensor(name).map_err(|_| self.bad(format!("missing tensor {name}")))?;
        if t.dtype() != dtype || t.shape() != [self.n_params] {
            let (got, shape) = (t.dtype(), t.shape());
            return Err(self.bad(format!("tensor {name} is {got:?} {shape:?}; expected {dtype:?} [{}]", self.n_params)));
        }
        Ok(match dtype {
            Dtype::F32 => {
                t.data().chunks_exact(4).map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect()
            }
            _ => t.data().chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect(),
        })
    }

    /// The sample order (U64 indices).
    fn order(&self) -> Result<Vec<usize>> {
        let t = self.st.tensor("order").map_err(|_| self.bad("missing tensor order".into()))?;
        if t.dtype() != Dtype::U64 || t.shape().len() != 1 {
            return Err(self.bad(format!("tensor order is {:?} {:?}; expected U64 [n]", t.dtype(), t.shape())));
        }
        t.data()
            .chunks_exact(8)
            .map(|c| usize::try_from(u64::from_le_bytes(c.try_into().expect("8 bytes"))))
            .collect::<std::result::Result<Vec<usize>, _>>()
            .map_err(|_| self.bad("tensor order holds an index too large for this machine".into()))
    }
}

/// The training state of a checkpoint: its scalar part `meta`, its history `epochs`, the
/// optimizer moments and best weights the plan's optimizer keeps, the order and the RNG.
fn state(meta: StateMeta, epochs: Vec<EpochStats>, plan: &Plan, tensors: &Tensors) -> Result<TrainState<f64>> {
    let (uses_m, uses_v) = plan.solver.moments();
    let moment = |used: bool, name: &str| if used { tensors.floats(name) } else { Ok(Vec::new()) };
    let (m, v) = (moment(uses_m, "optim.m")?, moment(uses_v, "optim.v")?);
    let best = match (meta.best_score, meta.best_epoch) {
        (Some(score), Some(epoch)) => Some(Best { score, epoch, params: tensors.floats("best.params")? }),
        (None, None) => None,
        _ => return Err(tensors.bad("metadata 'state': best_score and best_epoch must come together".into())),
    };
    let seed =
        unhex32(&meta.rng_seed).ok_or_else(|| tensors.bad("metadata 'state': rng_seed is not 64 hex digits".into()))?;
    let word_pos: u128 =
        meta.rng_word_pos.parse().map_err(|_| tensors.bad("metadata 'state': rng_word_pos is not a number".into()))?;
    let mut rng = ChaCha8Rng::from_seed(seed);
    rng.set_stream(meta.rng_stream);
    rng.set_word_pos(word_pos);
    Ok(TrainState {
        epoch: meta.epoch,
        batch: meta.batch,
        order: tensors.order()?,
        eta: meta.eta,
        best,
        since_best: meta.since_best,
        halvings: meta.halvings,
        updates: meta.updates,
        epochs,
        opt: OptimState { solver: plan.solver.clone(), m, v, t: meta.optimizer_steps },
        rng,
        seconds: meta.seconds,
        epoch_seconds: meta.epoch_seconds,
        stop_reason: meta.stop_reason,
    })
}

//! Fuzzing every parser of user files with proptest: IDX (raw and gzip), safetensors models,
//! checkpoints and TOML configs. Inputs are valid seeds from `tests/corpus/` mutated by bit flips,
//! byte sets, truncation, insertion, deletion, "interesting" integers (0, 2³²−1, 2⁶⁴−1, ...) and,
//! for safetensors, edits of the JSON header (numbers in shapes/offsets, metadata values, fields of
//! the JSON inside metadata) with the length prefix and checksum optionally repaired so the
//! mutation reaches the parser's deeper checks. A parser passes when it returns `Ok` or `Err` for
//! every input: a panic (or an abort from a huge allocation) fails the test.
//!
//! CI runs `FUZZ_CASES` cases per parser (default 300). For long local runs set `FUZZ_SECONDS`
//! (e.g. `FUZZ_SECONDS=600 cargo test --release --test fuzz_parsers -- --nocapture`): each parser
//! then runs batches of cases until that much time has passed and prints its execution count.
//! Every file in `tests/corpus/` (seeds and past crashes) is also replayed as a regression test.

use neuralnet::Model;
use neuralnet::TrainConfig;
use neuralnet::data::idx::parse_idx;
use neuralnet::train::checkpoint;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn corpus(kind: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(kind);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).expect("corpus file"))).collect()
}

const INTERESTING: [u64; 11] = [
    0,
    1,
    0x7f,
    0xff,
    0x7fff_ffff,
    0xffff_ffff,
    4_000_000_000,
    1 << 40,
    1_099_511_627_776,
    u64::MAX,
    0x8000_0000_0000_0000,
];
const NUMBERS: [&str; 9] =
    ["0", "1", "3", "4294967295", "1099511627776", "18446744073709551615", "99999999999999999999999", "-1", "1e3"];
const VALUES: [&str; 22] = [
    "",
    "neuralnet/1",
    "neuralnet/2",
    "neuralnet-checkpoint/1",
    "neuralnet-checkpoint/2",
    "1,2",
    "2,3,2",
    "0,0",
    "2,0,2",
    "4294967295,4294967295,4294967295",
    "18446744073709551615,2",
    "3037000500,3037000500",
    "relu,softmax",
    "softmax,softmax",
    "bogus",
    "{}",
    "[]",
    "null",
    "crc32:00000000",
    "8,8",
    "[\"a\"]",
    "1,2,3,4,5,6,7,8,9",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Interesting(usize, usize, bool, bool),
    HeaderNumber(usize, usize, bool),
    MetaValue(usize, usize),
    MetaJson(usize, usize, usize),
    FixChecksum,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Set(p, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16)).prop_map(|(p, b)| Mutation::Insert(p, b)),
        (any::<usize>(), 1usize..32).prop_map(|(p, n)| Mutation::Remove(p, n)),
        (any::<usize>(), 0..INTERESTING.len(), any::<bool>(), any::<bool>())
            .prop_map(|(p, v, be, wide)| Mutation::Interesting(p, v, be, wide)),
        (any::<usize>(), 0..NUMBERS.len(), any::<bool>()).prop_map(|(i, v, fix)| Mutation::HeaderNumber(i, v, fix)),
        (any::<usize>(), 0..VALUES.len()).prop_map(|(k, v)| Mutation::MetaValue(k, v)),
        (any::<usize>(), any::<usize>(), 0usize..8).prop_map(|(k, l, v)| Mutation::MetaJson(k, l, v)),
        Just(Mutation::FixChecksum),
    ]
}

/// Applies `f` to the parsed safetensors header and re-frames the file (length prefix, padding).
fn rewrite_header(bytes: &[u8], f: impl FnOnce(&mut serde_json::Value)) -> Option<Vec<u8>> {
    let n = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    let header = bytes.get(8..8usize.checked_add(n)?)?;
    let mut value: serde_json::Value = serde_json::from_slice(header).ok()?;
    f(&mut value);
    let mut text = serde_json::to_string(&value).ok()?.into_bytes();
    while !text.len().is_multiple_of(8) {
        text.push(b' ');
    }
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&text);
    out.extend_from_slice(&bytes[8 + n..]);
    Some(out)
}

fn json_leaf(v: &mut serde_json::Value, mut pick: usize, with: usize) {
    fn leaves(v: &mut serde_json::Value, out: &mut Vec<*mut serde_json::Value>) {
        match v {
            serde_json::Value::Object(m) => m.values_mut().for_each(|x| leaves(x, out)),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| leaves(x, out)),
            other => out.push(other as *mut _),
        }
    }
    let mut all = Vec::new();
    leaves(v, &mut all);
    if all.is_empty() {
        return;
    }
    pick %= all.len();
    let new = match with {
        0 => serde_json::json!(0),
        1 => serde_json::json!(-1),
        2 => serde_json::json!(1e308),
        3 => serde_json::json!(u64::MAX),
        4 => serde_json::json!("x"),
        5 => serde_json::Value::Null,
        6 => serde_json::json!([]),
        _ => serde_json::json!(4_000_000_000u64),
    };
    // SAFETY: the pointers come from one exclusive walk of `v` and only one is written.
    unsafe { *all[pick] = new };
}

/// Recomputes the `checksum` metadata the way the model (`model == true`) or checkpoint loader
/// checks it, so mutations of the metadata reach the checks after the checksum.
fn fix_checksum(bytes: &[u8], model: bool) -> Option<Vec<u8>> {
    let st = safetensors::SafeTensors::deserialize(bytes).ok()?;
    let mut crc = crc32fast::Hasher::new();
    if model {
        for l in 0.. {
            let (Ok(w), Ok(b)) = (st.tensor(&format!("layers.{l}.weight")), st.tensor(&format!("layers.{l}.bias")))
            else {
                break;
            };
            crc.update(w.data());
            crc.update(b.data());
        }
    } else {
        for name in ["params", "optim.m", "optim.v", "best.params", "order"] {
            if let Ok(t) = st.tensor(name) {
                crc.update(t.data());
            }
        }
    }
    let sum = format!("crc32:{:08x}", crc.finalize());
    rewrite_header(bytes, |h| {
        if let Some(m) = h.get_mut("__metadata__").and_then(|m| m.as_object_mut()) {
            m.insert("checksum".into(), sum.into());
        }
    })
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation, model: bool) {
    let len = bytes.len();
    match m {
        Mutation::Flip(p, b) if len > 0 => bytes[p % len] ^= 1 << b,
        Mutation::Set(p, b) if len > 0 => bytes[p % len] = *b,
        Mutation::Truncate(p) => bytes.truncate(p % (len + 1)),
        Mutation::Insert(p, b) => {
            let at = p % (len + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Mutation::Remove(p, n) if len > 0 => {
            let at = p % len;
            bytes.drain(at..(at + n).min(len));
        }
        Mutation::Interesting(p, v, be, wide) => {
            let v = INTERESTING[*v];
            let raw: Vec<u8> = match (wide, be) {
                (true, true) => v.to_be_bytes().to_vec(),
                (true, false) => v.to_le_bytes().to_vec(),
                (false, true) => (v as u32).to_be_bytes().to_vec(),
                (false, false) => (v as u32).to_le_bytes().to_vec(),
            };
            if len >= raw.len() {
                let at = p % (len - raw.len() + 1);
                bytes[at..at + raw.len()].copy_from_slice(&raw);
            }
        }
        Mutation::HeaderNumber(i, v, fix) => {
            // Replace the i-th run of digits in the header; with `fix`, re-frame the length prefix.
            let Some(n) = bytes.get(..8).map(|b| u64::from_le_bytes(b.try_into().unwrap()) as usize) else { return };
            let end = 8usize.saturating_add(n).min(len);
            let runs: Vec<(usize, usize)> = {
                let mut runs = Vec::new();
                let mut k = 8;
                while k < end {
                    if bytes[k].is_ascii_digit() {
                        let s = k;
                        while k < end && bytes[k].is_ascii_digit() {
                            k += 1;
                        }
                        runs.push((s, k));
                    } else {
                        k += 1;
                    }
                }
                runs
            };
            if runs.is_empty() {
                return;
            }
            let (s, e) = runs[i % runs.len()];
            bytes.splice(s..e, NUMBERS[*v].bytes());
            if *fix {
                let new_n = (n as i64 + NUMBERS[*v].len() as i64 - (e - s) as i64).max(0) as u64;
                bytes[..8].copy_from_slice(&new_n.to_le_bytes());
            }
        }
        Mutation::MetaValue(k, v) => {
            if let Some(out) = rewrite_header(bytes, |h| {
                if let Some(m) = h.get_mut("__metadata__").and_then(|m| m.as_object_mut())
                    && !m.is_empty()
                {
                    let key = m.keys().nth(k % m.len()).unwrap().clone();
                    m.insert(key, VALUES[*v].into());
                }
            }) {
                *bytes = out;
            }
        }
        Mutation::MetaJson(k, l, v) => {
            if let Some(out) = rewrite_header(bytes, |h| {
                if let Some(m) = h.get_mut("__metadata__").and_then(|m| m.as_object_mut())
                    && !m.is_empty()
                {
                    let key = m.keys().nth(k % m.len()).unwrap().clone();
                    if let Some(mut inner) =
                        m.get(&key).and_then(|s| s.as_str()).and_then(|s| serde_json::from_str(s).ok())
                    {
                        json_leaf(&mut inner, *l, *v);
                        m.insert(key, inner.to_string().into());
                    }
                }
            }) {
                *bytes = out;
            }
        }
        Mutation::FixChecksum => {
            if let Some(out) = fix_checksum(bytes, model) {
                *bytes = out;
            }
        }
        _ => {}
    }
}

/// Mutated seeds (most cases) or raw random bytes.
fn inputs(seeds: Vec<Vec<u8>>, model: bool) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    prop_oneof![
        9 => (0..n, proptest::collection::vec(mutation(), 0..6)).prop_map(move |(i, ms)| {
            let mut b = seeds[i].clone();
            ms.iter().for_each(|m| apply(&mut b, m, model));
            b
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..128),
    ]
}

/// Runs `target` on inputs from `strategy`: `FUZZ_CASES` cases, or batches until `FUZZ_SECONDS`.
fn fuzz<S: Strategy>(name: &str, strategy: S, target: impl Fn(S::Value))
where
    S::Value: std::fmt::Debug,
{
    let cases: u32 = std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    let seconds: Option<u64> = std::env::var("FUZZ_SECONDS").ok().and_then(|s| s.parse().ok());
    let deadline = seconds.map(|s| Instant::now() + Duration::from_secs(s));
    let executions = AtomicU64::new(0);
    let start = Instant::now();
    loop {
        let config = Config { cases, failure_persistence: None, max_shrink_iters: 2000, ..Config::default() };
        let mut runner = TestRunner::new(config);
        let result = runner.run(&strategy, |input| {
            executions.fetch_add(1, Ordering::Relaxed);
            target(input);
            Ok(())
        });
        if let Err(e) = result {
            panic!("fuzz {name}: {e}");
        }
        if deadline.is_none_or(|d| Instant::now() >= d) {
            break;
        }
    }
    eprintln!(
        "fuzz {name}: {} executions in {:.1} s, no crash",
        executions.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64()
    );
}

fn idx_target(bytes: &[u8]) {
    let p = Path::new("fuzz.idx");
    let _ = parse_idx(bytes, p);
    let _ = parse_idx(flate2::read::GzDecoder::new(bytes), p);
}

fn model_target(bytes: &[u8]) {
    if let Ok(model) = Model::from_bytes(bytes, Path::new("fuzz.safetensors"))
        && model.network.n_params() < 1 << 20
    {
        let x = vec![0.5f32; model.network.n_inputs()];
        let _ = model.predict(&x);
    }
}

fn checkpoint_target(bytes: &[u8]) {
    if let Ok(ck) = checkpoint::from_bytes(bytes, Path::new("fuzz-checkpoint.safetensors")) {
        let _ = ck.network::<f32>();
        let _ = ck.state.check_fits(&ck.plan, ck.state.order.len(), ck.params.len());
    }
}

fn toml_target(text: &str) {
    if let Ok(config) = TrainConfig::from_toml_str(text, Path::new("fuzz.toml"))
        && config.validate().is_ok()
    {
        let params = |l: &Vec<usize>| l.windows(2).try_fold(0usize, |a, w| a.checked_add(w[0].checked_mul(w[1])?));
        let small = config.network.layers.as_ref().is_none_or(|l| params(l).is_some_and(|n| n < 1 << 16));
        if small {
            for name in ["higham", "digits"] {
                let splits = neuralnet::data::builtin::load(name).expect("built in");
                let _ = config.resolve(&splits);
            }
        }
    }
}

#[test]
fn fuzz_idx() {
    let seeds = corpus("idx").into_iter().map(|(_, b)| b).collect();
    fuzz("idx", inputs(seeds, false), |b| idx_target(&b));
}

#[test]
fn fuzz_model() {
    let seeds = corpus("model").into_iter().map(|(_, b)| b).collect();
    fuzz("model", inputs(seeds, true), |b| model_target(&b));
}

#[test]
fn fuzz_checkpoint() {
    let seeds = corpus("checkpoint").into_iter().map(|(_, b)| b).collect();
    fuzz("checkpoint", inputs(seeds, false), |b| checkpoint_target(&b));
}

/// TOML: mutated seed files, and files assembled from known keys and odd values.
#[test]
fn fuzz_toml() {
    let seeds: Vec<Vec<u8>> = corpus("toml").into_iter().map(|(_, b)| b).collect();
    let keys = [
        "dataset",
        "data_dir",
        "train_size",
        "layers",
        "activation",
        "output_activation",
        "cost",
        "optimizer",
        "init",
        "init_scale",
        "epochs",
        "batch_size",
        "eta",
        "seed",
        "lambda",
        "momentum",
        "sampling",
        "schedule",
        "patience",
        "monitor_train",
        "init_from",
        "bogus",
    ];
    let values = [
        "0",
        "-1",
        "1e400",
        "nan",
        "inf",
        "18446744073709551615",
        "18446744073709551616",
        "\"relu\"",
        "\"softmax\"",
        "\"step:0:0.5\"",
        "\"step:1:nan\"",
        "\"halve-on-plateau:0\"",
        "\"halve-on-plateau:3\"",
        "[2, 3, 2]",
        "[64, 0, 10]",
        "[4294967295, 4294967295, 4294967295]",
        "[18446744073709551615, 2]",
        "[]",
        "true",
        "\"é\u{0}\"",
        "{ a = 1 }",
        "\"\"\"\nx\"\"\"",
    ];
    let assembled = proptest::collection::vec((0..keys.len(), 0..values.len()), 0..8).prop_map(move |kv| {
        kv.iter().map(|&(k, v)| format!("{} = {}\n", keys[k], values[v])).collect::<String>().into_bytes()
    });
    let strategy = prop_oneof![3 => inputs(seeds, false), 1 => assembled];
    fuzz("toml", strategy, |b| toml_target(&String::from_utf8_lossy(&b)));
}

/// Every corpus file — seeds and the inputs of crashes found so far — through its parser.
#[test]
fn corpus_replays_without_panic() {
    for (path, b) in corpus("idx") {
        eprintln!("{}", path.display());
        idx_target(&b);
    }
    for (_, b) in corpus("model") {
        model_target(&b);
    }
    for (_, b) in corpus("checkpoint") {
        checkpoint_target(&b);
    }
    for (_, b) in corpus("toml") {
        toml_target(&String::from_utf8_lossy(&b));
    }
}

/// The seeds themselves are valid: the fuzzers start from files the parsers accept.
#[test]
fn seeds_parse() {
    for (path, b) in corpus("model").into_iter().filter(|(p, _)| !p.to_string_lossy().contains("crash")) {
        Model::from_bytes(&b, &path).unwrap_or_else(|e| panic!("{e}"));
    }
    for (path, b) in corpus("checkpoint").into_iter().filter(|(p, _)| !p.to_string_lossy().contains("crash")) {
        checkpoint::from_bytes(&b, &path).unwrap_or_else(|e| panic!("{e}"));
    }
    for (path, b) in corpus("toml").into_iter().filter(|(p, _)| !p.to_string_lossy().contains("crash")) {
        TrainConfig::from_toml_str(&String::from_utf8_lossy(&b), &path).unwrap_or_else(|e| panic!("{e}"));
    }
}

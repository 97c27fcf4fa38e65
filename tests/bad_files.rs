//! Damaged and hostile files are refused with one clear line and exit code 2, through the binary:
//! truncated, flipped tensor byte (CRC-32), other format version, headers implying huge
//! allocations (a 1 TB tensor, 4e9 IDX images, sizes of 2³² neurons), for models and checkpoints.

mod common;

use common::*;
use std::path::Path;

fn model(dir: &Path) -> Vec<u8> {
    let out = arg(dir, "m.safetensors");
    let o =
        run_in(dir, &["train", "--dataset", "higham", "--layers", "2,3,2", "--epochs", "1", "--out", &out, "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    bytes(&file(dir, "m.safetensors"))
}

fn checkpoint(dir: &Path) -> Vec<u8> {
    let ck = arg(dir, "ck");
    let o =
        run_in(dir, &["train", "--dataset", "higham", "--layers", "2,3,2", "--epochs", "2", "--checkpoint", &ck, "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    bytes(&file(dir, "ck/checkpoint.safetensors"))
}

/// Writes `bytes` to `dir/name` and runs `inspect` on it; checks exit 2 and one line naming the file.
fn inspect_refuses(dir: &Path, name: &str, bytes: &[u8], want: &str) {
    std::fs::write(file(dir, name), bytes).unwrap();
    let o = run_in(dir, &["inspect", &arg(dir, name)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{name}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(name) && err.contains(want), "{name}: expected '{want}' in: {err}");
}

/// Replaces the first occurrence of `from` by `to` (same length).
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = bytes.windows(from.len()).position(|w| w == from).expect("pattern present");
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

fn safetensors_with(header: &str, data: &[u8]) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    while !h.len().is_multiple_of(8) {
        h.push(b' ');
    }
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out
}

#[test]
fn damaged_models_are_refused() {
    let dir = tempdir();
    let d = dir.path();
    let good = model(d);
    inspect_refuses(d, "truncated.safetensors", &good[..good.len() / 2], "not a valid safetensors file");
    let mut flipped = good.clone();
    *flipped.last_mut().unwrap() ^= 0x10;
    inspect_refuses(d, "flipped.safetensors", &flipped, "checksum mismatch");
    inspect_refuses(d, "v2.safetensors", &replace(&good, b"neuralnet/1", b"neuralnet/2"), "format 'neuralnet/2'");
    inspect_refuses(d, "empty.safetensors", b"", "not a valid safetensors file");
}

#[test]
fn headers_implying_huge_allocations_are_refused() {
    let dir = tempdir();
    let d = dir.path();
    // A 1 TB tensor with no data behind it.
    let tb = safetensors_with(
        r#"{"__metadata__":{"format":"neuralnet/1","sizes":"1048576,262144","activations":"sigmoid","cost":"quadratic"},"layers.0.weight":{"dtype":"F32","shape":[262144,1048576],"data_offsets":[0,1099511627776]}}"#,
        &[0; 16],
    );
    inspect_refuses(d, "terabyte.safetensors", &tb, "not a valid safetensors file");
    // Metadata sizes implying 2⁶⁴ parameters, with consistent-looking but tiny tensors.
    let huge_sizes = safetensors_with(
        r#"{"__metadata__":{"format":"neuralnet/1","sizes":"4294967295,4294967295,4294967295","activations":"sigmoid,sigmoid","cost":"quadratic"},"layers.0.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
        &[0; 4],
    );
    inspect_refuses(d, "huge-sizes.safetensors", &huge_sizes, "implies more parameters than the file holds");
    // An IDX file claiming 4e9 images of 28×28 in a 16-byte file.
    let mnist = d.join("data/mnist");
    std::fs::create_dir_all(&mnist).unwrap();
    let mut images = 0x0803u32.to_be_bytes().to_vec();
    [4_000_000_000u32, 28, 28].iter().for_each(|v| images.extend_from_slice(&v.to_be_bytes()));
    let mut labels = 0x0801u32.to_be_bytes().to_vec();
    labels.extend_from_slice(&1u32.to_be_bytes());
    labels.push(3);
    for stem in ["train", "t10k"] {
        std::fs::write(mnist.join(format!("{stem}-images-idx3-ubyte")), &images).unwrap();
        std::fs::write(mnist.join(format!("{stem}-labels-idx1-ubyte")), &labels).unwrap();
    }
    let o = run_in(d, &["train", "--dataset", "mnist", "--data", &arg(d, "data"), "--quiet"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("train-images-idx3-ubyte") && err.contains("truncated"), "{err}");
    // A layer list whose parameter count overflows is refused before any allocation.
    let o = run_in(d, &["train", "--dataset", "higham", "--layers", "2,18446744073709551615,2", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--layers"), "{}", stderr(&o));
}

#[test]
fn damaged_checkpoints_are_refused() {
    let dir = tempdir();
    let d = dir.path();
    let good = checkpoint(d);
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("truncated", good[..good.len() - 9].to_vec(), "not a valid safetensors file"),
        (
            "flipped",
            {
                let mut b = good.clone();
                let n = b.len();
                b[n - 20] ^= 0x01;
                b
            },
            "checksum mismatch",
        ),
        (
            "version",
            replace(&good, b"neuralnet-checkpoint/2", b"neuralnet-checkpoint/7"),
            "format 'neuralnet-checkpoint/7'",
        ),
        ("model-instead", model(d), "format 'neuralnet/1' is not supported"),
    ];
    for (name, bytes, want) in cases {
        let ck = d.join(name);
        std::fs::create_dir_all(&ck).unwrap();
        std::fs::write(ck.join("checkpoint.safetensors"), bytes).unwrap();
        let o = run_in(d, &["train", "--resume", &ck.display().to_string()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("checkpoint.safetensors") && err.contains(want), "{name}: expected '{want}' in {err}");
    }
    let o = run_in(d, &["train", "--resume", &arg(d, "nowhere")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no checkpoint in"), "{}", stderr(&o));
}

#[test]
fn bad_toml_config_is_refused_naming_the_line() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(d.join("bad.toml"), "[training]\nepochs = 3\n[network]\nlayers = [2, \"x\", 2]\n").unwrap();
    let o = run_in(d, &["train", &arg(d, "bad.toml")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.toml") && stderr(&o).contains("line 4"), "{}", stderr(&o));
    // A file in the flat layout of earlier versions: the key is named with the table it moved to.
    std::fs::write(d.join("old.toml"), "dataset = \"digits\"\neta = 0.1\n").unwrap();
    let o = run_in(d, &["train", &arg(d, "old.toml")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("old.toml") && err.contains("`dataset` in [data]") && err.lines().count() == 1, "{err}");
}

//! Byte-reproducible safetensors files. `safetensors::serialize` takes the metadata as a
//! `std::collections::HashMap`, whose iteration order is randomised per process, so the same model
//! came out with its metadata entries in a different order — different bytes — on every run.
//! [`sort_metadata`] rewrites the header with the metadata keys sorted; the header keeps its
//! length, so tensor offsets and data are untouched.

/// `bytes` (a safetensors file) with the `__metadata__` entries of its header in key order.
/// Returns the input unchanged if it is not a well-formed safetensors header.
pub fn sort_metadata(mut bytes: Vec<u8>) -> Vec<u8> {
    let Some(n) = bytes.get(..8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))) else {
        return bytes;
    };
    let Some(header) = usize::try_from(n).ok().and_then(|n| bytes.get(8..n.checked_add(8)?)) else {
        return bytes;
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(header) else { return bytes };
    if let Some(meta) = value.get_mut("__metadata__").and_then(|m| m.as_object_mut()) {
        meta.sort_keys();
    }
    let Ok(text) = serde_json::to_string(&value) else { return bytes };
    let n = header.len();
    if text.len() > n {
        return bytes;
    }
    bytes[8..8 + text.len()].copy_from_slice(text.as_bytes());
    bytes[8 + text.len()..8 + n].fill(b' ');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use safetensors::tensor::{Dtype, TensorView};
    use std::collections::HashMap;

    #[test]
    fn same_content_same_bytes() {
        let data = [0u8; 8];
        let make = || {
            let meta: HashMap<String, String> = (0..20).map(|i| (format!("key{i}"), format!("value {i}"))).collect();
            let view = TensorView::new(Dtype::F32, vec![2], &data).unwrap();
            sort_metadata(safetensors::serialize([("t", view)], Some(meta)).unwrap())
        };
        let first = make();
        for _ in 0..5 {
            assert_eq!(make(), first);
        }
        let st = safetensors::SafeTensors::deserialize(&first).unwrap();
        assert_eq!(st.tensor("t").unwrap().data(), &data);
    }
}

//! Where datasets live (DESIGN.md): `--data DIR` if given; else `$NEURALNET_DATA`; else the user
//! cache directory (`$XDG_CACHE_HOME/neuralnet`, else `~/.cache/neuralnet`). Each dataset is a
//! folder inside it. Fashion-MNIST is also found where Debian's `dataset-fashion-mnist` puts it.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Debian's location of Fashion-MNIST.
pub const DEBIAN_FASHION_MNIST: &str = "/usr/share/datasets/fashion-mnist";

/// The data directory: `flag` if given, else `$NEURALNET_DATA`, else the user cache directory.
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os("NEURALNET_DATA").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(cache).join("neuralnet");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("neuralnet")
}

/// Every folder that may hold dataset `name`, in the order they are tried.
pub fn candidates(name: &str, flag: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = vec![data_dir(flag).join(name)];
    if name == "fashion-mnist" {
        dirs.push(PathBuf::from(DEBIAN_FASHION_MNIST));
    }
    dirs
}

/// The first candidate folder holding the dataset's training images, or an error listing every
/// place looked at and the command that fetches it.
pub fn find_dataset(name: &str, flag: Option<&Path>) -> Result<PathBuf> {
    let looked_in = candidates(name, flag);
    for dir in &looked_in {
        let stem = dir.join("train-images-idx3-ubyte");
        if stem.is_file() || stem.with_extension("gz").is_file() || dir.join("train-images-idx3-ubyte.gz").is_file() {
            return Ok(dir.clone());
        }
    }
    Err(Error::DatasetMissing { name: name.to_string(), looked_in, fetch_cmd: format!("neuralnet data fetch {name}") })
}

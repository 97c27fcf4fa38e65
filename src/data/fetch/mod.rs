//! Downloading dataset files (MNIST, Fashion-MNIST) into a local data directory.
//!
//! [`fetch`] downloads every file of a [`DatasetSource`] into `dir/<source name>/`,
//! trying each mirror in turn. A file already present with the right SHA-256 is
//! skipped without any network request. Downloads go to `<file>.part`; an existing
//! `.part` is resumed with an HTTP `Range` request (a server answering `200` instead
//! of `206` restarts it from zero), and a dropped connection is retried a few times,
//! resuming from what was received. A finished download is checked against its
//! SHA-256: on a mismatch the `.part` is deleted and [`FetchError::Checksum`] is
//! returned; on a match it is fsynced and renamed to its final name, so a final file
//! is always complete and verified.
//!
//! This file, the module's root, holds the built-in sources, the mirror settings, [`fetch`] and
//! [`FetchError`]; one file's download (attempts, resume, the progress bar, verification and
//! hashing) is in the private `download` submodule, and the tests in `tests`.

mod download;
#[cfg(test)]
mod tests;

use std::fs;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::ProgressBar;

use download::{fetch_file, is_valid, new_bar};

/// Environment variable holding a mirror base URL (or several, comma-separated)
/// that replaces the built-in mirrors; read by [`mirrors_from_env`].
pub const MIRROR_ENV: &str = "NEURALNET_MIRROR";

/// Names accepted by [`source`].
pub const DATASETS: &[&str] = &["mnist", "fashion-mnist"];

/// One file of a dataset as published on its mirrors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// File name, appended to a mirror's base URL and used as the local file name.
    pub name: String,
    /// Expected SHA-256 of the file, lowercase hex.
    pub sha256: String,
    /// Expected size in bytes (0 if unknown).
    pub size: u64,
}

/// A dataset: a local folder name, the mirrors that serve it, and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSource {
    /// Name of the dataset, also the sub-folder of the data directory it goes to.
    pub name: String,
    /// Base URLs tried in order; a file's URL is the base URL followed by its name.
    pub mirrors: Vec<String>,
    /// The files to download.
    pub files: Vec<RemoteFile>,
}

/// An error of [`fetch`]; every message is one line naming the URL or file.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server could not be reached, answered with an error status, or the
    /// connection kept dropping.
    #[error("download of {url} failed: {what}")]
    Http {
        /// The URL requested.
        url: String,
        /// What went wrong.
        what: String,
    },
    /// A downloaded file did not have the expected SHA-256 (it was deleted).
    #[error("checksum mismatch for {}: expected sha256 {expected}, got {actual}", file.display())]
    Checksum {
        /// The file's intended final path.
        file: PathBuf,
        /// The expected SHA-256 (hex).
        expected: String,
        /// The SHA-256 of the downloaded bytes (hex).
        actual: String,
    },
    /// A local file or directory could not be read or written.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

const IDX_FILES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

const MNIST_MIRRORS: &[&str] = &["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"];
const MNIST_FILES: [(&str, u64); 4] = [
    ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9_912_422),
    ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28_881),
    ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
    ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542),
];

const FASHION_MIRRORS: &[&str] = &["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"];
const FASHION_FILES: [(&str, u64); 4] = [
    ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26_421_880),
    ("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29_515),
    ("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4_422_102),
    ("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5_148),
];

/// The built-in source of a dataset by name (`"mnist"` or `"fashion-mnist"`, see
/// [`DATASETS`]), with the mirrors torchvision uses and the canonical SHA-256s.
pub fn source(name: &str) -> Option<DatasetSource> {
    let (mirrors, files) = match name {
        "mnist" => (MNIST_MIRRORS, MNIST_FILES),
        "fashion-mnist" => (FASHION_MIRRORS, FASHION_FILES),
        _ => return None,
    };
    Some(DatasetSource {
        name: name.to_string(),
        mirrors: mirrors.iter().map(|m| m.to_string()).collect(),
        files: IDX_FILES
            .iter()
            .zip(files)
            .map(|(n, (sha, size))| RemoteFile { name: n.to_string(), sha256: sha.to_string(), size })
            .collect(),
    })
}

/// The mirrors named by the `NEURALNET_MIRROR` environment variable (comma-separated
/// base URLs), or `None` if it is unset or empty. Pass the result to [`fetch`].
pub fn mirrors_from_env() -> Option<Vec<String>> {
    let list = parse_mirror_list(&std::env::var(MIRROR_ENV).ok()?);
    (!list.is_empty()).then_some(list)
}

fn parse_mirror_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|m| !m.is_empty()).map(String::from).collect()
}

/// Downloads every file of `src` into `dir/<src.name>/`, skipping files already
/// present with the right SHA-256, and returns the paths of all files in the order of
/// `src.files`. `mirrors_override`, if given and non-empty, replaces `src.mirrors`.
/// With `progress`, a progress bar is drawn when stderr is a terminal.
pub fn fetch(
    src: &DatasetSource,
    dir: &Path,
    mirrors_override: Option<&[String]>,
    progress: bool,
) -> Result<Vec<PathBuf>, FetchError> {
    let mirrors = match mirrors_override {
        Some(m) if !m.is_empty() => m,
        _ => &src.mirrors[..],
    };
    let out_dir = dir.join(&src.name);
    fs::create_dir_all(&out_dir).map_err(io_err(&out_dir))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("neuralnet/", env!("CARGO_PKG_VERSION")))
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .build()
        .into();
    let show = progress && io::stderr().is_terminal();
    let mut paths = Vec::with_capacity(src.files.len());
    for file in &src.files {
        let dest = out_dir.join(&file.name);
        if !is_valid(&dest, file)? {
            if mirrors.is_empty() {
                return Err(FetchError::Http {
                    url: file.name.clone(),
                    what: format!("no mirror configured for {}", src.name),
                });
            }
            let bar = if show { new_bar(file) } else { ProgressBar::hidden() };
            let result = fetch_file(&agent, mirrors, file, &dest, &bar);
            match result {
                Ok(()) => bar.finish(),
                Err(_) => bar.abandon(),
            }
            result?;
        }
        paths.push(dest);
    }
    Ok(paths)
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> FetchError + '_ {
    move |source| FetchError::Io { path: path.to_path_buf(), source }
}

impl From<FetchError> for crate::error::Error {
    fn from(e: FetchError) -> Self {
        match e {
            FetchError::Http { url, what } => crate::error::Error::Download { url, what },
            FetchError::Checksum { ref file, .. } => crate::error::Error::format(file.clone(), e.to_string()),
            FetchError::Io { path, source } => crate::error::Error::io(path, source),
        }
    }
}

//! The library's typed errors. Each variant names the file, flag, key or shape at fault, and
//! [`Error::exit_code`] maps it to the exit codes of DESIGN.md: 2 bad usage or input, 3 diverged,
//! 130 interrupted, 1 a bug.

use std::path::PathBuf;

/// Everything that can go wrong in `neuralnet`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A file was readable but its contents are not what the format requires
    /// (bad magic number, truncated data, wrong metadata, a malformed CSV row, ...).
    #[error("{path}: {what}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// A flag, config key or argument value is invalid.
    #[error("{key}: {reason}")]
    Config {
        /// The flag (`--eta`) or config key (`eta`) at fault.
        key: String,
        /// Why the value is refused, and what would be accepted.
        reason: String,
    },
    /// Two shapes that must agree do not.
    #[error("shape mismatch in {op}: expected {expected}, got {got}")]
    Shape {
        /// The operation or object whose shapes disagree.
        op: String,
        /// The shape that was required.
        expected: String,
        /// The shape that was found.
        got: String,
    },
    /// A dataset was not found in any of the places looked at.
    #[error("dataset '{name}' not found; looked in: {}; fetch it with `{fetch_cmd}`", looked_in.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    DatasetMissing {
        /// The dataset's name.
        name: String,
        /// Every directory that was searched.
        looked_in: Vec<PathBuf>,
        /// The command that downloads it.
        fetch_cmd: String,
    },
    /// Training produced a NaN or infinite loss or weight.
    #[error("training diverged at epoch {epoch}, batch {batch}: {what}; try a smaller learning rate (--eta)")]
    Diverged {
        /// The epoch (1-based) in which it happened.
        epoch: usize,
        /// The batch (1-based) within that epoch.
        batch: usize,
        /// What became non-finite.
        what: String,
    },
    /// A linear solve failed (e.g. a non-positive Cholesky pivot).
    #[error("linear algebra: {0}")]
    LinAlg(String),
    /// A bug: something that should not happen did.
    #[error("internal error: {0}")]
    Internal(String),
    /// Training was interrupted (the observer asked to stop, e.g. on Ctrl-C).
    #[error("interrupted (stopped after {at}); {}", match checkpoint {
        Some(dir) => format!("checkpoint written to {}", dir.display()),
        None => "no checkpoint written".to_string(),
    })]
    Interrupted {
        /// Where the run stopped: `epoch 3 batch 20/500`, `epoch 3` or `iteration 12`.
        at: String,
        /// The checkpoint directory it can resume from, if one was written.
        checkpoint: Option<PathBuf>,
    },
    /// A download failed or its checksum did not match.
    #[error("{url}: {what}")]
    Download {
        /// The address fetched.
        url: String,
        /// What went wrong.
        what: String,
    },
}

impl Error {
    /// The process exit code for this error (DESIGN.md): 2 for bad usage or input,
    /// 3 for a diverged run, 130 for an interrupted one, 1 for internal errors.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Diverged { .. } => 3,
            Error::Interrupted { .. } => 130,
            Error::LinAlg(_) | Error::Internal(_) => 1,
            _ => 2,
        }
    }

    /// Shorthand for a [`Error::Config`] error.
    pub fn config(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config { key: key.into(), reason: reason.into() }
    }

    /// Shorthand for a [`Error::Format`] error.
    pub fn format(path: impl Into<PathBuf>, what: impl Into<String>) -> Self {
        Error::Format { path: path.into(), what: what.into() }
    }

    /// Shorthand for a [`Error::Io`] error.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

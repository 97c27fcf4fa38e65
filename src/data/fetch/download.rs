//! One file's download: [`fetch_file`] tries the mirrors in turn; each mirror gets attempts that
//! resume the `<file>.part` with an HTTP `Range` request and are retried while they bring new
//! bytes; a finished `.part` is checked against its SHA-256 and committed (fsynced, renamed) to its
//! final name. Also here: the progress bar, the check of a file already present, and SHA-256
//! hashing.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

use super::{FetchError, RemoteFile, io_err};

/// How many attempts in a row without new bytes are made against one mirror.
const ATTEMPTS: u32 = 3;

pub(super) fn new_bar(file: &RemoteFile) -> ProgressBar {
    let bar = ProgressBar::new(file.size);
    let template = "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(file.name.clone());
    bar
}

/// Whether `path` exists with the size and SHA-256 of `file`.
pub(super) fn is_valid(path: &Path, file: &RemoteFile) -> Result<bool, FetchError> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() && (file.size == 0 || m.len() == file.size) => {
            Ok(sha256_file(path)?.eq_ignore_ascii_case(&file.sha256))
        }
        Ok(_) => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FetchError::Io { path: path.to_path_buf(), source: e }),
    }
}

/// Downloads one file, trying the mirrors in order, and moves it to `dest` once verified.
pub(super) fn fetch_file(
    agent: &ureq::Agent,
    mirrors: &[String],
    file: &RemoteFile,
    dest: &Path,
    bar: &ProgressBar,
) -> Result<(), FetchError> {
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let mut errors = Vec::new();
    for base in mirrors {
        let url = if base.ends_with('/') { format!("{base}{}", file.name) } else { format!("{base}/{}", file.name) };
        let result = download(agent, &url, file, &part, bar).and_then(|()| commit(&part, dest, file));
        match result {
            Ok(()) => return Ok(()),
            Err(e @ FetchError::Io { .. }) => return Err(e),
            Err(e) => errors.push((url, e)),
        }
    }
    Err(every_mirror_failed(&file.name, errors))
}

/// The error of a file no mirror served: the one error when there was one mirror, else each
/// mirror's URL with what went wrong there.
fn every_mirror_failed(name: &str, mut errors: Vec<(String, FetchError)>) -> FetchError {
    if errors.len() == 1 {
        return errors.pop().expect("one error").1;
    }
    let each: Vec<String> = errors
        .iter()
        .map(|(url, e)| match e {
            FetchError::Http { what, .. } => format!("{url}: {what}"),
            other => format!("{url}: {other}"),
        })
        .collect();
    FetchError::Http { url: name.to_string(), what: format!("no mirror served it ({})", each.join("; ")) }
}

/// Verifies the SHA-256 of `part`, then renames it to `dest` (deleting it on a mismatch).
fn commit(part: &Path, dest: &Path, file: &RemoteFile) -> Result<(), FetchError> {
    let actual = sha256_file(part)?;
    if !actual.eq_ignore_ascii_case(&file.sha256) {
        let _ = fs::remove_file(part);
        return Err(FetchError::Checksum { file: dest.to_path_buf(), expected: file.sha256.clone(), actual });
    }
    fs::rename(part, dest).map_err(io_err(dest))?;
    if let Some(parent) = dest.parent() {
        // Make the rename durable; not possible on every platform, so errors are ignored.
        let _ = File::open(parent).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Outcome of one failed HTTP attempt.
enum Failure {
    /// Worth another attempt (dropped connection, short body, 5xx).
    Retry(String),
    /// Give up on this mirror (or on everything, for [`FetchError::Io`]).
    Fatal(FetchError),
}

/// Completes `part` from `url`, retrying while attempts make progress.
fn download(
    agent: &ureq::Agent,
    url: &str,
    file: &RemoteFile,
    part: &Path,
    bar: &ProgressBar,
) -> Result<(), FetchError> {
    let mut best = file_len(part)?;
    let mut failures = 0;
    loop {
        match attempt(agent, url, file, part, bar) {
            Ok(()) => return Ok(()),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Retry(what)) => {
                let now = file_len(part)?;
                if now > best {
                    best = now;
                    failures = 0;
                } else {
                    failures += 1;
                    if failures >= ATTEMPTS {
                        return Err(FetchError::Http { url: url.to_string(), what });
                    }
                    std::thread::sleep(Duration::from_millis(250 << failures));
                }
            }
        }
    }
}

/// One request: resumes `part` with a `Range` request if it is non-empty.
fn attempt(agent: &ureq::Agent, url: &str, file: &RemoteFile, part: &Path, bar: &ProgressBar) -> Result<(), Failure> {
    let fatal = |what: String| Failure::Fatal(FetchError::Http { url: url.to_string(), what });
    let mut offset = file_len(part).map_err(Failure::Fatal)?;
    if file.size > 0 && offset == file.size {
        return Ok(()); // complete; the checksum decides
    }
    if file.size > 0 && offset > file.size {
        fs::remove_file(part).map_err(|e| Failure::Fatal(io_err(part)(e)))?;
        offset = 0;
    }
    let mut request = agent.get(url);
    if offset > 0 {
        request = request.header("Range", format!("bytes={offset}-"));
    }
    let mut response = request.call().map_err(|e| match e {
        ureq::Error::Io(_)
        | ureq::Error::Timeout(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::Protocol(_)
        | ureq::Error::BodyStalled => Failure::Retry(e.to_string()),
        e => fatal(e.to_string()),
    })?;
    let status = response.status().as_u16();
    let append = match status {
        200 => false,
        206 if offset > 0 => {
            let start = response
                .headers()
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("bytes "))
                .and_then(|v| v.split('-').next())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if start != Some(offset) {
                return Err(fatal(format!("bad Content-Range for a request from byte {offset}")));
            }
            true
        }
        416 if offset > 0 => {
            // Our partial file does not fit the server's: start over.
            fs::remove_file(part).map_err(|e| Failure::Fatal(io_err(part)(e)))?;
            return Err(Failure::Retry("HTTP status 416 for a resumed download".into()));
        }
        s if s == 429 || s >= 500 => return Err(Failure::Retry(format!("HTTP status {s}"))),
        s => return Err(fatal(format!("HTTP status {s}"))),
    };
    let start = if append { offset } else { 0 };
    let expected_len = response.body().content_length().map(|n| start + n);
    if let Some(total) = expected_len.filter(|_| file.size == 0) {
        bar.set_length(total);
    }
    bar.set_position(start);
    let mut out = if append { OpenOptions::new().append(true).open(part) } else { File::create(part) }
        .map_err(|e| Failure::Fatal(io_err(part)(e)))?;
    let write_err = |e| Failure::Fatal(io_err(part)(e));
    let mut reader = response.body_mut().as_reader();
    let mut buf = vec![0u8; 64 * 1024];
    let mut got = start;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.write_all(&buf[..n]).map_err(write_err)?;
                got += n as u64;
                bar.set_position(got);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(Failure::Retry(format!("connection dropped after {got} bytes: {e}")));
            }
        }
    }
    let want = expected_len.or((file.size > 0).then_some(file.size));
    if let Some(want) = want.filter(|&w| got < w) {
        return Err(Failure::Retry(format!("short body: got {got} of {want} bytes")));
    }
    out.sync_all().map_err(write_err)?;
    Ok(())
}

fn file_len(path: &Path) -> Result<u64, FetchError> {
    match fs::metadata(path) {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(FetchError::Io { path: path.to_path_buf(), source: e }),
    }
}

/// SHA-256 of a file as lowercase hex.
pub(super) fn sha256_file(path: &Path) -> Result<String, FetchError> {
    let mut f = File::open(path).map_err(io_err(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(FetchError::Io { path: path.to_path_buf(), source: e });
            }
        };
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

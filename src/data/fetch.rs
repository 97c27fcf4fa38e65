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

use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

/// Environment variable holding a mirror base URL (or several, comma-separated)
/// that replaces the built-in mirrors; read by [`mirrors_from_env`].
pub const MIRROR_ENV: &str = "NEURALNET_MIRROR";

/// Names accepted by [`source`].
pub const DATASETS: &[&str] = &["mnist", "fashion-mnist"];

/// How many attempts in a row without new bytes are made against one mirror.
const ATTEMPTS: u32 = 3;

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

fn new_bar(file: &RemoteFile) -> ProgressBar {
    let bar = ProgressBar::new(file.size);
    let template = "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(file.name.clone());
    bar
}

/// Whether `path` exists with the size and SHA-256 of `file`.
fn is_valid(path: &Path, file: &RemoteFile) -> Result<bool, FetchError> {
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
fn fetch_file(
    agent: &ureq::Agent,
    mirrors: &[String],
    file: &RemoteFile,
    dest: &Path,
    bar: &ProgressBar,
) -> Result<(), FetchError> {
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let mut error = None;
    for base in mirrors {
        let url = if base.ends_with('/') { format!("{base}{}", file.name) } else { format!("{base}/{}", file.name) };
        let result = download(agent, &url, file, &part, bar).and_then(|()| commit(&part, dest, file));
        match result {
            Ok(()) => return Ok(()),
            Err(e @ FetchError::Io { .. }) => return Err(e),
            // A checksum error is the most telling one: keep it over later HTTP errors.
            Err(e) if !matches!(error, Some(FetchError::Checksum { .. })) => error = Some(e),
            Err(_) => {}
        }
    }
    Err(error.expect("at least one mirror"))
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

fn io_err(path: &Path) -> impl Fn(io::Error) -> FetchError + '_ {
    move |source| FetchError::Io { path: path.to_path_buf(), source }
}

/// SHA-256 of a file as lowercase hex.
fn sha256_file(path: &Path) -> Result<String, FetchError> {
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};
    use std::io::{BufRead, BufReader};
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};

    /// A request seen by the test server: path and `Range` header.
    #[derive(Debug, Clone)]
    struct Seen {
        path: String,
        range: Option<String>,
    }

    #[derive(Default)]
    struct Behavior {
        /// Served files by full path (`/good/<name>`); anything else is a 404.
        files: HashMap<String, Vec<u8>>,
        /// Paths served with one byte flipped.
        corrupt: HashSet<String>,
        /// Paths whose next response is cut after this many body bytes.
        drop_after: HashMap<String, usize>,
        /// Answer every request with the whole file (200), ignoring `Range`.
        ignore_range: bool,
    }

    /// A tiny HTTP/1.1 server on 127.0.0.1 (GET, `Range: bytes=N-`, `Connection: close`).
    struct Server {
        base: String,
        seen: Arc<Mutex<Vec<Seen>>>,
        behavior: Arc<Mutex<Behavior>>,
    }

    impl Server {
        fn start(files: &[(&str, Vec<u8>)]) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut b = Behavior::default();
            for (name, data) in files {
                b.files.insert(format!("/good/{name}"), data.clone());
            }
            let behavior = Arc::new(Mutex::new(b));
            let (s, b) = (seen.clone(), behavior.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let _ = handle(stream, &s, &b);
                }
            });
            Server { base, seen, behavior }
        }
        fn mirror(&self, prefix: &str) -> String {
            format!("{}/{prefix}/", self.base)
        }
        fn seen(&self) -> Vec<Seen> {
            self.seen.lock().unwrap().clone()
        }
        fn seen_for(&self, name: &str) -> Vec<Seen> {
            self.seen().into_iter().filter(|s| s.path.ends_with(&format!("/{name}"))).collect()
        }
    }

    fn handle(stream: TcpStream, seen: &Mutex<Vec<Seen>>, behavior: &Mutex<Behavior>) -> io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut range = None;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.trim().eq_ignore_ascii_case("range")
            {
                range = Some(v.trim().to_string());
            }
        }
        seen.lock().unwrap().push(Seen { path: path.clone(), range: range.clone() });
        let (data, drop_after) = {
            let mut b = behavior.lock().unwrap();
            let mut data = b.files.get(&path).cloned();
            if let Some(d) = data.as_mut().filter(|_| b.corrupt.contains(&path)) {
                let mid = d.len() / 2;
                d[mid] ^= 0xff;
            }
            if b.ignore_range {
                range = None;
            }
            (data, b.drop_after.remove(&path))
        };
        let mut out = stream;
        let Some(data) = data else {
            return out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        };
        let len = data.len();
        let start = range
            .as_deref()
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.strip_suffix('-'))
            .and_then(|r| r.parse::<usize>().ok());
        let (head, body) = match start {
            Some(s) if s >= len => {
                let h = format!(
                    "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                (h, &data[..0])
            }
            Some(s) => {
                let h = format!(
                    "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {s}-{}/{len}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    len - 1,
                    len - s
                );
                (h, &data[s..])
            }
            None => (format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"), &data[..]),
        };
        out.write_all(head.as_bytes())?;
        let body = &body[..drop_after.unwrap_or(body.len()).min(body.len())];
        out.write_all(body)?;
        out.flush()
    }

    /// Deterministic pseudo-random bytes.
    fn synth(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    fn sha(data: &[u8]) -> String {
        hex(&Sha256::digest(data))
    }

    const NAMES: [&str; 3] = ["a.gz", "b.gz", "c.gz"];

    /// Three synthetic files, a server for them, and a source pointing at `/good/`.
    fn setup() -> (Server, DatasetSource, Vec<Vec<u8>>) {
        let data: Vec<Vec<u8>> = [300_000, 123_457, 999].iter().zip(1..).map(|(&n, s)| synth(n, s)).collect();
        let served: Vec<(&str, Vec<u8>)> = NAMES.iter().copied().zip(data.iter().cloned()).collect();
        let server = Server::start(&served);
        let src = DatasetSource {
            name: "synth".into(),
            mirrors: vec![server.mirror("good")],
            files: NAMES
                .iter()
                .zip(&data)
                .map(|(n, d)| RemoteFile { name: n.to_string(), sha256: sha(d), size: d.len() as u64 })
                .collect(),
        };
        (server, src, data)
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("neuralnet-fetch-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn part_files(dir: &Path) -> Vec<PathBuf> {
        fs::read_dir(dir)
            .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "part")).collect())
            .unwrap_or_default()
    }

    fn assert_all_present(dir: &Path, data: &[Vec<u8>]) {
        for (name, d) in NAMES.iter().zip(data) {
            assert_eq!(&fs::read(dir.join("synth").join(name)).unwrap(), d, "{name}");
        }
        assert!(part_files(&dir.join("synth")).is_empty());
    }

    #[test]
    fn fresh_download_then_noop() {
        let (server, src, data) = setup();
        let dir = temp_dir("fresh");
        let paths = fetch(&src, &dir, None, false).unwrap();
        assert_eq!(paths, NAMES.iter().map(|n| dir.join("synth").join(n)).collect::<Vec<_>>());
        assert_all_present(&dir, &data);
        assert_eq!(server.seen().len(), 3);
        assert!(server.seen().iter().all(|s| s.range.is_none()));

        // Second fetch: everything verified locally, no request.
        let again = fetch(&src, &dir, None, false).unwrap();
        assert_eq!(again, paths);
        assert_eq!(server.seen().len(), 3);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupted_file_is_refused() {
        let (server, src, _) = setup();
        server.behavior.lock().unwrap().corrupt.insert("/good/b.gz".into());
        let dir = temp_dir("corrupt");
        let err = fetch(&src, &dir, None, false).unwrap_err();
        let FetchError::Checksum { file, expected, actual } = &err else { panic!("{err:?}") };
        assert_eq!(file, &dir.join("synth").join("b.gz"));
        assert_eq!(expected, &src.files[1].sha256);
        assert_ne!(actual, expected);
        let msg = err.to_string();
        assert!(msg.contains("b.gz") && msg.contains(expected.as_str()) && msg.contains(actual.as_str()), "{msg}");
        assert!(!msg.contains('\n'));
        assert!(!dir.join("synth").join("b.gz").exists());
        assert!(part_files(&dir.join("synth")).is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dropped_connection_is_resumed_with_range() {
        let (server, src, data) = setup();
        server.behavior.lock().unwrap().drop_after.insert("/good/a.gz".into(), 100_000);
        let dir = temp_dir("drop");
        fetch(&src, &dir, None, false).unwrap();
        assert_all_present(&dir, &data);
        let a = server.seen_for("a.gz");
        assert_eq!(a.len(), 2, "{a:?}");
        assert_eq!(a[0].range, None);
        assert_eq!(a[1].range.as_deref(), Some("bytes=100000-"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn existing_part_is_resumed() {
        let (server, src, data) = setup();
        let dir = temp_dir("part");
        fs::create_dir_all(dir.join("synth")).unwrap();
        let half = data[0].len() / 2;
        fs::write(dir.join("synth").join("a.gz.part"), &data[0][..half]).unwrap();
        fetch(&src, &dir, None, false).unwrap();
        assert_all_present(&dir, &data);
        let a = server.seen_for("a.gz");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].range.as_deref(), Some(format!("bytes={half}-").as_str()));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn part_is_restarted_when_server_ignores_range() {
        let (server, src, data) = setup();
        server.behavior.lock().unwrap().ignore_range = true;
        let dir = temp_dir("norange");
        fs::create_dir_all(dir.join("synth")).unwrap();
        fs::write(dir.join("synth").join("a.gz.part"), vec![7u8; 1000]).unwrap();
        fetch(&src, &dir, None, false).unwrap();
        assert_all_present(&dir, &data);
        assert_eq!(server.seen_for("a.gz").len(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_final_file_is_replaced_and_override_mirrors_fall_back() {
        let (server, mut src, data) = setup();
        src.mirrors = vec!["http://127.0.0.1:1/nothing-listens-here/".into()];
        let dir = temp_dir("mirrors");
        fs::create_dir_all(dir.join("synth")).unwrap();
        fs::write(dir.join("synth").join("c.gz"), vec![0u8; data[2].len()]).unwrap();
        let mirrors = [server.mirror("missing"), server.mirror("good")];
        fetch(&src, &dir, Some(&mirrors), false).unwrap();
        assert_all_present(&dir, &data);
        // Each file: a 404 from /missing/, then a 200 from /good/.
        assert_eq!(server.seen().len(), 6);
        assert_eq!(server.seen().iter().filter(|s| s.path.starts_with("/missing/")).count(), 3);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn http_error_names_the_url() {
        let (server, src, _) = setup();
        let dir = temp_dir("404");
        let mirrors = [server.mirror("missing")];
        let err = fetch(&src, &dir, Some(&mirrors), false).unwrap_err();
        let FetchError::Http { url, .. } = &err else { panic!("{err:?}") };
        assert_eq!(url, &format!("{}a.gz", server.mirror("missing")));
        assert!(err.to_string().contains(url.as_str()), "{err}");
        assert!(part_files(&dir.join("synth")).is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn mirror_list_parsing() {
        assert_eq!(parse_mirror_list(" http://a/ , http://b ,,"), vec!["http://a/", "http://b"]);
        assert!(parse_mirror_list(" ").is_empty());
    }

    #[test]
    fn builtin_sources_match_shared_data() {
        assert!(source("nope").is_none());
        for name in DATASETS {
            let src = source(name).unwrap();
            assert_eq!(src.files.len(), 4);
            let candidates = [
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(name),
                Path::new("/work/shared/data").join(name),
            ];
            let Some(dir) = candidates.iter().find(|d| d.is_dir()) else {
                continue;
            };
            for f in &src.files {
                let path = dir.join(&f.name);
                assert_eq!(fs::metadata(&path).unwrap().len(), f.size, "{}", path.display());
                assert_eq!(sha256_file(&path).unwrap(), f.sha256, "{}", path.display());
            }
        }
    }
}

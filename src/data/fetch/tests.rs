//! Tests of [`fetch`] against a tiny HTTP/1.1 server on 127.0.0.1 that can serve a corrupted byte,
//! cut a response short, ignore `Range` or answer 404, and record every request it sees; plus the
//! parsing of the mirror list and a check of the built-in sources against the shared data folder.

use super::download::{hex, sha256_file};
use super::*;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
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
fn every_failed_mirror_is_named_with_its_error() {
    let (server, src, _) = setup();
    let dir = temp_dir("all-fail");
    let mirrors = ["http://127.0.0.1:1/nothing-listens-here/".to_string(), server.mirror("missing")];
    let err = fetch(&src, &dir, Some(&mirrors), false).unwrap_err().to_string();
    assert!(err.contains("download of a.gz failed: no mirror served it"), "{err}");
    assert!(err.contains("http://127.0.0.1:1/nothing-listens-here/a.gz: "), "{err}");
    assert!(err.contains(&format!("{}a.gz: ", server.mirror("missing"))) && err.contains("404"), "{err}");
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
            std::env::var_os("NEURALNET_DATA").map(|d| Path::new(&d).join(name)),
            Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(name)),
        ];
        let Some(dir) = candidates.into_iter().flatten().find(|d| d.is_dir()) else {
            // Visible in every run (written past the test harness's capture); a failure in CI.
            assert!(std::env::var_os("NEURALNET_REQUIRE_DATA").is_none(), "no {name}/ to check the sources against");
            let _ = writeln!(std::io::stderr(), "SKIPPED builtin_sources_match_shared_data for {name}: no {name}/");
            continue;
        };
        for f in &src.files {
            let path = dir.join(&f.name);
            assert_eq!(fs::metadata(&path).unwrap().len(), f.size, "{}", path.display());
            assert_eq!(sha256_file(&path).unwrap(), f.sha256, "{}", path.display());
        }
    }
}

//! `neuralnet data fetch` against a local HTTP server on 127.0.0.1 serving the shared MNIST files
//! (one of them corrupted on request, the connection dropped mid-file on the first request), and
//! `--dataset fashion-mnist` from the data directory.

mod common;
use common::{assert_fails, outcome};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn shared(name: &str, test: &str) -> Option<PathBuf> {
    common::data_dir_with(name, test).map(|d| d.join(name))
}

/// Serves files of `dir` over HTTP/1.1 with Range support. `corrupt` flips a byte of that file;
/// the first request for `drop_first` is cut after 1,000 bytes. Returns the base URL and the log of
/// (path, range header) requests.
fn serve(
    dir: PathBuf,
    corrupt: Option<&'static str>,
    drop_first: Option<&'static str>,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let (log2, dropped) = (log.clone(), Arc::new(AtomicUsize::new(0)));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap_or(0);
            let path = line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_string();
            let mut range = None;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("range: bytes=") {
                    range = v.trim().trim_end_matches('-').parse::<usize>().ok();
                }
            }
            log2.lock().unwrap().push(format!("{path} {range:?}"));
            let Ok(mut body) = std::fs::read(dir.join(&path)) else {
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                continue;
            };
            if corrupt == Some(path.as_str()) {
                body[100] ^= 0xff;
            }
            let total = body.len();
            let start = range.unwrap_or(0).min(total);
            let status = if range.is_some() { "206 Partial Content" } else { "200 OK" };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{}/{total}\r\nConnection: close\r\n\r\n",
                total - start,
                total.saturating_sub(1)
            );
            let _ = stream.write_all(head.as_bytes());
            let cut = drop_first == Some(path.as_str()) && dropped.fetch_add(1, Ordering::SeqCst) == 0;
            let end = if cut { (start + 1000).min(total) } else { total };
            let _ = stream.write_all(&body[start..end]);
            let _ = stream.flush();
            let mut sink = Vec::new();
            let _ = stream.shutdown(std::net::Shutdown::Write);
            let _ = reader.read_to_end(&mut sink);
        }
    });
    (url, log)
}

#[test]
fn fetch_from_a_local_mirror_verifies_resumes_and_refuses_corruption() {
    let Some(mnist) = shared("mnist", "fetch_from_a_local_mirror_verifies_resumes_and_refuses_corruption") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    // a corrupted file is refused, naming it, and leaves nothing behind
    let (url, _) = serve(mnist.clone(), Some("t10k-labels-idx1-ubyte.gz"), None);
    assert_fails(
        &["data", "fetch", "mnist", "--data", d, "--mirror", &url, "-q"],
        2,
        &["t10k-labels-idx1-ubyte.gz", "checksum"],
    );
    assert!(!dir.path().join("mnist/t10k-labels-idx1-ubyte.gz").exists());
    assert!(!dir.path().join("mnist/t10k-labels-idx1-ubyte.gz.part").exists());
    // in a fresh directory: a dropped connection is resumed with a Range request, the files verify
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (url, log) = serve(mnist, None, Some("train-labels-idx1-ubyte.gz"));
    let (code, _, err) = outcome(&["data", "fetch", "mnist", "--data", d, "--mirror", &url, "-q"]);
    assert_eq!(code, 0, "{err}");
    let log = log.lock().unwrap().clone();
    assert!(log.iter().any(|l| l == "train-labels-idx1-ubyte.gz Some(1000)"), "{log:?}");
    let (code, stdout, err) =
        outcome(&["eval", "--model", "/nonexistent.safetensors", "--dataset", "mnist", "--data", d]);
    assert_eq!(code, 2, "{stdout}{err}");
    for f in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ] {
        assert!(dir.path().join("mnist").join(f).is_file(), "{f}");
    }
}

#[test]
fn fashion_mnist_trains_from_the_data_directory() {
    let Some(fashion) = shared("fashion-mnist", "fashion_mnist_trains_from_the_data_directory") else { return };
    let data = fashion.parent().unwrap().to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (model, report) = (dir.path().join("f.safetensors"), dir.path().join("r.json"));
    let (code, _, err) = outcome(&[
        "train",
        "--dataset",
        "fashion-mnist",
        "--data",
        data,
        "--train-size",
        "5000",
        "--epochs",
        "2",
        "--quiet",
        "--out",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let acc = r["final"]["test_accuracy"].as_f64().unwrap();
    assert!(acc > 0.7, "Fashion-MNIST test accuracy {acc}");
    let (code, stdout, _) = outcome(&["inspect", model.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Ankle boot"), "{stdout}");
}

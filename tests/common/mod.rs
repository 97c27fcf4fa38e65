//! Helpers shared by the integration tests: run the `neuralnet` binary and inspect its outcome.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neuralnet")).args(args).output().expect("binary runs")
}

/// The exit code, stdout and stderr of a run.
pub fn outcome(args: &[&str]) -> (i32, String, String) {
    let out = run(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The data directory (`$NEURALNET_DATA`, else `../shared/data` beside the repository, else the
/// user's `~/.cache/neuralnet`, where `neuralnet data fetch` puts it) that holds dataset `name` (`mnist`, `fashion-mnist`). When neither does, `test` is skipped with a line
/// written straight to stderr (which the test harness does not capture, so the skip shows in every
/// run) — or, with `$NEURALNET_REQUIRE_DATA` set, as `.ci/run` sets it, the test fails.
pub fn data_dir_with(name: &str, test: &str) -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    let candidates = [
        std::env::var_os("NEURALNET_DATA").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data")),
        cache.map(|c| c.join("neuralnet")),
    ];
    let found = candidates.into_iter().flatten().find(|d| d.join(name).join("train-labels-idx1-ubyte.gz").is_file());
    if found.is_none() {
        let why = format!(
            "no {name}/ in $NEURALNET_DATA, ../shared/data or ~/.cache/neuralnet (`neuralnet data fetch {name}` gets it)"
        );
        assert!(
            std::env::var_os("NEURALNET_REQUIRE_DATA").is_none(),
            "{test}: {why}, and NEURALNET_REQUIRE_DATA is set"
        );
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
    }
    found
}

/// [`data_dir_with`] for MNIST.
pub fn mnist_dir(test: &str) -> Option<PathBuf> {
    data_dir_with("mnist", test)
}

/// Asserts a failed run: the exit code, a message containing every `needle`, no panic. The
/// message is one line, or — for an argument clap refuses — clap's own: an `error:` line, then
/// its tip or the usage line, and where to learn more.
pub fn assert_fails(args: &[&str], code: i32, needles: &[&str]) {
    let (got, _, stderr) = outcome(args);
    assert_eq!(got, code, "args {args:?}: stderr {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    if !stderr.contains("For more information, try '--help'") {
        assert_eq!(stderr.trim().lines().count(), 1, "one line expected: {stderr}");
    }
    for n in needles {
        assert!(stderr.contains(n), "'{n}' not in: {stderr}");
    }
}

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_neuralnet"))
}

/// Runs the binary with `args` in `dir`, waiting for it.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).stdin(Stdio::null()).output().expect("binary runs")
}

/// Starts the binary with `args` in `dir` without waiting.
pub fn spawn(dir: &Path, args: &[&str]) -> Child {
    bin()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts")
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A small pseudo-random generator (xorshift64*) for kill timings; seeded from the clock unless
/// `RESUME_SEED` is set, and the seed is printed so a failure can be replayed.
pub struct Jitter(u64);

impl Jitter {
    pub fn new() -> Self {
        let seed = std::env::var("RESUME_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
        }) | 1;
        eprintln!("kill timings seeded with RESUME_SEED={seed}");
        Jitter(seed)
    }

    /// Uniform in [lo, hi) milliseconds.
    pub fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        Duration::from_millis(lo + r % (hi - lo).max(1))
    }
}

/// Waits for `child` at most `timeout`; `None` if it is still running.
pub fn wait_for(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Sends SIGINT to `child` with the system's `kill` command.
pub fn sigint(child: &Child) {
    let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(ok.success(), "kill -INT failed");
}

/// The bytes of `path`.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `dir/name` as a string argument.
pub fn arg(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// `dir/name`.
pub fn file(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// An observer that stops training after `n` batches, by asking to (as Ctrl-C does).
pub struct StopAfter(pub usize);

impl neuralnet::Observer for StopAfter {
    fn batch_end(&mut self, _: usize) {
        self.0 = self.0.saturating_sub(1);
    }
    fn stop_requested(&mut self) -> bool {
        self.0 == 0
    }
}

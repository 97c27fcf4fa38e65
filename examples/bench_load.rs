//! Training speed on an idle machine and on a busy one: each configuration trained with one
//! thread and with the automatic choice, first idle, then with another process spinning on one
//! core (this program started again with `--spin`), and the wall times printed side by side.
//! Also the per-epoch times that show a slowdown from denormal numbers: epoch 3 against epoch 1
//! of the deep network, and Adam with η = 3 (which trains nothing) against η = 0.001.
//!
//! ```text
//! cargo run --release --example bench_load -- [--data DIR] [--runs 3] [--only nielsen|w800|deep|denormals]
//! ```
//!
//! Configurations (MNIST, 50,000 training images):
//! - `nielsen`: experiments/nielsen-ch1.toml, 10 epochs, test split evaluated each epoch;
//! - `w800`: 784-800-10 sigmoid, quadratic, SGD η = 0.5, batch 128, 3 epochs, no evaluation;
//! - `deep`: 784-256-128-10 ReLU, softmax + cross-entropy, Adam, batch 64, 3 epochs, no evaluation.

use neuralnet::train::EachEpoch;
use neuralnet::{Data, TrainConfig, fit};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Instant;

/// The configuration `name` on MNIST in `dir`.
fn config(name: &str, dir: &Path) -> TrainConfig {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text: String = match name {
        "nielsen" => std::fs::read_to_string(root.join("experiments/nielsen-ch1.toml")).expect("nielsen-ch1.toml"),
        "w800" => "[network]\nlayers = [784, 800, 10]\nactivation = \"sigmoid\"\noutput_activation = \"sigmoid\"\n\
                   cost = \"quadratic\"\ninit = \"normal-scaled\"\n[optimizer]\nkind = \"sgd\"\neta = 0.5\n\
                   [training]\nbatch_size = 128\n[monitor]\ntrain = false\nvalidation = false\ntest = false\n"
            .into(),
        "deep" => "[network]\nlayers = [784, 256, 128, 10]\nactivation = \"relu\"\noutput_activation = \"softmax\"\n\
                   cost = \"cross-entropy\"\n[optimizer]\nkind = \"adam\"\n[training]\nbatch_size = 64\n\
                   [monitor]\ntrain = false\nvalidation = false\ntest = false\n"
            .into(),
        "adam" => "[network]\nlayers = [784, 30, 10]\n[optimizer]\nkind = \"adam\"\n[training]\nbatch_size = 10\n\
                   [monitor]\ntrain = false\nvalidation = false\ntest = false\n"
            .into(),
        other => panic!("unknown configuration {other}"),
    };
    let mut c = TrainConfig::from_toml_str(&text, Path::new(name)).expect("a valid configuration");
    c.monitor.validation = Some(false);
    c.data.dataset = Some("mnist".into());
    c.data.dir = Some(dir.to_path_buf());
    c.training.epochs = Some(if name == "nielsen" { 10 } else { 3 });
    c
}

/// Median of `v`.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Wall time of `fit` (median of `runs`) and the epoch times of the last run.
fn time(config: &TrainConfig, data: &Data, runs: usize) -> (f64, Vec<f64>) {
    let mut walls = Vec::new();
    let mut epochs = Vec::new();
    for _ in 0..runs {
        epochs.clear();
        let t = Instant::now();
        fit(config, data, &mut EachEpoch(|s| epochs.push(s.seconds))).expect("training");
        walls.push(t.elapsed().as_secs_f64());
    }
    (median(walls), epochs)
}

/// Another process spinning on one core, for as long as the value lives.
struct Busy(Child);

impl Busy {
    fn start() -> Busy {
        let exe = std::env::current_exe().expect("this program's path");
        let child = Command::new(exe).arg("--spin").spawn().expect("starting the busy process");
        std::thread::sleep(std::time::Duration::from_millis(200));
        Busy(child)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut runs, mut only) = (None, 3, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--spin" => loop {
                std::hint::spin_loop();
            },
            "--data" => dir = args.next().map(PathBuf::from),
            "--runs" => runs = args.next().and_then(|r| r.parse().ok()).expect("--runs N"),
            "--only" => only = args.next(),
            other => panic!("unknown argument {other}"),
        }
    }
    let dir = dir.or_else(|| std::env::var_os("NEURALNET_DATA").map(PathBuf::from)).expect("--data DIR with mnist/");
    let data = Data::load(&config("nielsen", &dir)).expect("MNIST");
    let cores = neuralnet::available_threads();
    println!("# {cores} cores; wall seconds of `fit` (median of {runs}); auto = the governor's choice");
    println!(
        "{:<9} {:>10} {:>10} {:>8} {:>10} {:>10} {:>8}",
        "config", "idle 1", "idle auto", "speedup", "busy 1", "busy auto", "× 1"
    );
    for name in ["nielsen", "w800", "deep"].into_iter().filter(|n| only.as_deref().is_none_or(|o| o == *n)) {
        let one = TrainConfig {
            performance: neuralnet::config::PerformanceConfig { threads: Some(1) },
            ..config(name, &dir)
        };
        let auto = config(name, &dir);
        let (idle1, _) = time(&one, &data, runs);
        let (idle_auto, _) = time(&auto, &data, runs);
        let busy = Busy::start();
        let (busy1, _) = time(&one, &data, runs);
        let (busy_auto, _) = time(&auto, &data, runs);
        drop(busy);
        println!(
            "{name:<9} {idle1:>10.3} {idle_auto:>10.3} {:>7.2}× {busy1:>10.3} {busy_auto:>10.3} {:>7.2}×",
            idle1 / idle_auto,
            busy_auto / busy1
        );
    }
    if only.as_deref().is_none_or(|o| o == "denormals") {
        let one = |name: &str| TrainConfig {
            performance: neuralnet::config::PerformanceConfig { threads: Some(1) },
            ..config(name, &dir)
        };
        let (_, deep) = time(&one("deep"), &data, 1);
        println!("deep, 1 thread: epoch 1 {:.3} s, epoch 3 {:.3} s: × {:.2}", deep[0], deep[2], deep[2] / deep[0]);
        let mut adam = one("adam");
        adam.optimizer.eta = Some(0.001);
        adam.training.epochs = Some(2);
        let (_, slow) = time(&adam, &data, 1);
        adam.optimizer.eta = Some(3.0);
        let (_, fast) = time(&adam, &data, 1);
        println!(
            "784-30-10 Adam, 1 thread: η = 0.001 {:.3} s/epoch, η = 3 {:.3} s/epoch: × {:.2}",
            median(slow.clone()),
            median(fast.clone()),
            median(fast) / median(slow)
        );
    }
}

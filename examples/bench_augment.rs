//! What on-the-fly augmentation costs: each transform's time per image on one thread, then what
//! it adds to an epoch of training, where the next epoch's distorted copy is made on a
//! background thread while the current one trains.
//!
//! ```text
//! cargo run --release --example bench_augment -- [--data DIR] [--epochs N] [--threads N]
//!     [--config FILE.toml] [--no-train]
//! ```
//!
//! MNIST comes from `--data DIR` (or `$NEURALNET_DATA`), the directory holding `mnist/`.
//!
//! 1. **Per image**: `Augmenter::apply` over the 50,000 training images for `shift:1`, `flip`,
//!    Simard's affine distortion, his elastic one (σ = 4, α = 34) and both, µs per image (the
//!    median of 3 passes).
//! 2. **Per epoch**: the configuration of `--config` (default `experiments/simard-elastic.toml`,
//!    without evaluation) trained for `--epochs` epochs (default 4) with no augmentation and with
//!    its own, the median epoch of each (the first epoch of the augmented run waits for its
//!    first copy and is left out), and the ratio.

use neuralnet::data::augment::{Augment, Augmenter, Stream};
use neuralnet::train::EachEpoch;
use neuralnet::{Data, TrainConfig, fit};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// µs per image of `spec` over every image of `x` (28 × 28), the median of 3 passes.
fn per_image(spec: &str, x: &[f32]) -> f64 {
    let augment: Augment = spec.parse().expect("a valid --augment spec");
    let augmenter = Augmenter::new(&augment, (28, 28));
    let mut scratch = augmenter.scratch();
    let mut out = vec![0.0f32; 784];
    let n = x.len() / 784;
    let passes = (0..3).map(|pass| {
        let start = Instant::now();
        for (i, image) in x.chunks_exact(784).enumerate() {
            augmenter.apply(image, &mut out, &mut Stream::for_sample(1, pass, i as u64), &mut scratch);
            std::hint::black_box(&out);
        }
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    });
    median(passes.collect())
}

/// The median epoch of `config` trained with augmentation `augment`, if any.
fn epoch_seconds(config: &TrainConfig, data: &Data, augment: Option<Augment>, skip_first: bool) -> f64 {
    let mut c = config.clone();
    c.data.augment = augment;
    let mut secs = Vec::new();
    fit(&c, data, &mut EachEpoch(|s| secs.push(s.seconds))).expect("training");
    median(secs[usize::from(skip_first)..].to_vec())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut epochs, mut threads, mut file, mut train) = (None, 4, None, None, true);
    while let Some(a) = args.next() {
        let mut value = |what: &str| args.next().unwrap_or_else(|| panic!("{what} needs a value"));
        match a.as_str() {
            "--data" => dir = Some(PathBuf::from(value("--data"))),
            "--epochs" => epochs = value("--epochs").parse().expect("--epochs N"),
            "--threads" => threads = Some(value("--threads").parse().expect("--threads N")),
            "--config" => file = Some(PathBuf::from(value("--config"))),
            "--no-train" => train = false,
            other => {
                eprintln!("unknown argument {other}; see the module docs of examples/bench_augment.rs");
                std::process::exit(2);
            }
        }
    }
    let dir = dir.or_else(|| std::env::var_os("NEURALNET_DATA").map(PathBuf::from));
    let Some(dir) = dir.filter(|d| d.join("mnist").is_dir()) else {
        eprintln!(
            "bench_augment needs MNIST: pass --data DIR (or set NEURALNET_DATA), DIR/mnist holding the IDX files"
        );
        std::process::exit(2);
    };
    let file = file.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/simard-elastic.toml"));
    let text = std::fs::read_to_string(&file).expect("the configuration file");
    let mut config = TrainConfig::from_toml_str(&text, &file).expect("a valid configuration");
    config.data.dir = Some(dir);
    config.training.epochs = Some(epochs);
    config.monitor.validation = Some(false);
    config.monitor.test = Some(false);
    config.performance.threads = threads;
    let data = Data::load(&config).expect("the configuration's data");
    let x = &data.splits.train.x;
    println!("# µs per 28 × 28 image on one thread ({} images, median of 3 passes)", x.len() / 784);
    for spec in ["shift:1", "flip", "affine:7.5,0.075,0.1,1", "elastic:4,34", "affine:7.5,0.075,0.1,1+elastic:4,34"] {
        println!("{spec:<40} {:>7.2} µs", per_image(spec, x));
    }
    if !train {
        return;
    }
    let augment = config.data.augment.clone().expect("a configuration with [data] augment");
    println!("\n# {} for {epochs} epochs, no evaluation; median epoch", file.display());
    let plain = epoch_seconds(&config, &data, None, false);
    let distorted = epoch_seconds(&config, &data, Some(augment.clone()), true);
    println!("no augmentation                          {plain:>7.3} s");
    println!("{:<40} {distorted:>7.3} s  ({:+.1} %)", augment.to_string(), 100.0 * (distorted / plain - 1.0));
}

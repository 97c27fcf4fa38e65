//! A run killed (SIGKILL) or interrupted (SIGINT) at random moments and resumed until it finishes
//! writes the very bytes an uninterrupted run writes; divergence exits 3 and keeps the last good
//! checkpoint. The runs are tiny (built-in digits, a few epochs) so the debug binary does them in
//! well under a second each.

mod common;

use common::*;
use std::time::Duration;

/// `train` on the built-in digits, 64-24-10, 6 epochs of batches of 10, then the flags given.
macro_rules! digits_run {
    ($($flag:expr),* $(,)?) => {
        &["train", "--dataset", "digits", "--layers", "64,24,10", "--epochs", "6", "--batch-size", "10", $($flag),*]
    };
}

/// A short run with every piece of state that must survive: Adam moments, a step schedule (η
/// changes), early stopping (best weights, since_best) and shuffled batches.
const FLAGS: &[&str] =
    digits_run!["--optimizer", "adam", "--eta", "0.01", "--schedule", "step:2:0.5", "--patience", "4", "--quiet"];

fn flags_with(extra: &[&str]) -> Vec<String> {
    flags_of(FLAGS, extra)
}

fn flags_of(base: &[&str], extra: &[&str]) -> Vec<String> {
    base.iter().chain(extra).map(|s| s.to_string()).collect()
}

/// Plain SGD of a one-hidden-layer network on two threads (the `hidden_split` path, whose helper
/// thread must stop cleanly at a batch boundary); η comes with the test.
const SPLIT_FLAGS: &[&str] = digits_run!["--optimizer", "sgd", "--lambda", "0.1", "--threads", "2", "--quiet"];

/// The model bytes of the run left alone, and how long it took in milliseconds (kill delays are
/// drawn below that, so debug and release binaries are both interrupted mid-run).
fn uninterrupted(dir: &std::path::Path) -> (Vec<u8>, u64) {
    uninterrupted_with(dir, FLAGS, &[])
}

fn uninterrupted_with(dir: &std::path::Path, base: &[&str], extra: &[&str]) -> (Vec<u8>, u64) {
    let out = arg(dir, "reference.safetensors");
    let args = flags_of(base, &[&["--out", &out][..], extra].concat());
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let start = std::time::Instant::now();
    let o = run_in(dir, &args);
    let millis = start.elapsed().as_millis() as u64;
    assert!(o.status.success(), "{}", stderr(&o));
    (bytes(&file(dir, "reference.safetensors")), millis.max(10))
}

/// Starts the run (or resumes it once a checkpoint exists), stops it with `stop` after a random
/// delay, and repeats until a run finishes; returns (attempts, attempts that were stopped).
fn run_until_done(
    dir: &std::path::Path,
    out: &str,
    stop: impl FnMut(&mut std::process::Child),
    jitter: &mut Jitter,
    max_delay_ms: u64,
) -> (usize, usize, Vec<Option<i32>>) {
    run_until_done_with(dir, out, FLAGS, &[], stop, jitter, max_delay_ms)
}

fn run_until_done_with(
    dir: &std::path::Path,
    out: &str,
    base: &[&str],
    extra: &[&str],
    mut stop: impl FnMut(&mut std::process::Child),
    jitter: &mut Jitter,
    max_delay_ms: u64,
) -> (usize, usize, Vec<Option<i32>>) {
    let ck = arg(dir, "ck");
    let (mut attempts, mut stopped, mut codes) = (0, 0, Vec::new());
    loop {
        attempts += 1;
        assert!(attempts < 200, "no progress after 200 attempts");
        let args = if file(dir, "ck").join("checkpoint.safetensors").is_file() {
            vec!["train".to_string(), "--resume".into(), ck.clone(), "--quiet".into()]
        } else {
            flags_of(base, &[&["--out", out, "--checkpoint", &ck][..], extra].concat())
        };
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let mut child = spawn(dir, &args);
        // Later attempts are left to run longer, so the loop always ends.
        // Signals land after start-up (a quarter of a run in) and, on later attempts, later still.
        let delay = jitter.millis(max_delay_ms / 4, max_delay_ms + max_delay_ms / 4 * attempts as u64);
        if wait_for(&mut child, delay).is_none() {
            stop(&mut child);
            stopped += 1;
        }
        let status = wait_for(&mut child, Duration::from_secs(60)).expect("run ends");
        let err = child.stderr.take().map(|mut s| {
            let mut t = String::new();
            std::io::Read::read_to_string(&mut s, &mut t).ok();
            t
        });
        codes.push(status.code());
        if status.success() {
            return (attempts, stopped, codes);
        }
        // Killed by a signal (no code) or interrupted (130) are the only acceptable endings.
        assert!(matches!(status.code(), None | Some(130)), "unexpected {status}: {err:?}");
        if status.code() == Some(130) {
            let err = err.unwrap_or_default();
            assert!(err.contains("resume with: neuralnet train --resume"), "{err}");
        }
    }
}

#[test]
fn sigkill_at_random_moments_then_resume_is_bit_identical() {
    let dir = tempdir();
    let (want, millis) = uninterrupted(dir.path());
    let mut jitter = Jitter::new();
    // RESUME_TRIALS=20 (scripts/resume-trials.sh) for the figure in docs/reliability.md.
    let trials: usize = std::env::var("RESUME_TRIALS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut identical = 0;
    for trial in 0..trials {
        let ck = file(dir.path(), "ck");
        let _ = std::fs::remove_dir_all(&ck);
        let name = format!("killed{trial}.safetensors");
        let out = arg(dir.path(), &name);
        let (attempts, killed, _) =
            run_until_done(dir.path(), &out, |c| c.kill().expect("SIGKILL"), &mut jitter, millis);
        let same = bytes(&file(dir.path(), &name)) == want;
        identical += same as usize;
        eprintln!("trial {}: {attempts} runs, {killed} killed by SIGKILL, identical: {same}", trial + 1);
    }
    eprintln!("RESULT: identical final model in {identical} of {trials} kill-and-resume trials");
    assert_eq!(identical, trials, "a resumed model differs");
}

/// Stops (SIGINT on the first trial when `sigint_first`, else SIGKILL) and resumes `trials` runs of
/// `base` + `extra` until each finishes; every final model must be `want`'s bytes.
#[allow(clippy::too_many_arguments)]
fn assert_resumes_to(
    dir: &std::path::Path,
    tag: &str,
    base: &[&str],
    extra: &[&str],
    want: &[u8],
    millis: u64,
    trials: usize,
    sigint_first: bool,
) {
    let mut jitter = Jitter::new();
    for trial in 0..trials {
        let _ = std::fs::remove_dir_all(file(dir, "ck"));
        let name = format!("{tag}-{trial}.safetensors");
        let out = arg(dir, &name);
        let stop = |c: &mut std::process::Child| {
            if trial == 0 && sigint_first { sigint(c) } else { c.kill().expect("SIGKILL") }
        };
        let (attempts, stopped, codes) = run_until_done_with(dir, &out, base, extra, stop, &mut jitter, millis);
        eprintln!("{tag} trial {}: {attempts} runs, {stopped} stopped, codes {codes:?}", trial + 1);
        assert!(bytes(&file(dir, &name)) == want, "a resumed {tag} model differs");
    }
}

/// The same for the two-thread hidden-unit split of plain SGD.
#[test]
fn split_hidden_sgd_resumes_bit_identically() {
    let dir = tempdir();
    let eta = ["--eta", "0.5"];
    let (want, millis) = uninterrupted_with(dir.path(), SPLIT_FLAGS, &eta);
    assert_resumes_to(dir.path(), "split", SPLIT_FLAGS, &eta, &want, millis, 3, true);
}

/// The same with `--precision f64`: the checkpoint holds F64 tensors and the resumed run
/// continues in f64, so the final model (f32 on disk) is again bit-identical.
#[test]
fn f64_runs_resume_bit_identically_too() {
    let dir = tempdir();
    let f64_flags = ["--precision", "f64"];
    let (want, millis) = uninterrupted_with(dir.path(), FLAGS, &f64_flags);
    let (f32_model, _) = uninterrupted(dir.path());
    assert_ne!(want, f32_model, "f64 training gives other (rounded) weights than f32 training");
    assert_resumes_to(dir.path(), "f64", FLAGS, &f64_flags, &want, millis, 2, false);
}

#[test]
fn sigint_mid_epoch_writes_a_checkpoint_and_resumes_bit_identically() {
    let dir = tempdir();
    let (want, millis) = uninterrupted(dir.path());
    let mut jitter = Jitter::new();
    // A signal can land before the handler is installed or after the run ended; repeat until a
    // run was interrupted (exit 130), checking every outcome.
    for trial in 0..20 {
        let _ = std::fs::remove_dir_all(file(dir.path(), "ck"));
        let out = arg(dir.path(), &format!("interrupted{trial}.safetensors"));
        let (_, _, codes) = run_until_done(dir.path(), &out, |c| sigint(c), &mut jitter, millis);
        eprintln!("exit codes: {codes:?}");
        assert!(bytes(&file(dir.path(), &format!("interrupted{trial}.safetensors"))) == want, "resumed model differs");
        if codes.contains(&Some(130)) {
            return;
        }
    }
    panic!("no run was interrupted in 20 trials");
}

#[test]
fn sigint_without_checkpoint_flag_uses_the_default_directory() {
    let dir = tempdir();
    let mut args = flags_with(&[]);
    let at = args.iter().position(|a| a == "--epochs").unwrap();
    args[at + 1] = "1000000".into(); // far longer than the wait below, in any build
    let p = args.iter().position(|a| a == "--patience").unwrap();
    args.drain(p..p + 2); // no early stopping either
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let mut child = spawn(dir.path(), &args);
    std::thread::sleep(Duration::from_millis(500));
    sigint(&child);
    let status = wait_for(&mut child, Duration::from_secs(60)).expect("ends");
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("checkpoint written to neuralnet-checkpoint"), "{err}");
    assert!(err.contains("resume with: neuralnet train --resume neuralnet-checkpoint"), "{err}");
    assert!(file(dir.path(), "neuralnet-checkpoint/checkpoint.safetensors").is_file());
    // Flags that disagree with the checkpoint are refused, naming the flag.
    let o = run_in(dir.path(), &["train", "--resume", "neuralnet-checkpoint", "--layers", "64,30,10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--layers") && stderr(&o).contains("conflicts"), "{}", stderr(&o));
    let o = run_in(dir.path(), &["train", "--resume", "neuralnet-checkpoint", "--seed", "9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--seed"), "{}", stderr(&o));
}

#[test]
fn divergence_exits_3_names_epoch_and_batch_and_keeps_the_last_checkpoint() {
    let dir = tempdir();
    // η = 1e6 diverges in the first epoch: no model, no checkpoint.
    let o = run_in(
        dir.path(),
        &[
            "train",
            "--dataset",
            "digits",
            "--layers",
            "64,10",
            "--output-activation",
            "identity",
            "--cost",
            "mse",
            "--optimizer",
            "sgd",
            "--eta",
            "1e6",
            "--epochs",
            "2",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    // η = 10⁶ is warned about before training; the run ends with one error line.
    assert!(err.starts_with("warning: --eta (optimizer.eta): 1000000 is far above sgd's usual range"), "{err}");
    let err = one_error_line(&err);
    assert!(err.contains("diverged at epoch 1, batch") && err.contains("smaller learning rate"), "{err}");
    // A good first epoch, then η × 1e6: the epoch-1 checkpoint stays, --out is not written.
    let ck = arg(dir.path(), "ck");
    let out = arg(dir.path(), "m.safetensors");
    let args = [
        "train",
        "--dataset",
        "digits",
        "--layers",
        "64,10",
        "--output-activation",
        "identity",
        "--cost",
        "mse",
        "--optimizer",
        "sgd",
        "--eta",
        "0.1",
        "--schedule",
        "step:1:1e7",
        "--epochs",
        "3",
        "--checkpoint",
        &ck,
        "--out",
        &out,
        "--quiet",
    ];
    let o = run_in(dir.path(), &args);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("diverged at epoch 2, batch") && err.contains("last good checkpoint"), "{err}");
    assert!(!file(dir.path(), "m.safetensors").exists(), "diverged weights must not be written");
    let saved = bytes(&file(dir.path(), "ck/checkpoint.safetensors"));
    // Resuming from the kept checkpoint replays epoch 2 and diverges the same way.
    let o = run_in(dir.path(), &["train", "--resume", &ck, "--quiet"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("diverged at epoch 2, batch"), "{}", stderr(&o));
    assert!(bytes(&file(dir.path(), "ck/checkpoint.safetensors")) == saved, "the good checkpoint was touched");
}

#[test]
fn same_seed_same_bytes_and_checkpointing_does_not_change_the_model() {
    let dir = tempdir();
    let (a, _) = uninterrupted(dir.path());
    let (b, _) = uninterrupted(dir.path());
    assert!(a == b, "two identical runs wrote different model files");
    let out = arg(dir.path(), "with-ck.safetensors");
    let ck = arg(dir.path(), "ck2");
    let args = flags_with(&["--out", &out, "--checkpoint", &ck, "--checkpoint-every", "2"]);
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let o = run_in(dir.path(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(bytes(&file(dir.path(), "with-ck.safetensors")) == a);
}

/// Divergence on the two-thread split path: exit 3, one line naming epoch and batch, no model.
#[test]
fn split_hidden_sgd_divergence_exits_3() {
    let dir = tempdir();
    let out = arg(dir.path(), "m.safetensors");
    let args = flags_of(SPLIT_FLAGS, &["--eta", "1e9", "--out", &out]);
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let o = run_in(dir.path(), &args);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(one_error_line(&err).contains("diverged at epoch 1, batch"), "{err}");
    assert!(!file(dir.path(), "m.safetensors").exists());
}

/// The last line of `stderr`, after checking that it is the only error line and every other line
/// is a warning.
fn one_error_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.trim().lines().collect();
    let (last, rest) = lines.split_last().expect("stderr has a line");
    assert!(last.starts_with("error: ") && rest.iter().all(|l| l.starts_with("warning: ")), "{stderr}");
    last
}

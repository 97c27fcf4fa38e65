//! The CLI as a newcomer meets it: argument errors in clap's words with its suggestions, the help's
//! sections and defaults, the header and summary lines, `eval` on the model's own dataset,
//! extending a checkpointed run, file modes, error causes said once.

mod common;
use common::{assert_fails, bytes, outcome};
use std::path::Path;

#[test]
fn argument_errors_keep_clap_s_message() {
    let (code, _, err) = outcome(&["eval", "--dataset", "digits"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("required arguments were not provided") && err.contains("--model <MODEL>"), "{err}");
    let (code, _, err) = outcome(&["train", "--epoch", "3"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unexpected argument '--epoch'") && err.contains("'--epochs'"), "a tip: {err}");
    let (code, _, err) = outcome(&["inspect"]);
    assert!(code == 2 && err.contains("<MODEL>"), "{err}");
    let (code, _, err) = outcome(&["predict", "x.csv"]);
    assert!(code == 2 && err.contains("--model <MODEL>"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn the_help_groups_the_flags_and_shows_their_defaults() {
    let (code, help, _) = outcome(&["train", "--help"]);
    assert_eq!(code, 0);
    for section in [
        "Data:",
        "Network:",
        "Optimizer:",
        "Training:",
        "Schedule and stopping:",
        "Monitoring:",
        "Output:",
        "Reliability:",
        "Performance:",
    ] {
        assert!(help.lines().any(|l| l == section), "section {section} in:\n{help}");
    }
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for default in ["lm (Levenberg–Marquardt) [default: adam]", "[default: 0.001 for adam, else 0.1]", "[default: 30;"]
    {
        assert!(flat.contains(default), "{default} in:\n{help}");
    }
}

#[test]
fn header_and_summary_say_what_ran_and_what_was_saved() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.safetensors");
    let args = ["train", "--dataset", "digits", "--epochs", "1", "--no-monitor-validation", "--no-monitor-test"];
    let (code, out, err) = outcome(&[&args[..], &["--no-monitor-train", "--out", m.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let line = |start: &str| out.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("{start}: {out}"));
    assert!(
        line("network 64-100-10, relu / softmax, cross-entropy, init he; adam η=0.001, batch 32, 1 epoch,")
            .ends_with("seed 1")
    );
    assert!(line("defaults applied: ").contains("optimizer, eta"), "{out}");
    assert!(line("done: 1 epoch, 41 updates, ").ends_with("(all epochs ran)"), "{out}");
    // Final figures on every split even with per-epoch monitoring off, and which weights they are.
    let model = line("model: the weights after epoch 1; test ");
    assert!(model.contains(", validation ") && model.contains(", train "), "{model}");
    assert!(!model.contains("peak"), "no epoch was evaluated: {model}");
    assert!(line("model written to ").ends_with("m.safetensors"), "{out}");
    let (_, out, _) = outcome(&["train", "--dataset", "digits", "--epochs", "2", "-q"]);
    assert!(out.is_empty(), "quiet: {out}");
    let (_, out, _) = outcome(&["train", "--dataset", "digits", "--epochs", "2"]);
    assert!(out.contains("; peak test accuracy ") && out.contains("% after epoch "), "{out}");
}

#[test]
fn levenberg_marquardt_counts_iterations() {
    let exp = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/higham-lm.toml");
    let (code, out, err) = outcome(&["train", exp.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let last = out.lines().rfind(|l| l.starts_with("iteration ")).expect("iteration lines");
    let n: usize = last["iteration ".len()..].split('/').next().unwrap().parse().unwrap();
    let done = out.lines().find(|l| l.starts_with("done: ")).expect("a done line");
    assert!(done.starts_with(&format!("done: {n} iterations, ")), "{last} / {done}");
    assert!(!done.contains("epoch") && !done.contains("update"), "{done}");
}

#[test]
fn eval_defaults_to_the_model_s_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.safetensors");
    let (code, _, err) =
        outcome(&["train", "--dataset", "digits", "--epochs", "2", "-q", "--out", m.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = outcome(&["eval", "--model", m.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("digits: test ") && err.is_empty(), "{out}{err}");
}

/// A run checkpointed after 2 epochs and resumed with --epochs 4 writes the model a 4-epoch run
/// writes; fewer epochs than done, and a changed setting, are refused in words.
#[test]
fn a_checkpointed_run_can_be_extended() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let base = ["train", "--dataset", "digits", "--layers", "64,20,10", "-q"];
    let run = |more: &[&str]| outcome(&[&base[..], more].concat());
    assert_eq!(run(&["--epochs", "4", "--out", &p("whole.st")]).0, 0);
    assert_eq!(run(&["--epochs", "2", "--checkpoint", &p("ck"), "--out", &p("half.st")]).0, 0);
    let (code, _, err) = outcome(&["train", "--resume", &p("ck"), "--epochs", "4", "-q", "--out", &p("more.st")]);
    assert_eq!(code, 0, "{err}");
    assert!(bytes(&dir.path().join("more.st")) == bytes(&dir.path().join("whole.st")), "extended ≠ whole run");
    // The resumed run checkpointed into the same directory: it has now begun 4 epochs.
    assert_fails(&["train", "--resume", &p("ck"), "--epochs", "1"], 2, &["--epochs", "fewer than the 4 epochs"]);
    assert_fails(
        &["train", "--resume", &p("ck"), "--eta", "0.01"],
        2,
        &["--eta", "0.01 conflicts", "which has the default"],
    );
}

#[cfg(unix)]
#[test]
fn written_files_get_the_umask_s_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (m, r) = (dir.path().join("m.safetensors"), dir.path().join("r.json"));
    let cmd = format!(
        "umask 022 && exec '{}' train --dataset digits --epochs 1 -q --out '{}' --report '{}'",
        env!("CARGO_BIN_EXE_neuralnet"),
        m.display(),
        r.display()
    );
    let status = std::process::Command::new("sh").arg("-c").arg(&cmd).status().unwrap();
    assert!(status.success());
    for f in [&m, &r] {
        assert_eq!(std::fs::metadata(f).unwrap().permissions().mode() & 0o777, 0o644, "{}", f.display());
    }
}

#[test]
fn an_error_s_cause_is_said_once() {
    let (code, _, err) = outcome(&["inspect", "nosuch.safetensors"]);
    assert_eq!(code, 2);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains("nosuch.safetensors"), "{err}");
}

/// A run that ended by early stopping is not extended: more epochs would not continue it.
#[test]
fn an_early_stopped_run_is_not_extended() {
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("ck");
    let ck = ck.to_str().unwrap();
    let args = ["train", "--dataset", "digits", "--epochs", "60", "--patience", "1", "-q", "--checkpoint", ck];
    let (code, _, err) = outcome(&args);
    assert_eq!(code, 0, "{err}");
    assert_fails(
        &["train", "--resume", ck, "--epochs", "80"],
        2,
        &["--epochs", "early stopping", "would not continue"],
    );
}

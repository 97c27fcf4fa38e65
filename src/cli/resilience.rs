//! `train --checkpoint DIR`, `--resume DIR` and Ctrl-C: loads and checks the checkpoint to resume
//! from, installs the SIGINT handler, runs the resumable training loop, and turns an interruption
//! (exit 130) or a divergence (exit 3) into one line on stderr.
//!
//! SIGINT is handled with `signal-hook`'s `flag` module: the handler only sets an atomic flag that
//! the training loop reads after each batch (async-signal-safe, no extra thread, unlike `ctrlc`),
//! and a second Ctrl-C while the checkpoint is being written ends the process at once (130).

use super::args::TrainArgs;
use anyhow::Result;
use neuralnet::checkpoint::{self, Checkpoint, Outputs, Run};
use neuralnet::train::{Control, TrainFloat, TrainState, init_network_as, train_resumable};
use neuralnet::{Error, History, Network, Observer, Plan, Precision, Splits, TrainConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Where Ctrl-C writes its checkpoint when neither `--checkpoint` nor `--resume` names a directory.
pub const DEFAULT_DIR: &str = "neuralnet-checkpoint";

/// With `--resume DIR`: reads the checkpoint, and fills `--out` and `--report` from it where the
/// command line does not give them.
pub fn load(a: &mut TrainArgs) -> Result<Option<Checkpoint>> {
    let Some(dir) = &a.resume else { return Ok(None) };
    if !dir.exists() || (dir.is_dir() && !checkpoint::file_in(dir).is_file()) {
        let what = format!("no checkpoint in {} ({} not found)", dir.display(), checkpoint::FILE_NAME);
        return Err(Error::config("--resume", what).into());
    }
    let ck = checkpoint::load(dir)?;
    if a.out.is_none() {
        a.out = ck.outputs.out.clone();
    }
    if a.report.is_none() {
        a.report = ck.outputs.report.clone();
    }
    Ok(Some(ck))
}

/// Refuses flags (or a config file) that would make the resumed run differ from the checkpointed
/// one, naming the first flag that disagrees. The data directory may differ: the data themselves
/// are compared by fingerprint in [`fit`].
pub fn check_agrees(a: &TrainArgs, config: &TrainConfig, resumed: Option<&Checkpoint>) -> Result<()> {
    let (Some(ck), Some(dir)) = (resumed, &a.resume) else { return Ok(()) };
    let given = serde_json::to_value(config)?;
    let stored = serde_json::to_value(&ck.config)?;
    let (Some(given), Some(stored)) = (given.as_object(), stored.as_object()) else { return Ok(()) };
    for (key, g) in given {
        let s = stored.get(key).unwrap_or(&serde_json::Value::Null);
        if key != "data_dir" && g != s {
            return Err(Error::config(
                format!("--{}", key.replace('_', "-")),
                format!("{g} conflicts with the run checkpointed in {}, which has {s}", dir.display()),
            )
            .into());
        }
    }
    Ok(())
}

/// Trains as `plan` says, from scratch or from the resumed checkpoint, checkpointing as the flags
/// say. `Ok(Err(code))` means the run ended early and said why on stderr: 130 after Ctrl-C (a
/// checkpoint was written), 3 after divergence (nothing written; the last checkpoint is kept).
///
/// Trains in the plan's precision; the network comes back with f32 weights.
pub fn fit(
    a: &TrainArgs,
    config: &TrainConfig,
    plan: &Plan,
    splits: &Splits,
    resumed: Option<Checkpoint>,
    observer: &mut dyn Observer,
) -> Result<std::result::Result<(Network<f32>, History), ExitCode>> {
    Ok(match plan.precision {
        Precision::F32 => fit_as::<f32>(a, config, plan, splits, resumed, observer)?,
        Precision::F64 => fit_as::<f64>(a, config, plan, splits, resumed, observer)?.map(|(n, h)| (n.cast(), h)),
    })
}

fn fit_as<F: TrainFloat>(
    a: &TrainArgs,
    config: &TrainConfig,
    plan: &Plan,
    splits: &Splits,
    resumed: Option<Checkpoint>,
    observer: &mut dyn Observer,
) -> Result<std::result::Result<(Network<F>, History), ExitCode>> {
    let data = checkpoint::data_fingerprint(splits);
    let stored_every = resumed.as_ref().map_or(0, |ck| ck.outputs.every);
    let (mut net, mut state) = match resumed {
        Some(ck) => {
            let dir = a.resume.as_deref().unwrap_or(Path::new("."));
            if ck.data != data {
                return Err(Error::config(
                    "--resume",
                    format!(
                        "the data ({data}) differ from those of the run checkpointed in {} ({})",
                        dir.display(),
                        ck.data
                    ),
                )
                .into());
            }
            if ck.plan != *plan {
                return Err(Error::config(
                    "--resume",
                    format!("the resolved settings differ from those checkpointed in {}", dir.display()),
                )
                .into());
            }
            if !a.quiet {
                let at = if ck.state.batch == 0 {
                    format!("after epoch {}", ck.state.epoch - 1)
                } else {
                    format!("in epoch {} after batch {}", ck.state.epoch, ck.state.batch)
                };
                println!("resuming from {} ({at})", dir.display());
            }
            (ck.network::<F>()?, ck.state.cast::<F>())
        }
        None => {
            let (net, rng) = init_network_as::<F>(plan)?;
            let state = TrainState::new(plan, splits.train.len(), net.n_params(), rng);
            (net, state)
        }
    };
    let explicit: Option<PathBuf> = a.checkpoint.clone().or_else(|| a.resume.clone());
    let every = match (a.checkpoint_every, &a.checkpoint) {
        (Some(n), _) => n,
        (None, Some(_)) => 1,
        (None, None) => stored_every,
    };
    let dir = explicit.unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
    if every > 0 {
        std::fs::create_dir_all(&dir).map_err(|e| Error::config("--checkpoint", format!("{}: {e}", dir.display())))?;
    }
    let outputs = Outputs { out: a.out.clone(), report: a.report.clone(), every };
    let run = Run { config, plan, data: &data, outputs: &outputs };

    let flag = Arc::new(AtomicBool::new(false));
    let sigint = signal_hook::consts::SIGINT;
    // Registered first so that it sees the flag before the second handler sets it: a second Ctrl-C
    // exits at once.
    let ids = [
        signal_hook::flag::register_conditional_shutdown(sigint, 130, Arc::clone(&flag))?,
        signal_hook::flag::register(sigint, Arc::clone(&flag))?,
    ];
    let mut control = Control {
        every,
        save: Some(Box::new(|net: &Network<F>, st: &TrainState<F>| checkpoint::save(&dir, &run, net, st))),
        interrupt: Some(&flag),
    };
    let result = train_resumable(&mut net, splits, plan, &mut state, observer, &mut control);
    drop(control);
    ids.into_iter().for_each(|id| {
        signal_hook::low_level::unregister(id);
    });
    match result {
        Ok(history) => Ok(Ok((net, history))),
        Err(Error::Interrupted(what)) => {
            eprintln!(
                "interrupted ({what}); checkpoint written to {}; resume with: neuralnet train --resume {}",
                dir.display(),
                shell_quote(&dir)
            );
            Ok(Err(ExitCode::from(130)))
        }
        Err(e @ Error::Diverged { .. }) => {
            let kept = if every > 0 && checkpoint::file_in(&dir).is_file() {
                format!("; the last good checkpoint in {} is kept", dir.display())
            } else {
                String::new()
            };
            eprintln!("error: {e}; no model written (the diverged weights are discarded){kept}");
            Ok(Err(ExitCode::from(3)))
        }
        Err(e) => Err(e.into()),
    }
}

/// `path` as a shell word: as is when it is plain, else in single quotes.
fn shell_quote(path: &Path) -> String {
    let s = path.display().to_string();
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:=,".contains(c)) {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

//! The terminal observer: an indicatif progress bar while an epoch runs (only on a terminal, and
//! not with `--quiet`), one line per epoch (per iteration for Levenberg–Marquardt), warnings on
//! stderr, and Ctrl-C turned into a stop request (the library then checkpoints and returns).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use neuralnet::{Control, EpochStats, Metrics, Observer, Plan, Warning};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Prints training progress and turns Ctrl-C into a stop request.
pub struct Terminal {
    epochs: usize,
    quiet: bool,
    /// "train 1293, validation 144, test 360": the split sizes, for the header line.
    parts: String,
    bar: Option<ProgressBar>,
    interrupt: Arc<AtomicBool>,
}

impl Terminal {
    /// An observer for a run on splits described by `parts`; `interrupt` is set on Ctrl-C.
    pub fn new(parts: String, quiet: bool, interrupt: Arc<AtomicBool>) -> Self {
        Terminal { epochs: 0, quiet, parts, bar: None, interrupt }
    }
}

/// `test 9412/10000 (94.12%)` or `test mse 0.0123 mae 0.0456` or `test loss 0.123`.
pub fn describe(name: &str, m: &Metrics) -> String {
    match (m.correct, m.accuracy, m.mse, m.mae) {
        (Some(c), Some(a), _, _) => format!("{name} {c}/{} ({:.2}%)", m.n, 100.0 * a),
        (_, _, Some(mse), Some(mae)) => format!("{name} mse {mse:.4} mae {mae:.4}"),
        _ => format!("{name} loss {:.4}", m.loss),
    }
}

/// One Levenberg–Marquardt iteration: μ and the costs.
fn lm_line(s: &EpochStats, epochs: usize, mu: f64) -> String {
    let mut line = format!("iteration {}/{epochs}  mu {mu:.1e}", s.epoch);
    if let Some(t) = &s.train {
        line += &format!("  train loss {:.6e}", t.loss);
    }
    if let Some(v) = &s.validation {
        line += &format!("  validation loss {:.6e}", v.loss);
    }
    line + &format!("  {:.3} s", s.seconds)
}

/// One epoch: the losses and accuracies of the monitored splits.
fn epoch_line(s: &EpochStats, epochs: usize) -> String {
    let mut line = format!("epoch {}/{epochs}", s.epoch);
    if let Some(t) = &s.train {
        line += &format!("  train loss {:.4}", t.loss);
    }
    if let Some(v) = &s.validation {
        line += &format!("  {}", describe("validation", v));
    }
    if let Some(t) = &s.test {
        line += &format!("  {}", describe("test", t));
    }
    line + &format!("  {:.1} s", s.seconds)
}

impl Observer for Terminal {
    fn run_start(&mut self, plan: &Plan, resumed: Option<(&Path, usize, usize)>) {
        self.epochs = plan.epochs;
        if self.quiet {
            return;
        }
        let n = &plan.network;
        let optimizer = match plan.eta() {
            Some(eta) => format!("{} η={eta}", plan.optimizer()),
            None => plan.optimizer().to_string(),
        };
        println!(
            "{}: {}; layers {:?}, {} / {}, {}, {optimizer} batch {}",
            plan.dataset, self.parts, n.layers, n.activation, n.output_activation, n.cost, plan.batch_size
        );
        if let Some((dir, epoch, batch)) = resumed {
            let at = if batch == 0 {
                format!("after epoch {}", epoch - 1)
            } else {
                format!("in epoch {epoch} after batch {batch}")
            };
            println!("resuming from {} ({at})", dir.display());
        }
    }

    fn warning(&mut self, warning: &Warning) {
        eprintln!("warning: {warning}");
    }

    fn epoch_start(&mut self, epoch: usize, batches: usize) {
        if self.quiet || !std::io::stdout().is_terminal() {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(batches as u64), ProgressDrawTarget::stdout());
        let style = ProgressStyle::with_template("epoch {msg} [{bar:30}] {pos}/{len} batches {per_sec} eta {eta}")
            .expect("valid template")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(format!("{epoch}/{}", self.epochs));
        self.bar = Some(bar);
    }

    fn batch_end(&mut self, _batch: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn epoch_end(&mut self, s: &EpochStats) -> Control {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if !self.quiet {
            match s.lm_mu {
                Some(mu) => println!("{}", lm_line(s, self.epochs, mu)),
                None => println!("{}", epoch_line(s, self.epochs)),
            }
        }
        Control::Continue
    }

    fn stop_requested(&mut self) -> bool {
        self.interrupt.load(Ordering::SeqCst)
    }
}

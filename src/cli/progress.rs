//! The terminal observer: an indicatif progress bar while an epoch runs (only on a terminal, and
//! not with `--quiet`) and one line per epoch.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use neuralnet::{EpochStats, Metrics, Observer};
use std::io::IsTerminal;

/// Prints training progress.
pub struct Terminal {
    epochs: usize,
    quiet: bool,
    bar: Option<ProgressBar>,
}

impl Terminal {
    /// An observer for a run of `epochs` epochs.
    pub fn new(epochs: usize, quiet: bool) -> Self {
        Terminal { epochs, quiet, bar: None }
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

impl Terminal {
    /// Prints one Levenberg–Marquardt iteration: μ and the costs.
    pub fn lm_iteration(&mut self, s: &EpochStats) {
        if self.quiet {
            return;
        }
        let mut line = format!("iteration {}/{}  mu {:.1e}", s.epoch, self.epochs, s.lm_mu.unwrap_or(f64::NAN));
        if let Some(t) = &s.train {
            line += &format!("  train loss {:.6e}", t.loss);
        }
        if let Some(v) = &s.validation {
            line += &format!("  validation loss {:.6e}", v.loss);
        }
        line += &format!("  {:.3} s", s.seconds);
        println!("{line}");
    }
}

impl Observer for Terminal {
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

    fn epoch_end(&mut self, s: &EpochStats) -> bool {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.quiet {
            return true;
        }
        let mut line = format!("epoch {}/{}", s.epoch, self.epochs);
        if let Some(t) = &s.train {
            line += &format!("  train loss {:.4}", t.loss);
        }
        if let Some(v) = &s.validation {
            line += &format!("  {}", describe("validation", v));
        }
        if let Some(t) = &s.test {
            line += &format!("  {}", describe("test", t));
        }
        line += &format!("  {:.1} s", s.seconds);
        println!("{line}");
        true
    }
}

//! The terminal observer: an indicatif progress bar while an epoch runs (only on a terminal, and
//! not with `--quiet`), one line per epoch (per iteration for Levenberg–Marquardt), warnings on
//! stderr, and Ctrl-C turned into a stop request (the library then checkpoints and returns).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use neuralnet::{Control, EpochStats, Metrics, Observer, Plan, Warning};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Prints training progress and turns Ctrl-C into a stop request.
pub struct Terminal {
    epochs: usize,
    /// Samples per batch, for the bar's rate.
    batch_size: usize,
    quiet: bool,
    /// "train 1293, validation 144, test 360": the split sizes, for the header line.
    parts: String,
    bar: Option<ProgressBar>,
    interrupt: Arc<AtomicBool>,
}

impl Terminal {
    /// An observer for a run on splits described by `parts`; `interrupt` is set on Ctrl-C.
    pub fn new(parts: String, quiet: bool, interrupt: Arc<AtomicBool>) -> Self {
        Terminal { epochs: 0, batch_size: 1, quiet, parts, bar: None, interrupt }
    }

    /// Removes a progress bar left by an epoch that did not end (an interrupt, an error).
    pub fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// "1 epoch", "30 epochs".
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// "38,856 samples/s": a rate in whole samples per second.
fn samples_per_second(rate: f64) -> String {
    group_thousands(rate.max(0.0).round() as u64) + " samples/s"
}

/// 150000 → "150,000".
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

/// "network 64-100-10, relu / softmax, cross-entropy, init he; adam η=0.001, batch 32, 30 epochs,
/// seed 1": what the run trains, defaults included.
fn header(plan: &Plan) -> String {
    let n = &plan.network;
    let layers: Vec<String> = n.layers.iter().map(|l| l.to_string()).collect();
    let mut line = format!(
        "network {}, {} / {}, {}, init {}; ",
        layers.join("-"),
        n.activation,
        n.output_activation,
        n.cost,
        n.init
    );
    match plan.eta() {
        Some(eta) => {
            line +=
                &format!("{} η={eta}, batch {}, {}", plan.optimizer(), plan.batch_size, plural(plan.epochs, "epoch"))
        }
        None => line += &format!("{} (full batch), at most {}", plan.optimizer(), plural(plan.epochs, "iteration")),
    }
    if plan.lambda > 0.0 {
        line += &format!(", λ={}", plan.lambda);
    }
    if plan.l1 > 0.0 {
        line += &format!(", L1 λ₁={}", plan.l1);
    }
    if let Some(c) = plan.max_norm {
        line += &format!(", max-norm {c}");
    }
    if !plan.dropout.is_empty() {
        let p: Vec<String> = plan.dropout.iter().map(|p| p.to_string()).collect();
        line += &format!(", dropout {}", p.join(","));
    }
    line + &format!(", seed {}", plan.seed)
}

impl Observer for Terminal {
    fn run_start(&mut self, plan: &Plan, resumed: Option<(&Path, usize, usize)>) {
        (self.epochs, self.batch_size) = (plan.epochs, plan.batch_size);
        if self.quiet {
            return;
        }
        println!("{}: {}", plan.dataset, self.parts);
        println!("{}", header(plan));
        if !plan.defaults_used.is_empty() {
            println!("defaults applied: {} (see --help)", plan.defaults_used.join(", "));
        }
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
        let m = self.batch_size as f64;
        let style = ProgressStyle::with_template("epoch {msg} [{bar:30}] {pos}/{len} batches  {rate}  eta {eta}")
            .expect("valid template")
            .with_key("rate", move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&samples_per_second(s.per_sec() * m));
            })
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

#[cfg(test)]
mod tests {
    use super::samples_per_second;

    #[test]
    fn the_rate_is_in_whole_samples_per_second() {
        assert_eq!(samples_per_second(38_856.408), "38,856 samples/s");
        assert_eq!(samples_per_second(999.6), "1,000 samples/s");
        assert_eq!(samples_per_second(12.2), "12 samples/s");
        assert_eq!(samples_per_second(1_234_567.0), "1,234,567 samples/s");
    }
}

//! The run report (`--report REPORT.json`, DESIGN.md), typed: the resolved configuration, the
//! data, one entry per epoch and the `final` figures of the saved model, built in one place by
//! [`Report::new`] and serialised as is. Fields that do not apply are omitted, never faked.
//! [`learning_curves`] draws a report's epochs.

use super::events::{EpochStats, History, StopReason, Warning};
use crate::config::Plan;
use crate::data::columns::Column;
use crate::metrics::Metrics;
use crate::preprocess::Data;
use serde::{Deserialize, Serialize};

/// Figures of one network on the train, validation and test splits, as the report names them:
/// `{split}_loss`, and `{split}_accuracy` (classification) or `{split}_mse` and `{split}_mae`
/// (regression).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SplitFigures {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_accuracy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_mse: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_mae: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_accuracy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_mse: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_mae: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_mse: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_mae: Option<f64>,
}

impl SplitFigures {
    /// The figures of `[train, validation, test]`.
    pub fn of(splits: &[Option<Metrics>; 3]) -> Self {
        let [t, v, s] = splits.map(|m| m.map(|m| (Some(m.loss), m.accuracy, m.mse, m.mae)).unwrap_or_default());
        SplitFigures {
            train_loss: t.0,
            train_accuracy: t.1,
            train_mse: t.2,
            train_mae: t.3,
            validation_loss: v.0,
            validation_accuracy: v.1,
            validation_mse: v.2,
            validation_mae: v.3,
            test_loss: s.0,
            test_accuracy: s.1,
            test_mse: s.2,
            test_mae: s.3,
        }
    }
}

/// Split sizes, and for CSV data the columns and how they were scaled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    /// Training samples.
    pub train: usize,
    /// Validation samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<usize>,
    /// Test samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<usize>,
    /// Feature columns (CSV data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
    /// Target columns (CSV data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<String>>,
    /// Why the task was chosen, when it was inferred (CSV data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_inferred_from: Option<String>,
    /// Whether features were standardised with the training split's statistics (CSV data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features_standardized: Option<bool>,
    /// Whether regression targets were trained standardised (CSV data; the model predicts in the
    /// targets' units either way).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets_standardized: Option<bool>,
    /// Every column but the targets as typed and fitted on the training split (CSV data): type,
    /// missing and distinct values, categories, median, why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<Column>>,
    /// Rows left out for a missing target (CSV data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_rows: Option<usize>,
}

/// One epoch (Levenberg–Marquardt: one iteration) in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochEntry {
    /// Epoch number, from 1 (LM iterations from 0, the starting point).
    pub epoch: usize,
    /// Wall time of the epoch, evaluation included.
    pub seconds: f64,
    /// Updates so far.
    pub updates: u64,
    /// Threads that trained the epoch (first-order training).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// η used in the epoch (first-order training).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta: Option<f64>,
    /// Levenberg–Marquardt's damping μ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lm_mu: Option<f64>,
    /// The figures of every monitored split.
    #[serde(flatten)]
    pub figures: SplitFigures,
}

impl From<&EpochStats> for EpochEntry {
    fn from(e: &EpochStats) -> Self {
        EpochEntry {
            epoch: e.epoch,
            seconds: e.seconds,
            updates: e.updates,
            threads: e.threads,
            eta: e.lm_mu.is_none().then_some(e.eta),
            lm_mu: e.lm_mu,
            figures: SplitFigures::of(&[e.train, e.validation, e.test]),
        }
    }
}

/// The figures of the saved model on every split, and the run's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Final {
    /// The saved model's figures on every split the run has.
    #[serde(flatten)]
    pub figures: SplitFigures,
    /// Epochs run.
    pub epochs: usize,
    /// The epoch whose weights were saved.
    pub kept_epoch: usize,
    /// Total updates.
    pub updates: u64,
    /// Total wall time.
    pub seconds_total: f64,
    /// Why training ended.
    pub stop_reason: StopReason,
}

/// The report of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The version of neuralnet that trained.
    pub neuralnet_version: String,
    /// The resolved configuration, with the defaults it applied in `defaults_used`.
    pub config: Plan,
    /// Split sizes and, for tables, the columns.
    pub data: DataSummary,
    /// One entry per epoch.
    pub epochs: Vec<EpochEntry>,
    /// The saved model's figures and the totals.
    #[serde(rename = "final")]
    pub final_figures: Final,
    /// Signs that the run would not learn, said during training.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Report {
    /// The report of a run of `plan` on `data` that produced `history`; `final_metrics` are the saved
    /// model's figures on (train, validation, test), `targets_standardized` whether it trained on
    /// standardised regression targets.
    pub fn new(
        plan: &Plan,
        data: &Data,
        history: &History,
        final_metrics: &[Option<Metrics>; 3],
        targets_standardized: bool,
        warnings: &[Warning],
    ) -> Report {
        let s = &data.splits;
        let schema = data.preprocessing.schema.as_ref();
        let tabular = data.is_tabular().then_some(());
        Report {
            neuralnet_version: env!("CARGO_PKG_VERSION").to_string(),
            config: plan.clone(),
            data: DataSummary {
                train: s.train.len(),
                validation: s.validation.as_ref().map(|d| d.len()),
                test: s.test.as_ref().map(|d| d.len()),
                features: schema.map(|s| s.features.clone()),
                targets: schema.map(|s| s.targets.clone()),
                task_inferred_from: data.task_reason.clone().filter(|_| tabular.is_some()),
                features_standardized: tabular.map(|_| data.preprocessing.input.is_some()),
                targets_standardized: tabular.map(|_| targets_standardized),
                columns: schema.map(|s| s.columns.clone()),
                dropped_rows: tabular.map(|_| data.dropped_rows),
            },
            epochs: history.epochs.iter().map(EpochEntry::from).collect(),
            final_figures: Final {
                figures: SplitFigures::of(final_metrics),
                epochs: history.epochs.len(),
                kept_epoch: history.kept_epoch,
                updates: history.updates,
                seconds_total: history.seconds_total,
                stop_reason: history.stop_reason,
            },
            warnings: warnings.iter().map(|w| w.to_string()).collect(),
        }
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serialises")
    }
}

#[cfg(feature = "plot")]
/// Loss and accuracy (or MSE) per epoch for every split, from a report's `epochs`.
pub fn learning_curves(epochs: &[EpochEntry], dir: &std::path::Path, svg: bool) -> crate::error::Result<Vec<String>> {
    let field = |e: &EpochEntry, key: &str| -> Option<f64> {
        let f = &e.figures;
        match key {
            "train_loss" => f.train_loss,
            "train_accuracy" => f.train_accuracy,
            "train_mse" => f.train_mse,
            "validation_loss" => f.validation_loss,
            "validation_accuracy" => f.validation_accuracy,
            "validation_mse" => f.validation_mse,
            "test_loss" => f.test_loss,
            "test_accuracy" => f.test_accuracy,
            "test_mse" => f.test_mse,
            _ => None,
        }
    };
    use crate::figures::formats;
    use crate::plot::{Series, line_chart};
    let curve = |key: &str, scale: f64| -> Option<Series> {
        let (x, y): (Vec<f64>, Vec<f64>) =
            epochs.iter().filter_map(|e| Some((e.epoch as f64, field(e, key)? * scale))).unzip();
        (!x.is_empty()).then(|| Series { label: key.replace('_', " "), x, y })
    };
    let splits = ["train", "validation", "test"];
    // A Levenberg–Marquardt run counts iterations (from 0, the initial weights), not epochs.
    let unit = if epochs.iter().any(|e| e.lm_mu.is_some()) { "iteration" } else { "epoch" };
    let mut out = Vec::new();
    let charts: [(&str, &str, &str, f64, bool); 2] =
        if epochs.iter().any(|e| e.figures.test_mse.is_some() || e.figures.train_mse.is_some()) {
            [("loss", "loss", "cost", 1.0, true), ("mse", "mse", "MSE", 1.0, true)]
        } else {
            [("loss", "loss", "cost", 1.0, true), ("accuracy", "accuracy", "accuracy (%)", 100.0, false)]
        };
    for (file, suffix, y_label, scale, log) in charts {
        let series: Vec<Series> = splits.iter().filter_map(|s| curve(&format!("{s}_{suffix}"), scale)).collect();
        if series.is_empty() {
            continue;
        }
        for ext in formats(svg) {
            let name = format!("{file}.{ext}");
            line_chart(&dir.join(&name), &format!("{file} per {unit}"), unit, y_label, &series, log)?;
            out.push(name);
        }
    }
    Ok(out)
}

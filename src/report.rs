//! The run report (`--report REPORT.json`, DESIGN.md): the resolved configuration, split sizes, one
//! entry per epoch and the `final` figures of the saved model. Fields that do not apply are omitted.

use crate::config::Plan;
use crate::data::Splits;
use crate::metrics::Metrics;
use crate::train::History;
use serde_json::{Map, Value, json};

/// Adds `{prefix}_loss` and `{prefix}_accuracy` (classification) or `{prefix}_mse`/`{prefix}_mae`
/// (regression) for `m` to `obj`.
pub fn put_metrics(obj: &mut Map<String, Value>, prefix: &str, m: &Metrics) {
    obj.insert(format!("{prefix}_loss"), json!(m.loss));
    if let Some(a) = m.accuracy {
        obj.insert(format!("{prefix}_accuracy"), json!(a));
    }
    if let Some(v) = m.mse {
        obj.insert(format!("{prefix}_mse"), json!(v));
    }
    if let Some(v) = m.mae {
        obj.insert(format!("{prefix}_mae"), json!(v));
    }
}

/// The report as JSON. `final_metrics` are the saved model's figures on (train, validation, test).
pub fn build(plan: &Plan, splits: &Splits, history: &History, final_metrics: &[Option<Metrics>; 3]) -> Value {
    let mut data = Map::new();
    for (name, part) in splits.parts() {
        data.insert(name.into(), json!(part.len()));
    }
    let epochs: Vec<Value> = history
        .epochs
        .iter()
        .map(|e| {
            let mut o = Map::new();
            o.insert("epoch".into(), json!(e.epoch));
            o.insert("seconds".into(), json!(e.seconds));
            o.insert("updates".into(), json!(e.updates));
            if let Some(t) = e.threads {
                o.insert("threads".into(), json!(t));
            }
            match e.lm_mu {
                Some(mu) => o.insert("lm_mu".into(), json!(mu)),
                None => o.insert("eta".into(), json!(e.eta)),
            };
            for (prefix, m) in [("train", &e.train), ("validation", &e.validation), ("test", &e.test)] {
                if let Some(m) = m {
                    put_metrics(&mut o, prefix, m);
                }
            }
            Value::Object(o)
        })
        .collect();
    let mut fin = Map::new();
    for (prefix, m) in ["train", "validation", "test"].iter().zip(final_metrics) {
        if let Some(m) = m {
            put_metrics(&mut fin, prefix, m);
        }
    }
    fin.insert("epochs".into(), json!(history.epochs.len()));
    fin.insert("kept_epoch".into(), json!(history.kept_epoch));
    fin.insert("updates".into(), json!(history.updates));
    fin.insert("seconds_total".into(), json!(history.seconds_total));
    fin.insert("stop_reason".into(), json!(history.stop_reason));
    json!({
        "neuralnet_version": env!("CARGO_PKG_VERSION"),
        "config": plan,
        "data": data,
        "epochs": epochs,
        "final": fin,
    })
}

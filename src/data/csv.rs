//! CSV and TSV tables as datasets: the task of a target column ([`Task`]) and the names of the
//! target columns in a configuration. A [`Schema`] (in `schema`) says how a model reads a
//! [`Table`]; reading a training table into splits with its fitted preprocessing is
//! [`crate::preprocess::table::load`].

pub use super::schema::{Schema, TableData, Targets};
pub use super::table::{Table, class_name, delimiter, sorted_classes};

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Most distinct integer values a target may have for [`Task::infer`] to call it classification.
pub const MAX_AUTO_CLASSES: usize = 20;

/// What the target columns hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// One target column of class labels (text or integers); softmax outputs, one per class.
    Classification,
    /// One or more numeric target columns; identity outputs.
    Regression,
}

impl Task {
    /// The task a target column's cells suggest, with the reason:
    /// any cell that is not a number → classification; all numbers integer-valued with at most
    /// [`MAX_AUTO_CLASSES`] distinct values → classification; otherwise regression.
    pub fn infer<'a>(cells: impl IntoIterator<Item = &'a str>) -> (Task, &'static str) {
        let mut distinct = BTreeSet::new();
        let mut integers = true;
        for cell in cells {
            match cell.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    integers &= v.fract() == 0.0;
                    if integers && distinct.len() <= MAX_AUTO_CLASSES {
                        distinct.insert(v as i64);
                    }
                }
                _ => return (Task::Classification, "text target"),
            }
        }
        if integers && distinct.len() <= MAX_AUTO_CLASSES {
            (Task::Classification, "integer target with at most 20 distinct values")
        } else {
            (Task::Regression, "numeric target")
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        })
    }
}

impl std::str::FromStr for Task {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "classification" => Ok(Task::Classification),
            "regression" => Ok(Task::Regression),
            _ => Err(format!("unknown task '{s}'; valid: classification, regression")),
        }
    }
}

/// Serde helper: a TOML `target` may be one string (`"y"`, or `"a,b"`) or a list of strings.
pub fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(Option::<OneOrMany>::deserialize(d)?.map(|v| match v {
        OneOrMany::One(s) => split_names(&s),
        OneOrMany::Many(v) => v,
    }))
}

/// Splits a comma-separated list of column names, trimming each.
pub fn split_names(s: &str) -> Vec<String> {
    s.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_inference_follows_the_documented_rule() {
        assert_eq!(Task::infer(["1", "cat"]).0, Task::Classification);
        assert_eq!(Task::infer(["1", "2.0", "3"]).0, Task::Classification);
        assert_eq!(Task::infer(["1", "2.5"]).0, Task::Regression);
        let many: Vec<String> = (0..21).map(|i| i.to_string()).collect();
        assert_eq!(Task::infer(many.iter().map(String::as_str)).0, Task::Regression);
    }

    #[test]
    fn class_names_are_canonical_and_sorted() {
        assert_eq!(class_name(" 2.0 "), "2");
        assert_eq!(class_name("b"), "b");
        assert_eq!(sorted_classes(&["10".into(), "9".into(), "10".into()]), ["9", "10"]);
        assert_eq!(sorted_classes(&["b".into(), "a".into()]), ["a", "b"]);
    }
}

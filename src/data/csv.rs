//! CSV and TSV tables as datasets. A [`Schema`] says which columns of a [`Table`] are features and
//! which are targets, and for classification the class names; it is stored in the model so that
//! eval and predict read their files by column name. (Reading a training table into splits with
//! its fitted preprocessing is [`crate::preprocess::table::load`].)

pub use super::table::{Table, class_name, delimiter, sorted_classes};

use super::Dataset;
use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

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

/// Which columns of a table a model reads: feature columns, target columns, the task and (for
/// classification) the class names, index = class. Files are matched to it by column name.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Feature column names, in input order.
    pub features: Vec<String>,
    /// Target column names (one for classification).
    pub targets: Vec<String>,
    /// Classification or regression.
    pub task: Task,
    /// Class names in sorted order (classification).
    pub class_names: Option<Vec<String>>,
}

/// Model metadata keys holding a [`Schema`] (JSON lists and the task name).
const META_FEATURES: &str = "feature_names";
const META_TARGETS: &str = "target_names";
const META_TASK: &str = "task";

impl Schema {
    /// The schema of a training table: `targets` are the target columns, every other column is a
    /// feature. `task` `None` infers it ([`Task::infer`]); the returned string says why, then.
    pub fn from_table(table: &Table, targets: &[String], task: Option<Task>) -> Result<(Schema, Option<String>)> {
        let target_cols: Vec<usize> = targets.iter().map(|t| table.column(t, "--target")).collect::<Result<_>>()?;
        let features: Vec<String> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(i, _)| !target_cols.contains(i))
            .map(|(_, c)| c.clone())
            .collect();
        if features.is_empty() {
            return Err(Error::config("--target", format!("{} has no feature columns left", table.path.display())));
        }
        let (task, why) = match task {
            Some(t) => (t, None),
            None if targets.len() > 1 => (Task::Regression, Some("several target columns".to_string())),
            None => {
                let (t, why) = Task::infer(table.rows.iter().map(|(_, cells)| cells[target_cols[0]].as_str()));
                (t, Some(why.to_string()))
            }
        };
        let class_names = match task {
            Task::Regression => None,
            Task::Classification => Some(class_names(table, targets, target_cols[0])?),
        };
        Ok((Schema { features, targets: targets.to_vec(), task, class_names }, why))
    }

    /// Number of network outputs: one per class, or one per target column.
    pub fn n_outputs(&self) -> usize {
        self.class_names.as_ref().map_or(self.targets.len(), Vec::len)
    }

    /// The column indices of `table` holding the features, and the targets if all are present.
    /// Every column must be a feature or a target: a missing feature or an unknown column is an
    /// error naming the file and what was expected.
    pub fn columns_of(&self, table: &Table) -> Result<(Vec<usize>, Option<Vec<usize>>)> {
        let expected = || format!("the model reads feature columns {}", self.features.join(", "));
        let bad = |what: String| Error::format(&table.path, what);
        if let Some(extra) = table.columns.iter().find(|c| !self.features.contains(c) && !self.targets.contains(c)) {
            return Err(bad(format!(
                "unexpected column '{extra}' ({} columns given; {} and target {})",
                table.columns.len(),
                expected(),
                self.targets.join(", ")
            )));
        }
        let index = |name: &String| table.columns.iter().position(|c| c == name);
        let features: Vec<usize> = self
            .features
            .iter()
            .map(|f| index(f).ok_or_else(|| bad(format!("missing column '{f}'; {}", expected()))))
            .collect::<Result<_>>()?;
        let targets: Option<Vec<usize>> = self.targets.iter().map(index).collect();
        Ok((features, targets))
    }

    /// The dataset in `table` (features unscaled); the table must hold the target columns.
    /// Class labels unknown to the schema are errors naming the line.
    pub fn dataset(&self, table: &Table) -> Result<Dataset> {
        let (features, targets) = self.columns_of(table)?;
        let targets = targets
            .ok_or_else(|| Error::format(&table.path, format!("has no target column {}", self.targets.join(", "))))?;
        let x = table.numbers(&features)?;
        let d = features.len();
        match &self.class_names {
            None => Ok(Dataset::regression(x, d, table.targets(&targets)?, targets.len())),
            Some(names) => {
                let labels = table.labels(targets[0])?;
                let ids = labels
                    .iter()
                    .zip(&table.rows)
                    .map(|(l, (line, _))| {
                        names.iter().position(|n| n == l).map(|i| i as u32).ok_or_else(|| {
                            Error::format(
                                &table.path,
                                format!(
                                    "line {line}, column '{}': class '{l}' is not one of the training classes ({})",
                                    self.targets[0],
                                    names.join(", ")
                                ),
                            )
                        })
                    })
                    .collect::<Result<Vec<u32>>>()?;
                Ok(Dataset::classification(x, d, ids, names.len()))
            }
        }
    }

    /// The feature matrix of `table` (rows × features, unscaled), ignoring target columns if present.
    pub fn features_of(&self, table: &Table) -> Result<Vec<f32>> {
        let (features, _) = self.columns_of(table)?;
        table.numbers(&features)
    }

    /// Model metadata keys holding a schema (JSON lists and the task name).
    pub const METADATA_KEYS: [&'static str; 3] = [META_FEATURES, META_TARGETS, META_TASK];

    /// Writes the schema into model metadata (class names are the model's own key).
    pub fn to_metadata(&self, info: &mut HashMap<String, String>) {
        let json = |v: &Vec<String>| serde_json::to_string(v).expect("strings serialize");
        info.insert(META_FEATURES.into(), json(&self.features));
        info.insert(META_TARGETS.into(), json(&self.targets));
        info.insert(META_TASK.into(), self.task.to_string());
    }

    /// The schema stored in a model's metadata `info` (with the model's `class_names`), `None`
    /// for models not trained on a table; `path` names the file in errors.
    pub fn from_metadata(
        info: &HashMap<String, String>,
        class_names: Option<&Vec<String>>,
        path: &Path,
    ) -> Result<Option<Schema>> {
        let list = |key: &str| -> Result<Option<Vec<String>>> {
            info.get(key)
                .map(|s| serde_json::from_str(s).map_err(|e| Error::format(path, format!("metadata '{key}': {e}"))))
                .transpose()
        };
        let (Some(features), Some(targets)) = (list(META_FEATURES)?, list(META_TARGETS)?) else {
            return Ok(None);
        };
        let task = match info.get(META_TASK) {
            Some(t) => t.parse().map_err(|e: String| Error::format(path, format!("metadata '{META_TASK}': {e}")))?,
            None if class_names.is_some() => Task::Classification,
            None => Task::Regression,
        };
        let class_names = class_names.cloned().filter(|_| task == Task::Classification);
        Ok(Some(Schema { features, targets, task, class_names }))
    }
}

/// The sorted classes of a classification target; needs exactly one target column and at least
/// two classes.
fn class_names(table: &Table, targets: &[String], col: usize) -> Result<Vec<String>> {
    if targets.len() != 1 {
        return Err(Error::config(
            "--target",
            format!("classification takes one target column, got {}: {}", targets.len(), targets.join(", ")),
        ));
    }
    let names = sorted_classes(&table.labels(col)?);
    if names.len() < 2 {
        return Err(Error::format(
            &table.path,
            format!(
                "target column '{}' has a single class ('{}'); classification needs two or more",
                targets[0], names[0]
            ),
        ));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Result<Table> {
        Table::parse(text.as_bytes(), Path::new("t.csv"))
    }

    fn err(r: Result<impl std::fmt::Debug>) -> String {
        r.unwrap_err().to_string()
    }

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
        let t = table("x,y\n1,a\n2,a\n").unwrap();
        assert!(err(Schema::from_table(&t, &["y".into()], None)).contains("single class ('a')"));
        assert!(err(Schema::from_table(&t, &["z".into()], None)).contains("no column 'z'; its columns: x, y"));
    }

    #[test]
    fn schema_matches_columns_by_name() {
        let t = table("x1,y,x2\n1,a,2\n3,b,4\n").unwrap();
        let (s, why) = Schema::from_table(&t, &["y".into()], None).unwrap();
        assert_eq!((s.features.clone(), why.as_deref()), (vec!["x1".into(), "x2".into()], Some("text target")));
        let other = table("x2,x1\n5,6\n").unwrap();
        assert_eq!(s.features_of(&other).unwrap(), [6.0, 5.0]);
        assert!(err(s.features_of(&table("x1,x3\n1,2\n").unwrap())).contains("unexpected column 'x3'"));
        assert!(err(s.features_of(&table("x1\n1\n").unwrap())).contains("missing column 'x2'"));
        assert!(err(s.dataset(&table("x1,x2,y\n1,2,c\n").unwrap())).contains("class 'c' is not one"));
        let mut info = HashMap::new();
        s.to_metadata(&mut info);
        assert_eq!(Schema::from_metadata(&info, s.class_names.as_ref(), Path::new("m")).unwrap(), Some(s));
    }
}

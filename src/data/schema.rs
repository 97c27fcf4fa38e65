//! What a model reads of a table ([`Schema`]): its fitted feature columns, its target columns, the
//! task and the classes. Tables are matched to it by column name: columns in any order, extra
//! columns ignored, a missing feature column an error naming it. The schema is stored in the
//! model's metadata, so `eval` and `predict` read raw tables as the user has them.

use super::Dataset;
use super::columns::{Column, ColumnOptions, ColumnType, Encoded, MissingPolicy, encode};
use super::csv::Task;
use super::table::{Table, is_missing, sorted_classes};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::Path;

/// The target columns of a training table: where they are, the task (and why, when inferred),
/// the classes, and the rows that have every target (the others are dropped).
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// Target column names.
    pub names: Vec<String>,
    /// Their indices in the table.
    pub cols: Vec<usize>,
    /// Classification or regression.
    pub task: Task,
    /// Why the task was chosen, when it was inferred.
    pub why: Option<String>,
    /// Class names in sorted order (classification).
    pub class_names: Option<Vec<String>>,
    /// The rows (indices into the table's rows) whose targets are all present.
    pub rows: Vec<usize>,
}

impl Targets {
    /// The targets `names` of `table`; `task` `None` infers it ([`Task::infer`]). A row with a
    /// missing target is dropped, or with `MissingPolicy::Error` an error naming its line.
    pub fn of(table: &Table, names: &[String], task: Option<Task>, missing: MissingPolicy) -> Result<Targets> {
        let cols: Vec<usize> = names.iter().map(|t| table.column(t, "--target")).collect::<Result<_>>()?;
        let mut rows = Vec::with_capacity(table.len());
        for (r, (line, cells)) in table.rows.iter().enumerate() {
            match cols.iter().find(|&&c| is_missing(&cells[c])) {
                None => rows.push(r),
                Some(&c) if missing == MissingPolicy::Error => {
                    let what = format!("line {line}, column '{}': missing target value", table.columns[c]);
                    return Err(Error::format(
                        &table.path,
                        what + "; fill or drop the row, or leave --missing at impute",
                    ));
                }
                Some(_) => {}
            }
        }
        if rows.is_empty() {
            return Err(Error::format(&table.path, format!("no row has a value in target {}", names.join(", "))));
        }
        let (task, why) = match task {
            Some(t) => (t, None),
            None if names.len() > 1 => (Task::Regression, Some("several target columns".to_string())),
            None => {
                let (t, why) = Task::infer(rows.iter().map(|&r| table.rows[r].1[cols[0]].as_str()));
                (t, Some(why.to_string()))
            }
        };
        let class_names = match task {
            Task::Regression => None,
            Task::Classification => Some(class_names(table, names, cols[0], &rows)?),
        };
        Ok(Targets { names: names.to_vec(), cols, task, why, class_names, rows })
    }

    /// Rows of the table dropped for a missing target.
    pub fn dropped(&self, table: &Table) -> usize {
        table.len() - self.rows.len()
    }
}

/// Which columns of a table a model reads and how: the fitted feature columns, the target
/// columns, the task and (for classification) the class names, index = class.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The feature columns the model reads (every column but the targets and those left out),
    /// in input order.
    pub features: Vec<String>,
    /// Target column names (one for classification).
    pub targets: Vec<String>,
    /// Classification or regression.
    pub task: Task,
    /// Class names in sorted order (classification).
    pub class_names: Option<Vec<String>>,
    /// Every column of the training table but the targets, typed and fitted on the training
    /// rows, those left out included.
    pub columns: Vec<Column>,
}

/// Model metadata keys holding a [`Schema`] (JSON lists and the task name).
const META_FEATURES: &str = "feature_names";
const META_TARGETS: &str = "target_names";
const META_TASK: &str = "task";
const META_COLUMNS: &str = "columns";

/// Where a schema's columns are in a table: the columns it reads, their indices, and the target
/// columns' indices when all are there.
struct Located {
    columns: Vec<Column>,
    cols: Vec<usize>,
    targets: Option<Vec<usize>>,
}

/// A table read through a schema: the dataset of its rows that have targets, how many did not,
/// and the encoding's warnings.
#[derive(Debug, Clone)]
pub struct TableData {
    /// The rows with targets, features encoded (not yet standardised).
    pub dataset: Dataset,
    /// Rows left out for a missing target.
    pub dropped: usize,
    /// Categories training did not see, one line per column and value.
    pub warnings: Vec<String>,
}

impl Schema {
    /// Fits every non-target column of `table` on the rows `train` as `opts` says.
    pub fn fit(table: &Table, targets: &Targets, train: &[usize], opts: &ColumnOptions) -> Result<Schema> {
        let mut columns = Vec::new();
        for c in 0..table.columns.len() {
            if !targets.cols.contains(&c) {
                columns.push(Column::fit(table, c, train, opts)?);
            }
        }
        for name in opts.ignore.iter().chain(&opts.categorical).chain(&opts.numeric) {
            if !columns.iter().any(|c| c.name == *name) {
                let why = format!("{} has no feature column '{name}'", table.path.display());
                return Err(Error::config("--ignore/--categorical/--numeric", why));
            }
        }
        let features: Vec<String> =
            columns.iter().filter(|c| c.kind != ColumnType::Ignored).map(|c| c.name.clone()).collect();
        if features.is_empty() {
            let why = format!("{} has no feature column left to train on", table.path.display());
            return Err(Error::config("--target", why));
        }
        let (task, class_names) = (targets.task, targets.class_names.clone());
        Ok(Schema { features, targets: targets.names.clone(), task, class_names, columns })
    }

    /// Number of network inputs.
    pub fn n_inputs(&self) -> usize {
        self.columns.iter().map(Column::width).sum()
    }

    /// Number of network outputs: one per class, or one per target column.
    pub fn n_outputs(&self) -> usize {
        self.class_names.as_ref().map_or(self.targets.len(), Vec::len)
    }

    /// For each network input, whether it is standardised (a numeric value) or kept as it is
    /// (a one-hot or missing-indicator input).
    pub fn scaled_inputs(&self) -> Vec<bool> {
        self.columns.iter().flat_map(Column::scaled_inputs).collect()
    }

    /// The columns the model reads and their indices in `table`, and the target columns' if all
    /// are there. A missing feature column is an error naming it; other columns are ignored.
    fn locate(&self, table: &Table) -> Result<Located> {
        let index = |name: &String| table.columns.iter().position(|c| c == name);
        let columns: Vec<Column> = self.columns.iter().filter(|c| c.kind != ColumnType::Ignored).cloned().collect();
        let cols = columns
            .iter()
            .map(|c| {
                index(&c.name).ok_or_else(|| {
                    let what = format!("missing column '{}'; the model reads {}", c.name, self.features.join(", "));
                    Error::format(&table.path, what)
                })
            })
            .collect::<Result<Vec<usize>>>()?;
        let targets: Option<Vec<usize>> = self.targets.iter().map(index).collect();
        Ok(Located { columns, cols, targets })
    }

    /// The inputs of every row of `table` (targets, if present, ignored); see [`encode`].
    pub fn inputs_of(&self, table: &Table, strict: bool) -> Result<Encoded> {
        let at = self.locate(table)?;
        encode(table, &at.columns, &at.cols, &(0..table.len()).collect::<Vec<_>>(), strict)
    }

    /// The inputs of the rows of a matrix `x` of numbers whose columns are this schema's columns
    /// in order, each row `self.columns.len()` wide (as a table of numbers trained it): the
    /// columns left out are dropped. A categorical column needs a table: an error.
    pub fn inputs_of_matrix(&self, x: &[f32]) -> Result<Vec<f32>> {
        let width = self.columns.len();
        if let Some(c) = self.columns.iter().find(|c| !matches!(c.kind, ColumnType::Numeric | ColumnType::Ignored)) {
            let what = format!("column '{}' is {}: the model reads a table of text cells, not numbers", c.name, c.kind);
            return Err(Error::Shape { op: "predict on a matrix".into(), expected: "a table".into(), got: what });
        }
        if width == 0 || !x.len().is_multiple_of(width) {
            let (expected, got) = (format!("rows of {width} columns"), format!("{} values", x.len()));
            return Err(Error::Shape { op: "predict on a matrix".into(), expected, got });
        }
        let used: Vec<usize> = (0..width).filter(|&j| self.columns[j].kind != ColumnType::Ignored).collect();
        Ok(x.chunks_exact(width).flat_map(|row| used.iter().map(move |&j| row[j])).collect())
    }

    /// The dataset of the rows of `table` that have every target (features encoded, unscaled).
    /// Class labels unknown to the schema are errors naming the line.
    pub fn read(&self, table: &Table, strict: bool) -> Result<TableData> {
        let targets = self
            .locate(table)?
            .targets
            .ok_or_else(|| Error::format(&table.path, format!("has no target column {}", self.targets.join(", "))))?;
        let rows: Vec<usize> =
            (0..table.len()).filter(|&r| targets.iter().all(|&c| !is_missing(&table.rows[r].1[c]))).collect();
        let mut data = self.rows(table, &targets, &rows, strict)?;
        data.dropped = table.len() - rows.len();
        Ok(data)
    }

    /// The dataset of rows `rows` of `table`, whose targets are in columns `targets`.
    pub fn rows(&self, table: &Table, targets: &[usize], rows: &[usize], strict: bool) -> Result<TableData> {
        let at = self.locate(table)?;
        let Encoded { x, warnings } = encode(table, &at.columns, &at.cols, rows, strict)?;
        let d = self.n_inputs();
        let dataset = match &self.class_names {
            None => Dataset::regression(x, d, table.targets_of(targets, rows)?, targets.len()),
            Some(names) => Dataset::classification(x, d, self.class_ids(table, targets[0], rows, names)?, names.len()),
        };
        Ok(TableData { dataset, dropped: 0, warnings })
    }

    /// The class index of each row's label; a label training did not have is an error.
    pub(crate) fn class_ids(&self, table: &Table, col: usize, rows: &[usize], names: &[String]) -> Result<Vec<u32>> {
        let labels = table.labels_of(col, rows)?;
        labels
            .iter()
            .zip(rows)
            .map(|(l, &r)| {
                names.iter().position(|n| n == l).map(|i| i as u32).ok_or_else(|| {
                    let line = table.rows[r].0;
                    let what = format!(
                        "line {line}, column '{}': class '{l}' is not one of the training classes ({})",
                        self.targets[0],
                        names.join(", ")
                    );
                    Error::format(&table.path, what)
                })
            })
            .collect()
    }

    /// Model metadata keys holding a schema.
    pub const METADATA_KEYS: [&'static str; 4] = [META_FEATURES, META_TARGETS, META_TASK, META_COLUMNS];

    /// Writes the schema into model metadata (class names are the model's own key).
    pub fn to_metadata(&self, info: &mut HashMap<String, String>) {
        let json = |v: &Vec<String>| serde_json::to_string(v).expect("strings serialize");
        info.insert(META_FEATURES.into(), json(&self.features));
        info.insert(META_TARGETS.into(), json(&self.targets));
        info.insert(META_TASK.into(), self.task.to_string());
        info.insert(META_COLUMNS.into(), serde_json::to_string(&self.columns).expect("columns serialize"));
    }

    /// The schema stored in a model's metadata `info` (with the model's `class_names`), `None`
    /// for models not trained on a table; `path` names the file in errors. Models written before
    /// columns were typed read every feature as a number, with no imputation.
    pub fn from_metadata(
        info: &HashMap<String, String>,
        class_names: Option<&Vec<String>>,
        path: &Path,
    ) -> Result<Option<Schema>> {
        let bad = |key: &str, e: String| Error::format(path, format!("metadata '{key}': {e}"));
        let list = |key: &str| -> Result<Option<Vec<String>>> {
            info.get(key).map(|s| serde_json::from_str(s).map_err(|e| bad(key, e.to_string()))).transpose()
        };
        let (Some(features), Some(targets)) = (list(META_FEATURES)?, list(META_TARGETS)?) else {
            return Ok(None);
        };
        let task = match info.get(META_TASK) {
            Some(t) => t.parse().map_err(|e: String| bad(META_TASK, e))?,
            None if class_names.is_some() => Task::Classification,
            None => Task::Regression,
        };
        let columns: Vec<Column> = match info.get(META_COLUMNS) {
            Some(s) => serde_json::from_str(s).map_err(|e| bad(META_COLUMNS, e.to_string()))?,
            None => features.iter().map(|f| Column::plain_numeric(f)).collect(),
        };
        let used: Vec<&String> = columns.iter().filter(|c| c.kind != ColumnType::Ignored).map(|c| &c.name).collect();
        if !used.iter().copied().eq(features.iter()) {
            return Err(bad(META_COLUMNS, "the columns do not match the feature names".into()));
        }
        let class_names = class_names.cloned().filter(|_| task == Task::Classification);
        Ok(Some(Schema { features, targets, task, class_names, columns }))
    }
}

/// The sorted classes of a classification target over rows `rows`; needs exactly one target
/// column and at least two classes.
fn class_names(table: &Table, targets: &[String], col: usize, rows: &[usize]) -> Result<Vec<String>> {
    if targets.len() != 1 {
        return Err(Error::config(
            "--target",
            format!("classification takes one target column, got {}: {}", targets.len(), targets.join(", ")),
        ));
    }
    let names = sorted_classes(&table.labels_of(col, rows)?);
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
mod tests;

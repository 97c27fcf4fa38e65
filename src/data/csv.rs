//! CSV and TSV tables as datasets. A [`Table`] is a file with a header row and one sample per
//! line (comma-separated, or tab-separated when the file ends in `.tsv`/`.tab` or its header has
//! more tabs than commas). A [`Schema`] says which columns are features and which are targets, and
//! for classification the class names; it is stored in the model so that eval and predict read
//! their files by column name. Features must be numbers: an empty cell, `NA`, `NaN` or an infinite
//! value is an error naming the file, the line (1-based, the header is line 1) and the column —
//! never guessed. [`load`] reads training (and test) files into [`Splits`], holds out seeded
//! validation and test fractions, and standardises features with the training split's statistics.

use super::{Dataset, Splits};
use crate::error::{Error, Result};
use crate::model_io::ModelMeta;
use crate::network::Network;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// Most distinct integer values a target may have for [`Task::infer`] to call it classification.
pub const MAX_AUTO_CLASSES: usize = 20;

/// Cells read as a missing value (compared case-insensitively), besides the empty cell.
const MISSING: [&str; 6] = ["na", "n/a", "nan", "null", "none", "?"];

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

/// A delimited text file: column names from the header and the raw cells of each row.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file, named in errors.
    pub path: PathBuf,
    /// Column names, from the header row.
    pub columns: Vec<String>,
    /// Each data row's line number in the file (1-based) and its cells.
    pub rows: Vec<(u64, Vec<String>)>,
}

/// The field delimiter of a file: tab for `.tsv`/`.tab`, or when the header line has more tabs
/// than commas; comma otherwise.
pub fn delimiter(path: &Path, header_line: &str) -> u8 {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let tabs = header_line.matches('\t').count();
    if matches!(ext.as_deref(), Some("tsv" | "tab")) || tabs > header_line.matches(',').count() { b'\t' } else { b',' }
}

impl Table {
    /// Reads `path`; see [`Table::parse`].
    pub fn read(path: &Path) -> Result<Table> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Table::parse(&bytes, path)
    }

    /// Parses delimited text. Errors (naming `path` and the line): an empty file, a header with an
    /// empty or repeated column name, no data rows, a row whose number of fields differs from the
    /// header's, text that is not UTF-8.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Table> {
        let bad = |what: String| Error::format(path, what);
        let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        let delim = delimiter(path, &String::from_utf8_lossy(first_line));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delim)
            .flexible(true)
            .has_headers(false)
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let mut records = reader.records();
        let header = match records.next() {
            Some(r) => r.map_err(|e| bad(csv_error(&e)))?,
            None => return Err(bad("empty file; a header row with the column names is required".into())),
        };
        let columns: Vec<String> = header.iter().map(|c| c.trim_start_matches('\u{feff}').to_string()).collect();
        check_header(&columns).map_err(bad)?;
        let mut rows = Vec::new();
        let mut cursor = (0usize, 1u64); // (byte, its line), advanced row by row
        for record in records {
            let record = record.map_err(|e| bad(csv_error(&e)))?;
            let start = record.position().map_or(0, |p| p.byte() as usize).max(cursor.0);
            cursor = (start, cursor.1 + line_breaks(&bytes[cursor.0..start]));
            let line = cursor.1 + blank_lines(&bytes[start..]);
            if record.len() == 1 && record[0].is_empty() {
                continue; // a blank line
            }
            if record.len() != columns.len() {
                return Err(bad(format!(
                    "line {line} has {} fields, the header has {} ({})",
                    record.len(),
                    columns.len(),
                    columns.join(", ")
                )));
            }
            rows.push((line, record.iter().map(str::to_string).collect()));
        }
        if rows.is_empty() {
            return Err(bad("no data rows after the header".into()));
        }
        Ok(Table { path: path.to_path_buf(), columns, rows })
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no data rows (never, for a table from [`Table::parse`]).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The index of column `name`, or an error listing the columns there are (naming `flag`).
    pub fn column(&self, name: &str, flag: &str) -> Result<usize> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| {
            Error::config(
                flag,
                format!("{} has no column '{name}'; its columns: {}", self.path.display(), self.columns.join(", ")),
            )
        })
    }

    /// The numbers in columns `cols`, row-major (rows × cols.len()). A missing, non-numeric or
    /// non-finite cell is an error naming the file, line and column.
    pub fn numbers(&self, cols: &[usize]) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(self.len() * cols.len());
        for (line, cells) in &self.rows {
            for &c in cols {
                out.push(self.number(&cells[c], *line, c)?);
            }
        }
        Ok(out)
    }

    fn number(&self, cell: &str, line: u64, col: usize) -> Result<f32> {
        let at = || format!("line {line}, column '{}'", self.columns[col]);
        if is_missing(cell) {
            let shown = if cell.is_empty() { "an empty cell".to_string() } else { format!("'{cell}'") };
            return Err(Error::format(&self.path, format!("{}: missing value ({shown}); fill or drop it", at())));
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() && (v as f32).is_finite() => Ok(v as f32),
            Ok(_) => Err(Error::format(&self.path, format!("{}: '{cell}' is not a finite number", at()))),
            Err(_) => {
                Err(Error::format(&self.path, format!("{}: '{cell}' is not a number (features must be numeric)", at())))
            }
        }
    }

    /// The class-label cells of column `col`, as canonical class names ([`class_name`]); a missing
    /// cell is an error naming the line.
    pub fn labels(&self, col: usize) -> Result<Vec<String>> {
        self.rows
            .iter()
            .map(|(line, cells)| {
                let cell = &cells[col];
                if is_missing(cell) {
                    return Err(Error::format(
                        &self.path,
                        format!("line {line}, column '{}': missing class label", self.columns[col]),
                    ));
                }
                Ok(class_name(cell))
            })
            .collect()
    }
}

fn check_header(columns: &[String]) -> std::result::Result<(), String> {
    if let Some(i) = columns.iter().position(|c| c.is_empty()) {
        return Err(format!("line 1 (header): column {} has no name", i + 1));
    }
    let mut seen = BTreeSet::new();
    match columns.iter().find(|c| !seen.insert(c.as_str())) {
        Some(dup) => Err(format!("line 1 (header): column name '{dup}' appears twice")),
        None => Ok(()),
    }
}

/// Number of line breaks in `bytes`.
fn line_breaks(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Number of blank lines at the start of `bytes` (the reader skips them before a record).
fn blank_lines(bytes: &[u8]) -> u64 {
    line_breaks(&bytes[..bytes.iter().take_while(|&&b| b == b'\n' || b == b'\r').count()])
}

fn csv_error(e: &csv::Error) -> String {
    match (e.kind(), e.position()) {
        (csv::ErrorKind::Utf8 { .. }, Some(p)) => format!("line {}: text is not valid UTF-8", p.line()),
        _ => e.to_string(),
    }
}

fn is_missing(cell: &str) -> bool {
    cell.is_empty() || MISSING.iter().any(|m| cell.eq_ignore_ascii_case(m))
}

/// The class name of a label cell: integer values are written without a fraction (`1.0` → `1`),
/// anything else is kept as written (trimmed).
pub fn class_name(cell: &str) -> String {
    match cell.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
        _ => cell.trim().to_string(),
    }
}

/// Distinct class names in order: numerically when all are numbers, else by text.
pub fn sorted_classes(labels: &[String]) -> Vec<String> {
    let mut names: Vec<String> = labels.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    if names.iter().all(|n| n.parse::<f64>().is_ok()) {
        names.sort_by(|a, b| a.parse::<f64>().unwrap_or(0.0).total_cmp(&b.parse::<f64>().unwrap_or(0.0)));
    }
    names
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
            None => Ok(Dataset::regression(x, d, table.numbers(&targets)?, targets.len())),
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

    /// Writes the schema into model metadata (class names in `class_names`, the rest in `extra`).
    pub fn to_meta(&self, meta: &mut ModelMeta) {
        let json = |v: &Vec<String>| serde_json::to_string(v).expect("strings serialize");
        meta.extra.insert(META_FEATURES.into(), json(&self.features));
        meta.extra.insert(META_TARGETS.into(), json(&self.targets));
        meta.extra.insert(META_TASK.into(), self.task.to_string());
        meta.class_names = self.class_names.clone();
    }

    /// The schema stored in a model's metadata, `None` for models not trained on a table.
    pub fn from_meta(meta: &ModelMeta, path: &Path) -> Result<Option<Schema>> {
        let list = |key: &str| -> Result<Option<Vec<String>>> {
            meta.extra
                .get(key)
                .map(|s| serde_json::from_str(s).map_err(|e| Error::format(path, format!("metadata '{key}': {e}"))))
                .transpose()
        };
        let (Some(features), Some(targets)) = (list(META_FEATURES)?, list(META_TARGETS)?) else {
            return Ok(None);
        };
        let task = match meta.extra.get(META_TASK) {
            Some(t) => t.parse().map_err(|e: String| Error::format(path, format!("metadata '{META_TASK}': {e}")))?,
            None if meta.class_names.is_some() => Task::Classification,
            None => Task::Regression,
        };
        let class_names = meta.class_names.clone().filter(|_| task == Task::Classification);
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

/// Per-column standardisation x' = (x − mean)/std, with std 0 replaced by 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Column means.
    pub mean: Vec<f32>,
    /// Column standard deviations (population), 1 where a column is constant.
    pub std: Vec<f32>,
}

impl Standardizer {
    /// Mean and standard deviation of each of the `width` columns of row-major `values`.
    pub fn fit(values: &[f32], width: usize) -> Self {
        let n = (values.len() / width.max(1)).max(1) as f64;
        let mut sum = vec![0.0f64; width];
        let mut sq = vec![0.0f64; width];
        for row in values.chunks_exact(width) {
            for (j, &v) in row.iter().enumerate() {
                sum[j] += v as f64;
            }
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        for row in values.chunks_exact(width) {
            for (j, &v) in row.iter().enumerate() {
                sq[j] += (v as f64 - mean[j]).powi(2);
            }
        }
        let std = sq.iter().map(|s| (s / n).sqrt()).map(|s| if s > 1e-12 { s as f32 } else { 1.0 }).collect();
        Standardizer { mean: mean.iter().map(|&m| m as f32).collect(), std }
    }

    /// Applies x ← (x − mean)/std to every row of row-major `values`.
    pub fn apply(&self, values: &mut [f32]) {
        for row in values.chunks_exact_mut(self.mean.len()) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
    }

    /// Folds the inverse transform y = y'·std + mean into the last layer of `net`, whose outputs
    /// were trained on standardised targets: W_L ← diag(std) W_L, b_L ← std ⊙ b_L + mean. Exact
    /// for identity outputs, so the saved model predicts in the targets' own units.
    pub fn fold_into_output(&self, net: &mut Network<f32>) {
        let last = net.n_layers() - 1;
        let (w, b) = net.layer_ranges(last);
        let n_in = net.sizes()[last];
        let params = net.params_mut();
        for (j, (&m, &s)) in self.mean.iter().zip(&self.std).enumerate() {
            params[w.start + j * n_in..w.start + (j + 1) * n_in].iter_mut().for_each(|v| *v *= s);
            params[b.start + j] = params[b.start + j] * s + m;
        }
    }
}

/// What [`load`] needs: the files, the target columns, the task and the held-out fractions.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    /// Training file.
    pub train: PathBuf,
    /// Test file, if any.
    pub test: Option<PathBuf>,
    /// Target column names.
    pub targets: Vec<String>,
    /// The task, or `None` to infer it.
    pub task: Option<Task>,
    /// Fraction of the training file held out for validation.
    pub validation_fraction: f64,
    /// Fraction of the training file held out for testing (ignored with a test file).
    pub test_fraction: f64,
    /// Seed of the shuffle that picks the held-out rows.
    pub seed: u64,
}

/// CSV data ready to train on: standardised splits, the schema, the feature standardiser (to
/// store in the model) and, when the task was inferred, the reason.
#[derive(Debug, Clone)]
pub struct Tabular {
    /// Train, validation and test splits, features standardised.
    pub splits: Splits,
    /// Columns, task and class names.
    pub schema: Schema,
    /// Feature statistics of the training split.
    pub features: Standardizer,
    /// Why the task was chosen, when it was inferred.
    pub task_reason: Option<String>,
}

/// Reads CSV training data as `opts` says. The training file's rows are shuffled with `seed`;
/// the first ⌈test_fraction·n⌉ become the test split (only without a test file), the next
/// ⌈validation_fraction·n⌉ the validation split, the rest train. Features of every split are
/// standardised with the training split's mean and standard deviation.
pub fn load(opts: &CsvOptions) -> Result<Tabular> {
    let table = Table::read(&opts.train)?;
    let (schema, task_reason) = Schema::from_table(&table, &opts.targets, opts.task)?;
    let all = schema.dataset(&table)?;
    let n = all.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed));
    let count = |f: f64| if f > 0.0 { ((f * n as f64).ceil() as usize).max(1) } else { 0 };
    let n_test = if opts.test.is_some() { 0 } else { count(opts.test_fraction) };
    let n_val = count(opts.validation_fraction);
    if n_test + n_val >= n {
        return Err(Error::format(
            &opts.train,
            format!("{n} rows leave none for training after {n_test} test and {n_val} validation rows"),
        ));
    }
    let (test_rows, rest) = order.split_at(n_test);
    let (val_rows, train_rows) = rest.split_at(n_val);
    let mut test = (n_test > 0).then(|| all.select(test_rows));
    if let Some(path) = &opts.test {
        test = Some(schema.dataset(&Table::read(path)?)?);
    }
    let mut splits = Splits {
        name: opts.train.file_name().map_or_else(|| opts.train.display().to_string(), |f| f.to_string_lossy().into()),
        train: all.select(train_rows),
        validation: (n_val > 0).then(|| all.select(val_rows)),
        test,
        class_names: schema.class_names.clone(),
        image_shape: None,
    };
    let features = Standardizer::fit(&splits.train.x, splits.train.n_features);
    for part in [Some(&mut splits.train), splits.validation.as_mut(), splits.test.as_mut()].into_iter().flatten() {
        features.apply(&mut part.x);
    }
    Ok(Tabular { splits, schema, features, task_reason })
}

/// Standardises the regression targets of every split with the training split's statistics and
/// returns the standardiser (fold it into the trained network with
/// [`Standardizer::fold_into_output`]).
pub fn standardize_targets(splits: &mut Splits) -> Standardizer {
    let targets = Standardizer::fit(&splits.train.y, splits.train.n_outputs);
    for part in [Some(&mut splits.train), splits.validation.as_mut(), splits.test.as_mut()].into_iter().flatten() {
        targets.apply(&mut part.y);
    }
    targets
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
    fn reads_commas_tabs_quotes_and_blank_lines() {
        let t = table("a,b,label\n1,2,x\n\n3,4,\"y z\"\n").unwrap();
        assert_eq!(t.columns, ["a", "b", "label"]);
        assert_eq!(t.rows[1], (4, vec!["3".into(), "4".into(), "y z".into()]));
        let t = table("a\tb\n1\t2\n").unwrap();
        assert_eq!(t.columns, ["a", "b"]);
        assert_eq!(delimiter(Path::new("x.TSV"), "a,b"), b'\t');
        assert_eq!(delimiter(Path::new("x.csv"), "a,b"), b',');
    }

    #[test]
    fn refuses_empty_header_only_and_ragged_files() {
        assert!(err(table("")).contains("empty file"));
        assert!(err(table("a,b\n")).contains("no data rows"));
        assert!(err(table("a,b\n1,2\n3\n")).contains("line 3 has 1 fields, the header has 2"));
        assert!(err(table("a,a\n1,2\n")).contains("'a' appears twice"));
        assert!(err(table("a,,c\n1,2,3\n")).contains("column 2 has no name"));
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let t = table("a,b\n1,2\n3,NA\n5,x\n1e39,1\ninf,2\n").unwrap();
        let cell = |line: usize, col: usize| t.number(&t.rows[line].1[col], t.rows[line].0, col);
        assert!(err(cell(1, 1)).contains("line 3, column 'b': missing value ('NA')"));
        assert!(err(cell(2, 1)).contains("line 4, column 'b': 'x' is not a number"));
        assert!(err(cell(3, 0)).contains("line 5, column 'a': '1e39' is not a finite number"));
        assert!(err(cell(4, 0)).contains("not a finite number"));
        assert!(
            err(table("a,b\n1,\n").unwrap().numbers(&[0, 1]))
                .contains("line 2, column 'b': missing value (an empty cell)")
        );
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
        let mut meta = ModelMeta::default();
        s.to_meta(&mut meta);
        assert_eq!(Schema::from_meta(&meta, Path::new("m")).unwrap(), Some(s));
    }

    #[test]
    fn standardizer_and_output_fold_invert_each_other() {
        let mut v = vec![1.0, 5.0, 3.0, 5.0];
        let s = Standardizer::fit(&v, 2);
        assert_eq!((s.mean.clone(), s.std.clone()), (vec![2.0, 5.0], vec![1.0, 1.0]));
        s.apply(&mut v);
        assert_eq!(v, [-1.0, 0.0, 1.0, 0.0]);
        let mut net =
            Network::<f32>::new(&[1, 1], crate::Activation::Identity, crate::Activation::Identity, crate::Cost::Mse)
                .unwrap();
        net.params_mut().copy_from_slice(&[2.0, 0.5]);
        Standardizer { mean: vec![10.0], std: vec![3.0] }.fold_into_output(&mut net);
        assert_eq!(net.params(), [6.0, 11.5]); // 3·(2x + 0.5) + 10
    }
}

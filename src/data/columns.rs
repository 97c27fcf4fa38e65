//! The feature columns of a table as network inputs. Each column is typed — numeric,
//! categorical, boolean, or left out — from its cells (or as the user says), and fitted on the
//! training rows: a numeric column gives its value, a missing cell the training median, plus an
//! input that is 1 where the cell was missing when the training rows had missing cells; a
//! categorical or boolean column gives one input per category seen in training (sorted), a missing
//! cell its own category `(missing)`, and past [`MAX_CATEGORIES`] the rarest categories share an
//! `(other)` input. A category never seen in training is encoded as none of them, with a warning
//! (an error when strict). The fitted columns travel with the model, so a raw table predicts.

use super::table::{Table, is_missing};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Most inputs a categorical column gets; past it, the rarest categories share `(other)`.
pub const MAX_CATEGORIES: usize = 32;
/// The category of a missing cell in a categorical column.
pub const MISSING_CATEGORY: &str = "(missing)";
/// The category the rarest values of a capped column share.
pub const OTHER_CATEGORY: &str = "(other)";
/// A text column with at least this many rows and a distinct value in every row is an identifier.
pub const MIN_IDENTIFIER_ROWS: usize = 20;

/// What a column is to the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColumnType {
    /// A number per row.
    Numeric,
    /// One of a set of values, one-hot encoded.
    Categorical,
    /// true/false, yes/no: a categorical column of two values.
    Boolean,
    /// Left out of the inputs.
    Ignored,
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnType::Numeric => "numeric",
            ColumnType::Categorical => "categorical",
            ColumnType::Boolean => "boolean",
            ColumnType::Ignored => "ignored",
        })
    }
}

/// What a missing feature cell does in training: imputed (the default), or an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingPolicy {
    /// Numeric: the training median and a missing indicator; categorical: its own category.
    #[default]
    Impute,
    /// Refuse the table, naming the line and column.
    Error,
}

impl std::str::FromStr for MissingPolicy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "impute" => Ok(MissingPolicy::Impute),
            "error" => Ok(MissingPolicy::Error),
            _ => Err(format!("unknown missing-value policy '{s}'; valid: impute, error")),
        }
    }
}

/// How the user types the feature columns and treats missing cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnOptions {
    /// Columns left out.
    pub ignore: Vec<String>,
    /// Columns read as categories even when their cells are numbers.
    pub categorical: Vec<String>,
    /// Columns read as numbers (a cell that is not one is an error).
    pub numeric: Vec<String>,
    /// Missing feature cells.
    pub missing: MissingPolicy,
}

/// One feature column, fitted on the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name in the table.
    pub name: String,
    /// What it is to the network.
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Numeric: the training median, which replaces a missing cell (`None`: a missing cell is an
    /// error, as for models of older versions and `--missing error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f32>,
    /// Numeric: a second input, 1 where the cell was missing (the training rows had some).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub indicator: bool,
    /// Categorical and boolean: the categories, one input each, sorted; [`MISSING_CATEGORY`]
    /// among them when training had missing cells, [`OTHER_CATEGORY`] last when capped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Missing cells in the training rows.
    pub missing: usize,
    /// Distinct values (missing cells aside) in the training rows.
    pub distinct: usize,
    /// Why the column is typed or left out as it is, when the rule is not the plain one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Is `cell` a boolean word (true/false, yes/no, t/f, y/n, any case)?
fn boolean_word(cell: &str) -> bool {
    ["true", "false", "yes", "no", "t", "f", "y", "n"].iter().any(|w| cell.eq_ignore_ascii_case(w))
}

/// A finite number?
fn number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|v| v.is_finite() && (*v as f32).is_finite())
}

impl Column {
    /// Types and fits column `col` of `table` on the rows `rows` (indices into `table.rows`).
    pub fn fit(table: &Table, col: usize, rows: &[usize], opts: &ColumnOptions) -> Result<Column> {
        let name = table.columns[col].clone();
        let cells: Vec<&str> = rows.iter().map(|&r| table.rows[r].1[col].as_str()).collect();
        let present: Vec<&str> = cells.iter().copied().filter(|c| !is_missing(c)).collect();
        let (missing, distinct) = (cells.len() - present.len(), present.iter().collect::<BTreeSet<_>>().len());
        let mut column = Column {
            name,
            kind: ColumnType::Ignored,
            median: None,
            indicator: false,
            categories: Vec::new(),
            missing,
            distinct,
            note: None,
        };
        let (kind, note) = column.infer(&present, opts);
        column.kind = kind;
        column.note = note;
        if missing > 0 && kind != ColumnType::Ignored && opts.missing == MissingPolicy::Error {
            let r = rows[cells.iter().position(|c| is_missing(c)).expect("a missing cell")];
            return Err(missing_error(table, r, col));
        }
        match kind {
            ColumnType::Numeric => column.fit_numeric(table, rows, col, &present)?,
            ColumnType::Categorical | ColumnType::Boolean => column.fit_categories(&cells),
            ColumnType::Ignored => {}
        }
        Ok(column)
    }

    /// Types and fits a column of numbers, `values` being its training rows, as [`Column::fit`]
    /// does the column of their shortest texts: left out when listed in `--ignore` or constant,
    /// else numeric (no cell is missing). `--categorical` needs the column's text: an error.
    pub fn fit_values(name: &str, values: &[f32], opts: &ColumnOptions) -> Result<Column> {
        if opts.categorical.iter().any(|c| c == name) {
            let why = format!("column '{name}' is numbers here; categorical columns need a table of text cells");
            return Err(Error::config("--categorical", why));
        }
        let mut sorted = values.to_vec();
        sorted.sort_unstable_by(f32::total_cmp);
        let distinct = sorted.chunk_by(|a, b| a.to_bits() == b.to_bits()).count();
        let mut column = Column::plain_numeric(name);
        column.distinct = distinct;
        let present: Vec<String> = values.iter().take(1).map(f32::to_string).collect();
        let present: Vec<&str> = present.iter().map(String::as_str).collect();
        let (kind, note) = if values.is_empty() {
            (ColumnType::Ignored, Some("no rows".into()))
        } else {
            column.infer(&present, opts)
        };
        (column.kind, column.note) = (kind, note);
        if kind == ColumnType::Numeric {
            column.median = Some(median_of_sorted(&sorted));
        }
        Ok(column)
    }

    /// The column's type from its present cells and the user's lists, and a note on why.
    fn infer(&self, present: &[&str], opts: &ColumnOptions) -> (ColumnType, Option<String>) {
        let named = |list: &[String]| list.contains(&self.name);
        if named(&opts.ignore) {
            return (ColumnType::Ignored, Some("--ignore".into()));
        }
        if named(&opts.categorical) {
            return (ColumnType::Categorical, Some("--categorical".into()));
        }
        if named(&opts.numeric) {
            return (ColumnType::Numeric, Some("--numeric".into()));
        }
        if present.is_empty() {
            return (ColumnType::Ignored, Some("every cell is missing".into()));
        }
        if self.distinct == 1 {
            return (ColumnType::Ignored, Some(format!("constant ('{}')", present[0])));
        }
        // Numbers, `inf` included: an infinite cell is then an error, not a category.
        if present.iter().all(|c| c.parse::<f64>().is_ok()) {
            return (ColumnType::Numeric, None);
        }
        if present.iter().all(|c| boolean_word(c)) {
            return (ColumnType::Boolean, None);
        }
        if self.distinct == present.len() && present.len() >= MIN_IDENTIFIER_ROWS {
            return (ColumnType::Ignored, Some("identifier-like: a different text in every row".into()));
        }
        (ColumnType::Categorical, None)
    }

    /// The median of the present cells (every one must be a number), and the indicator.
    fn fit_numeric(&mut self, table: &Table, rows: &[usize], col: usize, present: &[&str]) -> Result<()> {
        let mut values = Vec::with_capacity(present.len());
        for &r in rows {
            let cell = &table.rows[r].1[col];
            if !is_missing(cell) {
                values.push(number(cell).ok_or_else(|| not_a_number(table, r, col))? as f32);
            }
        }
        self.median = Some(median(values));
        self.indicator = self.missing > 0;
        Ok(())
    }

    /// The categories: the values seen (booleans lower-cased), the most frequent kept when there
    /// are more than [`MAX_CATEGORIES`], `(missing)` when cells were missing.
    fn fit_categories(&mut self, cells: &[&str]) {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for &cell in cells {
            let category = self.category_of(cell);
            *counts.entry(category).or_default() += 1;
        }
        let mut categories: Vec<String> = counts.keys().cloned().collect();
        if categories.len() > MAX_CATEGORIES {
            let mut by_count: Vec<(&String, &usize)> = counts.iter().collect();
            by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let kept: BTreeSet<String> = by_count[..MAX_CATEGORIES - 1].iter().map(|(c, _)| (*c).clone()).collect();
            self.note = Some(format!(
                "{} categories: the {} most frequent kept, the rest as '{OTHER_CATEGORY}'",
                categories.len(),
                MAX_CATEGORIES - 1
            ));
            categories = kept.into_iter().collect();
            categories.push(OTHER_CATEGORY.into());
        }
        self.categories = categories;
    }

    /// The category a cell belongs to (before any cap).
    fn category_of(&self, cell: &str) -> String {
        match (is_missing(cell), self.kind) {
            (true, _) => MISSING_CATEGORY.into(),
            (false, ColumnType::Boolean) => cell.to_ascii_lowercase(),
            (false, _) => cell.to_string(),
        }
    }

    /// A numeric column read as it is, a missing cell an error (models of older versions).
    pub fn plain_numeric(name: &str) -> Column {
        Column {
            name: name.to_string(),
            kind: ColumnType::Numeric,
            median: None,
            indicator: false,
            categories: Vec::new(),
            missing: 0,
            distinct: 0,
            note: None,
        }
    }

    /// Inputs this column gives the network.
    pub fn width(&self) -> usize {
        match self.kind {
            ColumnType::Numeric => 1 + usize::from(self.indicator),
            ColumnType::Categorical | ColumnType::Boolean => self.categories.len(),
            ColumnType::Ignored => 0,
        }
    }

    /// Whether each of the column's inputs is a measurement to standardise (a numeric value), as
    /// opposed to a 0/1 indicator or one-hot input, kept as it is.
    pub fn scaled_inputs(&self) -> Vec<bool> {
        let mut out = vec![false; self.width()];
        if self.kind == ColumnType::Numeric {
            out[0] = true;
        }
        out
    }

    /// Writes the inputs of `cell` (row `r` of `table`) into `out` (`width()` values). Returns the
    /// category when it is one training did not see (encoded as all zeros).
    fn encode_cell(&self, table: &Table, r: usize, col: usize, out: &mut [f32]) -> Result<Option<String>> {
        let cell = table.rows[r].1[col].as_str();
        match self.kind {
            ColumnType::Ignored => Ok(None),
            ColumnType::Numeric => {
                let value = match (is_missing(cell), self.median) {
                    (false, _) => number(cell).ok_or_else(|| not_a_number(table, r, col))? as f32,
                    (true, Some(m)) => m,
                    (true, None) => return Err(missing_error(table, r, col)),
                };
                out[0] = value;
                if self.indicator {
                    out[1] = f32::from(u8::from(is_missing(cell)));
                }
                Ok(None)
            }
            ColumnType::Categorical | ColumnType::Boolean => {
                out.iter_mut().for_each(|v| *v = 0.0);
                let category = self.category_of(cell);
                // A value a capped column did not keep falls in `(other)`; nothing else does.
                let capped = self.categories.last().is_some_and(|c| c == OTHER_CATEGORY);
                let slot = (self.categories.iter().position(|c| *c == category))
                    .or_else(|| (capped && !is_missing(cell)).then(|| self.categories.len() - 1));
                match slot {
                    Some(i) => {
                        out[i] = 1.0;
                        Ok(None)
                    }
                    None => Ok(Some(category)),
                }
            }
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count; 0 for none).
fn median(mut values: Vec<f32>) -> f32 {
    values.sort_by(f32::total_cmp);
    median_of_sorted(&values)
}

/// The median of values sorted in ascending order (0 for none).
fn median_of_sorted(values: &[f32]) -> f32 {
    let mid = values.len() / 2;
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[mid],
        _ => ((values[mid - 1] as f64 + values[mid] as f64) / 2.0) as f32,
    }
}

/// The error for a missing cell where none may be.
fn missing_error(table: &Table, r: usize, col: usize) -> Error {
    let (line, cell) = (table.rows[r].0, &table.rows[r].1[col]);
    let shown = if cell.is_empty() { "an empty cell".to_string() } else { format!("'{cell}'") };
    let what = format!("line {line}, column '{}': missing value ({shown})", table.columns[col]);
    Error::format(&table.path, what + "; fill or drop it, or leave --missing at impute")
}

/// The error for a cell of a numeric column that is not a finite number.
fn not_a_number(table: &Table, r: usize, col: usize) -> Error {
    let (line, cell) = (table.rows[r].0, &table.rows[r].1[col]);
    let at = format!("line {line}, column '{}'", table.columns[col]);
    let what = match cell.parse::<f64>() {
        Ok(_) => format!("{at}: '{cell}' is not a finite number"),
        Err(_) => {
            format!("{at}: '{cell}' is not a number (the column is numeric; --categorical reads it as categories)")
        }
    };
    Error::format(&table.path, what)
}

mod encode;
pub use encode::{Encoded, encode};

#[cfg(test)]
mod tests;

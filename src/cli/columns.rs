//! The one-screen summary of a table's columns that `neuralnet train` prints before training:
//! each column's type as inferred (or forced), its missing and distinct values in the training
//! split, the inputs it gives the network and why, when the rule is not the plain one.

use neuralnet::Data;
use neuralnet::data::columns::{Column, ColumnType};
use neuralnet::data::csv::Schema;

/// The summary lines of a table's columns (none for data that is not a table).
pub fn summary(data: &Data) -> Vec<String> {
    let Some(schema) = &data.preprocessing.schema else { return Vec::new() };
    let n = data.splits.train.len();
    let mut lines = vec![format!(
        "columns (training split, {n} rows): {} features → {} inputs; target {} ({})",
        schema.features.len(),
        schema.n_inputs(),
        schema.targets.join(", "),
        schema.task
    )];
    if data.dropped_rows > 0 {
        lines.push(format!("  {} rows without a target left out", data.dropped_rows));
    }
    lines.extend(column_lines(schema));
    lines
}

/// One line per column of `schema`: name, type, missing and distinct values, inputs, why.
pub fn column_lines(schema: &Schema) -> Vec<String> {
    let width = schema.columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(0).min(24);
    schema.columns.iter().map(|c| format!("  {:<width$}  {}", c.name, describe(c))).collect()
}

/// "categorical  3 values, 11 missing → 4 inputs (… note)".
fn describe(c: &Column) -> String {
    let mut text = format!("{:<12}", c.kind.to_string());
    let mut facts = Vec::new();
    if c.kind != ColumnType::Ignored || c.distinct > 0 {
        facts.push(format!("{} distinct", c.distinct));
    }
    if c.missing > 0 {
        let filled = match (c.kind, c.median) {
            (ColumnType::Numeric, Some(m)) => format!(" (median {m} and an indicator)"),
            (ColumnType::Categorical | ColumnType::Boolean, _) => " (a category of their own)".to_string(),
            _ => String::new(),
        };
        facts.push(format!("{} missing{filled}", c.missing));
    }
    text += &facts.join(", ");
    if c.kind != ColumnType::Ignored {
        let w = c.width();
        text += &format!(" → {w} input{}", if w == 1 { "" } else { "s" });
    }
    if let Some(note) = &c.note {
        text += &format!(" ({note})");
    }
    text
}

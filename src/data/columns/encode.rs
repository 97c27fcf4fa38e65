//! Encoding the rows of a table with fitted columns: every column's inputs side by side, and
//! the categories training never saw counted (or refused when strict).

use super::Column;
use crate::data::table::Table;
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// Rows encoded as inputs, and what the encoding had to say (unseen categories).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Encoded {
    /// Row-major inputs, rows × the columns' total width.
    pub x: Vec<f32>,
    /// One line per column and value the training rows did not have.
    pub warnings: Vec<String>,
}

/// Encodes the rows `rows` of `table` with `columns`, whose cells are in the table's columns
/// `cols`. A category training never saw is all zeros and a warning (counted per column and
/// value), or with `strict` an error naming the line.
pub fn encode(table: &Table, columns: &[Column], cols: &[usize], rows: &[usize], strict: bool) -> Result<Encoded> {
    let width: usize = columns.iter().map(Column::width).sum();
    let mut x = vec![0.0f32; rows.len() * width];
    let mut unseen: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for (i, &r) in rows.iter().enumerate() {
        let mut at = i * width;
        for (k, (column, &col)) in columns.iter().zip(cols).enumerate() {
            let w = column.width();
            if let Some(category) = column.encode_cell(table, r, col, &mut x[at..at + w])? {
                if strict {
                    let (line, name) = (table.rows[r].0, &column.name);
                    let what = format!("line {line}, column '{name}': category '{category}' was not seen in training");
                    return Err(Error::format(&table.path, what + " (--strict)"));
                }
                *unseen.entry((k, category)).or_default() += 1;
            }
            at += w;
        }
    }
    let warnings = unseen
        .into_iter()
        .map(|((k, category), n)| {
            format!(
                "{}: column '{}': category '{category}' was not seen in training ({n} row{}); encoded as none of its categories",
                table.path.display(),
                columns[k].name,
                if n == 1 { "" } else { "s" }
            )
        })
        .collect();
    Ok(Encoded { x, warnings })
}

//! The inputs of the graph and what the model does to them before its network, as ONNX nodes.
//!
//! Image and array models take one float input `input` (N × n_inputs). Table models take one
//! input per feature column, named after it, N × 1: numbers as float (NaN for a missing cell),
//! categorical and boolean columns as strings (cells as the CSV reader gives them: trimmed; the
//! missing texts are the CLI's — empty, `NA`, `N/A`, `NaN`, `null`, `None`, `?`, any case). Each
//! column is encoded as `data::columns` encodes it — median imputation and a missing indicator,
//! one-hot categories with `(missing)` and the `(other)` bucket of a capped column — and the
//! inputs, concatenated in the model's order, are standardised with the training statistics.

use super::graph::{Attr, Dim, Graph};
use crate::data::columns::{Column, ColumnType, MISSING_CATEGORY, OTHER_CATEGORY};
use crate::data::csv::Schema;
use crate::data::table::MISSING;
use crate::preprocess::Preprocessing;
use onnx_protobuf::tensor_proto::DataType;

/// Declares the graph's inputs and adds the preprocessing; returns the name of the tensor the
/// network reads (N × n_inputs).
pub(crate) fn inputs(g: &mut Graph, pre: &Preprocessing, n_inputs: usize) -> String {
    let x = match &pre.schema {
        Some(schema) => columns(g, schema),
        None => {
            let doc = match pre.image_shape {
                Some((h, w)) => format!("{h}×{w} image pixels row by row, scaled to [0, 1] (0 = background)"),
                None => "the network's inputs, one row per sample".to_string(),
            };
            g.input("input", DataType::FLOAT, &[Dim::Batch, Dim::Fixed(n_inputs)], &doc)
        }
    };
    match &pre.input {
        Some(s) => {
            let mean = g.floats("features/mean", &[1, s.mean.len()], &s.mean);
            let std = g.floats("features/std", &[1, s.std.len()], &s.std);
            let centred = g.node("Sub", &[&x, &mean], "features/centred", &[]);
            g.node("Div", &[&centred, &std], "features/standardised", &[])
        }
        None => x,
    }
}

/// One input per used column of `schema`, each encoded; their concatenation `features`.
fn columns(g: &mut Graph, schema: &Schema) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in schema.columns.iter().filter(|c| c.width() > 0) {
        match c.kind {
            ColumnType::Numeric => parts.extend(numeric(g, c)),
            ColumnType::Categorical | ColumnType::Boolean => parts.push(categorical(g, c)),
            ColumnType::Ignored => {}
        }
    }
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    g.node("Concat", &refs, "features", &[("axis", Attr::Int(1))])
}

/// A numeric column: its value, the training median where it is NaN, and (when training had
/// missing cells) the indicator, 1 where it was missing.
fn numeric(g: &mut Graph, c: &Column) -> Vec<String> {
    let doc = "a number; NaN for a missing cell";
    let x = g.input(&c.name, DataType::FLOAT, &[Dim::Batch, Dim::Fixed(1)], doc);
    let Some(median) = c.median else { return vec![x] };
    let at = |what: &str| format!("{}/{what}", c.name);
    let missing = g.node("IsNaN", &[&x], &at("is_missing"), &[]);
    let median = g.floats(&at("median"), &[1, 1], &[median]);
    let value = g.node("Where", &[&missing, &median, &x], &at("imputed"), &[]);
    if !c.indicator {
        return vec![value];
    }
    let indicator = g.node("Cast", &[&missing], &at("missing_indicator"), &[("to", Attr::Int(DataType::FLOAT as i64))]);
    vec![value, indicator]
}

/// A categorical or boolean column as its one-hot inputs (N × categories): the cell's category
/// (`(missing)` for a missing text) compared with each category — a boolean column's categories
/// in any letter case, as booleans are lower-cased — and in a capped column, a present cell
/// matching none of the kept categories counts as `(other)`.
fn categorical(g: &mut Graph, c: &Column) -> String {
    let doc = "text; a missing cell is empty or one of NA, N/A, NaN, null, None, ? (any case)";
    let x = g.input(&c.name, DataType::STRING, &[Dim::Batch, Dim::Fixed(1)], doc);
    let at = |what: &str| format!("{}/{what}", c.name);
    let to_float = [("to", Attr::Int(DataType::FLOAT as i64))];
    let missing = is_missing(g, &x, &at);
    let missing_text = g.strings("missing_category", &[1, 1], &[MISSING_CATEGORY.to_string()]);
    let category = g.node("Where", &[&missing, &missing_text, &x], &at("category"), &[]);
    let k = c.categories.len();
    let capped = c.categories.last().is_some_and(|l| l == OTHER_CATEGORY);
    let kept = if capped { k - 1 } else { k };
    let one_hot = if c.kind == ColumnType::Boolean {
        any_case_match(g, &category, &c.categories[..kept], &at)
    } else {
        let names = g.strings(&at("categories"), &[1, kept], &c.categories[..kept]);
        let equal = g.node("Equal", &[&category, &names], &at("matches"), &[]);
        g.node("Cast", &[&equal], &at(if capped { "one_hot_kept" } else { "one_hot" }), &to_float)
    };
    if !capped {
        return one_hot;
    }
    // (other): the text itself, or a present cell that none of the kept categories matched.
    let axis = g.ints("axis_1", &[1], &[1]);
    let any = g.node("ReduceMax", &[&one_hot, &axis], &at("any_kept"), &[("keepdims", Attr::Int(1))]);
    let any = g.node("Cast", &[&any], &at("any_kept_bool"), &[("to", Attr::Int(DataType::BOOL as i64))]);
    let none_kept = g.node("Not", &[&any], &at("none_kept"), &[]);
    let other_text = g.strings("other_category", &[1, 1], &[OTHER_CATEGORY.to_string()]);
    let is_other = g.node("Equal", &[&category, &other_text], &at("is_other_text"), &[]);
    let present = g.node("Not", &[&missing], &at("present"), &[]);
    let fallback = g.node("And", &[&present, &none_kept], &at("unkept"), &[]);
    let other = g.node("Or", &[&is_other, &fallback], &at("is_other"), &[]);
    let other = g.node("Cast", &[&other], &at("other"), &to_float);
    g.node("Concat", &[&one_hot, &other], &at("one_hot"), &[("axis", Attr::Int(1))])
}

/// One-hot inputs (N × categories) of `category` (N × 1 strings) equal to a category in any
/// ASCII letter case: the cells compared with every spelling, then each spelling mapped to its
/// category by a 0/1 matrix (spellings × categories).
fn any_case_match(g: &mut Graph, category: &str, categories: &[String], at: &dyn Fn(&str) -> String) -> String {
    let mut spellings = Vec::new();
    let mut assign = Vec::new();
    for (j, c) in categories.iter().enumerate() {
        for s in case_variants(c) {
            spellings.push(s);
            assign.extend((0..categories.len()).map(|i| if i == j { 1.0 } else { 0.0 }));
        }
    }
    let texts = g.strings(&at("spellings"), &[1, spellings.len()], &spellings);
    let assign = g.floats(&at("spelling_category"), &[spellings.len(), categories.len()], &assign);
    let equal = g.node("Equal", &[category, &texts], &at("spelling_matches"), &[]);
    let equal = g.node("Cast", &[&equal], &at("spelling_matches_float"), &[("to", Attr::Int(DataType::FLOAT as i64))]);
    g.node("MatMul", &[&equal, &assign], &at("one_hot"), &[])
}

/// Whether each cell of `x` (N × 1 strings) is a missing text (N × 1 bool): empty, or one of
/// the CLI's missing words in any ASCII letter case (every spelling listed).
fn is_missing(g: &mut Graph, x: &str, at: &dyn Fn(&str) -> String) -> String {
    let words: Vec<String> = std::iter::once("").chain(MISSING).flat_map(case_variants).collect();
    let texts = g.strings("missing_texts", &[1, words.len()], &words);
    let equal = g.node("Equal", &[x, &texts], &at("missing_matches"), &[]);
    let to_float = [("to", Attr::Int(DataType::FLOAT as i64))];
    let equal = g.node("Cast", &[&equal], &at("missing_matches_float"), &to_float);
    let axis = g.ints("axis_1", &[1], &[1]);
    let any = g.node("ReduceMax", &[&equal, &axis], &at("missing_float"), &[("keepdims", Attr::Int(1))]);
    g.node("Cast", &[&any], &at("is_missing"), &[("to", Attr::Int(DataType::BOOL as i64))])
}

/// Every spelling of `word` that differs only in the case of its ASCII letters (what
/// `eq_ignore_ascii_case` equates), `word` itself first.
pub(crate) fn case_variants(word: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for ch in word.chars() {
        let (lower, upper) = (ch.to_ascii_lowercase(), ch.to_ascii_uppercase());
        let choices: Vec<char> =
            if lower == upper { vec![ch] } else { vec![ch, if ch == lower { upper } else { lower }] };
        out = out.iter().flat_map(|s| choices.iter().map(move |&c| format!("{s}{c}"))).collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::case_variants;

    #[test]
    fn case_variants_are_every_ascii_spelling() {
        assert_eq!(case_variants("n/a"), ["n/a", "n/A", "N/a", "N/A"]);
        assert_eq!(case_variants("?"), ["?"]);
        assert_eq!(case_variants(""), [""]);
        assert_eq!(case_variants("false").len(), 32);
        assert_eq!(case_variants("é"), ["é"]);
    }
}

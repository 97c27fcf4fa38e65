//! The matrix path gives the data that the table of the same numbers, written as their shortest
//! texts, gives: the reference path.

use super::*;
use crate::data::csv::Table;
use crate::preprocess::table::from_tables;
use rand::{RngExt, SeedableRng};
use std::path::Path;

/// `n` rows of 4 columns: random, integer-valued, constant, random again; and their CSV with a
/// target column `y` of `labels` (classification) or numbers.
fn problem(n: usize, classify: bool) -> (Vec<f32>, Vec<String>, String) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    let mut x = Vec::new();
    let mut csv = String::from("a,b,c,d,y\n");
    for i in 0..n {
        let row = [rng.random::<f32>() * 10.0 - 5.0, (i % 4) as f32, 2.5, rng.random::<f32>() * 1e-3];
        let y = if classify { ["cat", "dog", "emu"][i % 3].to_string() } else { (row[0] * 2.0 + row[1]).to_string() };
        csv += &format!("{},{},{},{},{y}\n", row[0], row[1], row[2], row[3]);
        x.extend(row);
    }
    (x, names, csv)
}

fn targets_of(csv: &str) -> Table {
    let ys: String = csv.lines().map(|l| l.rsplit(',').next().unwrap().to_string() + "\n").collect();
    Table::parse(ys.as_bytes(), Path::new("t.csv")).unwrap()
}

#[test]
fn a_matrix_reads_as_the_table_of_its_numbers() {
    for (n, classify) in [(90, true), (1200, true), (150, false)] {
        let (x, names, csv) = problem(n, classify);
        let opts = TableOptions { targets: vec!["y".into()], seed: 3, ..Default::default() };
        let table = Table::parse(csv.as_bytes(), Path::new("t.csv")).unwrap();
        let reference = from_tables(&table, None, &opts).unwrap();
        let fast = from_matrix(Matrix { x: &x, names: &names }, &targets_of(&csv), &opts).unwrap();
        assert_eq!(fast.preprocessing, reference.preprocessing, "n = {n}");
        let (a, b) = (&fast.splits, &reference.splits);
        assert_eq!((&a.train, &a.validation, &a.test), (&b.train, &b.validation, &b.test), "n = {n}");
        assert_eq!((&a.class_names, &fast.task_reason), (&b.class_names, &reference.task_reason));
        assert_eq!(fast.preprocessing.schema.as_ref().unwrap().columns[2].kind, ColumnType::Ignored, "constant");
    }
}

#[test]
fn a_matrix_refuses_what_a_table_of_numbers_cannot_hold() {
    let (mut x, names, csv) = problem(30, true);
    x[5] = f32::NAN;
    let opts = TableOptions { targets: vec!["y".into()], ..Default::default() };
    let err = from_matrix(Matrix { x: &x, names: &names }, &targets_of(&csv), &opts).unwrap_err().to_string();
    assert!(err.contains("row 1, column 'b': NaN is not a finite number"), "{err}");
    let (x, ..) = problem(30, true);
    let short = targets_of("y\ncat\ndog\n");
    assert!(
        from_matrix(Matrix { x: &x, names: &names }, &short, &opts)
            .unwrap_err()
            .to_string()
            .contains("30 feature rows but 2")
    );
    let categorical = TableOptions {
        columns: crate::data::columns::ColumnOptions { categorical: vec!["b".into()], ..Default::default() },
        ..opts
    };
    let err = from_matrix(Matrix { x: &x, names: &names }, &targets_of(&csv), &categorical).unwrap_err().to_string();
    assert!(err.contains("categorical columns need a table"), "{err}");
}

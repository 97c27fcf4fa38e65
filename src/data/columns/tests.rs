//! Column typing, fitting and encoding on small tables with known answers.

use super::*;
use std::path::Path;

fn table(text: &str) -> Table {
    Table::parse(text.as_bytes(), Path::new("t.csv")).unwrap()
}

fn fit(t: &Table, col: usize, opts: &ColumnOptions) -> Column {
    Column::fit(t, col, &(0..t.len()).collect::<Vec<_>>(), opts).unwrap()
}

#[test]
fn types_are_inferred_from_the_cells() {
    let ids: String = (0..25).map(|i| format!("{i},id{i},x,yes,{}\n", i % 3)).collect();
    let t = table(&format!("n,name,k,flag,small\n{ids}"));
    let o = ColumnOptions::default();
    let kinds: Vec<ColumnType> = (0..5).map(|c| fit(&t, c, &o).kind).collect();
    use ColumnType::*;
    assert_eq!(kinds, [Numeric, Ignored, Ignored, Ignored, Numeric]);
    assert_eq!(fit(&t, 1, &o).note.as_deref(), Some("identifier-like: a different text in every row"));
    assert_eq!(fit(&t, 2, &o).note.as_deref(), Some("constant ('x')"));
    let t = table("a,b,c\nred,TRUE,1\nblue,false,2\nred,True,?\n");
    assert_eq!([fit(&t, 0, &o).kind, fit(&t, 1, &o).kind, fit(&t, 2, &o).kind], [Categorical, Boolean, Numeric]);
}

#[test]
fn the_user_s_lists_override_the_inference() {
    let t = table("a,b,c\n1,2,3\n2,3,4\n1,4,5\n");
    let o = ColumnOptions {
        ignore: vec!["c".into()],
        categorical: vec!["a".into()],
        numeric: vec![],
        missing: MissingPolicy::Impute,
    };
    let a = fit(&t, 0, &o);
    assert_eq!((a.kind, a.categories.clone()), (ColumnType::Categorical, vec!["1".to_string(), "2".into()]));
    assert_eq!(fit(&t, 2, &o).kind, ColumnType::Ignored);
    let text = table("a\nx\ny\n");
    let forced = ColumnOptions { numeric: vec!["a".into()], ..Default::default() };
    let err = Column::fit(&text, 0, &[0, 1], &forced).unwrap_err().to_string();
    assert!(err.contains("line 2, column 'a': 'x' is not a number"), "{err}");
}

#[test]
fn one_hot_follows_the_sorted_categories_and_unseen_ones_are_zero() {
    let t = table("c\npear\napple\nNA\nfig\n");
    let c = fit(&t, 0, &ColumnOptions::default());
    assert_eq!(c.categories, ["(missing)", "apple", "fig", "pear"]);
    let e = encode(&t, std::slice::from_ref(&c), &[0], &[0, 1, 2, 3], false).unwrap();
    assert_eq!(e.x, [0., 0., 0., 1., 0., 1., 0., 0., 1., 0., 0., 0., 0., 0., 1., 0.]);
    let other = table("c\nkiwi\nkiwi\nfig\n");
    let e = encode(&other, std::slice::from_ref(&c), &[0], &[0, 1, 2], false).unwrap();
    assert_eq!(&e.x[..4], [0.0; 4]);
    assert_eq!(e.warnings.len(), 1);
    assert!(
        e.warnings[0].contains("column 'c': category 'kiwi' was not seen in training (2 rows)"),
        "{:?}",
        e.warnings
    );
    let err = encode(&other, &[c], &[0], &[0, 1, 2], true).unwrap_err().to_string();
    assert!(err.contains("line 2, column 'c': category 'kiwi' was not seen in training (--strict)"), "{err}");
}

#[test]
fn missing_numbers_get_the_training_median_and_an_indicator() {
    let t = table("x\n1\n?\n10\n4\nNA\n");
    let c = fit(&t, 0, &ColumnOptions::default());
    assert_eq!((c.median, c.indicator, c.missing), (Some(4.0), true, 2));
    let e = encode(&t, std::slice::from_ref(&c), &[0], &[0, 1, 2], false).unwrap();
    assert_eq!(e.x, [1.0, 0.0, 4.0, 1.0, 10.0, 0.0]);
    assert_eq!(c.scaled_inputs(), [true, false]);
    let even = table("x\n1\n2\n3\n10\n");
    assert_eq!(fit(&even, 0, &ColumnOptions::default()).median, Some(2.5));
    let strict = ColumnOptions { missing: MissingPolicy::Error, ..Default::default() };
    let err = Column::fit(&t, 0, &[0, 1, 2], &strict).unwrap_err().to_string();
    assert!(err.contains("line 3, column 'x': missing value ('?')"), "{err}");
}

#[test]
fn many_categories_keep_the_most_frequent_and_pool_the_rest() {
    let mut text = String::from("c\n");
    for i in 0..40 {
        for _ in 0..(if i < 10 { 3 } else { 1 }) {
            text += &format!("v{i:02}\n");
        }
    }
    let t = table(&text);
    let c = fit(&t, 0, &ColumnOptions::default());
    assert_eq!(c.categories.len(), MAX_CATEGORIES);
    assert_eq!(c.categories.last().map(String::as_str), Some(OTHER_CATEGORY));
    assert!(c.categories.contains(&"v00".to_string()) && c.categories.contains(&"v09".to_string()));
    assert!(c.note.as_deref().is_some_and(|n| n.starts_with("40 categories: the 31 most frequent kept")));
    let rare = table("c\nv39\n");
    let e = encode(&rare, &[c], &[0], &[0], false).unwrap();
    assert_eq!((e.x[MAX_CATEGORIES - 1], e.warnings.len()), (1.0, 0), "a dropped category is '(other)'");
}

//! Schemas: targets and dropped rows, columns matched by name, metadata round trips.

use super::*;
use crate::data::columns::ColumnOptions;

fn table(text: &str) -> Table {
    Table::parse(text.as_bytes(), Path::new("t.csv")).unwrap()
}

fn err(r: Result<impl std::fmt::Debug>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn rows_without_a_target_are_dropped_or_refused() {
    let t = table("x,y\n1,a\n2,\n3,b\n4,NA\n");
    let targets = Targets::of(&t, &["y".into()], None, MissingPolicy::Impute).unwrap();
    assert_eq!((targets.rows.clone(), targets.dropped(&t)), (vec![0, 2], 2));
    assert_eq!(targets.class_names, Some(vec!["a".to_string(), "b".into()]));
    let e = err(Targets::of(&t, &["y".into()], None, MissingPolicy::Error));
    assert!(e.contains("line 3, column 'y': missing target value"), "{e}");
    let single = table("x,y\n1,a\n2,a\n");
    assert!(err(Targets::of(&single, &["y".into()], None, MissingPolicy::Impute)).contains("single class ('a')"));
    assert!(err(Targets::of(&single, &["z".into()], None, MissingPolicy::Impute)).contains("no column 'z'"));
}

#[test]
fn tables_are_read_by_column_name() {
    let t = table("x1,y,x2,id\n1,a,2,p\n3,b,4,q\n5,a,6,r\n");
    let targets = Targets::of(&t, &["y".into()], None, MissingPolicy::Impute).unwrap();
    let opts = ColumnOptions { ignore: vec!["id".into()], ..Default::default() };
    let s = Schema::fit(&t, &targets, &[0, 1, 2], &opts).unwrap();
    assert_eq!(s.features, ["x1", "x2"]);
    assert_eq!(s.columns.len(), 3);
    // Columns in another order, an extra one, no target: the same inputs.
    let other = table("extra,x2,x1\nz,4,3\n");
    assert_eq!(s.inputs_of(&other, false).unwrap().x, [3.0, 4.0]);
    assert!(err(s.inputs_of(&table("x1\n1\n"), false)).contains("missing column 'x2'; the model reads x1, x2"));
    assert!(err(s.read(&table("x1,x2,y\n1,2,c\n"), false)).contains("class 'c' is not one of the training classes"));
    let read = s.read(&table("x1,x2,y\n1,2,b\n3,4,\n"), false).unwrap();
    assert_eq!((read.dataset.len(), read.dropped), (1, 1));
    let bad = ColumnOptions { categorical: vec!["nope".into()], ..Default::default() };
    assert!(err(Schema::fit(&t, &targets, &[0, 1, 2], &bad)).contains("no feature column 'nope'"));
}

#[test]
fn the_schema_survives_the_model_metadata_and_old_models_read_numbers() {
    let t = table("a,c,y\n1,red,1.5\n,blue,2.5\n3,red,0.5\n");
    let targets = Targets::of(&t, &["y".into()], None, MissingPolicy::Impute).unwrap();
    let s = Schema::fit(&t, &targets, &[0, 1, 2], &ColumnOptions::default()).unwrap();
    assert_eq!((s.n_inputs(), s.scaled_inputs()), (4, vec![true, false, false, false]));
    let mut info = HashMap::new();
    s.to_metadata(&mut info);
    assert_eq!(Schema::from_metadata(&info, None, Path::new("m")).unwrap(), Some(s));
    info.remove(META_COLUMNS);
    let old = Schema::from_metadata(&info, None, Path::new("m")).unwrap().unwrap();
    assert!(old.columns.iter().all(|c| c.kind == ColumnType::Numeric && c.median.is_none()));
    assert!(err(old.inputs_of(&table("a,c\n,1\n"), false)).contains("missing value"));
}

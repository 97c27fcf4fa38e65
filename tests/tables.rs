//! Real tables through the binary: columns typed and shown, text columns one-hot encoded, missing
//! values imputed, rows without a target dropped, raw tables predicted by column name, and bad
//! tables refused in one line with no output written.

mod common;
use common::{assert_fails, outcome};
use std::path::{Path, PathBuf};

fn penguins() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/tables/penguins.csv")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn report(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The Palmer penguins with no flag but the target: text columns, NA cells, and every row
/// predicted from the raw file, the ones with NA included.
#[test]
fn penguins_train_with_no_other_flag_and_every_row_is_predicted() {
    let dir = tempfile::tempdir().unwrap();
    let (m, r) = (dir.path().join("m.safetensors"), dir.path().join("r.json"));
    let p = penguins();
    let args = ["train", "--train", p.to_str().unwrap(), "--target", "species", "--out", m.to_str().unwrap()];
    let (code, out, err) = outcome(&[&args[..], &["--report", r.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("island") && out.contains("categorical") && out.contains("(a category of their own)"),
        "{out}"
    );
    let rep = report(&r);
    let columns = rep["data"]["columns"].as_array().unwrap();
    let kind = |name: &str| columns.iter().find(|c| c["name"] == name).unwrap()["type"].clone();
    assert_eq!(
        (kind("island"), kind("sex"), kind("body_mass_g")),
        ("categorical".into(), "categorical".into(), "numeric".into())
    );
    assert!(rep["config"]["defaults_used"].to_string().contains("loss_plateau"), "344 rows: no validation split");
    assert!(rep["final"]["train_accuracy"].as_f64().unwrap() > 0.95, "{}", rep["final"]);
    let (code, out, err) = outcome(&["predict", "--model", m.to_str().unwrap(), p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1 + 344, "a header and every row");
    assert!(out.lines().skip(1).all(|l| ["Adelie,", "Chinstrap,", "Gentoo,"].iter().any(|c| l.starts_with(c))));
}

/// A table whose columns cover each rule, `n` rows; `y` is the target (`NA` in rows 5 and 9).
fn mixed(n: usize) -> String {
    let mut text = String::from("id,constant,color,flag,size,y\n");
    for i in 0..n {
        let color = ["red", "green", "blue"][i % 3];
        let size = if i % 7 == 3 { "NA".to_string() } else { format!("{}", (i % 10) as f64 * 0.5) };
        let y = if i == 5 || i == 9 {
            "NA"
        } else if i % 3 == 0 {
            "a"
        } else {
            "b"
        };
        text += &format!("row{i},same,{color},{},{size},{y}\n", if i % 2 == 0 { "yes" } else { "no" });
    }
    text
}

#[test]
fn columns_are_typed_shown_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let train = write(dir.path(), "mixed.csv", &mixed(60));
    let r = dir.path().join("r.json");
    let (code, out, err) =
        outcome(&["train", "--train", &train, "--target", "y", "--epochs", "3", "--report", r.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 rows without a target left out"), "{out}");
    let rep = report(&r);
    assert_eq!(rep["data"]["dropped_rows"], 2);
    let c = &rep["data"]["columns"];
    assert_eq!((c[0]["name"].clone(), c[0]["type"].clone()), ("id".into(), "ignored".into()));
    assert!(c[0]["note"].as_str().unwrap().starts_with("identifier-like"), "{}", c[0]);
    assert_eq!(c[1]["type"], "ignored");
    assert_eq!(c[2]["categories"], serde_json::json!(["blue", "green", "red"]), "one-hot inputs in sorted order");
    assert_eq!(
        (c[3]["type"].clone(), c[3]["categories"].clone()),
        ("boolean".into(), serde_json::json!(["no", "yes"]))
    );
    assert_eq!((c[4]["type"].clone(), c[4]["indicator"].clone()), ("numeric".into(), true.into()));
    assert!(c[4]["median"].is_number() && c[4]["missing"].as_u64().unwrap() > 0);
    // The user's lists win: size as categories, color left out.
    let args = ["train", "--train", &train, "--target", "y", "--epochs", "1", "--report", r.to_str().unwrap()];
    let (code, _, err) = outcome(&[&args[..], &["--categorical", "size", "--ignore", "color", "-q"]].concat());
    assert_eq!(code, 0, "{err}");
    let c = &report(&r)["data"]["columns"];
    assert_eq!((c[2]["type"].clone(), c[4]["type"].clone()), ("ignored".into(), "categorical".into()));
    assert_fails(&[&args[..], &["--ignore", "nope"]].concat(), 2, &["no feature column 'nope'"]);
}

#[test]
fn raw_tables_are_read_by_column_name_and_unseen_categories_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let train = write(dir.path(), "mixed.csv", &mixed(60));
    let m = dir.path().join("m.safetensors");
    let (code, _, err) =
        outcome(&["train", "--train", &train, "--target", "y", "--epochs", "5", "-q", "--out", m.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let m = m.to_str().unwrap();
    let rows = "size,flag,color,extra\n1.5,yes,red,x\n,no,blue,y\n";
    let (code, ordered, err) = outcome(&["predict", "--model", m, &write(dir.path(), "a.csv", rows)]);
    assert_eq!(code, 0, "{err}");
    let shuffled = "color,extra,flag,size\nred,x,yes,1.5\nblue,y,no,\n";
    let (_, again, _) = outcome(&["predict", "--model", m, &write(dir.path(), "b.csv", shuffled)]);
    assert_eq!(ordered, again, "columns in another order, an extra one: the same predictions");
    // A category training never saw: a warning, or with --strict an error and no output.
    let purple = write(dir.path(), "c.csv", "color,flag,size\npurple,yes,1\nred,no,2\n");
    let (code, out, err) = outcome(&["predict", "--model", m, &purple]);
    assert_eq!((code, out.lines().count()), (0, 3), "{err}");
    assert!(
        err.starts_with("warning: ")
            && err.contains("column 'color': category 'purple' was not seen in training (1 row)"),
        "{err}"
    );
    let out_file = dir.path().join("p.csv");
    assert_fails(
        &["predict", "--model", m, &purple, "--strict", "--out", out_file.to_str().unwrap()],
        2,
        &["line 2, column 'color'", "--strict"],
    );
    assert!(!out_file.exists());
    // A column the model reads is missing.
    assert_fails(
        &["predict", "--model", m, &write(dir.path(), "d.csv", "color,flag\nred,yes\n")],
        2,
        &["missing column 'size'", "d.csv"],
    );
}

#[test]
fn bad_tables_give_one_line_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let o = out.to_str().unwrap();
    let latin1 = dir.path().join("latin1.csv");
    std::fs::write(&latin1, b"a,y\n1,caf\xe9\n2,b\n").unwrap();
    let cases = [
        (write(dir.path(), "ragged.csv", "a,y\n1,x\n2\n"), "line 3 has 1 fields"),
        (latin1.to_str().unwrap().to_string(), "not valid UTF-8"),
        (write(dir.path(), "empty.csv", ""), "empty file"),
        (write(dir.path(), "header.csv", "a,y\n"), "no data rows"),
        (write(dir.path(), "notarget.csv", "a,y\n1,NA\n2,\n"), "no row has a value in target y"),
    ];
    for (path, want) in cases {
        assert_fails(&["train", "--train", &path, "--target", "y", "--out", o], 2, &[want]);
        assert!(!out.exists(), "{path}: no model written");
    }
}

/// `--loss-tolerance`/`--loss-patience` stop any first-order run on a training-loss plateau: with
/// a tolerance no epoch can beat, a run stops after exactly `patience` epochs past the first; the
/// rule needs the training loss and refuses LM.
#[test]
fn the_training_loss_rule_is_a_setting() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("r.json");
    let p = penguins();
    let base = ["train", "--train", p.to_str().unwrap(), "--target", "species", "--epochs", "50"];
    let rule = ["--loss-tolerance", "1e9", "--loss-patience", "3", "--report", r.to_str().unwrap()];
    let (code, _, err) = outcome(&[&base[..], &rule, &["--validation-fraction", "0.2"]].concat());
    assert_eq!(code, 0, "{err}");
    let fin = &report(&r)["final"];
    assert_eq!((fin["epochs"].as_u64(), fin["stop_reason"].as_str()), (Some(4), Some("loss-plateau")), "{fin}");
    for (extra, says) in [(&["--optimizer", "lm"][..], "not lm"), (&["--no-monitor-train"], "training split monitored")]
    {
        let (code, _, err) = outcome(&[&base[..], &rule, extra].concat());
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("--loss-tolerance") && err.contains(says), "{err}");
    }
}

/// `--hidden` gives the hidden sizes only: the input width is the table's after encoding (one-hot
/// columns and missing-value indicators included), the output width its classes; a zero size, or
/// `--hidden` with `--layers`, is refused naming `--hidden`.
#[test]
fn hidden_sizes_leave_the_widths_to_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let (m, r) = (dir.path().join("m.safetensors"), dir.path().join("r.json"));
    let p = penguins();
    let base = ["train", "--train", p.to_str().unwrap(), "--target", "species", "--epochs", "2"];
    let (code, _, err) = outcome(&[&base[..], &["--hidden", "7,5", "--out", m.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = outcome(&["inspect", m.to_str().unwrap()]);
    let layers = out.lines().find(|l| l.starts_with("layers")).unwrap().to_string();
    assert!(layers.ends_with("→ 7 → 5 → 3"), "{layers}");
    let (code, _, err) = outcome(&[&base[..], &["--hidden", "", "--report", r.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let sizes = report(&r)["config"]["layers"].clone();
    assert_eq!(sizes.as_array().map(Vec::len), Some(2), "no hidden layer: {sizes}");
    for (extra, says) in [(&["--hidden", "7,0"][..], "positive"), (&["--hidden", "7", "--layers", "9,7,3"], "not both")]
    {
        let (code, _, err) = outcome(&[&base[..], extra].concat());
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("--hidden") && err.contains(says), "{err}");
    }
}

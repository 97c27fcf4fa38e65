//! End-to-end tests of CSV training, `eval --csv` and `predict`, running the `neuralnet` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn neuralnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neuralnet")).args(args).output().expect("runs the binary")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// Two well-separated blobs with text labels "left"/"right".
fn blobs_csv(n: usize) -> String {
    let mut s = String::from("a,b,side\n");
    for i in 0..n {
        let t = i as f32 / n as f32;
        let (x, label) = if i % 2 == 0 { (-2.0 - t, "left") } else { (2.0 + t, "right") };
        s += &format!("{x},{},{label}\n", 10.0 * t);
    }
    s
}

fn train_blobs(dir: &Path) -> String {
    let train = write(dir, "train.csv", &blobs_csv(80));
    let model = dir.join("m.safetensors").to_str().unwrap().to_string();
    let report = dir.join("r.json").to_str().unwrap().to_string();
    let o = neuralnet(&["train", "--train", &train, "--target", "side", "--out", &model, "--report", &report, "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    model
}

#[test]
fn csv_classification_trains_with_defaults_and_predicts_class_names() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_blobs(dir.path());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let used = report["config"]["defaults_used"].to_string();
    // 80 rows: too few for a validation split, so the training-loss plateau stops the run.
    for d in ["epochs", "loss_plateau", "validation_fraction", "task", "layers"] {
        assert!(used.contains(d), "{d} missing from {used}");
    }
    assert_eq!(report["config"]["task"], "classification");
    assert!(report["final"]["train_accuracy"].as_f64().unwrap() > 0.95);
    // Columns in another order, target present: ignored by name.
    let input = write(dir.path(), "in.csv", "side,b,a\nx,1,-3\nx,2,3\n");
    let out = dir.path().join("pred.csv");
    let o = neuralnet(&["predict", "--model", &model, &input, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "side,p_left,p_right");
    assert!(lines[1].starts_with("left,") && lines[2].starts_with("right,"), "{text}");
    let test = write(dir.path(), "test.csv", "a,b,side\n-3,1,left\n3,2,right\n");
    let o = neuralnet(&["eval", "--model", &model, "--csv", &test, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"accuracy\": 1.0"));
}

#[test]
fn csv_regression_tsv_predicts_in_target_units() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("x\tz\ty\n");
    for i in 0..200 {
        let x = i as f32 / 20.0;
        s += &format!("{x}\t{}\t{}\n", (i % 7) as f32, 100.0 + 30.0 * x);
    }
    let train = write(dir.path(), "reg.tsv", &s);
    let model = dir.path().join("m.safetensors");
    let m = model.to_str().unwrap();
    let o = neuralnet(&["train", "--train", &train, "--target", "y", "--test-fraction", "0.2", "--out", m, "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let input = write(dir.path(), "in.csv", "x,z\n5,3\n");
    let o = neuralnet(&["predict", "--model", m, &input]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let y: f32 = text.lines().nth(1).unwrap().parse().unwrap();
    assert!((y - 250.0).abs() < 15.0, "predicted {y} for 250 ({text})");
}

#[test]
fn bad_training_files_exit_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("empty.csv", "", "empty file"),
        ("header.csv", "a,y\n", "no data rows"),
        ("ragged.csv", "a,y\n1,x\n2\n", "line 3 has 1 fields"),
        ("const.csv", "a,y\n1,x\n1,y\n", "no feature column left to train on"),
        ("inf.csv", "a,y\n1,x\ninf,y\n3,x\n", "line 3, column 'a': 'inf' is not a finite number"),
        ("one.csv", "a,y\n1,x\n2,x\n", "single class"),
        ("target.csv", "a,b\n1,2\n", "no column 'y'; its columns: a, b"),
    ];
    for (name, text, want) in cases {
        let path = write(dir.path(), name, text);
        let o = neuralnet(&["train", "--train", &path, "--target", "y", "-q"]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(want), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: one line: {err}");
        assert!(err.contains(name) || want.contains("columns"), "{name}: names the file: {err}");
    }
    // Missing cells are imputed unless asked not to; a column forced numeric must be numbers.
    for (name, text, flags, want) in [
        ("na.csv", "a,y\n1,x\nNA,y\n3,x\n", ["--missing", "error"], "line 3, column 'a': missing value ('NA')"),
        ("nan.csv", "a,y\n1,x\nNaN,y\n3,x\n", ["--missing", "error"], "line 3, column 'a': missing value ('NaN')"),
        ("word.csv", "a,y\n1,x\nfoo,y\n3,x\n", ["--numeric", "a"], "line 3, column 'a': 'foo' is not a number"),
    ] {
        let path = write(dir.path(), name, text);
        let o = neuralnet(&[&["train", "--train", &path, "--target", "y", "-q"][..], &flags].concat());
        let err = stderr(&o);
        assert_eq!((o.status.code(), err.trim().lines().count()), (Some(2), 1), "{name}: {err}");
        assert!(err.contains(want) && err.contains(name), "{name}: {err}");
    }
}

#[test]
fn bad_predict_inputs_exit_2_and_leave_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_blobs(dir.path());
    let png = dir.path().join("digit.png");
    digit_png(&png);
    let out = dir.path().join("out.csv");
    let cases = [
        (write(dir.path(), "narrow.csv", "a\n1\n"), "missing column 'b'"),
        (png.to_str().unwrap().to_string(), "is an image, but this model takes CSV rows"),
    ];
    for (input, want) in cases {
        let o = neuralnet(&["predict", "--model", &model, &input, "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{input}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{input}: {}", stderr(&o));
        assert!(!out.exists(), "no partial output after {input}");
    }
}

/// A dark "1"-like stroke on white paper, 60×90 pixels.
fn digit_png(path: &PathBuf) {
    let img = image::GrayImage::from_fn(60, 90, |x, y| {
        let on = (27..35).contains(&x) && (10..80).contains(&y) || (18..35).contains(&x) && (10..16).contains(&y);
        image::Luma([if on { 10 } else { 245 }])
    });
    img.save(path).unwrap();
}

#[test]
fn image_model_predicts_a_png_and_refuses_csv_and_non_images() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("digits.safetensors");
    let m = model.to_str().unwrap();
    let o = neuralnet(&["train", "--dataset", "digits", "--epochs", "3", "--out", m, "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let png = dir.path().join("one.png");
    digit_png(&png);
    let o = neuralnet(&["predict", "--model", m, png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let lines: Vec<&str> = text.trim().lines().collect();
    assert_eq!(lines, [lines[0], lines[1]], "a header row and one line: {text}");
    assert_eq!(lines[0], "file\tclass\tprobability");
    let line = lines[1];
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields.len(), 3, "{line}");
    assert!(fields[0].ends_with("one.png") && fields[1].parse::<u8>().unwrap() < 10);
    let p: f32 = fields[2].parse().unwrap();
    assert!((0.0..=1.0).contains(&p));
    let csv = write(dir.path(), "rows.csv", "a,b\n1,2\n");
    let notes = write(dir.path(), "notes.png", "not an image");
    let out = dir.path().join("out.txt");
    for input in [csv, notes] {
        let o = neuralnet(&["predict", "--model", m, &input, "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("not a PNG or JPEG image"), "{}", stderr(&o));
        assert!(!out.exists());
    }
}

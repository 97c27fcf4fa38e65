//! The `lee` and `hardsigmoid` reproductions in their `--quick` versions, through the library:
//! the patterns they check hold, their files are written, and bad `--series` files are refused
//! with an exit-2 error naming the file.
#![cfg(feature = "plot")]

use neuralnet::reproduce::{Options, Report, run};
use std::path::Path;

fn quick(name: &str, dir: &Path, series: Option<&Path>) -> neuralnet::Result<Report> {
    let opts = Options { out: dir.to_path_buf(), quick: true, data_dir: None, series: series.map(Path::to_path_buf) };
    run(name, &opts)
}

fn within(r: &Report, what: &str) -> Option<bool> {
    r.comparisons.iter().find(|c| c.what.starts_with(what)).unwrap_or_else(|| panic!("no comparison '{what}'")).within
}

fn assert_files(dir: &Path, r: &Report) {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["experiment"], r.experiment.as_str());
    assert_eq!(json["pictures"].as_array().unwrap().len(), r.pictures.len());
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("| figure | ours | published |"), "{md}");
    assert!(!r.pictures.is_empty());
    for p in &r.pictures {
        let bytes = std::fs::read(dir.join(p)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{p} is not a PNG");
        assert!(md.contains(p.as_str()));
    }
}

#[test]
fn lee_quick_reproduces_the_lecture_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let r = quick("lee", dir.path(), None).unwrap();
    assert_files(dir.path(), &r);
    assert_eq!(within(&r, "56 days beat 1 day on unseen"), Some(true));
    assert_eq!(within(&r, "56 days beat 1 day on training"), Some(true));
    assert_eq!(within(&r, "training MAE falls with days"), Some(true));
    assert_eq!(within(&r, "widest ReLU layer beats linear 56 days (training)"), Some(true));
    let models = r.data["models"].as_array().unwrap();
    assert_eq!(models.len(), 14);
    let mae = |i: usize, key: &str| models[i][key].as_f64().unwrap();
    // Births in thousands: a 1-day model is off by ~1.7k a day, 56 days by well under 1k.
    assert!((1.2..2.2).contains(&mae(0, "unseen_mae")), "{}", mae(0, "unseen_mae"));
    assert!(mae(3, "unseen_mae") < 0.8, "{}", mae(3, "unseen_mae"));
    let w = r.data["one_day_linear"]["w"].as_f64().unwrap();
    assert!((0.2..0.8).contains(&w), "w* = {w}");
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(md.contains("| model | train MAE | unseen MAE |") && md.contains("w* = "));
}

#[test]
fn hardsigmoid_quick_is_exact_from_eight_relus_and_improves_with_k() {
    let dir = tempfile::tempdir().unwrap();
    let r = quick("hardsigmoid", dir.path(), None).unwrap();
    assert_files(dir.path(), &r);
    assert_eq!(within(&r, "exact construction, k ≥ 8"), Some(true));
    assert_eq!(within(&r, "exact construction, k < 8"), Some(true));
    assert_eq!(within(&r, "trained 1-k-1 ReLU nets: MSE falls"), Some(true));
    let fits = r.data["fits"].as_array().unwrap();
    assert_eq!(fits.iter().map(|f| f["k"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 4, 8, 16]);
    assert!(fits[4]["mse"].as_f64().unwrap() < 5e-3);
}

fn bad_series(content: &[u8], expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("series.csv");
    std::fs::write(&file, content).unwrap();
    let err = quick("lee", &dir.path().join("out"), Some(&file)).unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.exit_code(), 2, "{msg}");
    assert!(msg.contains(&file.display().to_string()), "{msg}");
    assert!(msg.contains(expect), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
    assert!(!dir.path().join("out/report.json").exists());
}

/// A daily series from 2020-01-01, `days` long, skipping day number `skip`.
fn daily(days: usize, skip: Option<usize>) -> String {
    let mut s = String::from("date,value\n");
    let (mut y, mut m, mut d) = (2020, 1, 1);
    for i in 0..days {
        if Some(i) != skip {
            s += &format!("{y:04}-{m:02}-{d:02},{}\n", 100 + (i % 7) * 10);
        }
        let len = [31, if y % 4 == 0 { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
        d += 1;
        if d > len {
            (d, m) = (1, m + 1);
            if m > 12 {
                (m, y) = (1, y + 1);
            }
        }
    }
    s
}

#[test]
fn series_that_is_not_a_date_value_csv_is_refused() {
    bad_series(b"\x00\x01\x02binary", "not a date,value CSV");
    bad_series(b"a,b,c\n1,2,3\n", "not a date,value CSV");
    bad_series(b"date,value\n2020-01-01,5\n2020-01-02\n", "line 3");
    bad_series(b"date,value\n2020-13-01,5\n", "YYYY-MM-DD");
}

#[test]
fn series_with_gaps_or_too_short_is_refused() {
    bad_series(daily(800, Some(300)).as_bytes(), "1 missing day(s) between 2020-10-26 and 2020-10-28");
    bad_series(b"date,value\n2020-01-02,5\n2020-01-01,6\n", "sort the rows");
    bad_series(daily(100, None).as_bytes(), "too short");
}

#[test]
fn a_valid_series_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("weekly.csv");
    std::fs::write(&file, daily(600, None)).unwrap();
    let r = quick("lee", &dir.path().join("out"), Some(&file)).unwrap();
    assert_eq!(r.data["series"]["unseen_year"], 2021);
    assert_eq!(r.data["series"]["train_days"], 366 - 56);
}

#[test]
fn unknown_experiment_lists_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let err = quick("nope", dir.path(), None).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("lee") && err.to_string().contains("hardsigmoid"), "{err}");
}

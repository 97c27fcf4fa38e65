//! Parquet and gzip-compressed CSV/TSV tables, read wherever a CSV/TSV is (`--train`, `--test`,
//! `eval --csv`, `predict`), give the same results as the plain CSV of the same data. The Parquet
//! files are written here with the `parquet` crate's writer (flat optional columns of `DOUBLE`,
//! `FLOAT`, `INT64` and dictionary-encoded `STRING`, uncompressed or compressed, and one
//! with a `LIST` column), plus one written by pyarrow in `tests/corpus/parquet/`; the bad ones are
//! cut, corrupted or fuzzed copies.

mod common;

use common::{arg, assert_fails, bytes, file, outcome, tempdir};
use flate2::Compression as Level;
use flate2::write::GzEncoder;
use neuralnet::data::table::Table;
use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, FloatType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// One column of a test table: its values, `None` a null.
enum Col {
    F64(Vec<Option<f64>>),
    F32(Vec<Option<f32>>),
    I64(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
}

impl Col {
    /// The cell of row `i` as CSV text (`{}` of the value, empty for a null).
    fn cell(&self, i: usize) -> String {
        let text = |v: Option<String>| v.unwrap_or_default();
        match self {
            Col::F64(v) => text(v[i].map(|x| x.to_string())),
            Col::F32(v) => text(v[i].map(|x| x.to_string())),
            Col::I64(v) => text(v[i].map(|x| x.to_string())),
            Col::Text(v) => text(v[i].clone()),
        }
    }

    /// The Parquet schema line of a column named `name`.
    fn schema(&self, name: &str) -> String {
        let ty = match self {
            Col::F64(_) => "double",
            Col::F32(_) => "float",
            Col::I64(_) => "int64",
            Col::Text(_) => "binary",
        };
        let annotation = if matches!(self, Col::Text(_)) { " (STRING)" } else { "" };
        format!("optional {ty} {name}{annotation};")
    }
}

/// A table: column names and columns.
struct Frame(Vec<(&'static str, Col)>);

/// Definition levels (1 present, 0 null) and the present values of an optional column.
fn levels<T: Clone>(v: &[Option<T>]) -> (Vec<i16>, Vec<T>) {
    (v.iter().map(|x| i16::from(x.is_some())).collect(), v.iter().flatten().cloned().collect())
}

impl Frame {
    fn rows(&self) -> usize {
        match &self.0[0].1 {
            Col::F64(v) => v.len(),
            Col::F32(v) => v.len(),
            Col::I64(v) => v.len(),
            Col::Text(v) => v.len(),
        }
    }

    /// The table as delimited text with a header row.
    fn text(&self, delim: &str) -> String {
        let names: Vec<&str> = self.0.iter().map(|(n, _)| *n).collect();
        let mut s = names.join(delim) + "\n";
        for i in 0..self.rows() {
            s += &(self.0.iter().map(|(_, c)| c.cell(i)).collect::<Vec<_>>().join(delim) + "\n");
        }
        s
    }

    /// The table as a Parquet file (one row group; strings dictionary-encoded, the default).
    fn parquet(&self, path: &Path, compression: Compression) {
        let fields: Vec<String> = self.0.iter().map(|(n, c)| c.schema(n)).collect();
        let schema = Arc::new(parse_message_type(&format!("message t {{ {} }}", fields.join(" "))).unwrap());
        let props = Arc::new(WriterProperties::builder().set_compression(compression).build());
        let mut writer = SerializedFileWriter::new(std::fs::File::create(path).unwrap(), schema, props).unwrap();
        let mut group = writer.next_row_group().unwrap();
        for (_, col) in &self.0 {
            let mut w = group.next_column().unwrap().expect("a column per field");
            match col {
                Col::F64(v) => {
                    let (defs, values) = levels(v);
                    w.typed::<DoubleType>().write_batch(&values, Some(&defs), None).unwrap();
                }
                Col::F32(v) => {
                    let (defs, values) = levels(v);
                    w.typed::<FloatType>().write_batch(&values, Some(&defs), None).unwrap();
                }
                Col::I64(v) => {
                    let (defs, values) = levels(v);
                    w.typed::<Int64Type>().write_batch(&values, Some(&defs), None).unwrap();
                }
                Col::Text(v) => {
                    let (defs, values) = levels(v);
                    let values: Vec<ByteArray> = values.iter().map(|s| ByteArray::from(s.as_str())).collect();
                    w.typed::<ByteArrayType>().write_batch(&values, Some(&defs), None).unwrap();
                }
            }
            w.close().unwrap();
        }
        group.close().unwrap();
        writer.close().unwrap();
    }
}

/// Three classes of `n` rows in all: a `DOUBLE`, a `FLOAT` and an `INT64` feature and a text
/// target `y`.
fn flowers(n: usize) -> Frame {
    let class = |i: usize| i % 3;
    let names = ["setosa", "versicolor", "virginica"];
    Frame(vec![
        ("x1", Col::F64((0..n).map(|i| Some(class(i) as f64 * 1.5 + (i * 37 % 101) as f64 * 0.013)).collect())),
        ("x2", Col::F32((0..n).map(|i| Some((i as f32 * 0.37).sin() * 2.0 - class(i) as f32)).collect())),
        ("x3", Col::I64((0..n).map(|i| Some((i % 7) as i64 - 3 + 2 * class(i) as i64)).collect())),
        ("y", Col::Text((0..n).map(|i| Some(names[class(i)].to_string())).collect())),
    ])
}

fn gzip(path: &Path, data: &[u8]) {
    let mut gz = GzEncoder::new(std::fs::File::create(path).unwrap(), Level::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap();
}

/// Trains on `dir/name` with a fixed seed; the model's bytes with the file name (which the model
/// keeps as its dataset's name) blanked out. Files compared must have names of the same length.
fn train(dir: &Path, name: &str, out: &str) -> Vec<u8> {
    let out = arg(dir, out);
    let args = ["train", "--train", &arg(dir, name), "--target", "y", "--out", &out, "--seed", "1", "-q"];
    let (code, _, err) = outcome(&args);
    assert_eq!(code, 0, "{name}: {err}");
    blank(bytes(Path::new(&out)), name)
}

/// `data` with every occurrence of `name` replaced by as many `#`s.
fn blank(data: Vec<u8>, name: &str) -> Vec<u8> {
    let (name, mut out, mut i) = (name.as_bytes(), Vec::with_capacity(data.len()), 0);
    while i < data.len() {
        if data[i..].starts_with(name) {
            out.extend(std::iter::repeat_n(b'#', name.len()));
            i += name.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn parquet_trains_the_same_model_as_csv() {
    let dir = tempdir();
    let d = dir.path();
    let data = flowers(90);
    std::fs::write(file(d, "plain.csv"), data.text(",")).unwrap();
    let csv = train(d, "plain.csv", "a.safetensors");
    let codecs = [
        ("u.parquet", Compression::UNCOMPRESSED),
        ("s.parquet", Compression::SNAPPY),
        ("z.parquet", Compression::ZSTD(Default::default())),
        ("g.parquet", Compression::GZIP(Default::default())),
        ("l.parquet", Compression::LZ4_RAW),
    ];
    for (name, codec) in codecs {
        data.parquet(&file(d, name), codec);
        assert!(csv == train(d, name, "b.safetensors"), "{codec:?} Parquet model ≠ CSV model");
    }
}

#[test]
fn gzip_compressed_csv_and_tsv_train_the_same_model() {
    let dir = tempdir();
    let d = dir.path();
    let data = flowers(60);
    std::fs::write(file(d, "plain.csv"), data.text(",")).unwrap();
    gzip(&file(d, "xy.csv.gz"), data.text(",").as_bytes());
    gzip(&file(d, "xy.tsv.gz"), data.text("\t").as_bytes());
    let csv = train(d, "plain.csv", "a.safetensors");
    assert!(csv == train(d, "xy.csv.gz", "b.safetensors"), ".csv.gz model ≠ CSV model");
    assert!(csv == train(d, "xy.tsv.gz", "c.safetensors"), ".tsv.gz model ≠ CSV model");
}

#[test]
fn test_predict_and_eval_read_parquet_and_gzip_like_csv() {
    let dir = tempdir();
    let d = dir.path();
    let data = flowers(45);
    std::fs::write(file(d, "plain.csv"), data.text(",")).unwrap();
    std::fs::write(file(d, "test1.csv"), data.text(",")).unwrap();
    data.parquet(&file(d, "t.parquet"), Compression::SNAPPY);
    gzip(&file(d, "xy.csv.gz"), data.text(",").as_bytes());
    // --test: the same model whichever file holds the test rows.
    let with_test = |test: &str, out: &str| {
        let (out, train) = (arg(d, out), arg(d, "plain.csv"));
        let args = ["train", "--train", &train, "--test", &arg(d, test), "--target", "y", "--out", &out, "--seed", "1"];
        let (code, _, err) = outcome(&[&args[..], &["-q"]].concat());
        assert_eq!(code, 0, "--test {test}: {err}");
        blank(bytes(Path::new(&out)), test)
    };
    assert!(with_test("test1.csv", "m.safetensors") == with_test("t.parquet", "p.safetensors"), "--test Parquet");
    assert!(with_test("test1.csv", "m.safetensors") == with_test("xy.csv.gz", "g.safetensors"), "--test .csv.gz");
    // predict prints the same rows; eval --csv gives the same numbers.
    let model = arg(d, "m.safetensors");
    let eval = |input: &str| {
        let (code, out, err) = outcome(&["eval", "--model", &model, "--json", "--csv", &arg(d, input)]);
        assert_eq!(code, 0, "eval {input}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (v["n"].clone(), v["loss"].clone(), v["accuracy"].clone())
    };
    let predict = |input: &str| outcome(&["predict", "--model", &model, &arg(d, input)]);
    let (want_eval, want_predict) = (eval("plain.csv"), predict("plain.csv"));
    assert_eq!(want_predict.0, 0, "{}", want_predict.2);
    assert_eq!(want_predict.1.lines().count(), 46);
    for other in ["t.parquet", "xy.csv.gz"] {
        assert_eq!(eval(other), want_eval, "eval --csv {other}");
        assert_eq!(predict(other), want_predict, "predict {other}");
    }
}

#[test]
fn a_null_cell_is_handled_as_the_empty_csv_cell() {
    let dir = tempdir();
    let d = dir.path();
    let mut data = flowers(60);
    if let Col::F64(v) = &mut data.0[0].1 {
        v[3] = None; // row 4: line 5 of the CSV
    }
    if let Col::Text(v) = &mut data.0[3].1 {
        v[7] = None;
    }
    std::fs::write(file(d, "plain.csv"), data.text(",")).unwrap();
    data.parquet(&file(d, "t.parquet"), Compression::SNAPPY);
    for missing in ["impute", "error"] {
        // Exit code, stderr and model (file names blanked) of a run.
        let run = |input: &str| {
            let out = arg(d, &format!("{input}.safetensors"));
            let _ = std::fs::remove_file(&out);
            let args = ["train", "--train", &arg(d, input), "--target", "y", "--out", &out, "--seed", "1", "-q"];
            let (code, _, err) = outcome(&[&args[..], &["--missing", missing]].concat());
            (code, err.replace(&arg(d, input), "FILE"), std::fs::read(out).ok().map(|b| blank(b, input)))
        };
        let csv = run("plain.csv");
        assert!(csv == run("t.parquet"), "--missing {missing}: CSV and Parquet runs differ");
        if missing == "error" {
            assert_eq!(csv.0, 2, "{}", csv.1);
            let (x1, y) = ("error: FILE: line 5, column 'x1'", "error: FILE: line 9, column 'y'");
            assert!(csv.1.starts_with(x1) || csv.1.starts_with(y), "{}", csv.1);
        } else {
            assert_eq!(csv.0, 0, "{}", csv.1);
        }
    }
}

#[test]
fn float_columns_read_back_as_the_same_numbers() {
    // f32 values over the whole range (every 40,009th bit pattern, and 7.038531e-26, the one
    // magnitude whose shortest text does not read back through f64) and f64 values with long
    // expansions: each cell, parsed as f64 (then cast to f32) as the pipeline does, is the value.
    let odd = f32::from_bits(0x15ae_43fd);
    let sweep = (0..u32::MAX).step_by(40_009).map(f32::from_bits);
    let floats: Vec<f32> = sweep.chain([odd, -odd]).filter(|v| v.is_finite()).collect();
    let doubles: Vec<f64> =
        (0..floats.len()).map(|i| (i as f64 + 0.1) / 3.0 * 10f64.powi(i as i32 % 40 - 20)).collect();
    let dir = tempdir();
    let path = file(dir.path(), "f.parquet");
    Frame(vec![
        ("f", Col::F32(floats.iter().copied().map(Some).collect())),
        ("d", Col::F64(doubles.iter().copied().map(Some).collect())),
    ])
    .parquet(&path, Compression::SNAPPY);
    let table = Table::read(&path).unwrap();
    assert_eq!(table.columns, ["f", "d"]);
    for ((line, cells), (f, d)) in table.rows.iter().zip(floats.iter().zip(&doubles)) {
        assert_eq!(cells[0].parse::<f64>().unwrap() as f32, *f, "line {line}: {}", cells[0]);
        assert!(cells[0] == f.to_string() || f.abs() == odd, "line {line}: {} is not the shortest text", cells[0]);
        assert_eq!(cells[1], d.to_string(), "line {line}");
    }
    assert_eq!(table.rows.last().unwrap().0, floats.len() as u64 + 1, "row i is line i + 2");
}

#[test]
fn the_content_not_the_name_tells_the_format() {
    let dir = tempdir();
    let d = dir.path();
    let data = flowers(9);
    data.parquet(&file(d, "parquet.csv"), Compression::SNAPPY);
    gzip(&file(d, "gzip.txt"), data.text(",").as_bytes());
    std::fs::write(file(d, "t.csv"), data.text(",")).unwrap();
    let want = Table::read(&file(d, "t.csv")).unwrap();
    for name in ["parquet.csv", "gzip.txt"] {
        let got = Table::read(&file(d, name)).unwrap();
        assert_eq!((&got.columns, &got.rows), (&want.columns, &want.rows), "{name}");
        assert_eq!(got.path, file(d, name));
    }
    // Text that merely starts with the Parquet magic is CSV.
    std::fs::write(file(d, "par1.csv"), "PAR1,y\n1,a\n2,b\n").unwrap();
    assert_eq!(Table::read(&file(d, "par1.csv")).unwrap().columns, ["PAR1", "y"]);
}

/// A Parquet file with a `LIST` column (`tags`) between two flat ones.
fn nested(path: &Path) {
    let schema = "message t { required double x; optional group tags (LIST) { repeated group list { \
                  optional int32 element; } } required binary y (STRING); }";
    let props = Arc::new(WriterProperties::builder().build());
    let file = std::fs::File::create(path).unwrap();
    let mut writer = SerializedFileWriter::new(file, Arc::new(parse_message_type(schema).unwrap()), props).unwrap();
    let mut group = writer.next_row_group().unwrap();
    let mut w = group.next_column().unwrap().unwrap();
    w.typed::<DoubleType>().write_batch(&[1.0, 2.0], None, None).unwrap();
    w.close().unwrap();
    let mut w = group.next_column().unwrap().unwrap();
    w.typed::<Int32Type>().write_batch(&[5, 6, 7], Some(&[3, 3, 3]), Some(&[0, 1, 0])).unwrap();
    w.close().unwrap();
    let mut w = group.next_column().unwrap().unwrap();
    w.typed::<ByteArrayType>().write_batch(&[ByteArray::from("a"), ByteArray::from("b")], None, None).unwrap();
    w.close().unwrap();
    group.close().unwrap();
    writer.close().unwrap();
}

#[test]
fn bad_parquet_and_gzip_files_exit_2_naming_the_file() {
    let dir = tempdir();
    let d = dir.path();
    let data = flowers(30);
    data.parquet(&file(d, "good.parquet"), Compression::SNAPPY);
    let good = bytes(&file(d, "good.parquet"));
    std::fs::write(file(d, "truncated.parquet"), &good[..good.len() * 2 / 3]).unwrap();
    let mut garbage = b"PAR1".to_vec();
    garbage.extend((0..300u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    garbage.extend_from_slice(b"PAR1");
    std::fs::write(file(d, "garbage.parquet"), &garbage).unwrap();
    nested(&file(d, "nested.parquet"));
    gzip(&file(d, "corrupt.csv.gz"), data.text(",").as_bytes());
    let mut gz = bytes(&file(d, "corrupt.csv.gz"));
    let middle = gz.len() / 2;
    gz[middle..middle + 8].copy_from_slice(b"\xff\x00\xff\x00garb");
    std::fs::write(file(d, "corrupt.csv.gz"), &gz).unwrap();
    std::fs::write(file(d, "cut.tsv.gz"), &bytes(&file(d, "corrupt.csv.gz"))[..20]).unwrap();
    let cases = [
        ("truncated.parquet", "Parquet"),
        ("garbage.parquet", "Parquet"),
        ("nested.parquet", "column 'tags' has Parquet type LIST, which is not supported"),
        ("corrupt.csv.gz", "gzip"),
        ("cut.tsv.gz", "gzip"),
    ];
    let model = arg(d, "m.safetensors");
    let (code, _, err) =
        outcome(&["train", "--train", &arg(d, "good.parquet"), "--target", "y", "--out", &model, "-q"]);
    assert_eq!(code, 0, "{err}");
    for (name, why) in cases {
        let (input, out) = (arg(d, name), arg(d, "out"));
        assert_fails(&["train", "--train", &input, "--target", "y", "--out", &out, "-q"], 2, &[&input, why]);
        assert_fails(&["predict", "--model", &model, &input, "--out", &out], 2, &[&input, why]);
        assert_fails(&["eval", "--model", &model, "--csv", &input], 2, &[&input, why]);
        assert!(!file(d, "out").exists(), "{name}: an output file was written");
    }
}

#[test]
fn mutated_parquet_files_are_refused_or_read_never_crash() {
    // Bytes of a valid file (ours or pyarrow's) overwritten, flipped or shifted at pseudo-random
    // places: Table::read returns Ok or an error naming the file, and nothing escapes as a panic.
    // `FUZZ_CASES` sets the number of files (default 300).
    let dir = tempdir();
    let path = file(dir.path(), "m.parquet");
    flowers(40).parquet(&path, Compression::SNAPPY);
    let seeds = [bytes(&path), bytes(&pyarrow_file())];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let cases: usize = std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    for case in 0..cases {
        let mut b = seeds[case % 2].clone();
        for _ in 0..1 + next(4) {
            let at = 4 + next(b.len() - 4);
            match next(3) {
                0 => b[at] = next(256) as u8,
                1 => b[at] ^= 1 << next(8),
                _ => b[at..].rotate_left(1),
            }
        }
        std::fs::write(&path, &b).unwrap();
        let read = std::panic::catch_unwind(|| Table::read(&path).map(|_| ()));
        match read.expect("Table::read panicked") {
            Ok(()) => {}
            Err(e) => assert!(e.to_string().starts_with(&path.display().to_string()), "{e}"),
        }
    }
}

/// A file written by pyarrow 26.0.1 (snappy, dictionary-encoded strings, a null, statistics):
///
/// ```python
/// import pyarrow as pa, pyarrow.parquet as pq
/// pq.write_table(pa.table({
///     "x": pa.array([5.1, 4.9, 6.3, 5.8, 7.1, 6.5], pa.float64()),
///     "f": pa.array([0.1, 3.3, -2.5, 1e-3, 16777217.0, 0.7], pa.float32()),
///     "n": pa.array([1, None, 3, -4, 5, 6], pa.int64()),
///     "y": pa.array(["setosa", "setosa", "virginica", "versicolor", "virginica", "versicolor"]),
/// }), "pyarrow_snappy.parquet", compression="snappy")
/// ```
fn pyarrow_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/parquet/pyarrow_snappy.parquet")
}

#[test]
fn a_pyarrow_file_reads_as_its_csv_export() {
    let table = Table::read(&pyarrow_file()).unwrap();
    assert_eq!(table.columns, ["x", "f", "n", "y"]);
    let csv = "x,f,n,y\n5.1,0.1,1,setosa\n4.9,3.3,,setosa\n6.3,-2.5,3,virginica\n5.8,0.001,-4,versicolor\n\
               7.1,16777216,5,virginica\n6.5,0.7,6,versicolor\n";
    let want = Table::parse(csv.as_bytes(), Path::new("t.csv")).unwrap();
    assert_eq!(table.rows, want.rows);
}

#[test]
fn files_that_make_the_parquet_reader_panic_exit_2_in_one_line() {
    // One byte of the pyarrow file changed (found by fuzzing): the `parquet` crate panics on each
    // (slice index, `expect`, `assert!`) instead of returning an error; the panic is caught and
    // reported as an error, and its message is not printed.
    let patches = [
        (364, 38, ""), // a slice index out of range (a `debug_assert!` in a debug build)
        (651, 182, "Decoder for dict should have been set"),
        (546, 211, "column start and length should not be negative"),
    ];
    let dir = tempdir();
    let seed = bytes(&pyarrow_file());
    for (at, byte, why) in patches {
        let mut b = seed.clone();
        b[at] = byte;
        let (input, out) = (arg(dir.path(), "p.parquet"), arg(dir.path(), "m.safetensors"));
        std::fs::write(&input, &b).unwrap();
        let needles = [&input[..], "not a readable Parquet file (the reader failed: ", why];
        assert_fails(&["train", "--train", &input, "--target", "y", "--out", &out, "-q"], 2, &needles);
        assert!(!Path::new(&out).exists());
    }
}

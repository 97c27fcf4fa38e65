//! Delimited text tables. A [`Table`] is a file with a header row and one sample per line
//! (comma-separated, or tab-separated when the file ends in `.tsv`/`.tab` or its header has more
//! tabs than commas), kept as text cells with their line numbers so that every error can name the
//! file, the line (1-based, the header is line 1) and the column. Numbers are read from the cells
//! on request: an empty cell, `NA`, `NaN` or an infinite value is an error, never guessed.

use super::parquet;
use crate::error::{Error, Result};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Cells read as a missing value (compared case-insensitively), besides the empty cell.
pub(crate) const MISSING: [&str; 6] = ["na", "n/a", "nan", "null", "none", "?"];

/// A delimited text file: column names from the header and the raw cells of each row.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file, named in errors.
    pub path: PathBuf,
    /// Column names, from the header row.
    pub columns: Vec<String>,
    /// Each data row's line number in the file (1-based) and its cells.
    pub rows: Vec<(u64, Vec<String>)>,
}

/// The field delimiter of a file: tab for `.tsv`/`.tab`, or when the header line has more tabs
/// than commas; comma otherwise.
pub fn delimiter(path: &Path, header_line: &str) -> u8 {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let tabs = header_line.matches('\t').count();
    if matches!(ext.as_deref(), Some("tsv" | "tab")) || tabs > header_line.matches(',').count() { b'\t' } else { b',' }
}

impl Table {
    /// Reads `path`, telling its format by its content: a Parquet file (starting and ending with
    /// `PAR1`, or starting so and not text: cut short) is read by [`parquet::read`]; a
    /// gzip-compressed one is decompressed and parsed as CSV/TSV, its delimiter chosen by the name
    /// without the `.gz` (`x.tsv.gz` is tab-separated); anything else is CSV/TSV text, see
    /// [`Table::parse`]. Errors name `path`.
    pub fn read(path: &Path) -> Result<Table> {
        let io = |e| Error::io(path, e);
        let mut file = File::open(path).map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let magic = parquet::MAGIC;
        if bytes.starts_with(magic) && (bytes.ends_with(magic) || std::str::from_utf8(&bytes).is_err()) {
            return parquet::read(file, path);
        }
        if !bytes.starts_with(&[0x1f, 0x8b]) {
            return Table::parse(&bytes, path);
        }
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut text)
            .map_err(|e| Error::format(path, format!("not a valid gzip file: {e}")))?;
        if text.starts_with(magic) {
            return Err(Error::format(path, "gzip-compressed Parquet is not read; decompress it first"));
        }
        let gz = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
        let inner = if gz { path.with_extension("") } else { path.to_path_buf() };
        let mut table = Table::parse(&text, &inner).map_err(|e| match e {
            Error::Format { what, .. } => Error::format(path, what),
            other => other,
        })?;
        table.path = path.to_path_buf();
        Ok(table)
    }

    /// Parses delimited text. Errors (naming `path` and the line): an empty file, a header with an
    /// empty or repeated column name, no data rows, a row whose number of fields differs from the
    /// header's, text that is not UTF-8.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Table> {
        let bad = |what: String| Error::format(path, what);
        let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        let delim = delimiter(path, &String::from_utf8_lossy(first_line));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delim)
            .flexible(true)
            .has_headers(false)
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let mut records = reader.records();
        let header = match records.next() {
            Some(r) => r.map_err(|e| bad(csv_error(&e)))?,
            None => return Err(bad("empty file; a header row with the column names is required".into())),
        };
        let columns: Vec<String> = header.iter().map(|c| c.trim_start_matches('\u{feff}').to_string()).collect();
        check_header(&columns).map_err(bad)?;
        let mut rows = Vec::new();
        let mut cursor = (0usize, 1u64); // (byte, its line), advanced row by row
        for record in records {
            let record = record.map_err(|e| bad(csv_error(&e)))?;
            let start = record.position().map_or(0, |p| p.byte() as usize).max(cursor.0);
            cursor = (start, cursor.1 + line_breaks(&bytes[cursor.0..start]));
            let line = cursor.1 + blank_lines(&bytes[start..]);
            if record.len() == 1 && record[0].is_empty() {
                continue; // a blank line
            }
            if record.len() != columns.len() {
                return Err(bad(format!(
                    "line {line} has {} fields, the header has {} ({})",
                    record.len(),
                    columns.len(),
                    columns.join(", ")
                )));
            }
            rows.push((line, record.iter().map(str::to_string).collect()));
        }
        if rows.is_empty() {
            return Err(bad("no data rows after the header".into()));
        }
        Ok(Table { path: path.to_path_buf(), columns, rows })
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no data rows (never, for a table from [`Table::parse`]).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The index of column `name`, or an error listing the columns there are (naming `flag`).
    pub fn column(&self, name: &str, flag: &str) -> Result<usize> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| {
            Error::config(
                flag,
                format!("{} has no column '{name}'; its columns: {}", self.path.display(), self.columns.join(", ")),
            )
        })
    }

    /// The numbers in feature columns `cols` of every row, row-major (rows × cols.len()). A
    /// missing, non-numeric or non-finite cell is an error naming the file, line and column.
    pub fn numbers(&self, cols: &[usize]) -> Result<Vec<f32>> {
        self.numbers_of(cols, 0..self.len(), Role::Feature)
    }

    /// The numbers in the regression target columns `cols` of the rows `rows`, as
    /// [`Table::numbers`]; a cell that is not a number is an error that names the target.
    pub fn targets_of(&self, cols: &[usize], rows: &[usize]) -> Result<Vec<f32>> {
        self.numbers_of(cols, rows.iter().copied(), Role::Target)
    }

    fn numbers_of(&self, cols: &[usize], rows: impl Iterator<Item = usize>, role: Role) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(self.len() * cols.len());
        for r in rows {
            let (line, cells) = &self.rows[r];
            for &c in cols {
                out.push(self.number(&cells[c], *line, c, role)?);
            }
        }
        Ok(out)
    }

    fn number(&self, cell: &str, line: u64, col: usize, role: Role) -> Result<f32> {
        let at = || format!("line {line}, column '{}'", self.columns[col]);
        if is_missing(cell) {
            let shown = if cell.is_empty() { "an empty cell".to_string() } else { format!("'{cell}'") };
            return Err(Error::format(&self.path, format!("{}: missing value ({shown}); fill or drop it", at())));
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() && (v as f32).is_finite() => Ok(v as f32),
            Ok(_) => Err(Error::format(&self.path, format!("{}: '{cell}' is not a finite number", at()))),
            Err(_) => {
                let why = match role {
                    Role::Feature => "features must be numeric".to_string(),
                    Role::Target => format!(
                        "the regression target '{}' must be numeric; for class labels use --task classification",
                        self.columns[col]
                    ),
                };
                Err(Error::format(&self.path, format!("{}: '{cell}' is not a number ({why})", at())))
            }
        }
    }

    /// The class-label cells of column `col` in the rows `rows`, as canonical class names
    /// ([`class_name`]); a missing cell is an error naming the line.
    pub fn labels_of(&self, col: usize, rows: &[usize]) -> Result<Vec<String>> {
        rows.iter()
            .map(|&r| {
                let (line, cells) = &self.rows[r];
                let cell = &cells[col];
                if is_missing(cell) {
                    return Err(Error::format(
                        &self.path,
                        format!("line {line}, column '{}': missing class label", self.columns[col]),
                    ));
                }
                Ok(class_name(cell))
            })
            .collect()
    }
}

/// What a column of numbers is for, to say in an error.
#[derive(Clone, Copy)]
enum Role {
    Feature,
    Target,
}

fn check_header(columns: &[String]) -> std::result::Result<(), String> {
    if let Some(i) = columns.iter().position(|c| c.is_empty()) {
        return Err(format!("line 1 (header): column {} has no name", i + 1));
    }
    let mut seen = BTreeSet::new();
    match columns.iter().find(|c| !seen.insert(c.as_str())) {
        Some(dup) => Err(format!("line 1 (header): column name '{dup}' appears twice")),
        None => Ok(()),
    }
}

/// Number of line breaks in `bytes`.
fn line_breaks(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Number of blank lines at the start of `bytes` (the reader skips them before a record).
fn blank_lines(bytes: &[u8]) -> u64 {
    line_breaks(&bytes[..bytes.iter().take_while(|&&b| b == b'\n' || b == b'\r').count()])
}

fn csv_error(e: &csv::Error) -> String {
    match (e.kind(), e.position()) {
        (csv::ErrorKind::Utf8 { .. }, Some(p)) => format!("line {}: text is not valid UTF-8", p.line()),
        _ => e.to_string(),
    }
}

/// Whether `cell` is a missing value: empty, or `NA`, `N/A`, `NaN`, `null`, `None` or `?` (any
/// case).
pub fn is_missing(cell: &str) -> bool {
    cell.is_empty() || MISSING.iter().any(|m| cell.eq_ignore_ascii_case(m))
}

/// The class name of a label cell: integer values are written without a fraction (`1.0` → `1`),
/// anything else is kept as written (trimmed).
pub fn class_name(cell: &str) -> String {
    match cell.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
        _ => cell.trim().to_string(),
    }
}

/// Distinct class names in order: numerically when all are numbers, else by text.
pub fn sorted_classes(labels: &[String]) -> Vec<String> {
    let mut names: Vec<String> = labels.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    if names.iter().all(|n| n.parse::<f64>().is_ok()) {
        names.sort_by(|a, b| a.parse::<f64>().unwrap_or(0.0).total_cmp(&b.parse::<f64>().unwrap_or(0.0)));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Result<Table> {
        Table::parse(text.as_bytes(), Path::new("t.csv"))
    }

    fn err(r: Result<impl std::fmt::Debug>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn reads_commas_tabs_quotes_and_blank_lines() {
        let t = table("a,b,label\n1,2,x\n\n3,4,\"y z\"\n").unwrap();
        assert_eq!(t.columns, ["a", "b", "label"]);
        assert_eq!(t.rows[1], (4, vec!["3".into(), "4".into(), "y z".into()]));
        let t = table("a\tb\n1\t2\n").unwrap();
        assert_eq!(t.columns, ["a", "b"]);
        assert_eq!(delimiter(Path::new("x.TSV"), "a,b"), b'\t');
        assert_eq!(delimiter(Path::new("x.csv"), "a,b"), b',');
    }

    #[test]
    fn refuses_empty_header_only_and_ragged_files() {
        assert!(err(table("")).contains("empty file"));
        assert!(err(table("a,b\n")).contains("no data rows"));
        assert!(err(table("a,b\n1,2\n3\n")).contains("line 3 has 1 fields, the header has 2"));
        assert!(err(table("a,a\n1,2\n")).contains("'a' appears twice"));
        assert!(err(table("a,,c\n1,2,3\n")).contains("column 2 has no name"));
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let t = table("a,b\n1,2\n3,NA\n5,x\n1e39,1\ninf,2\n").unwrap();
        let cell = |line: usize, col: usize| t.number(&t.rows[line].1[col], t.rows[line].0, col, Role::Feature);
        assert!(err(cell(1, 1)).contains("line 3, column 'b': missing value ('NA')"));
        assert!(err(cell(2, 1)).contains("line 4, column 'b': 'x' is not a number"));
        assert!(err(cell(3, 0)).contains("line 5, column 'a': '1e39' is not a finite number"));
        assert!(err(cell(4, 0)).contains("not a finite number"));
        assert!(
            err(table("a,b\n1,\n").unwrap().numbers(&[0, 1]))
                .contains("line 2, column 'b': missing value (an empty cell)")
        );
        let target = err(table("y\n1\nhigh\n").unwrap().targets_of(&[0], &[0, 1]));
        assert!(target.contains("line 3, column 'y': 'high' is not a number (the regression target 'y'"), "{target}");
    }
}

//! Parquet files as [`Table`]s. [`Table::read`] sends a file here when it starts with the Parquet
//! magic `PAR1`; the table it gets back is the one a CSV export of the same data would give, so
//! the rest of the pipeline (missing cells, numbers, class labels) treats both alike:
//!
//! - each top-level column becomes a table column named as in the Parquet schema (trimmed, like
//!   a CSV header cell);
//! - integers are written as decimal integers; `DOUBLE`s with Rust's shortest round-trip `{}`
//!   (`5.1` stays `5.1`); `FLOAT`s (and `FLOAT16`s) with the shortest `{}` of the `f32`, which,
//!   parsed as `f64` then cast to `f32` as the pipeline does, gives back the same `f32` for every
//!   finite value but ±7.038531e-26, written as its exact `f64` text instead; `DECIMAL`s exactly
//!   (`12.50`); booleans as `true`/`false`;
//! - strings (plain or dictionary-encoded, `ENUM`, `JSON`, unannotated byte arrays holding UTF-8)
//!   as their text, trimmed like CSV cells; `UUID`s in the usual hyphenated hex;
//! - dates, times and timestamps as ISO 8601 text (`2024-01-31`, `13:45:00.250`,
//!   `2024-01-31T13:45:00Z` — the `Z` for UTC-adjusted timestamps, none for local ones);
//! - a null as the empty cell, which is a missing value.
//!
//! Nested columns (`LIST`, `MAP`, groups, repeated fields) and the types not listed (`BSON`,
//! `INTERVAL`, `VARIANT`, geometries, ...) are refused with an error naming the file, the column
//! and its Parquet type; so are pages compressed with LZO or Brotli (uncompressed, snappy, gzip,
//! LZ4 and zstd are read). Rows have no line numbers, so row *i* (0-based) is given the line *i* + 2,
//! the line it would have in a CSV export with its header on line 1: errors about a cell say
//! "line 5" for the file's fourth row.

use super::table::Table;
use crate::error::{Error, Result};
use parquet::basic::{Compression, ConvertedType, LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::file::metadata::RowGroupMetaData;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::Type;
use std::cell::Cell;
use std::collections::BTreeSet;
use std::fs::File;
use std::panic;
use std::path::Path;
use std::sync::Once;
use text::{JULIAN_EPOCH, bytes_text, f32_text, instant_text, integer_text};

mod text;

/// The four bytes a Parquet file starts (and ends) with.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// How a column's values become text, decided from its Parquet type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Written as its physical type says: a boolean, a signed integer, a float.
    Plain,
    /// An unsigned integer (stored in a signed physical type).
    Unsigned,
    /// A 16-bit float (2 little-endian bytes).
    Float16,
    /// A decimal with this many digits after the point.
    Decimal(u32),
    /// UTF-8 text.
    Text,
    /// A 16-byte UUID.
    Uuid,
    /// Days since 1970-01-01.
    Date,
    /// A time of day in units of 1/this second.
    Time(i64),
    /// An instant in units of 1/this second since the epoch; whether it is UTC.
    Timestamp(i64, bool),
    /// A legacy INT96 timestamp (Julian day and nanoseconds).
    Int96,
}

/// Reads the Parquet file `path`, already open as `file`, into a table of text cells (see the
/// module docs). Any failure is a format error naming `path`, including a panic inside the
/// Parquet reader, which some malformed files cause; that panic's message is not printed.
pub fn read(file: File, path: &Path) -> Result<Table> {
    let bad = |what: String| Error::format(path, what);
    let (columns, rows) = match quietly(|| read_table(file)) {
        Ok(read) => read.map_err(bad)?,
        Err(why) => return Err(bad(format!("not a readable Parquet file (the reader failed: {why})"))),
    };
    if rows.is_empty() {
        return Err(bad("no data rows".into()));
    }
    Ok(Table { path: path.to_path_buf(), columns, rows })
}

/// Data rows: each one's line number and cells, as in [`Table::rows`].
type Rows = Vec<(u64, Vec<String>)>;

thread_local! {
    /// Set while [`quietly`] runs on this thread: its panic hook then prints nothing.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into `Err(its message)` without printing it. The Parquet reader
/// panics on some malformed files instead of returning an error (fuzzing found slice indexing,
/// `assert!`s and `expect`s in its metadata and page decoders); the error is reported like any
/// other. The first call wraps the process's panic hook in one that stays silent on a thread
/// inside `quietly` and calls the previous hook everywhere else.
fn quietly<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.get() {
                previous(info);
            }
        }));
    });
    QUIET.set(true);
    let result = panic::catch_unwind(panic::AssertUnwindSafe(f));
    QUIET.set(false);
    result.map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    })
}

/// The column names and the rows (line number, cells) of a Parquet file.
fn read_table(file: File) -> std::result::Result<(Vec<String>, Rows), String> {
    let reader = SerializedFileReader::new(file).map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let schema = reader.metadata().file_metadata().schema_descr();
    let fields = schema.root_schema().get_fields();
    let mut columns = Vec::with_capacity(fields.len());
    let mut kinds = Vec::with_capacity(fields.len());
    for field in fields {
        kinds.push(kind_of(field).map_err(|ty| {
            format!(
                "column '{}' has Parquet type {ty}, which is not supported; only flat columns of numbers, \
                 booleans, text, dates and times can be read: flatten or drop it",
                field.name()
            )
        })?);
        columns.push(field.name().trim().to_string());
    }
    check_names(&columns)?;
    check_codecs(reader.metadata().row_groups())?;
    let mut rows = Vec::new();
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g).map_err(|e| format!("row group {g}: {e}"))?;
        let n =
            usize::try_from(group.metadata().num_rows()).map_err(|_| format!("row group {g}: negative row count"))?;
        let first = rows.len() as u64 + 2;
        let mut cells = Vec::with_capacity(kinds.len());
        for (c, &kind) in kinds.iter().enumerate() {
            let at = |row: Option<usize>| match row {
                Some(i) => format!("line {}, column '{}'", first + i as u64, columns[c]),
                None => format!("column '{}'", columns[c]),
            };
            let chunk = group.get_column_reader(c).map_err(|e| format!("{}: {e}", at(None)))?;
            cells.push(column_cells(chunk, kind, n, &at)?);
        }
        let mut cells: Vec<_> = cells.into_iter().map(Vec::into_iter).collect();
        for i in 0..n as u64 {
            rows.push((first + i, cells.iter_mut().map(|c| c.next().unwrap_or_default()).collect()));
        }
    }
    Ok((columns, rows))
}

/// Empty and repeated column names are refused, as in a CSV header.
fn check_names(columns: &[String]) -> std::result::Result<(), String> {
    if let Some(i) = columns.iter().position(|c| c.is_empty()) {
        return Err(format!("column {} has no name", i + 1));
    }
    let mut seen = BTreeSet::new();
    match columns.iter().find(|c| !seen.insert(c.as_str())) {
        Some(dup) => Err(format!("column name '{dup}' appears twice")),
        None if columns.is_empty() => Err("no columns".into()),
        None => Ok(()),
    }
}

/// Refuses a file with a column chunk compressed by a codec this build leaves out (LZO, BROTLI),
/// naming the codec and the ones it reads.
fn check_codecs(groups: &[RowGroupMetaData]) -> std::result::Result<(), String> {
    use Compression as Z;
    for chunk in groups.iter().flat_map(|g| g.columns()) {
        let codec = chunk.compression();
        if !matches!(codec, Z::UNCOMPRESSED | Z::SNAPPY | Z::GZIP(_) | Z::LZ4 | Z::LZ4_RAW | Z::ZSTD(_)) {
            let name = format!("{codec:?}").split('(').next().unwrap_or_default().to_string();
            return Err(format!(
                "column '{}' is {name}-compressed, which is not read; write the file with snappy, gzip, lz4, zstd \
                 or no compression",
                chunk.column_path().string()
            ));
        }
    }
    Ok(())
}

/// How the values of top-level schema field `field` are written, or the name of its type when
/// it is not supported.
fn kind_of(field: &Type) -> std::result::Result<Kind, String> {
    let info = field.get_basic_info();
    let (logical, converted) = (info.logical_type_ref(), info.converted_type());
    if field.is_group() {
        return Err(match (logical, converted) {
            (Some(LogicalType::List), _) | (_, ConvertedType::LIST) => "LIST".into(),
            (Some(LogicalType::Map), _) | (_, ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE) => "MAP".into(),
            _ => "STRUCT (a group of fields)".into(),
        });
    }
    let physical = field.get_physical_type();
    if info.has_repetition() && info.repetition() == Repetition::REPEATED {
        return Err(format!("repeated {physical} (a list)"));
    }
    let unsupported = || match logical {
        Some(l) => format!("{l:?}").split(['(', ' ', '{']).next().unwrap_or_default().to_uppercase(),
        None => format!("{physical} ({converted})"),
    };
    let per_sec = |unit: &TimeUnit| match unit {
        TimeUnit::MILLIS => 1_000,
        TimeUnit::MICROS => 1_000_000,
        TimeUnit::NANOS => 1_000_000_000,
    };
    match logical {
        Some(LogicalType::Timestamp(t)) => return Ok(Kind::Timestamp(per_sec(&t.unit), t.is_adjusted_to_u_t_c)),
        Some(LogicalType::Time(t)) => return Ok(Kind::Time(per_sec(&t.unit))),
        Some(LogicalType::Uuid) => return Ok(Kind::Uuid),
        Some(LogicalType::Float16) => return Ok(Kind::Float16),
        Some(LogicalType::Integer(_) | LogicalType::Date | LogicalType::Unknown) | None => {}
        Some(LogicalType::String | LogicalType::Enum | LogicalType::Json | LogicalType::Decimal(_)) => {}
        Some(_) => return Err(unsupported()),
    }
    use ConvertedType as C;
    Ok(match (physical, converted) {
        (Physical::BOOLEAN | Physical::FLOAT | Physical::DOUBLE, _) => Kind::Plain,
        (Physical::INT32 | Physical::INT64, C::NONE | C::INT_8 | C::INT_16 | C::INT_32 | C::INT_64) => Kind::Plain,
        (Physical::INT32 | Physical::INT64, C::UINT_8 | C::UINT_16 | C::UINT_32 | C::UINT_64) => Kind::Unsigned,
        (Physical::INT32, C::DATE) => Kind::Date,
        (Physical::INT32, C::TIME_MILLIS) => Kind::Time(1_000),
        (Physical::INT64, C::TIME_MICROS) => Kind::Time(1_000_000),
        (Physical::INT64, C::TIMESTAMP_MILLIS) => Kind::Timestamp(1_000, true),
        (Physical::INT64, C::TIMESTAMP_MICROS) => Kind::Timestamp(1_000_000, true),
        (Physical::INT96, C::NONE) => Kind::Int96,
        (_, C::DECIMAL) if field.get_precision() <= 38 && (0..=field.get_precision()).contains(&field.get_scale()) => {
            Kind::Decimal(field.get_scale().unsigned_abs())
        }
        (Physical::BYTE_ARRAY | Physical::FIXED_LEN_BYTE_ARRAY, C::NONE | C::UTF8 | C::ENUM | C::JSON) => Kind::Text,
        _ => return Err(unsupported()),
    })
}

/// The `n` cells of one column chunk, as text; `at(Some(i))` names row `i` of the chunk in
/// errors, `at(None)` the column.
fn column_cells(
    chunk: ColumnReader,
    kind: Kind,
    n: usize,
    at: &dyn Fn(Option<usize>) -> String,
) -> std::result::Result<Vec<String>, String> {
    match chunk {
        ColumnReader::BoolColumnReader(r) => cells(r, n, at, |v| Ok(v.to_string())),
        ColumnReader::Int32ColumnReader(r) => cells(r, n, at, |&v| match kind {
            Kind::Unsigned => Ok((v as u32).to_string()),
            _ => integer_text(i64::from(v), kind),
        }),
        ColumnReader::Int64ColumnReader(r) => cells(r, n, at, |&v| match kind {
            Kind::Unsigned => Ok((v as u64).to_string()),
            _ => integer_text(v, kind),
        }),
        ColumnReader::Int96ColumnReader(r) => cells(r, n, at, |v| {
            let [lo, hi, day] = *v.data() else { return Err("malformed INT96 value".into()) };
            Ok(instant_text(i64::from(day) - JULIAN_EPOCH, (i64::from(hi) << 32) | i64::from(lo), 9, false))
        }),
        ColumnReader::FloatColumnReader(r) => cells(r, n, at, |&v| Ok(f32_text(v))),
        ColumnReader::DoubleColumnReader(r) => cells(r, n, at, |v| Ok(v.to_string())),
        ColumnReader::ByteArrayColumnReader(r) => cells(r, n, at, |v| bytes_text(v.data(), kind)),
        ColumnReader::FixedLenByteArrayColumnReader(r) => cells(r, n, at, |v| bytes_text(v.data(), kind)),
    }
}

/// Reads the `n` records of a flat column chunk and writes each with `text`; a null is `""`.
fn cells<T: DataType>(
    mut reader: ColumnReaderImpl<T>,
    n: usize,
    at: &dyn Fn(Option<usize>) -> String,
    text: impl Fn(&T::T) -> std::result::Result<String, String>,
) -> std::result::Result<Vec<String>, String> {
    let (mut defs, mut values) = (Vec::new(), Vec::new());
    let read = reader.read_records(n, Some(&mut defs), None, &mut values);
    let (records, _, _) = read.map_err(|e| format!("{}: {e}", at(None)))?;
    if records != n || (!defs.is_empty() && defs.len() != n) {
        return Err(format!("{}: {records} values where its row group has {n} rows", at(None)));
    }
    let mut values = values.iter();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        if defs.get(i).is_some_and(|&d| d == 0) {
            out.push(String::new()); // null
            continue;
        }
        let value = values.next().ok_or_else(|| format!("{}: the value is missing from the file", at(Some(i))))?;
        out.push(text(value).map_err(|why| format!("{}: {why}", at(Some(i))))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;

//! The text of a Parquet value as a CSV export would write it: integers, decimals, floats
//! (shortest round trip), UUIDs, dates, times and timestamps (ISO 8601).

use super::Kind;

/// The text of an INT32/INT64 value of a signed, decimal, date or time column.
pub(super) fn integer_text(v: i64, kind: Kind) -> std::result::Result<String, String> {
    Ok(match kind {
        Kind::Decimal(scale) => decimal_text(i128::from(v), scale),
        Kind::Date => date_text(v),
        Kind::Time(per_sec) => clock_text(v.rem_euclid(per_sec * 86_400) * (1_000_000_000 / per_sec), digits(per_sec)),
        Kind::Timestamp(per_sec, utc) => {
            let day = per_sec * 86_400;
            instant_text(v.div_euclid(day), v.rem_euclid(day) * (1_000_000_000 / per_sec), digits(per_sec), utc)
        }
        _ => v.to_string(),
    })
}

/// The text of a byte-array value: UTF-8 text (trimmed), a decimal, a FLOAT16 or a UUID.
pub(super) fn bytes_text(b: &[u8], kind: Kind) -> std::result::Result<String, String> {
    match kind {
        Kind::Decimal(scale) if b.len() <= 16 => {
            let fill = if b.first().is_some_and(|&x| x >= 0x80) { 0xff } else { 0 };
            let mut be = [fill; 16];
            be[16 - b.len()..].copy_from_slice(b);
            Ok(decimal_text(i128::from_be_bytes(be), scale))
        }
        Kind::Decimal(_) => Err(format!("a {}-byte decimal is wider than 128 bits", b.len())),
        Kind::Float16 if b.len() == 2 => Ok(f32_text(f16_to_f32(u16::from_le_bytes([b[0], b[1]])))),
        Kind::Uuid if b.len() == 16 => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            Ok(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
        }
        Kind::Text => match std::str::from_utf8(b) {
            Ok(s) => Ok(s.trim().to_string()),
            Err(_) => Err("binary data, not UTF-8 text".into()),
        },
        _ => Err(format!("a {}-byte value does not fit the column's type", b.len())),
    }
}

/// A text of `v` that reads back, parsed as `f64` and cast to `f32` as the pipeline does, as `v`:
/// Rust's shortest `{}` of the `f32` (`5.1`), which does for every finite `f32` but ±7.038531e-26
/// (see the test); there, the exact value as `f64` text.
pub(super) fn f32_text(v: f32) -> String {
    let short = v.to_string();
    match short.parse::<f64>() {
        Ok(back) if back as f32 == v || v.is_nan() => short,
        _ => f64::from(v).to_string(),
    }
}

/// An IEEE half-precision float, exactly as `f32`.
pub(super) fn f16_to_f32(bits: u16) -> f32 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let (exp, frac) = (i32::from((bits >> 10) & 0x1f), f32::from(bits & 0x3ff));
    sign * match exp {
        0 => frac * 2f32.powi(-24),
        31 if frac == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        _ => (1.0 + frac / 1024.0) * 2f32.powi(exp - 15),
    }
}

/// `unscaled` × 10^-`scale`, exactly (`1250`, 2 → `12.50`).
pub(super) fn decimal_text(unscaled: i128, scale: u32) -> String {
    let digits = format!("{:0>width$}", unscaled.unsigned_abs(), width = scale as usize + 1);
    let (whole, frac) = digits.split_at(digits.len() - scale as usize);
    let sign = if unscaled < 0 { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{frac}") }
}

/// The Julian day number of 1970-01-01 (INT96 timestamps count Julian days).
pub(super) const JULIAN_EPOCH: i64 = 2_440_588;

/// Number of fraction digits of a unit of 1/`per_sec` second (3, 6 or 9).
pub(super) fn digits(per_sec: i64) -> usize {
    per_sec.ilog10() as usize
}

/// `YYYY-MM-DD` of the day `days` after 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
pub(super) fn date_text(days: i64) -> String {
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `HH:MM:SS`, with `.` and `digits` fraction digits when `nanos` has a fraction of a second.
pub(super) fn clock_text(nanos: i64, digits: usize) -> String {
    let (secs, frac) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
    let mut text = format!("{:02}:{:02}:{:02}", secs / 3_600, secs / 60 % 60, secs % 60);
    if frac != 0 {
        text += &format!(".{frac:09}")[..=digits];
    }
    text
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]` (and `Z` when `utc`) of `nanos` into the day `days` after
/// 1970-01-01.
pub(super) fn instant_text(days: i64, nanos: i64, digits: usize, utc: bool) -> String {
    const DAY: i64 = 86_400_000_000_000;
    let (days, nanos) = (days + nanos.div_euclid(DAY), nanos.rem_euclid(DAY));
    format!("{}T{}{}", date_text(days), clock_text(nanos, digits), if utc { "Z" } else { "" })
}

//! The daily series and the regression problem built from it: `Daily` (consecutive days, values
//! in thousands), the proleptic Gregorian date arithmetic behind `parse_series`, which reads and
//! checks a `date,value` CSV, `load`, which picks `--series FILE` or the embedded births data,
//! and `Problem`/`build_problem`/`take_lags`, the standardized lag features split into the
//! training years and the last ("unseen") year.

use super::{MAX_LAG, MIN_TRAIN_DAYS};
use crate::Dataset;
use crate::error::{Error, Result};
use crate::reproduce::Options;
use std::path::Path;

/// The built-in series: daily US births 2000–2014.
const BIRTHS: &str = include_str!("../../../data/us_births_2000_2014.csv");

/// A daily series: consecutive days, values in thousands.
#[derive(Debug, Clone)]
pub struct Daily {
    /// ISO date of each day.
    pub dates: Vec<String>,
    /// Calendar year of each day.
    pub years: Vec<i32>,
    /// Value of each day, in thousands.
    pub values: Vec<f64>,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` into (year, day number); `None` if it is not a valid date.
fn parse_date(s: &str) -> Option<(i32, i64)> {
    let p: Vec<&str> = s.split('-').collect();
    if p.len() != 3 || p[0].len() != 4 || p[1].len() != 2 || p[2].len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (p[0].parse().ok()?, p[1].parse().ok()?, p[2].parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > days_in[(m - 1) as usize] {
        return None;
    }
    Some((y as i32, days_from_civil(y, m, d)))
}

/// Reads a `date,value` CSV (header `date,value`, ISO dates, one row per day, sorted, no gaps).
/// Every error names `path` and the problem.
pub fn parse_series(bytes: &[u8], path: &Path) -> Result<Daily> {
    let bad = |what: String| Error::format(path, what);
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not a date,value CSV: not UTF-8 text".into()))?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let header = lines.next().map(|(_, l)| l.trim_start_matches('\u{feff}').trim().to_ascii_lowercase());
    if header.as_deref() != Some("date,value") {
        let first = header.unwrap_or_default().chars().take(40).collect::<String>();
        return Err(bad(format!("not a date,value CSV: first line is '{first}', expected the header 'date,value'")));
    }
    let mut s = Daily { dates: Vec::new(), years: Vec::new(), values: Vec::new() };
    let mut last_day: Option<i64> = None;
    for (i, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let row = || format!("not a date,value CSV: line {}: '{}'", i + 1, line.chars().take(40).collect::<String>());
        let [date, value] = fields[..] else { return Err(bad(row() + " does not have two fields")) };
        let (year, day) = parse_date(date).ok_or_else(|| bad(row() + ": the date is not YYYY-MM-DD"))?;
        let v: f64 = value.parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| bad(row() + ": bad value"))?;
        if let Some(prev) = last_day {
            if day <= prev {
                return Err(bad(format!("line {}: {date} does not follow the previous date (sort the rows)", i + 1)));
            }
            if day > prev + 1 {
                let (missing, before) = (day - prev - 1, s.dates.last().cloned().unwrap_or_default());
                return Err(bad(format!(
                    "line {}: {missing} missing day(s) between {before} and {date}; the lag model needs every day",
                    i + 1
                )));
            }
        }
        last_day = Some(day);
        s.dates.push(date.to_string());
        s.years.push(year);
        s.values.push(v / 1000.0);
    }
    Ok(s)
}

/// The regression problem: 56 lag features per day (standardized with the training days' mean
/// and spread, the same map for inputs and target), split into training years and the last year.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Features (newest lag first) and targets of the training days, standardized.
    pub train: Dataset,
    /// The same for the last ("unseen") year.
    pub unseen: Dataset,
    /// Mean of the training values (k).
    pub mean: f64,
    /// Standard deviation of the training values (k).
    pub scale: f64,
    /// Dates of the unseen days.
    pub unseen_dates: Vec<String>,
    /// The last year (unseen).
    pub last_year: i32,
    /// First and last date of the series.
    pub span: (String, String),
}

/// Builds the lag problem, refusing a series too short for 56 lags plus training days before its
/// last year.
pub fn build_problem(s: &Daily, path: &Path) -> Result<Problem> {
    let n = s.values.len();
    let last_year = *s.years.last().ok_or_else(|| Error::format(path, "no data rows after the header"))?;
    let first_unseen = s.years.iter().position(|&y| y == last_year).unwrap_or(n);
    if first_unseen < MAX_LAG + MIN_TRAIN_DAYS {
        return Err(Error::format(
            path,
            format!(
                "too short: needs {MAX_LAG} days of lags plus {MIN_TRAIN_DAYS} training days before the last year \
                 ({last_year}), has {first_unseen} day(s) before it"
            ),
        ));
    }
    let train_vals = &s.values[..first_unseen];
    let mean = train_vals.iter().sum::<f64>() / first_unseen as f64;
    let var = train_vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / first_unseen as f64;
    let scale = if var.sqrt() > 1e-12 { var.sqrt() } else { 1.0 };
    let z = |v: f64| ((v - mean) / scale) as f32;
    let rows = |r: std::ops::Range<usize>| {
        let x: Vec<f32> = r.clone().flat_map(|t| (1..=MAX_LAG).map(move |j| t - j)).map(|i| z(s.values[i])).collect();
        let y: Vec<f32> = r.map(|t| z(s.values[t])).collect();
        Dataset::regression(x, MAX_LAG, y, 1)
    };
    Ok(Problem {
        train: rows(MAX_LAG..first_unseen),
        unseen: rows(first_unseen..n),
        mean,
        scale,
        unseen_dates: s.dates[first_unseen..].to_vec(),
        last_year,
        span: (s.dates[0].clone(), s.dates[n - 1].clone()),
    })
}

/// The first `lags` feature columns of `d`.
pub(crate) fn take_lags(d: &Dataset, lags: usize) -> Dataset {
    let x = d.x.chunks_exact(d.n_features).flat_map(|r| r[..lags].iter().copied()).collect();
    Dataset::regression(x, lags, d.y.clone(), 1)
}

/// The series and where it came from: `--series FILE` or the embedded births data.
pub(crate) fn load(opts: &Options) -> Result<(Daily, String)> {
    match &opts.series {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            Ok((parse_series(&bytes, path)?, path.display().to_string()))
        }
        None => {
            let name = "us_births_2000_2014.csv (built in; FiveThirtyEight/SSA, CC BY 4.0)";
            Ok((parse_series(BIRTHS.as_bytes(), Path::new("us_births_2000_2014.csv"))?, name.into()))
        }
    }
}

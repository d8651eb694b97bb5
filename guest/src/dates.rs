//! Dates as the contract writes them: `YYYY-MM-DD`, exactly, in a sane range. chrono's `%Y`
//! alone accepts `26-11-28`, `0000-01-01` and `-2026-01-01`; a document dated so is never right.

use chrono::{Datelike, NaiveDate};

/// The years an invoice may be dated in.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// Parse `YYYY-MM-DD` with a four-digit year in `YEARS`; the message says what is wrong.
pub fn parse(s: &str) -> Result<NaiveDate, String> {
    let shaped = s.len() == 10
        && s.bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let quoted: String = s.chars().filter(|c| !c.is_control()).take(20).collect();
    let date = shaped
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| format!("'{quoted}' is not a date (YYYY-MM-DD)"))?;
    if !YEARS.contains(&date.year()) {
        return Err(format!(
            "{date} is outside {}-{}",
            YEARS.start(),
            YEARS.end()
        ));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_four_digit_years_in_range() {
        assert_eq!(parse("2026-11-28"), Ok(NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()));
        for bad in [
            "26-11-28",
            "0000-01-01",
            "-2026-01-01",
            "1999-12-31",
            "2100-01-01",
            "2026-02-30",
            "2026-1-01",
            "2026-11-28 ",
            "+2026-11-2",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}

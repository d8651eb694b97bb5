//! Dates as the contract writes them: `YYYY-MM-DD`, exactly, in a sane range. chrono's `%Y`
//! alone accepts `26-11-28`, `0000-01-01` and `-2026-01-01`; a document dated so is never right.

use chrono::{Datelike, NaiveDate};

/// The years an invoice may be dated in.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// Why a text is no date an invoice may carry (a `field-problem` through `error`, which
/// depends on this module, not the other way).
#[derive(Clone, Debug, PartialEq)]
pub enum BadDate {
    /// Not `YYYY-MM-DD` (the text given).
    NotADate(String),
    /// A year outside [`YEARS`].
    OutsideYears,
}

impl std::fmt::Display for BadDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadDate::NotADate(s) => write!(f, "{s:?} is not a date (YYYY-MM-DD)"),
            BadDate::OutsideYears => write!(f, "outside {}-{}", YEARS.start(), YEARS.end()),
        }
    }
}

/// Parse `YYYY-MM-DD` with a four-digit year in `YEARS`; the error says what is wrong.
pub fn parse(s: &str) -> Result<NaiveDate, BadDate> {
    let date = iso_date(s).ok_or_else(|| BadDate::NotADate(s.to_owned()))?;
    if !YEARS.contains(&date.year()) {
        return Err(BadDate::OutsideYears);
    }
    Ok(date)
}

/// A date's digits, `YYYY-MM-DD`, whatever the year (what was stored is read as it was).
fn iso_date(s: &str) -> Option<NaiveDate> {
    let digit = |i: usize| s.as_bytes().get(i).is_some_and(u8::is_ascii_digit);
    let shaped = s.len() == 10
        && (0..10).all(|i| {
            if i == 4 || i == 7 {
                s.as_bytes()[i] == b'-'
            } else {
                digit(i)
            }
        });
    let field = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    shaped
        .then(|| NaiveDate::from_ymd_opt(field(0..4)? as i32, field(5..7)?, field(8..10)?))
        .flatten()
}

/// Dates in the component's stored JSON, `YYYY-MM-DD` (serde `with`); read without chrono's
/// general parser, which would cost the component tens of kilobytes.
pub mod iso {
    use chrono::NaiveDate;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = <&str>::deserialize(d)?;
        super::iso_date(s).ok_or_else(|| D::Error::custom(format!("'{s}' is not YYYY-MM-DD")))
    }
}

/// As `iso`, for an optional date.
pub mod iso_opt {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super::iso")] NaiveDate);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

/// `17.03.2025`, as Norwegian documents write a date.
pub fn nb(d: NaiveDate) -> String {
    format!("{:02}.{:02}.{:04}", d.day(), d.month(), d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_format() {
        assert_eq!(
            nb(NaiveDate::from_ymd_opt(2025, 3, 7).unwrap()),
            "07.03.2025"
        );
    }

    #[test]
    fn only_four_digit_years_in_range() {
        assert_eq!(
            parse("2026-11-28"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 28).unwrap())
        );
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

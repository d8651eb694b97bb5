//! Exact money: parsing user decimals with limits, half-up rounding to øre, formatting.

use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Half-up ("away from zero") to 2 decimals, as bokføringsforskriften and EN 16931 expect.
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Two decimals exactly, for documents: `13649.54`, `10.00`.
pub fn fmt2(d: Decimal) -> String {
    let mut r = round2(d);
    r.rescale(2);
    r.to_string()
}

/// A decimal without trailing zeros: `1.5`, `10`.
pub fn fmt_plain(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Parse a user-typed decimal: plain digits, optional sign and point, at most `max_scale`
/// decimals and an absolute value below `max_abs`. The message says what is wrong.
pub fn parse(text: &str, max_scale: u32, max_abs: Decimal) -> Result<Decimal, String> {
    let t = text.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (body.contains('.') && frac.is_empty())
    {
        return Err(format!(
            "'{}' is not a number (use digits and a decimal point, e.g. 1234.50)",
            clip(t)
        ));
    }
    if frac.len() as u32 > max_scale {
        return Err(format!("at most {max_scale} decimals"));
    }
    if int.trim_start_matches('0').len() > 15 {
        return Err(format!("too large (at most {max_abs})"));
    }
    let d = Decimal::from_str(t).map_err(|_| format!("'{}' is not a number", clip(t)))?;
    if d.abs() > max_abs {
        return Err(format!("too large (at most {max_abs})"));
    }
    Ok(d)
}

/// Quote at most 40 characters of bad input back to the user.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn rounds_half_up_to_ore() {
        assert_eq!(round2(d("0.745")), d("0.75"));
        assert_eq!(round2(d("-0.745")), d("-0.75"));
        assert_eq!(round2(d("0.7449")), d("0.74"));
        assert_eq!(fmt2(d("10")), "10.00");
    }

    #[test]
    fn parse_names_the_problem() {
        let max = d("1000000000");
        assert_eq!(parse("12.5", 4, max), Ok(d("12.5")));
        assert_eq!(parse("-3", 4, max), Ok(d("-3")));
        assert!(parse("abc", 4, max).unwrap_err().contains("not a number"));
        assert!(parse("1.23456", 4, max).unwrap_err().contains("4 decimals"));
        assert!(parse("123456789012345678901234567890", 4, max)
            .unwrap_err()
            .contains("too large"));
        assert!(parse("1e5", 4, max).is_err());
        assert!(parse("", 4, max).is_err());
        assert!(parse("1.", 4, max).is_err());
    }
}

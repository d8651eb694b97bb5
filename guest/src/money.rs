//! Exact money: parsing user decimals with limits, half-up rounding to øre, formatting.

use crate::error::Problem;
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Half-up ("away from zero") to 2 decimals, as bokføringsforskriften and EN 16931 expect.
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Two decimals exactly, for documents: `13649.54`, `10.00`.
pub fn fmt2(d: Decimal) -> String {
    fixed(d, 2, '.', None)
}

/// A decimal without trailing zeros: `1.5`, `10`.
pub fn fmt_plain(d: Decimal) -> String {
    fixed(d, d.normalize().scale(), '.', None)
}

/// [`fmt_plain`], appended to `out` (a document being written).
pub fn write_plain(out: &mut String, d: Decimal) {
    write_fixed(out, d, d.normalize().scale(), '.', None)
}

/// `d` with exactly `scale` decimals (half-up where it has more), `point` before them and
/// `group` between thousands: `13 649,54`. Written from the integer mantissa in one pass;
/// `Decimal`'s `Display` and then regrouping its text cost several times more, and an invoice
/// writes every amount three times (PDF, EHF, the stored record).
pub fn fixed(d: Decimal, scale: u32, point: char, group: Option<char>) -> String {
    let mut out = String::with_capacity(24);
    write_fixed(&mut out, d, scale, point, group);
    out
}

/// [`fixed`], appended to `out` (a document being written) rather than returned.
pub fn write_fixed(out: &mut String, d: Decimal, scale: u32, point: char, group: Option<char>) {
    let r = d.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
    // |mantissa| < 2⁹⁶ and scale ≤ 28, so the widened mantissa fits a u128.
    let digits = r.mantissa().unsigned_abs() * 10u128.pow(scale - r.scale());
    // The digits, backwards: the fraction, then the integer part grouped by three.
    let mut buf = [0u8; 96];
    let mut at = buf.len();
    let mut rest = digits;
    for _ in 0..scale {
        at -= 1;
        let (digit, r) = pop_digit(rest);
        buf[at] = b'0' + digit;
        rest = r;
    }
    if scale > 0 {
        at -= point.len_utf8();
        point.encode_utf8(&mut buf[at..]);
    }
    let mut n = 0;
    loop {
        if n > 0 && n % 3 == 0 {
            if let Some(g) = group {
                at -= g.len_utf8();
                g.encode_utf8(&mut buf[at..]);
            }
        }
        at -= 1;
        let (digit, r) = pop_digit(rest);
        buf[at] = b'0' + digit;
        rest = r;
        n += 1;
        if rest == 0 {
            break;
        }
    }
    if r.is_sign_negative() && digits != 0 {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}

/// `n`'s last decimal digit, and `n` without it. In u64 while the value fits (every amount
/// does): wasm has no 128-bit division, and each u128 digit is a call into compiler-builtins.
fn pop_digit(n: u128) -> (u8, u128) {
    match u64::try_from(n) {
        Ok(n) => ((n % 10) as u8, (n / 10) as u128),
        Err(_) => ((n % 10) as u8, n / 10),
    }
}

/// Parse a user-typed decimal: plain digits, optional sign and point, at most `max_scale`
/// decimals and an absolute value below `max_abs`. The problem says what is wrong.
pub fn parse(text: &str, max_scale: u32, max_abs: Decimal) -> Result<Decimal, Problem> {
    let t = text.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (body.contains('.') && frac.is_empty())
    {
        return Err(Problem::not_a_number(t));
    }
    if frac.len() as u32 > max_scale {
        return Err(Problem::TooManyDecimals(max_scale));
    }
    let too_large = || Problem::between(-max_abs, max_abs);
    if int.trim_start_matches('0').len() > 15 {
        return Err(too_large());
    }
    let d = Decimal::from_str(t).map_err(|_| Problem::not_a_number(t))?;
    if d.abs() > max_abs {
        return Err(too_large());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// The text `Decimal` writes, regrouped: what `fixed` replaced, kept as its reference.
    fn reference(d: Decimal, scale: u32, point: char, group: Option<char>) -> String {
        let mut r = d.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
        r.rescale(scale);
        let s = r.to_string();
        let (neg, s) = s
            .strip_prefix('-')
            .map_or((false, s.as_str()), |r| (true, r));
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let mut out = String::from(if neg { "-" } else { "" });
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.extend(group);
            }
            out.push(c);
        }
        if !frac.is_empty() {
            out.push(point);
            out.push_str(frac);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn fixed_writes_what_decimal_writes(
            m in -10_000_000_000_000_000i64..10_000_000_000_000_000i64,
            at in 0u32..8,
            scale in 0u32..5,
            nb in proptest::bool::ANY,
        ) {
            let d = Decimal::new(m, at);
            let (point, group) = if nb { (',', Some('\u{a0}')) } else { ('.', Some(',')) };
            proptest::prop_assert_eq!(fixed(d, scale, point, group), reference(d, scale, point, group));
            proptest::prop_assert_eq!(fixed(d, scale, '.', None), reference(d, scale, '.', None));
        }
    }

    #[test]
    fn fixed_edges() {
        assert_eq!(
            fixed(d("-0.004"), 2, '.', None),
            "0.00",
            "no minus on a zero"
        );
        assert_eq!(fixed(d("-0.005"), 2, '.', None), "-0.01");
        assert_eq!(fixed(d("1234567.5"), 2, ',', Some(' ')), "1 234 567,50");
        assert_eq!(fixed(d("999.995"), 2, '.', Some(',')), "1,000.00");
        assert_eq!(fixed(d("7"), 0, '.', None), "7");
        // Past u64, where the digits come by 128-bit division.
        assert_eq!(
            fixed(Decimal::MAX, 0, '.', None),
            "79228162514264337593543950335"
        );
        assert_eq!(
            fixed(d("18446744073709551.616"), 3, '.', None),
            "18446744073709551.616"
        );
        assert_eq!(fmt_plain(d("10.500")), "10.5");
        assert_eq!(fmt_plain(d("-3.000")), "-3");
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
        assert_eq!(parse("abc", 4, max), Err(Problem::NotANumber("abc".into())));
        assert_eq!(parse("1.23456", 4, max), Err(Problem::TooManyDecimals(4)));
        assert_eq!(
            parse("123456789012345678901234567890", 4, max),
            Err(Problem::between(-max, max))
        );
        assert!(parse("1e5", 4, max).is_err());
        assert!(parse("", 4, max).is_err());
        assert!(parse("1.", 4, max).is_err());
    }
}

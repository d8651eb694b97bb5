//! Numbers, dates and account numbers as a Norwegian (or English) reader expects them.

use crate::money::{fmt_plain, round2};
use rust_decimal::Decimal;

/// `13 649,54` in Bokmål, `13,649.54` in English.
pub fn amount(d: Decimal, nb: bool) -> String {
    let mut r = round2(d);
    r.rescale(2);
    number(&r.to_string(), nb)
}

pub fn number(s: &str, nb: bool) -> String {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(if nb { ' ' } else { ',' });
        }
        grouped.push(c);
    }
    let sep = if nb { ',' } else { '.' };
    format!(
        "{}{grouped}{}",
        if neg { "-" } else { "" },
        if frac.is_empty() {
            String::new()
        } else {
            format!("{sep}{frac}")
        }
    )
}

/// A unit price: at least 2 decimals, up to the 4 it may have.
pub fn price(d: Decimal, nb: bool) -> String {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    number(&d.to_string(), nb)
}

pub fn qty(d: Decimal, nb: bool) -> String {
    number(&fmt_plain(d), nb)
}

pub fn date(d: chrono::NaiveDate, nb: bool) -> String {
    if nb {
        crate::dates::nb(d)
    } else {
        d.to_string()
    }
}

/// `8601 11 17947`
pub fn account(a: &str) -> String {
    if a.len() == 11 {
        format!("{} {} {}", &a[..4], &a[4..6], &a[6..])
    } else {
        a.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_number_format() {
        assert_eq!(amount("13649.54".parse().unwrap(), true), "13 649,54");
        assert_eq!(amount("13649.54".parse().unwrap(), false), "13,649.54");
        assert_eq!(amount("-5".parse().unwrap(), true), "-5,00");
        assert_eq!(amount("999".parse().unwrap(), true), "999,00");
    }
}

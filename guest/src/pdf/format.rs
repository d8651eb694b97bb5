//! Numbers, dates and account numbers as a Norwegian (or English) reader expects them.

use crate::money::fixed;
use rust_decimal::Decimal;

/// `13 649,54` in Bokmål, `13,649.54` in English.
pub fn amount(d: Decimal, nb: bool) -> String {
    number(d, 2, nb)
}

/// `d` with `scale` decimals as a reader of `nb` (Bokmål) or English expects it.
pub fn number(d: Decimal, scale: u32, nb: bool) -> String {
    if nb {
        fixed(d, scale, ',', Some(' '))
    } else {
        fixed(d, scale, '.', Some(','))
    }
}

/// A unit price: at least 2 decimals, up to the 4 it may have.
pub fn price(d: Decimal, nb: bool) -> String {
    number(d, d.normalize().scale().max(2), nb)
}

pub fn qty(d: Decimal, nb: bool) -> String {
    number(d, d.normalize().scale(), nb)
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

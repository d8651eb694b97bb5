//! Numbers, dates and account numbers as a Norwegian (or English) reader expects them.

use crate::model::Language;
use crate::money::fixed;
use rust_decimal::Decimal;

/// `13 649,54` in Bokmål, `13,649.54` in English.
pub fn amount(d: Decimal, lang: Language) -> String {
    number(d, 2, lang)
}

/// `d` with `scale` decimals as a reader of `lang` expects it.
pub fn number(d: Decimal, scale: u32, lang: Language) -> String {
    match lang {
        Language::Nb => fixed(d, scale, ',', Some(' ')),
        Language::En => fixed(d, scale, '.', Some(',')),
    }
}

/// A unit price: at least 2 decimals, up to the 4 it may have.
pub fn price(d: Decimal, lang: Language) -> String {
    number(d, d.normalize().scale().max(2), lang)
}

pub fn qty(d: Decimal, lang: Language) -> String {
    number(d, d.normalize().scale(), lang)
}

pub fn date(d: chrono::NaiveDate, lang: Language) -> String {
    match lang {
        Language::Nb => crate::dates::nb(d),
        Language::En => d.to_string(),
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
        assert_eq!(
            amount("13649.54".parse().unwrap(), Language::Nb),
            "13 649,54"
        );
        assert_eq!(
            amount("13649.54".parse().unwrap(), Language::En),
            "13,649.54"
        );
        assert_eq!(amount("-5".parse().unwrap(), Language::Nb), "-5,00");
        assert_eq!(amount("999".parse().unwrap(), Language::Nb), "999,00");
    }
}

//! Numbers and dates as a person types and reads them: `1 234,50` and `04.12.2026` in Bokmål,
//! `1,234.50` and `2026-12-04` in English. The contract speaks exact decimals (`1234.50`) and ISO
//! dates; this is the console's translation at its edge, and it decides nothing (the component
//! still checks every number it is given).

use super::words::Lang;

/// What a person typed as a number, as the contract's decimal text: spaces (also no-break ones)
/// are grouping; with both `,` and `.` the last is the decimal mark and the other grouping; a
/// lone `,` is the decimal mark (`1234,5`), and so is a lone `.` (`1234.5`, as machines write).
/// Anything else is handed on as typed, for the component to refuse naming the field.
pub fn typed(s: &str) -> String {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let (comma, dot) = (t.rfind(','), t.rfind('.'));
    match (comma, dot) {
        (Some(c), Some(d)) if c > d => t.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => t.replace(',', ""),
        (Some(_), None) if t.matches(',').count() == 1 => t.replace(',', "."),
        _ => t,
    }
}

/// A contract decimal as a person reads it: grouped by threes, with the language's marks.
/// Text that is no decimal is shown as it is.
pub fn shown(lang: Lang, decimal: &str) -> String {
    let (sign, digits) = match decimal.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", decimal),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return decimal.to_owned();
    }
    let (group, mark) = match lang {
        Lang::Nb => ('\u{a0}', ','),
        Lang::En => (',', '.'),
    };
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(mark);
        out.push_str(frac);
    }
    out
}

/// An ISO date as a person reads it (`04.12.2026` in Bokmål); anything else as it is.
pub fn date(lang: Lang, iso: &str) -> String {
    match (lang, chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")) {
        (Lang::Nb, Ok(d)) => d.format("%d.%m.%Y").to_string(),
        _ => iso.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_people_type_and_read_them() {
        for (typed_in, meant) in [
            ("1 234,50", "1234.50"),
            ("1\u{a0}234,50", "1234.50"),
            ("1234,5", "1234.5"),
            ("1.234,50", "1234.50"),
            ("1,234.50", "1234.50"),
            ("1234.50", "1234.50"),
            ("0,125", "0.125"),
            (" 12 ", "12"),
            ("1,2,3", "1,2,3"),
        ] {
            assert_eq!(typed(typed_in), meant, "{typed_in:?}");
        }
        assert_eq!(shown(Lang::Nb, "16607.47"), "16\u{a0}607,47");
        assert_eq!(shown(Lang::En, "16607.47"), "16,607.47");
        assert_eq!(shown(Lang::Nb, "-1234567"), "-1\u{a0}234\u{a0}567");
        assert_eq!(shown(Lang::Nb, "500.00"), "500,00");
        assert_eq!(shown(Lang::Nb, "n/a"), "n/a");
        assert_eq!(date(Lang::Nb, "2026-12-04"), "04.12.2026");
        assert_eq!(date(Lang::En, "2026-12-04"), "2026-12-04");
    }
}

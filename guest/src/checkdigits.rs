//! Check digits of Norwegian identifiers (norway.md §3): organisation numbers, bank accounts,
//! IBAN and KID.

/// MOD11 with the given weights over `digits`: `Some(check)` or `None` when no check digit exists.
fn mod11(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match sum % 11 {
        0 => Some(0),
        1 => None,
        r => Some(11 - r),
    }
}

fn digits_of(s: &str, len: usize) -> Option<Vec<u32>> {
    if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().map(|b| (b - b'0') as u32).collect())
}

/// A 9-digit organisation number with a valid MOD11 check digit.
pub fn valid_orgnr(s: &str) -> bool {
    digits_of(s, 9).is_some_and(|d| mod11(&d[..8], &[3, 2, 7, 6, 5, 4, 3, 2]) == Some(d[8]))
}

/// An organisation number as people write it (`914778271`, `914 778 271`, `914.778.271`,
/// `NO 914 778 271 MVA`), as the 9 digits every document carries; None unless those 9 digits
/// have a valid MOD11 check digit.
pub fn orgnr_of(s: &str) -> Option<String> {
    let mut t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-'))
        .collect::<String>()
        .to_ascii_uppercase();
    if let Some(rest) = t.strip_prefix("NO") {
        t = rest.to_owned();
    }
    if let Some(rest) = t.strip_suffix("MVA") {
        t = rest.to_owned();
    }
    valid_orgnr(&t).then_some(t)
}

/// An 11-digit Norwegian bank account with a valid MOD11 check digit.
pub fn valid_account(s: &str) -> bool {
    digits_of(s, 11)
        .is_some_and(|d| mod11(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) == Some(d[10]))
}

/// A Norwegian IBAN: mod-97 = 1 and the embedded account's own MOD11.
pub fn valid_iban(s: &str) -> bool {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() != 15 || !s.starts_with("NO") || !valid_account(&s[4..]) {
        return false;
    }
    let rearranged = format!("{}{}", &s[4..], &s[..4]);
    let mut rem = 0u32;
    for c in rearranged.chars() {
        let v = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        for d in v.to_string().bytes() {
            rem = (rem * 10 + (d - b'0') as u32) % 97;
        }
    }
    rem == 1
}

/// A BIC: 8 or 11 characters, letters for bank and country.
pub fn valid_bic(s: &str) -> bool {
    (s.len() == 8 || s.len() == 11)
        && s.bytes().take(6).all(|b| b.is_ascii_uppercase())
        && s.bytes()
            .skip(6)
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The KID check character for a digit base: Luhn (MOD10).
/// A KID (2..=25 characters) whose last character is its MOD10 or MOD11 check digit.
pub fn kid_valid(kid: &str) -> bool {
    let Some((base, check)) = kid.char_indices().last().map(|(i, c)| (&kid[..i], c)) else {
        return false;
    };
    (2..=25).contains(&kid.len())
        && base.bytes().all(|b| b.is_ascii_digit())
        && (check == kid_mod10(base) || check == kid_mod11(base))
}

pub fn kid_mod10(base: &str) -> char {
    let sum: u32 = base
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let p = (b - b'0') as u32 * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10).unwrap_or('0')
}

/// The KID check character for a digit base: MOD11 with weights 2..7 from the right, `-` when
/// the remainder is 1.
pub fn kid_mod11(base: &str) -> char {
    let sum: u32 = base
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| (b - b'0') as u32 * (2 + (i as u32 % 6)))
        .sum();
    match sum % 11 {
        0 => '0',
        1 => '-',
        r => char::from_digit(11 - r, 10).unwrap_or('0'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_number_as_people_write_it() {
        for written in [
            "914778271",
            "914 778 271",
            "NO 914 778 271 MVA",
            "no914778271mva",
            "914.778.271",
            "\u{a0}914 778 271 ",
        ] {
            assert_eq!(
                orgnr_of(written).as_deref(),
                Some("914778271"),
                "{written:?}"
            );
        }
        for bad in [
            "123",
            "914778272",
            "91477827",
            "9147782710",
            "NO",
            "",
            "914 778 27l",
        ] {
            assert_eq!(orgnr_of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn norway_md_vectors() {
        for ok in [
            "988077917",
            "995525828",
            "123456785",
            "987654325",
            "974761106",
        ] {
            assert!(valid_orgnr(ok), "{ok}");
        }
        for bad in ["988077918", "111222333", "12345678", "abcdefghi"] {
            assert!(!valid_orgnr(bad), "{bad}");
        }
        for ok in ["86011117947", "12345678903", "15035382752"] {
            assert!(valid_account(ok), "{ok}");
        }
        for bad in ["86011117949", "88888888888"] {
            assert!(!valid_account(bad), "{bad}");
        }
        assert!(valid_iban("NO9386011117947"));
        assert!(valid_iban("NO8915035382752"));
        assert!(!valid_iban("NO9286011117947"));
        assert!(!valid_iban("NO2386011117946"));
        for (base, kid) in [
            ("1234", "12344"),
            ("12345678", "123456782"),
            ("123", "1230"),
        ] {
            assert_eq!(format!("{base}{}", kid_mod10(base)), kid);
        }
        for (base, kid) in [
            ("1234", "12343"),
            ("12345678", "123456785"),
            ("99", "99-"),
            ("104", "104-"),
        ] {
            assert_eq!(format!("{base}{}", kid_mod11(base)), kid);
        }
    }
}

//! What the host's registers take in for the component to put on documents, checked where it
//! is typed so a user hears at once. The component checks the same again where it reads the
//! register (`guest/src/party.rs`), whatever a host accepted: this is the register's courtesy,
//! that the contract's guarantee.

/// An organisation number as people write it (`914 778 271`, `NO 914 778 271 MVA`) as its 9
/// digits, if those have a valid MOD11 check digit (norway.md §3).
pub fn orgnr_of(s: &str) -> Option<String> {
    let mut t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-'))
        .collect::<String>()
        .to_uppercase();
    if let Some(rest) = t.strip_prefix("NO") {
        t = rest.to_owned();
    }
    if let Some(rest) = t.strip_suffix("MVA") {
        t = rest.to_owned();
    }
    let d: Vec<u32> = t.chars().map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    if d.len() != 9 {
        return None;
    }
    let sum: u32 = d[..8]
        .iter()
        .zip([3, 2, 7, 6, 5, 4, 3, 2])
        .map(|(d, w)| d * w)
        .sum();
    let check = match sum % 11 {
        0 => 0,
        1 => return None,
        r => 11 - r,
    };
    (check == d[8]).then_some(t)
}

/// Whether a text can stand as one line on a document: no control characters (a line feed
/// would print as a line of its own, above a real address) and no bidirectional overrides or
/// isolates (they make a name display as something it is not).
pub fn is_one_plain_line(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_numbers_as_typed() {
        for ok in ["914778271", "914 778 271", "NO 914 778 271 MVA"] {
            assert_eq!(orgnr_of(ok).as_deref(), Some("914778271"));
        }
        for bad in ["123", "914778272", "", "9147782711"] {
            assert_eq!(orgnr_of(bad), None);
        }
        assert!(is_one_plain_line("Ærlig & Sønn AS"));
        assert!(!is_one_plain_line("Kari\nStorgata 1"));
        assert!(!is_one_plain_line("evil\u{202E}fdp.exe"));
    }
}

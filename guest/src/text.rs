//! What text may go on a document: the checks every field that reaches a PDF or an EHF
//! goes through (settings, customers, lines, notes), and the case folding used to match
//! what people type. One home, so each rule module uses them without using the others.

use crate::error::Problem;

/// Characters XML 1.0 does not allow in a document (§2.2), which no parser will accept.
pub fn xml_forbidden(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// What is wrong with a text of at most `max` characters, each of which `chars` checks
/// ([`bad_text`], or [`bad_line`] for a text of one line): too long, or a character refused.
pub fn within(v: &str, max: usize, chars: fn(&str) -> Option<Problem>) -> Option<Problem> {
    if v.chars().count() > max {
        Some(Problem::TooLong(max as u32))
    } else {
        chars(v)
    }
}

/// What is wrong with a text that must be given: blank (spaces alone say nothing), or as
/// [`within`].
pub fn required(v: &str, max: usize, chars: fn(&str) -> Option<Problem>) -> Option<Problem> {
    if v.trim().is_empty() {
        Some(Problem::Missing)
    } else {
        within(v, max, chars)
    }
}

/// Why a text cannot go on a document: control characters (a line break is fine), the
/// characters XML 1.0 forbids (U+FFFE, U+FFFF), and the bidirectional overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069), which make a text display as something it is not (a
/// name or subject spoofed). None when it can.
pub fn bad_text(v: &str) -> Option<Problem> {
    v.chars()
        .find(|&c| (c.is_control() && c != '\n') || xml_forbidden(c) || bidi_control(c))
        .map(Problem::BadCharacter)
}

/// As `bad_text`, for a text that is one line on every document (a name, an address line):
/// a line break there would print as lines of its own (a fake address above the real one).
pub fn bad_line(v: &str) -> Option<Problem> {
    if v.contains('\n') {
        return Some(Problem::BadCharacter('\n'));
    }
    bad_text(v)
}

/// A word folded for matching what people type: ASCII and the Norwegian letters to lower case
/// (`År` as `år`). Only that: the Unicode tables (case, and the letter test in
/// `channel::valid_email`) cost the component 37 KB, and the words matched (units, country
/// names) need no more.
pub fn fold_case(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            'Æ' => 'æ',
            'Ø' => 'ø',
            'Å' => 'å',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_checked_for_what_a_document_cannot_carry() {
        let bad = |c| Some(Problem::BadCharacter(c));
        type Check = fn(&str) -> Option<Problem>;
        let cases: [(&str, Check, Option<Problem>); 10] = [
            ("Konsulenttimer, oktober", bad_text, None),
            ("Linje 1\nLinje 2", bad_text, None),
            ("Linje 1\nLinje 2", bad_line, bad('\n')),
            ("tab\there", bad_text, bad('\t')),
            ("bell\u{7}", bad_text, bad('\u{7}')),
            ("\u{FFFE}", bad_text, bad('\u{FFFE}')),
            // a name displayed backwards: "Acme" spoofed
            ("\u{202E}emcA", bad_text, bad('\u{202E}')),
            ("\u{2066}isolated\u{2069}", bad_line, bad('\u{2066}')),
            ("Ærlige Åse Øvrebø", bad_line, None),
            ("emoji 🧾 ok", bad_text, None),
        ];
        for (text, check, want) in cases {
            assert_eq!(check(text), want, "{text:?}");
        }
    }

    #[test]
    fn a_required_text_is_given_short_enough_and_clean() {
        let cases = [
            ("", Some(Problem::Missing)),
            ("   ", Some(Problem::Missing)),
            ("\n", Some(Problem::Missing)),
            ("feil", None),
            // counted in characters, not bytes: five Norwegian letters fit in five
            ("æøåÆØ", None),
            ("æøåÆØÅ", Some(Problem::TooLong(5))),
            ("ab\u{0}", Some(Problem::BadCharacter('\u{0}'))),
        ];
        for (text, want) in cases {
            assert_eq!(required(text, 5, bad_text), want, "{text:?}");
        }
        assert_eq!(within("", 5, bad_text), None, "within does not require");
    }
}

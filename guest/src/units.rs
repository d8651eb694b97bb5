//! Unit codes: UN/ECE Recommendation 20 and 21, the list EN 16931 checks every line's unit
//! against (BR-CL-23). A code that only looks like one (`TIM`) makes an invalid EHF.

const LIST: &str = include_str!("unit_codes.txt");

/// The codes, one a line, without the comment lines at the top.
fn body() -> &'static str {
    let start = LIST
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.len() + 1)
        .sum::<usize>();
    &LIST[start..]
}

/// The words Norwegians (and English speakers) type for a unit, and the Rec 20/21 code each
/// stands for: the one place such a word becomes a code. Matched without regard to case.
#[rustfmt::skip]
const WORDS: &[(&str, &str)] = &[
    ("stk", "EA"), ("stykk", "EA"), ("st", "EA"), ("pcs", "EA"), ("piece", "EA"), ("each", "EA"),
    ("time", "HUR"), ("timer", "HUR"), ("hour", "HUR"), ("hours", "HUR"), ("h", "HUR"),
    ("min", "MIN"), ("minutt", "MIN"), ("minutter", "MIN"),
    ("dag", "DAY"), ("dager", "DAY"), ("døgn", "DAY"), ("day", "DAY"), ("days", "DAY"),
    ("uke", "WEE"), ("uker", "WEE"), ("week", "WEE"),
    ("mnd", "MON"), ("måned", "MON"), ("måneder", "MON"), ("month", "MON"),
    ("år", "ANN"), ("year", "ANN"),
    ("kg", "KGM"), ("g", "GRM"), ("gram", "GRM"), ("tonn", "TNE"),
    ("l", "LTR"), ("liter", "LTR"),
    ("m", "MTR"), ("meter", "MTR"), ("km", "KMT"),
    ("m2", "MTK"), ("m²", "MTK"), ("kvm", "MTK"), ("m3", "MTQ"), ("m³", "MTQ"),
    ("pk", "XPK"), ("pakke", "XPK"), ("pakker", "XPK"),
    ("sett", "SET"), ("par", "PR"),
];

/// The code a unit stands for: a Rec 20/21 code as it is, or a word from `WORDS`. None when
/// it is neither (the EHF would be invalid).
pub fn code_of(unit: &str) -> Option<String> {
    let unit = unit.trim();
    if is_known(unit) {
        return Some(unit.to_owned());
    }
    let lower = crate::text::fold_case(unit);
    WORDS
        .iter()
        .find(|(w, _)| *w == lower)
        .map(|(_, code)| (*code).to_owned())
}

/// Whether `code` is on the list: a binary search over the sorted lines of the text itself,
/// so a call (each is a fresh instance) builds no table first.
pub fn is_known(code: &str) -> bool {
    let body = body();
    let (mut lo, mut hi) = (0, body.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let start = body[..mid].rfind('\n').map_or(0, |i| i + 1);
        let end = body[start..].find('\n').map_or(body.len(), |i| start + i);
        match body[start..end].cmp(code) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_people_type_become_real_codes() {
        for (word, code) in [
            ("timer", "HUR"),
            ("Stk", "EA"),
            ("år", "ANN"),
            ("År", "ANN"),
            ("m2", "MTK"),
            ("HUR", "HUR"),
            (" kg ", "KGM"),
        ] {
            assert_eq!(code_of(word).as_deref(), Some(code), "{word}");
        }
        for (_, code) in WORDS {
            assert!(is_known(code), "{code} is on the list");
        }
        assert_eq!(code_of("TIM"), None);
        assert_eq!(code_of("xyz"), None);
    }

    #[test]
    fn real_codes_only() {
        for ok in [
            "EA", "HUR", "KGM", "C62", "LTR", "MTR", "DAY", "MON", "XBX", "H87",
        ] {
            assert!(is_known(ok), "{ok}");
        }
        for bad in ["TIM", "ea", "", "E A", "PCS", "XYZ1"] {
            assert!(!is_known(bad), "{bad}");
        }
        let codes: Vec<&str> = body().lines().collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        assert!(codes.iter().all(|c| is_known(c)), "every code is found");
    }
}

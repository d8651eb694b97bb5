//! Unit codes: UN/ECE Recommendation 20 and 21, the list EN 16931 checks every line's unit
//! against (BR-CL-23). A code that only looks like one (`TIM`) makes an invalid EHF.

const LIST: &str = include_str!("unit_codes.txt");

fn codes() -> &'static [&'static str] {
    static CODES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| LIST.lines().filter(|l| !l.starts_with('#')).collect())
}

/// Whether `code` is on the list (kept sorted, so a binary search).
pub fn is_known(code: &str) -> bool {
    codes().binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(codes().windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    }
}

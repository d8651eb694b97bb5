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

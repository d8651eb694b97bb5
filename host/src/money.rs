//! Money as the host keeps it: integer øre, so that sums in any database are exact.

use rust_decimal::Decimal;

/// A currency as ISO 4217 writes it: three capital letters (which ones the host can invoice
/// in is its rate table's say). The component checks the same where it reads one.
pub fn is_currency_code(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// A decimal with at most 2 decimals as øre; None if it has more or is out of range.
pub fn to_ore(s: &str) -> Option<i64> {
    let d: Decimal = s.parse().ok()?;
    if d.scale() > 2 && d.round_dp(2) != d {
        return None;
    }
    let ore = d * Decimal::ONE_HUNDRED;
    i64::try_from(ore.trunc()).ok()
}

/// Øre as `1234.50`.
pub fn from_ore(ore: i64) -> String {
    Decimal::new(ore, 2).to_string()
}

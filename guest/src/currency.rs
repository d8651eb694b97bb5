//! Invoicing in a currency other than NOK (currency.md): the amounts are the currency's,
//! computed as any invoice's; the VAT is stated and booked in NOK at the official rate of the
//! invoice date, and locked there (bokføringsforskriften § 4-2 (2), § 5-1-1 nr. 6).

use crate::error::Problem;
use crate::money::round2;
use crate::vat::VatCode;
use rust_decimal::Decimal;

pub use crate::model::Rate;

/// The ledger's currency: a document in it has no rate.
pub const NOK: &str = crate::model::NOK;

/// A currency as ISO 4217 writes it: three capital letters. Which of them can be invoiced is
/// the host's rate table's say (a currency it has no rate for is refused at issue).
pub fn code_problem(code: &str) -> Option<Problem> {
    let ok = code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase());
    (!ok).then(|| Problem::unknown(code))
}

/// A currency amount in NOK at `rate`, rounded half-up to øre.
pub fn to_nok(amount: Decimal, rate: Decimal) -> Decimal {
    round2(amount * rate)
}

/// A VAT group in NOK, by currency.md §3's rule (b): the base converted, then the rate's
/// percentage of that, each rounded half-up to øre. So the NOK VAT is the NOK base's
/// percentage, as the VAT return (mva-melding) and SAF-T state them: (a), the currency VAT
/// converted, can be an øre or three off it.
pub fn group_in_nok(base: Decimal, code: VatCode, rate: Decimal) -> (Decimal, Decimal) {
    let base_nok = to_nok(base, rate);
    (
        base_nok,
        round2(base_nok * code.rate() / Decimal::ONE_HUNDRED),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// currency.md §3: EUR 999.99 at 25 % at 11.7950. (a) would give 2 948.75; the rule gives
    /// the NOK base 11 794.88 and its 25 %, 2 948.72. At EUR 1 000.00 both give 2 948.75.
    #[test]
    fn the_nok_vat_is_the_nok_bases_percentage() {
        let rate = d("11.7950");
        assert_eq!(
            group_in_nok(d("999.99"), VatCode::High, rate),
            (d("11794.88"), d("2948.72"))
        );
        assert_eq!(to_nok(d("250.00"), rate), d("2948.75"), "what (a) gives");
        assert_eq!(
            group_in_nok(d("1000.00"), VatCode::High, rate),
            (d("11795.00"), d("2948.75"))
        );
        assert_eq!(
            group_in_nok(d("1000.00"), VatCode::ZeroRated, rate),
            (d("11795.00"), d("0.00"))
        );
    }

    #[test]
    fn a_currency_is_three_capital_letters() {
        assert_eq!(code_problem("EUR"), None);
        for bad in ["eur", "EU", "EURO", "€", "E1R", ""] {
            assert!(code_problem(bad).is_some(), "{bad}");
        }
    }
}

//! The one calculation core (norway.md §4): line amounts, VAT per (category, rate) group and
//! totals. The preview, the PDF, the EHF and the voucher all read these numbers.

pub use crate::model::GroupVat;
use crate::model::Line;
use crate::money::round2;
use crate::vat::VatCode;
use rust_decimal::Decimal;

#[derive(Clone, Debug, PartialEq)]
pub struct LineAmounts {
    /// quantity × unit price, rounded to øre.
    pub gross: Decimal,
    /// The line discount (an EHF line allowance), rounded to øre.
    pub discount: Decimal,
    pub net: Decimal,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VatGroup {
    pub code: VatCode,
    pub base: Decimal,
    pub vat: Decimal,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Totals {
    pub lines: Vec<LineAmounts>,
    /// One per VAT code (each code is one (category, rate) pair), in `VatCode` order.
    pub groups: Vec<VatGroup>,
    pub net: Decimal,
    pub vat: Decimal,
    pub payable: Decimal,
    /// A document in a currency other than NOK: its VAT and receivable in NOK (`in_nok`).
    pub nok: Option<Nok>,
}

/// The NOK side of a document in another currency (currency.md §3).
#[derive(Clone, Debug, PartialEq)]
pub struct Nok {
    /// NOK per one unit.
    pub rate: Decimal,
    /// Base and VAT in NOK of each of `Totals::groups`, in their order.
    pub groups: Vec<(Decimal, Decimal)>,
    /// Σ group VAT in NOK: what the seller reports, and EHF's second tax total (BT-111).
    pub vat: Decimal,
    /// Σ (base + VAT) in NOK: the receivable as booked (never the payable converted, which
    /// could be an øre off and unbalance the voucher).
    pub payable: Decimal,
}

pub fn line_amounts(line: &Line) -> LineAmounts {
    let gross = round2(line.quantity * line.unit_price);
    let discount = match line.fixed_net {
        Some(net) => gross - net,
        None => round2(gross * line.discount_percent / Decimal::ONE_HUNDRED),
    };
    LineAmounts {
        gross,
        discount,
        net: gross - discount,
    }
}

/// `vat_registered = false` puts every line outside the VAT scope, whatever its code says.
pub fn compute(lines: &[Line], vat_registered: bool) -> Totals {
    compute_with(lines, vat_registered, &[])
}

/// As `compute`, but a group named in `fixed_vat` carries that VAT instead of its own rounding:
/// a credit note that empties a VAT group of its invoice takes exactly the VAT left in it.
pub fn compute_with(lines: &[Line], vat_registered: bool, fixed_vat: &[GroupVat]) -> Totals {
    let amounts: Vec<LineAmounts> = lines.iter().map(line_amounts).collect();
    let mut groups: Vec<VatGroup> = Vec::new();
    for (line, a) in lines.iter().zip(&amounts) {
        let code = effective_code(line.vat, vat_registered);
        match groups.iter_mut().find(|g| g.code == code) {
            Some(g) => g.base += a.net,
            None => groups.push(VatGroup {
                code,
                base: a.net,
                vat: Decimal::ZERO,
            }),
        }
    }
    groups.sort_by_key(|g| g.code);
    for g in &mut groups {
        g.vat = match fixed_vat.iter().find(|f| f.code == g.code) {
            Some(f) => f.vat,
            None => round2(g.base * g.code.rate() / Decimal::ONE_HUNDRED),
        };
    }
    let net: Decimal = amounts.iter().map(|a| a.net).sum();
    let vat: Decimal = groups.iter().map(|g| g.vat).sum();
    Totals {
        lines: amounts,
        groups,
        net,
        vat,
        payable: net + vat,
        nok: None,
    }
}

/// `t` with its NOK side at `rate` (none: a NOK document, left as it is). A group named in
/// `fixed` with NOK figures takes them: a credit note that empties an invoice's group takes
/// exactly the NOK left in it, so credits net to the øre in both currencies.
pub fn in_nok(mut t: Totals, rate: Option<Decimal>, fixed: &[GroupVat]) -> Totals {
    let Some(rate) = rate else {
        return t;
    };
    let groups: Vec<(Decimal, Decimal)> = t
        .groups
        .iter()
        .map(|g| {
            let own = crate::currency::group_in_nok(g.base, g.code, rate);
            match fixed.iter().find(|f| f.code == g.code) {
                Some(GroupVat {
                    base_nok: Some(b),
                    vat_nok: Some(v),
                    ..
                }) => (*b, *v),
                _ => own,
            }
        })
        .collect();
    let vat = groups.iter().map(|(_, v)| *v).sum();
    let payable = groups.iter().map(|(b, v)| *b + *v).sum();
    t.nok = Some(Nok {
        rate,
        groups,
        vat,
        payable,
    });
    t
}

pub fn effective_code(code: VatCode, vat_registered: bool) -> VatCode {
    if vat_registered {
        code
    } else {
        VatCode::Outside
    }
}

#[cfg(test)]
pub(crate) fn test_line(id: u32, qty: &str, price: &str, vat: VatCode) -> Line {
    Line {
        id,
        product_id: None,
        description: format!("line {id}"),
        quantity: qty.parse().unwrap(),
        unit: "EA".into(),
        unit_price: price.parse().unwrap(),
        discount_percent: Decimal::ZERO,
        vat,
        fixed_net: None,
        credits_line: None,
        by_amount: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn norway_md_worked_example() {
        let lines = [
            test_line(1, "10", "1000.00", VatCode::High),
            test_line(2, "4", "249.90", VatCode::Medium),
        ];
        let t = compute(&lines, true);
        assert_eq!(t.groups.len(), 2);
        assert_eq!(
            (t.groups[0].base, t.groups[0].vat),
            (d("10000.00"), d("2500.00"))
        );
        assert_eq!(
            (t.groups[1].base, t.groups[1].vat),
            (d("999.60"), d("149.94"))
        );
        assert_eq!(t.payable, d("13649.54"));
    }

    #[test]
    fn vat_is_computed_once_per_group() {
        let lines: Vec<Line> = (1..=3)
            .map(|i| test_line(i, "1", "0.99", VatCode::High))
            .collect();
        let t = compute(&lines, true);
        assert_eq!(t.groups[0].base, d("2.97"));
        assert_eq!(t.vat, d("0.74"));
    }

    #[test]
    fn discount_is_rounded_once_per_line() {
        let mut l = test_line(1, "3", "33.333", VatCode::High);
        l.discount_percent = d("12.5");
        let a = line_amounts(&l);
        assert_eq!(
            (a.gross, a.discount, a.net),
            (d("100.00"), d("12.50"), d("87.50"))
        );
    }

    /// currency.md §4: 1 000.00 EUR + 25 % at 11.7950 is 11 795.00 + 2 948.75 = 14 743.75 NOK.
    #[test]
    fn the_worked_invoice_in_euro() {
        let t = in_nok(
            compute(&[test_line(1, "1", "1000.00", VatCode::High)], true),
            Some(d("11.7950")),
            &[],
        );
        assert_eq!(t.payable, d("1250.00"));
        let nok = t.nok.unwrap();
        assert_eq!(nok.groups, [(d("11795.00"), d("2948.75"))]);
        assert_eq!((nok.vat, nok.payable), (d("2948.75"), d("14743.75")));
    }

    #[test]
    fn unregistered_seller_charges_no_vat() {
        let t = compute(&[test_line(1, "2", "100", VatCode::High)], false);
        assert_eq!(t.groups[0].code, VatCode::Outside);
        assert_eq!(t.payable, d("200.00"));
    }
}

//! Issuing: the last checks on a draft, the KID, the dates and the voucher of an invoice or
//! credit note.

use crate::calc::{self, Totals};
use crate::channel::Route;
use crate::checkdigits::{kid_mod10, kid_mod11};
use crate::error::{Error, Problem, Problems};
use crate::model::{Document, Draft, KidAlgorithm, Kind, Posting, Seller, Voucher};
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

/// Everything a draft must hold to become an invoice; every problem is named.
pub fn check_issuable(
    draft: &Draft,
    today: NaiveDate,
    vat_registered: bool,
) -> Result<Totals, Error> {
    let mut p = Problems::default();
    if draft.lines.is_empty() {
        p.add("lines", Problem::Missing);
    }
    if draft.customer.name.trim().is_empty() {
        p.add("customer.name", Problem::Missing);
    }
    if let Some(issue) = draft.dates.issue {
        if issue > today {
            p.add("dates.issue-date", Problem::InTheFuture(today));
        }
    }
    // A due date set on an earlier day must still not fall before the date of issue.
    if draft
        .dates
        .due
        .is_some_and(|due| due < draft.dates.issue.unwrap_or(today))
    {
        p.add("dates.due-date", Problem::Before("dates.issue-date".into()));
    }
    if draft.customer.orgnr.is_none() {
        for (i, l) in draft.lines.iter().enumerate() {
            if l.vat == crate::vat::VatCode::ReverseCharge {
                p.add(
                    format!("lines[{i}].vat-code"),
                    Problem::Needs("customer.organisation-number".into()),
                );
            }
        }
    }
    let totals = calc::compute(&draft.lines, vat_registered);
    if totals.payable < Decimal::ZERO {
        p.add("totals.payable", Problem::Negative);
    }
    p.into_result()?;
    Ok(totals)
}

/// The KID: zero-padded customer number, zero-padded document number, check digit.
pub fn kid(seller: &Seller, customer_number: u64, number: u64) -> Result<String, Error> {
    let cust_digits = seller.kid_customer_digits as usize;
    let num_digits = seller.kid_length as usize - 1 - cust_digits;
    // No customer digits: the KID is the document number alone.
    let cust = if cust_digits == 0 {
        String::new()
    } else {
        format!("{customer_number:0cust_digits$}")
    };
    let num = format!("{number:0num_digits$}");
    if cust.len() > cust_digits || num.len() > num_digits {
        let short = cust.len().saturating_sub(cust_digits) + num.len().saturating_sub(num_digits);
        return Err(Error::invalid(
            "settings.kid-length",
            Problem::range(Some(seller.kid_length as usize + short), None::<u8>),
        ));
    }
    let base = format!("{cust}{num}");
    let check = match seller.kid_algorithm {
        KidAlgorithm::Mod10 => kid_mod10(&base),
        KidAlgorithm::Mod11 => kid_mod11(&base),
    };
    Ok(format!("{base}{check}"))
}

/// Due date: the draft's own, else issue date + the draft's or the client's terms.
pub fn due_date(draft: &Draft, seller: &Seller, issue: NaiveDate) -> NaiveDate {
    draft.dates.due.unwrap_or_else(|| {
        issue + Days::new(draft.dates.terms_days.unwrap_or(seller.payment_terms_days) as u64)
    })
}

/// The voucher (norway.md §5): receivable on 1500 against revenue per VAT code and VAT per
/// group. A credit note is the mirror image.
pub fn voucher(
    kind: Kind,
    number: u64,
    date: NaiveDate,
    customer_id: &str,
    totals: &Totals,
) -> Voucher {
    let sign = |amount: Decimal, debit_side: bool| -> (Decimal, Decimal) {
        // An invoice debits receivables and credits revenue/VAT; a credit note the reverse.
        // Negative amounts (a negative line group) flip side, so every posting is ≥ 0.
        let debit = debit_side == (kind == Kind::Invoice);
        match (debit, amount >= Decimal::ZERO) {
            (true, true) => (amount, Decimal::ZERO),
            (false, true) => (Decimal::ZERO, amount),
            (true, false) => (Decimal::ZERO, -amount),
            (false, false) => (-amount, Decimal::ZERO),
        }
    };
    let what = if kind == Kind::Invoice {
        "Faktura"
    } else {
        "Kreditnota"
    };
    let mut postings = Vec::new();
    let (d, c) = sign(totals.payable, true);
    postings.push(Posting {
        account: 1500,
        debit: d,
        credit: c,
        customer_id: Some(customer_id.into()),
        vat_code: None,
        text: format!("{what} {number}"),
    });
    for g in &totals.groups {
        let (d, c) = sign(g.base, false);
        postings.push(Posting {
            account: g.code.revenue_account(),
            debit: d,
            credit: c,
            customer_id: None,
            vat_code: g.code.saft().map(Into::into),
            text: format!(
                "{what} {number}, grunnlag {} {}",
                g.code.category(),
                g.code.rate()
            ),
        });
        if let Some(account) = g.code.vat_account() {
            let (d, c) = sign(g.vat, false);
            postings.push(Posting {
                account,
                debit: d,
                credit: c,
                customer_id: None,
                vat_code: g.code.saft().map(Into::into),
                text: format!("{what} {number}, utgående mva {} %", g.code.rate()),
            });
        }
    }
    Voucher {
        date,
        number,
        postings,
    }
}

/// An invoice from a checked draft.
#[allow(clippy::too_many_arguments)]
pub fn build(
    draft: &Draft,
    seller: &Seller,
    number: u64,
    today: NaiveDate,
    totals: &Totals,
    route: Route,
) -> Result<Document, Error> {
    let issue = draft.dates.issue.unwrap_or(today);
    Ok(Document {
        kind: Kind::Invoice,
        number,
        seller: seller.clone(),
        customer: draft.customer.clone(),
        references: draft.references.clone(),
        issue_date: issue,
        // bokføringsforskriften § 5-1-1 wants the delivery date: without one, it is the issue date.
        delivery_date: Some(draft.dates.delivery.unwrap_or(issue)),
        due_date: due_date(draft, seller, issue),
        note: draft.note.clone(),
        kid: Some(kid(seller, draft.customer.number, number)?),
        lines: draft.lines.clone(),
        credited: None,
        credit_reason: None,
        voucher: voucher(Kind::Invoice, number, issue, &draft.customer.id, totals),
        channel: route.channel,
        channel_reason: route.reason,
        fallbacks: route.fallbacks,
        group_vat: Vec::new(),
        request: None,
    })
}

/// The totals of an issued document (computed by the one core, never stored twice).
pub fn totals(doc: &Document) -> Totals {
    calc::compute_with(&doc.lines, doc.seller.vat_registered, &doc.group_vat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::test_line;
    use crate::vat::VatCode;

    #[test]
    fn kid_without_customer_digits_is_the_number_alone() {
        let mut s = crate::testdata::seller();
        s.kid_customer_digits = 0;
        s.kid_length = 7;
        let k = kid(&s, 1001, 10001).unwrap();
        assert_eq!(k.len(), 7);
        assert!(k.starts_with("010001"), "{k}");
        assert_eq!(
            k.chars().last(),
            Some(crate::checkdigits::kid_mod10("010001"))
        );
    }

    #[test]
    fn worked_posting_balances() {
        let lines = [
            test_line(1, "10", "1000.00", VatCode::High),
            test_line(2, "4", "249.90", VatCode::Medium),
        ];
        let t = calc::compute(&lines, true);
        let v = voucher(
            Kind::Invoice,
            10001,
            NaiveDate::from_ymd_opt(2025, 3, 17).unwrap(),
            "1001",
            &t,
        );
        let rows: Vec<(u32, String, String)> = v
            .postings
            .iter()
            .map(|p| (p.account, p.debit.to_string(), p.credit.to_string()))
            .collect();
        assert_eq!(
            rows,
            [
                (1500, "13649.54", "0"),
                (3000, "0", "10000.00"),
                (2700, "0", "2500.00"),
                (3030, "0", "999.60"),
                (2701, "0", "149.94")
            ]
            .map(|(a, d, c)| (a, d.to_string(), c.to_string()))
        );
        let debit: Decimal = v.postings.iter().map(|p| p.debit).sum();
        let credit: Decimal = v.postings.iter().map(|p| p.credit).sum();
        assert_eq!(debit, credit);
        let cn = voucher(
            Kind::CreditNote,
            1,
            NaiveDate::from_ymd_opt(2025, 3, 18).unwrap(),
            "1001",
            &t,
        );
        assert_eq!(cn.postings[0].credit, t.payable);
    }
}

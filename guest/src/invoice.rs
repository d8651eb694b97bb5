//! Issuing: the last checks on a draft, the KID, the dates and the voucher of an invoice or
//! credit note.

use crate::calc::{self, Totals};
use crate::channel::Route;
use crate::checkdigits::{kid_mod10, kid_mod11};
use crate::currency::Rate;
use crate::error::{Error, Problem, Problems};
use crate::model::{CurrencyAmount, Document, Draft, KidAlgorithm, Kind, Posting, Seller, Voucher};
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

/// Everything a draft must hold to become an invoice; every problem is named. The totals are
/// the currency's (their NOK side is the caller's, at the rate of the issue date).
pub fn check_issuable(draft: &Draft, today: NaiveDate, seller: &Seller) -> Result<Totals, Error> {
    let vat_registered = seller.vat_registered;
    let mut p = Problems::default();
    // A customer paying in another currency pays from abroad, by IBAN and BIC (settings has
    // both or neither); eFaktura, AvtaleGiro and the KID are NOK only.
    if draft.currency != crate::currency::NOK && seller.iban.is_none() {
        p.add("settings.iban", Problem::Needs("currency".into()));
    }
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

/// The KID an invoice of `draft` carries as number `number`. A KID is a Norwegian bank's
/// reference: an invoice in another currency has none (it is paid from abroad by IBAN and
/// BIC, with its number as the reference).
pub fn kid_of(draft: &Draft, seller: &Seller, number: u64) -> Result<Option<String>, Error> {
    if draft.currency != crate::currency::NOK {
        return Ok(None);
    }
    kid(seller, draft.customer.number, number).map(Some)
}

/// Due date: the draft's own, else issue date + the draft's or the client's terms.
pub fn due_date(draft: &Draft, seller: &Seller, issue: NaiveDate) -> NaiveDate {
    draft.dates.due.unwrap_or_else(|| {
        issue + Days::new(draft.dates.terms_days.unwrap_or(seller.payment_terms_days) as u64)
    })
}

/// The voucher (norway.md §5): receivable on 1500 against revenue per VAT code and VAT per
/// group. A credit note is the mirror image. A document in another currency is booked in NOK
/// (`Totals::nok`, currency.md §4), each posting with its amount in the currency beside it.
pub fn voucher(
    kind: Kind,
    number: u64,
    date: NaiveDate,
    customer_id: &str,
    totals: &Totals,
    currency: &str,
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
    // (NOK booked, the currency's amount beside it) for an amount of the document.
    let nok = totals.nok.as_ref();
    let booked = |amount: Decimal, in_nok: Option<Decimal>| -> (Decimal, Option<CurrencyAmount>) {
        match (nok, in_nok) {
            (Some(n), Some(v)) => (
                v,
                Some(CurrencyAmount {
                    currency: currency.into(),
                    // Of the same sign as the NOK: the side says which way.
                    amount: amount.abs(),
                    rate: n.rate,
                }),
            ),
            _ => (amount, None),
        }
    };
    let what = if kind == Kind::Invoice {
        "Faktura"
    } else {
        "Kreditnota"
    };
    let mut postings = Vec::new();
    let (amount, currency_amount) = booked(totals.payable, nok.map(|n| n.payable));
    let (d, c) = sign(amount, true);
    postings.push(Posting {
        account: 1500,
        debit: d,
        credit: c,
        customer_id: Some(customer_id.into()),
        vat_code: None,
        text: format!("{what} {number}"),
        currency: currency_amount,
    });
    for (i, g) in totals.groups.iter().enumerate() {
        let group_nok = nok.map(|n| n.groups[i]);
        let (amount, currency_amount) = booked(g.base, group_nok.map(|(b, _)| b));
        let (d, c) = sign(amount, false);
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
            currency: currency_amount,
        });
        if let Some(account) = g.code.vat_account() {
            let (amount, currency_amount) = booked(g.vat, group_nok.map(|(_, v)| v));
            let (d, c) = sign(amount, false);
            postings.push(Posting {
                account,
                debit: d,
                credit: c,
                customer_id: None,
                vat_code: g.code.saft().map(Into::into),
                text: format!("{what} {number}, utgående mva {} %", g.code.rate()),
                currency: currency_amount,
            });
        }
    }
    Voucher {
        date,
        number,
        postings,
    }
}

/// An invoice from a checked draft, at `rate` when it is in a currency other than NOK
/// (`totals` then carry their NOK side at that rate).
#[allow(clippy::too_many_arguments)]
pub fn build(
    draft: &Draft,
    seller: &Seller,
    number: u64,
    today: NaiveDate,
    totals: &Totals,
    route: Route,
    rate: Option<Rate>,
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
        kid: kid_of(draft, seller, number)?,
        lines: draft.lines.clone(),
        credited: None,
        credit_reason: None,
        voucher: voucher(
            Kind::Invoice,
            number,
            issue,
            &draft.customer.id,
            totals,
            &draft.currency,
        ),
        channel: route.channel,
        channel_reason: route.reason,
        fallbacks: route.fallbacks,
        group_vat: Vec::new(),
        request: None,
        currency: draft.currency.clone(),
        rate,
    })
}

/// The totals of an issued document (computed by the one core, never stored twice).
pub fn totals(doc: &Document) -> Totals {
    let t = calc::compute_with(&doc.lines, doc.seller.vat_registered, &doc.group_vat);
    calc::in_nok(t, doc.rate.as_ref().map(|r| r.rate), &doc.group_vat)
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

    /// currency.md §4: invoice 10001 of 1 000.00 EUR + 25 % at 11.7950, booked in NOK with
    /// the euro beside each posting (SAF-T's AmountStructure).
    #[test]
    fn the_worked_posting_in_euro() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let t = calc::in_nok(
            calc::compute(&[test_line(1, "1", "1000.00", VatCode::High)], true),
            Some(d("11.7950")),
            &[],
        );
        let date = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
        let v = voucher(Kind::Invoice, 10001, date, "c1", &t, "EUR");
        let rows: Vec<_> = v
            .postings
            .iter()
            .map(|p| {
                let c = p.currency.as_ref().unwrap();
                (
                    p.account,
                    p.debit,
                    p.credit,
                    c.amount,
                    c.currency.as_str(),
                    c.rate,
                )
            })
            .collect();
        let z = Decimal::ZERO;
        let rate = d("11.7950");
        assert_eq!(
            rows,
            [
                (1500, d("14743.75"), z, d("1250.00"), "EUR", rate),
                (3000, z, d("11795.00"), d("1000.00"), "EUR", rate),
                (2700, z, d("2948.75"), d("250.00"), "EUR", rate),
            ]
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
            "NOK",
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
            "NOK",
        );
        assert_eq!(cn.postings[0].credit, t.payable);
    }
}

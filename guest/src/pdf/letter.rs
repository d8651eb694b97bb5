//! A reminder ("purring") or an inkassovarsel as the customer reads it, in Bokmål or English
//! (receivables.md §1.4): the invoice it concerns (number, date, what it was for), the
//! principal left, the fee and the interest on lines of their own (the rate and the days each
//! ran), the new deadline, the invoice's KID (so the payment matches) and the account. An
//! inkassovarsel says plainly that the claim goes to collection if the deadline passes, that a
//! payment order the bank has received by then is in time, and how to object (inkassoloven
//! § 9; nemnd practice: clear, and no suggestion that costs must follow).

use super::format::{amount, date, number};
use super::{place, seller_line, write_pdf, Mode, Sheet, MARGIN, PAGE_H, PAGE_W, ROW_H};
use crate::model::{Document, Language};
use crate::reminder::{Interest, NoticeKind};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// What a notice says; `invoice` carries the customer, the KID and what was sold, `invoice.seller`
/// the client as it is today (its account may have changed since the invoice).
pub struct Letter<'a> {
    pub kind: NoticeKind,
    pub invoice: &'a Document,
    pub sent: NaiveDate,
    pub principal: Decimal,
    pub earlier_charges: Decimal,
    pub fee: Decimal,
    pub compensation: Decimal,
    pub interest: Option<&'a Interest>,
    pub total: Decimal,
    pub deadline: NaiveDate,
}

impl Letter<'_> {
    pub fn title(&self) -> &'static str {
        let w = self.words();
        match self.kind {
            NoticeKind::Reminder => w.reminder,
            NoticeKind::Inkassovarsel => w.varsel,
        }
    }

    /// What the letter says, in a paragraph (the EHF Reminder's note).
    pub fn summary(&self) -> String {
        let w = self.words();
        let lang = self.invoice.language();
        let doc = self.invoice;
        let deadline = date(self.deadline, lang);
        let ask = match self.kind {
            NoticeKind::Reminder => (w.reminder_ask)(&deadline),
            NoticeKind::Inkassovarsel => (w.varsel_notice)(&deadline),
        };
        let unpaid = (w.unpaid)(
            doc.number,
            &date(doc.issue_date, lang),
            &date(doc.due_date, lang),
        );
        format!("{}: {unpaid} {ask}", self.title())
    }

    fn words(&self) -> &'static Words {
        if self.invoice.language() == Language::En {
            &EN
        } else {
            &NB
        }
    }
}

struct Words {
    reminder: &'static str,
    varsel: &'static str,
    preview: &'static str,
    date: &'static str,
    invoice_no: &'static str,
    invoice_date: &'static str,
    due_date: &'static str,
    customer_no: &'static str,
    concerns: &'static str,
    /// "We have not received payment of invoice {n} of {date}, due {due}."
    unpaid: fn(u64, &str, &str) -> String,
    /// The reminder's request: pay by {deadline}.
    reminder_ask: fn(&str) -> String,
    /// The inkassovarsel's notice (§ 9): collection if not paid by {deadline}.
    varsel_notice: fn(&str) -> String,
    principal: fn(u64) -> String,
    earlier: &'static str,
    reminder_fee: &'static str,
    varsel_fee: &'static str,
    compensation: &'static str,
    /// "Late interest 12.25 % a year, 2026-07-01 to 2026-08-14 (45 days)".
    interest: fn(&str, &str, &str, i64) -> String,
    to_pay: &'static str,
    deadline: &'static str,
    account: &'static str,
    kid: &'static str,
    orgnr: &'static str,
}

const NB: Words = Words {
    reminder: "Purring",
    varsel: "Inkassovarsel",
    preview: "FORHÅNDSVISNING",
    date: "Dato",
    invoice_no: "Fakturanr.",
    invoice_date: "Fakturadato",
    due_date: "Opprinnelig forfall",
    customer_no: "Kundenr.",
    concerns: "Gjelder",
    unpaid: |n, d, due| {
        format!("Vi har ikke mottatt betaling for faktura {n} av {d}, som forfalt {due}.")
    },
    reminder_ask: |deadline| {
        format!(
            "Vi ber om at beløpet nedenfor betales innen {deadline}. Har du betalt i mellomtiden, kan du se bort fra denne purringen."
        )
    },
    varsel_notice: |deadline| {
        format!(
            "Dette er et inkassovarsel etter inkassoloven § 9. Dersom beløpet nedenfor ikke er betalt innen {deadline}, vil kravet bli sendt til inkasso, noe som kan medføre ytterligere kostnader. Betalingen er i tide når betalingsoppdraget er mottatt av banken innen fristen. Har du innsigelser mot kravet, ta kontakt med oss før fristen."
        )
    },
    principal: |n| format!("Utestående på faktura {n}"),
    earlier: "Tidligere gebyr og renter",
    reminder_fee: "Purregebyr",
    varsel_fee: "Gebyr for inkassovarsel",
    compensation: "Standardkompensasjon (forsinkelsesrenteloven § 3a)",
    interest: |pct, first, last, days| {
        format!("Forsinkelsesrente {pct} % p.a., {first}–{last} ({days} dager)")
    },
    to_pay: "Å betale",
    deadline: "Betalingsfrist",
    account: "Kontonr.",
    kid: "KID",
    orgnr: "Org.nr.",
};

const EN: Words = Words {
    reminder: "Payment reminder",
    varsel: "Debt collection notice",
    preview: "PREVIEW",
    date: "Date",
    invoice_no: "Invoice no.",
    invoice_date: "Invoice date",
    due_date: "Original due date",
    customer_no: "Customer no.",
    concerns: "Concerns",
    unpaid: |n, d, due| format!("We have not received payment of invoice {n} of {d}, due {due}."),
    reminder_ask: |deadline| {
        format!(
            "Please pay the amount below by {deadline}. If you have paid in the meantime, please disregard this reminder."
        )
    },
    varsel_notice: |deadline| {
        format!(
            "This is a debt collection notice under the Norwegian Debt Collection Act, section 9. If the amount below is not paid by {deadline}, the claim will be sent to debt collection, which may lead to further costs. Payment is in time if your bank has received the payment order by the deadline. If you dispute the claim, contact us before the deadline."
        )
    },
    principal: |n| format!("Outstanding on invoice {n}"),
    earlier: "Earlier fees and interest",
    reminder_fee: "Reminder fee",
    varsel_fee: "Collection notice fee",
    compensation: "Standard compensation (Late Payment Interest Act, section 3a)",
    interest: |pct, first, last, days| {
        format!("Late interest {pct} % a year, {first} to {last} ({days} days)")
    },
    to_pay: "Amount to pay",
    deadline: "Payment deadline",
    account: "Account no.",
    kid: "KID",
    orgnr: "Org. no.",
};

/// What the invoice was for, in a line: its lines' descriptions.
fn concerns(doc: &Document) -> String {
    let all: Vec<&str> = doc.lines.iter().map(|l| l.description.as_str()).collect();
    let mut text = all.join(", ");
    if text.chars().count() > 300 {
        text = text.chars().take(299).collect::<String>() + "…";
    }
    text
}

pub fn render(l: &Letter, mode: Mode) -> Vec<u8> {
    let w = l.words();
    let lang = l.invoice.language();
    let doc = l.invoice;
    let s = &doc.seller;
    let mut p = Sheet::new();
    let top = PAGE_H - MARGIN;
    let title = l.title();
    p.fill((0.2, 0.2, 0.2), 0.0, PAGE_H - 14.0, PAGE_W, 14.0);
    p.right(PAGE_W - MARGIN, top - 10.0, 20.0, true, title);
    let title_w = p.ts.width(title, 20.0, true);
    let mut y = top - 10.0;
    for line in p.wrap(&s.name, PAGE_W - 2.0 * MARGIN - title_w - 20.0, 16.0, true) {
        p.text(MARGIN, y, 16.0, true, &line);
        y -= 18.0;
    }
    if mode == Mode::Preview {
        p.right(PAGE_W - MARGIN, top - 30.0, 14.0, true, w.preview);
    }
    for line in [
        s.address.street.clone(),
        place(&s.address),
        Some(seller_line(doc, w.orgnr)),
    ]
    .into_iter()
    .flatten()
    {
        for part in p.wrap(&line, PAGE_W - 2.0 * MARGIN - 150.0, 9.0, false) {
            p.text(MARGIN, y, 9.0, false, &part);
            y -= 11.0;
        }
    }

    // The customer, left; the notice's facts, right.
    let c = &doc.customer;
    let block_top = (y - 14.0).min(top - 90.0);
    let mut by = block_top;
    for line in p.wrap(&c.name, 280.0, 10.0, true) {
        p.text(MARGIN, by, 10.0, true, &line);
        by -= 12.0;
    }
    for line in [c.address.street.clone(), place(&c.address)]
        .into_iter()
        .flatten()
    {
        for part in p.wrap(&line, 280.0, 9.0, false) {
            p.text(MARGIN, by, 9.0, false, &part);
            by -= 12.0;
        }
    }
    let facts = [
        (w.date, date(l.sent, lang)),
        (w.invoice_no, doc.number.to_string()),
        (w.invoice_date, date(doc.issue_date, lang)),
        (w.due_date, date(doc.due_date, lang)),
        (w.customer_no, c.number.to_string()),
    ];
    let mut fy = block_top;
    for (label, v) in &facts {
        p.text(360.0, fy, 9.0, true, label);
        p.right(PAGE_W - MARGIN, fy, 9.0, false, v);
        fy -= 12.0;
    }
    y = by.min(fy) - 16.0;

    let deadline = date(l.deadline, lang);
    let mut prose = vec![
        (w.unpaid)(
            doc.number,
            &date(doc.issue_date, lang),
            &date(doc.due_date, lang),
        ),
        format!("{}: {}", w.concerns, concerns(doc)),
    ];
    prose.push(match l.kind {
        NoticeKind::Reminder => (w.reminder_ask)(&deadline),
        NoticeKind::Inkassovarsel => (w.varsel_notice)(&deadline),
    });
    for (i, text) in prose.iter().enumerate() {
        let bold = l.kind == NoticeKind::Inkassovarsel && i == 2;
        for line in p.wrap(text, PAGE_W - 2.0 * MARGIN, 9.5, bold) {
            p.text(MARGIN, y, 9.5, bold, &line);
            y -= 12.5;
        }
        y -= 4.0;
    }

    // The amounts, each on a line of its own.
    y -= 8.0;
    let mut rows: Vec<(String, Decimal)> = vec![((w.principal)(doc.number), l.principal)];
    if !l.earlier_charges.is_zero() {
        rows.push((w.earlier.into(), l.earlier_charges));
    }
    if !l.fee.is_zero() {
        let label = match l.kind {
            NoticeKind::Reminder => w.reminder_fee,
            NoticeKind::Inkassovarsel => w.varsel_fee,
        };
        rows.push((label.into(), l.fee));
    }
    if !l.compensation.is_zero() {
        rows.push((w.compensation.into(), l.compensation));
    }
    for period in l.interest.map(|i| i.periods.as_slice()).unwrap_or_default() {
        rows.push((
            (w.interest)(
                &number(period.percent, 2, lang),
                &date(period.from, lang),
                &date(period.to, lang),
                period.days,
            ),
            period.amount,
        ));
    }
    for (label, value) in &rows {
        for (k, part) in p.wrap(label, 380.0, 9.5, false).iter().enumerate() {
            p.text(MARGIN, y - k as f32 * 11.0, 9.5, false, part);
        }
        p.right(PAGE_W - MARGIN, y, 9.5, false, &amount(*value, lang));
        y -= ROW_H + 2.0;
    }
    p.rule(y + 8.0);
    y -= 4.0;
    p.text(MARGIN, y, 11.0, true, w.to_pay);
    p.right(PAGE_W - MARGIN, y, 11.0, true, &amount(l.total, lang));
    y -= ROW_H * 2.0;

    let mut pay = vec![(w.deadline, deadline)];
    if !s.bank_account.is_empty() {
        pay.push((w.account, super::format::account(&s.bank_account)));
    }
    if let Some(kid) = &doc.kid {
        pay.push((w.kid, kid.clone()));
    }
    for (label, v) in pay {
        p.text(MARGIN, y, 10.0, true, label);
        p.text(MARGIN + 110.0, y, 10.0, false, &v);
        y -= ROW_H + 1.0;
    }
    let footer = seller_line(doc, w.orgnr);
    for (k, line) in p
        .wrap(&footer, PAGE_W - 2.0 * MARGIN, 8.0, false)
        .iter()
        .enumerate()
    {
        p.text(MARGIN, super::FOOTER_Y - k as f32 * 9.0, 8.0, false, line);
    }
    write_pdf(
        p,
        &format!("{title} {} {}", w.invoice_no, doc.number),
        s.logo.as_ref(),
    )
}

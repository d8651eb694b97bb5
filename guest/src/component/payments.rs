//! The `payments` export: money in, matched to invoices by KID. The rules are in
//! `crate::receivable`; this is the adapter, as the parent is. Every payment is kept once: a
//! bank reference or idempotency key seen before answers `duplicate` and registers nothing.

use super::wit::erp::invoicing::{documents, notices as nt, receivables as rcv, types as t};
use super::wit::exports::erp::invoicing::payments::Guest;
use super::*;
use crate::error::{quote, Problem, Problems};
use crate::receivable::{self as rules, Aging, Money, Outcome, Side, BANK, SUSPENSE};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Payments in one call: a host splits a larger file over several calls.
const MAX_PAYMENTS: usize = 5_000;
/// A bank reference, KID, payer or text longer than this is not what a bank sends.
const MAX_TEXT_CHARS: usize = 200;

impl Guest for Component {
    fn register(p: t::PaymentInput) -> R<t::PaymentResult> {
        require_active()?;
        let seller = seller()?;
        let mut problems = Problems::default();
        let key = text_field(
            &mut problems,
            "idempotency-key",
            Some(&p.idempotency_key),
            true,
        );
        let amount = amount_field(&mut problems, "amount", &p.amount);
        let nok_amount = p
            .nok_amount
            .as_deref()
            .and_then(|a| amount_field(&mut problems, "nok-amount", a));
        if nok_amount.is_some_and(|a| a <= Decimal::ZERO) {
            problems.add("nok-amount", Problem::NotPositive);
        }
        let date = date_field(&mut problems, "date", &p.date);
        let payer = text_field(&mut problems, "payer", p.payer.as_deref(), false);
        let bank_reference = text_field(
            &mut problems,
            "bank-reference",
            p.bank_reference.as_deref(),
            false,
        );
        if amount.is_some_and(|a| a <= Decimal::ZERO) {
            problems.add("amount", Problem::NotPositive);
        }
        if p.invoice_id.is_none() && p.kid.is_none() {
            problems.add(
                "invoice-id",
                Problem::OneOf(vec!["invoice-id".into(), "kid".into()]),
            );
        }
        problems.into_result().map_err(err)?;
        let (Some(key), Some(amount), Some(date)) = (key, amount, date) else {
            unreachable!("checked above")
        };
        let keys: Vec<String> = [Some(&key), bank_reference.as_ref()]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if let Some(prev) = rcv::find_payments(&keys).into_iter().flatten().next() {
            return duplicate(prev);
        }
        let invoice_id = match (&p.invoice_id, &p.kid) {
            (Some(id), _) => id.clone(),
            (None, Some(kid)) => {
                if rules::kid_problem(kid, &seller).is_some() {
                    return Err(err(Error::invalid("kid", Problem::not_valid(kid))));
                }
                rcv::invoices_by_kid(std::slice::from_ref(kid))
                    .pop()
                    .flatten()
                    .ok_or_else(|| t::Error::NotFound(format!("an invoice with KID {kid}")))?
            }
            (None, None) => unreachable!("checked above"),
        };
        let money = money_of(&invoice_id)?;
        let foreign = in_currency(&invoice_id, &money, amount, nok_amount)?;
        let new = rcv::NewPayment {
            bank_reference,
            idempotency_key: Some(key),
            kid: money.money.kid.clone(),
            amount: money::fmt2(amount),
            date: date.to_string(),
            payer,
            text: None,
            outcome: t::PaymentOutcome::Paid,
            invoice_id: None,
            customer_id: None,
        };
        let decided = settle(new, &money.money, &money_in(&money)?, amount, date, foreign);
        keep_one(decided)
    }

    fn import_statement(s: t::BankStatement) -> R<Vec<t::PaymentResult>> {
        require_active()?;
        let seller = seller()?;
        if let Some((field, problem)) = rules::statement_problem(&s.account, &s.currency, &seller) {
            return Err(err(Error::invalid(field, problem)));
        }
        if s.payments.len() > MAX_PAYMENTS {
            return Err(err(Error::invalid(
                "statement.payments",
                Problem::at_most(MAX_PAYMENTS),
            )));
        }
        // Every payment is checked before any is registered: a bad one refuses the call whole.
        let mut problems = Problems::default();
        let mut read = Vec::with_capacity(s.payments.len());
        for (i, p) in s.payments.iter().enumerate() {
            let at = |f: &str| format!("statement.payments[{}].{f}", i + 1);
            let reference = text_field(
                &mut problems,
                &at("bank-reference"),
                Some(&p.bank_reference),
                true,
            );
            let amount = amount_field(&mut problems, &at("amount"), &p.amount);
            if amount.is_some_and(|a| a.is_zero()) {
                problems.add(at("amount"), Problem::Zero);
            }
            let date = date_field(&mut problems, &at("date"), &p.date);
            let kid = text_field(&mut problems, &at("kid"), p.kid.as_deref(), false);
            let payer = text_field(&mut problems, &at("payer"), p.payer.as_deref(), false);
            let text = text_field(&mut problems, &at("text"), p.text.as_deref(), false);
            if let (Some(reference), Some(amount), Some(date)) = (reference, amount, date) {
                read.push((reference, amount, date, kid, payer, text));
            }
        }
        problems.into_result().map_err(err)?;
        // A part of a file is looked up, decided and kept in a few host calls, not a few per
        // payment: the known references, the KIDs' invoices, their sums; then one insert.
        let references: Vec<String> = read.iter().map(|r| r.0.clone()).collect();
        let known = rcv::find_payments(&references);
        let kids: Vec<String> = read
            .iter()
            .filter_map(|r| r.3.clone())
            .filter(|k| rules::kid_problem(k, &seller).is_none())
            .collect();
        let invoice_of: HashMap<String, String> = kids
            .iter()
            .cloned()
            .zip(rcv::invoices_by_kid(&kids))
            .filter_map(|(k, i)| Some((k, i?)))
            .collect();
        let mut ids: Vec<String> = invoice_of.values().cloned().collect();
        ids.extend(known.iter().flatten().filter_map(|p| p.invoice_id.clone()));
        ids.sort();
        ids.dedup();
        // What each invoice holds, kept up to date as this part's payments go to it.
        let mut sums: HashMap<String, (rcv::InvoiceMoney, Money)> = HashMap::new();
        if !ids.is_empty() {
            for c in nt::claims(&rcv::MoneyFilter {
                customer_id: None,
                invoice_ids: ids,
                open_only: false,
            }) {
                let money = money_in(&c)?;
                sums.insert(c.money.invoice_id.clone(), (c.money, money));
            }
        }
        enum Slot {
            Done(Box<t::PaymentResult>),
            Kept(usize),
            Again(usize),
        }
        let mut slots = Vec::with_capacity(read.len());
        let mut decided = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for ((reference, amount, date, kid, payer, text), prev) in read.into_iter().zip(known) {
            if let Some(prev) = prev {
                let open = prev
                    .invoice_id
                    .as_ref()
                    .and_then(|i| sums.get(i))
                    .map(|(_, m)| m.open());
                slots.push(Slot::Done(Box::new(again(result(prev, open)))));
                continue;
            }
            if let Some(&j) = seen.get(&reference) {
                slots.push(Slot::Again(j));
                continue;
            }
            let invoice = match &kid {
                None => Err(Outcome::NoKid),
                Some(k) if rules::kid_problem(k, &seller).is_some() => Err(Outcome::InvalidKid),
                Some(k) => invoice_of.get(k).ok_or(Outcome::UnknownKid),
            };
            seen.insert(reference.clone(), decided.len());
            slots.push(Slot::Kept(decided.len()));
            let new = new_payment(Some(reference), None, kid, amount, date, payer, text);
            decided.push(match invoice.map(|i| sums.get_mut(i)) {
                Ok(Some((m, money))) => {
                    // Bank files carry NOK, and only a NOK invoice has a KID to match by.
                    let d = settle(new, m, money, amount, date, None);
                    money.paid += amount;
                    d
                }
                Ok(None) => {
                    return Err(t::Error::Host(
                        "the host gave no sums for an invoice of a KID".into(),
                    ))
                }
                // Money going back with no invoice to go back to is a reversal all the same.
                Err(_) if amount < Decimal::ZERO => suspend(new, Outcome::Reversal, amount, date),
                Err(why) => suspend(new, why, amount, date),
            });
        }
        let kept = keep(decided)?;
        Ok(slots
            .into_iter()
            .map(|s| match s {
                Slot::Done(r) => *r,
                Slot::Kept(j) => kept[j].clone(),
                Slot::Again(j) => again(kept[j].clone()),
            })
            .collect())
    }

    fn allocate(payment_id: String, invoice_id: String) -> R<t::PaymentResult> {
        require_active()?;
        let p = stored(&payment_id)?;
        if let Some(number) = p.invoice_number {
            return Err(err(Error::invalid(
                "payment-id",
                Problem::AlreadyAllocated(number),
            )));
        }
        let amount = host_decimal(&p.amount)?;
        let date =
            dates::parse(&p.date).map_err(|m| t::Error::Host(format!("payment date: {m}")))?;
        let money = money_of(&invoice_id)?;
        kroner_only(&money)?;
        let outcome = rules::outcome(&money_in(&money)?, amount);
        let text = format!("Innbetaling fordelt til faktura {}", money.money.number);
        let side = Side::Customer(&money.money.customer_id);
        let v = voucher(date, rules::postings(SUSPENSE, &side, amount, &text));
        rcv::allocate_payment(&payment_id, &invoice_id, outcome_out(outcome), &v)?;
        let open_after = money_in(&money)?.open() - amount;
        Ok(result(stored(&payment_id)?, Some(open_after)))
    }

    fn refund(
        invoice_id: String,
        amount: String,
        date: String,
        key: String,
    ) -> R<t::PaymentResult> {
        require_active()?;
        let mut problems = Problems::default();
        let key = text_field(&mut problems, "idempotency-key", Some(&key), true);
        let amount = amount_field(&mut problems, "amount", &amount);
        let date = date_field(&mut problems, "date", &date);
        problems.into_result().map_err(err)?;
        let (Some(key), Some(amount), Some(date)) = (key, amount, date) else {
            unreachable!("checked above")
        };
        if let Some(prev) = rcv::find_payments(std::slice::from_ref(&key))
            .pop()
            .flatten()
        {
            return duplicate(prev);
        }
        let money = money_of(&invoice_id)?;
        kroner_only(&money)?;
        let balance = -money_in(&money)?.open();
        if amount <= Decimal::ZERO || amount > balance {
            return Err(err(Error::invalid(
                "amount",
                Problem::between("0.01", money::fmt2(balance.max(Decimal::ZERO))),
            )));
        }
        let mut new = new_payment(None, Some(key), None, -amount, date, None, None);
        new.outcome = t::PaymentOutcome::Refund;
        new.invoice_id = Some(money.money.invoice_id.clone());
        new.customer_id = Some(money.money.customer_id.clone());
        let text = format!("Tilbakebetalt kreditsaldo, faktura {}", money.money.number);
        let side = Side::Customer(&money.money.customer_id);
        let v = voucher(date, rules::postings(BANK, &side, -amount, &text));
        let open_after = money_in(&money)?.open() + amount;
        keep_one(Decided {
            keep: rcv::PaymentToKeep {
                payment: new,
                voucher: v,
            },
            invoice_number: Some(money.money.number),
            open_after: Some(open_after),
        })
    }

    fn list_payments(f: t::PaymentFilter) -> R<Vec<t::Payment>> {
        if f.limit.is_some_and(|l| !(1..=500).contains(&l)) {
            return Err(err(Error::invalid("limit", Problem::between(1, 500))));
        }
        Ok(rcv::list_payments(&f))
    }

    fn open_items(customer_id: Option<String>) -> R<Vec<t::OpenItem>> {
        let today = today()?;
        all_money(customer_id, true)?
            .iter()
            .map(|m| item_out(m, today))
            .collect()
    }

    fn item(invoice_id: String) -> R<t::OpenItem> {
        item_out(&money_of(&invoice_id)?, today()?)
    }

    fn balance(customer_id: String) -> R<t::CustomerBalance> {
        let today = today()?;
        let (mut open, mut credit, mut aging) = (Decimal::ZERO, Decimal::ZERO, Aging::default());
        for m in in_nok(all_money(Some(customer_id.clone()), true)?) {
            let (o, days) = open_and_days(&m, today)?;
            if o > Decimal::ZERO {
                open += o;
            } else {
                credit -= o;
            }
            aging.add(o, days);
        }
        Ok(t::CustomerBalance {
            customer_id,
            open: money::fmt2(open),
            credit_balance: money::fmt2(credit),
            balance: money::fmt2(open - credit),
            aging: aging_out(&aging),
        })
    }

    fn aging_report(customer_id: Option<String>) -> R<t::Aging> {
        let today = today()?;
        let mut aging = Aging::default();
        for m in in_nok(all_money(customer_id, true)?) {
            let (o, days) = open_and_days(&m, today)?;
            aging.add(o, days);
        }
        Ok(aging_out(&aging))
    }
}

/// A payment decided and not kept yet: what to keep, and what its result will say.
struct Decided {
    keep: rcv::PaymentToKeep,
    invoice_number: Option<u64>,
    open_after: Option<Decimal>,
}

/// A payment of an invoice in another currency, as the voucher books it: the NOK the bank
/// credited, the booked NOK it closes, and the amount in the currency with the invoice's rate.
struct InCurrency {
    received: Decimal,
    closed: Decimal,
    amount: model::CurrencyAmount,
}

/// For an invoice in another currency, what a payment of `amount` (in it) books; the NOK the
/// bank credited must be given. For a NOK invoice none, and a NOK amount, if given, is the
/// amount.
fn in_currency(
    invoice_id: &str,
    money: &nt::ClaimMoney,
    amount: Decimal,
    nok_amount: Option<Decimal>,
) -> R<Option<InCurrency>> {
    let stored = documents::get_document(invoice_id)
        .ok_or_else(|| t::Error::NotFound(format!("document {invoice_id}")))?;
    let doc = parse_document(&stored.body)?;
    let totals = invoice::totals(&doc);
    let (Some(nok), Some(rate)) = (&totals.nok, &doc.rate) else {
        return match nok_amount {
            Some(n) if n != amount => Err(err(Error::invalid(
                "nok-amount",
                Problem::not_valid(&money::fmt2(n)),
            ))),
            _ => Ok(None),
        };
    };
    let Some(received) = nok_amount else {
        return Err(err(Error::invalid("nok-amount", Problem::Missing)));
    };
    let open = money_in(money)?.open();
    Ok(Some(InCurrency {
        received,
        closed: rules::closed_nok(totals.payable, nok.payable, open, amount),
        amount: model::CurrencyAmount {
            currency: doc.currency.clone(),
            amount,
            rate: rate.rate,
        },
    }))
}

/// A payment to an invoice whose money is `money` (before it): its outcome by what is open,
/// and 1920 D / 1500 C (with agio or disagio for one in another currency).
fn settle(
    mut new: rcv::NewPayment,
    m: &rcv::InvoiceMoney,
    money: &Money,
    amount: Decimal,
    date: NaiveDate,
    foreign: Option<InCurrency>,
) -> Decided {
    let outcome = rules::outcome(money, amount);
    new.outcome = outcome_out(outcome);
    new.invoice_id = Some(m.invoice_id.clone());
    new.customer_id = Some(m.customer_id.clone());
    let text = if outcome == Outcome::Reversal {
        format!("Tilbakeført innbetaling, faktura {}", m.number)
    } else {
        format!("Innbetaling faktura {}", m.number)
    };
    let side = Side::Customer(&m.customer_id);
    let postings = match foreign {
        Some(f) => rules::foreign_postings(&m.customer_id, f.received, f.closed, &text, f.amount),
        None => rules::postings(BANK, &side, amount, &text),
    };
    Decided {
        keep: rcv::PaymentToKeep {
            payment: new,
            voucher: voucher(date, postings),
        },
        invoice_number: Some(m.number),
        open_after: Some(money.open() - amount),
    }
}

/// A payment nobody can match yet: 1920 D / 2999 C, until a person allocates it.
fn suspend(
    mut new: rcv::NewPayment,
    outcome: Outcome,
    amount: Decimal,
    date: NaiveDate,
) -> Decided {
    new.outcome = outcome_out(outcome);
    let what = match outcome {
        Outcome::UnknownKid => "Innbetaling, ukjent KID",
        Outcome::InvalidKid => "Innbetaling, ugyldig KID",
        Outcome::Reversal => "Tilbakeført innbetaling, uten faktura",
        _ => "Innbetaling uten KID",
    };
    Decided {
        keep: rcv::PaymentToKeep {
            payment: new,
            voucher: voucher(date, rules::postings(BANK, &Side::Suspense, amount, what)),
        },
        invoice_number: None,
        open_after: None,
    }
}

/// Keep what was decided, in one call; the results in the same order.
fn keep(decided: Vec<Decided>) -> R<Vec<t::PaymentResult>> {
    if decided.is_empty() {
        return Ok(Vec::new());
    }
    let (keeps, rest): (Vec<_>, Vec<_>) = decided
        .into_iter()
        .map(|d| (d.keep, (d.invoice_number, d.open_after)))
        .unzip();
    let ids = rcv::insert_payments(&keeps)?;
    if ids.len() != keeps.len() {
        return Err(t::Error::Host(
            "the host kept a different number of payments".into(),
        ));
    }
    Ok(ids
        .into_iter()
        .zip(keeps)
        .zip(rest)
        .map(|((id, k), (number, open))| result(kept(id, k.payment, number), open))
        .collect())
}

fn keep_one(d: Decided) -> R<t::PaymentResult> {
    keep(vec![d])?
        .pop()
        .ok_or_else(|| t::Error::Host("the host kept nothing".into()))
}

/// A payment as it was just kept (no need to read it back).
fn kept(id: String, p: rcv::NewPayment, invoice_number: Option<u64>) -> t::Payment {
    t::Payment {
        id,
        bank_reference: p.bank_reference,
        kid: p.kid,
        amount: p.amount,
        date: p.date,
        payer: p.payer,
        text: p.text,
        outcome: p.outcome,
        invoice_id: p.invoice_id,
        invoice_number,
        customer_id: p.customer_id,
    }
}

fn new_payment(
    bank_reference: Option<String>,
    idempotency_key: Option<String>,
    kid: Option<String>,
    amount: Decimal,
    date: NaiveDate,
    payer: Option<String>,
    text: Option<String>,
) -> rcv::NewPayment {
    rcv::NewPayment {
        bank_reference,
        idempotency_key,
        kid,
        amount: money::fmt2(amount),
        date: date.to_string(),
        payer,
        text,
        outcome: t::PaymentOutcome::NoKid,
        invoice_id: None,
        customer_id: None,
    }
}

/// A payment's voucher; the host gives it the payment's own number.
pub(super) fn voucher(date: NaiveDate, postings: Vec<model::Posting>) -> t::Voucher {
    voucher_out(&model::Voucher {
        date,
        number: 0,
        postings,
    })
}

fn duplicate(prev: t::Payment) -> R<t::PaymentResult> {
    let open_after = match &prev.invoice_id {
        Some(id) => Some(money_in(&money_of(id)?)?.open()),
        None => None,
    };
    Ok(again(result(prev, open_after)))
}

/// A payment's result when it came again: nothing registered.
fn again(mut r: t::PaymentResult) -> t::PaymentResult {
    r.outcome = t::PaymentOutcome::Duplicate;
    r
}

fn result(p: t::Payment, open_after: Option<Decimal>) -> t::PaymentResult {
    t::PaymentResult {
        bank_reference: p.bank_reference.clone(),
        outcome: p.outcome,
        payment: p,
        open_after: open_after.map(money::fmt2),
    }
}

fn stored(id: &str) -> R<t::Payment> {
    rcv::get_payment(id).ok_or_else(|| t::Error::NotFound(format!("payment {id}")))
}

/// One invoice's money; a credit note or an unknown id is refused.
/// An invoice's money with what its notices charged: every decision about a payment counts
/// the fees and interest owed beside the invoice (contract 0.5.1).
pub(super) fn money_of(invoice_id: &str) -> R<nt::ClaimMoney> {
    let filter = rcv::MoneyFilter {
        customer_id: None,
        invoice_ids: vec![invoice_id.to_owned()],
        open_only: false,
    };
    if let Some(m) = nt::claims(&filter).pop() {
        return Ok(m);
    }
    match documents::get_document(invoice_id) {
        Some(d) if d.kind == t::DocumentKind::CreditNote => {
            Err(err(Error::NotAllowed(Refusal::NotAnInvoice)))
        }
        _ => Err(t::Error::NotFound(format!("invoice {invoice_id}"))),
    }
}

pub(super) fn all_money(customer_id: Option<String>, open_only: bool) -> R<Vec<nt::ClaimMoney>> {
    Ok(nt::claims(&rcv::MoneyFilter {
        customer_id,
        invoice_ids: Vec::new(),
        open_only,
    }))
}

pub(super) fn money_in(c: &nt::ClaimMoney) -> R<Money> {
    let m = &c.money;
    Ok(Money {
        payable: host_decimal(&m.payable)?,
        credited: host_decimal(&m.credited)?,
        paid: host_decimal(&m.paid)?,
        charged: host_decimal(&c.charged)?,
    })
}

fn open_and_days(c: &nt::ClaimMoney, today: NaiveDate) -> R<(Decimal, u32)> {
    let money = money_in(c)?;
    let due = host_date(&c.money.due_date)?;
    let days = rules::overdue(&money, due, today).map_or(0, |(_, d)| d);
    Ok((money.open(), days))
}

/// Money in kroner (a payment waiting in suspense, a refund) is booked to a NOK invoice only.
fn kroner_only(m: &nt::ClaimMoney) -> R<()> {
    match m.money.currency.as_str() {
        crate::currency::NOK => Ok(()),
        other => Err(err(Error::NotAllowed(Refusal::OtherCurrency(other.into())))),
    }
}

/// The invoices in NOK: sums in kroner never add another currency's amounts.
fn in_nok(all: Vec<nt::ClaimMoney>) -> impl Iterator<Item = nt::ClaimMoney> {
    all.into_iter()
        .filter(|m| m.money.currency == crate::currency::NOK)
}

fn item_out(c: &nt::ClaimMoney, today: NaiveDate) -> R<t::OpenItem> {
    let money = money_in(c)?;
    let m = &c.money;
    let overdue = rules::overdue(&money, host_date(&m.due_date)?, today);
    Ok(t::OpenItem {
        invoice_id: m.invoice_id.clone(),
        number: m.number,
        customer_id: m.customer_id.clone(),
        customer_name: m.customer_name.clone(),
        issue_date: m.issue_date.clone(),
        due_date: m.due_date.clone(),
        kid: m.kid.clone(),
        payable: money::fmt2(money.payable),
        credited: money::fmt2(money.credited),
        paid: money::fmt2(money.paid),
        open: money::fmt2(money.open()),
        currency: m.currency.clone(),
        state: match money.state() {
            rules::State::Open => t::ItemState::Open,
            rules::State::PartlyPaid => t::ItemState::PartlyPaid,
            rules::State::Paid => t::ItemState::Paid,
            rules::State::Overpaid => t::ItemState::Overpaid,
            rules::State::Credited => t::ItemState::Credited,
        },
        overdue_since: overdue.map(|(d, _)| d.to_string()),
        days_overdue: overdue.map_or(0, |(_, d)| d),
    })
}

fn aging_out(a: &Aging) -> t::Aging {
    let [not_due, days1_to30, days31_to60, days61_to90, over90] = a.buckets.map(money::fmt2);
    t::Aging {
        not_due,
        days1_to30,
        days31_to60,
        days61_to90,
        over90,
        total: money::fmt2(a.total()),
    }
}

fn outcome_out(o: Outcome) -> t::PaymentOutcome {
    match o {
        Outcome::Paid => t::PaymentOutcome::Paid,
        Outcome::PartlyPaid => t::PaymentOutcome::PartlyPaid,
        Outcome::Overpaid => t::PaymentOutcome::Overpaid,
        Outcome::AlreadyPaid => t::PaymentOutcome::AlreadyPaid,
        Outcome::ToCreditedInvoice => t::PaymentOutcome::ToCreditedInvoice,
        Outcome::UnknownKid => t::PaymentOutcome::UnknownKid,
        Outcome::InvalidKid => t::PaymentOutcome::InvalidKid,
        Outcome::NoKid => t::PaymentOutcome::NoKid,
        Outcome::Duplicate => t::PaymentOutcome::Duplicate,
        Outcome::Reversal => t::PaymentOutcome::Reversal,
        Outcome::Refund => t::PaymentOutcome::Refund,
    }
}

/// An amount as a bank or a person gives it: at most 2 decimals.
fn amount_field(p: &mut Problems, field: &str, s: &str) -> Option<Decimal> {
    money::parse(s, 2, limits::MAX_LINE_AMOUNT)
        .map_err(|m| p.add(field, m))
        .ok()
}

/// Text of at most `MAX_TEXT_CHARS`, trimmed; empty is none (or a problem when `required`).
fn text_field(p: &mut Problems, field: &str, s: Option<&str>, required: bool) -> Option<String> {
    let s = s.map(str::trim).filter(|s| !s.is_empty());
    match s {
        None if required => p.add(field, Problem::Missing),
        Some(s) => match crate::text::within(s, MAX_TEXT_CHARS, crate::text::bad_text) {
            Some(m) => p.add(field, m),
            None => return Some(s.to_owned()),
        },
        None => {}
    }
    None
}

/// A decimal the host kept: what it stored from the component, so a bad one is its fault.
pub(super) fn host_decimal(s: &str) -> R<Decimal> {
    s.parse()
        .map_err(|_| t::Error::Host(format!("the host's amount {} is not a decimal", quote(s))))
}

pub(super) fn host_date(s: &str) -> R<NaiveDate> {
    dates::parse(s).map_err(|m| t::Error::Host(format!("the host's date: {m}")))
}

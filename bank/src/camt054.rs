//! ISO 20022 camt.054 (bank-to-customer debit/credit notification), as Norwegian banks deliver
//! it: `camt.054.001.02` (DNB, Nordea, MPS, Danske) and `camt.054.001.08` (Bits MIG 2.0); see
//! receivables.md §2.2. Read as a stream (quick-xml): a file of any size takes the memory of
//! one entry. Written here because no crate reads the KID (§2.3).
//!
//! - Only booked (`BOOK`) credits (`CRDT`) are payments; a booked debit with `RvslInd` true is
//!   a reversal (money going back); other debits are the account's own payments out.
//! - The KID is `RmtInf/Strd/CdtrRefInf/Ref` where `CdtrRefInf/Tp/CdOrPrtry/Cd` is `SCOR`.
//! - Each `TxDtls` is one payment, its amount `AmtDtls/TxAmt/Amt` (or `.08`'s `TxDtls/Amt`);
//!   the transactions of an entry must sum to the entry's `Amt`, or the file is refused.
//! - The bank's reference is the transaction's `Refs/AcctSvcrRef` (unique for the account,
//!   also in a `CpyDplctInd` copy); without one, the entry's with the transaction's place.
//! - A structured payment (entry code 240, "sumpost") names several invoices (`CINV`) and the
//!   credit notes (`CREN`) the payer deducted, each in a `Strd` of its own: it becomes one
//!   payment per invoice (see [`parts`]).
//! - An ISO 11649 creditor reference (`RF` + check digits + our KID) is read as the KID it
//!   carries.

use super::{Payment, Sink};
use anyhow::{bail, ensure, Context, Result};
use chrono::NaiveDate;
use quick_xml::events::Event;
use quick_xml::Reader;
use rust_decimal::Decimal;
use std::io::BufRead;

const NAMESPACES: [&str; 2] = [
    "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02",
    "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08",
];

#[derive(Default)]
struct Tx {
    reference: Option<String>,
    amount: Option<Decimal>,
    currency: Option<String>,
    payer: Option<String>,
    structured: Vec<Strd>,
    text: Option<String>,
}

/// One `RmtInf/Strd`: what a payment pays (by KID, or an invoice by its number), or a credit
/// note the payer deducted from it (`CREN`), with the amount for it.
#[derive(Debug, Default)]
struct Strd {
    scor: bool,
    creditor_ref: Option<String>,
    credit_note: bool,
    number: Option<String>,
    amount: Option<Decimal>,
}

#[derive(Default)]
struct Entry {
    amount: Option<Decimal>,
    currency: Option<String>,
    credit: Option<bool>,
    booked: bool,
    reversal: bool,
    date: Option<NaiveDate>,
    reference: Option<String>,
    txs: Vec<Tx>,
}

/// Read a camt.054 file, handing each payment to `sink`; fails at the first thing wrong.
pub fn read(input: impl BufRead, sink: &mut dyn Sink) -> Result<()> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut entry: Option<Entry> = None;
    let mut message = String::new();
    let mut entries = 0usize;
    let mut namespace_seen = false;
    // An element's text, gathered until it ends: quick-xml hands entity references
    // (`&amp;`) over apart from the text around them.
    let mut text = String::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .with_context(|| format!("XML at byte {}", reader.buffer_position()))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() {
                    ensure!(
                        name == "Document",
                        "not an ISO 20022 document (root <{name}>)"
                    );
                    let ns = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == b"xmlns")
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                        .unwrap_or_default();
                    ensure!(
                        NAMESPACES.contains(&ns.as_str()),
                        "not a camt.054.001.02 or .08 notification (namespace '{ns}')"
                    );
                    namespace_seen = true;
                }
                if name == "Ntry" {
                    entry = Some(Entry::default());
                } else if name == "TxDtls" {
                    if let Some(en) = entry.as_mut() {
                        en.txs.push(Tx::default());
                    }
                } else if name == "Strd" {
                    if let Some(tx) = entry.as_mut().and_then(|en| en.txs.last_mut()) {
                        tx.structured.push(Strd::default());
                    }
                } else if name == "Amt" {
                    let ccy = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == b"Ccy")
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                    if let (Some(en), Some(ccy)) = (entry.as_mut(), ccy) {
                        match en.txs.last_mut() {
                            Some(tx) if path.iter().any(|p| p == "TxDtls") => {
                                tx.currency = Some(ccy)
                            }
                            _ => en.currency = Some(ccy),
                        }
                    }
                }
                path.push(name);
                text.clear();
            }
            Event::Empty(_) => {}
            Event::Text(t) => text.push_str(&t.decode()?),
            Event::CData(t) => text.push_str(&t.decode()?),
            Event::GeneralRef(r) => {
                let name = r.decode()?;
                let c = match name.as_ref() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n => n
                        .strip_prefix("#x")
                        .map(|h| u32::from_str_radix(h, 16))
                        .or_else(|| n.strip_prefix('#').map(|d| d.parse::<u32>()))
                        .and_then(|v| v.ok())
                        .and_then(char::from_u32),
                };
                text.push(c.with_context(|| format!("unknown entity &{name};"))?);
            }
            Event::End(_) => {
                if !text.is_empty() {
                    on_text(&path, text.trim(), &mut entry, &mut message, sink)?;
                    text.clear();
                }
                let name = path.pop().unwrap_or_default();
                if name == "Ntry" {
                    if let Some(en) = entry.take() {
                        entries += 1;
                        finish(en, entries, &message, sink)
                            .with_context(|| format!("entry {entries}"))?;
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    ensure!(namespace_seen, "an empty file");
    ensure!(
        path.is_empty(),
        "the file ends inside <{}>: incomplete",
        path.join("/")
    );
    Ok(())
}

/// Whether the path ends with these elements.
fn at(path: &[String], tail: &[&str]) -> bool {
    path.len() >= tail.len()
        && path[path.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

fn on_text(
    path: &[String],
    text: &str,
    entry: &mut Option<Entry>,
    message: &mut String,
    sink: &mut dyn Sink,
) -> Result<()> {
    if at(path, &["GrpHdr", "MsgId"]) {
        *message = text.to_owned();
    } else if at(path, &["Ntfctn", "Acct", "Id", "Othr", "Id"])
        || at(path, &["Ntfctn", "Acct", "Id", "IBAN"])
    {
        sink.account(text)?;
    } else if at(path, &["Ntfctn", "Acct", "Ccy"]) {
        sink.currency(text)?;
    }
    let Some(en) = entry.as_mut() else {
        return Ok(());
    };
    let in_tx = path.iter().any(|p| p == "TxDtls");
    if !in_tx {
        match path.last().map(String::as_str) {
            Some("Amt") if at(path, &["Ntry", "Amt"]) => en.amount = Some(decimal(text)?),
            Some("CdtDbtInd") if at(path, &["Ntry", "CdtDbtInd"]) => {
                en.credit = Some(credit(text)?)
            }
            // `.02`: <Sts>BOOK</Sts>; `.08`: <Sts><Cd>BOOK</Cd></Sts>.
            Some("Sts") | Some("Cd")
                if at(path, &["Ntry", "Sts"]) || at(path, &["Ntry", "Sts", "Cd"]) =>
            {
                en.booked = text == "BOOK"
            }
            Some("RvslInd") => en.reversal = text == "true" || text == "1",
            Some("Dt") | Some("DtTm") if path.iter().any(|p| p == "BookgDt") => {
                en.date = Some(date(text)?)
            }
            Some("AcctSvcrRef") if at(path, &["Ntry", "AcctSvcrRef"]) => {
                en.reference = Some(text.to_owned())
            }
            Some("NtryRef") if en.reference.is_none() => en.reference = Some(text.to_owned()),
            _ => {}
        }
        return Ok(());
    }
    let Some(tx) = en.txs.last_mut() else {
        return Ok(());
    };
    if at(path, &["Refs", "AcctSvcrRef"]) {
        tx.reference = Some(text.to_owned());
    } else if at(path, &["AmtDtls", "TxAmt", "Amt"]) || at(path, &["TxDtls", "Amt"]) {
        // `.08` gives both; they agree, and the one read last stands.
        tx.amount = Some(decimal(text)?);
    } else if at(path, &["Dbtr", "Nm"]) || at(path, &["Dbtr", "Pty", "Nm"]) {
        tx.payer = Some(text.to_owned());
    } else if let Some(strd) = tx
        .structured
        .last_mut()
        .filter(|_| path.iter().any(|p| p == "Strd"))
    {
        if at(path, &["CdtrRefInf", "Tp", "CdOrPrtry", "Cd"]) {
            strd.scor = text == "SCOR";
        } else if at(path, &["CdtrRefInf", "Ref"]) {
            strd.creditor_ref = Some(text.to_owned());
        } else if at(path, &["RfrdDocInf", "Tp", "CdOrPrtry", "Cd"]) {
            strd.credit_note = text == "CREN";
        } else if at(path, &["RfrdDocInf", "Nb"]) {
            strd.number = Some(text.to_owned());
        } else if at(path, &["RfrdDocAmt", "RmtdAmt"]) || at(path, &["RfrdDocAmt", "CdtNoteAmt"]) {
            strd.amount = Some(decimal(text)?);
        }
    } else if at(path, &["RmtInf", "Ustrd"]) {
        tx.text = Some(text.to_owned());
    }
    Ok(())
}

/// An entry read whole: check it and hand on its payments.
fn finish(en: Entry, n: usize, message: &str, sink: &mut dyn Sink) -> Result<()> {
    if !en.booked {
        return Ok(());
    }
    let credit = en.credit.context("no CdtDbtInd")?;
    if !credit && !en.reversal {
        return Ok(()); // The account's own payments out: not ours to match.
    }
    let amount = en.amount.context("no Amt")?;
    if let Some(ccy) = &en.currency {
        sink.currency(ccy)?;
    }
    let date = en.date.context("no BookgDt")?;
    let sign = if credit { 1 } else { -1 };
    let txs = if en.txs.is_empty() {
        vec![Tx {
            amount: Some(amount),
            ..Tx::default()
        }]
    } else {
        en.txs
    };
    let sum: Decimal = txs.iter().filter_map(|t| t.amount).sum();
    ensure!(
        txs.iter().all(|t| t.amount.is_some()),
        "a transaction without an amount"
    );
    ensure!(
        sum == amount,
        "the transactions sum to {sum}, the entry says {amount}"
    );
    for (i, tx) in txs.into_iter().enumerate() {
        if let Some(ccy) = &tx.currency {
            sink.currency(ccy)?;
        }
        let reference = match (&tx.reference, &en.reference) {
            (Some(r), _) => format!("CAMT:{r}"),
            (None, Some(r)) => format!("CAMT:{r}:{}", i + 1),
            (None, None) => format!("CAMT:{message}:{n}:{}", i + 1),
        };
        let amount = tx.amount.unwrap_or_default();
        for part in parts(amount, tx.structured, tx.text) {
            sink.payment(Payment {
                bank_reference: match part.place {
                    Some(k) => format!("{reference}/{k}"),
                    None => reference.clone(),
                },
                kid: part.kid,
                ore: to_ore(part.amount)? * sign,
                date,
                payer: tx.payer.clone(),
                text: part.text,
            })?;
        }
    }
    Ok(())
}

/// A payment of a transaction, or of one invoice a structured transaction names.
#[derive(Debug, PartialEq)]
struct Part {
    /// The invoice's place among the transaction's references, when there are several.
    place: Option<usize>,
    kid: Option<String>,
    amount: Decimal,
    text: Option<String>,
}

/// What a transaction pays. Most name one KID (or none) and are one payment. A structured
/// transaction that names several invoices, or deducts credit notes, is one payment per
/// invoice at the amount given for it, less the credit notes in the order the invoices
/// come (first the first invoice, down to zero, then the next): the credit notes are ours
/// and have credited their invoices already, so the invoices they were deducted from are
/// paid exactly, and the customer's balance is right in every case. If the amounts given do
/// not add up to what was paid, nothing is guessed: the transaction is one payment without
/// a KID, its references in the text, for a person to allocate.
fn parts(amount: Decimal, structured: Vec<Strd>, text: Option<String>) -> Vec<Part> {
    let one = |kid, text| {
        vec![Part {
            place: None,
            kid,
            amount,
            text,
        }]
    };
    match structured.as_slice() {
        [] => return one(None, text),
        [s] if !s.credit_note => {
            let (kid, own) = kid_of(s);
            return one(kid, own.or(text));
        }
        _ => {}
    }
    let (notes, invoices): (Vec<&Strd>, Vec<&Strd>) =
        structured.iter().partition(|s| s.credit_note);
    let given = |list: &[&Strd]| -> Option<Decimal> { list.iter().map(|s| s.amount).sum() };
    let adds_up = matches!(
        (given(&invoices), given(&notes)),
        (Some(i), Some(c)) if !invoices.is_empty() && i - c == amount
    );
    if !adds_up {
        let names: Vec<String> = structured.iter().map(describe).collect();
        return one(None, Some(names.join(", ")));
    }
    let mut deducted = given(&notes).unwrap_or_default();
    let mut out = Vec::new();
    for (k, s) in invoices.iter().enumerate() {
        let full = s.amount.unwrap_or_default();
        let less = deducted.min(full);
        deducted -= less;
        if full - less > Decimal::ZERO {
            let (kid, text) = kid_of(s);
            out.push(Part {
                place: Some(k + 1),
                kid,
                amount: full - less,
                text,
            });
        }
    }
    out
}

/// The KID a structured reference carries, or the text to show when it carries none. A
/// `SCOR` reference is the KID; an ISO 11649 creditor reference (`RF…`) with valid check
/// digits carries it after them (one with wrong digits goes on whole, and the component
/// refuses it as an invalid KID); an invoice named by its number waits for a person.
fn kid_of(s: &Strd) -> (Option<String>, Option<String>) {
    let Some(r) = s.creditor_ref.as_deref() else {
        return (None, s.number.as_ref().map(|_| describe(s)));
    };
    let looks_rf = r.len() > 4
        && r[..2].eq_ignore_ascii_case("RF")
        && r[2..4].bytes().all(|b| b.is_ascii_digit())
        && r.bytes().all(|b| b.is_ascii_alphanumeric());
    if looks_rf {
        return match rf_body(r) {
            Some(body) if body.bytes().all(|b| b.is_ascii_digit()) => (Some(body.to_owned()), None),
            Some(_) => (None, Some(r.to_owned())),
            None => (Some(r.to_owned()), None),
        };
    }
    if s.scor {
        (Some(r.to_owned()), None)
    } else {
        (None, Some(r.to_owned()))
    }
}

fn describe(s: &Strd) -> String {
    let what = if s.credit_note {
        "Kreditnota"
    } else {
        "Faktura"
    };
    let reference = s
        .creditor_ref
        .as_deref()
        .or(s.number.as_deref())
        .unwrap_or("?");
    match s.amount {
        Some(a) => format!("{what} {reference} ({a})"),
        None => format!("{what} {reference}"),
    }
}

/// The reference inside an ISO 11649 `RF` creditor reference whose check digits hold (ISO
/// 7064 MOD 97-10, as an IBAN's: the first four characters moved to the end, letters as
/// 10–35, the number mod 97 is 1). A dozen lines: no maintained crate checks RF references.
fn rf_body(r: &str) -> Option<&str> {
    if !(5..=25).contains(&r.len()) || !r.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let (head, body) = r.split_at(4);
    let mut rest = 0u32;
    for c in body.chars().chain(head.chars()) {
        let v = c.to_digit(36)?;
        rest = if v > 9 {
            (rest * 100 + v) % 97
        } else {
            (rest * 10 + v) % 97
        };
    }
    (rest == 1).then_some(body)
}

fn decimal(s: &str) -> Result<Decimal> {
    let d: Decimal = s
        .parse()
        .with_context(|| format!("'{s}' is not an amount"))?;
    ensure!(
        d >= Decimal::ZERO,
        "'{s}': an amount here is never negative"
    );
    Ok(d)
}

fn to_ore(d: Decimal) -> Result<i64> {
    use rust_decimal::prelude::ToPrimitive;
    let ore = d * Decimal::ONE_HUNDRED;
    ensure!(ore.fract().is_zero(), "{d}: more than 2 decimals");
    ore.to_i64().with_context(|| format!("{d}: too large"))
}

fn credit(s: &str) -> Result<bool> {
    match s {
        "CRDT" => Ok(true),
        "DBIT" => Ok(false),
        _ => bail!("CdtDbtInd '{s}' is neither CRDT nor DBIT"),
    }
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
        .with_context(|| format!("'{s}' is not a date"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strd(kid: &str, credit_note: bool, amount: &str) -> Strd {
        Strd {
            scor: true,
            creditor_ref: Some(kid.into()),
            credit_note,
            number: None,
            amount: Some(amount.parse().unwrap()),
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_sumpost_is_a_payment_per_invoice_less_the_credit_notes_in_order() {
        let got = parts(
            d("2000.00"),
            vec![
                strd("0000000018", false, "1000.00"),
                strd("0000000026", false, "1250.00"),
                strd("KN-7", true, "250.00"),
            ],
            None,
        );
        let amounts: Vec<_> = got
            .iter()
            .map(|p| (p.place, p.kid.as_deref(), p.amount))
            .collect();
        assert_eq!(
            amounts,
            [
                (Some(1), Some("0000000018"), d("750.00")),
                (Some(2), Some("0000000026"), d("1250.00")),
            ]
        );
        // A credit note that takes an invoice's whole amount leaves no payment for it.
        let got = parts(
            d("500.00"),
            vec![
                strd("0000000018", false, "300.00"),
                strd("0000000026", false, "500.00"),
                strd("KN-8", true, "300.00"),
            ],
            None,
        );
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].place, got[0].amount), (Some(2), d("500.00")));
    }

    #[test]
    fn amounts_that_do_not_add_up_wait_for_a_person() {
        let got = parts(
            d("999.00"),
            vec![
                strd("0000000018", false, "1000.00"),
                strd("0000000026", false, "1250.00"),
            ],
            None,
        );
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].kid.as_ref(), got[0].amount), (None, d("999.00")));
        let text = got[0].text.as_deref().unwrap();
        assert!(
            text.contains("0000000018") && text.contains("0000000026"),
            "{text}"
        );
    }

    #[test]
    fn an_rf_reference_carries_the_kid() {
        // RF32 1001000017: check digits by python-stdnum's iso11649 (tests/it/payments.rs too).
        assert_eq!(rf_body("RF321001000017"), Some("1001000017"));
        assert_eq!(rf_body("rf321001000017"), Some("1001000017"));
        assert_eq!(rf_body("RF331001000017"), None);
        assert_eq!(rf_body("RF18539007547034"), Some("539007547034"));
        assert_eq!(rf_body("RF1"), None);
        let rf = |r: &str| kid_of(&strd(r, false, "1.00"));
        assert_eq!(rf("RF321001000017"), (Some("1001000017".into()), None));
        assert_eq!(rf("RF331001000017"), (Some("RF331001000017".into()), None));
        assert_eq!(rf("RF712348231"), (Some("2348231".into()), None));
        // Text that merely starts with RF is no creditor reference.
        let text = Strd {
            scor: false,
            ..strd("RFQ-2024-7", false, "1.00")
        };
        assert_eq!(kid_of(&text), (None, Some("RFQ-2024-7".into())));
    }
}

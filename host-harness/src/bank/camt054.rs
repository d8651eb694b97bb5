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
    scor: bool,
    creditor_ref: Option<String>,
    text: Option<String>,
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
    } else if at(path, &["CdtrRefInf", "Tp", "CdOrPrtry", "Cd"]) {
        tx.scor = text == "SCOR";
    } else if at(path, &["CdtrRefInf", "Ref"]) {
        tx.creditor_ref = Some(text.to_owned());
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
        let ore = to_ore(tx.amount.unwrap_or_default())? * sign;
        let reference = match (&tx.reference, &en.reference) {
            (Some(r), _) => format!("CAMT:{r}"),
            (None, Some(r)) => format!("CAMT:{r}:{}", i + 1),
            (None, None) => format!("CAMT:{message}:{n}:{}", i + 1),
        };
        // A structured reference that is not SCOR (an ISO 11649 RF reference) is no KID.
        let (kid, text) = match (tx.scor, tx.creditor_ref) {
            (true, Some(r)) => (Some(r), tx.text),
            (false, Some(r)) => (None, Some(r)),
            (_, None) => (None, tx.text),
        };
        sink.payment(Payment {
            bank_reference: reference,
            kid,
            ore,
            date,
            payer: tx.payer,
            text,
        })?;
    }
    Ok(())
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

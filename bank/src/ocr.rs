//! Mastercard Payment Services' OCR giro file ("innbetalingsfil", MPS OCR spec v4.0, as
//! receivables.md §2.1 has it): 80-character records, read line by line. Written here because
//! no crate reads it, and the one package that does (netsgiro, Python) drops the sign.
//!
//! `NY000010 (NY090020 (NY09tt30 NY09tt31 [NY09tt32])+ NY090088)+ NY000089`: every assignment's
//! end record (88) and the transmission's (89) carry the transaction count, the record count
//! and the signed sum in øre, and each is checked; a file that disagrees with itself is
//! refused whole.

use super::{Payment, Sink};
use anyhow::{bail, ensure, Context, Result};
use chrono::NaiveDate;
use std::io::BufRead;

/// Counts and sum of what was read since a start record, against its end record.
#[derive(Default)]
struct Tally {
    transactions: i64,
    records: i64,
    ore: i64,
}

impl Tally {
    fn check(&self, what: &str, line: &str) -> Result<()> {
        let transactions = digits(line, 8..16)?;
        let records = digits(line, 16..24)?;
        let ore = digits(line, 24..41)?;
        ensure!(
            transactions == self.transactions,
            "{what}: {transactions} transactions declared, {} read",
            self.transactions
        );
        ensure!(
            records == self.records,
            "{what}: {records} records declared, {} read",
            self.records
        );
        ensure!(
            ore == self.ore,
            "{what}: the sum declared is {ore} øre, the transactions' signed sum {} øre",
            self.ore
        );
        Ok(())
    }
}

/// A transaction being read: item 1, then 2, then (for types 20 and 21) 3.
struct Open {
    number: String,
    date: NaiveDate,
    ore: i64,
    kid: Option<String>,
    reference: Option<String>,
    payer_account: Option<String>,
    text: Option<String>,
}

/// Read an OCR file, handing each payment to `sink`; fails at the first thing wrong with the
/// file, naming the line.
pub fn read(input: impl BufRead, sink: &mut dyn Sink) -> Result<()> {
    let mut file = Tally::default();
    let mut assignment: Option<Tally> = None;
    let mut open: Option<Open> = None;
    let mut ended = false;
    let mut started = false;
    for (n, raw) in input.split(b'\n').enumerate() {
        let raw = raw?;
        // ISO-8859-1 (receivables.md §2.1): each byte is its own character.
        let line: String = raw.iter().map(|&b| b as char).collect();
        let line = line.trim_end_matches(['\r', ' ']);
        if line.is_empty() {
            continue;
        }
        let at = || format!("line {}", n + 1);
        (|| -> Result<()> {
            ensure!(!ended, "a record after the end of the transmission");
            ensure!(
                line.len() == 80,
                "a record is 80 characters, this one {}",
                line.len()
            );
            ensure!(line.is_ascii(), "a record holds only ASCII");
            ensure!(
                &line[..2] == "NY",
                "not an OCR record (it begins '{}')",
                &line[..2]
            );
            let (service, kind, record) = (&line[2..4], &line[4..6], &line[6..8]);
            if !started {
                ensure!(
                    (service, kind, record) == ("00", "00", "10"),
                    "the file does not begin with a start of transmission (NY000010)"
                );
                started = true;
                file.records += 1;
                return Ok(());
            }
            file.records += 1;
            match (service, record) {
                ("00", "89") => {
                    ensure!(
                        assignment.is_none(),
                        "the transmission ends inside an assignment"
                    );
                    file.check("the transmission's end record", line)?;
                    ended = true;
                }
                (_, "20") => {
                    ensure!(assignment.is_none(), "an assignment starts inside another");
                    let account = line[24..35].to_owned();
                    if service == "09" {
                        sink.account(&account)?;
                    }
                    let t = Tally {
                        records: 1,
                        ..Tally::default()
                    };
                    assignment = Some(t);
                }
                (_, "88") => {
                    let mut t = assignment
                        .take()
                        .context("an assignment ends that did not start")?;
                    if let Some(o) = open.take() {
                        emit(o, sink)?;
                    }
                    t.records += 1;
                    t.check("the assignment's end record", line)?;
                }
                ("09", "30" | "31" | "32") => {
                    let t = assignment
                        .as_mut()
                        .context("a transaction outside an assignment")?;
                    t.records += 1;
                    let kind: u8 = kind.parse().context("transaction type")?;
                    let number = line[8..15].to_owned();
                    match record {
                        "30" => {
                            if let Some(o) = open.take() {
                                emit(o, sink)?;
                            }
                            let mut ore = digits(line, 32..49)?;
                            // The sign (pos 32) applies, and a reversal (types 18 and 20) is
                            // money going back whatever the sign says.
                            if &line[31..32] == "-" || matches!(kind, 18 | 20) {
                                ore = -ore;
                            }
                            t.transactions += 1;
                            t.ore += ore;
                            file.transactions += 1;
                            file.ore += ore;
                            open = Some(Open {
                                number,
                                date: date(&line[15..21])?,
                                ore,
                                kid: Some(line[49..74].trim().to_owned()).filter(|k| !k.is_empty()),
                                reference: None,
                                payer_account: None,
                                text: None,
                            });
                        }
                        "31" => {
                            let o = open
                                .as_mut()
                                .filter(|o| o.number == number)
                                .context("item 2 without its item 1")?;
                            o.reference =
                                Some(line[25..34].trim().to_owned()).filter(|r| !r.is_empty());
                            o.payer_account = Some(line[47..58].to_owned())
                                .filter(|a| a.bytes().any(|b| b != b'0'));
                        }
                        _ => {
                            let o = open
                                .as_mut()
                                .filter(|o| o.number == number)
                                .context("item 3 without its item 1")?;
                            o.text = Some(line[15..55].trim().to_owned()).filter(|t| !t.is_empty());
                        }
                    }
                }
                // AvtaleGiro claims and agreements (service 21) are ours going out: counted, not payments.
                ("21", _) => {
                    let t = assignment
                        .as_mut()
                        .context("a record outside an assignment")?;
                    t.records += 1;
                    if record == "30" {
                        t.transactions += 1;
                        file.transactions += 1;
                        let ore = digits(line, 32..49)?;
                        t.ore += ore;
                        file.ore += ore;
                    }
                }
                _ => bail!("unknown record NY{service}{kind}{record}"),
            }
            Ok(())
        })()
        .with_context(at)?;
    }
    ensure!(
        ended,
        "the file ends without its end of transmission (NY000089): incomplete"
    );
    Ok(())
}

fn emit(o: Open, sink: &mut dyn Sink) -> Result<()> {
    // The bank's reference: the settlement date, the archive reference and the transaction
    // number (unique within an assignment; the archive reference across assignments).
    let reference = format!(
        "OCR:{}:{}:{}",
        o.date.format("%Y%m%d"),
        o.reference.as_deref().unwrap_or("-"),
        o.number
    );
    sink.payment(Payment {
        bank_reference: reference,
        kid: o.kid,
        ore: o.ore,
        date: o.date,
        payer: o.payer_account,
        text: o.text,
    })
}

/// The number written at `at` (0-based character positions).
fn digits(line: &str, at: std::ops::Range<usize>) -> Result<i64> {
    let s = &line[at];
    ensure!(
        s.bytes().all(|b| b.is_ascii_digit()),
        "'{s}' is not a number"
    );
    s.parse().with_context(|| format!("'{s}'"))
}

/// DDMMYY, in 2000–2079 or 1980–1999 (the files' own two-digit years).
fn date(s: &str) -> Result<NaiveDate> {
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let (Some(d), Some(m), Some(y)) = (n(0..2), n(2..4), n(4..6)) else {
        bail!("'{s}' is not a date (DDMMYY)");
    };
    let year = if y < 80 { 2000 + y } else { 1900 + y } as i32;
    NaiveDate::from_ymd_opt(year, m, d).with_context(|| format!("'{s}' is not a date"))
}

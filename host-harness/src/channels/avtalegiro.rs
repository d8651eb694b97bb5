//! AvtaleGiro: a payment claim as a Nets file (norway.md §6): 80-character records, amounts in
//! øre, dates DDMMYY, ISO-8859-1, CR LF.

use super::Parcel;
use anyhow::{Context, Result};

/// Our data-transmitter id and the Nets recipient id the harness uses.
const TRANSMITTER: &str = "01234567";
const NETS: &str = "00008080";

fn ddmmyy(iso: &str) -> Result<String> {
    let d = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .with_context(|| format!("date {iso}"))?;
    Ok(d.format("%d%m%y").to_string())
}

fn latin1_field(s: &str, width: usize) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if (c as u32) < 0x100 && !c.is_control() {
                c
            } else {
                '?'
            }
        })
        .take(width)
        .collect();
    format!("{s:<width$}")
}

/// Whether a file asks the bank to collect a claim or to delete one it holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Assignment type 00, transaction type 02 (the payee notifies the payer).
    Claim,
    /// Assignment type 36, transaction type 93: cancel a claim not yet due.
    Deletion,
}

/// One transmission with one assignment holding this invoice's claim (or its deletion).
/// `p` is the invoice's parcel.
pub fn claim_file(p: &Parcel, request: Request) -> Result<Vec<u8>> {
    anyhow::ensure!(p.kind == "invoice", "AvtaleGiro claims invoices only");
    let kid = p
        .str_at(&["kid"])
        .context("an AvtaleGiro claim needs a KID")?;
    let due = ddmmyy(&p.str_at(&["due_date"]).context("due date")?)?;
    let amount = p
        .body
        .pointer("/voucher/postings/0/debit")
        .and_then(|v| v.as_str())
        .context("amount")?;
    let ore = crate::db::to_ore(amount).context("amount in øre")?;
    let account = p.str_at(&["seller", "bank_account"]).context("account")?;
    let name = p.str_at(&["customer", "name"]).unwrap_or_default();
    let transmission = format!("{:07}", p.delivery % 10_000_000);
    let (assignment, tt) = match request {
        Request::Claim => ("00", "02"),
        Request::Deletion => ("36", "93"),
    };
    let tx = "0000001";
    let records = [
        format!(
            "NY000010{TRANSMITTER}{transmission}{NETS}{}",
            "0".repeat(49)
        ),
        format!(
            "NY21{assignment}20{}{transmission}{account}{}",
            "0".repeat(9),
            "0".repeat(45)
        ),
        format!(
            "NY21{tt}30{tx}{due}{}{ore:017}{kid:>25}000000",
            " ".repeat(11)
        ),
        format!(
            "NY21{tt}31{tx}{}{}{}00000",
            latin1_field(&name, 10),
            " ".repeat(25),
            latin1_field(&format!("Faktura {}", p.number), 25)
        ),
        format!(
            "NY21{assignment}88{:08}{:08}{ore:017}{due}{due}{}",
            1,
            4,
            "0".repeat(27)
        ),
        format!("NY000089{:08}{:08}{ore:017}{due}{}", 1, 6, "0".repeat(33)),
    ];
    let mut out = Vec::new();
    for r in records {
        debug_assert_eq!(r.chars().count(), 80, "{r}");
        out.extend(r.chars().map(|c| c as u32 as u8));
        out.extend_from_slice(b"\r\n");
    }
    Ok(out)
}

//! AvtaleGiro: payment claims as Nets files (norway.md §6): 80-character records, amounts in
//! øre, dates DDMMYY, ISO-8859-1, CR LF. The claims one dispatch accepts for a client go into one
//! transmission with one assignment, as a bank expects them.

use super::Parcel;
use crate::bindings::DocumentKind;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Our data-transmitter id and the Nets recipient id the harness uses.
const TRANSMITTER: &str = "01234567";
const NETS: &str = "00008080";

/// Whether a file asks the bank to collect claims or to delete claims it holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Assignment type 00, transaction type 02 (the payee notifies the payer).
    Claim,
    /// Assignment type 36, transaction type 93: cancel a claim not yet due.
    Deletion,
}

/// One claim, as read from an issued invoice.
pub struct Claim {
    pub store: String,
    pub delivery: i64,
    pub stem: String,
    kid: String,
    due: NaiveDate,
    ore: i64,
    account: String,
    name: String,
    number: u64,
}

impl Claim {
    pub fn of(p: &Parcel) -> Result<Claim> {
        anyhow::ensure!(
            p.kind == DocumentKind::Invoice,
            "AvtaleGiro claims invoices only"
        );
        let f = &p.facts;
        Ok(Claim {
            store: p.store.clone(),
            delivery: p.delivery,
            stem: p.stem(),
            kid: f.kid.clone().context("an AvtaleGiro claim needs a KID")?,
            due: NaiveDate::parse_from_str(&f.due_date, "%Y-%m-%d").context("due date")?,
            ore: crate::money::to_ore(&f.payable).context("amount in øre")?,
            account: f
                .seller_account
                .clone()
                .context("an AvtaleGiro claim needs the payee's account")?,
            name: f.recipient_name.clone(),
            number: p.number,
        })
    }
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

/// One transmission with one assignment holding `claims` (all to the same payee account).
pub fn transmission(claims: &[Claim], request: Request) -> Result<Vec<u8>> {
    let first = claims.first().context("no claims")?;
    anyhow::ensure!(
        claims.iter().all(|c| c.account == first.account),
        "one assignment per payee account"
    );
    let (assignment, tt) = match request {
        Request::Claim => ("00", "02"),
        Request::Deletion => ("36", "93"),
    };
    let ddmmyy = |d: NaiveDate| d.format("%d%m%y").to_string();
    let number = format!("{:07}", first.delivery % 10_000_000);
    let (n, sum) = (claims.len(), claims.iter().map(|c| c.ore).sum::<i64>());
    let earliest = claims.iter().map(|c| c.due).min().unwrap_or(first.due);
    let latest = claims.iter().map(|c| c.due).max().unwrap_or(first.due);
    let mut records = vec![
        format!("NY000010{TRANSMITTER}{number}{NETS}{}", "0".repeat(49)),
        format!(
            "NY21{assignment}20{}{number}{}{}",
            "0".repeat(9),
            first.account,
            "0".repeat(45)
        ),
    ];
    for (i, c) in claims.iter().enumerate() {
        let tx = format!("{:07}", i + 1);
        records.push(format!(
            "NY21{tt}30{tx}{}{}{:017}{:>25}000000",
            ddmmyy(c.due),
            " ".repeat(11),
            c.ore,
            c.kid
        ));
        records.push(format!(
            "NY21{tt}31{tx}{}{}{}00000",
            latin1_field(&c.name, 10),
            " ".repeat(25),
            latin1_field(&format!("Faktura {}", c.number), 25)
        ));
    }
    records.push(format!(
        "NY21{assignment}88{n:08}{:08}{sum:017}{}{}{}",
        2 * n + 2,
        ddmmyy(earliest),
        ddmmyy(latest),
        "0".repeat(27)
    ));
    records.push(format!(
        "NY000089{n:08}{:08}{sum:017}{}{}",
        2 * n + 4,
        ddmmyy(earliest),
        "0".repeat(33)
    ));
    let mut out = Vec::with_capacity(records.len() * 82);
    for r in records {
        anyhow::ensure!(
            r.chars().count() == 80,
            "record of {} characters: {r}",
            r.chars().count()
        );
        out.extend(r.chars().map(|c| c as u32 as u8));
        out.extend_from_slice(b"\r\n");
    }
    Ok(out)
}

/// The claims accepted in one dispatch, per client, written as one file each by `flush`.
#[derive(Default)]
pub struct Batch(BTreeMap<String, Vec<Claim>>);

/// What the bank already holds from this store: (payee account, KID, due date) of every claim
/// in every claim transmission the store sent to `dir`. A claim is keyed by these across
/// transmissions, so one sent again after a crash is recognised instead of collected twice;
/// another database writing to the same folder is another payee system, not a repeat.
pub fn bank_holds(
    dir: &std::path::Path,
    store: &str,
) -> Result<std::collections::HashSet<(String, String, String)>> {
    let mut held = std::collections::HashSet::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(held);
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".nets")
            || name.ends_with(".deletion.nets")
            || !name.contains(&format!("-avtalegiro-{store}-"))
        {
            continue;
        }
        let bytes = std::fs::read(e.path())?;
        let text: String = bytes.iter().map(|&b| b as char).collect();
        let mut account = String::new();
        for r in text.split("\r\n").filter(|r| r.len() == 80) {
            match (&r[4..6], &r[6..8]) {
                ("00", "20") => account = r[24..35].to_owned(),
                ("02", "30") => {
                    held.insert((
                        account.clone(),
                        r[49..74].trim().to_owned(),
                        r[15..21].to_owned(),
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(held)
}

impl Batch {
    pub fn add(&mut self, client: &str, claim: Claim) {
        self.0.entry(client.to_owned()).or_default().push(claim);
    }

    /// Write each client's transmission of the claims the bank does not hold yet, then a
    /// receipt per claim. Returns each claim's delivery and what became of it.
    pub fn flush(self, dir: &std::path::Path, store: &str) -> Result<Vec<(i64, String)>> {
        let mut accepted = Vec::new();
        std::fs::create_dir_all(dir)?;
        // The bank takes one transmission at a time: what it holds is read and added to under
        // one lock, so two dispatchers holding one claim (a lease that ran out mid-attempt)
        // never both hand it over.
        let intake = std::fs::File::create(dir.join("intake.lock"))?;
        intake.lock()?;
        let held = bank_holds(dir, store)?;
        let ddmmyy = |d: NaiveDate| d.format("%d%m%y").to_string();
        for (client, claims) in self.0 {
            let (old, new): (Vec<Claim>, Vec<Claim>) = claims
                .into_iter()
                .partition(|c| held.contains(&(c.account.clone(), c.kid.clone(), ddmmyy(c.due))));
            for c in &old {
                accepted.push((
                    c.delivery,
                    format!("the bank already holds the claim for KID {}", c.kid),
                ));
            }
            if new.is_empty() {
                continue;
            }
            let file = dir.join(format!(
                "{client}-avtalegiro-{}-{:07}.nets",
                new[0].store, new[0].delivery
            ));
            super::put(&file, &transmission(&new, Request::Claim)?)?;
            let detail = format!(
                "claim in {}",
                file.file_name().unwrap_or_default().to_string_lossy()
            );
            for c in &new {
                accepted.push((c.delivery, detail.clone()));
            }
        }
        Ok(accepted)
    }
}

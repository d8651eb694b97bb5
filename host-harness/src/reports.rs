//! Ledger views for people and reports: journal, trial balance, balance per customer on 1500.

use crate::db::{account_name, from_ore};
use anyhow::Result;
use rusqlite::Connection;
use serde::Serialize;

#[derive(Debug, Serialize, PartialEq)]
pub struct Balance {
    pub account: u32,
    pub name: String,
    pub debit: String,
    pub credit: String,
    /// debit − credit.
    pub balance: String,
}

pub fn trial_balance(conn: &Connection, client: &str) -> Result<Vec<Balance>> {
    let mut stmt = conn.prepare("SELECT account, sum(debit_ore), sum(credit_ore) FROM journal WHERE client_id = ?1 GROUP BY account ORDER BY account")?;
    let rows = stmt.query_map([client], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    Ok(rows
        .map(|r| {
            r.map(|(a, d, c)| Balance {
                account: a,
                name: account_name(a).into(),
                debit: from_ore(d),
                credit: from_ore(c),
                balance: from_ore(d - c),
            })
        })
        .collect::<rusqlite::Result<_>>()?)
}

/// Open balance per customer on 1500 Kundefordringer.
pub fn customer_balances(conn: &Connection, client: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare("SELECT customer_id, sum(debit_ore) - sum(credit_ore) FROM journal WHERE client_id = ?1 AND account = 1500 GROUP BY customer_id ORDER BY customer_id")?;
    let rows = stmt.query_map([client], |r| {
        Ok((r.get::<_, String>(0)?, from_ore(r.get(1)?)))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[derive(Debug, Serialize)]
pub struct JournalLine {
    pub date: String,
    pub number: i64,
    pub account: u32,
    pub debit: String,
    pub credit: String,
    pub customer: Option<String>,
    pub vat_code: Option<String>,
    pub text: String,
}

pub fn journal(conn: &Connection, client: &str) -> Result<Vec<JournalLine>> {
    let mut stmt = conn.prepare("SELECT date, document_number, account, debit_ore, credit_ore, customer_id, vat_code, text FROM journal WHERE client_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([client], |r| {
        Ok(JournalLine {
            date: r.get(0)?,
            number: r.get(1)?,
            account: r.get(2)?,
            debit: from_ore(r.get(3)?),
            credit: from_ore(r.get(4)?),
            customer: r.get(5)?,
            vat_code: r.get(6)?,
            text: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[derive(Debug, Serialize)]
pub struct QueuedDelivery {
    pub number: i64,
    pub kind: String,
    pub customer: String,
    pub channel: String,
    pub state: String,
    pub reason: String,
}

pub fn deliveries(conn: &Connection, client: &str) -> Result<Vec<QueuedDelivery>> {
    let mut stmt = conn.prepare("SELECT d.number, d.kind, d.customer_name, o.channel, o.state, o.reason FROM outbox o JOIN documents d ON d.id = o.document_id WHERE o.client_id = ?1 ORDER BY o.id")?;
    let rows = stmt.query_map([client], |r| {
        Ok(QueuedDelivery {
            number: r.get(0)?,
            kind: r.get(1)?,
            customer: r.get(2)?,
            channel: r.get(3)?,
            state: r.get(4)?,
            reason: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

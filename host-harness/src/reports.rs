//! Ledger views for people and reports: journal, trial balance, balance per customer on 1500,
//! deliveries. Read from the store's typed operations, never from a document's body.

use crate::money::from_ore;
use crate::store::{account_name, with_unit, DeliveryRow, Store};
use anyhow::Result;
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

pub fn trial_balance(store: &dyn Store, client: &str) -> Result<Vec<Balance>> {
    let rows = with_unit(store, |u| u.reports()?.trial_balance(client))?;
    Ok(rows
        .into_iter()
        .map(|(a, d, c)| Balance {
            account: a,
            name: account_name(a).into(),
            debit: from_ore(d),
            credit: from_ore(c),
            balance: from_ore(d - c),
        })
        .collect())
}

/// Open balance per customer on 1500 Kundefordringer.
pub fn customer_balances(store: &dyn Store, client: &str) -> Result<Vec<(String, String)>> {
    let rows = with_unit(store, |u| u.reports()?.customer_balances(client))?;
    Ok(rows.into_iter().map(|(c, b)| (c, from_ore(b))).collect())
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
    /// A posting of a document in another currency: its amount in it and the rate (SAF-T's
    /// AmountStructure). Omitted for NOK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<crate::bindings::CurrencyAmount>,
}

pub fn journal(store: &dyn Store, client: &str) -> Result<Vec<JournalLine>> {
    let rows = with_unit(store, |u| u.reports()?.journal(client))?;
    Ok(rows
        .into_iter()
        .map(|j| JournalLine {
            date: j.date,
            number: j.number,
            account: j.account,
            debit: from_ore(j.debit_ore),
            credit: from_ore(j.credit_ore),
            customer: j.customer,
            vat_code: j.vat_code,
            text: j.text,
            currency: j.currency,
        })
        .collect())
}

/// Every delivery of a client's documents, oldest first.
pub fn deliveries(store: &dyn Store, client: &str) -> Result<Vec<DeliveryRow>> {
    with_unit(store, |u| u.reports()?.delivery_report(client))
}

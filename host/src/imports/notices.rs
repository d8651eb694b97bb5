//! `erp:invoicing/notices` (contract 0.5.1): reminders and inkassovarsler kept once per
//! (invoice, step) with their vouchers, what invoices owe with their charges, the client's
//! policy, the law's figures, and who is not to be reminded. The host keeps; the component
//! decides.

use super::ledger::balanced;
use super::{not_found, refuse, Result, Trap};
use crate::bindings::erp::invoicing::notices::{ClaimMoney, Host, NewNotice, StoredNotice};
use crate::bindings::erp::invoicing::receivables::MoneyFilter;
use crate::bindings::{Error, ReminderPolicy, Voucher};
use crate::call::CallState;
use crate::ids::Id;
use crate::money::{from_ore, to_ore};
use crate::store;

/// The policy of a client that set none: SendRegning's and most peers' default (receivables.md
/// §3): one reminder 14 days after the due date with the fee, then the inkassovarsel, each
/// with 14 days to pay, and late interest.
pub fn default_policy() -> ReminderPolicy {
    ReminderPolicy {
        first_after_days: 14,
        deadline_days: 14,
        fee: true,
        interest: true,
        reminders: 1,
        inkassovarsel: true,
        // § 3a is a choice the client makes (its figures are partly unconfirmed).
        compensation: false,
    }
}

/// The law's figures this host hands the component unless told otherwise
/// (`Harness::figures`): `legal/receivables-no.json`, dated, each value with its source.
pub const LEGAL_FIGURES: &str = include_str!("../../../legal/receivables-no.json");

impl Host for CallState {
    fn insert(&mut self, n: NewNotice, v: Voucher) -> Result<String> {
        let invoice = Id::Doc
            .row(&n.invoice_id)
            .ok_or_else(|| not_found(&n.invoice_id))?;
        match self.unit.issued(&self.client, invoice)? {
            Some((crate::bindings::DocumentKind::Invoice, _)) => {}
            Some(_) => return Err(refuse(format!("{} is not an invoice", n.invoice_id))),
            None => return Err(not_found(n.invoice_id)),
        }
        for (what, amount) in [
            ("fee", &n.plan.fee),
            ("compensation", &n.plan.compensation),
            ("interest", &n.plan.interest_total),
            ("total", &n.plan.total),
        ] {
            if to_ore(amount).is_none_or(|o| o < 0) {
                return Err(refuse(format!(
                    "the notice's {what} '{amount}' is not whole øre"
                )));
            }
        }
        let client = self.client.clone();
        let step = n.plan.step;
        let (invoice_id, plan) = (n.invoice_id.clone(), n.plan.clone());
        let new = store::NewNotice {
            invoice,
            sent: n.sent,
            plan: n.plan,
            facts: n.facts,
            pdf: n.pdf,
            ehf: n.ehf,
        };
        let notices = self.unit.notices()?;
        let Some(id) = notices.insert_notice(&client, &new)? else {
            return Err(Error::Conflict(u64::from(step)).into());
        };
        // A notice that charges nothing has no voucher.
        if !v.postings.is_empty() {
            notices.post_notice(&client, id, &balanced(v, id as u64)?)?;
        }
        crate::events::reminder(&mut *self.unit, &client, id, &invoice_id, &plan)?;
        Ok(Id::Notice.of(id))
    }

    fn of_invoices(&mut self, invoice_ids: Vec<String>) -> wasmtime::Result<Vec<StoredNotice>> {
        let invoices: Vec<i64> = invoice_ids.iter().filter_map(|i| Id::Doc.row(i)).collect();
        if invoices.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.client.clone();
        let notices = self.unit.notices().trap()?;
        let kept = notices.notices_of(&client, &invoices).trap()?;
        kept.into_iter()
            .map(|k| {
                Ok(StoredNotice {
                    id: Id::Notice.of(k.id),
                    invoice_id: Id::Doc.of(k.invoice),
                    invoice_number: k.invoice_number,
                    sent: k.sent,
                    plan: k.plan,
                    deliveries: notices.notice_deliveries(k.id).trap()?,
                })
            })
            .collect()
    }

    fn claims(&mut self, filter: MoneyFilter) -> wasmtime::Result<Vec<ClaimMoney>> {
        Ok(self
            .money(filter)?
            .into_iter()
            .map(|(money, charged)| ClaimMoney {
                money,
                charged: from_ore(charged),
            })
            .collect())
    }

    fn credit_balance(&mut self, customer_id: String) -> wasmtime::Result<String> {
        let client = self.client.clone();
        let ore = self
            .unit
            .notices()
            .trap()?
            .credit_balance(&client, &customer_id)
            .trap()?;
        Ok(from_ore(ore))
    }

    fn policy(&mut self) -> wasmtime::Result<ReminderPolicy> {
        let client = self.client.clone();
        Ok(self
            .unit
            .notices()
            .trap()?
            .policy(&client)
            .trap()?
            .unwrap_or_else(default_policy))
    }

    fn figures(&mut self) -> wasmtime::Result<String> {
        Ok(self.figures.to_string())
    }

    fn opted_out(&mut self, customer_ids: Vec<String>) -> wasmtime::Result<Vec<bool>> {
        let client = self.client.clone();
        self.unit
            .notices()
            .trap()?
            .opted_out(&client, &customer_ids)
            .trap()
    }

    fn peppol_accepts_reminder(&mut self, participant: String) -> wasmtime::Result<bool> {
        self.unit
            .notices()
            .trap()?
            .accepts_reminders(&participant)
            .trap()
    }

    fn payment_agreements(&mut self, invoice_ids: Vec<String>) -> wasmtime::Result<Vec<bool>> {
        let rows: Vec<Option<i64>> = invoice_ids.iter().map(|i| Id::Doc.row(i)).collect();
        let known: Vec<i64> = rows.iter().flatten().copied().collect();
        let client = self.client.clone();
        let mut on = self
            .unit
            .notices()
            .trap()?
            .payment_agreements(&client, &known)
            .trap()?
            .into_iter();
        Ok(rows
            .iter()
            .map(|r| r.is_some() && on.next().unwrap_or(false))
            .collect())
    }
}

//! `erp:invoicing/receivables` (contract 0.4.1): payments kept once, with their vouchers, and
//! per invoice what it holds. The host keeps and sums; the component decides.

use super::ledger::balanced;
use super::{not_found, refuse, Result, Trap};
use crate::bindings::erp::invoicing::receivables::{
    Host, InvoiceMoney, MoneyFilter, PaymentToKeep,
};
use crate::bindings::{Error, Payment, PaymentFilter, PaymentOutcome, Voucher};
use crate::call::CallState;
use crate::ids::Id;
use crate::money::{from_ore, to_ore};
use crate::store::{self, PaymentQuery, SumFilter};
use std::collections::HashSet;

fn stored(p: store::Payment) -> Payment {
    Payment {
        id: Id::Payment.of(p.id),
        bank_reference: p.new.bank_reference,
        kid: p.new.kid,
        amount: from_ore(p.new.amount_ore),
        date: p.new.date,
        payer: p.new.payer,
        text: p.new.text,
        outcome: p.new.outcome,
        invoice_id: p.new.invoice.map(|id| Id::Doc.of(id)),
        invoice_number: p.invoice_number,
        customer_id: p.new.customer_id,
    }
}

impl Host for CallState {
    fn insert_payments(&mut self, list: Vec<PaymentToKeep>) -> Result<Vec<String>> {
        let client = self.client.clone();
        let r = self.unit.receivables()?;
        // The invoices named must be this client's invoices.
        let mut invoices = Vec::new();
        for k in &list {
            if let Some(id) = &k.payment.invoice_id {
                invoices.push(Id::Doc.row(id).ok_or_else(|| not_found(id))?);
            }
        }
        invoices.sort_unstable();
        invoices.dedup();
        if !invoices.is_empty() {
            let held: HashSet<i64> = r.invoices_held(&client, &invoices)?.into_iter().collect();
            if let Some(missing) = invoices.iter().find(|i| !held.contains(i)) {
                return Err(not_found(format!("invoice {}", Id::Doc.of(*missing))));
            }
        }
        // Each keyed, and no key given twice; one kept before is refused as it is inserted
        // (the unique indexes): nothing is kept twice.
        let mut keys: Vec<&String> = Vec::with_capacity(list.len());
        for k in &list {
            let p = &k.payment;
            if p.bank_reference.is_none() && p.idempotency_key.is_none() {
                return Err(refuse(
                    "a payment needs a bank reference or an idempotency key",
                ));
            }
            keys.extend(p.bank_reference.iter().chain(&p.idempotency_key));
        }
        let given = keys.len();
        keys.sort_unstable();
        keys.dedup();
        if keys.len() != given {
            return Err(Error::Conflict(0).into());
        }
        let mut news = Vec::with_capacity(list.len());
        for k in &list {
            let p = &k.payment;
            news.push(store::NewPayment {
                bank_reference: p.bank_reference.clone(),
                idempotency_key: p.idempotency_key.clone(),
                kid: p.kid.clone(),
                amount_ore: to_ore(&p.amount)
                    .ok_or_else(|| refuse(format!("amount '{}' is not whole øre", p.amount)))?,
                date: p.date.clone(),
                payer: p.payer.clone(),
                text: p.text.clone(),
                outcome: p.outcome,
                invoice: p.invoice_id.as_deref().and_then(|i| Id::Doc.row(i)),
                customer_id: p.customer_id.clone(),
            });
        }
        let Some(ids) = r
            .insert_payments(&client, &news)?
            .into_iter()
            .collect::<Option<Vec<i64>>>()
        else {
            return Err(Error::Conflict(0).into());
        };
        // Each voucher balanced and numbered with its payment's own id.
        let mut rows = Vec::with_capacity(list.len() * 2);
        for (id, k) in ids.iter().zip(list) {
            rows.extend(
                balanced(k.voucher, *id as u64)?
                    .into_iter()
                    .map(|p| (*id, p)),
            );
        }
        r.post_payments(&client, &rows)?;
        let ids: Vec<String> = ids.into_iter().map(|id| Id::Payment.of(id)).collect();
        // One look for an endpoint, not one per payment of a bank file's thousand.
        let heard = match self.unit.api() {
            Some(api) => api.has_endpoints(&client)?,
            None => false,
        };
        for (id, k) in ids.iter().zip(&news).filter(|_| heard) {
            let invoice = k.invoice.map(|i| Id::Doc.of(i));
            let amount = crate::money::from_ore(k.amount_ore);
            crate::events::payment(
                &mut *self.unit,
                &client,
                id,
                invoice.as_deref(),
                &amount,
                k.outcome,
            )?;
        }
        Ok(ids)
    }

    fn find_payments(&mut self, keys: Vec<String>) -> wasmtime::Result<Vec<Option<Payment>>> {
        let client = self.client.clone();
        let r = self.unit.receivables().trap()?;
        Ok(r.payments_by_keys(&client, &keys)
            .trap()?
            .into_iter()
            .map(|p| p.map(stored))
            .collect())
    }

    fn get_payment(&mut self, id: String) -> wasmtime::Result<Option<Payment>> {
        let Some(n) = Id::Payment.row(&id) else {
            return Ok(None);
        };
        let client = self.client.clone();
        let r = self.unit.receivables().trap()?;
        Ok(r.payment(&client, n).trap()?.map(stored))
    }

    fn allocate_payment(
        &mut self,
        id: String,
        invoice_id: String,
        outcome: PaymentOutcome,
        v: Voucher,
    ) -> Result<()> {
        let n = Id::Payment.row(&id).ok_or_else(|| not_found(&id))?;
        let invoice = match Id::Doc.row(&invoice_id) {
            Some(i) => match self.unit.issued(&self.client, i)? {
                Some((crate::bindings::DocumentKind::Invoice, _)) => i,
                Some(_) => return Err(refuse(format!("{invoice_id} is not an invoice"))),
                None => return Err(not_found(invoice_id)),
            },
            None => return Err(not_found(invoice_id)),
        };
        let client = self.client.clone();
        let r = self.unit.receivables()?;
        if !r.allocate(&client, n, invoice, outcome)? {
            return Err(Error::Conflict(0).into());
        }
        let rows: Vec<_> = balanced(v, n as u64)?.into_iter().map(|p| (n, p)).collect();
        r.post_payments(&client, &rows)?;
        Ok(())
    }

    fn invoices_by_kid(&mut self, kids: Vec<String>) -> wasmtime::Result<Vec<Option<String>>> {
        let client = self.client.clone();
        let r = self.unit.receivables().trap()?;
        Ok(r.invoices_by_kid(&client, &kids)
            .trap()?
            .into_iter()
            .map(|i| i.map(|id| Id::Doc.of(id)))
            .collect())
    }

    fn invoice_sums(&mut self, f: MoneyFilter) -> wasmtime::Result<Vec<InvoiceMoney>> {
        Ok(self.money(f)?.into_iter().map(|(m, _)| m).collect())
    }

    fn list_payments(&mut self, f: PaymentFilter) -> wasmtime::Result<Vec<Payment>> {
        let invoice = match &f.invoice_id {
            Some(id) => match Id::Doc.row(id) {
                Some(n) => Some(n),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let q = PaymentQuery {
            unmatched_only: f.unmatched_only,
            invoice,
            limit: f.limit.unwrap_or(100).clamp(1, 500),
            offset: f.offset.unwrap_or(0),
        };
        let client = self.client.clone();
        let r = self.unit.receivables().trap()?;
        Ok(r.payments(&client, &q)
            .trap()?
            .into_iter()
            .map(stored)
            .collect())
    }
}

impl CallState {
    /// Per invoice of `f`: its money as the contract has it, and what its notices charged
    /// (øre). `open-only` counts the charges: an invoice paid but for its fee is open.
    pub(super) fn money(&mut self, f: MoneyFilter) -> wasmtime::Result<Vec<(InvoiceMoney, i64)>> {
        // Ids of no document of ours name nothing: they are left out, as an unknown id is.
        let invoices: Vec<i64> = f
            .invoice_ids
            .iter()
            .filter_map(|i| Id::Doc.row(i))
            .collect();
        if invoices.is_empty() && !f.invoice_ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = SumFilter {
            customer_id: f.customer_id,
            invoices,
            open_only: f.open_only,
        };
        let client = self.client.clone();
        let r = self.unit.receivables().trap()?;
        Ok(r.invoice_sums(&client, &filter)
            .trap()?
            .into_iter()
            .map(|s| {
                let money = InvoiceMoney {
                    invoice_id: Id::Doc.of(s.invoice),
                    number: s.number,
                    customer_id: s.customer_id,
                    customer_name: s.customer_name,
                    issue_date: s.issue_date,
                    due_date: s.due_date,
                    kid: s.kid,
                    payable: from_ore(s.payable_ore),
                    credited: from_ore(s.credited_ore),
                    paid: from_ore(s.paid_ore),
                    currency: s.currency,
                };
                (money, s.charged_ore)
            })
            .collect())
    }
}

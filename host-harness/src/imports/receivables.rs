//! `erp:invoicing/receivables` (contract 0.4.1): payments kept once, with their vouchers, and
//! per invoice what it holds. The host keeps and sums; the component decides.

use super::ledger::balanced;
use super::{not_found, parse_id, refuse, Result, Trap};
use crate::bindings::erp::invoicing::receivables::{Host, InvoiceMoney, MoneyFilter, NewPayment};
use crate::bindings::{Error, Payment, PaymentFilter, PaymentOutcome, Voucher};
use crate::money::{from_ore, to_ore};
use crate::runtime::CallState;
use crate::store::{self, PaymentQuery, SumFilter};

fn stored(p: store::Payment) -> Payment {
    Payment {
        id: format!("pay-{}", p.id),
        bank_reference: p.new.bank_reference,
        kid: p.new.kid,
        amount: from_ore(p.new.amount_ore),
        date: p.new.date,
        payer: p.new.payer,
        text: p.new.text,
        outcome: p.new.outcome,
        invoice_id: p.new.invoice.map(|id| format!("doc-{id}")),
        invoice_number: p.invoice_number,
        customer_id: p.new.customer_id,
    }
}

impl CallState {
    /// An issued invoice of this client's, by its contract id.
    fn invoice(&mut self, id: &str) -> Result<i64> {
        let n = parse_id(id, "doc").ok_or_else(|| not_found(id))?;
        match self.unit.issued(&self.client, n)? {
            Some((crate::bindings::DocumentKind::Invoice, _)) => Ok(n),
            Some(_) => Err(refuse(format!("{id} is not an invoice"))),
            None => Err(not_found(id)),
        }
    }
}

impl Host for CallState {
    fn insert_payment(&mut self, p: NewPayment, v: Voucher) -> Result<String> {
        let amount_ore = to_ore(&p.amount)
            .ok_or_else(|| refuse(format!("amount '{}' is not whole øre", p.amount)))?;
        let invoice = p
            .invoice_id
            .as_deref()
            .map(|id| self.invoice(id))
            .transpose()?;
        // A key kept already is a conflict the component should have seen: nothing twice.
        for key in [&p.bank_reference, &p.idempotency_key]
            .into_iter()
            .flatten()
        {
            if self
                .unit
                .receivables()?
                .payment_by_key(&self.client, key)?
                .is_some()
            {
                return Err(Error::Conflict(0).into());
            }
        }
        let new = store::NewPayment {
            bank_reference: p.bank_reference,
            idempotency_key: p.idempotency_key,
            kid: p.kid,
            amount_ore,
            date: p.date,
            payer: p.payer,
            text: p.text,
            outcome: p.outcome,
            invoice,
            customer_id: p.customer_id,
        };
        let client = self.client.clone();
        let r = self.unit.receivables()?;
        let id = r.insert_payment(&client, &new)?;
        let rows = balanced(v, id as u64)?;
        r.post_payment(&client, id, &rows)?;
        Ok(format!("pay-{id}"))
    }

    fn find_payment(&mut self, key: String) -> wasmtime::Result<Option<Payment>> {
        let client = self.client.clone();
        let r = self.unit.receivables().trap()?;
        Ok(r.payment_by_key(&client, &key).trap()?.map(stored))
    }

    fn get_payment(&mut self, id: String) -> wasmtime::Result<Option<Payment>> {
        let Some(n) = parse_id(&id, "pay") else {
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
        let n = parse_id(&id, "pay").ok_or_else(|| not_found(&id))?;
        let invoice = self.invoice(&invoice_id)?;
        let client = self.client.clone();
        let r = self.unit.receivables()?;
        if !r.allocate(&client, n, invoice, outcome)? {
            return Err(Error::Conflict(0).into());
        }
        let rows = balanced(v, n as u64)?;
        r.post_payment(&client, n, &rows)?;
        Ok(())
    }

    fn invoice_by_kid(&mut self, kid: String) -> wasmtime::Result<Option<String>> {
        let client = self.client.clone();
        let r = self.unit.receivables().trap()?;
        Ok(r.invoice_by_kid(&client, &kid)
            .trap()?
            .map(|id| format!("doc-{id}")))
    }

    fn invoice_sums(&mut self, f: MoneyFilter) -> wasmtime::Result<Vec<InvoiceMoney>> {
        let invoice = match &f.invoice_id {
            Some(id) => match parse_id(id, "doc") {
                Some(n) => Some(n),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let filter = SumFilter {
            customer_id: f.customer_id,
            invoice,
            open_only: f.open_only,
        };
        let client = self.client.clone();
        let r = self.unit.receivables().trap()?;
        Ok(r.invoice_sums(&client, &filter)
            .trap()?
            .into_iter()
            .map(|s| InvoiceMoney {
                invoice_id: format!("doc-{}", s.invoice),
                number: s.number,
                customer_id: s.customer_id,
                customer_name: s.customer_name,
                issue_date: s.issue_date,
                due_date: s.due_date,
                kid: s.kid,
                payable: from_ore(s.payable_ore),
                credited: from_ore(s.credited_ore),
                paid: from_ore(s.paid_ore),
            })
            .collect())
    }

    fn list_payments(&mut self, f: PaymentFilter) -> wasmtime::Result<Vec<Payment>> {
        let invoice = match &f.invoice_id {
            Some(id) => match parse_id(id, "doc") {
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

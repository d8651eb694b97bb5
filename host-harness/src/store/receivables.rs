//! The payments' records in SQL, for both backends (as `sql.rs` is for the rest): payments
//! kept once by their bank reference and key, their vouchers, and per invoice the sums the
//! component decides from. A bank file's part comes as lists, answered a few hundred rows per
//! statement: round trips, not rows, are what a networked database charges for.

use super::sql::{now, params, value_rows, Backend, Row, SqlUnit, P};
use super::*;
use crate::names::Name;
use anyhow::Context;
use std::collections::HashMap;

/// Rows per statement: well under either database's limit on parameters (SQLite 32 766).
const ROWS: usize = 500;

const PAYMENT_COLUMNS: &str =
    "p.id, p.bank_ref, p.idempotency_key, p.kid, p.amount_ore, p.date, p.payer, p.text, \
     p.outcome, p.invoice_id, p.customer_id, d.number";

/// The rows' values follow, one `(…)` per payment.
const INSERT: &str = "INSERT INTO payments (client_id, bank_ref, idempotency_key, kid, amount_ore, date, payer, text, outcome, invoice_id, customer_id)
     VALUES ";
const ALLOCATE: &str = "UPDATE payments SET invoice_id = ?3, outcome = ?4,
       customer_id = (SELECT customer_id FROM documents WHERE client_id = ?1 AND id = ?3)
     WHERE client_id = ?1 AND id = ?2 AND invoice_id IS NULL";
/// The rows' values follow, one `(…)` per posting.
const POST: &str = "INSERT INTO payment_journal (client_id, payment_id, date, voucher_number, account, debit_ore, credit_ore, customer_id, text)
     VALUES ";
const BANK_FILE: &str = "SELECT imported_at FROM bank_files WHERE client_id = ?1 AND sha256 = ?2";
const RECORD_FILE: &str = "INSERT INTO bank_files (client_id, sha256, name, payments, imported_at) VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (client_id, sha256) DO NOTHING";

fn payment(r: &Row) -> Result<Payment> {
    Ok(Payment {
        id: r.i(0)?,
        new: NewPayment {
            bank_reference: r.os(1)?,
            idempotency_key: r.os(2)?,
            kid: r.os(3)?,
            amount_ore: r.i(4)?,
            date: r.s(5)?,
            payer: r.os(6)?,
            text: r.os(7)?,
            outcome: r.name(8)?,
            invoice: r.oi(9)?,
            customer_id: r.os(10)?,
        },
        invoice_number: r.oi(11)?.map(|n| n as u64),
    })
}

/// `?first, ?first+1, …`: `n` placeholders.
fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|k| format!("?{k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<B: Backend> SqlUnit<B> {
    fn payments_where(&mut self, filter: &str, p: &[P]) -> Result<Vec<Payment>> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments p LEFT JOIN documents d ON d.id = p.invoice_id WHERE p.client_id = ?1 {filter}"
        );
        B::rows(self.c(), &sql, p)
            .context("payments")?
            .iter()
            .map(payment)
            .collect()
    }
}

impl<B: Backend> Receivables for SqlUnit<B> {
    fn insert_payments(&mut self, client: &str, list: &[NewPayment]) -> Result<Vec<i64>> {
        let mut by_key: HashMap<String, i64> = HashMap::new();
        for part in list.chunks(ROWS) {
            let sql = format!(
                "{INSERT}{} RETURNING id, coalesce(bank_ref, idempotency_key)",
                value_rows(part.len(), 11)
            );
            let mut args: Vec<P> = Vec::with_capacity(part.len() * 11);
            for p in part {
                args.extend_from_slice(params![
                    client,
                    p.bank_reference.as_ref(),
                    p.idempotency_key.as_ref(),
                    p.kid.as_ref(),
                    p.amount_ore,
                    &p.date,
                    p.payer.as_ref(),
                    p.text.as_ref(),
                    p.outcome.name(),
                    p.invoice,
                    p.customer_id.as_ref()
                ]);
            }
            for r in B::rows(self.c(), &sql, &args).context("insert payments")? {
                by_key.insert(r.s(1)?, r.i(0)?);
            }
        }
        list.iter()
            .map(|p| {
                let key = p.bank_reference.as_ref().or(p.idempotency_key.as_ref());
                key.and_then(|k| by_key.get(k).copied())
                    .context("a payment kept without its key")
            })
            .collect()
    }

    fn payment(&mut self, client: &str, id: i64) -> Result<Option<Payment>> {
        Ok(self
            .payments_where("AND p.id = ?2", params![client, id])?
            .pop())
    }

    fn payments_by_keys(&mut self, client: &str, keys: &[String]) -> Result<Vec<Option<Payment>>> {
        let mut found: HashMap<String, Payment> = HashMap::new();
        for part in keys.chunks(ROWS) {
            let list = marks(2, part.len());
            let mut args: Vec<P> = vec![P::Text(client)];
            args.extend(part.iter().map(|k| P::Text(k)));
            // One look-up per unique index: an OR of the two IN lists scans the table in
            // SQLite (measured: the import at half its speed).
            for column in ["bank_ref", "idempotency_key"] {
                for p in self.payments_where(&format!("AND p.{column} IN ({list})"), &args)? {
                    for k in [&p.new.bank_reference, &p.new.idempotency_key]
                        .into_iter()
                        .flatten()
                    {
                        found.insert(k.clone(), p.clone());
                    }
                }
            }
        }
        Ok(keys.iter().map(|k| found.get(k).cloned()).collect())
    }

    fn allocate(
        &mut self,
        client: &str,
        id: i64,
        invoice: i64,
        outcome: PaymentOutcome,
    ) -> Result<bool> {
        let n = B::exec(
            self.c(),
            ALLOCATE,
            params![client, id, invoice, outcome.name()],
        )
        .context("allocate payment")?;
        Ok(n == 1)
    }

    fn post_payments(&mut self, client: &str, rows: &[(i64, Posting)]) -> Result<()> {
        for part in rows.chunks(ROWS) {
            let sql = format!("{POST}{}", value_rows(part.len(), 9));
            let mut args: Vec<P> = Vec::with_capacity(part.len() * 9);
            for (payment, p) in part {
                args.extend_from_slice(params![
                    client,
                    *payment,
                    &p.date,
                    p.number,
                    p.account,
                    p.debit_ore,
                    p.credit_ore,
                    p.customer_id.as_ref(),
                    &p.text
                ]);
            }
            B::exec(self.c(), &sql, &args).context("post payments")?;
        }
        Ok(())
    }

    fn invoices_by_kid(&mut self, client: &str, kids: &[String]) -> Result<Vec<Option<i64>>> {
        let mut found: HashMap<String, i64> = HashMap::new();
        for part in kids.chunks(ROWS) {
            // The first invoice of each KID, from the index (client_id, kid, id) alone.
            let sql = format!(
                "SELECT kid, min(id) FROM documents WHERE client_id = ?1 AND kind = 'invoice' AND kid IN ({}) GROUP BY kid",
                marks(2, part.len())
            );
            let mut args: Vec<P> = vec![P::Text(client)];
            args.extend(part.iter().map(|k| P::Text(k)));
            for r in B::rows(self.c(), &sql, &args).context("invoices by KID")? {
                found.insert(r.s(0)?, r.i(1)?);
            }
        }
        Ok(kids.iter().map(|k| found.get(k).copied()).collect())
    }

    fn invoice_sums(&mut self, client: &str, f: &SumFilter) -> Result<Vec<InvoiceSums>> {
        if f.invoices.len() > ROWS {
            let mut all = Vec::new();
            for part in f.invoices.chunks(ROWS) {
                let one = SumFilter {
                    invoices: part.to_vec(),
                    ..f.clone()
                };
                all.extend(self.invoice_sums(client, &one)?);
            }
            all.sort_by(|a, b| (&a.due_date, a.number).cmp(&(&b.due_date, b.number)));
            return Ok(all);
        }
        let mut sql = String::from(
            "SELECT id, number, customer_id, customer_name, issue_date, due_date, kid, payable_ore, credited, paid FROM (
               SELECT d.id, d.number, d.customer_id, d.customer_name, d.issue_date, d.due_date, d.kid, d.payable_ore,
                      coalesce(c.ore, 0) AS credited,
                      coalesce((SELECT CAST(sum(p.amount_ore) AS BIGINT) FROM payments p WHERE p.invoice_id = d.id), 0) AS paid
                 FROM documents d LEFT JOIN credited c ON c.document_id = d.id
                WHERE d.client_id = ?1 AND d.kind = 'invoice'",
        );
        let mut args: Vec<P> = vec![P::Text(client)];
        if let Some(c) = &f.customer_id {
            args.push(P::Text(c));
            sql.push_str(&format!(" AND d.customer_id = ?{}", args.len()));
        }
        if !f.invoices.is_empty() {
            sql.push_str(&format!(
                " AND d.id IN ({})",
                marks(args.len() + 1, f.invoices.len())
            ));
            args.extend(f.invoices.iter().map(|i| P::Int(*i)));
        }
        sql.push_str(") s");
        if f.open_only {
            sql.push_str(" WHERE payable_ore - credited - paid <> 0");
        }
        sql.push_str(" ORDER BY due_date, number");
        B::rows(self.c(), &sql, &args)
            .context("invoice sums")?
            .iter()
            .map(|r| {
                Ok(InvoiceSums {
                    invoice: r.i(0)?,
                    number: r.i(1)? as u64,
                    customer_id: r.s(2)?,
                    customer_name: r.s(3)?,
                    issue_date: r.s(4)?,
                    due_date: r.s(5)?,
                    kid: r.os(6)?,
                    payable_ore: r.i(7)?,
                    credited_ore: r.i(8)?,
                    paid_ore: r.i(9)?,
                })
            })
            .collect()
    }

    fn payments(&mut self, client: &str, f: &PaymentQuery) -> Result<Vec<Payment>> {
        let mut filter = String::new();
        let mut args: Vec<P> = vec![P::Text(client)];
        if f.unmatched_only {
            filter.push_str(" AND p.invoice_id IS NULL");
        }
        if let Some(id) = f.invoice {
            args.push(P::Int(id));
            filter.push_str(&format!(" AND p.invoice_id = ?{}", args.len()));
        }
        args.push(P::Int(f.limit.into()));
        args.push(P::Int(f.offset.into()));
        filter.push_str(&format!(
            " ORDER BY p.id DESC LIMIT ?{} OFFSET ?{}",
            args.len() - 1,
            args.len()
        ));
        self.payments_where(&filter, &args)
    }

    fn bank_file(&mut self, client: &str, sha256: &str) -> Result<Option<String>> {
        B::rows(self.c(), BANK_FILE, params![client, sha256])?
            .first()
            .map(|r| r.s(0))
            .transpose()
    }

    fn record_bank_file(
        &mut self,
        client: &str,
        sha256: &str,
        name: &str,
        payments: u64,
    ) -> Result<()> {
        B::exec(
            self.c(),
            RECORD_FILE,
            params![client, sha256, name, payments, &now()],
        )?;
        Ok(())
    }
}

//! The payments' records in SQL, for both backends (as `sql.rs` is for the rest): payments
//! kept once by their bank reference and key, their vouchers, and per invoice the sums the
//! component decides from. A bank file's part comes as lists, answered a few hundred rows per
//! statement: round trips, not rows, are what a networked database charges for.

use super::sql::{now, params, Backend, Row, SqlUnit, P};
use super::*;
use crate::names::Name;
use anyhow::Context;
use std::collections::HashMap;

/// Rows per statement where each value is a parameter of its own: well under either
/// database's limit on parameters (SQLite 32 766). With arrays a list is one statement.
const ROWS: usize = 500;

const PAYMENT_COLUMNS: &str =
    "p.id, p.bank_ref, p.idempotency_key, p.kid, p.amount_ore, p.date, p.payer, p.text, \
     p.outcome, p.invoice_id, p.customer_id, d.number";

/// The rows follow (see [`SqlUnit::bulk`]): the client and these columns' values.
const INSERT: &str = "INSERT INTO payments (client_id, bank_ref, idempotency_key, kid, amount_ore, date, payer, text, outcome, invoice_id, customer_id)";
const INSERT_TYPES: [&str; 10] = [
    "text", "text", "text", "bigint", "text", "text", "text", "text", "bigint", "text",
];
const ALLOCATE: &str = "UPDATE payments SET invoice_id = ?3, outcome = ?4,
       customer_id = (SELECT customer_id FROM documents WHERE client_id = ?1 AND id = ?3)
     WHERE client_id = ?1 AND id = ?2 AND invoice_id IS NULL";
const POST: &str = "INSERT INTO payment_journal (client_id, payment_id, date, voucher_number, account, debit_ore, credit_ore, customer_id, text)";
const POST_TYPES: [&str; 8] = [
    "bigint", "text", "bigint", "bigint", "bigint", "bigint", "text", "text",
];
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
    /// Run `head` (an `INSERT INTO t (client_id, …)`) for `rows` of `types.len()` values each
    /// (`flat`, row after row), the client in every row, `tail` after; the rows returned. With
    /// arrays the list is one statement, `unnest` of a column each; else `VALUES` rows of
    /// [`ROWS`] at a time.
    fn bulk(
        &mut self,
        client: &str,
        head: &str,
        types: &[&str],
        flat: &[P],
        tail: &str,
    ) -> Result<Vec<Row>> {
        let width = types.len();
        let mut out = Vec::new();
        if B::ARRAYS {
            let columns: Vec<Vec<P>> = (0..width)
                .map(|j| flat.iter().skip(j).step_by(width).copied().collect())
                .collect();
            let mut args = vec![P::Text(client)];
            args.extend(columns.iter().map(|c| P::List(c)));
            let unnest: Vec<String> = types
                .iter()
                .enumerate()
                .map(|(k, t)| format!("?{}::{t}[]", k + 2))
                .collect();
            let sql = format!(
                "{head} SELECT ?1, * FROM unnest({}) {tail}",
                unnest.join(", ")
            );
            out.extend(B::rows(self.c(), &sql, &args)?);
            return Ok(out);
        }
        for part in flat.chunks(ROWS * width) {
            let rows: Vec<String> = (0..part.len() / width)
                .map(|r| format!("(?1, {})", marks(2 + r * width, width)))
                .collect();
            let sql = format!("{head} VALUES {} {tail}", rows.join(", "));
            let mut args = vec![P::Text(client)];
            args.extend_from_slice(part);
            out.extend(B::rows(self.c(), &sql, &args)?);
        }
        Ok(out)
    }

    /// `sql` (with `{}` where the list goes, as `?2…`) for each part of `keys`: with arrays
    /// `= ANY(?2)` once, else `IN (?2, …)` for [`ROWS`] at a time.
    fn each_part(&mut self, client: &str, sql: &str, keys: &[P]) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        let size = if B::ARRAYS { keys.len().max(1) } else { ROWS };
        for part in keys.chunks(size) {
            let mut args = vec![P::Text(client)];
            let list = if B::ARRAYS {
                args.push(P::List(part));
                "= ANY(?2)".to_owned()
            } else {
                args.extend_from_slice(part);
                format!("IN ({})", marks(2, part.len()))
            };
            out.extend(B::rows(self.c(), &sql.replace("{}", &list), &args)?);
        }
        Ok(out)
    }

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
    fn insert_payments(&mut self, client: &str, list: &[NewPayment]) -> Result<Vec<Option<i64>>> {
        let mut flat: Vec<P> = Vec::with_capacity(list.len() * INSERT_TYPES.len());
        for p in list {
            flat.extend_from_slice(params![
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
        let tail = "ON CONFLICT DO NOTHING RETURNING id, coalesce(bank_ref, idempotency_key)";
        // All or none: a list with one payment kept before keeps nothing.
        B::batch(self.c(), "SAVEPOINT insert_payments")?;
        let mut by_key: HashMap<String, i64> = HashMap::new();
        for r in self
            .bulk(client, INSERT, &INSERT_TYPES, &flat, tail)
            .context("insert payments")?
        {
            by_key.insert(r.s(1)?, r.i(0)?);
        }
        let ids: Vec<Option<i64>> = list
            .iter()
            .map(|p| {
                let key = p.bank_reference.as_ref().or(p.idempotency_key.as_ref());
                key.and_then(|k| by_key.get(k).copied())
            })
            .collect();
        if ids.iter().any(Option::is_none) {
            B::batch(self.c(), "ROLLBACK TO SAVEPOINT insert_payments")?;
        }
        B::batch(self.c(), "RELEASE SAVEPOINT insert_payments")?;
        Ok(ids)
    }

    fn invoices_held(&mut self, client: &str, ids: &[i64]) -> Result<Vec<i64>> {
        let sql = "SELECT id FROM documents WHERE client_id = ?1 AND kind = 'invoice' AND id {}";
        let list: Vec<P> = ids.iter().map(|i| P::Int(*i)).collect();
        self.each_part(client, sql, &list)
            .context("invoices held")?
            .iter()
            .map(|r| r.i(0))
            .collect()
    }

    fn payment(&mut self, client: &str, id: i64) -> Result<Option<Payment>> {
        Ok(self
            .payments_where("AND p.id = ?2", params![client, id])?
            .pop())
    }

    fn payments_by_keys(&mut self, client: &str, keys: &[String]) -> Result<Vec<Option<Payment>>> {
        let mut found: HashMap<String, Payment> = HashMap::new();
        let list: Vec<P> = keys.iter().map(|k| P::Text(k)).collect();
        // One look-up per unique index: an OR of the two lists scans the table in SQLite
        // (measured: the import at half its speed).
        for column in ["bank_ref", "idempotency_key"] {
            let sql = format!(
                "SELECT {PAYMENT_COLUMNS} FROM payments p LEFT JOIN documents d ON d.id = p.invoice_id WHERE p.client_id = ?1 AND p.{column} {{}}"
            );
            for r in self.each_part(client, &sql, &list).context("payments")? {
                let p = payment(&r)?;
                for k in [&p.new.bank_reference, &p.new.idempotency_key]
                    .into_iter()
                    .flatten()
                {
                    found.insert(k.clone(), p.clone());
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
        let mut flat: Vec<P> = Vec::with_capacity(rows.len() * POST_TYPES.len());
        for (payment, p) in rows {
            flat.extend_from_slice(params![
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
        self.bulk(client, POST, &POST_TYPES, &flat, "")
            .context("post payments")?;
        Ok(())
    }

    fn invoices_by_kid(&mut self, client: &str, kids: &[String]) -> Result<Vec<Option<i64>>> {
        let list: Vec<P> = kids.iter().map(|k| P::Text(k)).collect();
        // The first invoice of each KID, from the index (client_id, kid, id) alone. With arrays,
        // a look-up per KID: `kid = ANY(…)` of a thousand was planned as a scan.
        let rows = if B::ARRAYS {
            let sql = "SELECT k.kid, (SELECT min(d.id) FROM documents d WHERE d.client_id = ?1 AND d.kind = 'invoice' AND d.kid = k.kid)
                         FROM unnest(?2::text[]) AS k(kid)";
            B::rows(self.c(), sql, &[P::Text(client), P::List(&list)])
        } else {
            let sql = "SELECT kid, min(id) FROM documents WHERE client_id = ?1 AND kind = 'invoice' AND kid {} GROUP BY kid";
            self.each_part(client, sql, &list)
        };
        let mut found: HashMap<String, i64> = HashMap::new();
        for r in rows.context("invoices by KID")? {
            if let Some(id) = r.oi(1)? {
                found.insert(r.s(0)?, id);
            }
        }
        Ok(kids.iter().map(|k| found.get(k).copied()).collect())
    }

    fn invoice_sums(&mut self, client: &str, f: &SumFilter) -> Result<Vec<InvoiceSums>> {
        if f.invoices.len() > ROWS && !B::ARRAYS {
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
            "SELECT id, number, customer_id, customer_name, issue_date, due_date, kid, payable_ore, credited, paid, charged, currency FROM (
               SELECT d.id, d.number, d.customer_id, d.customer_name, d.issue_date, d.due_date, d.kid, d.payable_ore, d.currency,
                      coalesce(c.ore, 0) AS credited,
                      coalesce((SELECT CAST(sum(p.amount_ore) AS BIGINT) FROM payments p WHERE p.invoice_id = d.id), 0) AS paid,
                      coalesce((SELECT CAST(sum(n.fee_ore + n.compensation_ore + n.interest_ore) AS BIGINT) FROM notices n WHERE n.invoice_id = d.id), 0) AS charged
                 FROM documents d LEFT JOIN credited c ON c.document_id = d.id
                WHERE d.client_id = ?1 AND d.kind = 'invoice'",
        );
        let mut args: Vec<P> = vec![P::Text(client)];
        if let Some(c) = &f.customer_id {
            args.push(P::Text(c));
            sql.push_str(&format!(" AND d.customer_id = ?{}", args.len()));
        }
        let ids: Vec<P> = f.invoices.iter().map(|i| P::Int(*i)).collect();
        if B::ARRAYS && !ids.is_empty() {
            args.push(P::List(&ids));
            sql.push_str(&format!(" AND d.id = ANY(?{})", args.len()));
        } else if !ids.is_empty() {
            sql.push_str(&format!(
                " AND d.id IN ({})",
                marks(args.len() + 1, ids.len())
            ));
            args.extend_from_slice(&ids);
        }
        sql.push_str(") s");
        if f.open_only {
            sql.push_str(" WHERE payable_ore + charged - credited - paid <> 0");
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
                    charged_ore: r.i(10)?,
                    currency: r.s(11)?,
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

//! `erp:invoicing/ledger`: the host posts a voucher only if it balances, names known accounts,
//! belongs to the document it claims, and the document has no voucher yet.

use super::{parse_id, refuse};
use crate::bindings::erp::invoicing::ledger::Host;
use crate::bindings::{Error, Voucher};
use crate::db::to_ore;
use crate::runtime::CallState;
use rusqlite::{params, OptionalExtension};

impl Host for CallState {
    fn post(&mut self, document_id: String, v: Voucher) -> wasmtime::Result<Result<(), Error>> {
        let Some(doc) = parse_id(&document_id, "doc") else {
            return Ok(Err(Error::NotFound(document_id)));
        };
        let number: Option<i64> = self
            .conn
            .query_row(
                "SELECT number FROM documents WHERE client_id = ?1 AND id = ?2",
                params![self.client, doc],
                |r| r.get(0),
            )
            .optional()?;
        match number {
            None => return Ok(Err(Error::NotFound(document_id))),
            Some(n) if n as u64 != v.document_number => {
                return Ok(Err(refuse(format!(
                    "voucher for number {} posted on document {n}",
                    v.document_number
                ))))
            }
            _ => {}
        }
        if self.conn.query_row(
            "SELECT count(*) FROM journal WHERE document_id = ?1",
            [doc],
            |r| r.get::<_, i64>(0),
        )? > 0
        {
            return Ok(Err(refuse(format!("{document_id} already has a voucher"))));
        }
        if chrono::NaiveDate::parse_from_str(&v.date, "%Y-%m-%d").is_err() {
            return Ok(Err(refuse(format!(
                "voucher date '{}' is not a date",
                v.date
            ))));
        }
        let (mut debit, mut credit) = (0i64, 0i64);
        let mut rows = Vec::with_capacity(v.postings.len());
        for p in &v.postings {
            let (Some(d), Some(c)) = (to_ore(&p.debit), to_ore(&p.credit)) else {
                return Ok(Err(refuse(format!(
                    "account {}: amounts must have at most 2 decimals",
                    p.account
                ))));
            };
            if d < 0 || c < 0 || (d > 0 && c > 0) {
                return Ok(Err(refuse(format!(
                    "account {}: one side, not negative",
                    p.account
                ))));
            }
            let known: i64 = self.conn.query_row(
                "SELECT count(*) FROM accounts WHERE number = ?1",
                [p.account],
                |r| r.get(0),
            )?;
            if known == 0 {
                return Ok(Err(refuse(format!(
                    "account {} is not in the chart of accounts",
                    p.account
                ))));
            }
            debit += d;
            credit += c;
            rows.push((p, d, c));
        }
        if rows.is_empty() || debit != credit {
            return Ok(Err(refuse(format!(
                "the voucher does not balance: debit {debit} øre, credit {credit} øre"
            ))));
        }
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO journal (client_id, document_id, date, document_number, account, debit_ore, credit_ore, customer_id, vat_code, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for (p, d, c) in rows {
            stmt.execute(params![
                self.client,
                doc,
                v.date,
                v.document_number as i64,
                p.account,
                d,
                c,
                p.customer_id,
                p.vat_code,
                p.text
            ])?;
        }
        Ok(Ok(()))
    }
}

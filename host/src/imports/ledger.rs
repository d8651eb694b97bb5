//! `erp:invoicing/ledger`: the host posts a voucher only if it balances, names known accounts,
//! belongs to the document it claims, and the document has no voucher yet.

use super::{not_found, refuse, Result};
use crate::bindings::erp::invoicing::ledger::Host;
use crate::bindings::Voucher;
use crate::call::CallState;
use crate::ids::Id;
use crate::money::to_ore;
use crate::store::Posting;

impl Host for CallState {
    fn post(&mut self, document_id: String, v: Voucher) -> Result<()> {
        let Some(doc) = Id::Doc.row(&document_id) else {
            return Err(not_found(document_id));
        };
        let Some((_, number)) = self.unit.issued(&self.client, doc)? else {
            return Err(not_found(document_id));
        };
        if number != v.document_number {
            return Err(refuse(format!(
                "voucher for number {} posted on document {number}",
                v.document_number
            )));
        }
        if self.unit.has_voucher(doc)? {
            return Err(refuse(format!("{document_id} already has a voucher")));
        }
        let rows = balanced(v, number)?;
        self.unit.post(&self.client, doc, &rows)?;
        Ok(())
    }
}

/// A voucher's postings as the journal keeps them, numbered `number`, if the voucher is one the
/// host may post: a date, whole øre on one side of each line, known accounts, balanced.
pub(super) fn balanced(v: Voucher, number: u64) -> Result<Vec<Posting>> {
    if chrono::NaiveDate::parse_from_str(&v.date, "%Y-%m-%d").is_err() {
        return Err(refuse(format!("voucher date '{}' is not a date", v.date)));
    }
    let (mut debit, mut credit) = (0i64, 0i64);
    let mut rows = Vec::with_capacity(v.postings.len());
    for p in v.postings {
        let (Some(d), Some(c)) = (to_ore(&p.debit), to_ore(&p.credit)) else {
            return Err(refuse(format!(
                "account {}: amounts must have at most 2 decimals",
                p.account
            )));
        };
        if d < 0 || c < 0 || (d > 0 && c > 0) {
            return Err(refuse(format!(
                "account {}: one side, not negative",
                p.account
            )));
        }
        if !crate::store::account_known(p.account) {
            return Err(refuse(format!(
                "account {} is not in the chart of accounts",
                p.account
            )));
        }
        debit += d;
        credit += c;
        rows.push(Posting {
            date: v.date.clone(),
            number,
            account: p.account,
            debit_ore: d,
            credit_ore: c,
            customer_id: p.customer_id,
            vat_code: p.vat_code,
            text: p.text,
            currency: p.currency,
        });
    }
    if rows.is_empty() || debit != credit {
        return Err(refuse(format!(
            "the voucher does not balance: debit {debit} øre, credit {credit} øre"
        )));
    }
    Ok(rows)
}

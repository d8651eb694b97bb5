//! `erp:invoicing/documents`: drafts (versioned, for autosave) and issued documents
//! (immutable; their numbers must be the ones just taken).

use super::{not_found, refuse, Result, Trap};
use crate::bindings::erp::invoicing::documents::{
    Host, Index, NewDocument, SeriesIndex, StoredDocument, StoredDraft, StoredSeries,
};
use crate::bindings::{DocumentKind, Error, OverviewFilter, Summary};
use crate::call::CallState;
use crate::ids::Id;
use crate::money::to_ore;
use crate::store::{self, Saved};

/// The component's index as the store keeps it: the amount payable must be whole hundredths,
/// in a currency as ISO 4217 writes one.
fn index(x: Index) -> Result<store::Index> {
    let payable_ore = to_ore(&x.payable)
        .ok_or_else(|| refuse(format!("payable '{}' is not an amount in øre", x.payable)))?;
    if !crate::money::is_currency_code(&x.currency) {
        return Err(refuse(format!(
            "'{}' is not an ISO 4217 currency",
            x.currency
        )));
    }
    Ok(store::Index {
        customer_id: x.customer_id,
        customer_name: x.customer_name,
        buyer_reference: x.buyer_reference,
        our_reference: x.our_reference,
        order_reference: x.order_reference,
        issue_date: x.issue_date,
        payable_ore,
        currency: x.currency,
    })
}

impl CallState {
    fn stored(&mut self, d: store::Document) -> wasmtime::Result<StoredDocument> {
        Ok(StoredDocument {
            id: Id::Doc.of(d.id),
            kind: d.kind,
            number: d.number,
            deliveries: self.unit.deliveries(d.id).trap()?,
            body: d.body,
            facts: d.facts,
            status: d.status,
        })
    }
}

impl Host for CallState {
    fn insert_draft(&mut self, x: Index, body: String) -> Result<String> {
        let x = index(x)?;
        let id = self.unit.insert_draft(&self.client, &x, &body)?;
        Ok(Id::Draft.of(id))
    }

    fn get_draft(&mut self, id: String) -> wasmtime::Result<Option<StoredDraft>> {
        let Some(n) = Id::Draft.row(&id) else {
            return Ok(None);
        };
        Ok(self
            .unit
            .draft(&self.client, n)
            .trap()?
            .map(|(version, body)| StoredDraft { id, version, body }))
    }

    fn update_draft(
        &mut self,
        id: String,
        expected_version: u64,
        x: Index,
        body: String,
    ) -> Result<u64> {
        let Some(n) = Id::Draft.row(&id) else {
            return Err(not_found(id));
        };
        let x = index(x)?;
        let saved = self
            .unit
            .update_draft(&self.client, n, expected_version, &x, &body)?;
        version_of(saved, id)
    }

    fn delete_draft(&mut self, id: String) -> Result<()> {
        match Id::Draft.row(&id) {
            Some(n) if self.unit.delete_draft(&self.client, n)? => Ok(()),
            _ => Err(not_found(id)),
        }
    }

    fn issue(&mut self, doc: NewDocument) -> Result<String> {
        // The number must be one this call just took from a series, and is used once.
        let Some(pos) = self.taken.iter().position(|(_, n)| *n == doc.number) else {
            return Err(refuse(format!(
                "number {} was not taken from a series in this call",
                doc.number
            )));
        };
        let (series, _) = self.taken.remove(pos);
        if doc.kind == DocumentKind::Draft {
            return Err(refuse("a draft is not an issued document"));
        }
        let credited = &doc.facts.credited_invoice;
        if credited.is_some() != (doc.kind == DocumentKind::CreditNote) {
            return Err(refuse(
                "a credit note, and only a credit note, names the invoice it credits",
            ));
        }
        let credits = match credited {
            None => None,
            Some(c) => match Id::Doc.row(c) {
                Some(n)
                    if self
                        .unit
                        .issued(&self.client, n)?
                        .is_some_and(|(kind, _)| kind == DocumentKind::Invoice) =>
                {
                    Some(n)
                }
                _ => return Err(refuse(format!("credited invoice {c} is not this client's"))),
            },
        };
        if doc.index.issue_date.is_none() {
            return Err(refuse("an issued document has an issue date"));
        }
        if doc.facts.payable != doc.index.payable {
            return Err(refuse(format!(
                "the facts say {} is payable, the index {}",
                doc.facts.payable, doc.index.payable
            )));
        }
        if !is_date(&doc.facts.due_date) {
            return Err(refuse(format!(
                "due date '{}' is not a date",
                doc.facts.due_date
            )));
        }
        let x = index(doc.index)?;
        let new = store::NewDocument {
            kind: doc.kind,
            series,
            number: doc.number,
            credits,
            idempotency_key: doc.idempotency_key.as_deref(),
            index: &x,
            facts: &doc.facts,
            body: &doc.body,
            ehf: doc.ehf.as_deref(),
            pdf: doc.pdf.as_deref(),
        };
        let id = self.unit.insert_document(&self.client, &new)?;
        crate::events::issued(&mut *self.unit, &self.client, id, &new)?;
        Ok(Id::Doc.of(id))
    }

    fn get_document(&mut self, id: String) -> wasmtime::Result<Option<StoredDocument>> {
        let Some(n) = Id::Doc.row(&id) else {
            return Ok(None);
        };
        match self.unit.document(&self.client, n).trap()? {
            Some(d) => Ok(Some(self.stored(d)?)),
            None => Ok(None),
        }
    }

    fn find_by_idempotency_key(&mut self, key: String) -> wasmtime::Result<Option<StoredDocument>> {
        match self.unit.document_by_key(&self.client, &key).trap()? {
            Some(d) => Ok(Some(self.stored(d)?)),
            None => Ok(None),
        }
    }

    fn credits_for(&mut self, invoice_id: String) -> wasmtime::Result<Vec<StoredDocument>> {
        let Some(n) = Id::Doc.row(&invoice_id) else {
            return Ok(Vec::new());
        };
        let credits = self.unit.credits_for(&self.client, n).trap()?;
        credits.into_iter().map(|d| self.stored(d)).collect()
    }

    fn query(&mut self, f: OverviewFilter) -> Result<Vec<Summary>> {
        Ok(self.unit.overview(&self.client, &f)?)
    }

    fn insert_series(&mut self, x: SeriesIndex, body: String) -> Result<String> {
        check_series_index(&x)?;
        let id = self
            .unit
            .recurring()?
            .insert_series(&self.client, &x, &body)?;
        Ok(Id::Series.of(id))
    }

    fn get_series(&mut self, id: String) -> wasmtime::Result<Option<StoredSeries>> {
        let Some(n) = Id::Series.row(&id) else {
            return Ok(None);
        };
        self.unit
            .recurring()
            .and_then(|r| r.series(&self.client, n))
            .trap()
    }

    fn update_series(
        &mut self,
        id: String,
        expected_version: u64,
        x: SeriesIndex,
        body: String,
    ) -> Result<u64> {
        let Some(n) = Id::Series.row(&id) else {
            return Err(not_found(id));
        };
        check_series_index(&x)?;
        let saved =
            self.unit
                .recurring()?
                .update_series(&self.client, n, expected_version, &x, &body)?;
        version_of(saved, id)
    }

    fn list_series(&mut self, due_by: Option<String>) -> wasmtime::Result<Vec<StoredSeries>> {
        if due_by.as_deref().is_some_and(|d| !is_date(d)) {
            return Ok(Vec::new());
        }
        self.unit
            .recurring()
            .and_then(|r| r.list_series(&self.client, due_by.as_deref()))
            .trap()
    }
}

/// A compare-and-set's answer as the contract gives it: the new version, `conflict` with the
/// current one, or `not-found`.
fn version_of(saved: Saved, id: String) -> Result<u64> {
    match saved {
        Saved::Saved(v) => Ok(v),
        Saved::Conflict(v) => Err(Error::Conflict(v).into()),
        Saved::NotFound => Err(not_found(id)),
    }
}

/// A run looks series up by `issue-from` as text: it must be a date, so that text order is
/// date order.
fn check_series_index(x: &SeriesIndex) -> Result<()> {
    match &x.issue_from {
        Some(d) if !is_date(d) => Err(refuse(format!("issue-from '{d}' is not a date"))),
        _ => Ok(()),
    }
}

fn is_date(s: &str) -> bool {
    s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

//! A unit of work that reads from a snapshot and writes nothing yet: it records what a call
//! wrote, for one writer to apply later in a real unit ([`Staged::apply`]). This is how the
//! recurring run renders in parallel on every core while one writer commits: the component
//! runs as always, against this unit, with the number it will get given in advance.
//!
//! The host's rules in the import modules run against this unit as against any other. What
//! the snapshot cannot know (the number really next, the series unchanged, the key unused) is
//! checked again when the writes are applied; any difference, and the writer runs the call
//! again itself.

use super::*;
use crate::bindings::Delivery;
use anyhow::{anyhow, bail};
use std::sync::{Arc, Mutex};

/// What a staged call wrote, in order.
#[derive(Default)]
pub struct Staged {
    writes: Vec<Write>,
}

enum Write {
    Number {
        series: Series,
        start: u64,
        number: u64,
    },
    Document {
        id: i64,
        doc: Box<OwnedDocument>,
    },
    Post {
        document: i64,
        postings: Vec<Posting>,
    },
    Enqueue {
        document: i64,
        channel: Channel,
        purpose: Purpose,
        reason: String,
        fallbacks: Vec<Channel>,
    },
    Series {
        id: i64,
        expected: u64,
        index: SeriesIndex,
        body: String,
    },
}

struct OwnedDocument {
    kind: DocumentKind,
    series: Series,
    number: u64,
    credits: Option<i64>,
    key: Option<String>,
    index: Index,
    facts: DeliveryFacts,
    body: String,
    ehf: Option<String>,
    pdf: Option<Vec<u8>>,
}

impl Staged {
    /// Apply the writes in `unit`. False (and the unit's writes must be rolled back) where
    /// the store is not as the snapshot was: the number taken is another, the series changed,
    /// the key was used meanwhile.
    /// `issued` hears of each document written, in the unit (the run queues its event).
    pub fn apply(
        self,
        unit: &mut dyn Unit,
        client: &str,
        issued: impl Fn(&mut dyn Unit, &str, i64, &NewDocument) -> Result<()>,
    ) -> Result<bool> {
        let mut ids = std::collections::HashMap::new();
        let real = |ids: &std::collections::HashMap<i64, i64>, staged: &i64| {
            ids.get(staged)
                .copied()
                .ok_or_else(|| anyhow!("document {staged} was not staged"))
        };
        for w in self.writes {
            match w {
                Write::Number {
                    series,
                    start,
                    number,
                } => {
                    if unit.next_number(client, series, start)? != number {
                        return Ok(false);
                    }
                }
                Write::Document { id, doc } => {
                    if let Some(key) = &doc.key {
                        if unit.document_by_key(client, key)?.is_some() {
                            return Ok(false);
                        }
                    }
                    let new = NewDocument {
                        kind: doc.kind,
                        series: doc.series,
                        number: doc.number,
                        credits: doc.credits,
                        idempotency_key: doc.key.as_deref(),
                        index: &doc.index,
                        facts: &doc.facts,
                        body: &doc.body,
                        ehf: doc.ehf.as_deref(),
                        pdf: doc.pdf.as_deref(),
                    };
                    let row = unit.insert_document(client, &new)?;
                    issued(unit, client, row, &new)?;
                    ids.insert(id, row);
                }
                Write::Post { document, postings } => {
                    unit.post(client, real(&ids, &document)?, &postings)?
                }
                Write::Enqueue {
                    document,
                    channel,
                    purpose,
                    reason,
                    fallbacks,
                } => {
                    let q = Queue {
                        channel,
                        purpose,
                        reason: &reason,
                        fallbacks: &fallbacks,
                        notice: None,
                    };
                    unit.enqueue(client, real(&ids, &document)?, &q)?;
                }
                Write::Series {
                    id,
                    expected,
                    index,
                    body,
                } => {
                    if !matches!(
                        unit.recurring()?
                            .update_series(client, id, expected, &index, &body)?,
                        Saved::Saved(_)
                    ) {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }
}

/// The unit a staged call runs in: reads from `read` (a snapshot), writes into `log`; the
/// number it takes is `offset` after `after` (the series' last number, or `start` when the
/// series is new); documents it stores get ids below zero.
pub struct StagedUnit {
    read: Box<dyn Unit>,
    log: Arc<Mutex<Staged>>,
    number: Option<(Option<u64>, u64)>,
}

impl StagedUnit {
    pub fn new(
        read: Box<dyn Unit>,
        after: Option<u64>,
        offset: u64,
        log: Arc<Mutex<Staged>>,
    ) -> StagedUnit {
        StagedUnit {
            read,
            log,
            number: Some((after, offset)),
        }
    }

    fn record(&self, w: Write) {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .writes
            .push(w);
    }

    /// What this call staged of document `id` (< 0), by `f`.
    fn staged<T>(&self, id: i64, f: impl FnOnce(&OwnedDocument) -> T) -> Option<T> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let doc = log.writes.iter().find_map(|w| match w {
            Write::Document { id: i, doc } if *i == id => Some(doc),
            _ => None,
        })?;
        Some(f(doc))
    }
}

/// Writes a staged call has no business making (none are on the path of issuing).
fn not_staged<T>(what: &str) -> Result<T> {
    bail!("{what} is not done in a staged unit")
}

impl Unit for StagedUnit {
    fn commit(self: Box<Self>) -> Result<()> {
        not_staged("commit")
    }
    fn savepoint(&mut self) -> Result<()> {
        not_staged("a savepoint")
    }
    fn release(&mut self, _: bool) -> Result<()> {
        not_staged("a savepoint")
    }
    fn put_client(&mut self, _: &str, _: &ClientSettings) -> Result<()> {
        not_staged("changing settings")
    }
    fn settings(&mut self, client: &str) -> Result<Option<ClientSettings>> {
        self.read.settings(client)
    }
    fn is_active(&mut self, client: &str) -> Result<bool> {
        self.read.is_active(client)
    }
    fn set_active(&mut self, _: &str, _: bool) -> Result<bool> {
        not_staged("switching the module")
    }
    fn add_feedback(&mut self, _: &str, _: &str) -> Result<()> {
        not_staged("feedback")
    }
    fn put_customer(&mut self, _: &str, _: &CustomerRecord) -> Result<()> {
        not_staged("changing the CRM")
    }
    fn customer(&mut self, client: &str, id: &str) -> Result<Option<CustomerRecord>> {
        self.read.customer(client, id)
    }
    fn customers(&mut self, client: &str) -> Result<Vec<CustomerRecord>> {
        self.read.customers(client)
    }
    fn put_product(&mut self, _: &str, _: &Product) -> Result<()> {
        not_staged("changing the products")
    }
    fn products(&mut self, client: &str) -> Result<Vec<Product>> {
        self.read.products(client)
    }
    fn product(&mut self, client: &str, id: &str) -> Result<Option<Product>> {
        self.read.product(client, id)
    }
    fn put_participant(&mut self, _: &str, _: DocumentKind) -> Result<()> {
        not_staged("changing the Peppol directory")
    }
    fn accepts(&mut self, participant: &str, kind: DocumentKind) -> Result<bool> {
        self.read.accepts(participant, kind)
    }
    fn insert_draft(&mut self, _: &str, _: &Index, _: &str) -> Result<i64> {
        not_staged("a draft")
    }
    fn draft(&mut self, client: &str, id: i64) -> Result<Option<(u64, String)>> {
        self.read.draft(client, id)
    }
    fn update_draft(&mut self, _: &str, _: i64, _: u64, _: &Index, _: &str) -> Result<Saved> {
        not_staged("a draft")
    }
    fn delete_draft(&mut self, _: &str, _: i64) -> Result<bool> {
        not_staged("a draft")
    }
    fn hold_draft(&mut self, _: &str, _: i64, _: u64) -> Result<bool> {
        not_staged("a draft")
    }
    fn next_number(&mut self, _: &str, series: Series, start: u64) -> Result<u64> {
        let (after, offset) = self
            .number
            .take()
            .ok_or_else(|| anyhow!("a staged call takes one number"))?;
        let number = after.map_or(start, |last| last + 1) + offset;
        self.record(Write::Number {
            series,
            start,
            number,
        });
        Ok(number)
    }
    fn last_number(&mut self, client: &str, series: Series) -> Result<Option<u64>> {
        self.read.last_number(client, series)
    }
    fn insert_document(&mut self, _: &str, d: &NewDocument) -> Result<i64> {
        let id = -1
            - self
                .log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .writes
                .iter()
                .filter(|w| matches!(w, Write::Document { .. }))
                .count() as i64;
        self.record(Write::Document {
            id,
            doc: Box::new(OwnedDocument {
                kind: d.kind,
                series: d.series,
                number: d.number,
                credits: d.credits,
                key: d.idempotency_key.map(Into::into),
                index: d.index.clone(),
                facts: d.facts.clone(),
                body: d.body.to_owned(),
                ehf: d.ehf.map(Into::into),
                pdf: d.pdf.map(Into::into),
            }),
        });
        Ok(id)
    }
    fn document(&mut self, client: &str, id: i64) -> Result<Option<Document>> {
        if id >= 0 {
            return self.read.document(client, id);
        }
        Ok(self.staged(id, |d| Document {
            id,
            client: client.to_owned(),
            kind: d.kind,
            number: d.number,
            issue_date: d.index.issue_date.clone().unwrap_or_default(),
            body: d.body.clone(),
            facts: d.facts.clone(),
            status: DocumentStatus::Issued,
        }))
    }
    fn issued(&mut self, client: &str, id: i64) -> Result<Option<(DocumentKind, u64)>> {
        if id >= 0 {
            return self.read.issued(client, id);
        }
        Ok(self.staged(id, |d| (d.kind, d.number)))
    }
    fn document_by_key(&mut self, client: &str, key: &str) -> Result<Option<Document>> {
        self.read.document_by_key(client, key)
    }
    fn credits_for(&mut self, client: &str, invoice: i64) -> Result<Vec<Document>> {
        self.read.credits_for(client, invoice)
    }
    fn overview(
        &mut self,
        client: &str,
        f: &crate::bindings::OverviewFilter,
    ) -> Result<Vec<crate::bindings::Summary>> {
        self.read.overview(client, f)
    }
    fn has_voucher(&mut self, document: i64) -> Result<bool> {
        if document >= 0 {
            return self.read.has_voucher(document);
        }
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        Ok(log
            .writes
            .iter()
            .any(|w| matches!(w, Write::Post { document: d, .. } if *d == document)))
    }
    fn post(&mut self, _: &str, document: i64, postings: &[Posting]) -> Result<()> {
        self.record(Write::Post {
            document,
            postings: postings.to_vec(),
        });
        Ok(())
    }
    fn enqueue(&mut self, _: &str, document: i64, q: &Queue) -> Result<i64> {
        self.record(Write::Enqueue {
            document,
            channel: q.channel,
            purpose: q.purpose,
            reason: q.reason.to_owned(),
            fallbacks: q.fallbacks.to_vec(),
        });
        Ok(-1)
    }
    fn deliveries(&mut self, document: i64) -> Result<Vec<Delivery>> {
        if document >= 0 {
            return self.read.deliveries(document);
        }
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        Ok(log
            .writes
            .iter()
            .filter_map(|w| match w {
                Write::Enqueue {
                    document: d,
                    channel,
                    reason,
                    ..
                } if *d == document => Some(Delivery {
                    id: "delivery-staged".into(),
                    channel: *channel,
                    reason: reason.clone(),
                    state: crate::bindings::DeliveryState::Queued,
                    attempts: 0,
                    updated_at: None,
                    detail: None,
                }),
                _ => None,
            })
            .collect())
    }
    fn recurring(&mut self) -> Result<&mut dyn Recurring> {
        Ok(self)
    }
    /// The snapshot's rates: reading them writes nothing.
    fn rates(&mut self) -> Result<&mut dyn Rates> {
        self.read.rates()
    }
}

impl Recurring for StagedUnit {
    fn insert_series(&mut self, _: &str, _: &SeriesIndex, _: &str) -> Result<i64> {
        not_staged("a new series")
    }
    fn series(&mut self, client: &str, id: i64) -> Result<Option<StoredSeries>> {
        self.read.recurring()?.series(client, id)
    }
    fn update_series(
        &mut self,
        _: &str,
        id: i64,
        expected: u64,
        index: &SeriesIndex,
        body: &str,
    ) -> Result<Saved> {
        self.record(Write::Series {
            id,
            expected,
            index: index.clone(),
            body: body.to_owned(),
        });
        Ok(Saved::Saved(expected + 1))
    }
    fn list_series(&mut self, client: &str, due_by: Option<&str>) -> Result<Vec<StoredSeries>> {
        self.read.recurring()?.list_series(client, due_by)
    }
}

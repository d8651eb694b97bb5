//! The distribution channels and the outbox dispatcher. The dispatcher runs apart from the
//! component's calls (after they return, or in a process of its own): it claims due deliveries
//! with a lease, hands each to its channel and records the outcome only if it still holds the
//! lease. Every receiver keys what it accepts by the delivery (store and id), so a delivery
//! handed over again after a crash is recognised as one it already has: exactly once per
//! channel, whichever process dies where. See docs/reliability.md.

pub mod avtalegiro;
pub mod email;
mod receivers;
pub mod webhooks;

pub use receivers::put;
use receivers::{cancel_claim, deliver};

use crate::bindings::NoticeKind;
use crate::bindings::{Channel, DeliveryFacts, DeliveryState, DocumentKind};
use crate::names::Name;
use crate::store::{Claimed, ClaimedNotice, Finish, Purpose, Queue, Store};
use anyhow::Result;

/// What the dispatcher knows of a document to deliver: the contract's typed delivery facts
/// and the files, never the component's body.
pub struct Parcel {
    /// The store the delivery comes from (`Store::id`): with `delivery`, what a receiver
    /// recognises a repeat by.
    pub store: String,
    pub delivery: i64,
    pub client: String,
    pub kind: DocumentKind,
    pub number: u64,
    pub facts: DeliveryFacts,
    pub ehf: Option<String>,
    pub pdf: Vec<u8>,
    /// A notice's letter about invoice `number`, not the invoice itself (contract 0.5.1).
    pub notice: Option<ClaimedNotice>,
}

impl Parcel {
    fn of(store: &str, c: &Claimed) -> Parcel {
        Parcel {
            store: store.to_owned(),
            delivery: c.id,
            client: c.document.client.clone(),
            kind: c.document.kind,
            number: c.document.number,
            facts: c.document.facts.clone(),
            ehf: c.ehf.clone(),
            pdf: c.pdf.clone(),
            notice: c.notice.clone(),
        }
    }

    /// `fjord-faktura-10001` / `fjord-kreditnota-10004`; a notice about invoice 10001:
    /// `fjord-purring-10001-1` / `fjord-inkassovarsel-10001-2` (its step).
    pub fn stem(&self) -> String {
        match &self.notice {
            Some(n) => {
                let what = match n.kind {
                    NoticeKind::Reminder => "purring",
                    NoticeKind::Inkassovarsel => "inkassovarsel",
                };
                format!("{}-{what}-{}-{}", self.client, self.number, n.step)
            }
            None => stem(&self.client, self.kind, self.number),
        }
    }
}

pub use invoicing_host::names::stem;

/// How a delivery attempt went wrong.
#[derive(Debug)]
pub enum Failure {
    /// Worth retrying later, with backoff.
    Transient(String),
    /// Refused for good: fall back to the next channel.
    Permanent(String),
}

impl<E: std::fmt::Display> From<E> for Failure {
    /// Local I/O trouble is transient: the channel did not refuse the document.
    fn from(e: E) -> Self {
        Failure::Transient(e.to_string())
    }
}

/// After this many transient failures a delivery counts as refused.
pub const MAX_ATTEMPTS: u32 = 5;

/// Backoff before retry number `attempts` (1 s, 4 s, 16 s, ... capped at an hour), counted
/// from the end of the attempt that failed.
pub fn backoff_ms(attempts: u32) -> i64 {
    (1000i64 << (2 * attempts.min(6))).min(3_600_000)
}

/// Where the channels put what they deliver, and the SMTP relay for e-mail (none: `.eml` files).
#[derive(Clone, Debug)]
pub struct Config {
    pub out: std::path::PathBuf,
    pub smtp: Option<String>,
    /// How long a claimed delivery stays this dispatcher's: longer than any one attempt takes
    /// (the SMTP timeouts), short enough that a crashed dispatcher's work is taken over soon.
    /// `INVOICING_LEASE_MS` sets it (default two minutes). A dispatcher renews its leases as it
    /// goes, and receivers take a delivery once even when a lease ran out mid-attempt.
    pub lease_ms: i64,
    /// The limit on every step of an SMTP conversation.
    pub smtp_timeout: std::time::Duration,
}

impl Config {
    pub fn new(out: impl Into<std::path::PathBuf>, smtp: Option<String>) -> Config {
        Config {
            out: out.into(),
            smtp,
            lease_ms: std::env::var("INVOICING_LEASE_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(120_000),
            smtp_timeout: std::time::Duration::from_secs(30),
        }
    }
}

pub use invoicing_host::fault::crash_point;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Deliver everything that is due now, as dispatcher `owner`. Returns how many deliveries were
/// sent. Deliveries leased by another dispatcher, or waiting for their backoff, are left.
pub fn dispatch_as(store: &dyn Store, cfg: &Config, owner: &str) -> Result<usize> {
    let mut sent = 0;
    loop {
        let now = now_ms();
        let claimed = crate::store::with_unit(store, |u| {
            u.dispatch()?.claim(owner, now, now + cfg.lease_ms, 64)
        })?;
        if claimed.is_empty() {
            return Ok(sent);
        }
        // Hand every parcel to its channel; AvtaleGiro claims are collected and written as one
        // transmission per client. A slow batch renews its leases before they run out, and a
        // parcel whose lease another dispatcher took over meanwhile is left to that one.
        let mut batch = avtalegiro::Batch::default();
        let mut outcomes: Vec<(Claimed, Result<String, Failure>)> =
            Vec::with_capacity(claimed.len());
        let mut pending: std::collections::VecDeque<Claimed> = claimed.into();
        let mut held_until = now + cfg.lease_ms;
        while let Some(c) = pending.pop_front() {
            let now = now_ms();
            if now > held_until - cfg.lease_ms / 2 {
                held_until = now + cfg.lease_ms;
                let ours: Vec<bool> = crate::store::with_unit(store, |u| {
                    std::iter::once(&c)
                        .chain(&pending)
                        .map(|c| u.dispatch()?.renew(owner, c.id, held_until))
                        .collect()
                })?;
                let mut ours = ours.into_iter();
                let first = ours.next().unwrap_or(false);
                pending.retain(|_| ours.next().unwrap_or(false));
                if !first {
                    continue;
                }
            }
            let parcel = Parcel::of(store.id(), &c);
            let outcome = match c.purpose {
                Purpose::Cancel => cancel_claim(&parcel, cfg),
                Purpose::Deliver => deliver(c.channel, &parcel, cfg, &mut batch),
            };
            outcomes.push((c, outcome));
        }
        match batch.flush(&cfg.out.join("avtalegiro"), store.id()) {
            Ok(done) => {
                for (delivery, detail) in done {
                    if let Some(o) = outcomes.iter_mut().find(|o| o.0.id == delivery) {
                        o.1 = Ok(detail);
                    }
                }
            }
            Err(e) => {
                for o in outcomes.iter_mut().filter(|o| {
                    o.0.channel == Channel::Avtalegiro
                        && o.0.purpose == Purpose::Deliver
                        && o.1.is_ok()
                }) {
                    o.1 = Err(Failure::Transient(format!(
                        "writing the AvtaleGiro transmission: {e:#}"
                    )));
                }
            }
        }
        crash_point("after-accept");
        for (c, outcome) in outcomes {
            sent += usize::from(record(store, owner, &c, &outcome)?);
        }
    }
}

/// Deliver what is due until nothing is left that can be sent now. The dispatcher of a
/// harness process: run after the component's calls return, never inside them.
pub fn dispatch(store: &dyn Store, cfg: &Config) -> Result<usize> {
    let owner = format!("pid-{}", std::process::id());
    let sent = dispatch_as(store, cfg, &owner)?;
    // The deliveries just recorded queued their events: the webhooks go after them.
    Ok(sent + webhooks::deliver(store, &owner, cfg.lease_ms)?)
}

/// The harness's channels are what its hosts deliver through (`Harness::dispatch`).
impl Config {
    /// As a host's `delivery`.
    pub fn boxed(self) -> Box<dyn crate::Deliver> {
        Box::new(self)
    }
}

impl crate::Deliver for Config {
    fn deliver(&self, store: &dyn Store) -> Result<()> {
        dispatch(store, self).map(|_| ())
    }
}

/// Dispatch until nothing is queued any more (deliveries waiting for a backoff or held by
/// another dispatcher are waited for), or until `limit` has passed. Returns how many this
/// process sent.
pub fn drain(store: &dyn Store, cfg: &Config, limit: std::time::Duration) -> Result<usize> {
    let until = std::time::Instant::now() + limit;
    let mut sent = 0;
    loop {
        sent += dispatch(store, cfg)?;
        let queued = crate::store::with_unit(store, |u| {
            let hooks = match u.api() {
                Some(api) => api.hooks_queued()?,
                None => 0,
            };
            Ok(u.dispatch()?.queued()? + hooks)
        })?;
        if queued == 0 || std::time::Instant::now() >= until {
            return Ok(sent);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Record an attempt's outcome, if this dispatcher still holds the delivery's lease (checked in
/// the store): refused for good, the next fallback is queued; a credit note that empties an
/// invoice the bank collects by AvtaleGiro queues the deletion request.
fn record(
    store: &dyn Store,
    owner: &str,
    c: &Claimed,
    outcome: &Result<String, Failure>,
) -> Result<bool> {
    let (state, detail) = match outcome {
        Ok(d) => (DeliveryState::Sent, d.clone()),
        Err(Failure::Transient(d)) if c.attempts + 1 < MAX_ATTEMPTS => {
            (DeliveryState::Queued, format!("transient, will retry: {d}"))
        }
        Err(Failure::Transient(d)) => (
            DeliveryState::Failed,
            format!("gave up after {MAX_ATTEMPTS} attempts: {d}"),
        ),
        Err(Failure::Permanent(d)) => (DeliveryState::Failed, format!("refused: {d}")),
    };
    let doc = &c.document;
    // The bank must not collect an invoice that is fully credited. Whichever of its claim and
    // its last credit note is recorded last queues the deletion (once).
    let invoice = match (doc.kind, c.channel, c.purpose) {
        (DocumentKind::CreditNote, _, _) => doc
            .facts
            .credited_invoice
            .as_deref()
            .and_then(|id| crate::ids::Id::Doc.row(id)),
        (DocumentKind::Invoice, Channel::Avtalegiro, Purpose::Deliver) => Some(doc.id),
        _ => None,
    };
    crate::store::with_unit(store, |u| {
        if let (DeliveryState::Sent, Some(invoice)) = (state, invoice) {
            // Both recordings that may queue the deletion take this lock first, so the one
            // that comes second sees what the first wrote.
            u.dispatch()?.lock_document(invoice)?;
        }
        let ended = now_ms();
        let finish = Finish {
            delivery: c.id,
            state,
            detail: &detail,
            ended,
            next_attempt_at: ended + backoff_ms(c.attempts),
        };
        if !u.dispatch()?.finish(owner, &finish)? {
            // The lease ran out and another dispatcher took the delivery over: its outcome counts.
            return Ok(false);
        }
        if doc.kind == DocumentKind::Invoice && c.purpose == Purpose::Deliver && c.notice.is_none()
        {
            invoicing_host::events::delivered(u, &doc.client, doc.id, c.channel, state, &detail)?;
        }
        if state == DeliveryState::Failed && c.purpose == Purpose::Deliver {
            if let Some((next, rest)) = c.fallbacks.split_first() {
                let reason = format!("fallback after {} failed: {detail}", c.channel.name());
                u.enqueue(
                    &doc.client,
                    doc.id,
                    &Queue {
                        channel: *next,
                        purpose: Purpose::Deliver,
                        reason: &reason,
                        fallbacks: rest,
                        notice: c.notice.as_ref().map(|n| n.id),
                    },
                )?;
            }
        }
        if let (DeliveryState::Sent, Some(invoice)) = (state, invoice) {
            if let Some(client) = u.dispatch()?.needs_cancel(invoice)? {
                u.enqueue(
                    &client,
                    invoice,
                    &Queue {
                        channel: Channel::Avtalegiro,
                        purpose: Purpose::Cancel,
                        reason: "the invoice is fully credited: delete the claim",
                        fallbacks: &[],
                        notice: None,
                    },
                )?;
            }
        }
        Ok(state == DeliveryState::Sent)
    })
}

//! The distribution channels and the outbox dispatcher. The dispatcher runs apart from the
//! component's calls (after they return, or in a process of its own): it claims due deliveries
//! with a lease, hands each to its channel and records the outcome only if it still holds the
//! lease. Every receiver keys what it accepts by the delivery (store and id), so a delivery
//! handed over again after a crash is recognised as one it already has: exactly once per
//! channel, whichever process dies where. See docs/reliability.md.

pub mod avtalegiro;
pub mod email;

use anyhow::Result;
use rusqlite::{params, Connection};

/// What the dispatcher knows of a document to deliver.
pub struct Parcel {
    /// The store the delivery comes from (`db::store_id`): with `delivery`, what a receiver
    /// recognises a repeat by.
    pub store: String,
    pub delivery: i64,
    pub client: String,
    pub kind: String,
    pub number: i64,
    pub body: serde_json::Value,
    pub ehf: Option<String>,
    pub pdf: Vec<u8>,
}

impl Parcel {
    /// `fjord-faktura-10001` / `fjord-kreditnota-10004`.
    pub fn stem(&self) -> String {
        format!(
            "{}-{}-{}",
            self.client,
            if self.kind == "invoice" {
                "faktura"
            } else {
                "kreditnota"
            },
            self.number
        )
    }
    pub fn str_at(&self, path: &[&str]) -> Option<String> {
        let mut v = &self.body;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str().map(str::to_owned)
    }
}

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
    /// `INVOICING_LEASE_MS` sets it (default two minutes).
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

/// Test hook: die here, at once, when `INVOICING_CRASH_AT` names this point.
pub fn crash_point(name: &str) {
    if std::env::var("INVOICING_CRASH_AT").is_ok_and(|p| p == name) {
        std::process::abort();
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A queued delivery this dispatcher holds the lease on.
struct Claimed {
    id: i64,
    document: i64,
    purpose: String,
    channel: String,
    fallbacks: String,
    attempts: u32,
    parcel: Parcel,
}

/// Take up to `n` due deliveries: one UPDATE, so two dispatchers never hold the same one.
fn claim(
    conn: &Connection,
    store: &str,
    owner: &str,
    cfg: &Config,
    n: i64,
) -> Result<Vec<Claimed>> {
    let now = now_ms();
    let ids: Vec<i64> = conn
        .prepare_cached(
            "UPDATE outbox SET lease_owner = ?1, lease_until = ?2
              WHERE id IN (SELECT id FROM outbox
                            WHERE state = 'queued' AND next_attempt_at <= ?3
                              AND (lease_until IS NULL OR lease_until < ?3)
                            ORDER BY id LIMIT ?4)
                AND state = 'queued'
             RETURNING id",
        )?
        .query_map(params![owner, now + cfg.lease_ms, now, n], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row = conn.query_row(
            "SELECT o.purpose, o.channel, o.fallbacks, o.attempts, o.client_id, d.kind, d.number, d.body, d.ehf, d.pdf, d.id
               FROM outbox o JOIN documents d ON d.id = o.document_id WHERE o.id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<Vec<u8>>>(9)?,
                    r.get::<_, i64>(10)?,
                ))
            },
        )?;
        let (purpose, channel, fallbacks, attempts, client, kind, number, body, ehf, pdf, document) =
            row;
        out.push(Claimed {
            id,
            document,
            purpose,
            channel,
            fallbacks,
            attempts,
            parcel: Parcel {
                store: store.to_owned(),
                delivery: id,
                client,
                kind,
                number,
                body: serde_json::from_str(&body)?,
                ehf,
                pdf: pdf.unwrap_or_default(),
            },
        });
    }
    Ok(out)
}

/// Deliver everything that is due now, as dispatcher `owner`. Returns how many deliveries were
/// sent. Deliveries leased by another dispatcher, or waiting for their backoff, are left.
pub fn dispatch_as(conn: &Connection, cfg: &Config, owner: &str) -> Result<usize> {
    let store = crate::db::store_id(conn)?;
    let mut sent = 0;
    loop {
        let claimed = claim(conn, &store, owner, cfg, 64)?;
        if claimed.is_empty() {
            return Ok(sent);
        }
        // Hand every parcel to its channel; AvtaleGiro claims are collected and written as one
        // transmission per client.
        let mut batch = avtalegiro::Batch::default();
        let mut outcomes: Vec<(Claimed, Result<String, Failure>)> =
            Vec::with_capacity(claimed.len());
        for c in claimed {
            let outcome = match c.purpose.as_str() {
                "cancel" => cancel_claim(&c.parcel, cfg),
                _ => deliver(&c.channel, &c.parcel, cfg, &mut batch),
            };
            outcomes.push((c, outcome));
        }
        match batch.flush(&cfg.out.join("avtalegiro"), &store) {
            Ok(done) => {
                for (delivery, detail) in done {
                    if let Some(o) = outcomes.iter_mut().find(|o| o.0.id == delivery) {
                        o.1 = Ok(detail);
                    }
                }
            }
            Err(e) => {
                for o in outcomes.iter_mut().filter(|o| {
                    o.0.channel == "avtalegiro" && o.0.purpose == "deliver" && o.1.is_ok()
                }) {
                    o.1 = Err(Failure::Transient(format!(
                        "writing the AvtaleGiro transmission: {e:#}"
                    )));
                }
            }
        }
        crash_point("after-accept");
        for (c, outcome) in outcomes {
            sent += usize::from(record(conn, owner, &c, &outcome)?);
        }
    }
}

/// Deliver what is due until nothing is left that can be sent now. The dispatcher of a
/// harness process: run after the component's calls return, never inside them.
pub fn dispatch(conn: &Connection, cfg: &Config) -> Result<usize> {
    dispatch_as(conn, cfg, &format!("pid-{}", std::process::id()))
}

/// Dispatch until nothing is queued any more (deliveries waiting for a backoff or held by
/// another dispatcher are waited for), or until `limit` has passed. Returns how many this
/// process sent.
pub fn drain(conn: &Connection, cfg: &Config, limit: std::time::Duration) -> Result<usize> {
    let until = std::time::Instant::now() + limit;
    let mut sent = 0;
    loop {
        sent += dispatch(conn, cfg)?;
        let queued: i64 = conn.query_row(
            "SELECT count(*) FROM outbox WHERE state = 'queued'",
            [],
            |r| r.get(0),
        )?;
        if queued == 0 || std::time::Instant::now() >= until {
            return Ok(sent);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Record an attempt's outcome, if this dispatcher still holds the delivery's lease (checked in
/// the UPDATE): refused for good, the next fallback is queued; a credit note that empties an
/// invoice the bank collects by AvtaleGiro queues the deletion request.
fn record(
    conn: &Connection,
    owner: &str,
    c: &Claimed,
    outcome: &Result<String, Failure>,
) -> Result<bool> {
    let now = crate::db::now();
    let (state, detail) = match outcome {
        Ok(d) => ("sent", d.clone()),
        Err(Failure::Transient(d)) if c.attempts + 1 < MAX_ATTEMPTS => {
            ("queued", format!("transient, will retry: {d}"))
        }
        Err(Failure::Transient(d)) => (
            "failed",
            format!("gave up after {MAX_ATTEMPTS} attempts: {d}"),
        ),
        Err(Failure::Permanent(d)) => ("failed", format!("refused: {d}")),
    };
    let tx = conn.unchecked_transaction()?;
    let changed = tx.execute(
        "UPDATE outbox SET state = ?2, attempts = attempts + 1, updated_at = ?3, detail = ?4,
                next_attempt_at = ?5, lease_owner = NULL, lease_until = NULL
          WHERE id = ?1 AND state = 'queued' AND lease_owner = ?6",
        params![
            c.id,
            state,
            now,
            detail,
            now_ms() + backoff_ms(c.attempts),
            owner
        ],
    )?;
    if changed == 0 {
        // The lease ran out and another dispatcher took the delivery over: its outcome counts.
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO delivery_attempts (outbox_id, at, outcome, detail) VALUES (?1, ?2, ?3, ?4)",
        params![c.id, now, state, detail],
    )?;
    if state == "failed" && c.purpose == "deliver" {
        let mut rest = c.fallbacks.split(',').filter(|f| !f.is_empty());
        if let Some(next) = rest.next() {
            tx.execute(
                "INSERT INTO outbox (client_id, document_id, channel, reason, fallbacks, updated_at)
                 SELECT client_id, document_id, ?2, ?3, ?4, ?5 FROM outbox WHERE id = ?1",
                params![c.id, next, format!("fallback after {} failed: {detail}", c.channel), rest.collect::<Vec<_>>().join(","), now],
            )?;
        }
    }
    // The bank must not collect an invoice that is fully credited. Whichever of its claim and
    // its last credit note is recorded last queues the deletion (once).
    let invoice = match (
        c.parcel.kind.as_str(),
        c.channel.as_str(),
        c.purpose.as_str(),
    ) {
        ("credit-note", _, _) => c
            .parcel
            .body
            .pointer("/credited/id")
            .and_then(|v| v.as_str())
            .and_then(|id| id.strip_prefix("doc-")?.parse::<i64>().ok()),
        ("invoice", "avtalegiro", "deliver") => Some(c.document),
        _ => None,
    };
    if let (true, Some(invoice)) = (state == "sent", invoice) {
        queue_avtalegiro_cancel(&tx, invoice, &now)?;
    }
    tx.commit()?;
    Ok(state == "sent")
}

/// An invoice that is fully credited and whose AvtaleGiro claim the bank holds gets a deletion
/// request: it joins the outbox in the recording transaction, and is delivered like any other.
fn queue_avtalegiro_cancel(tx: &Connection, invoice: i64, now: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO outbox (client_id, document_id, channel, purpose, reason, updated_at)
         SELECT d.client_id, d.id, 'avtalegiro', 'cancel', 'the invoice is fully credited: delete the claim', ?2
           FROM documents d JOIN credited c ON c.document_id = d.id
          WHERE d.id = ?1 AND c.ore >= d.payable_ore
            AND EXISTS (SELECT 1 FROM outbox o WHERE o.document_id = d.id AND o.channel = 'avtalegiro' AND o.purpose = 'deliver' AND o.state = 'sent')
            AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.document_id = d.id AND o.purpose = 'cancel')",
        params![invoice, now],
    )?;
    Ok(())
}

/// The bank's deletion request for an invoice's claim, written once (keyed, like every
/// delivery, by the store and the delivery id of the request).
fn cancel_claim(invoice: &Parcel, cfg: &Config) -> Result<String, Failure> {
    let dir = cfg.out.join("avtalegiro");
    std::fs::create_dir_all(&dir)?;
    if receipt_path(&dir, invoice).exists() {
        return Ok("the bank already holds the deletion request".into());
    }
    let path = dir.join(format!("{}.deletion.nets", invoice.stem()));
    let claim = avtalegiro::Claim::of(invoice).map_err(|e| Failure::Permanent(format!("{e:#}")))?;
    let file = avtalegiro::transmission(&[claim], avtalegiro::Request::Deletion)
        .map_err(|e| Failure::Permanent(format!("{e:#}")))?;
    put(&path, &file)?;
    let detail = format!(
        "deletion request {}",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    write_receipt(&dir, invoice, "avtalegiro", &detail)?;
    Ok(detail)
}

/// What a receiver keeps of a delivery it accepted, keyed by the store and delivery id.
fn receipt_path(dir: &std::path::Path, p: &Parcel) -> std::path::PathBuf {
    dir.join("receipts")
        .join(format!("{}-{}.json", p.store, p.delivery))
}

fn write_receipt(
    dir: &std::path::Path,
    p: &Parcel,
    channel: &str,
    detail: &str,
) -> std::io::Result<()> {
    let receipt = serde_json::json!({ "store": p.store, "delivery": p.delivery, "channel": channel, "document": p.stem(), "detail": detail });
    std::fs::create_dir_all(dir.join("receipts"))?;
    std::fs::write(receipt_path(dir, p), format!("{receipt:#}\n"))
}

/// Write a file whole (another name, then a rename): a receiver never holds half a document,
/// nor the bank half a transmission, even when the process dies in between.
pub fn put(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!(
        "{}.partial",
        path.extension().unwrap_or_default().to_string_lossy()
    ));
    std::fs::write(&tmp, bytes)?;
    crash_point("before-rename");
    std::fs::rename(tmp, path)
}

fn deliver(
    channel: &str,
    p: &Parcel,
    cfg: &Config,
    batch: &mut avtalegiro::Batch,
) -> Result<String, Failure> {
    let dir = cfg.out.join(channel);
    std::fs::create_dir_all(&dir)?;
    let stem = p.stem();
    // The receiver's own check: it accepted this very delivery already.
    if let Ok(old) = std::fs::read_to_string(receipt_path(&dir, p)) {
        let old: serde_json::Value = serde_json::from_str(&old).unwrap_or_default();
        return Ok(format!(
            "{channel}: delivery {} was already accepted ({}); repeat dropped",
            p.delivery,
            old["detail"].as_str().unwrap_or("")
        ));
    }
    let detail = match channel {
        "ehf" => {
            let xml = p.ehf.as_ref().ok_or_else(|| {
                Failure::Permanent(
                    "this document has no EHF form (the buyer has no Peppol address)".into(),
                )
            })?;
            put(&dir.join(format!("{stem}.xml")), xml.as_bytes())?;
            let orgnr = p.str_at(&["customer", "orgnr"]).unwrap_or_default();
            format!("access point accepted {stem}.xml for 0192:{orgnr}")
        }
        "efaktura" => {
            if p.kind != "invoice" {
                return Err(Failure::Permanent("eFaktura takes invoices only".into()));
            }
            // One consignment per invoice: the service answers a consignment it holds as
            // accepted, so a resend or a repeat after a crash is success, never a fallback.
            let id = format!("{}-{}", p.client, p.number);
            let consignment = dir.join(format!("{stem}.json"));
            let held = std::fs::read_to_string(&consignment)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .is_some_and(|c| c["store"] == p.store.as_str());
            if held {
                format!("eFaktura already holds consignment {id}")
            } else {
                put(&dir.join(format!("{stem}.pdf")), &p.pdf)?;
                let body = serde_json::json!({
                    "consignment-id": id,
                    "store": p.store,
                    "recipient": p.str_at(&["customer", "name"]),
                    "kid": p.str_at(&["kid"]), "due-date": p.str_at(&["due_date"]),
                    "amount": p.body.pointer("/voucher/postings/0/debit"), "pdf": format!("{stem}.pdf"),
                });
                put(
                    &consignment,
                    serde_json::to_string_pretty(&body)?.as_bytes(),
                )?;
                "eFaktura consignment accepted".into()
            }
        }
        "avtalegiro" => {
            let claim =
                avtalegiro::Claim::of(p).map_err(|e| Failure::Permanent(format!("{e:#}")))?;
            batch.add(&p.client, claim);
            // The batch is written after every parcel is handed over; its outcome replaces this.
            return Ok("AvtaleGiro claim accepted into the transmission".into());
        }
        "email" => email::send(p, &dir, cfg)?,
        "print" => {
            let a = &p.body["customer"]["address"];
            let lines = [
                p.str_at(&["customer", "name"]),
                a["street"].as_str().map(Into::into),
                Some(format!(
                    "{} {}",
                    a["postcode"].as_str().unwrap_or(""),
                    a["city"].as_str().unwrap_or("")
                )),
                a["country"].as_str().map(Into::into),
            ];
            put(&dir.join(format!("{stem}.pdf")), &p.pdf)?;
            put(
                &dir.join(format!("{stem}.address.txt")),
                (lines.into_iter().flatten().collect::<Vec<_>>().join("\n") + "\n").as_bytes(),
            )?;
            "queued for print and post (AutoPost)".into()
        }
        other => return Err(Failure::Permanent(format!("unknown channel {other}"))),
    };
    crash_point("before-receipt");
    write_receipt(&dir, p, channel, &detail)?;
    Ok(detail)
}

//! The distribution channels and the outbox dispatcher. After a commit, every queued delivery is
//! handed to its channel; each attempt is recorded. A channel keys what it accepts by the
//! delivery id, so a repeat (after a crash between "sent" and "recorded") is dropped, not sent
//! twice.

pub mod avtalegiro;
pub mod email;

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

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

/// Backoff before retry number `attempts` (1 s, 4 s, 16 s, ... capped at an hour).
pub fn backoff_ms(attempts: u32) -> i64 {
    (1000i64 << (2 * attempts.min(6))).min(3_600_000)
}

/// Where the channels put what they deliver, and the SMTP relay for e-mail (none: `.eml` files).
#[derive(Clone, Debug)]
pub struct Config {
    pub out: std::path::PathBuf,
    pub smtp: Option<String>,
}

type Queued = (
    i64,
    String,
    String,
    String,
    u32,
    String,
    i64,
    String,
    Option<String>,
    Option<Vec<u8>>,
);

/// Deliver everything that is due. Returns how many deliveries were sent.
pub fn dispatch(conn: &Connection, cfg: &Config) -> Result<usize> {
    let mut sent = 0;
    loop {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let due: Vec<Queued> = conn
            .prepare(
                "SELECT o.id, o.client_id, o.channel, o.fallbacks, o.attempts, d.kind, d.number, d.body, d.ehf, d.pdf
                   FROM outbox o JOIN documents d ON d.id = o.document_id
                  WHERE o.state = 'queued' AND o.next_attempt_at <= ?1 ORDER BY o.id",
            )?
            .query_map([now_ms], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if due.is_empty() {
            return Ok(sent);
        }
        // Phase 1: hand every parcel to its channel (AvtaleGiro claims are collected and
        // written as one transmission per client). Phase 2: record the outcomes. A crash between
        // the two leaves the receipts, so the next run drops the repeats.
        let mut batch = avtalegiro::Batch::default();
        let mut handed = Vec::with_capacity(due.len());
        let store = crate::db::store_id(conn)?;
        for (delivery, client, channel, fallbacks, attempts, kind, number, body, ehf, pdf) in due {
            let parcel = Parcel {
                store: store.clone(),
                delivery,
                client,
                kind,
                number,
                body: serde_json::from_str(&body)?,
                ehf,
                pdf: pdf.unwrap_or_default(),
            };
            let outcome = deliver(&channel, &parcel, cfg, &mut batch);
            handed.push((parcel, channel, fallbacks, attempts, outcome));
        }
        if let Err(e) = batch.flush(&cfg.out.join("avtalegiro")) {
            for h in handed
                .iter_mut()
                .filter(|h| h.1 == "avtalegiro" && h.4.is_ok())
            {
                h.4 = Err(Failure::Transient(format!(
                    "writing the AvtaleGiro transmission: {e:#}"
                )));
            }
        }
        // Fault injection for the crash test: die after the channels accepted, before the
        // outcomes are recorded.
        if handed.iter().any(|h| h.4.is_ok())
            && std::env::var_os("INVOICING_CRASH_AFTER_ACCEPT").is_some()
        {
            std::process::abort();
        }
        for (parcel, channel, fallbacks, attempts, outcome) in handed {
            let delivery = parcel.delivery;
            let now = crate::db::now();
            let (state, detail) = match &outcome {
                Ok(d) => ("sent", d.clone()),
                Err(Failure::Transient(d)) if attempts + 1 < MAX_ATTEMPTS => {
                    ("queued", format!("transient, will retry: {d}"))
                }
                Err(Failure::Transient(d)) => (
                    "failed",
                    format!("gave up after {MAX_ATTEMPTS} attempts: {d}"),
                ),
                Err(Failure::Permanent(d)) => ("failed", format!("refused: {d}")),
            };
            let tx = conn.unchecked_transaction()?;
            tx.execute("INSERT INTO delivery_attempts (outbox_id, at, outcome, detail) VALUES (?1, ?2, ?3, ?4)", params![delivery, now, state, detail])?;
            tx.execute(
                "UPDATE outbox SET state = ?2, attempts = attempts + 1, updated_at = ?3, detail = ?4, next_attempt_at = ?5 WHERE id = ?1",
                params![delivery, state, now, detail, now_ms + backoff_ms(attempts)],
            )?;
            // Refused for good: the next channel that could take it gets it.
            if state == "failed" {
                let mut rest = fallbacks.split(',').filter(|c| !c.is_empty());
                if let Some(next) = rest.next() {
                    tx.execute(
                        "INSERT INTO outbox (client_id, document_id, channel, reason, fallbacks, updated_at)
                         SELECT client_id, document_id, ?2, ?3, ?4, ?5 FROM outbox WHERE id = ?1",
                        params![delivery, next, format!("fallback after {channel} failed: {detail}"), rest.collect::<Vec<_>>().join(","), now],
                    )?;
                }
            }
            tx.commit()?;
            if outcome.is_ok() && parcel.kind == "credit-note" {
                cancel_avtalegiro_claim(conn, &parcel, cfg)?;
            }
            sent += usize::from(outcome.is_ok());
        }
    }
}

/// A credit note that credits all of an invoice claimed by AvtaleGiro cancels the claim: the
/// bank gets a deletion request (written once, beside the claim).
fn cancel_avtalegiro_claim(conn: &Connection, credit_note: &Parcel, cfg: &Config) -> Result<()> {
    let Some(invoice) = credit_note
        .body
        .pointer("/credited/id")
        .and_then(|v| v.as_str())
        .and_then(|id| id.strip_prefix("doc-")?.parse::<i64>().ok())
    else {
        return Ok(());
    };
    let claimed: Option<(i64, String, i64, String)> = conn
        .query_row(
            "SELECT o.id, d.client_id, d.number, d.body FROM documents d JOIN outbox o ON o.document_id = d.id
              JOIN credited c ON c.document_id = d.id
             WHERE d.id = ?1 AND o.channel = 'avtalegiro' AND o.state = 'sent' AND c.ore >= d.payable_ore",
            [invoice],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((delivery, client, number, body)) = claimed else {
        return Ok(());
    };
    let p = Parcel {
        store: crate::db::store_id(conn)?,
        delivery,
        client,
        kind: "invoice".into(),
        number,
        body: serde_json::from_str(&body)?,
        ehf: None,
        pdf: Vec::new(),
    };
    let path = cfg
        .out
        .join("avtalegiro")
        .join(format!("{}.deletion.nets", p.stem()));
    if !path.exists() {
        std::fs::create_dir_all(cfg.out.join("avtalegiro"))?;
        std::fs::write(
            path,
            avtalegiro::transmission(&[avtalegiro::Claim::of(&p)?], avtalegiro::Request::Deletion)?,
        )?;
    }
    Ok(())
}

/// What a channel keeps of a delivery it accepted: its id, so a repeat is recognised.
fn write_receipt(
    dir: &std::path::Path,
    stem: &str,
    store: &str,
    delivery: i64,
    channel: &str,
    detail: &str,
) -> std::io::Result<()> {
    let receipt = serde_json::json!({ "store": store, "delivery": delivery, "channel": channel, "detail": detail });
    std::fs::write(
        dir.join(format!("{stem}.receipt.json")),
        format!("{receipt:#}\n"),
    )
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
    // The channel's own duplicate check: one receipt per delivery id.
    let receipt = dir.join(format!("{stem}.receipt.json"));
    if let Ok(old) = std::fs::read_to_string(&receipt) {
        let old: serde_json::Value = serde_json::from_str(&old).unwrap_or_default();
        if old["delivery"] == p.delivery && old["store"] == p.store.as_str() {
            return Ok(format!(
                "{channel}: delivery {} was already accepted; repeat dropped",
                p.delivery
            ));
        }
    }
    let detail = match channel {
        "ehf" => {
            let xml = p.ehf.as_ref().ok_or_else(|| {
                Failure::Permanent(
                    "this document has no EHF form (the buyer has no Peppol address)".into(),
                )
            })?;
            std::fs::write(dir.join(format!("{stem}.xml")), xml)?;
            let orgnr = p.str_at(&["customer", "orgnr"]).unwrap_or_default();
            format!("access point accepted {stem}.xml for 0192:{orgnr}")
        }
        "efaktura" => {
            if p.kind != "invoice" {
                return Err(Failure::Permanent("eFaktura takes invoices only".into()));
            }
            // One consignment per invoice: the service refuses the same consignment id twice
            // (a resend of an invoice it already holds), like the real one.
            let id = format!("{}-{}", p.client, p.number);
            let consignment = dir.join(format!("{stem}.json"));
            if consignment.exists() {
                return Err(Failure::Permanent(format!(
                    "eFaktura: duplicate consignment {id}"
                )));
            }
            std::fs::write(dir.join(format!("{stem}.pdf")), &p.pdf)?;
            let body = serde_json::json!({
                "consignment-id": id,
                "kid": p.str_at(&["kid"]), "due-date": p.str_at(&["due_date"]),
                "amount": p.body.pointer("/voucher/postings/0/debit"), "pdf": format!("{stem}.pdf"),
            });
            std::fs::write(consignment, serde_json::to_string_pretty(&body)?)?;
            "eFaktura consignment accepted".into()
        }
        "avtalegiro" => {
            let claim =
                avtalegiro::Claim::of(p).map_err(|e| Failure::Permanent(format!("{e:#}")))?;
            batch.add(&p.client, claim);
            // The receipt is written when the batch is, so return before the common one.
            return Ok("AvtaleGiro claim accepted into the transmission".into());
        }
        "email" => email::send(p, &dir, cfg.smtp.as_deref())?,
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
            std::fs::write(dir.join(format!("{stem}.pdf")), &p.pdf)?;
            std::fs::write(
                dir.join(format!("{stem}.address.txt")),
                lines.into_iter().flatten().collect::<Vec<_>>().join("\n") + "\n",
            )?;
            "queued for print and post (AutoPost)".into()
        }
        other => return Err(Failure::Permanent(format!("unknown channel {other}"))),
    };
    write_receipt(&dir, &stem, &p.store, p.delivery, channel, &detail)?;
    Ok(detail)
}

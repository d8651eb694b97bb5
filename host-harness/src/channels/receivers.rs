//! The receivers the channels hand deliveries to: the Peppol access point, eFaktura, the
//! AvtaleGiro bank, the mail relay and the print service, each simulated by the files it
//! keeps. Every receiver keys what it accepts by (store, delivery) and writes files whole, so a
//! delivery handed over again after a crash is recognised, never taken twice. A receiver takes
//! one delivery at a time (a lock per delivery, per bank intake), so two dispatchers that both
//! hold it (one whose lease ran out mid-attempt) hand it over once: the second finds the first's
//! receipt. A receipt, once there, proves the receiver took the document: whatever fails after
//! that is never a reason to send it again, nor by another channel.

use super::{avtalegiro, crash_point, email, Config, Failure, Parcel};
use crate::bindings::{Channel, DocumentKind};
use crate::names::Name;
use serde::{Deserialize, Serialize};

/// The bank's deletion request for an invoice's claim, written once (keyed, like every
/// delivery, by the store and the delivery id of the request).
pub(super) fn cancel_claim(invoice: &Parcel, cfg: &Config) -> Result<String, Failure> {
    let dir = cfg.out.join("avtalegiro");
    let _one_at_a_time = hold(&dir, invoice)?;
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
    Ok(write_receipt(&dir, invoice, "avtalegiro", detail))
}

/// Take the receiver's lock on one delivery until the guard drops (the OS lets go of it when
/// the process dies, so a killed dispatcher never blocks the next).
fn hold(dir: &std::path::Path, p: &Parcel) -> std::io::Result<std::fs::File> {
    let locks = dir.join("receipts");
    std::fs::create_dir_all(&locks)?;
    let f = std::fs::File::create(locks.join(format!("{}-{}.lock", p.store, p.delivery)))?;
    f.lock()?;
    Ok(f)
}

/// What a receiver keeps of a delivery it accepted, keyed by the store and delivery id.
fn receipt_path(dir: &std::path::Path, p: &Parcel) -> std::path::PathBuf {
    dir.join("receipts")
        .join(format!("{}-{}.json", p.store, p.delivery))
}

/// A receiver's record of a delivery it accepted.
#[derive(Serialize, Deserialize)]
struct Receipt {
    store: String,
    delivery: i64,
    channel: String,
    document: String,
    detail: String,
}

/// Write the receipt whole, after the receiver took the document. The document is there
/// whatever happens to the receipt, so a failure here is reported in the detail and never as a
/// failed delivery: another attempt, or another channel, would send the document twice.
fn write_receipt(dir: &std::path::Path, p: &Parcel, channel: &str, detail: String) -> String {
    let receipt = Receipt {
        store: p.store.clone(),
        delivery: p.delivery,
        channel: channel.into(),
        document: p.stem(),
        detail: detail.clone(),
    };
    let written = serde_json::to_string_pretty(&receipt)
        .map_err(std::io::Error::other)
        .and_then(|json| put(&receipt_path(dir, p), (json + "\n").as_bytes()));
    match written {
        Ok(()) => detail,
        Err(e) => format!("{detail} (the receipt could not be written: {e})"),
    }
}

/// What eFaktura holds of an invoice: one consignment, keyed by the sending store.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Consignment {
    consignment_id: String,
    store: String,
    recipient: String,
    kid: Option<String>,
    due_date: String,
    amount: String,
    pdf: String,
}

/// Write a file whole (another name, then a rename): a receiver never holds half a document,
/// nor the bank half a transmission, even when the process dies in between. The other name is
/// the writer's own (process and a counter), so two writers of one file never mix their bytes.
pub fn put(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}-{n}.partial", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&tmp, bytes)?;
    crash_point("before-rename");
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

pub(super) fn deliver(
    channel: Channel,
    p: &Parcel,
    cfg: &Config,
    batch: &mut avtalegiro::Batch,
) -> Result<String, Failure> {
    let f = &p.facts;
    let dir = cfg.out.join(channel.name());
    let _one_at_a_time = hold(&dir, p)?;
    let stem = p.stem();
    // The receiver's own check: it accepted this very delivery already. The receipt's being
    // there is the proof; what it says is only the detail.
    if let Ok(old) = std::fs::read_to_string(receipt_path(&dir, p)) {
        let detail = serde_json::from_str::<Receipt>(&old)
            .map(|r| r.detail)
            .unwrap_or_else(|_| "its receipt is unreadable".into());
        return Ok(format!(
            "{}: delivery {} was already accepted ({detail}); repeat dropped",
            channel.name(),
            p.delivery,
        ));
    }
    let detail = match channel {
        Channel::Ehf => {
            let xml = p.ehf.as_ref().ok_or_else(|| {
                Failure::Permanent(
                    "this document has no EHF form (the buyer has no Peppol address)".into(),
                )
            })?;
            put(&dir.join(format!("{stem}.xml")), xml.as_bytes())?;
            let orgnr = f.organisation_number.as_deref().unwrap_or_default();
            format!("access point accepted {stem}.xml for 0192:{orgnr}")
        }
        Channel::Efaktura => {
            if p.kind != DocumentKind::Invoice {
                return Err(Failure::Permanent("eFaktura takes invoices only".into()));
            }
            // One consignment per invoice: the service answers a consignment it holds as
            // accepted, so a resend or a repeat after a crash is success, never a fallback.
            let id = format!("{}-{}", p.client, p.number);
            let consignment = dir.join(format!("{stem}.json"));
            let held = std::fs::read_to_string(&consignment)
                .ok()
                .and_then(|t| serde_json::from_str::<Consignment>(&t).ok())
                .is_some_and(|c| c.store == p.store);
            if held {
                format!("eFaktura already holds consignment {id}")
            } else {
                put(&dir.join(format!("{stem}.pdf")), &p.pdf)?;
                let c = Consignment {
                    consignment_id: id,
                    store: p.store.clone(),
                    recipient: f.recipient_name.clone(),
                    kid: f.kid.clone(),
                    due_date: f.due_date.clone(),
                    amount: f.payable.clone(),
                    pdf: format!("{stem}.pdf"),
                };
                put(&consignment, serde_json::to_string_pretty(&c)?.as_bytes())?;
                "eFaktura consignment accepted".into()
            }
        }
        Channel::Avtalegiro => {
            let claim =
                avtalegiro::Claim::of(p).map_err(|e| Failure::Permanent(format!("{e:#}")))?;
            batch.add(&p.client, claim);
            // The batch is written after every parcel is handed over; its outcome replaces this.
            return Ok("AvtaleGiro claim accepted into the transmission".into());
        }
        Channel::Email => email::send(p, &dir, cfg)?,
        Channel::Print => {
            let a = &f.address;
            let lines = [
                Some(f.recipient_name.clone()),
                a.street.clone(),
                Some(format!(
                    "{} {}",
                    a.postcode.as_deref().unwrap_or(""),
                    a.city.as_deref().unwrap_or("")
                )),
                a.country.clone(),
            ];
            put(&dir.join(format!("{stem}.pdf")), &p.pdf)?;
            put(
                &dir.join(format!("{stem}.address.txt")),
                (lines.into_iter().flatten().collect::<Vec<_>>().join("\n") + "\n").as_bytes(),
            )?;
            "queued for print and post (AutoPost)".into()
        }
    };
    crash_point("before-receipt");
    Ok(write_receipt(&dir, p, channel.name(), detail))
}

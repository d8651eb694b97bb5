//! The distribution channels and the outbox dispatcher. After a commit, every queued delivery is
//! handed to its channel; each attempt is recorded. A channel keys what it accepts by the
//! delivery id, so a repeat (after a crash between "sent" and "recorded") is dropped, not sent
//! twice.

pub mod avtalegiro;
pub mod email;
pub mod smtp;

use anyhow::{Context, Result};
use rusqlite::{params, Connection};
use std::path::Path;

/// What the dispatcher knows of a document to deliver.
pub struct Parcel {
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
    fn str_at(&self, path: &[&str]) -> Option<String> {
        let mut v = &self.body;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str().map(str::to_owned)
    }
}

/// Deliver everything queued. Returns how many deliveries were sent.
pub fn dispatch(conn: &Connection, out: &Path) -> Result<usize> {
    let queued: Vec<(i64, String, String, String, i64, String, Option<String>, Option<Vec<u8>>)> = conn
        .prepare("SELECT o.id, o.client_id, o.channel, d.kind, d.number, d.body, d.ehf, d.pdf FROM outbox o JOIN documents d ON d.id = o.document_id WHERE o.state = 'queued' ORDER BY o.id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut sent = 0;
    for (delivery, client, channel, kind, number, body, ehf, pdf) in queued {
        let parcel = Parcel {
            delivery,
            client,
            kind,
            number,
            body: serde_json::from_str(&body)?,
            ehf,
            pdf: pdf.unwrap_or_default(),
        };
        let outcome = deliver(&channel, &parcel, &out.join(&channel));
        let (state, detail) = match &outcome {
            Ok(d) => ("sent", d.clone()),
            Err(e) => ("failed", format!("{e:#}")),
        };
        let now = crate::db::now();
        conn.execute("INSERT INTO delivery_attempts (outbox_id, at, outcome, detail) VALUES (?1, ?2, ?3, ?4)", params![delivery, now, state, detail])?;
        conn.execute("UPDATE outbox SET state = ?2, attempts = attempts + 1, updated_at = ?3, detail = ?4 WHERE id = ?1", params![delivery, state, now, detail])?;
        sent += usize::from(outcome.is_ok());
    }
    Ok(sent)
}

fn deliver(channel: &str, p: &Parcel, dir: &Path) -> Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let stem = p.stem();
    // The channel's own duplicate check: one receipt per delivery id.
    let receipt = dir.join(format!("{stem}.receipt.json"));
    if let Ok(old) = std::fs::read_to_string(&receipt) {
        if old.contains(&format!("\"delivery\": {}", p.delivery)) {
            return Ok(format!(
                "{channel}: delivery {} was already accepted; repeat dropped",
                p.delivery
            ));
        }
    }
    let detail = match channel {
        "ehf" => {
            let xml = p
                .ehf
                .as_ref()
                .context("this document has no EHF form (the buyer has no electronic address)")?;
            std::fs::write(dir.join(format!("{stem}.xml")), xml)?;
            let orgnr = p.str_at(&["customer", "orgnr"]).unwrap_or_default();
            format!("access point accepted {stem}.xml for 0192:{orgnr}")
        }
        "efaktura" => {
            anyhow::ensure!(p.kind == "invoice", "eFaktura takes invoices only");
            std::fs::write(dir.join(format!("{stem}.pdf")), &p.pdf)?;
            let consignment = serde_json::json!({
                "consignment-id": format!("{}-{}", p.client, p.delivery),
                "kid": p.str_at(&["kid"]), "due-date": p.str_at(&["due_date"]),
                "amount": p.body.pointer("/voucher/postings/0/debit"), "pdf": format!("{stem}.pdf"),
            });
            std::fs::write(
                dir.join(format!("{stem}.json")),
                serde_json::to_string_pretty(&consignment)?,
            )?;
            "eFaktura consignment accepted".into()
        }
        "avtalegiro" => {
            let file = avtalegiro::claim_file(p)?;
            std::fs::write(dir.join(format!("{stem}.nets")), file)?;
            "AvtaleGiro claim written".into()
        }
        "email" => email::send(p, dir)?,
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
        other => anyhow::bail!("unknown channel {other}"),
    };
    std::fs::write(
        &receipt,
        format!(
            "{{\n  \"delivery\": {},\n  \"channel\": \"{channel}\",\n  \"detail\": {}\n}}\n",
            p.delivery,
            serde_json::Value::String(detail.clone())
        ),
    )?;
    Ok(detail)
}

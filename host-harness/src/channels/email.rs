//! E-mail: a MIME message built by `lettre` (headers encoded per RFC 2047 word by word,
//! attachments with their names), with the PDF attached and the EHF XML for customers who ask.
//! It goes through the SMTP relay when one is configured, and is kept as an `.eml` file either way.

use super::{Failure, Parcel};
use anyhow::{Context, Result};
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Message, SmtpTransport, Transport};
use std::path::Path;
use std::time::Duration;

/// The address invoices are sent from; the seller's name is its display name.
const FROM: &str = "faktura@invoicing.invalid";

/// How long any one step of an SMTP conversation may take before it counts as a failure.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

pub fn message(p: &Parcel) -> Result<Message> {
    let to = p.str_at(&["customer", "email"]).unwrap_or_default();
    let customer = p.str_at(&["customer", "name"]).unwrap_or_default();
    let seller = p.str_at(&["seller", "name"]).unwrap_or_default();
    let lang = p
        .str_at(&["customer", "language"])
        .or_else(|| p.str_at(&["seller", "language"]))
        .unwrap_or_else(|| "nb".into());
    let invoice = p.kind == "invoice";
    let kid = p.str_at(&["kid"]).unwrap_or_default();
    let due = p.str_at(&["due_date"]).unwrap_or_default();
    let (subject, body) = match (lang.as_str(), invoice) {
        ("en", true) => (
            format!("Invoice {} from {seller}", p.number),
            format!(
                "Please find invoice {} attached.\n\nKID: {kid}\nDue date: {due}\n",
                p.number
            ),
        ),
        ("en", false) => (
            format!("Credit note {} from {seller}", p.number),
            format!("Please find credit note {} attached.\n", p.number),
        ),
        (_, true) => (
            format!("Faktura {} fra {seller}", p.number),
            format!(
                "Vedlagt følger faktura {}.\n\nKID: {kid}\nForfallsdato: {due}\n",
                p.number
            ),
        ),
        (_, false) => (
            format!("Kreditnota {} fra {seller}", p.number),
            format!("Vedlagt følger kreditnota {}.\n", p.number),
        ),
    };
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(body)).singlepart(
        Attachment::new(format!("{}.pdf", p.stem()))
            .body(p.pdf.clone(), ContentType::parse("application/pdf")?),
    );
    let wants_ehf = p
        .body
        .pointer("/customer/attach_ehf")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if let (true, Some(xml)) = (wants_ehf, &p.ehf) {
        parts = parts.singlepart(
            Attachment::new(format!("{}.xml", p.stem()))
                .body(xml.clone(), ContentType::parse("application/xml")?),
        );
    }
    let display = |name: &str| Some(name.to_owned()).filter(|n| !n.trim().is_empty());
    Message::builder()
        .from(Mailbox::new(display(&seller), FROM.parse()?))
        .to(Mailbox::new(
            display(&customer),
            to.parse().with_context(|| format!("'{to}' is not an e-mail address"))?,
        ))
        .subject(subject)
        // The delivery's own id: a receiver (or our sent-log) recognises a repeat by it.
        .message_id(Some(format!(
            "<delivery-{}.{}.{}@invoicing.invalid>",
            p.delivery, p.client, p.store
        )))
        .multipart(parts)
        .context("building the e-mail")
}

/// Send through the SMTP relay when one is configured; keep a copy as `.eml` either way.
pub fn send(p: &Parcel, dir: &Path, smtp: Option<&str>) -> Result<String, Failure> {
    let m = message(p).map_err(|e| Failure::Permanent(format!("{e:#}")))?;
    std::fs::write(dir.join(format!("{}.eml", p.stem())), m.formatted())?;
    let to = p.str_at(&["customer", "email"]).unwrap_or_default();
    let Some(server) = smtp else {
        return Ok(format!("e-mail written for {to}"));
    };
    let (host, port) = server
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
        .ok_or_else(|| Failure::Permanent(format!("SMTP relay '{server}' is not HOST:PORT")))?;
    // A relay on loopback or inside the ERP's network, without TLS, as the harness runs it.
    let relay = SmtpTransport::builder_dangerous(host)
        .port(port)
        .timeout(Some(SMTP_TIMEOUT))
        .build();
    match relay.send(&m) {
        Ok(_) => Ok(format!("e-mail to {to} accepted by {server}")),
        Err(e) if e.is_permanent() => Err(Failure::Permanent(format!("{server}: {e}"))),
        Err(e) => Err(Failure::Transient(format!("{server}: {e}"))),
    }
}

//! E-mail: a MIME message built by `lettre` (headers encoded per RFC 2047 word by word,
//! attachments with their names), with the PDF attached and the EHF XML for customers who ask.
//! It goes through the SMTP relay when one is configured, and is kept as an `.eml` file either way.

use super::{Failure, Parcel};
use crate::bindings::{DocumentKind, Language, NoticeKind};
use anyhow::{Context, Result};
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Message, SmtpTransport, Transport};
use std::path::Path;

/// The address invoices are sent from; the seller's name is its display name.
const FROM: &str = "faktura@invoicing.invalid";

pub fn message(p: &Parcel) -> Result<Message> {
    let f = &p.facts;
    let to = f
        .email
        .as_deref()
        .context("the customer has no e-mail address")?;
    let (customer, seller) = (&f.recipient_name, &f.seller_name);
    let invoice = p.kind == DocumentKind::Invoice;
    let kid = f.kid.as_deref().unwrap_or_default();
    let due = &f.due_date;
    let total = &f.payable;
    let n = p.number;
    let (subject, body) = match (&p.notice, f.language, invoice) {
        (Some(notice), language, _) => {
            let varsel = notice.kind == NoticeKind::Inkassovarsel;
            match (language, varsel) {
                (Language::En, false) => (
                    format!("Payment reminder: invoice {n} from {seller}"),
                    format!("Invoice {n} is overdue. Please find the reminder attached.\n\nAmount to pay: {total}\nKID: {kid}\nDeadline: {due}\n"),
                ),
                (Language::En, true) => (
                    format!("Debt collection notice: invoice {n} from {seller}"),
                    format!("Invoice {n} is overdue. If it is not paid by {due}, the claim will be sent to debt collection. The notice is attached.\n\nAmount to pay: {total}\nKID: {kid}\n"),
                ),
                (Language::Nb, false) => (
                    format!("Purring: faktura {n} fra {seller}"),
                    format!("Faktura {n} er forfalt. Vedlagt følger en purring.\n\nÅ betale: {total}\nKID: {kid}\nBetalingsfrist: {due}\n"),
                ),
                (Language::Nb, true) => (
                    format!("Inkassovarsel: faktura {n} fra {seller}"),
                    format!("Faktura {n} er forfalt. Dersom beløpet ikke er betalt innen {due}, vil kravet bli sendt til inkasso. Inkassovarselet er vedlagt.\n\nÅ betale: {total}\nKID: {kid}\n"),
                ),
            }
        }
        (None, language, invoice) => match (language, invoice) {
            (Language::En, true) => (
                format!("Invoice {} from {seller}", p.number),
                format!(
                    "Please find invoice {} attached.\n\nKID: {kid}\nDue date: {due}\n",
                    p.number
                ),
            ),
            (Language::En, false) => (
                format!("Credit note {} from {seller}", p.number),
                format!("Please find credit note {} attached.\n", p.number),
            ),
            (Language::Nb, true) => (
                format!("Faktura {} fra {seller}", p.number),
                format!(
                    "Vedlagt følger faktura {}.\n\nKID: {kid}\nForfallsdato: {due}\n",
                    p.number
                ),
            ),
            (Language::Nb, false) => (
                format!("Kreditnota {} fra {seller}", p.number),
                format!("Vedlagt følger kreditnota {}.\n", p.number),
            ),
        },
    };
    let mut parts = MultiPart::mixed()
        .singlepart(SinglePart::plain(body))
        .singlepart(
            Attachment::new(format!("{}.pdf", p.stem()))
                .body(p.pdf.clone(), ContentType::parse("application/pdf")?),
        );
    if let (true, Some(xml)) = (f.attach_ehf, &p.ehf) {
        parts = parts.singlepart(
            Attachment::new(format!("{}.xml", p.stem()))
                .body(xml.clone(), ContentType::parse("application/xml")?),
        );
    }
    let display = |name: &String| Some(name.clone()).filter(|n| !n.trim().is_empty());
    Message::builder()
        .from(Mailbox::new(display(seller), FROM.parse()?))
        .to(Mailbox::new(
            display(customer),
            to.parse()
                .with_context(|| format!("'{to}' is not an e-mail address"))?,
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

/// Send through the SMTP relay when one is configured; keep a copy as `.eml` either way. The
/// sent-log (`sent/<store>-<delivery>`) is checked before sending and written once the relay
/// accepted: a delivery handed over again is not sent again, and if a crash falls between the
/// relay's acceptance and the log, the repeat carries the same Message-ID for the receiver to
/// drop.
pub fn send(p: &Parcel, dir: &Path, cfg: &super::Config) -> Result<String, Failure> {
    let to = p.facts.email.as_deref().unwrap_or_default();
    let sent_log = dir.join("sent").join(format!("{}-{}", p.store, p.delivery));
    if let Ok(detail) = std::fs::read_to_string(&sent_log) {
        return Ok(format!("already sent: {detail}"));
    }
    let m = message(p).map_err(|e| Failure::Permanent(format!("{e:#}")))?;
    super::put(&dir.join(format!("{}.eml", p.stem())), &m.formatted())?;
    // Ready before the relay is asked, so that nothing but the log's own write stands between
    // the relay's acceptance and the log.
    std::fs::create_dir_all(dir.join("sent"))?;
    let detail = match cfg.smtp.as_deref() {
        None => format!("e-mail written for {to}"),
        Some(server) => {
            let (host, port) = server
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
                .ok_or_else(|| {
                    Failure::Permanent(format!("SMTP relay '{server}' is not HOST:PORT"))
                })?;
            // A relay on loopback or inside the ERP's network, without TLS, as the harness runs it.
            let relay = SmtpTransport::builder_dangerous(host)
                .port(port)
                .timeout(Some(cfg.smtp_timeout))
                .build();
            match relay.send(&m) {
                Ok(_) => format!("e-mail to {to} accepted by {server}"),
                Err(e) if e.is_permanent() => {
                    return Err(Failure::Permanent(format!("{server}: {e}")))
                }
                Err(e) => return Err(Failure::Transient(format!("{server}: {e}"))),
            }
        }
    };
    super::crash_point("email-before-sent-log");
    // The relay has the message now: a log that cannot be written is reported, never a failure
    // (a retry would send it again).
    Ok(match super::put(&sent_log, detail.as_bytes()) {
        Ok(()) => detail,
        Err(e) => format!("{detail} (the sent-log could not be written: {e})"),
    })
}

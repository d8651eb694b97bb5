//! E-mail: a real MIME message with the PDF attached, written as an `.eml` file (the SMTP
//! transport is a later step; see the issue notes).

use super::{Failure, Parcel};
use anyhow::{bail, Result};
use std::fmt::Write;
use std::path::Path;

/// A header value: no CR/LF (header injection), non-ASCII as RFC 2047 encoded words.
pub fn header_value(s: &str) -> Result<String> {
    if s.contains(['\r', '\n']) {
        bail!("CR/LF in a header field");
    }
    Ok(if s.is_ascii() {
        s.to_owned()
    } else {
        format!("=?UTF-8?B?{}?=", guest::base64::encode(s.as_bytes()))
    })
}

pub fn message(p: &Parcel) -> Result<String> {
    let to = p.str_at(&["customer", "email"]).unwrap_or_default();
    let seller = p.str_at(&["seller", "name"]).unwrap_or_default();
    let lang = p
        .str_at(&["customer", "language"])
        .or_else(|| p.str_at(&["seller", "language"]))
        .unwrap_or_else(|| "nb".into());
    let invoice = p.kind == "invoice";
    let (subject, body) = match (lang.as_str(), invoice) {
        ("en", true) => (
            format!("Invoice {} from {seller}", p.number),
            format!(
                "Please find invoice {} attached.\n\nKID: {}\nDue date: {}\n",
                p.number,
                p.str_at(&["kid"]).unwrap_or_default(),
                p.str_at(&["due_date"]).unwrap_or_default()
            ),
        ),
        ("en", false) => (
            format!("Credit note {} from {seller}", p.number),
            format!("Please find credit note {} attached.\n", p.number),
        ),
        (_, true) => (
            format!("Faktura {} fra {seller}", p.number),
            format!(
                "Vedlagt følger faktura {}.\n\nKID: {}\nForfallsdato: {}\n",
                p.number,
                p.str_at(&["kid"]).unwrap_or_default(),
                p.str_at(&["due_date"]).unwrap_or_default()
            ),
        ),
        (_, false) => (
            format!("Kreditnota {} fra {seller}", p.number),
            format!("Vedlagt følger kreditnota {}.\n", p.number),
        ),
    };
    let boundary = format!("=_invoice_{}_{}", p.client, p.delivery);
    let mut m = String::new();
    let _ = write!(
        m,
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <delivery-{}.{}@invoicing.invalid>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n",
        header_value(&format!("{seller} <faktura@invoicing.invalid>"))?,
        header_value(&to)?,
        header_value(&subject)?,
        p.delivery,
        p.client
    );
    let _ = write!(m, "--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n", wrap(&guest::base64::encode(body.as_bytes())));
    let name = format!("{}.pdf", p.stem());
    let _ = write!(m, "--{boundary}\r\nContent-Type: application/pdf; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n", wrap(&guest::base64::encode(&p.pdf)));
    let wants_ehf = p
        .body
        .pointer("/customer/attach_ehf")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if let (true, Some(xml)) = (wants_ehf, &p.ehf) {
        let name = format!("{}.xml", p.stem());
        let _ = write!(m, "--{boundary}\r\nContent-Type: application/xml; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n", wrap(&guest::base64::encode(xml.as_bytes())));
    }
    let _ = write!(m, "--{boundary}--\r\n");
    Ok(m)
}

fn wrap(s: &str) -> String {
    s.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Send through the SMTP relay when one is configured; keep a copy as `.eml` either way.
pub fn send(p: &Parcel, dir: &Path, smtp: Option<&str>) -> Result<String, Failure> {
    let m = message(p).map_err(|e| Failure::Permanent(format!("{e:#}")))?;
    std::fs::write(dir.join(format!("{}.eml", p.stem())), &m)?;
    let to = p.str_at(&["customer", "email"]).unwrap_or_default();
    match smtp {
        None => Ok(format!("e-mail written for {to}")),
        Some(server) => match super::smtp::send(server, "faktura@invoicing.invalid", &to, &m) {
            Ok(()) => Ok(format!("e-mail to {to} accepted by {server}")),
            Err(super::smtp::SmtpError::Transient(e)) => Err(Failure::Transient(e)),
            Err(super::smtp::SmtpError::Permanent(e)) => Err(Failure::Permanent(e)),
        },
    }
}

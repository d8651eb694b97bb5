//! Drafts: created for a customer, changed in place (each change saved, the version its
//! `ETag`), previewed as the recipient will see it, and finalized into an invoice.

use super::model::{Document, Draft, DraftChanges, NewDraft};
use super::problem::Path;
use super::{parse, read, write, Caller, Problem, Reply};
use crate::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use invoicing_host::bindings::{DraftChange, Error};
use invoicing_host::runtime::CallError;
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(create_draft))
        .routes(routes!(get_draft, delete_draft))
        .routes(routes!(change_draft))
        .routes(routes!(preview))
        .routes(routes!(finalize))
}

/// The version `If-Match` names: `"7"`, `W/"7"` or `7`.
pub(super) fn if_match(headers: &HeaderMap) -> Result<Option<u64>, Problem> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .map(|s| s.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|s| s.parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| Problem::bad_request("If-Match is the draft's ETag, such as \"3\""))
}

/// The version a change of `what` must name: 428 without `If-Match`.
pub(super) fn required_if_match(headers: &HeaderMap, what: &str) -> Result<u64, Problem> {
    if_match(headers)?.ok_or_else(|| {
        Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            format!("changing {what} needs If-Match with its ETag"),
        )
    })
}

/// The component's conflict on a version the client named: 412, with the version now.
pub(super) fn stale(e: CallError) -> Problem {
    match e {
        CallError::Component(Error::Conflict(now)) => {
            let mut p = Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                format!("it is now at version {now}: read it again"),
            );
            p.current_version = Some(now);
            p
        }
        e => e.into(),
    }
}

#[utoipa::path(post, path = "/api/v1/drafts", tag = "drafts",
    request_body = NewDraft,
    responses((status = 201, description = "The draft, saved", body = Draft,
        headers(("Location" = String), ("ETag" = String, description = "The draft's version")))))]
async fn create_draft(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: NewDraft = parse(&headers, &body)?;
    Ok(write(
        &app,
        &caller,
        &headers,
        "POST /api/v1/drafts".into(),
        &body,
        move |b, _| {
            let d = b.call(|i, s| i.call_create_draft(s, &input.customer_id))?;
            let version = d.version;
            Ok(
                Reply::created(format!("/api/v1/drafts/{}", d.id), &Draft::from(d))?
                    .versioned(version),
            )
        },
    )
    .await)
}

#[utoipa::path(get, path = "/api/v1/drafts/{id}", tag = "drafts",
    params(("id" = String, Path)),
    responses((status = 200, description = "The draft", body = Draft,
        headers(("ETag" = String, description = "The draft's version")))))]
async fn get_draft(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let d = read(
        &app,
        &caller,
        move |h, client| Ok(h.get_draft(client, &id)?),
    )
    .await?;
    let version = d.version;
    Ok(super::respond(
        Reply::ok(&Draft::from(d))?.versioned(version),
        false,
    ))
}

#[utoipa::path(delete, path = "/api/v1/drafts/{id}", tag = "drafts",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted")))]
async fn delete_draft(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    super::delete(&app, &caller, move |h, client| {
        Ok(h.delete_draft(client, &id)?)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/drafts/{id}/changes", tag = "drafts",
    params(("id" = String, Path),
        ("If-Match" = String, Header, description = "The draft's ETag, as last read")),
    request_body = DraftChanges,
    responses((status = 200, description = "The draft after the changes", body = Draft,
        headers(("ETag" = String))),
        (status = 412, description = "The draft moved on since the version named",
            body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem,
            content_type = "application/problem+json")))]
async fn change_draft(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let version = required_if_match(&headers, "a draft")?;
    let input: DraftChanges = parse(&headers, &body)?;
    let request = format!("POST /api/v1/drafts/{id}/changes {version}");
    Ok(write(&app, &caller, &headers, request, &body, move |b, _| {
        let mut d = b.call(|i, s| i.call_get_draft(s, &id))?;
        if d.version != version {
            return Err(stale(CallError::Component(Error::Conflict(d.version))));
        }
        for change in input.changes {
            let change = DraftChange::from(change);
            let v = d.version;
            d = b
                .call(|i, s| i.call_update_draft(s, &id, v, &change))
                .map_err(stale)?;
        }
        let version = d.version;
        Ok(Reply::ok(&Draft::from(d))?.versioned(version))
    })
    .await)
}

#[utoipa::path(get, path = "/api/v1/drafts/{id}/preview.pdf", tag = "drafts",
    params(("id" = String, Path)),
    responses((status = 200, description = "The invoice as the recipient will see it",
        content_type = "application/pdf", body = Vec<u8>)))]
async fn preview(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let pdf = read(&app, &caller, move |h, client| Ok(h.preview(client, &id)?)).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

#[utoipa::path(post, path = "/api/v1/drafts/{id}/finalize", tag = "drafts",
    params(("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "Issue only this version of the draft")),
    responses((status = 201, description = "Issued: numbered, posted and queued for delivery",
        body = Document, headers(("Location" = String))),
        (status = 412, description = "The draft moved on since the version named",
            body = Problem, content_type = "application/problem+json")))]
async fn finalize(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let version = if_match(&headers)?;
    let key = super::component_key(&headers)?;
    let request = format!("POST /api/v1/drafts/{id}/finalize {version:?}");
    Ok(write(&app, &caller, &headers, request, &body, move |b, _| {
        if let Some(v) = version {
            let d = b.call(|i, s| i.call_get_draft(s, &id))?;
            if d.version != v {
                return Err(stale(CallError::Component(Error::Conflict(d.version))));
            }
        }
        let doc = b.call(|i, s| i.call_finalize(s, &id, &key))?;
        Reply::created(
            super::documents::location(&doc.id, doc.kind),
            &Document::from(doc),
        )
    })
    .await)
}

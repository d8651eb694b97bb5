//! Recurring series: made from a draft on a schedule, read, and changed with their version
//! (`ETag` / `If-Match`, as drafts are). The recurring run issues their occurrences.

use super::drafts::{if_match, required_if_match, stale};
use super::model::{NewSeries, Series, SeriesChanges};
use super::problem::Path;
use super::{parse, read, write, Caller, Problem, Reply};
use crate::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::{Extension, Json};
use invoicing_host::bindings::{self as b, Error};
use invoicing_host::runtime::CallError;
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_series))
        .routes(routes!(get_series))
        .routes(routes!(make_recurring))
        .routes(routes!(change_series))
}

/// A series as an answer: its version is its `ETag`.
fn reply(s: b::Series) -> Result<Reply, Problem> {
    let version = s.version;
    Ok(Reply::ok(&Series::from(s))?.versioned(version))
}

#[utoipa::path(get, path = "/api/v1/series", tag = "documents",
    responses((status = 200, description = "The client's recurring series", body = Vec<Series>)))]
async fn list_series(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<Series>>, Problem> {
    let all = read(&app, &caller, |h, client| Ok(h.list_series(client)?)).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/series/{id}", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, description = "The series", body = Series,
        headers(("ETag" = String, description = "The series' version")))))]
async fn get_series(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let s = read(&app, &caller, move |h, client| {
        Ok(h.get_series(client, &id)?)
    })
    .await?;
    Ok(super::respond(reply(s)?, false))
}

#[utoipa::path(post, path = "/api/v1/drafts/{id}/recurring", tag = "drafts",
    params(("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "Make only this version of the draft recurring")),
    request_body = NewSeries,
    responses((status = 201, description = "The series; the draft became its template",
        body = Series, headers(("Location" = String), ("ETag" = String))),
        (status = 412, description = "The draft moved on since the version named",
            body = Problem, content_type = "application/problem+json")))]
async fn make_recurring(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let version = if_match(&headers)?;
    let input: NewSeries = parse(&headers, &body)?;
    let request = format!("POST /api/v1/drafts/{id}/recurring {version:?}");
    Ok(write(&app, &caller, &headers, request, &body, move |b, _| {
        let schedule = b::Schedule::from(input.schedule);
        // Without If-Match, the draft as it is now.
        let v = match version {
            Some(v) => v,
            None => b.call(|i, s| i.call_get_draft(s, &id))?.version,
        };
        let s = b
            .call_recurring(|r, s| r.call_make_recurring(s, &id, v, &schedule))
            .map_err(stale)?;
        let (version, at) = (s.version, format!("/api/v1/series/{}", s.id));
        Ok(Reply::created(at, &Series::from(s))?.versioned(version))
    })
    .await)
}

#[utoipa::path(post, path = "/api/v1/series/{id}/changes", tag = "documents",
    params(("id" = String, Path),
        ("If-Match" = String, Header, description = "The series' ETag, as last read")),
    request_body = SeriesChanges,
    responses((status = 200, description = "The series after the changes", body = Series,
        headers(("ETag" = String))),
        (status = 412, description = "The series moved on since the version named",
            body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem,
            content_type = "application/problem+json")))]
async fn change_series(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let version = required_if_match(&headers, "a series")?;
    let input: SeriesChanges = parse(&headers, &body)?;
    let request = format!("POST /api/v1/series/{id}/changes {version}");
    Ok(write(&app, &caller, &headers, request, &body, move |b, _| {
        let mut s = b.call_recurring(|r, s| r.call_get_series(s, &id))?;
        if s.version != version {
            return Err(stale(CallError::Component(Error::Conflict(s.version))));
        }
        for change in input.changes {
            let change = b::SeriesChange::from(change);
            let v = s.version;
            s = b
                .call_recurring(|r, st| r.call_change_series(st, &id, v, &change))
                .map_err(stale)?;
        }
        reply(s)
    })
    .await)
}

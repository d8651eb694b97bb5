//! Webhook endpoints and the events sent to them: register an endpoint (its signing secret is
//! shown once), list and remove them, enable one that was disabled for failing, list events,
//! see an event's deliveries and send it again.

use super::model::{Endpoint, Event, EventDeliveries, HookDelivery, NewEndpoint, Redelivered};
use super::problem::{Path, Query};
use super::{api, parse, read, write, Caller, Problem, Reply};
use crate::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Json};
use invoicing_host::events;
use invoicing_host::store::{self, with_read, with_unit};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_endpoints, create_endpoint))
        .routes(routes!(delete_endpoint))
        .routes(routes!(enable_endpoint))
        .routes(routes!(list_events))
        .routes(routes!(get_event))
        .routes(routes!(redeliver))
}

const ENDPOINT: &str = "whe";

fn endpoint_id(row: i64) -> String {
    format!("{ENDPOINT}_{row}")
}

fn endpoint_row(id: &str) -> Result<i64, Problem> {
    id.strip_prefix(ENDPOINT)
        .and_then(|n| n.strip_prefix('_'))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| Problem::not_found(id))
}

fn endpoint(e: store::Endpoint, secret: bool) -> Endpoint {
    Endpoint {
        id: endpoint_id(e.id),
        url: e.url,
        events: e.events.split(',').map(str::to_owned).collect(),
        disabled: e.disabled,
        failures: e.failures,
        secret: secret.then_some(e.secret),
    }
}

fn event(e: &store::Event) -> Event {
    let data = serde_json::value::RawValue::from_string(e.data.clone())
        .unwrap_or_else(|_| serde_json::value::RawValue::NULL.to_owned());
    Event {
        id: events::event_id(e.id),
        kind: e.kind.clone(),
        created: e.created.clone(),
        client: e.client.clone(),
        data,
    }
}

#[utoipa::path(get, path = "/api/v1/webhook-endpoints", tag = "webhooks",
    responses((status = 200, description = "The client's endpoints, without their secrets", body = Vec<Endpoint>)))]
async fn list_endpoints(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<Endpoint>>, Problem> {
    let all = read(&app, &caller, |h, client| {
        Ok(with_read(h.store(), |u| api(u)?.endpoints(client))?)
    })
    .await?;
    Ok(Json(all.into_iter().map(|e| endpoint(e, false)).collect()))
}

#[utoipa::path(post, path = "/api/v1/webhook-endpoints", tag = "webhooks", request_body = NewEndpoint,
    responses((status = 201, description = "Registered; its secret is shown this once", body = Endpoint,
        headers(("Location" = String)))))]
async fn create_endpoint(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: NewEndpoint = parse(&headers, &body)?;
    let request = "POST /api/v1/webhook-endpoints".to_owned();
    Ok(write(&app, &caller, &headers, request, &body, move |b, _| {
        let url = input.url.trim().to_owned();
        let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
        if !scheme_ok
            || url.len() > 2000
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Problem::field(
                "url",
                "bad_character",
                "an http:// or https:// URL",
            ));
        }
        let types = input.events.unwrap_or_else(|| vec!["*".to_owned()]);
        if types.is_empty() {
            return Err(Problem::field("events", "missing", "one event type or *"));
        }
        if let Some(bad) = types
            .iter()
            .find(|t| *t != "*" && !events::TYPES.contains(&t.as_str()))
        {
            return Err(Problem::field(
                "events",
                "bad_character",
                format!("'{bad}' is none of: {}", events::TYPES.join(", ")),
            ));
        }
        let secret = format!("whsec_{}", crate::once());
        let mut made = None;
        b.write(|u, client| {
            let id = api(u)?.insert_endpoint(client, &url, &secret, &types.join(","))?;
            made = api(u)?.endpoints(client)?.into_iter().find(|e| e.id == id);
            Ok(())
        })?;
        let e = made.ok_or_else(|| Problem::internal("the endpoint just made is gone"))?;
        let at = format!("/api/v1/webhook-endpoints/{}", endpoint_id(e.id));
        Reply::created(at, &endpoint(e, true))
    })
    .await)
}

#[utoipa::path(delete, path = "/api/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path)), responses((status = 204, description = "Removed")))]
async fn delete_endpoint(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let row = endpoint_row(&id)?;
    let gone = super::delete(&app, &caller, move |h, client| {
        Ok(with_unit(h.store(), |u| {
            api(u)?.delete_endpoint(client, row)
        })?)
    })
    .await?;
    if !gone {
        return Err(Problem::not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{id}/enable", tag = "webhooks",
    params(("id" = String, Path)), responses((status = 200, description = "Enabled again", body = Endpoint)))]
async fn enable_endpoint(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let row = endpoint_row(&id)?;
    let request = format!("POST /api/v1/webhook-endpoints/{id}/enable");
    Ok(write(&app, &caller, &headers, request, &body, move |b, _| {
        let mut found = None;
        b.write(|u, client| {
            if api(u)?.enable_endpoint(client, row)? {
                found = api(u)?.endpoints(client)?.into_iter().find(|e| e.id == row);
            }
            Ok(())
        })?;
        let e = found.ok_or_else(|| Problem::not_found(&id))?;
        Reply::ok(&endpoint(e, false))
    })
    .await)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// Events after this one (`evt_…`), oldest first.
    pub after: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/events", tag = "webhooks", params(EventQuery),
    responses((status = 200, description = "Events, oldest first", body = Vec<Event>)))]
async fn list_events(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<EventQuery>,
) -> Result<Json<Vec<Event>>, Problem> {
    let limit = super::page_limit(q.limit)?;
    let after = match q.after.as_deref() {
        None => 0,
        Some(a) => events::event_row(a)
            .ok_or_else(|| Problem::field("after", "bad_character", "an event id (evt_…)"))?,
    };
    let all = read(&app, &caller, move |h, client| {
        Ok(with_read(h.store(), |u| {
            api(u)?.events(client, after, i64::from(limit))
        })?)
    })
    .await?;
    Ok(Json(all.iter().map(event).collect()))
}

#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, description = "The event and its deliveries", body = EventDeliveries)))]
async fn get_event(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<EventDeliveries>, Problem> {
    let row = events::event_row(&id).ok_or_else(|| Problem::not_found(&id))?;
    let (e, deliveries) = read(&app, &caller, move |h, client| {
        with_read(h.store(), |u| {
            let api = api(u)?;
            Ok(match api.event(client, row)? {
                Some(e) => Some((e, api.hook_deliveries(row)?)),
                None => None,
            })
        })?
        .ok_or_else(|| Problem::not_found(&id))
    })
    .await?;
    Ok(Json(EventDeliveries {
        event: event(&e),
        deliveries: deliveries
            .into_iter()
            .map(|d| HookDelivery {
                endpoint_id: endpoint_id(d.endpoint),
                state: d.state,
                attempts: d.attempts,
                detail: d.detail,
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/events/{id}/redeliver", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, description = "Queued again to every enabled endpoint that takes it", body = Redelivered)))]
async fn redeliver(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let Some(row) = events::event_row(&id) else {
        return Err(Problem::not_found(&id));
    };
    let request = format!("POST /api/v1/events/{id}/redeliver");
    Ok(write(&app, &caller, &headers, request, &body, move |b, _| {
        let mut found = None;
        b.write(|u, client| {
            let api = api(u)?;
            if api.event(client, row)?.is_some() {
                found = Some(api.redeliver(client, row)?);
            }
            Ok(())
        })?;
        let queued = found.ok_or_else(|| Problem::not_found(&id))?;
        Reply::ok(&Redelivered { queued })
    })
    .await)
}

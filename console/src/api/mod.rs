//! The HTTP API under `/api/v1`, on the console's server: for the webshop, the CRM and the
//! accountant's tools. JSON in the contract's names (snake_case), money as decimal strings,
//! errors as RFC 9457 problems. Every handler calls the component as the console does; no
//! invoicing rule lives here.
//!
//! - **Access:** `Authorization: Bearer <key>`. A key belongs to one client, which is every
//!   request's client: another client's ids are not found (404). Keys are shown once and kept
//!   as SHA-256 hashes, read or read-write, revocable in the console (`api-nokler`).
//! - **Rate limits** per key (`tower_governor`): past the limit, 429 with `Retry-After`.
//! - **Idempotency:** a POST with `Idempotency-Key` is done once; the same key and request
//!   again get the kept response (`Idempotent-Replayed: true`), the same key with another
//!   request is refused (422). The response is kept in the unit of work that did the work, so
//!   a process that dies leaves either both or neither. Keys are kept for 48 hours.
//! - **Drafts:** `ETag` is the draft's version; changes need `If-Match` (428 without, 412 when
//!   the draft moved on).
//! - **OpenAPI 3.1** at `/api/v1/openapi.json`, generated from the handlers (each is routed by
//!   its own `#[utoipa::path]`), and a reference page made from it at `/api/v1/docs`.

// A problem is made at most once per request and goes straight out as the answer: boxing it
// would buy nothing.
#![allow(clippy::result_large_err)]

mod documents;
mod drafts;
mod keys;
pub mod model;
mod problem;
mod reference;
mod registers;
mod reminders;
mod series;
mod webhooks;

pub use keys::{hash_key, new_key, routes as key_pages};
pub use problem::Problem;

use crate::App;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use invoicing_host::runtime::{Batch, Harness};
use invoicing_host::store::{with_read, with_unit, Api, KeptResponse, Unit};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// How long a response is kept for its idempotency key (at least the 24 hours Stripe keeps).
pub const KEEP_RESPONSES: Duration = Duration::from_secs(48 * 3600);

/// Requests per second per key, and the burst allowed above it.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for Limit {
    fn default() -> Self {
        Limit {
            per_second: 50,
            burst: 100,
        }
    }
}

impl std::str::FromStr for Limit {
    type Err = String;
    /// `50/100`: 50 a second, bursts of 100.
    fn from_str(s: &str) -> Result<Self, String> {
        let (rate, burst) = s.split_once('/').unwrap_or((s, s));
        let n = |v: &str| v.trim().parse::<u32>().ok().filter(|n| *n > 0);
        match (n(rate), n(burst)) {
            (Some(per_second), Some(burst)) => Ok(Limit { per_second, burst }),
            _ => Err(format!("'{s}' is not a limit like 50/100")),
        }
    }
}

/// Who is asking: the key's client, and whether it may write.
#[derive(Clone, Debug)]
pub struct Caller {
    pub client: String,
    pub write: bool,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Invoicing API",
        version = "1.0.0",
        description = "Simplified invoicing for Norwegian businesses: customers, products, drafts, invoices, credit notes, recurring series, payments and webhooks. Money is a decimal string; errors are RFC 9457 problems carrying the contract's typed error."
    ),
    modifiers(&Conventions),
    tags(
        (name = "registers", description = "Customers and products"),
        (name = "drafts", description = "Drafts, saved at every change"),
        (name = "documents", description = "Invoices and credit notes as issued"),
        (name = "receivables", description = "Payments and open items"),
        (name = "webhooks", description = "Endpoints and the events they are sent")
    )
)]
struct ApiDoc;

/// What every operation shares, added to the document once: the bearer key, the problems any
/// request can meet, and `Idempotency-Key` on every POST.
struct Conventions;

impl utoipa::Modify for Conventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder};
        use utoipa::PartialSchema;
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components
            .schemas
            .insert("Problem".into(), problem::Problem::schema());
        let mut nested = Vec::new();
        <problem::Problem as utoipa::ToSchema>::schemas(&mut nested);
        components.schemas.extend(nested);
        let problem = |why: &str| {
            ResponseBuilder::new()
                .description(why)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        let common = [
            ("400", "The request could not be read"),
            ("401", "No key, an unknown key or a revoked key"),
            ("403", "The key may only read"),
            ("404", "Not found, or another client's"),
            ("429", "Past the key's rate limit; see Retry-After"),
            ("500", "The host failed; the detail has a reference"),
        ];
        let requirement =
            utoipa::openapi::security::SecurityRequirement::new::<&str, [&str; 0], &str>("key", []);
        for (path, item) in doc.paths.paths.iter_mut() {
            if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
                continue;
            }
            let ops = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.delete, false),
            ];
            for (op, is_post) in ops {
                let Some(op) = op else { continue };
                op.security = Some(vec![requirement.clone()]);
                let mut wanted: Vec<(&str, &str)> = common.to_vec();
                if is_post {
                    wanted.extend([
                        ("409", "Not allowed now (the contract's refusal), or a conflict"),
                        ("415", "The body is not application/json"),
                        (
                            "422",
                            "A field is invalid, or the idempotency key was used for another request",
                        ),
                    ]);
                    let params = op.parameters.get_or_insert_with(Vec::new);
                    params.push(RefOr::T(
                        ParameterBuilder::new()
                            .name("Idempotency-Key")
                            .parameter_in(ParameterIn::Header)
                            .required(Required::False)
                            .description(Some(
                                "Do this POST once: the same key and request again get the kept response (48 hours)",
                            ))
                            .schema(Some(RefOr::T(
                                utoipa::openapi::ObjectBuilder::new()
                                    .schema_type(utoipa::openapi::Type::String)
                                    .min_length(Some(1))
                                    .max_length(Some(255))
                                    .pattern(Some("^[\\x21-\\x7e]+$"))
                                    .build()
                                    .into(),
                            )))
                            .build(),
                    ));
                } else {
                    wanted.extend([
                        ("409", "Not allowed now (the contract's refusal)"),
                        ("422", "A parameter is invalid"),
                    ]);
                }
                for (code, why) in wanted {
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| RefOr::T(problem(why)));
                }
            }
        }
    }
}

/// The API's routes, with its state; merged beside the console's (outside its CSRF guard: a
/// key, not a cookie, authenticates here).
pub fn router(app: Arc<App>) -> Router {
    let (routes, doc) = documented();
    let doc = Arc::new(doc);
    let limit = app.api_limit;
    let governor = tower_governor::governor::GovernorConfigBuilder::default()
        .per_nanosecond((1_000_000_000 / u64::from(limit.per_second)).max(1))
        .burst_size(limit.burst)
        .key_extractor(KeyOfRequest)
        .finish()
        .expect("a limit is above zero");
    let limiter = governor.limiter().clone();
    let maintenance = app.clone();
    // Forget what the limiter and the kept responses no longer need, now and then (where the
    // router is made inside a runtime, as `serve` makes it; a test's router lives too briefly).
    let spawn = |f| match tokio::runtime::Handle::try_current() {
        Ok(rt) => drop(rt.spawn(f)),
        Err(_) => drop(f),
    };
    spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            limiter.retain_recent();
            let app = maintenance.clone();
            let _ = tokio::task::spawn_blocking(move || {
                let before =
                    chrono::Utc::now().timestamp_millis() - KEEP_RESPONSES.as_millis() as i64;
                with_unit(&*app.store, |u| match u.api() {
                    Some(api) => api.forget_responses(before).map(|_| ()),
                    None => Ok(()),
                })
            })
            .await;
        }
    });
    let governed = tower_governor::GovernorLayer::new(governor).error_handler(|e| {
        use tower_governor::GovernorError;
        let (wait, headers) = match e {
            GovernorError::TooManyRequests { wait_time, headers } => (wait_time, headers),
            _ => (1, None),
        };
        let mut res = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("past this key's rate limit: try again in {wait} s"),
        )
        .into_response();
        if let Some(h) = headers {
            res.headers_mut().extend(h);
        }
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait.max(1)));
        res
    });
    let doc_json = doc.clone();
    let doc_page = doc.clone();
    routes
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            authenticate,
        ))
        .layer(governed)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || async move { axum::Json(doc_json.as_ref().clone()) }),
        )
        .route(
            "/api/v1/docs",
            axum::routing::get(move || async move { reference::page(&doc_page) }),
        )
        .with_state(app)
}

/// The routes and the document made from the same handlers.
fn documented() -> (Router<Arc<App>>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(registers::routes())
        .merge(drafts::routes())
        .merge(documents::routes())
        .merge(series::routes())
        .merge(reminders::routes())
        .merge(webhooks::routes())
        .split_for_parts();
    utoipa::Modify::modify(&Conventions, &mut doc);
    (router, doc)
}

/// The OpenAPI document, as served (for tests and tools).
pub fn openapi_json() -> String {
    documented()
        .1
        .to_pretty_json()
        .expect("the document serialises")
}

/// The rate limiter's key: the hash of the bearer key (the key itself is never kept), or one
/// shared key for requests without one (they are refused anyway).
#[derive(Clone)]
struct KeyOfRequest;

impl tower_governor::key_extractor::KeyExtractor for KeyOfRequest {
    type Key = String;
    fn extract<T>(
        &self,
        req: &axum::http::Request<T>,
    ) -> Result<Self::Key, tower_governor::GovernorError> {
        Ok(bearer(req.headers()).map(hash_key).unwrap_or_default())
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// How many requests work at once: two per core. A request's work is CPU (the component, the
/// database's pages in memory): more at once only share the cores more finely, and the tail of
/// the latency grows (32 at once on this machine's 2 cores: p95 27 ms, against 4 at once:
/// BENCHMARKS.md, "the API under load").
pub fn slots() -> usize {
    2 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The key's client and scope for the handlers; 401 without a live key, 403 for a write with a
/// read key. The request then waits for a slot ([`slots`]) and holds it to its answer.
async fn authenticate(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let Ok(_slot) = app.api_slots.acquire().await else {
        return Problem::internal("the server is stopping").into_response();
    };
    let unauthorized = |why: &str| Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", why);
    let Some(token) = bearer(req.headers()) else {
        return unauthorized("an API key is required: Authorization: Bearer <key>").into_response();
    };
    let hash = hash_key(token);
    let store = app.store.clone();
    let key = tokio::task::spawn_blocking(move || {
        with_read(&*store, |u| match u.api() {
            Some(api) => api.key_by_hash(&hash),
            None => Ok(None),
        })
    })
    .await
    .expect("a worker panicked");
    let key = match key {
        Ok(Some(k)) if k.revoked.is_none() => k,
        Ok(Some(_)) => return unauthorized("this key was revoked").into_response(),
        Ok(None) => return unauthorized("no such key").into_response(),
        Err(e) => return Problem::from(e).into_response(),
    };
    let write = key.scope == "read-write";
    let reads = matches!(*req.method(), Method::GET | Method::HEAD);
    if !reads && !write {
        return Problem::new(StatusCode::FORBIDDEN, "forbidden", "this key may only read")
            .into_response();
    }
    req.extensions_mut().insert(Caller {
        client: key.client,
        write,
    });
    next.run(req).await
}

/// The API's record role of a unit.
fn api(u: &mut dyn Unit) -> anyhow::Result<&mut dyn Api> {
    u.api()
        .ok_or_else(|| anyhow::anyhow!("this store keeps no API records"))
}

/// A read: `f` on a harness for the caller's client, off the async threads, each call on a
/// snapshot (a read waits for no write).
async fn read<T: Send + 'static>(
    app: &Arc<App>,
    caller: &Caller,
    f: impl FnOnce(&mut Harness, &str) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    blocking(app, caller, move |h, client| f(&mut h.reading(), client)).await
}

/// A DELETE: `f` on a harness that writes, off the async threads (no response is kept: done
/// twice, the thing is gone twice). A read key never gets here: `authenticate` refuses it.
async fn delete<T: Send + 'static>(
    app: &Arc<App>,
    caller: &Caller,
    f: impl FnOnce(&mut Harness, &str) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    blocking(app, caller, move |mut h, client| f(&mut h, client)).await
}

async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    caller: &Caller,
    f: impl FnOnce(Harness, &str) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    let app = app.clone();
    let client = caller.client.clone();
    tokio::task::spawn_blocking(move || f(app.harness(), &client))
        .await
        .map_err(|e| Problem::internal(&format!("a worker panicked: {e}")))?
}

/// A JSON answer with its status and `Location`.
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    /// A draft's or a series' version.
    pub etag: Option<u64>,
    pub body: String,
}

impl Reply {
    pub fn ok(body: &impl Serialize) -> Result<Reply, Problem> {
        Reply::with(StatusCode::OK, None, body)
    }
    pub fn created(location: String, body: &impl Serialize) -> Result<Reply, Problem> {
        Reply::with(StatusCode::CREATED, Some(location), body)
    }
    fn with(
        status: StatusCode,
        location: Option<String>,
        body: &impl Serialize,
    ) -> Result<Reply, Problem> {
        Ok(Reply {
            status,
            location,
            etag: None,
            body: serde_json::to_string(body).map_err(anyhow::Error::from)?,
        })
    }

    /// The answer of something changed by version (a draft, a series): its version is its
    /// `ETag`.
    pub fn versioned(mut self, version: u64) -> Reply {
        self.etag = Some(version);
        self
    }
}

/// A reply as a response: a versioned one carries its version as `ETag`.
fn respond(r: Reply, replayed: bool) -> Response {
    let problem = r.status.is_client_error() || r.status.is_server_error();
    let mut res = (r.status, r.body.clone()).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if problem {
            "application/problem+json"
        } else {
            "application/json"
        }),
    );
    if let Some(l) = r.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        h.insert(header::LOCATION, l);
    }
    if let Some(tag) = r
        .etag
        .and_then(|v| HeaderValue::from_str(&format!("\"{v}\"")).ok())
    {
        h.insert(header::ETAG, tag);
    }
    if replayed {
        h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    res
}

/// The request's `Idempotency-Key`: 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| (0x21..=0x7e).contains(&b)) => {
            Ok(Some(k.to_owned()))
        }
        _ => Err(Problem::bad_request(
            "Idempotency-Key is 1 to 255 visible ASCII characters",
        )),
    }
}

/// The key the component's own idempotency takes for a finalize, a credit or a payment: the
/// request's `Idempotency-Key`, or a fresh one.
fn component_key(headers: &HeaderMap) -> Result<String, Problem> {
    Ok(match idempotency_key(headers)? {
        Some(k) => format!("api-{k}"),
        None => format!("api-{}", crate::once()),
    })
}

/// A POST's work, done once per idempotency key: `work` runs in one unit of work (all its calls
/// commit together or none), and the response is kept in that same unit.
async fn write(
    app: &Arc<App>,
    caller: &Caller,
    headers: &HeaderMap,
    request: String,
    body: &Bytes,
    work: impl FnOnce(&mut Batch, &str) -> Result<Reply, Problem> + Send + 'static,
) -> Response {
    idempotently(
        app,
        caller,
        headers,
        &request,
        body,
        |h, client, key, fingerprint| once(h, client, key, fingerprint, work),
    )
    .await
}

/// [`write`] for work that commits in units of its own (a bank file's import, in parts): the
/// response is kept after the work, not with it. Such work must be safe to do again (the
/// import registers each payment once by its bank reference), since a process that dies
/// between the two leaves the work done and the response not kept.
async fn write_in_parts(
    app: &Arc<App>,
    caller: &Caller,
    headers: &HeaderMap,
    request: String,
    body: &Bytes,
    work: impl FnOnce(&mut Harness, &str) -> Result<Reply, Problem> + Send + 'static,
) -> Response {
    idempotently(
        app,
        caller,
        headers,
        &request,
        body,
        |h, client, key, fingerprint| once_in_parts(h, client, key, fingerprint, work),
    )
    .await
}

/// `run` off the async threads with the request's idempotency key and fingerprint.
async fn idempotently(
    app: &Arc<App>,
    caller: &Caller,
    headers: &HeaderMap,
    request: &str,
    body: &Bytes,
    run: impl FnOnce(&mut Harness, &str, Option<String>, String) -> Result<Response, Problem>
        + Send
        + 'static,
) -> Response {
    let key = match idempotency_key(headers) {
        Ok(k) => k,
        Err(p) => return p.into_response(),
    };
    let fingerprint = fingerprint(request, body);
    blocking(app, caller, move |mut h, client| {
        run(&mut h, client, key, fingerprint)
    })
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

/// The response kept for `key`, if one is: replayed if it answered this same request, refused
/// if it answered another.
fn replay(
    h: &Harness,
    client: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Option<Response>, Problem> {
    let Some(k) = with_read(h.store(), |u| api(u)?.idempotent(client, key))? else {
        return Ok(None);
    };
    if k.request != fingerprint {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for another request",
        ));
    }
    let status = StatusCode::from_u16(k.status).unwrap_or(StatusCode::OK);
    Ok(Some(respond(
        Reply {
            status,
            location: k.location,
            etag: k.etag.and_then(|e| e.parse().ok()),
            body: k.body,
        },
        true,
    )))
}

/// The response another request with `key` kept while ours was at work: it stands.
fn replay_winner(
    h: &Harness,
    client: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Response, Problem> {
    replay(h, client, key, fingerprint)?
        .ok_or_else(|| Problem::internal("a kept response went missing"))
}

/// A request's fingerprint: what makes a replay the same request.
fn fingerprint(request: &str, body: &[u8]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(request.as_bytes());
    h.update(b"\n");
    h.update(body);
    format!("{:x}", h.finalize())
}

/// What a reply is kept as, for its idempotency key.
fn kept_as(reply: &Reply, fingerprint: String) -> KeptResponse {
    KeptResponse {
        request: fingerprint,
        status: reply.status.as_u16(),
        location: reply.location.clone(),
        etag: reply.etag.map(|v| v.to_string()),
        body: reply.body.clone(),
        created: chrono::Utc::now().timestamp_millis(),
    }
}

fn once(
    h: &mut Harness,
    client: &str,
    key: Option<String>,
    fingerprint: String,
    work: impl FnOnce(&mut Batch, &str) -> Result<Reply, Problem>,
) -> Result<Response, Problem> {
    if let Some(k) = &key {
        if let Some(kept) = replay(h, client, k, &fingerprint)? {
            return Ok(kept);
        }
    }
    let mut batch = h.batch(client)?;
    let reply = match work(&mut batch, client) {
        Ok(r) => r,
        Err(p) if key.is_none() || p.status().is_server_error() => return Err(p),
        // A refusal is kept too, with nothing of the work: the same request gets it again.
        Err(p) => {
            drop(batch);
            batch = h.batch(client)?;
            Reply::with(p.status(), None, &p)?
        }
    };
    let Some(k) = key else {
        batch.commit()?;
        return Ok(respond(reply, false));
    };
    let mut fresh = false;
    let record = kept_as(&reply, fingerprint.clone());
    batch.write(|u, client| {
        fresh = api(u)?.keep_response(client, &k, &record)?;
        Ok(())
    })?;
    if !fresh {
        // Another request with this key committed first: its response stands, ours is undone.
        drop(batch);
        return replay_winner(h, client, &k, &fingerprint);
    }
    batch.commit()?;
    Ok(respond(reply, false))
}

fn once_in_parts(
    h: &mut Harness,
    client: &str,
    key: Option<String>,
    fingerprint: String,
    work: impl FnOnce(&mut Harness, &str) -> Result<Reply, Problem>,
) -> Result<Response, Problem> {
    if let Some(k) = &key {
        if let Some(kept) = replay(h, client, k, &fingerprint)? {
            return Ok(kept);
        }
    }
    let reply = match work(h, client) {
        Ok(r) => r,
        Err(p) if key.is_none() || p.status().is_server_error() => return Err(p),
        Err(p) => Reply::with(p.status(), None, &p)?,
    };
    let Some(k) = key else {
        return Ok(respond(reply, false));
    };
    let record = kept_as(&reply, fingerprint.clone());
    if !with_unit(h.store(), |u| api(u)?.keep_response(client, &k, &record))? {
        return replay_winner(h, client, &k, &fingerprint);
    }
    Ok(respond(reply, false))
}

/// A JSON body read as `T`: 415 without `application/json`, 400 if it is not a `T`.
fn parse<T: serde::de::DeserializeOwned>(headers: &HeaderMap, sent: &Bytes) -> Result<T, Problem> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json")
                || (v.starts_with("application/") && v.ends_with("+json"))
        });
    if !json {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be application/json",
        ));
    }
    serde_json::from_slice(sent).map_err(|e| Problem::bad_request(format!("the JSON sent: {e}")))
}

/// A list's cursor: opaque to the client, the offset of the next page here.
fn cursor_offset(cursor: Option<&str>) -> Result<u32, Problem> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .strip_prefix('o')
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| Problem::field("cursor", "bad_character", "not a cursor this API gave")),
    }
}

/// A page's `limit`: 1 to 200 (the contract's most a call), 50 if none is asked.
fn page_limit(limit: Option<u32>) -> Result<u32, Problem> {
    let limit = limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Problem::field("limit", "out_of_range", "1 to 200"));
    }
    Ok(limit)
}

/// How many rows to ask for a page of `limit`: one more, to know whether a page follows
/// (within the contract's 200 a call).
fn ask(limit: u32) -> u32 {
    (limit + 1).min(200)
}

/// A page of at most `limit` rows from what [`ask`] got, and the cursor of the next.
fn paged<T>(mut rows: Vec<T>, offset: u32, limit: u32) -> (Vec<T>, Option<String>) {
    let more = rows.len() > limit as usize || (rows.len() == 200 && limit == 200);
    rows.truncate(limit as usize);
    (rows, more.then(|| format!("o{}", offset + limit)))
}

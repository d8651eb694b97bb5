//! The console: the invoicing screens an ERP shows ("Fakturering [NY]"), served as HTML and
//! driven through the component exactly as an ERP drives it, on any store (`invoicing-host`'s
//! traits) and any runtime: a library an ERP mounts, and the harness serves. Server-rendered
//! (`maud`), enhanced with htmx (vendored in `assets/`), one small stylesheet, no build step.
//!
//! Every page is scoped to the client in its path (`/c/{client}/…`), the ERP's company picker;
//! an id of another client's draft or document is not found (404), because every call and every
//! store read is the client's own. Forms carry a CSRF token (double submit: a cookie and the
//! form's action or htmx's header); all text is escaped by `maud`. Off loopback an access token
//! is required, printed at start.

pub mod api;
pub mod identifiers;
mod numbers;
mod pages;
mod payments;
mod prg;
mod problems;
mod registers;
mod reminders;
mod words;

use axum::extract::{Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use invoicing_host::bindings::*;
use invoicing_host::ids::Id;
use invoicing_host::names::Name;
use invoicing_host::runtime::{CallError, Harness, Runtime};
use invoicing_host::store::{with_unit, CustomerRecord, Files, Store};
use maud::Markup;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use words::Lang;

/// The vendored htmx (npm `htmx.org`, 0BSD; licence beside it) and the stylesheet.
const HTMX: &str = include_str!("../assets/htmx.min.js");
const STYLE: &str = include_str!("../assets/console.css");

/// Rows per page of the overview.
pub const PAGE_ROWS: u32 = 50;

/// What every request shares.
pub struct App {
    rt: Arc<Runtime>,
    store: Arc<dyn Store>,
    /// Required off loopback: `?token=…` once, then a cookie.
    token: Option<String>,
    /// The date the calls see (tests fix it); none: the machine's.
    pub today: Option<chrono::NaiveDate>,
    /// Pages made by forms' POSTs, to be seen by GET.
    shown: prg::Shown,
    /// When each client's abandoned drafts were last cleared in this process.
    swept: std::sync::Mutex<HashMap<String, std::time::Instant>>,
    /// The API's rate limit per key.
    pub api_limit: api::Limit,
    /// The API's requests at work at once; the rest wait their turn, first come first served.
    api_slots: tokio::sync::Semaphore,
}

impl App {
    pub fn new(rt: Arc<Runtime>, store: Arc<dyn Store>, token: Option<String>) -> App {
        App {
            rt,
            store,
            token,
            today: None,
            shown: prg::Shown::default(),
            swept: Default::default(),
            api_limit: api::Limit::default(),
            api_slots: tokio::sync::Semaphore::new(api::slots()),
        }
    }

    /// Whether `client`'s abandoned drafts are to be cleared now: at most once per
    /// [`invoicing_host::housekeeping::SWEEP_EVERY`] per process, not on every view of the overview.
    fn sweep_due(&self, client: &str) -> bool {
        let now = std::time::Instant::now();
        let mut swept = self.swept.lock().unwrap();
        let due = swept
            .get(client)
            .is_none_or(|t| now.duration_since(*t) >= invoicing_host::housekeeping::SWEEP_EVERY);
        if due {
            swept.insert(client.to_owned(), now);
        }
        due
    }

    fn harness(&self) -> Harness {
        let mut h = Harness::on(self.rt.clone(), self.store.clone());
        if let Some(t) = self.today {
            h.today = t;
        }
        h
    }
}

/// A fresh random token (CSRF, access).
fn random_token() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS has randomness");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Serve the console on `listen` until the process ends, on the ERP's runtime and store (the
/// harness seeds a fresh store and runs a dispatcher beside it: `host_harness::console::serve`).
/// Off loopback an access token is required: `token`, or a random one, printed.
pub fn serve(
    rt: Arc<Runtime>,
    store: Arc<dyn Store>,
    listen: SocketAddr,
    token: Option<String>,
) -> anyhow::Result<()> {
    let token = token.or_else(|| (!listen.ip().is_loopback()).then(random_token));
    let mut app = App::new(rt, store, token.clone());
    app.today = std::env::var("INVOICING_TODAY")
        .ok()
        .and_then(|d| d.parse().ok());
    if let Ok(limit) = std::env::var("INVOICING_API_LIMIT") {
        app.api_limit = limit.parse().map_err(anyhow::Error::msg)?;
    }
    let app = Arc::new(app);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        match &token {
            Some(t) => println!("console on http://{addr}/?token={t}"),
            None => println!("console on http://{addr}/"),
        }
        println!("API on http://{addr}/api/v1/ (reference: /api/v1/docs)");
        axum::serve(listener, router(app)).await?;
        Ok(())
    })
}

/// The console's routes and the API's, for `serve`, the tests and the benchmark.
pub fn router(app: Arc<App>) -> Router {
    console(app.clone()).merge(api::router(app))
}

/// The console's pages, behind its guard (access token, CSRF).
fn console(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/assets/htmx.min.js", get(|| async { js(HTMX) }))
        .route("/assets/console.css", get(|| async { css(STYLE) }))
        .route("/favicon.ico", get(|| async { icon() }))
        .route("/assets/favicon.svg", get(|| async { icon() }))
        .route("/sprak/{lang}", get(language))
        .route("/velg", get(pick_client))
        .route("/c/{client}/", get(start))
        .route("/c/{client}/aktiver", post(activate))
        .route(
            "/c/{client}/deaktiver",
            get(deactivate_form).post(deactivate),
        )
        .route(
            "/c/{client}/innstillinger",
            get(settings_form).post(save_settings),
        )
        .route("/c/{client}/oversikt", get(overview))
        .route("/c/{client}/ny", get(new_invoice).post(create_draft))
        .route("/c/{client}/kunder/sok", get(customer_search))
        .merge(registers::routes::<registers::Customers>())
        .merge(registers::routes::<registers::Products>())
        .merge(payments::routes())
        .merge(reminders::routes())
        .merge(api::key_pages())
        .route("/c/{client}/utkast/{id}", get(draft).post(change_draft))
        .route("/c/{client}/utkast/{id}/forhandsvis", get(preview_page))
        .route("/c/{client}/utkast/{id}/pdf", get(preview_pdf))
        .route(
            "/c/{client}/utkast/{id}/fakturer",
            get(confirm_send).post(send),
        )
        .route(
            "/c/{client}/utkast/{id}/slett",
            get(confirm_delete).post(delete_draft),
        )
        .route("/c/{client}/dokument/{id}", get(document))
        .route("/c/{client}/dokument/{id}/leveringer", get(deliveries))
        .route("/c/{client}/dokument/{id}/pdf", get(document_pdf))
        .route("/c/{client}/dokument/{id}/ehf", get(document_ehf))
        .route("/c/{client}/dokument/{id}/kopier", post(copy_invoice))
        .route(
            "/c/{client}/dokument/{id}/krediter",
            get(credit_form).post(credit),
        )
        .route("/c/{client}/dokument/{id}/send", post(resend))
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

fn js(s: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        s,
    )
        .into_response()
}

/// The tab's icon: a sheet with a krone sign, in the console's colours.
const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="5" y="2" width="22" height="28" rx="3" fill="#1d4f91"/><text x="16" y="22" font-family="sans-serif" font-size="13" font-weight="bold" fill="#fff" text-anchor="middle">kr</text></svg>"##;

fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

fn css(s: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], s).into_response()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// What every handler knows of the request: the language, the CSRF token, whether htmx asked.
#[derive(Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub csrf: String,
    pub htmx: bool,
}

impl Ctx {
    fn of(headers: &HeaderMap) -> Ctx {
        Ctx {
            lang: match cookie(headers, "lang").as_deref() {
                Some("en") => Lang::En,
                _ => Lang::Nb,
            },
            csrf: cookie(headers, "csrf").unwrap_or_default(),
            htmx: headers.contains_key("hx-request"),
        }
    }
}

/// Access token off loopback; a CSRF cookie on every visit, and every POST checked to come
/// from the console's own page (`same_origin_post`).
async fn guard(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let query: HashMap<String, String> = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let mut set_cookies = Vec::new();
    if let Some(token) = &app.token {
        let given = query
            .get("token")
            .cloned()
            .or_else(|| cookie(&headers, "token"));
        if given.as_deref() != Some(token.as_str()) {
            return (StatusCode::UNAUTHORIZED, "an access token is required").into_response();
        }
        if query.contains_key("token") {
            set_cookies.push(format!("token={token}; Path=/; HttpOnly; SameSite=Strict"));
        }
    }
    let csrf = match cookie(&headers, "csrf") {
        Some(c) if c.len() == 32 => c,
        _ => {
            let c = random_token();
            set_cookies.push(format!("csrf={c}; Path=/; HttpOnly; SameSite=Strict"));
            req.headers_mut().append(
                header::COOKIE,
                HeaderValue::from_str(&format!("csrf={c}")).expect("hex"),
            );
            c
        }
    };
    if req.method() == Method::POST && !same_origin_post(&headers, &csrf) {
        return (StatusCode::FORBIDDEN, "the form is stale: reload the page").into_response();
    }
    let path = req.uri().path().to_owned();
    let mut res = match query.get(prg::PARAM) {
        Some(id) if req.method() == Method::GET => app.shown.show(id, &csrf),
        _ if req.method() == Method::POST && !headers.contains_key("hx-request") => {
            let res = next.run(req).await;
            app.shown.after_post(&path, &csrf, res).await
        }
        _ => next.run(req).await,
    };
    for c in set_cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    // A page is made for this moment and this tab's token: Back or another tab must ask for
    // it again, never show a stale form.
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if is_page {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; style-src 'self' 'unsafe-inline'; frame-src 'self'; object-src 'none'"),
    );
    res
}

/// Whether a POST comes from this console's own page: htmx sends the page's token in
/// `x-csrf`; a plain form is known by its `Origin` (every current browser sends it with a
/// POST), so the token never has to stand in a URL. A POST from another origin, or with
/// neither, is refused (OWASP's "verifying origin with standard headers", beside SameSite).
fn same_origin_post(headers: &HeaderMap, csrf: &str) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let origin_ok = match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, h)| h) == Some(host),
        _ => false,
    };
    let token_ok = text(HeaderName::from_static("x-csrf")) == Some(csrf);
    match text(header::ORIGIN) {
        Some(_) => origin_ok && (token_ok || text(HeaderName::from_static("hx-request")).is_none()),
        None => token_ok,
    }
}

/// Why a page could not be shown.
pub enum Fail {
    NotFound,
    Call(CallError),
    Other(anyhow::Error),
}

impl From<CallError> for Fail {
    fn from(e: CallError) -> Self {
        match &e {
            CallError::Component(Error::NotFound(_)) => Fail::NotFound,
            _ => Fail::Call(e),
        }
    }
}

impl From<anyhow::Error> for Fail {
    fn from(e: anyhow::Error) -> Self {
        Fail::Other(e)
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        let (status, nb, en) = match self {
            Fail::NotFound => (
                StatusCode::NOT_FOUND,
                "Finnes ikke".to_owned(),
                "Not found".to_owned(),
            ),
            Fail::Call(CallError::Component(Error::NotActive)) => (
                StatusCode::CONFLICT,
                "Enkel fakturering er ikke aktivert for denne klienten".to_owned(),
                "Simple invoicing is not active for this client".to_owned(),
            ),
            Fail::Call(e @ CallError::Component(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Lang::Nb.error(&e),
                Lang::En.error(&e),
            ),
            // What the host or the database said is for the log, not the page: the person
            // gets a reference to quote.
            Fail::Call(e) => failed(&format!("{e:#}")),
            Fail::Other(e) => failed(&format!("{e:#}")),
        };
        (status, pages::bare(&nb, &en)).into_response()
    }
}

fn failed(detail: &str) -> (StatusCode, String, String) {
    let reference = &random_token()[..8];
    eprintln!("console error {reference}: {detail}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Noe gikk galt. Oppgi referanse {reference} til brukerstøtte."),
        format!("Something went wrong. Quote reference {reference} to support."),
    )
}

type Page = Result<Response, Fail>;

/// Run blocking work (the component, the store) off the async threads.
async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&mut Harness) -> T + Send + 'static,
) -> T {
    let app = app.clone();
    tokio::task::spawn_blocking(move || f(&mut app.harness()))
        .await
        .expect("a console worker panicked")
}

fn html(m: Markup) -> Response {
    m.into_response()
}

/// After a POST: htmx follows `HX-Redirect`; a plain form follows 303.
fn go(ctx: &Ctx, to: String) -> Response {
    if ctx.htmx {
        let mut r = StatusCode::OK.into_response();
        if let Ok(v) = HeaderValue::from_str(&to) {
            r.headers_mut().insert("hx-redirect", v);
        }
        r
    } else {
        Redirect::to(&to).into_response()
    }
}

/// The client in the path, if the store knows it.
fn known(h: &Harness, client: &str) -> Result<(), Fail> {
    nav(h, client).map(|_| ())
}

/// The left column's client picker and navigation.
pub struct Nav {
    pub client: String,
    pub name: String,
    pub clients: Vec<(String, String)>,
    pub active: bool,
    known: bool,
}

fn nav(h: &Harness, client: &str) -> Result<Nav, Fail> {
    if !invoicing_host::runtime::valid_client_id(client) {
        return Err(Fail::NotFound);
    }
    let nav = with_unit(h.store(), |u| {
        let clients = u.reports()?.client_names()?;
        let name = clients
            .iter()
            .find(|(c, _)| c == client)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        Ok(Nav {
            client: client.to_owned(),
            name,
            active: u.is_active(client)?,
            known: clients.iter().any(|(c, _)| c == client),
            clients,
        })
    })?;
    if nav.known {
        Ok(nav)
    } else {
        Err(Fail::NotFound)
    }
}

async fn home(State(app): State<Arc<App>>) -> Page {
    let first = blocking(&app, |h| with_unit(h.store(), |u| u.reports()?.clients())).await?;
    let first = first.first().cloned().ok_or(Fail::NotFound)?;
    Ok(Redirect::to(&format!("/c/{first}/")).into_response())
}

/// The client picker's form (works without script): to the chosen client's start.
async fn pick_client(Query(q): Query<HashMap<String, String>>) -> Response {
    let client = q.get("klient").cloned().unwrap_or_default();
    if invoicing_host::runtime::valid_client_id(&client) {
        Redirect::to(&format!("/c/{client}/")).into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn language(Path(lang): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let lang = if lang == "en" { "en" } else { "nb" };
    let back = q
        .get("tilbake")
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .cloned()
        .unwrap_or_else(|| "/".into());
    let mut r = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("lang={lang}; Path=/; SameSite=Lax")) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// The module's information page with "Aktiver" while it is off; the overview once it is on.
async fn start(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let nav = blocking(&app, move |h| nav(h, &client)).await?;
    if nav.active {
        return Ok(Redirect::to(&format!("/c/{}/oversikt", nav.client)).into_response());
    }
    Ok(html(pages::info(&ctx, &nav, &[])))
}

async fn activate(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let c = client.clone();
    let (nav, outcome) = blocking(&app, move |h| {
        let outcome = h.activate(&c);
        (nav(h, &c), outcome)
    })
    .await;
    let nav = nav?;
    match outcome {
        Ok(()) => Ok(go(&ctx, format!("/c/{client}/oversikt"))),
        Err(CallError::Component(Error::MissingSettings(f))) => {
            Ok(html(pages::info(&ctx, &nav, &f)))
        }
        Err(e) => Err(e.into()),
    }
}

async fn deactivate_form(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let nav = blocking(&app, move |h| nav(h, &client)).await?;
    Ok(html(pages::deactivate(&ctx, &nav, None)))
}

async fn deactivate(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let reason = f.get("reason").cloned().unwrap_or_default();
    let c = client.clone();
    let (nav, outcome) = blocking(&app, move |h| {
        let outcome = h.deactivate(&c, &reason);
        (nav(h, &c), outcome)
    })
    .await;
    let nav = nav?;
    match outcome {
        Ok(()) => Ok(go(&ctx, format!("/c/{client}/"))),
        Err(e @ CallError::Component(Error::Invalid(_))) => {
            Ok(html(pages::deactivate(&ctx, &nav, Some(&e))))
        }
        Err(e) => Err(e.into()),
    }
}

/// What `activate` would say of the settings now (asked and rolled back), to put each
/// problem beside its field.
fn settings_problems(h: &mut Harness, client: &str) -> Vec<FieldError> {
    match h.dry_run(client, |i, s| i.call_activate(s)) {
        Err(CallError::Component(Error::MissingSettings(f))) => f,
        _ => Vec::new(),
    }
}

async fn settings_form(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let (nav, settings, problems) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &client)?;
        let s = with_unit(h.store(), |u| u.settings(&client))?.ok_or(Fail::NotFound)?;
        Ok((nav, s, settings_problems(h, &client)))
    })
    .await?;
    Ok(html(pages::settings(
        &ctx,
        &nav,
        &settings,
        &problems,
        pages::Saved::No,
    )))
}

async fn save_settings(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Page {
    let ctx = Ctx::of(&headers);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut logo: Option<Vec<u8>> = None;
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "logo" {
            let bytes = field.bytes().await.map_err(|e| Fail::Other(e.into()))?;
            if !bytes.is_empty() {
                logo = Some(bytes.to_vec());
            }
        } else {
            let text = field.text().await.map_err(|e| Fail::Other(e.into()))?;
            fields.push((name, text));
        }
    }
    let (nav, settings, problems, saved) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &client)?;
        let old = with_unit(h.store(), |u| u.settings(&client))?.ok_or(Fail::NotFound)?;
        let new = pages::settings_from_form(&old, &fields, logo);
        let active = with_unit(h.store(), |u| {
            u.put_client(&client, &new)?;
            u.is_active(&client)
        })?;
        let problems = settings_problems(h, &client);
        // While invoicing is on, a change that would stop it (the component's activation check
        // refuses the new settings) is not kept: the old settings go back, and the form shows
        // what was typed with each field that stops it.
        if active && !problems.is_empty() {
            with_unit(h.store(), |u| u.put_client(&client, &old))?;
            return Ok((nav, new, problems, pages::Saved::RefusedWhileActive));
        }
        Ok((nav, new, problems, pages::Saved::Yes))
    })
    .await?;
    Ok(html(pages::settings(
        &ctx, &nav, &settings, &problems, saved,
    )))
}

/// The overview as the address asks for it (what cannot be read is left out, never refused).
#[derive(Default)]
pub struct OverviewQuery {
    pub kunde: String,
    pub referanse: String,
    pub nummer: String,
    pub fra: String,
    pub til: String,
    pub type_: String,
    pub status: String,
    /// `ubetalt`, `delvis`, `forfalt`, `betalt`: the invoices in that state.
    pub betaling: String,
    /// Words, each found in some column as the page shows it; the column sorted by, and how.
    pub list: pages::ListQuery,
    pub side: u32,
}

/// The overview's payment filter: (value, Bokmål, English).
pub const PAYMENT_FILTERS: [(&str, &str, &str); 4] = [
    ("ubetalt", "Ubetalt", "Unpaid"),
    ("delvis", "Delvis betalt", "Partly paid"),
    ("forfalt", "Forfalt", "Overdue"),
    ("betalt", "Betalt", "Paid"),
];

/// Whether an invoice's money is in the state a payment filter names.
fn payment_filter_keeps(filter: &str, m: &OpenItem) -> bool {
    match filter {
        "ubetalt" => m.state == ItemState::Open,
        "delvis" => m.state == ItemState::PartlyPaid,
        "forfalt" => m.overdue_since.is_some(),
        "betalt" => matches!(m.state, ItemState::Paid | ItemState::Overpaid),
        _ => true,
    }
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl OverviewQuery {
    pub fn from_address(q: &HashMap<String, String>) -> OverviewQuery {
        let text = |k: &str| q.get(k).cloned().unwrap_or_default();
        OverviewQuery {
            kunde: text("kunde"),
            referanse: text("referanse"),
            nummer: text("nummer"),
            fra: text("fra"),
            til: text("til"),
            type_: text("type"),
            status: text("status"),
            betaling: text("betaling"),
            list: pages::ListQuery {
                q: text("q"),
                sort: text("sort"),
                desc: text("desc") == "true",
            },
            side: text("side").parse().unwrap_or(0),
        }
    }

    /// The address of this overview with `changes` made to it (a page, a sort).
    pub fn address(&self, client: &str, changes: &[(&str, &str)]) -> String {
        let side = self.side.to_string();
        let desc = self.list.desc.to_string();
        let mut pairs = vec![
            ("kunde", self.kunde.as_str()),
            ("referanse", &self.referanse),
            ("nummer", &self.nummer),
            ("fra", &self.fra),
            ("til", &self.til),
            ("type", &self.type_),
            ("status", &self.status),
            ("betaling", &self.betaling),
            ("q", &self.list.q),
            ("sort", &self.list.sort),
            ("desc", &desc),
            ("side", &side),
        ];
        for (k, v) in changes {
            if let Some(p) = pairs.iter_mut().find(|p| p.0 == *k) {
                p.1 = v;
            }
        }
        // What says nothing (empty, the first page, not reversed) is left out of the address.
        pairs.retain(|(k, v)| {
            !(v.is_empty() || (*k == "desc" && *v == "false") || (*k == "side" && *v == "0"))
        });
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("/c/{client}/oversikt?{query}")
    }

    /// What the component filters; the search, the payment state, the order and the page are
    /// the console's own (`overview_page`).
    pub fn filter(&self) -> OverviewFilter {
        OverviewFilter {
            customer_id: opt(&self.kunde),
            reference: opt(&self.referanse),
            number: self.nummer.trim().parse().ok(),
            issued_from: opt(&self.fra),
            issued_to: opt(&self.til),
            kind: if self.betaling.is_empty() {
                DocumentKind::parse(&self.type_)
            } else {
                Some(DocumentKind::Invoice)
            },
            status: DocumentStatus::parse(&self.status),
            limit: None,
            offset: None,
        }
    }
}

/// A page of the overview, and how many documents it has in all.
#[derive(Default)]
pub struct OverviewPage {
    pub rows: Vec<Summary>,
    pub hits: usize,
    /// There are more than `hits` (the count stopped at [`COUNTED_AT_MOST`]).
    pub more: bool,
    /// The search, the sort or the payment state looked at the newest [`SEARCHED_AT_MOST`]
    /// documents of the filter only (there are more: the filters narrow it).
    pub capped: bool,
    /// Each invoice's money on the page, as the component says.
    pub money: HashMap<String, OpenItem>,
}

/// How many of the filter's documents the console reads to search, sort or pick by payment
/// state (25 calls): enough for a year of most clients, and a page still answers in well
/// under a second at 100 000 documents. The filters (customer, dates, reference, number)
/// narrow what it reads. (The overview's note under the count says this number.)
pub const SEARCHED_AT_MOST: usize = 5_000;

/// The overview counts its hits this far ("over 10 000" past it), or to the next page's
/// end if that is further: a count of every row would cost a large client more than the page.
pub const COUNTED_AT_MOST: u64 = 10_000;

/// The overview as asked. With the component's filters alone, a page is one `overview` call
/// and the hit count the store's. A search (every word in one of the row's columns as the page
/// shows them), a sort, or a payment state reads the filter's newest documents
/// ([`SEARCHED_AT_MOST`]) and keeps, sorts and pages them here. What is open comes from one
/// `open-items` call; an invoice with nothing open is asked about by itself, only when it
/// matters.
fn overview_page(
    h: &mut Harness,
    client: &str,
    q: &OverviewQuery,
    lang: Lang,
) -> Result<OverviewPage, CallError> {
    let from = (q.side * PAGE_ROWS) as usize;
    let console_side =
        !(q.list.q.trim().is_empty() && q.list.sort.is_empty() && q.betaling.is_empty());
    let mut more = false;
    let (rows, hits, capped, mut money) = if !console_side {
        let filter = OverviewFilter {
            limit: Some(PAGE_ROWS),
            offset: Some(from as u32),
            ..q.filter()
        };
        let rows = h.overview(client, &filter)?;
        let at_most = COUNTED_AT_MOST.max(((q.side + 2) * PAGE_ROWS) as u64);
        let counted = with_unit(h.store(), |u| {
            u.reports()?.overview_count(client, &q.filter(), at_most)
        })
        .map_err(CallError::Host)?;
        more = counted > at_most;
        (rows, counted.min(at_most) as usize, false, HashMap::new())
    } else {
        let all = h.overview_all(client, q.filter(), SEARCHED_AT_MOST + 1)?;
        let capped = all.len() > SEARCHED_AT_MOST;
        let all = &all[..all.len().min(SEARCHED_AT_MOST)];
        let mut money: HashMap<String, OpenItem> = HashMap::new();
        if !q.betaling.is_empty() {
            money = h
                .open_items(client, opt(&q.kunde).as_deref())?
                .into_iter()
                .map(|m| (m.invoice_id.clone(), m))
                .collect();
            for r in all {
                if q.betaling == "betalt"
                    && r.status != DocumentStatus::Credited
                    && !money.contains_key(&r.id)
                {
                    if let Ok(m) = h.item(client, &r.id) {
                        money.insert(r.id.clone(), m);
                    }
                }
            }
        }
        let kept: Vec<&Summary> = q
            .list
            .apply(
                all,
                |r| pages::overview_columns(lang, r),
                |r, column| match column {
                    "number" => (r.number.unwrap_or(0).into(), String::new()),
                    "customer" => (Decimal::ZERO, r.customer_name.to_lowercase()),
                    "reference" => (Decimal::ZERO, r.buyer_reference.clone().unwrap_or_default()),
                    "date" => (Decimal::ZERO, r.issue_date.clone().unwrap_or_default()),
                    "amount" => (r.payable.parse().unwrap_or_default(), String::new()),
                    _ => (Decimal::ZERO, String::new()),
                },
            )
            .into_iter()
            .filter(|r| {
                q.betaling.is_empty()
                    || money
                        .get(&r.id)
                        .is_some_and(|m| payment_filter_keeps(&q.betaling, m))
            })
            .collect();
        let rows = kept
            .iter()
            .skip(from)
            .take(PAGE_ROWS as usize)
            .map(|r| (*r).clone())
            .collect();
        (rows, kept.len(), capped, money)
    };
    let mut shown = HashMap::new();
    for r in rows.iter().filter(|r| r.kind == DocumentKind::Invoice) {
        let m = match money.remove(&r.id) {
            Some(m) => Some(m),
            None => h.item(client, &r.id).ok(),
        };
        if let Some(m) = m {
            shown.insert(r.id.clone(), m);
        }
    }
    Ok(OverviewPage {
        rows,
        hits,
        more,
        capped,
        money: shown,
    })
}

async fn overview(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let lang = ctx.lang;
    let q = OverviewQuery::from_address(&q);
    let sweep = app.sweep_due(&client);
    let (nav, page, customers, q) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &client)?;
        let customers = with_unit(h.store(), |u| u.customers(&client))?;
        // Drafts picked and left are cleared as the overview is read, now and then (the rule:
        // housekeeping).
        let cleared = if sweep {
            invoicing_host::housekeeping::clear_abandoned_drafts(h, &client, chrono::Utc::now())
        } else {
            Ok(Vec::new())
        };
        match cleared {
            Ok(_) | Err(CallError::Component(Error::NotActive)) => {}
            Err(e) => eprintln!("console: clearing {client}'s abandoned drafts: {e:#}"),
        }
        Ok((nav, overview_page(h, &client, &q, lang), customers, q))
    })
    .await?;
    let (page, problem) = match page {
        Ok(p) => (p, None),
        Err(CallError::Component(Error::NotActive)) => {
            return Ok(Redirect::to(&format!("/c/{}/", nav.client)).into_response())
        }
        Err(e) => (OverviewPage::default(), Some(e)),
    };
    Ok(html(pages::overview(
        &ctx,
        &nav,
        &q,
        &page,
        &customers,
        problem.as_ref(),
    )))
}

async fn new_invoice(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let nav = blocking(&app, move |h| nav(h, &client)).await?;
    Ok(html(pages::new_invoice(&ctx, &nav, None)))
}

/// The CRM searched by name, number or organisation number, as the user types.
async fn customer_search(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let needle = q.get("q").cloned().unwrap_or_default().to_lowercase();
    let (nav, found) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &client)?;
        let all = with_unit(h.store(), |u| u.customers(&client))?;
        let found: Vec<CustomerRecord> = all
            .into_iter()
            .filter(|c| {
                let c = &c.customer;
                needle.is_empty()
                    || c.name.to_lowercase().contains(&needle)
                    || c.number.to_string().contains(&needle)
                    || c.organisation_number
                        .as_deref()
                        .is_some_and(|o| o.contains(&needle))
            })
            .take(20)
            .collect();
        Ok((nav, found))
    })
    .await?;
    Ok(html(pages::customer_hits(&ctx, &nav, &found)))
}

async fn create_draft(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let customer = f.get("customer").cloned().unwrap_or_default();
    let c = client.clone();
    let (nav, d) = blocking(&app, move |h| (nav(h, &c), h.create_draft(&c, &customer))).await;
    let nav = nav?;
    match d {
        Ok(d) => Ok(go(&ctx, format!("/c/{client}/utkast/{}", d.id))),
        Err(e @ CallError::Component(Error::NotFound(_) | Error::Invalid(_))) => {
            Ok(html(pages::new_invoice(&ctx, &nav, Some(&e))))
        }
        Err(e) => Err(e.into()),
    }
}

/// What the draft editor shows besides the draft.
pub struct Registers {
    pub customers: Vec<CustomerRecord>,
    pub products: Vec<Product>,
}

fn registers(h: &Harness, client: &str) -> Result<Registers, Fail> {
    Ok(with_unit(h.store(), |u| {
        Ok(Registers {
            customers: u.customers(client)?,
            products: u.products(client)?,
        })
    })?)
}

async fn draft(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let (nav, d, regs) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &client)?;
        let d = h.get_draft(&client, &id)?;
        Ok((nav, d, registers(h, &client)?))
    })
    .await?;
    Ok(html(pages::draft(
        &ctx,
        &nav,
        &d,
        &regs,
        pages::SaveState::Loaded,
        &pages::AddRow::default(),
    )))
}

/// One change to a draft, against the version the page holds; the editor comes back (htmx
/// swaps the part that changed), with "Lagret", or the conflict and nothing overwritten.
async fn change_draft(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let changed = headers
        .get("hx-trigger-name")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|name| name != "op");
    let typed: HashMap<String, String> = f.iter().cloned().collect();
    let lang = ctx.lang;
    let (nav, outcome, regs) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &client)?;
        let form: HashMap<String, String> = f.iter().cloned().collect();
        let version: u64 = form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let regs = registers(h, &client)?;
        // A product typed in the search that the register does not hold is the user's slip,
        // named on the page (the component would answer not-found, which is the draft's 404).
        let unknown = form
            .get("op")
            .filter(|op| *op == "add-product")
            .map(|_| form.get("new-product").map(|p| p.trim()).unwrap_or(""))
            .filter(|p| !regs.products.iter().any(|x| x.id == *p));
        if let Some(p) = unknown {
            let d = h.get_draft(&client, &id)?;
            let msg = match lang {
                Lang::Nb => format!("Produkt: «{p}» finnes ikke i produktregisteret"),
                Lang::En => format!("Product: '{p}' is not in the product register"),
            };
            return Ok((nav, (d, pages::SaveState::Refused(msg)), regs));
        }
        // A field that saves itself names itself: the save carries that field alone, every
        // other one as the draft holds it (the version check makes sure the page saw those).
        let form = match &changed {
            Some(field) if form.contains_key(field) => {
                let mut only = pages::form_of(&h.get_draft(&client, &id)?);
                for k in ["op", "version", field.as_str()] {
                    if let Some(v) = form.get(k) {
                        only.insert(k.to_owned(), v.clone());
                    }
                }
                only
            }
            _ => form,
        };
        let outcome = match pages::change_of(&form) {
            Some(change) => h.update_draft(&client, &id, version, &change),
            None => h.get_draft(&client, &id),
        };
        let outcome = match outcome {
            Ok(d) => (d, pages::SaveState::Done),
            Err(CallError::Component(Error::Conflict(_))) => (
                h.get_draft(&client, &id)?,
                pages::SaveState::Conflict {
                    page_version: version,
                },
            ),
            Err(e @ CallError::Component(Error::Invalid(_) | Error::NotAllowed(_))) => (
                h.get_draft(&client, &id)?,
                pages::SaveState::Refused(ctx.lang.error(&e)),
            ),
            Err(e) => return Err(e.into()),
        };
        Ok((nav, outcome, regs))
    })
    .await?;
    let (d, saved) = outcome;
    let refused = matches!(saved, pages::SaveState::Refused(_));
    let add = pages::AddRow::after(typed.get("op").map(String::as_str), &typed, refused);
    Ok(html(pages::draft(&ctx, &nav, &d, &regs, saved, &add)))
}

async fn preview_page(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let (nav, d) = blocking(&app, move |h| -> Result<_, Fail> {
        Ok((nav(h, &client)?, h.get_draft(&client, &id)?))
    })
    .await?;
    Ok(html(pages::preview(&ctx, &nav, &d)))
}

fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn preview_pdf(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
) -> Page {
    let name = id.clone();
    let bytes = blocking(&app, move |h| -> Result<_, Fail> {
        known(h, &client)?;
        Ok(h.preview(&client, &id)?)
    })
    .await?;
    Ok(pdf(bytes, &name))
}

async fn confirm_send(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let (nav, d, plan) = blocking(&app, move |h| -> Result<_, Fail> {
        let d = h.get_draft(&client, &id)?;
        // What "Fakturer og send" would do, from the component itself: the invoice issued in
        // a unit of work that is rolled back (no number is used, nothing is posted or queued).
        let plan = h.dry_run(&client, |i, s| i.call_finalize(s, &id, "console-confirm"));
        Ok((nav(h, &client)?, d, plan))
    })
    .await?;
    let (plan, e) = match &plan {
        Ok(doc) => (Some(doc), None),
        Err(e) => (None, Some(e)),
    };
    Ok(html(pages::confirm_send(&ctx, &nav, &d, plan, e)))
}

/// "Fakturer og send": the key is the draft and the version the user confirmed, so a double
/// click or a retry gives the same invoice.
async fn send(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let version = f.get("version").cloned().unwrap_or_default();
    let c = client.clone();
    let (nav, outcome) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &c)?;
        let key = format!("console-{id}-v{version}");
        let outcome = match h.finalize(&c, &id, &key) {
            Ok(doc) => Ok(doc),
            Err(e @ CallError::Component(Error::Invalid(_) | Error::NotAllowed(_))) => {
                Err((h.get_draft(&c, &id)?, e))
            }
            Err(e) => return Err(e.into()),
        };
        Ok((nav, outcome))
    })
    .await?;
    match outcome {
        Ok(doc) => Ok(go(&ctx, format!("/c/{client}/dokument/{}", doc.id))),
        Err((d, e)) => Ok(html(pages::confirm_send(&ctx, &nav, &d, None, Some(&e)))),
    }
}

async fn confirm_delete(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let (nav, d) = blocking(&app, move |h| -> Result<_, Fail> {
        Ok((nav(h, &client)?, h.get_draft(&client, &id)?))
    })
    .await?;
    Ok(html(pages::confirm_delete(&ctx, &nav, &d)))
}

async fn delete_draft(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let c = client.clone();
    blocking(&app, move |h| -> Result<_, Fail> {
        known(h, &c)?;
        Ok(h.delete_draft(&c, &id)?)
    })
    .await?;
    Ok(go(&ctx, format!("/c/{client}/oversikt")))
}

/// An issued document with the credit notes against it (their documents, oldest first).
pub struct Opened {
    pub doc: IssuedDocument,
    pub credits: Vec<IssuedDocument>,
    /// An invoice's money (payable, credited, paid, open) and its payments.
    pub money: Option<OpenItem>,
    pub payments: Vec<Payment>,
    /// An invoice's reminders and inkassovarsler, oldest first.
    pub notices: Vec<invoicing_host::bindings::Notice>,
}

fn opened(h: &mut Harness, client: &str, id: &str) -> Result<Opened, Fail> {
    let doc = h.open(client, id)?;
    let n = Id::Doc.row(id).ok_or(Fail::NotFound)?;
    let ids: Vec<i64> = with_unit(h.store(), |u| u.credits_for(client, n))?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let mut credits = Vec::new();
    for c in ids {
        credits.push(h.open(client, &Id::Doc.of(c))?);
    }
    let (mut money, mut payments, mut notices) = (None, Vec::new(), Vec::new());
    if doc.kind == DocumentKind::Invoice {
        // None from a component before 0.5.1, which sends none.
        notices = h.reminder_history(client, id).unwrap_or_default();
        money = h.item(client, id).ok();
        let filter = PaymentFilter {
            unmatched_only: false,
            invoice_id: Some(id.to_owned()),
            limit: Some(100),
            offset: None,
        };
        payments = h.payments(client, &filter).unwrap_or_default();
    }
    Ok(Opened {
        doc,
        credits,
        money,
        payments,
        notices,
    })
}

async fn document(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let (nav, o) = blocking(&app, move |h| -> Result<_, Fail> {
        Ok((nav(h, &client)?, opened(h, &client, &id)?))
    })
    .await?;
    Ok(html(pages::document(&ctx, &nav, &o, None)))
}

/// The deliveries table alone: the document page polls it while anything is queued.
async fn deliveries(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let (nav, doc) = blocking(&app, move |h| -> Result<_, Fail> {
        Ok((nav(h, &client)?, h.open(&client, &id)?))
    })
    .await?;
    Ok(html(pages::deliveries(&ctx, &nav, &doc)))
}

/// "Kopier": a new draft to the same customer, with the invoice's references, note and lines
/// as they were invoiced (three calls of the component; the new draft is saved at each).
async fn copy_invoice(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let c = client.clone();
    let draft = blocking(&app, move |h| -> Result<_, Fail> {
        known(h, &c)?;
        let doc = h.open(&c, &id)?;
        let d = h.create_draft(&c, &doc.customer.id)?;
        let lines = doc
            .lines
            .iter()
            .map(|l| LineInput {
                product_id: l.product_id.clone(),
                description: Some(l.description.clone()),
                quantity: l.quantity.clone(),
                unit: Some(l.unit.clone()),
                unit_price: Some(l.unit_price.clone()),
                discount_percent: Some(l.discount_percent.clone()),
                vat_code: Some(l.vat_code),
            })
            .collect();
        let mut version = d.version;
        for change in [
            DraftChange::SetReferences(doc.references.clone()),
            DraftChange::SetNote(doc.note.clone()),
            DraftChange::AddLines(lines),
        ] {
            version = h.update_draft(&c, &d.id, version, &change)?.version;
        }
        Ok(d.id)
    })
    .await?;
    Ok(go(&ctx, format!("/c/{client}/utkast/{draft}")))
}

/// An issued document's files as they were sent, and the name to save them by.
fn sent_files(h: &Harness, client: &str, id: &str) -> Result<(String, Files), Fail> {
    known(h, client)?;
    let n = Id::Doc.row(id).ok_or(Fail::NotFound)?;
    let doc = with_unit(h.store(), |u| u.document(client, n))?.ok_or(Fail::NotFound)?;
    let files = with_unit(h.store(), |u| u.reports()?.files(client, n))?.ok_or(Fail::NotFound)?;
    Ok((
        invoicing_host::names::stem(client, doc.kind, doc.number),
        files,
    ))
}

/// The EHF (UBL 2.1) of an issued document, as it was sent.
async fn document_ehf(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
) -> Page {
    let (name, files) = blocking(&app, move |h| sent_files(h, &client, &id)).await?;
    let xml = files.ehf.ok_or(Fail::NotFound)?;
    let disposition = format!("attachment; filename=\"{name}.xml\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/xml; charset=utf-8".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        xml,
    )
        .into_response())
}

async fn document_pdf(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
) -> Page {
    let (name, files) = blocking(&app, move |h| sent_files(h, &client, &id)).await?;
    Ok(pdf(files.pdf, &name))
}

async fn credit_form(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let (nav, o, left) = blocking(&app, move |h| -> Result<_, Fail> {
        let o = opened(h, &client, &id)?;
        Ok((nav(h, &client)?, o, h.credit_left(&client, &id)?))
    })
    .await?;
    Ok(html(pages::credit_form(&ctx, &nav, &o, &left, None)))
}

async fn credit(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let c = client.clone();
    let (nav, outcome) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &c)?;
        let o = opened(h, &c, &id)?;
        let left = h.credit_left(&c, &id)?;
        let (lines, reason) = pages::credit_of(&left, &f);
        let key = format!(
            "console-{id}-{}",
            f.get("form").cloned().unwrap_or_default()
        );
        let outcome = match h.credit(&c, &id, lines.as_deref(), &reason, &key) {
            Ok(cn) => Ok(cn),
            Err(e @ CallError::Component(Error::Invalid(_) | Error::NotAllowed(_))) => {
                Err((o, left, e))
            }
            Err(e) => return Err(e.into()),
        };
        Ok((nav, outcome))
    })
    .await?;
    match outcome {
        Ok(cn) => Ok(go(&ctx, format!("/c/{client}/dokument/{}", cn.id))),
        Err((o, left, e)) => Ok(html(pages::credit_form(&ctx, &nav, &o, &left, Some(&e)))),
    }
}

async fn resend(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let c = client.clone();
    let i = id.clone();
    blocking(&app, move |h| -> Result<_, Fail> {
        known(h, &c)?;
        Ok(h.resend(&c, &i, None)?)
    })
    .await?;
    Ok(go(&ctx, format!("/c/{client}/dokument/{id}")))
}

/// A token for a form that should act once (a credit's idempotency key).
pub fn once() -> String {
    random_token()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the database or the host said never reaches the page: a reference does, and the
    /// log has both.
    #[test]
    fn a_failure_shows_a_reference_not_its_cause() {
        let (status, nb, en) = failed("SQLite: no such table: documents");
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        for text in [&nb, &en] {
            assert!(
                !text.contains("SQLite") && !text.contains("documents"),
                "{text}"
            );
        }
        let reference = nb.split_whitespace().nth(5).unwrap();
        assert_eq!(reference.len(), 8, "{nb}");
        assert!(en.contains(reference));
    }

    #[test]
    fn a_post_must_come_from_the_consoles_own_page() {
        let post = |pairs: &[(&'static str, &str)]| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
            for (k, v) in pairs {
                h.insert(*k, HeaderValue::from_str(v).unwrap());
            }
            same_origin_post(&h, "t0k3n")
        };
        let own = "http://127.0.0.1:8080";
        assert!(post(&[("origin", own)]), "a plain form of our own");
        assert!(post(&[
            ("origin", own),
            ("hx-request", "true"),
            ("x-csrf", "t0k3n")
        ]));
        assert!(
            post(&[("x-csrf", "t0k3n")]),
            "no Origin, but the page's token"
        );
        assert!(!post(&[("origin", "http://evil.example")]));
        assert!(!post(&[
            ("origin", "http://evil.example"),
            ("x-csrf", "t0k3n")
        ]));
        assert!(!post(&[
            ("origin", own),
            ("hx-request", "true"),
            ("x-csrf", "stale")
        ]));
        assert!(!post(&[]), "neither");
    }
}

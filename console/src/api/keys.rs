//! API keys: made in the console (or by the harness's CLI), shown once, kept only as their
//! SHA-256 hash; and the console's page for them (`/c/{client}/api`), where keys are made and
//! revoked and the client's webhook endpoints are seen (a disabled one with its reason) and
//! enabled again.

use crate::{blocking, go, html, nav, Ctx, Fail, Page};
use crate::{pages, App};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Form, Router};
use invoicing_host::store::{with_unit, ApiKey, Endpoint, Unit};
use maud::html;
use sha2::Digest;
use std::collections::HashMap;
use std::sync::Arc;

/// A key's hash, as kept and looked up.
pub fn hash_key(key: &str) -> String {
    format!("{:x}", sha2::Sha256::digest(key.as_bytes()))
}

/// Make a key for `client` in `u`: the key itself, to be shown once (`inv_` and 32 random
/// bytes in hex), and its row. `scope` is `read` or `read-write`.
pub fn new_key(
    u: &mut dyn Unit,
    client: &str,
    name: &str,
    scope: &str,
) -> anyhow::Result<(String, i64)> {
    anyhow::ensure!(
        matches!(scope, "read" | "read-write"),
        "a key's scope is read or read-write"
    );
    let key = format!("inv_{}{}", crate::once(), crate::once());
    let api = u
        .api()
        .ok_or_else(|| anyhow::anyhow!("this store keeps no API keys"))?;
    let id = api.insert_key(client, name, &hash_key(&key), scope)?;
    Ok((key, id))
}

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/c/{client}/api", get(page))
        .route("/c/{client}/api/nokler", post(create))
        .route("/c/{client}/api/nokler/{id}/trekk-tilbake", post(revoke))
        .route("/c/{client}/api/webhooks/{id}/aktiver", post(enable))
}

fn seen(u: &mut dyn Unit, client: &str) -> anyhow::Result<(Vec<ApiKey>, Vec<Endpoint>)> {
    match u.api() {
        Some(api) => Ok((api.keys(client)?, api.endpoints(client)?)),
        None => Ok((Vec::new(), Vec::new())),
    }
}

async fn page(State(app): State<Arc<App>>, Path(client): Path<String>, headers: HeaderMap) -> Page {
    show(&app, client, Ctx::of(&headers), None).await
}

async fn show(app: &Arc<App>, client: String, ctx: Ctx, made: Option<String>) -> Page {
    let (nav, (keys, hooks)) = blocking(app, move |h| -> Result<_, Fail> {
        Ok((
            nav(h, &client)?,
            with_unit(h.store(), |u| seen(u, &client))?,
        ))
    })
    .await?;
    let l = ctx.lang;
    let c = &nav.client;
    let title = l.say("API og webhooks", "API and webhooks");
    Ok(html(pages::layout(
        &ctx,
        &nav,
        title,
        html! {
            h1 { (title) }
            p { (l.say("Systemer rundt regnskapet (nettbutikk, CRM) bruker API-et med en nøkkel. Se ",
                       "Systems around the accounts (a webshop, a CRM) use the API with a key. See "))
                a href="/api/v1/docs" { (l.say("API-referansen", "the API reference")) } "." }
            @if let Some(key) = made {
                div role="status" class="saved" id="new-key" {
                    p { strong { (l.say("Ny nøkkel. Den vises bare nå: kopier den.", "New key. It is shown this once: copy it.")) } }
                    p { code { (key) } }
                }
            }
            h2 { (l.say("Nøkler", "Keys")) }
            table id="api-keys" {
                thead { tr {
                    th scope="col" { (l.say("Navn", "Name")) }
                    th scope="col" { (l.say("Tilgang", "Access")) }
                    th scope="col" { (l.say("Laget", "Made")) }
                    th scope="col" { (l.say("Status", "Status")) }
                    th scope="col" { "" }
                } }
                tbody {
                    @if keys.is_empty() { tr { td colspan="5" { (l.say("Ingen nøkler ennå.", "No keys yet.")) } } }
                    @for k in &keys {
                        tr {
                            td { (k.name) }
                            td { @if k.scope == "read" { (l.say("Lese", "Read")) } @else { (l.say("Lese og skrive", "Read and write")) } }
                            td { (k.created.get(..10).unwrap_or(&k.created)) }
                            td { @match &k.revoked {
                                Some(at) => { (l.say("Trukket tilbake ", "Revoked ")) (at.get(..10).unwrap_or(at)) }
                                None => { (l.say("I bruk", "In use")) }
                            } }
                            td { @if k.revoked.is_none() {
                                form method="post" action=(format!("/c/{c}/api/nokler/{}/trekk-tilbake", k.id)) {
                                    button type="submit" { (l.say("Trekk tilbake", "Revoke")) }
                                }
                            } }
                        }
                    }
                }
            }
            form method="post" action=(format!("/c/{c}/api/nokler")) class="filters" {
                label for="key-name" { (l.say("Navn", "Name")) }
                input id="key-name" name="name" required maxlength="100";
                label for="key-scope" { (l.say("Tilgang", "Access")) }
                select id="key-scope" name="scope" {
                    option value="read-write" { (l.say("Lese og skrive", "Read and write")) }
                    option value="read" { (l.say("Lese", "Read")) }
                }
                button type="submit" class="primary" { (l.say("Lag nøkkel", "Make a key")) }
            }
            h2 { "Webhooks" }
            table id="webhooks" {
                thead { tr {
                    th scope="col" { "URL" }
                    th scope="col" { (l.say("Hendelser", "Events")) }
                    th scope="col" { (l.say("Status", "Status")) }
                    th scope="col" { "" }
                } }
                tbody {
                    @if hooks.is_empty() { tr { td colspan="4" { (l.say("Ingen endepunkter. De registreres gjennom API-et.", "No endpoints. They are registered through the API.")) } } }
                    @for e in &hooks {
                        tr {
                            td { code { (e.url) } }
                            td { (e.events.replace(',', ", ")) }
                            td { @match &e.disabled {
                                Some(why) => { strong { (l.say("Slått av: ", "Disabled: ")) } (why) }
                                None => { (l.say("I bruk", "In use")) @if e.failures > 0 { " (" (e.failures) (l.say(" feil på rad)", " failures in a row)")) } }
                            } }
                            td { @if e.disabled.is_some() {
                                form method="post" action=(format!("/c/{c}/api/webhooks/{}/aktiver", e.id)) {
                                    button type="submit" { (l.say("Slå på igjen", "Enable again")) }
                                }
                            } }
                        }
                    }
                }
            }
        },
    )))
}

async fn create(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let name = f
        .get("name")
        .map(|n| n.trim().to_owned())
        .unwrap_or_default();
    let name = if name.is_empty() {
        "API".to_owned()
    } else {
        name.chars().take(100).collect()
    };
    let scope = match f.get("scope").map(String::as_str) {
        Some("read") => "read",
        _ => "read-write",
    };
    let c = client.clone();
    let key = blocking(&app, move |h| -> Result<_, Fail> {
        nav(h, &c)?;
        Ok(with_unit(h.store(), |u| new_key(u, &c, &name, scope))?.0)
    })
    .await?;
    // The page that shows it is made here; the key is never stored. (The console keeps a
    // POST's page in memory for the reload of the browser that posted it, as every form's.)
    show(&app, client, ctx, Some(key)).await
}

async fn revoke(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Page {
    on_row(&app, client, id, &headers, |api, c, id| {
        api.revoke_key(c, id)
    })
    .await
}

async fn enable(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Page {
    on_row(&app, client, id, &headers, |api, c, id| {
        api.enable_endpoint(c, id)
    })
    .await
}

/// One of the client's keys or endpoints changed by `f`, then the page again; not the
/// client's, not found.
async fn on_row(
    app: &Arc<App>,
    client: String,
    id: i64,
    headers: &HeaderMap,
    f: fn(&mut dyn invoicing_host::store::Api, &str, i64) -> anyhow::Result<bool>,
) -> Page {
    let ctx = Ctx::of(headers);
    let c = client.clone();
    let done = blocking(app, move |h| -> Result<_, Fail> {
        nav(h, &c)?;
        Ok(with_unit(h.store(), |u| match u.api() {
            Some(api) => f(api, &c, id),
            None => Ok(false),
        })?)
    })
    .await?;
    if !done {
        return Err(Fail::NotFound);
    }
    Ok(go(&ctx, format!("/c/{client}/api")))
}

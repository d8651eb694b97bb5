//! Innbetalinger: the bank's file uploaded, what became of each payment, and a person giving a
//! payment the KID could not match to an invoice. Every decision is the component's
//! (`payments`); the page words its answers.

use super::{blocking, go, html, nav, numbers, pages, App, Ctx, Fail, Nav, Page};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};
use invoicing_host::bindings::{OpenItem, Payment, PaymentFilter};
use invoicing_host::runtime::CallError;
use maud::{html, Markup};
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

/// A bank file of 100 000 payments is about 40 MB of camt.054.
const MAX_FILE: usize = 64 << 20;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/c/{client}/innbetalinger",
            get(list)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_FILE)),
        )
        .route("/c/{client}/innbetalinger/{id}/fordel", post(allocate))
        .route("/c/{client}/kunder/{id}/saldo", get(balance))
}

/// A customer's account: what is open, the credit balance, the aging, and each open invoice.
async fn balance(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let (nav, name, balance, items) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &client)?;
        let name = invoicing_host::store::with_unit(h.store(), |u| u.customer(&client, &id))?
            .ok_or(Fail::NotFound)?
            .customer
            .name;
        Ok((
            nav,
            name,
            h.balance(&client, &id)?,
            h.open_items(&client, Some(&id))?,
        ))
    })
    .await?;
    let l = ctx.lang;
    let c = &nav.client;
    let money = |d: &str| numbers::shown(l, d);
    let title = format!("{} – {name}", l.say("Saldo", "Balance"));
    Ok(html(pages::layout(
        &ctx,
        &nav,
        &title,
        html! {
            h1 { (title) }
            dl class="facts" {
                dt { (l.say("Åpent", "Open")) } dd id="balance-open" { (money(&balance.open)) }
                dt { (l.say("Kreditsaldo", "Credit balance")) } dd id="balance-credit" { (money(&balance.credit_balance)) }
                dt { (l.say("Saldo (1500)", "Balance (1500)")) } dd id="balance" { (money(&balance.balance)) }
            }
            h2 { (l.say("Aldersfordeling", "Aging")) }
            table id="aging" {
                thead { tr {
                    th scope="col" class="num" { (l.say("Ikke forfalt", "Not due")) }
                    th scope="col" class="num" { "1–30" } th scope="col" class="num" { "31–60" }
                    th scope="col" class="num" { "61–90" } th scope="col" class="num" { (l.say("Over 90", "Over 90")) }
                } }
                tbody { tr {
                    td class="num" { (money(&balance.aging.not_due)) } td class="num" { (money(&balance.aging.days1_to30)) }
                    td class="num" { (money(&balance.aging.days31_to60)) } td class="num" { (money(&balance.aging.days61_to90)) }
                    td class="num" { (money(&balance.aging.over90)) }
                } }
            }
            h2 { (l.say("Åpne poster", "Open items")) }
            table id="open-items" {
                thead { tr {
                    th scope="col" { (l.say("Faktura", "Invoice")) } th scope="col" { (l.say("Forfall", "Due")) }
                    th scope="col" class="num" { (l.say("Å betale", "Left to pay")) } th scope="col" { (l.say("Betaling", "Payment")) }
                } }
                tbody {
                    @if items.is_empty() { tr { td colspan="4" { (l.say("Ingen åpne poster.", "Nothing open.")) } } }
                    @for i in &items {
                        tr {
                            td { a href=(format!("/c/{c}/dokument/{}", i.invoice_id)) { (i.number) } }
                            td { (numbers::date(l, &i.due_date)) }
                            td class="num" { (money(&i.open)) }
                            td { (l.item_state(i.state)) @if i.overdue_since.is_some() { " · " strong { (l.say("forfalt", "overdue")) } } }
                        }
                    }
                }
            }
        },
    )))
}

/// What the page shows: the latest payments, and the invoices a waiting one may go to.
struct Seen {
    nav: Nav,
    payments: Vec<Payment>,
    open: Vec<OpenItem>,
}

fn seen(h: &mut invoicing_host::Harness, client: &str) -> Result<Seen, Fail> {
    let nav = nav(h, client)?;
    let filter = PaymentFilter {
        unmatched_only: false,
        invoice_id: None,
        limit: Some(200),
        offset: None,
    };
    let payments = h.payments(client, &filter)?;
    let open = h
        .open_items(client, None)?
        .into_iter()
        .filter(|i| {
            i.open
                .parse::<rust_decimal::Decimal>()
                .is_ok_and(|o| o.is_sign_positive() && !o.is_zero())
        })
        .collect();
    Ok(Seen {
        nav,
        payments,
        open,
    })
}

async fn list(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let s = blocking(&app, move |h| seen(h, &client)).await?;
    Ok(html(page(
        &ctx,
        &s,
        q.get("lest").map(String::as_str),
        None,
    )))
}

async fn upload(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Page {
    let ctx = Ctx::of(&headers);
    // The file to a temporary file: the import reads it twice, as a stream.
    let mut file = tempfile::NamedTempFile::new().map_err(anyhow::Error::from)?;
    let mut name = String::new();
    while let Some(mut field) = form.next_field().await.map_err(anyhow::Error::from)? {
        if field.name() != Some("fil") {
            continue;
        }
        name = field.file_name().unwrap_or("bankfil").to_owned();
        while let Some(chunk) = field.chunk().await.map_err(anyhow::Error::from)? {
            file.write_all(&chunk).map_err(anyhow::Error::from)?;
        }
    }
    let done = blocking(&app, move |h| {
        let done = invoicing_bank::import(h, &client, file.path(), false);
        (seen(h, &client), done)
    })
    .await;
    let (s, done) = (done.0?, done.1);
    match done {
        Ok(d) => {
            let lang = ctx.lang;
            let counts: Vec<String> = d
                .outcomes
                .iter()
                .map(|(o, n)| {
                    let o = invoicing_host::names::Name::parse(o)
                        .map_or(o.as_str(), |o| lang.outcome(o));
                    format!("{n} {}", o.to_lowercase())
                })
                .collect();
            let summary = format!("{name}: {} – {}", d.file.payments, counts.join(", "));
            let to = format!(
                "/c/{}/innbetalinger?{}",
                s.nav.client,
                serde_urlencoded::to_string([("lest", summary)]).unwrap_or_default()
            );
            Ok(go(&ctx, to))
        }
        // The file refused whole (another account, its sums, not a bank file): nothing was
        // registered, and the page says why.
        Err(e) => {
            let why = match e.downcast_ref::<CallError>() {
                Some(c) => ctx.lang.error(c),
                None => format!("{e:#}"),
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&ctx, &s, None, Some(&why)),
            )
                .into_response())
        }
    }
}

async fn allocate(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let invoice = f.get("faktura").cloned().unwrap_or_default();
    let (s, done) = blocking(&app, move |h| {
        let done = h.allocate(&client, &id, &invoice);
        (seen(h, &client), done)
    })
    .await;
    let s = s?;
    match done {
        Ok(_) => Ok(go(&ctx, format!("/c/{}/innbetalinger", s.nav.client))),
        Err(e) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&ctx, &s, None, Some(&ctx.lang.error(&e))),
        )
            .into_response()),
    }
}

fn page(ctx: &Ctx, s: &Seen, read: Option<&str>, problem: Option<&str>) -> Markup {
    let l = ctx.lang;
    let c = &s.nav.client;
    let title = l.say("Innbetalinger", "Payments");
    pages::layout(
        ctx,
        &s.nav,
        title,
        html! {
            h1 { (title) }
            @if let Some(r) = read { p role="status" class="saved" { (l.say("Lest inn: ", "Read: ")) (r) } }
            @if let Some(p) = problem { div role="alert" class="problems" { p { (p) } } }
            form method="post" enctype="multipart/form-data" action=(format!("/c/{c}/innbetalinger")) class="filters" {
                div class="field" {
                    label for="bankfil" { (l.say("Bankens fil (OCR eller camt.054)", "The bank's file (OCR or camt.054)")) }
                    input id="bankfil" name="fil" type="file" required accept=".txt,.ocr,.dat,.xml";
                }
                button type="submit" class="primary" { (l.say("Les inn", "Read in")) }
            }
            table id="payments" {
                caption class="visually-hidden" { (title) }
                thead { tr {
                    th scope="col" { (l.say("Dato", "Date")) }
                    th scope="col" class="num" { (l.say("Beløp", "Amount")) }
                    th scope="col" { "KID" }
                    th scope="col" { (l.say("Betaler", "Payer")) }
                    th scope="col" { (l.say("Utfall", "Outcome")) }
                    th scope="col" { (l.say("Faktura", "Invoice")) }
                } }
                tbody {
                    @if s.payments.is_empty() { tr { td colspan="6" { (l.say("Ingen innbetalinger ennå.", "No payments yet.")) } } }
                    @for p in &s.payments {
                        tr id=(format!("row-{}", p.id)) {
                            td { (numbers::date(l, &p.date)) }
                            td class="num" { (numbers::shown(l, &p.amount)) }
                            td { (p.kid.as_deref().unwrap_or("")) }
                            td { (p.payer.as_deref().or(p.text.as_deref()).unwrap_or("")) }
                            td class="outcome" { (l.outcome(p.outcome)) }
                            td {
                                @match (&p.invoice_id, p.invoice_number) {
                                    (Some(id), Some(n)) => { a href=(format!("/c/{c}/dokument/{id}")) { (n) } }
                                    _ => { (allocation(ctx, c, p, &s.open)) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A waiting payment's form: which open invoice it pays.
fn allocation(ctx: &Ctx, client: &str, p: &Payment, open: &[OpenItem]) -> Markup {
    let l = ctx.lang;
    let id = format!("fordel-{}", p.id);
    html! {
        form method="post" action=(format!("/c/{client}/innbetalinger/{}/fordel", p.id)) class="inline" {
            label for=(id) class="visually-hidden" { (l.say("Fordel til faktura", "Give to invoice")) }
            select id=(id) name="faktura" required {
                option value="" { (l.say("Velg faktura …", "Choose an invoice …")) }
                @for i in open {
                    option value=(i.invoice_id) { (i.number) " – " (i.customer_name) " – " (numbers::shown(l, &i.open)) }
                }
            }
            button type="submit" { (l.say("Fordel", "Allocate")) }
        }
    }
}

//! The registers a user sets up before invoicing, Kunder and Produkter: the same list, form and
//! save for each, over the store's operations.

use super::{blocking, go, html, nav, pages, App, Ctx, Fail, Nav, Page};
use crate::bindings::Product;
use crate::store::{with_unit, CustomerRecord, Unit};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Form, Router};
use maud::Markup;
use std::collections::HashMap;
use std::sync::Arc;

/// What a form found wrong: (field, message).
pub type Problems = Vec<(String, String)>;

pub trait Register: Send + 'static {
    type Item: Send + 'static;
    /// The path segment: `kunder`, `produkter`.
    const PATH: &'static str;
    fn list(u: &mut dyn Unit, client: &str) -> anyhow::Result<Vec<Self::Item>>;
    fn get(u: &mut dyn Unit, client: &str, id: &str) -> anyhow::Result<Option<Self::Item>>;
    fn put(u: &mut dyn Unit, client: &str, item: &Self::Item) -> anyhow::Result<()>;
    /// The item the form gives, or it with what is wrong; `all` is the register as it is (ids
    /// and customer numbers are unique per client).
    fn read(
        old: Option<&Self::Item>,
        form: &HashMap<String, String>,
        all: &[Self::Item],
    ) -> Result<Self::Item, (Self::Item, Problems)>;
    fn list_page(ctx: &Ctx, nav: &Nav, all: &[Self::Item]) -> Markup;
    fn form_page(
        ctx: &Ctx,
        nav: &Nav,
        item: Option<&Self::Item>,
        problems: &[(String, String)],
    ) -> Markup;
}

pub struct Customers;
pub struct Products;

impl Register for Customers {
    type Item = CustomerRecord;
    const PATH: &'static str = "kunder";
    fn list(u: &mut dyn Unit, client: &str) -> anyhow::Result<Vec<CustomerRecord>> {
        u.customers(client)
    }
    fn get(u: &mut dyn Unit, client: &str, id: &str) -> anyhow::Result<Option<CustomerRecord>> {
        u.customer(client, id)
    }
    fn put(u: &mut dyn Unit, client: &str, c: &CustomerRecord) -> anyhow::Result<()> {
        u.put_customer(client, c)
    }
    fn read(
        old: Option<&CustomerRecord>,
        form: &HashMap<String, String>,
        all: &[CustomerRecord],
    ) -> Result<CustomerRecord, (CustomerRecord, Problems)> {
        pages::customer_from_form(old, form, all)
    }
    fn list_page(ctx: &Ctx, nav: &Nav, all: &[CustomerRecord]) -> Markup {
        pages::customers(ctx, nav, all)
    }
    fn form_page(
        ctx: &Ctx,
        nav: &Nav,
        c: Option<&CustomerRecord>,
        p: &[(String, String)],
    ) -> Markup {
        pages::customer_form(ctx, nav, c, p)
    }
}

impl Register for Products {
    type Item = Product;
    const PATH: &'static str = "produkter";
    fn list(u: &mut dyn Unit, client: &str) -> anyhow::Result<Vec<Product>> {
        u.products(client)
    }
    fn get(u: &mut dyn Unit, client: &str, id: &str) -> anyhow::Result<Option<Product>> {
        u.product(client, id)
    }
    fn put(u: &mut dyn Unit, client: &str, p: &Product) -> anyhow::Result<()> {
        u.put_product(client, p)
    }
    fn read(
        old: Option<&Product>,
        form: &HashMap<String, String>,
        all: &[Product],
    ) -> Result<Product, (Product, Problems)> {
        pages::product_from_form(old.map(|p| p.id.as_str()), form, all)
    }
    fn list_page(ctx: &Ctx, nav: &Nav, all: &[Product]) -> Markup {
        pages::products(ctx, nav, all)
    }
    fn form_page(
        ctx: &Ctx,
        nav: &Nav,
        p: Option<&Product>,
        problems: &[(String, String)],
    ) -> Markup {
        pages::product_form(ctx, nav, p, problems)
    }
}

/// The register's list, its form for a new item and for an existing one.
pub fn routes<R: Register>() -> Router<Arc<App>> {
    let base = format!("/c/{{client}}/{}", R::PATH);
    Router::new()
        .route(&base, get(list::<R>))
        .route(&format!("{base}/ny"), get(form::<R>).post(save::<R>))
        .route(&format!("{base}/{{id}}"), get(form::<R>).post(save::<R>))
}

async fn list<R: Register>(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let (nav, all) = blocking(&app, move |h| -> Result<_, Fail> {
        Ok((
            nav(h, &client)?,
            with_unit(h.store(), |u| R::list(u, &client))?,
        ))
    })
    .await?;
    Ok(html(R::list_page(&ctx, &nav, &all)))
}

/// The item the path names (none for `ny`): a 404 if it is not this client's.
fn item<R: Register>(
    h: &crate::Harness,
    client: &str,
    id: Option<&str>,
) -> Result<Option<R::Item>, Fail> {
    match id {
        None => Ok(None),
        Some(id) => Ok(Some(
            with_unit(h.store(), |u| R::get(u, client, id))?.ok_or(Fail::NotFound)?,
        )),
    }
}

async fn form<R: Register>(
    State(app): State<Arc<App>>,
    Path(path): Path<HashMap<String, String>>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let client = path.get("client").cloned().unwrap_or_default();
    let id = path.get("id").cloned();
    let (nav, old) = blocking(&app, move |h| -> Result<_, Fail> {
        Ok((nav(h, &client)?, item::<R>(h, &client, id.as_deref())?))
    })
    .await?;
    Ok(html(R::form_page(&ctx, &nav, old.as_ref(), &[])))
}

async fn save<R: Register>(
    State(app): State<Arc<App>>,
    Path(path): Path<HashMap<String, String>>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let client = path.get("client").cloned().unwrap_or_default();
    let id = path.get("id").cloned();
    let c = client.clone();
    let (nav, saved) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &c)?;
        let old = item::<R>(h, &c, id.as_deref())?;
        // Read and written in one unit, so two saves at once cannot both take one number.
        let saved = with_unit(h.store(), |u| {
            let all = R::list(u, &c)?;
            let saved = R::read(old.as_ref(), &f, &all);
            if let Ok(item) = &saved {
                R::put(u, &c, item)?;
            }
            Ok(saved)
        })?;
        Ok((nav, saved))
    })
    .await?;
    match saved {
        Ok(_) => Ok(go(&ctx, format!("/c/{client}/{}", R::PATH))),
        Err((item, problems)) => Ok(html(R::form_page(&ctx, &nav, Some(&item), &problems))),
    }
}

//! The registers a user sets up before invoicing, Kunder and Produkter: the same list, form and
//! save for each, over the store's operations.

use super::pages::ListQuery;
use super::{blocking, go, html, nav, pages, App, Ctx, Fail, Nav, Page};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Form, Router};
use invoicing_host::bindings::Product;
use invoicing_host::store::{with_unit, CustomerRecord, Unit};
use maud::Markup;
use std::collections::HashMap;
use std::sync::Arc;

/// What a form found wrong: (the form's field name, what is wrong with it).
pub type Problems = Vec<(&'static str, FormProblem)>;

/// What is wrong with one field of a register's form (worded in `problems.rs`).
#[derive(Clone, Debug, PartialEq)]
pub enum FormProblem {
    Required,
    /// An id must be 1 to 64 of a-z, 0-9 and '-'.
    BadId,
    /// Another item has this id.
    IdTaken,
    /// Another customer has this number: (name, id).
    NumberTaken(String, String),
    /// Not a whole number.
    Digits,
    /// Not an organisation number (9 digits, MOD11).
    NotOrgnr,
    /// Not one line, or holds a control or text-direction character.
    NotOneLine,
    NotEmail,
    /// Not an ISO 4217 currency code.
    NotCurrency,
    NotANumber,
}

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
    fn list_page(ctx: &Ctx, nav: &Nav, all: &[Self::Item], q: &ListQuery) -> Markup;
    /// The form for `item`; `stored` says whether it is in the register (else it is new, or
    /// a new one the save refused); `all` is the register (a new customer is offered the next
    /// free number).
    fn form_page(
        ctx: &Ctx,
        nav: &Nav,
        item: Option<&Self::Item>,
        stored: bool,
        problems: &[(&'static str, FormProblem)],
        all: &[Self::Item],
    ) -> Markup;
}

/// An id made from a name, for an item saved without one: lower case, `æøå` as `aeoa`, other
/// marks and spaces as `-`; `-2`, `-3`, … after it while `taken` says so.
pub fn id_from_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut base = String::new();
    for c in name.to_lowercase().chars() {
        match c {
            'a'..='z' | '0'..='9' => base.push(c),
            'æ' => base.push_str("ae"),
            'ø' | 'ö' => base.push('o'),
            'å' | 'ä' | 'á' | 'à' => base.push('a'),
            'é' | 'è' => base.push('e'),
            'ü' => base.push('u'),
            _ if !base.ends_with('-') && !base.is_empty() => base.push('-'),
            _ => {}
        }
    }
    let mut base: String = base.trim_end_matches('-').chars().take(56).collect();
    if base.is_empty() {
        base.push_str("ny");
    }
    let mut id = base.clone();
    let mut n = 2;
    while taken(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
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
    fn list_page(ctx: &Ctx, nav: &Nav, all: &[CustomerRecord], q: &ListQuery) -> Markup {
        pages::customers(ctx, nav, all, q)
    }
    fn form_page(
        ctx: &Ctx,
        nav: &Nav,
        c: Option<&CustomerRecord>,
        stored: bool,
        p: &[(&'static str, FormProblem)],
        all: &[CustomerRecord],
    ) -> Markup {
        let next = all.iter().map(|c| c.customer.number).max().unwrap_or(0) + 1;
        pages::customer_form(ctx, nav, c, stored, p, next)
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
    fn list_page(ctx: &Ctx, nav: &Nav, all: &[Product], q: &ListQuery) -> Markup {
        pages::products(ctx, nav, all, q)
    }
    fn form_page(
        ctx: &Ctx,
        nav: &Nav,
        p: Option<&Product>,
        stored: bool,
        problems: &[(&'static str, FormProblem)],
        _: &[Product],
    ) -> Markup {
        pages::product_form(ctx, nav, p, stored, problems)
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
    Query(q): Query<ListQuery>,
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
    Ok(html(R::list_page(&ctx, &nav, &all, &q)))
}

/// The item the path names (none for `ny`): a 404 if it is not this client's.
fn item<R: Register>(
    h: &invoicing_host::Harness,
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
    let (nav, old, all) = blocking(&app, move |h| -> Result<_, Fail> {
        let all = with_unit(h.store(), |u| R::list(u, &client))?;
        Ok((nav(h, &client)?, item::<R>(h, &client, id.as_deref())?, all))
    })
    .await?;
    let stored = old.is_some();
    Ok(html(R::form_page(
        &ctx,
        &nav,
        old.as_ref(),
        stored,
        &[],
        &all,
    )))
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
    let (nav, saved, stored) = blocking(&app, move |h| -> Result<_, Fail> {
        let nav = nav(h, &c)?;
        let old = item::<R>(h, &c, id.as_deref())?;
        // Read and written in one unit, so two saves at once cannot both take one number.
        let saved = with_unit(h.store(), |u| {
            let all = R::list(u, &c)?;
            let saved = R::read(old.as_ref(), &f, &all).map_err(|(item, p)| (item, p, all));
            if let Ok(item) = &saved {
                R::put(u, &c, item)?;
            }
            Ok(saved)
        })?;
        Ok((nav, saved, old.is_some()))
    })
    .await?;
    match saved {
        Ok(_) => Ok(go(&ctx, format!("/c/{client}/{}", R::PATH))),
        // A new item refused stays new: its form posts to `ny` again, nothing is lost.
        Err((item, problems, all)) => Ok(html(R::form_page(
            &ctx,
            &nav,
            Some(&item),
            stored,
            &problems,
            &all,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::id_from_name;

    #[test]
    fn an_id_is_made_from_the_name() {
        let none = |_: &str| false;
        assert_eq!(id_from_name("Ærlig & Sønn AS", none), "aerlig-sonn-as");
        assert_eq!(id_from_name("  Bygg Øst, avd. 2 ", none), "bygg-ost-avd-2");
        assert_eq!(id_from_name("<script>", none), "script");
        assert_eq!(id_from_name("???", none), "ny");
        let taken = |id: &str| ["kari", "kari-2"].contains(&id);
        assert_eq!(id_from_name("Kari", taken), "kari-3");
        assert!(invoicing_host::runtime::valid_client_id(&id_from_name(
            &"Å".repeat(100),
            none
        )));
    }
}

//! Customers and products: the host's registers, checked as the console's forms check them
//! (one home for each rule: `pages::customer_from_form`, `pages::product_from_form`).

use super::model::{Customer, CustomerInput, Product, ProductInput};
use super::problem::{FieldProblem, Path};
use super::{parse, read, write, Caller, Problem, Reply};
use crate::registers::{FormProblem, Problems};
use crate::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Json};
use invoicing_host::names::Name;
use invoicing_host::store::with_read;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_customers, create_customer))
        .routes(routes!(get_customer))
        .routes(routes!(list_products, create_product))
        .routes(routes!(get_product))
}

/// The register's refusals, under the API's field names.
fn invalid(problems: Problems) -> Problem {
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        "the register refused it",
    );
    p.fields = problems
        .into_iter()
        .map(|(field, problem)| {
            let field = match field {
                "orgnr" => "organisation_number".to_owned(),
                "channel" => "preferred_channel".to_owned(),
                "street" | "postcode" | "city" | "country" => format!("address.{field}"),
                f => f.replace('-', "_"),
            };
            let (code, message) = match problem {
                FormProblem::Required => ("missing", "required".to_owned()),
                FormProblem::BadId => ("bad_character", "1 to 64 of a-z, 0-9 and '-'".into()),
                FormProblem::IdTaken => ("taken", "another item has this id".into()),
                FormProblem::NumberTaken(name, id) => {
                    ("taken", format!("customer {id} ({name}) has this number"))
                }
                FormProblem::Digits => ("not_a_number", "a whole number".into()),
                FormProblem::NotOrgnr => (
                    "bad_character",
                    "not an organisation number (9 digits, MOD11)".into(),
                ),
                FormProblem::NotOneLine => (
                    "bad_character",
                    "one line, without control characters".into(),
                ),
                FormProblem::NotEmail => ("bad_character", "not an e-mail address".into()),
                FormProblem::NotCurrency => ("bad_character", "not an ISO 4217 code".into()),
                FormProblem::NotANumber => ("not_a_number", "not a decimal number".into()),
            };
            FieldProblem {
                field,
                problem: code.to_owned(),
                message,
            }
        })
        .collect();
    p
}

/// Read, checked and written in one unit: two creations at once cannot take one id or number.
fn put<T>(
    batch: &mut invoicing_host::runtime::Batch,
    check: impl FnOnce(
        &mut dyn invoicing_host::store::Unit,
        &str,
    ) -> anyhow::Result<Result<T, Problems>>,
) -> Result<T, Problem> {
    let mut out = None;
    batch.write(|u, client| {
        out = Some(check(u, client)?);
        Ok(())
    })?;
    out.expect("written").map_err(invalid)
}

#[utoipa::path(get, path = "/api/v1/customers", tag = "registers",
    responses((status = 200, description = "The client's customers", body = Vec<Customer>)))]
async fn list_customers(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<Customer>>, Problem> {
    let all = read(&app, &caller, |h, client| {
        Ok(with_read(h.store(), |u| u.customers(client))?)
    })
    .await?;
    Ok(Json(all.into_iter().map(|c| c.customer.into()).collect()))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "registers",
    params(("id" = String, Path, description = "The customer's id")),
    responses((status = 200, description = "The customer", body = Customer)))]
async fn get_customer(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Customer>, Problem> {
    let c = read(&app, &caller, move |h, client| {
        with_read(h.store(), |u| u.customer(client, &id))?
            .ok_or_else(|| Problem::not_found(&format!("customer {id}")))
    })
    .await?;
    Ok(Json(c.customer.into()))
}

#[utoipa::path(post, path = "/api/v1/customers", tag = "registers",
    request_body = CustomerInput,
    responses((status = 201, description = "Added", body = Customer,
        headers(("Location" = String, description = "The customer's URL")))))]
async fn create_customer(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: CustomerInput = parse(&headers, &body)?;
    let form = customer_form(&input);
    Ok(write(
        &app,
        &caller,
        &headers,
        "POST /api/v1/customers".into(),
        &body,
        move |b, _| {
            let c = put(b, |u, client| {
                let all = u.customers(client)?;
                Ok(match crate::pages::customer_from_form(None, &form, &all) {
                    Ok(c) => {
                        u.put_customer(client, &c)?;
                        Ok(c)
                    }
                    Err((_, problems)) => Err(problems),
                })
            })?;
            let customer: Customer = c.customer.into();
            Reply::created(format!("/api/v1/customers/{}", customer.id), &customer)
        },
    )
    .await)
}

/// The input under the console form's names.
fn customer_form(c: &CustomerInput) -> HashMap<String, String> {
    let mut f = HashMap::new();
    let mut set = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            f.insert(k.to_owned(), v);
        }
    };
    set("id", c.id.clone());
    set("number", Some(c.number.to_string()));
    set("name", Some(c.name.clone()));
    set("orgnr", c.organisation_number.clone());
    set("street", c.address.street.clone());
    set("postcode", c.address.postcode.clone());
    set("city", c.address.city.clone());
    set("country", c.address.country.clone());
    set("email", c.email.clone());
    set(
        "language",
        c.language.map(|l| {
            invoicing_host::bindings::Language::from(l)
                .name()
                .to_owned()
        }),
    );
    set(
        "channel",
        c.preferred_channel.map(|ch| {
            invoicing_host::bindings::Channel::from(ch)
                .name()
                .to_owned()
        }),
    );
    set("attach-ehf", c.attach_ehf.then(|| "1".to_owned()));
    set("currency", c.currency.clone());
    f
}

#[utoipa::path(get, path = "/api/v1/products", tag = "registers",
    responses((status = 200, description = "The client's products", body = Vec<Product>)))]
async fn list_products(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<Product>>, Problem> {
    let all = read(&app, &caller, |h, client| {
        Ok(with_read(h.store(), |u| u.products(client))?)
    })
    .await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "registers",
    params(("id" = String, Path, description = "The product's id")),
    responses((status = 200, description = "The product", body = Product)))]
async fn get_product(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Product>, Problem> {
    let p = read(&app, &caller, move |h, client| {
        with_read(h.store(), |u| u.product(client, &id))?
            .ok_or_else(|| Problem::not_found(&format!("product {id}")))
    })
    .await?;
    Ok(Json(p.into()))
}

#[utoipa::path(post, path = "/api/v1/products", tag = "registers",
    request_body = ProductInput,
    responses((status = 201, description = "Added", body = Product,
        headers(("Location" = String, description = "The product's URL")))))]
async fn create_product(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: ProductInput = parse(&headers, &body)?;
    let mut form = HashMap::new();
    if let Some(id) = &input.id {
        form.insert("id".to_owned(), id.clone());
    }
    form.insert("name".to_owned(), input.name.clone());
    form.insert("unit".to_owned(), input.unit.clone());
    form.insert("unit-price".to_owned(), input.unit_price.clone());
    let code = invoicing_host::bindings::VatCode::from(input.vat_code);
    form.insert("vat-code".to_owned(), code.name().to_owned());
    // Money is a decimal string here, never a number as a person types it ("1 250,50").
    let strict = input.unit_price.parse::<rust_decimal::Decimal>().is_ok()
        && !input.unit_price.contains([' ', ',', '_', 'e', 'E']);
    Ok(write(
        &app,
        &caller,
        &headers,
        "POST /api/v1/products".into(),
        &body,
        move |b, _| {
            if !strict {
                return Err(Problem::field(
                    "unit_price",
                    "not_a_number",
                    "a decimal string such as 1250.00",
                ));
            }
            let p = put(b, |u, client| {
                let all = u.products(client)?;
                Ok(match crate::pages::product_from_form(None, &form, &all) {
                    Ok(p) => {
                        u.put_product(client, &p)?;
                        Ok(p)
                    }
                    Err((_, problems)) => Err(problems),
                })
            })?;
            let product: Product = p.into();
            Reply::created(format!("/api/v1/products/{}", product.id), &product)
        },
    )
    .await)
}

//! Issued documents (invoices and credit notes, as issued, with their files as sent), the
//! overview's lists, credit notes against an invoice, and the money side: payments, bank
//! files and open items.

use super::model::{
    BankImport, CreditRequest, Creditable, Document, DocumentStatus, OpenItem, Page, Payment,
    PaymentInput, PaymentResult, Summary,
};
use super::problem::{Path, Query};
use super::{ask, cursor_offset, paged, parse, read, write, Caller, Problem, Reply};
use crate::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use invoicing_host::bindings as b;
use invoicing_host::ids::Id;
use invoicing_host::runtime::Harness;
use invoicing_host::store::with_read;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_invoices))
        .routes(routes!(list_credit_notes))
        .routes(routes!(list_drafts))
        .routes(routes!(get_invoice))
        .routes(routes!(get_credit_note))
        .routes(routes!(invoice_pdf))
        .routes(routes!(invoice_ehf))
        .routes(routes!(credit_note_pdf))
        .routes(routes!(credit_note_ehf))
        .routes(routes!(creditable))
        .routes(routes!(credit))
        .routes(routes!(invoice_item))
        .routes(routes!(list_payments, register_payment))
        .routes(routes!(open_items))
        .routes(routes!(import_bank_file))
}

/// Where an issued document is read.
pub(super) fn location(id: &str, kind: b::DocumentKind) -> String {
    match kind {
        b::DocumentKind::CreditNote => format!("/api/v1/credit-notes/{id}"),
        _ => format!("/api/v1/invoices/{id}"),
    }
}

/// The overview's filters, and a page of it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub customer_id: Option<String>,
    /// A buyer's, our or the order reference, or a part of one.
    pub reference: Option<String>,
    pub number: Option<u64>,
    /// Issued on or after (YYYY-MM-DD).
    pub issued_from: Option<String>,
    /// Issued on or before (YYYY-MM-DD).
    pub issued_to: Option<String>,
    pub status: Option<DocumentStatus>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

async fn list(
    app: &Arc<App>,
    caller: &Caller,
    q: ListQuery,
    kind: b::DocumentKind,
) -> Result<Json<Page<Summary>>, Problem> {
    let limit = super::page_limit(q.limit)?;
    let offset = cursor_offset(q.cursor.as_deref())?;
    let filter = b::OverviewFilter {
        customer_id: q.customer_id,
        reference: q.reference,
        number: q.number,
        issued_from: q.issued_from,
        issued_to: q.issued_to,
        kind: Some(kind),
        status: q.status.map(Into::into),
        limit: Some(ask(limit)),
        offset: Some(offset),
    };
    let rows = read(app, caller, move |h, client| {
        Ok(h.overview(client, &filter)?)
    })
    .await?;
    let (rows, next_cursor) = paged(rows, offset, limit);
    Ok(Json(Page {
        data: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/invoices", tag = "documents", params(ListQuery),
    responses((status = 200, description = "Invoices, newest first", body = Page<Summary>)))]
async fn list_invoices(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Summary>>, Problem> {
    list(&app, &caller, q, b::DocumentKind::Invoice).await
}

#[utoipa::path(get, path = "/api/v1/credit-notes", tag = "documents", params(ListQuery),
    responses((status = 200, description = "Credit notes, newest first", body = Page<Summary>)))]
async fn list_credit_notes(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Summary>>, Problem> {
    list(&app, &caller, q, b::DocumentKind::CreditNote).await
}

#[utoipa::path(get, path = "/api/v1/drafts", tag = "drafts", params(ListQuery),
    responses((status = 200, description = "Drafts, last changed first", body = Page<Summary>)))]
async fn list_drafts(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Summary>>, Problem> {
    list(&app, &caller, q, b::DocumentKind::Draft).await
}

/// An issued document of `kind`; another kind's id is not found.
fn open(
    h: &mut Harness,
    client: &str,
    id: &str,
    kind: b::DocumentKind,
) -> Result<b::IssuedDocument, Problem> {
    let doc = h.open(client, id)?;
    if doc.kind != kind {
        return Err(Problem::not_found(id));
    }
    Ok(doc)
}

async fn get(
    app: &Arc<App>,
    caller: &Caller,
    id: String,
    kind: b::DocumentKind,
) -> Result<Json<Document>, Problem> {
    let doc = read(app, caller, move |h, client| open(h, client, &id, kind)).await?;
    Ok(Json(doc.into()))
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, description = "The invoice as issued, its deliveries and status now", body = Document)))]
async fn get_invoice(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Document>, Problem> {
    get(&app, &caller, id, b::DocumentKind::Invoice).await
}

#[utoipa::path(get, path = "/api/v1/credit-notes/{id}", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, description = "The credit note as issued", body = Document)))]
async fn get_credit_note(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Document>, Problem> {
    get(&app, &caller, id, b::DocumentKind::CreditNote).await
}

/// A document's file as it was sent: its PDF, or its EHF (none for a document not sent by EHF
/// and not attached).
async fn file(
    app: &Arc<App>,
    caller: &Caller,
    id: String,
    kind: b::DocumentKind,
    ehf: bool,
) -> Result<Response, Problem> {
    let (name, bytes) = read(app, caller, move |h, client| {
        let not_found = || Problem::not_found(&id);
        let n = Id::Doc.row(&id).ok_or_else(not_found)?;
        let doc = with_read(h.store(), |u| u.document(client, n))?.ok_or_else(not_found)?;
        if doc.kind != kind {
            return Err(not_found());
        }
        let files =
            with_read(h.store(), |u| u.reports()?.files(client, n))?.ok_or_else(not_found)?;
        let name = invoicing_host::names::stem(client, doc.kind, doc.number);
        let bytes = if ehf {
            files.ehf.ok_or_else(not_found)?.into_bytes()
        } else {
            files.pdf
        };
        Ok((name, bytes))
    })
    .await?;
    let (mime, ext) = if ehf {
        ("application/xml", "xml")
    } else {
        ("application/pdf", "pdf")
    };
    let disposition = format!("attachment; filename=\"{name}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/pdf", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, description = "The PDF as sent", content_type = "application/pdf", body = Vec<u8>)))]
async fn invoice_pdf(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    file(&app, &caller, id, b::DocumentKind::Invoice, false).await
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/ehf", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, description = "The EHF (UBL 2.1) as sent", content_type = "application/xml", body = String)))]
async fn invoice_ehf(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    file(&app, &caller, id, b::DocumentKind::Invoice, true).await
}

#[utoipa::path(get, path = "/api/v1/credit-notes/{id}/pdf", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, description = "The PDF as sent", content_type = "application/pdf", body = Vec<u8>)))]
async fn credit_note_pdf(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    file(&app, &caller, id, b::DocumentKind::CreditNote, false).await
}

#[utoipa::path(get, path = "/api/v1/credit-notes/{id}/ehf", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, description = "The EHF (UBL 2.1) as sent", content_type = "application/xml", body = String)))]
async fn credit_note_ehf(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    file(&app, &caller, id, b::DocumentKind::CreditNote, true).await
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/creditable", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, description = "What is left to credit, per line and in all", body = Creditable)))]
async fn creditable(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Creditable>, Problem> {
    let left = read(&app, &caller, move |h, client| {
        Ok(h.credit_left(client, &id)?)
    })
    .await?;
    Ok(Json(left.into()))
}

#[utoipa::path(post, path = "/api/v1/invoices/{id}/credit-notes", tag = "documents",
    params(("id" = String, Path)), request_body = CreditRequest,
    responses((status = 201, description = "The credit note, issued", body = Document,
        headers(("Location" = String)))))]
async fn credit(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: CreditRequest = parse(&headers, &body)?;
    let key = super::component_key(&headers)?;
    let request = format!("POST /api/v1/invoices/{id}/credit-notes");
    Ok(write(&app, &caller, &headers, request, &body, move |b, _| {
        let lines: Option<Vec<b::CreditLine>> =
            input.lines.map(|l| l.into_iter().map(Into::into).collect());
        let cn = b.call(|i, s| i.call_credit(s, &id, lines.as_deref(), &input.reason, &key))?;
        Reply::created(location(&cn.id, cn.kind), &Document::from(cn))
    })
    .await)
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/open-item", tag = "receivables", params(("id" = String, Path)),
    responses((status = 200, description = "The invoice's money: payable, credited, paid and open", body = OpenItem)))]
async fn invoice_item(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<OpenItem>, Problem> {
    let item = read(&app, &caller, move |h, client| Ok(h.item(client, &id)?)).await?;
    Ok(Json(item.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PaymentQuery {
    /// Only payments in suspense (no invoice).
    pub unmatched_only: Option<bool>,
    pub invoice_id: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/payments", tag = "receivables", params(PaymentQuery),
    responses((status = 200, description = "Payments, newest first", body = Page<Payment>)))]
async fn list_payments(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<PaymentQuery>,
) -> Result<Json<Page<Payment>>, Problem> {
    let limit = super::page_limit(q.limit)?;
    let offset = cursor_offset(q.cursor.as_deref())?;
    let filter = b::PaymentFilter {
        unmatched_only: q.unmatched_only.unwrap_or(false),
        invoice_id: q.invoice_id,
        limit: Some(ask(limit)),
        offset: Some(offset),
    };
    let rows = read(&app, &caller, move |h, client| {
        Ok(h.payments(client, &filter)?)
    })
    .await?;
    let (rows, next_cursor) = paged(rows, offset, limit);
    Ok(Json(Page {
        data: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/payments", tag = "receivables", request_body = PaymentInput,
    responses((status = 201, description = "Registered (once per Idempotency-Key or bank reference)",
        body = PaymentResult, headers(("Location" = String)))))]
async fn register_payment(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let input: PaymentInput = parse(&headers, &body)?;
    let key = super::component_key(&headers)?;
    Ok(write(
        &app,
        &caller,
        &headers,
        "POST /api/v1/payments".into(),
        &body,
        move |b, _| {
            let super::model::PaymentInput {
                invoice_id,
                kid,
                amount,
                date,
                payer,
                bank_reference,
                nok_amount,
            } = input;
            let p = b::PaymentInput {
                invoice_id,
                kid,
                amount,
                date,
                payer,
                bank_reference,
                idempotency_key: key,
                nok_amount,
            };
            let r = b.call_payments(|i, s| i.call_register(s, &p))?;
            // A payment has no page of its own: its invoice's payments, or those in suspense.
            let at = match &r.payment.invoice_id {
                Some(i) => format!("/api/v1/payments?invoice_id={i}"),
                None => "/api/v1/payments?unmatched_only=true".to_owned(),
            };
            Reply::created(at, &PaymentResult::from(r))
        },
    )
    .await)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ItemQuery {
    pub customer_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/open-items", tag = "receivables", params(ItemQuery),
    responses((status = 200, description = "Invoices with money open", body = Vec<OpenItem>)))]
async fn open_items(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ItemQuery>,
) -> Result<Json<Vec<OpenItem>>, Problem> {
    let items = read(&app, &caller, move |h, client| {
        Ok(h.open_items(client, q.customer_id.as_deref())?)
    })
    .await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/bank-files", tag = "receivables",
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The bank's file as it came: OCR giro (Nets) or camt.054 (ISO 20022)"),
    responses((status = 200, description = "Imported: each payment registered once (one already registered is a `duplicate`)",
        body = BankImport)))]
async fn import_bank_file(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let file = body.clone();
    Ok(super::write_in_parts(
        &app,
        &caller,
        &headers,
        "POST /api/v1/bank-files".into(),
        &body,
        move |h, client| {
            use std::io::Write;
            // The import reads the file twice, as a stream: it goes to a temporary file.
            let mut tmp = tempfile::NamedTempFile::new().map_err(anyhow::Error::from)?;
            tmp.write_all(&file).map_err(anyhow::Error::from)?;
            let done = invoicing_bank::import(h, client, tmp.path(), false).map_err(|e| {
                match e.downcast::<invoicing_host::runtime::CallError>() {
                    Ok(c) => Problem::from(c),
                    // The file refused whole (not a bank file, its sums, its records): nothing
                    // was registered.
                    Err(e) => Problem::field("file", "not_valid", format!("{e:#}")),
                }
            })?;
            Reply::ok(&BankImport {
                format: match done.file.format {
                    invoicing_bank::Format::Ocr => "ocr-giro",
                    invoicing_bank::Format::Camt054 => "camt.054",
                }
                .to_owned(),
                payments: done.file.payments,
                seen_before: done.seen_before,
                outcomes: done.outcomes,
            })
        },
    )
    .await)
}

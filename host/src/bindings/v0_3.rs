//! Components built for contract 0.3.0 (recurring invoices), served by today's host as
//! `v0_4.rs` serves 0.4. What changed for them: `not-allowed` carried prose, which comes up as
//! `refusal.other`; a refusal the host gives them is worded (`refusal_text`); they have no
//! `credit-left` and no payments, and a call to either says so.

use super::convert::{down, up, Release};
use super::latest;
use crate::imports::ImportError;
use crate::runtime::CallState;
use wasmtime::component::Linker;

wasmtime::component::bindgen!({
    path: "../wit/released/invoicing@0.3.0.wit",
    world: "invoicing-component",
    imports: { default: trappable },
    trappable_error_type: { "erp:invoicing/types.error" => crate::imports::ImportError },
    additional_derives: [serde::Serialize, serde::Deserialize],
});

use erp::invoicing as old;
use exports::erp::invoicing as old_exports;
use latest::erp::invoicing as new;

/// Registers the 0.3 imports beside today's.
pub fn add_to_linker(linker: &mut Linker<CallState>) -> anyhow::Result<()> {
    InvoicingComponent::add_to_linker::<_, wasmtime::component::HasSelf<_>>(linker, |s| s)
        .map_err(|e| anyhow::anyhow!("{e:#}"))
}

impl old::types::Host for CallState {
    fn convert_error(&mut self, e: ImportError) -> wasmtime::Result<old::types::Error> {
        Ok(match <Self as new::types::Host>::convert_error(self, e)? {
            new::types::Error::NotAllowed(r) => {
                old::types::Error::NotAllowed(crate::runtime::refusal_text(&r))
            }
            e => down(e)?,
        })
    }
}

type Refusable<T> = Result<T, ImportError>;

super::imports! {
    V0_3, old, new,
    settings {
        fn get() -> wasmtime::Result<old::types::ClientSettings>;
        fn is_active() -> wasmtime::Result<bool>;
        fn set_active(active: bool) -> wasmtime::Result<()>;
        fn record_feedback(reason: String) -> wasmtime::Result<()>;
        fn today() -> wasmtime::Result<String>;
    }
    directory {
        fn get_customer(id: String) -> wasmtime::Result<Option<old::types::Customer>>;
        fn get_product(id: String) -> wasmtime::Result<Option<old::types::Product>>;
        fn peppol_accepts(participant: String, kind: old::types::DocumentKind) -> wasmtime::Result<bool>;
        fn efaktura_lookup(customer_id: String) -> wasmtime::Result<old::directory::EfakturaStatus>;
        fn avtalegiro_mandate(customer_id: String) -> wasmtime::Result<bool>;
    }
    documents {
        fn insert_draft(index: old::documents::Index, body: String) -> Refusable<String>;
        fn get_draft(id: String) -> wasmtime::Result<Option<old::documents::StoredDraft>>;
        fn update_draft(id: String, expected_version: u64, index: old::documents::Index, body: String) -> Refusable<u64>;
        fn delete_draft(id: String) -> Refusable<()>;
        fn issue(doc: old::documents::NewDocument) -> Refusable<String>;
        fn get_document(id: String) -> wasmtime::Result<Option<old::documents::StoredDocument>>;
        fn find_by_idempotency_key(key: String) -> wasmtime::Result<Option<old::documents::StoredDocument>>;
        fn credits_for(invoice_id: String) -> wasmtime::Result<Vec<old::documents::StoredDocument>>;
        fn query(filter: old::types::OverviewFilter) -> Refusable<Vec<old::types::Summary>>;
        fn insert_series(index: old::documents::SeriesIndex, body: String) -> Refusable<String>;
        fn get_series(id: String) -> wasmtime::Result<Option<old::documents::StoredSeries>>;
        fn update_series(id: String, expected_version: u64, index: old::documents::SeriesIndex, body: String) -> Refusable<u64>;
        fn list_series(due_by: Option<String>) -> wasmtime::Result<Vec<old::documents::StoredSeries>>;
    }
    sequences {
        fn next(series: old::sequences::Series, start: u64) -> Refusable<u64>;
    }
    ledger {
        fn post(document_id: String, v: old::types::Voucher) -> Refusable<()>;
    }
    outbox {
        fn enqueue(document_id: String, channel: old::types::Channel, reason: String, fallbacks: Vec<old::types::Channel>) -> Refusable<String>;
    }
}

/// Where a 0.3 component's exports are.
pub struct Indices {
    pub invoicing: old_exports::invoicing::GuestIndices,
    pub recurring: old_exports::recurring::GuestIndices,
}

impl Indices {
    pub fn new(pre: &wasmtime::component::InstancePre<CallState>) -> wasmtime::Result<Self> {
        Ok(Indices {
            invoicing: old_exports::invoicing::GuestIndices::new(pre)?,
            recurring: old_exports::recurring::GuestIndices::new(pre)?,
        })
    }
}

pub type Invoicing = old_exports::invoicing::Guest;
pub type Recurring = old_exports::recurring::Guest;

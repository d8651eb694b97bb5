//! Components built for contract 0.4.x, served by today's host: an ERP upgrades its host and
//! its component on different days (`wit/CHANGELOG.md`, "Moving a host from 0.4").
//!
//! The host implements the latest contract once. For a 0.4 component, each import is the
//! latest one with its values converted, and each export call is converted the other way
//! (Zed's `since_v0_x` modules do the same for its extension API). Types that did not change
//! convert by their names through serde; the one change in 0.5.0 is `field-error.problem`,
//! which a 0.4 component never gives: its field errors arrive as `field-problem.other`, with
//! the component's English message (`convert.rs`).

use super::latest;
use crate::imports::ImportError;
use crate::runtime::CallState;
use wasmtime::component::Linker;

wasmtime::component::bindgen!({
    path: "../wit/released/invoicing@0.4.1.wit",
    world: "invoicing-component",
    imports: { default: trappable },
    trappable_error_type: { "erp:invoicing/types.error" => crate::imports::ImportError },
    additional_derives: [serde::Serialize, serde::Deserialize],
});

use super::convert::{down, up, Release};
use erp::invoicing as old;
use exports::erp::invoicing as old_exports;
use latest::erp::invoicing as new;

/// Registers the 0.4 imports beside today's: a component finds the ones it was built for.
pub fn add_to_linker(linker: &mut Linker<CallState>) -> anyhow::Result<()> {
    InvoicingComponent::add_to_linker::<_, wasmtime::component::HasSelf<_>>(linker, |s| s)
        .map_err(|e| anyhow::anyhow!("{e:#}"))
}

impl old::types::Host for CallState {
    fn convert_error(&mut self, e: ImportError) -> wasmtime::Result<old::types::Error> {
        let e = <Self as new::types::Host>::convert_error(self, e)?;
        Ok(down(e)?)
    }
}

type Refusable<T> = Result<T, ImportError>;

super::imports_since_0_3!(V0_4, old, new);

// Since 0.4.1.
super::imports! {
    V0_4, old, new,
    receivables {
        fn insert_payments(payments: Vec<old::receivables::PaymentToKeep>) -> Refusable<Vec<String>>;
        fn find_payments(keys: Vec<String>) -> wasmtime::Result<Vec<Option<old::types::Payment>>>;
        fn get_payment(id: String) -> wasmtime::Result<Option<old::types::Payment>>;
        fn allocate_payment(id: String, invoice_id: String, outcome: old::types::PaymentOutcome, v: old::types::Voucher) -> Refusable<()>;
        fn invoices_by_kid(kids: Vec<String>) -> wasmtime::Result<Vec<Option<String>>>;
        fn invoice_sums(filter: old::receivables::MoneyFilter) -> wasmtime::Result<Vec<old::receivables::InvoiceMoney>>;
        fn list_payments(filter: old::types::PaymentFilter) -> wasmtime::Result<Vec<old::types::Payment>>;
    }
}

/// Where a 0.4 component's exports are, found once per process.
pub struct Indices {
    pub invoicing: old_exports::invoicing::GuestIndices,
    pub recurring: old_exports::recurring::GuestIndices,
    /// None for a 0.4.0 component (payments came in 0.4.1).
    pub payments: Option<old_exports::payments::GuestIndices>,
}

impl Indices {
    pub fn new(pre: &wasmtime::component::InstancePre<CallState>) -> wasmtime::Result<Self> {
        Ok(Indices {
            invoicing: old_exports::invoicing::GuestIndices::new(pre)?,
            recurring: old_exports::recurring::GuestIndices::new(pre)?,
            payments: old_exports::payments::GuestIndices::new(pre).ok(),
        })
    }
}

pub type Invoicing = old_exports::invoicing::Guest;
pub type Recurring = old_exports::recurring::Guest;
pub type Payments = old_exports::payments::Guest;

//! Components built for contract 0.3.0 (recurring invoices), served by today's host as
//! `v0_4.rs` serves 0.4. What changed for them: `not-allowed` carried prose, which comes up as
//! `refusal.other`; a refusal the host gives them is worded (`names::refusal_text`); they have no
//! `credit-left` and no payments, and a call to either says so.

wasmtime::component::bindgen!({
    path: "../wit/released/invoicing@0.3.0.wit",
    world: "invoicing-component",
    imports: { default: trappable },
    trappable_error_type: { "erp:invoicing/types.error" => crate::bindings::ImportError },
    additional_derives: [serde::Serialize, serde::Deserialize],
});

use exports::erp::invoicing as old_exports;

pub type Invoicing = old_exports::invoicing::Guest;
pub type Recurring = old_exports::recurring::Guest;

//! Components built for contract 0.4.x, served by today's host: an ERP upgrades its host and
//! its component on different days (`wit/CHANGELOG.md`, "Moving a host from 0.4").
//!
//! The host implements the latest contract once. For a 0.4 component, each import is the
//! latest one with its values converted (`imports/older.rs`), and each export call is
//! converted the other way (Zed's `since_v0_x` modules do the same for its extension API).
//! Types that did not change convert by their names through serde; the one change in 0.5.0
//! is `field-error.problem`, which a 0.4 component never gives: its field errors arrive as
//! `field-problem.other`, with the component's English message (`convert.rs`).

wasmtime::component::bindgen!({
    path: "../wit/released/invoicing@0.4.1.wit",
    world: "invoicing-component",
    imports: { default: trappable },
    trappable_error_type: { "erp:invoicing/types.error" => crate::bindings::ImportError },
    additional_derives: [serde::Serialize, serde::Deserialize],
});

use exports::erp::invoicing as old_exports;

pub type Invoicing = old_exports::invoicing::Guest;
pub type Recurring = old_exports::recurring::Guest;
pub type Payments = old_exports::payments::Guest;

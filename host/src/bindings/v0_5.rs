//! Components built for contract 0.5.x (0.5.0 and 0.5.1: wasmtime matches a 0.5.0 component's
//! names to 0.5.1's by semver), served by today's host as `v0_4.rs` serves 0.4. What changed
//! in 0.6.0 (`wit/CHANGELOG.md`): closed sets that were text are enums (template, language,
//! VAT code, VAT category) and three tuples are records; `convert.rs` carries each both ways.
//! A 0.5.0 component has no `reminders` and a call to it says so.

wasmtime::component::bindgen!({
    path: "../wit/released/invoicing@0.5.1.wit",
    world: "invoicing-component",
    imports: { default: trappable },
    trappable_error_type: { "erp:invoicing/types.error" => crate::bindings::ImportError },
    additional_derives: [serde::Serialize, serde::Deserialize],
});

use exports::erp::invoicing as old_exports;

pub type Invoicing = old_exports::invoicing::Guest;
pub type Recurring = old_exports::recurring::Guest;
pub type Payments = old_exports::payments::Guest;
pub type Reminders = old_exports::reminders::Guest;

//! The host side of the contract, generated from `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "invoicing-component",
    imports: { default: trappable },
    // Imports that can refuse return `Result<T, ImportError>`: `?` works on store faults
    // (they trap and roll the call back) and on refusals (the component is told).
    trappable_error_type: { "erp:invoicing/types.error" => crate::imports::ImportError },
    additional_derives: [serde::Serialize],
});

pub use erp::invoicing::types::*;
pub use exports::erp::invoicing::invoicing::Guest as Invoicing;
pub use exports::erp::invoicing::payments::Guest as Payments;
pub use exports::erp::invoicing::recurring::Guest as Recurring;

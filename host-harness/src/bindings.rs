//! The host side of the contract, generated from `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "invoicing-component",
    imports: { default: trappable },
    additional_derives: [serde::Serialize],
});

pub use erp::invoicing::types::*;
pub use exports::erp::invoicing::invoicing::Guest as Invoicing;

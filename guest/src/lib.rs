//! The invoicing component: the WIT bindings and thin adapters (`component.rs`). Each export
//! reads what it needs through the host's imports, calls the rules (`invoicing-rules`, whose
//! modules are re-exported here) and hands the results back.

pub use invoicing_rules::*;

#[cfg(target_arch = "wasm32")]
mod component;

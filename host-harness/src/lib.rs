//! A complete, runnable host ERP for the invoicing component: the wasmtime runtime, an embedded
//! SQLite store with ledger and outbox, the distribution channels, fixtures and scenarios.

pub mod api;
pub mod bench;
pub mod bindings;
pub mod channels;
pub mod db;
pub mod fixtures;
pub mod imports;
pub mod reports;
pub mod runtime;
pub mod scenario;

pub use runtime::{CallError, Host, Limits, Runtime};

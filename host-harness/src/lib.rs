//! A complete, runnable host ERP for the invoicing component: the wasmtime runtime, a store
//! (embedded SQLite, or PostgreSQL for many hosts) with ledger and outbox, the distribution
//! channels, fixtures and scenarios.

pub mod api;
pub mod bank;
pub mod bench;
pub mod bindings;
pub mod channels;
pub mod console;
pub mod fixtures;
pub mod housekeeping;
pub mod identifiers;
pub mod ids;
pub mod imports;
pub mod money;
pub mod names;
pub mod recurring;
pub mod reports;
pub mod runtime;
pub mod scenario;
pub mod store;

pub use runtime::{CallError, Harness, Limits, Runtime};

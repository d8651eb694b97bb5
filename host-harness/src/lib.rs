//! A complete, runnable host ERP for the invoicing component, on the libraries an ERP embeds
//! (re-exported here as they are): the host (`invoicing-host`), the SQL store
//! (`invoicing-store`: embedded SQLite, or PostgreSQL for many hosts) with ledger and outbox,
//! the console (`invoicing-console`) and bank files (`invoicing-bank`); and its own
//! distribution channels, fixtures, scenarios and benchmarks, and the component, embedded.

pub mod bench;
pub mod bench_api;
pub mod channels;
pub mod console;
pub mod fixtures;
pub mod rates;
pub mod reports;
pub mod scenario;

/// Bank files (`invoicing-bank`): OCR giro and camt.054.
pub use invoicing_bank as bank;
pub use invoicing_host::{
    api, bindings, events, housekeeping, ids, imports, money, names, recurring, reminders, runtime,
};
/// The SQL store (`invoicing-store`): SQLite, and PostgreSQL.
pub use invoicing_store as store;
pub use runtime::{CallError, Deliver, Harness, Limits, Runtime};

/// The component, built by build.rs.
pub const COMPONENT_WASM: &[u8] = include_bytes!(env!("INVOICING_WASM"));

/// The runtime around the component this harness embeds (compiled, or loaded from the cache).
pub fn embedded(limits: Limits) -> anyhow::Result<std::sync::Arc<Runtime>> {
    Runtime::with_component(COMPONENT_WASM, limits)
}

/// A host on the store at `db`: an SQLite file, or a `postgres://` URL.
pub fn connect(rt: std::sync::Arc<Runtime>, db: &str) -> anyhow::Result<Harness> {
    Ok(Harness::on(rt, store::open(db)?))
}

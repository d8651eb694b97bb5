//! A complete, runnable host ERP for the invoicing component, on the host library
//! (`invoicing-host`, re-exported here as it is): a store (embedded SQLite, or PostgreSQL for
//! many hosts) with ledger and outbox, the distribution channels, the console, fixtures,
//! scenarios and benchmarks, and the component itself, embedded.

pub mod bank;
pub mod bench;
pub mod channels;
pub mod console;
pub mod fixtures;
pub mod housekeeping;
pub mod identifiers;
pub mod reports;
pub mod scenario;

pub use invoicing_host::{
    api, bindings, ids, imports, money, names, recurring, reminders, runtime,
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

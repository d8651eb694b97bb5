//! `invoicing-store`: the host library's `Store` and every role of its units, over SQL, once
//! for both databases: an embedded SQLite file (the default) and, with the `postgres` feature,
//! PostgreSQL (many host processes on many machines, one database). Every SQL statement of the
//! host lives in this crate. The library's store traits are re-exported, so `store::Unit`
//! reads the same in every crate on top.

mod api;
mod notices;
#[cfg(feature = "postgres")]
mod postgres;
mod receivables;
mod sql;
mod sqlite;

pub use invoicing_host::store::*;
// The host library's modules the SQL modules use, as `crate::…`.
use invoicing_host::{bindings, ids, money, names};
// What the SQL modules take from here (`use super::*`).
use crate::bindings::{
    Channel, ClientSettings, Customer, DeliveryFacts, DocumentKind, DocumentStatus, Product,
};
use anyhow::Result;
use std::sync::Arc;

/// Open the store at `location`: a `postgres://` (or `postgresql://`) URL, or else the path of
/// an SQLite file (created if need be). The schema is created or checked on the way.
pub fn open(location: &str) -> anyhow::Result<Arc<dyn Store>> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return Ok(Arc::new(postgres::PgStore::open(location)?));
        #[cfg(not(feature = "postgres"))]
        anyhow::bail!("this build has no PostgreSQL store (the `postgres` feature)")
    } else {
        Ok(Arc::new(sqlite::SqliteStore::open(std::path::Path::new(
            location,
        ))?))
    }
}

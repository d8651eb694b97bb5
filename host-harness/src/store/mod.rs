//! The harness's store: the host library's `Store` (re-exported, so `store::Unit` reads the same
//! everywhere here) over SQL, once for both databases: an embedded SQLite file (the default)
//! and PostgreSQL (many host processes on many machines, one database). Every SQL statement
//! lives in this module.

mod notices;
mod postgres;
mod receivables;
mod sql;
mod sqlite;

pub use invoicing_host::store::*;
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
        Ok(Arc::new(postgres::PgStore::open(location)?))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::open(std::path::Path::new(
            location,
        ))?))
    }
}

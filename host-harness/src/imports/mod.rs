//! The host's side of each imported interface, one module per WIT interface. Every query is
//! scoped to the call's client: no call can see another client's rows.

mod directory;
mod documents;
mod ledger;
mod outbox;
mod sequences;
mod settings;

use crate::bindings::erp::invoicing::types;
use crate::runtime::CallState;

impl types::Host for CallState {}

/// A host-side refusal the component passes on.
fn refuse(msg: impl Into<String>) -> types::Error {
    types::Error::Host(msg.into())
}

/// `draft-12` → 12, for this kind of id only.
fn parse_id(id: &str, prefix: &str) -> Option<i64> {
    id.strip_prefix(prefix)?.strip_prefix('-')?.parse().ok()
}

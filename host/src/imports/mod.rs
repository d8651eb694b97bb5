//! The host's side of each imported interface, one module per WIT interface. They hold the
//! host's own rules (balanced vouchers, known accounts, numbers just taken, client isolation)
//! and keep records through the store's unit of work; no SQL lives here. Every operation is
//! scoped to the call's client: no call can see another client's records.

mod directory;
mod documents;
mod ledger;
mod outbox;
mod receivables;
mod sequences;
mod settings;

use crate::bindings::erp::invoicing::types;
use crate::runtime::CallState;

/// Why an import did not do what was asked: a refusal the component is told of (and passes
/// on), or a fault of the host's (the database failed) that traps the call, which is then
/// rolled back whole.
#[derive(Debug)]
pub enum ImportError {
    Refused(types::Error),
    Fault(anyhow::Error),
}

impl From<anyhow::Error> for ImportError {
    fn from(e: anyhow::Error) -> Self {
        ImportError::Fault(e)
    }
}

impl From<types::Error> for ImportError {
    fn from(e: types::Error) -> Self {
        ImportError::Refused(e)
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Refused(e) => write!(f, "refused: {e:?}"),
            ImportError::Fault(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for ImportError {}

impl types::Host for CallState {
    fn convert_error(&mut self, e: ImportError) -> wasmtime::Result<types::Error> {
        match e {
            ImportError::Refused(e) => Ok(e),
            ImportError::Fault(e) => Err(wasmtime::Error::from_anyhow(e)),
        }
    }
}

type Result<T> = std::result::Result<T, ImportError>;

/// A store fault in an import that cannot refuse: it traps the call, which is rolled back.
trait Trap<T> {
    fn trap(self) -> wasmtime::Result<T>;
}

impl<T> Trap<T> for anyhow::Result<T> {
    fn trap(self) -> wasmtime::Result<T> {
        self.map_err(wasmtime::Error::from_anyhow)
    }
}

/// A host-side refusal the component passes on.
fn refuse(msg: impl Into<String>) -> ImportError {
    ImportError::Refused(types::Error::Host(msg.into()))
}

fn not_found(id: impl Into<String>) -> ImportError {
    ImportError::Refused(types::Error::NotFound(id.into()))
}

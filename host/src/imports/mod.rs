//! The host's side of each imported interface, one module per WIT interface. They hold the
//! host's own rules (balanced vouchers, known accounts, numbers just taken, client isolation)
//! and keep records through the store's unit of work; no SQL lives here. Every operation is
//! scoped to the call's client: no call can see another client's records.

mod directory;
mod documents;
mod ledger;
mod notices;
mod older;
mod outbox;
mod rates;
mod receivables;
mod sequences;
mod settings;

pub use notices::{default_policy, LEGAL_FIGURES};

use crate::bindings::erp::invoicing::types;
use crate::call::CallState;

pub use crate::bindings::ImportError;

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

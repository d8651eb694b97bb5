//! The invoicing component's host, as a library an ERP embeds: it loads a component of any
//! release it serves (`bindings`), runs each exported call sandboxed as one unit of work
//! (`runtime`), answers the component's imports from the ERP's store (`imports`, over the
//! `store` traits), and runs recurring invoices (`recurring`), reminders (`reminders`) and the
//! clearing of abandoned drafts (`housekeeping`). It knows no database, no channel and no user
//! interface: the ERP brings its `Store` and its `Deliver`.

pub mod api;
pub mod bindings;
pub mod call;
pub mod events;
pub mod fault;
pub mod housekeeping;
pub mod ids;
pub mod imports;
pub mod money;
pub mod names;
pub mod recurring;
pub mod reminders;
pub mod runtime;
pub mod store;

pub use runtime::{CallError, Deliver, Harness, Limits, Runtime};

//! The invoicing component. This file holds the WIT bindings and thin adapters: each export
//! reads what it needs through the host's imports, calls the pure rules in the modules below
//! and hands the results back. The rules know nothing of WIT, so they compile and test natively.

pub mod calc;
pub mod channel;
pub mod checkdigits;
pub mod credit;
pub mod dates;
pub mod draft;
pub mod ehf;
pub mod ehf_check;
pub mod error;
pub mod invoice;
pub mod limits;
pub mod logo;
pub mod model;
pub mod money;
pub mod party;
pub mod pdf;
pub mod receivable;
pub mod recurring;
pub mod settings;
#[cfg(test)]
mod testdata;
pub mod typeset;
pub mod units;
pub mod vat;

#[cfg(target_arch = "wasm32")]
mod component;

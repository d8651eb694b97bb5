//! Every invoicing rule, as plain Rust: no WIT, no host, so each compiles and tests natively.
//! The component (`guest`, `component.rs`) reads what a call needs through the host's imports,
//! calls these, and hands the results back.

pub mod body;
pub mod calc;
pub mod channel;
pub mod checkdigits;
pub mod credit;
pub mod currency;
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
pub mod numbering;
pub mod party;
pub mod pdf;
pub mod receivable;
pub mod recurring;
pub mod reminder;
pub mod settings;
#[cfg(test)]
mod testdata;
pub mod text;
pub mod typeset;
pub mod units;
pub mod vat;

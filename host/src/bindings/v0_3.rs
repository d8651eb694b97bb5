//! Components built for contract 0.3.0 (recurring invoices), served by today's host as
//! `v0_4.rs` serves 0.4. What changed for them: `not-allowed` carried prose, which comes up as
//! `refusal.other`; a refusal the host gives them is worded (`refusal_text`); they have no
//! `credit-left` and no payments, and a call to either says so.

use super::convert::{down, up, Release};
use super::latest;
use crate::imports::ImportError;
use crate::runtime::CallState;
use wasmtime::component::Linker;

wasmtime::component::bindgen!({
    path: "../wit/released/invoicing@0.3.0.wit",
    world: "invoicing-component",
    imports: { default: trappable },
    trappable_error_type: { "erp:invoicing/types.error" => crate::imports::ImportError },
    additional_derives: [serde::Serialize, serde::Deserialize],
});

use erp::invoicing as old;
use exports::erp::invoicing as old_exports;
use latest::erp::invoicing as new;

/// Registers the 0.3 imports beside today's.
pub fn add_to_linker(linker: &mut Linker<CallState>) -> anyhow::Result<()> {
    InvoicingComponent::add_to_linker::<_, wasmtime::component::HasSelf<_>>(linker, |s| s)
        .map_err(|e| anyhow::anyhow!("{e:#}"))
}

impl old::types::Host for CallState {
    fn convert_error(&mut self, e: ImportError) -> wasmtime::Result<old::types::Error> {
        Ok(match <Self as new::types::Host>::convert_error(self, e)? {
            new::types::Error::NotAllowed(r) => {
                old::types::Error::NotAllowed(crate::runtime::refusal_text(&r))
            }
            e => down(e)?,
        })
    }
}

type Refusable<T> = Result<T, ImportError>;

super::imports_since_0_3!(V0_3, old, new);

/// Where a 0.3 component's exports are.
pub struct Indices {
    pub invoicing: old_exports::invoicing::GuestIndices,
    pub recurring: old_exports::recurring::GuestIndices,
}

impl Indices {
    pub fn new(pre: &wasmtime::component::InstancePre<CallState>) -> wasmtime::Result<Self> {
        Ok(Indices {
            invoicing: old_exports::invoicing::GuestIndices::new(pre)?,
            recurring: old_exports::recurring::GuestIndices::new(pre)?,
        })
    }
}

pub type Invoicing = old_exports::invoicing::Guest;
pub type Recurring = old_exports::recurring::Guest;

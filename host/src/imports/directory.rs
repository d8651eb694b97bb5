//! `erp:invoicing/directory`: the CRM, the product register and the channel directories.

use super::Trap;
use crate::bindings::erp::invoicing::directory::{EfakturaStatus, Host};
use crate::bindings::{Customer, DocumentKind, Product};
use crate::call::CallState;

impl Host for CallState {
    fn get_customer(&mut self, id: String) -> wasmtime::Result<Option<Customer>> {
        Ok(self
            .unit
            .customer(&self.client, &id)
            .trap()?
            .map(|c| c.customer))
    }

    fn get_product(&mut self, id: String) -> wasmtime::Result<Option<Product>> {
        self.unit.product(&self.client, &id).trap()
    }

    fn peppol_accepts(
        &mut self,
        participant: String,
        kind: DocumentKind,
    ) -> wasmtime::Result<bool> {
        self.unit.accepts(&participant, kind).trap()
    }

    fn efaktura_lookup(&mut self, customer_id: String) -> wasmtime::Result<EfakturaStatus> {
        Ok(self
            .unit
            .customer(&self.client, &customer_id)
            .trap()?
            .map_or(EfakturaStatus::NotFound, |c| c.efaktura))
    }

    fn avtalegiro_mandate(&mut self, customer_id: String) -> wasmtime::Result<bool> {
        Ok(self
            .unit
            .customer(&self.client, &customer_id)
            .trap()?
            .is_some_and(|c| c.avtalegiro))
    }
}

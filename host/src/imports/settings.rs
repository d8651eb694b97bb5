//! `erp:invoicing/settings`: the client's settings, the on/off toggle, feedback, the date.

use super::Trap;
use crate::bindings::erp::invoicing::settings::Host;
use crate::bindings::{Address, ClientSettings};
use crate::call::CallState;

impl Host for CallState {
    fn get(&mut self) -> wasmtime::Result<ClientSettings> {
        Ok(self
            .unit
            .settings(&self.client)
            .trap()?
            .unwrap_or_else(empty))
    }

    fn is_active(&mut self) -> wasmtime::Result<bool> {
        self.unit.is_active(&self.client).trap()
    }

    fn set_active(&mut self, active: bool) -> wasmtime::Result<()> {
        if !self.unit.set_active(&self.client, active).trap()? {
            wasmtime::bail!("no client {}", self.client);
        }
        Ok(())
    }

    fn record_feedback(&mut self, reason: String) -> wasmtime::Result<()> {
        self.unit.add_feedback(&self.client, &reason).trap()
    }

    fn today(&mut self) -> wasmtime::Result<String> {
        Ok(self.today.to_string())
    }
}

/// The settings of a client the host does not know: nothing set, so activation names it all.
pub fn empty() -> ClientSettings {
    ClientSettings {
        name: None,
        organisation_number: None,
        address: Address {
            street: None,
            postcode: None,
            city: None,
            country: None,
        },
        bank_account: None,
        iban: None,
        bic: None,
        vat_registered: None,
        foretaksregisteret: None,
        template: None,
        channels: Vec::new(),
        invoice_start_number: None,
        credit_note_start_number: None,
        payment_terms_days: None,
        kid_length: None,
        kid_algorithm: None,
        kid_customer_digits: None,
        language: None,
        logo: None,
    }
}

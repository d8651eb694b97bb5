//! `erp:invoicing/rates` (contract 0.6.0): the exchange rate of a day, from the rates the
//! host imported (Norges Bank's CSV, an override file). A store that keeps none answers none,
//! and the component refuses another currency than NOK naming the day.

use super::Trap;
use crate::bindings::erp::invoicing::rates::Host;
use crate::bindings::ExchangeRate;
use crate::call::CallState;

impl Host for CallState {
    fn rate(&mut self, currency: String, on: String) -> wasmtime::Result<Option<ExchangeRate>> {
        match self.unit.rates() {
            Ok(rates) => rates.rate(&currency, &on).trap(),
            Err(_) => Ok(None),
        }
    }
}

//! `erp:invoicing/sequences`: gapless numbers, taken inside the call's unit of work.

use super::Result;
use crate::bindings::erp::invoicing::sequences::{Host, Series};
use crate::call::CallState;

impl Host for CallState {
    fn next(&mut self, series: Series, start: u64) -> Result<u64> {
        let n = self.unit.next_number(&self.client, series, start)?;
        // `issue` accepts exactly the numbers this call took.
        self.taken.push((series, n));
        Ok(n)
    }
}

//! `erp:invoicing/sequences`: gapless numbers, taken inside the call's transaction.

use super::refuse;
use crate::bindings::erp::invoicing::sequences::Host;
use crate::bindings::Error;
use crate::runtime::CallState;
use rusqlite::{params, OptionalExtension};

pub const SERIES: [&str; 2] = ["invoice", "credit-note"];

impl Host for CallState {
    fn next(&mut self, series: String, start: u64) -> wasmtime::Result<Result<u64, Error>> {
        if !SERIES.contains(&series.as_str()) {
            return Ok(Err(refuse(format!("unknown series '{series}'"))));
        }
        let last: Option<i64> = self
            .conn
            .query_row(
                "SELECT last FROM sequences WHERE client_id = ?1 AND series = ?2",
                params![self.client, series],
                |r| r.get(0),
            )
            .optional()?;
        // The start number counts only for a new series: after that, no gaps.
        let next = last.map_or(start, |l| l as u64 + 1);
        self.conn.execute(
            "INSERT INTO sequences (client_id, series, last) VALUES (?1, ?2, ?3) ON CONFLICT (client_id, series) DO UPDATE SET last = excluded.last",
            params![self.client, series, next as i64],
        )?;
        self.taken.push((series, next));
        Ok(Ok(next))
    }
}

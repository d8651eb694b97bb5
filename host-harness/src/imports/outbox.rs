//! `erp:invoicing/outbox`: a delivery is queued inside the call's transaction and sent by the
//! dispatcher after commit, so a rolled-back call sends nothing.

use super::parse_id;
use crate::bindings::erp::invoicing::outbox::Host;
use crate::bindings::{Channel, Error};
use crate::fixtures::channel_name;
use crate::runtime::CallState;
use rusqlite::params;

impl Host for CallState {
    fn enqueue(
        &mut self,
        document_id: String,
        channel: Channel,
        reason: String,
        fallbacks: Vec<Channel>,
    ) -> wasmtime::Result<Result<String, Error>> {
        let Some(doc) = parse_id(&document_id, "doc") else {
            return Ok(Err(Error::NotFound(document_id)));
        };
        let ours: i64 = self.conn.query_row(
            "SELECT count(*) FROM documents WHERE client_id = ?1 AND id = ?2",
            params![self.client, doc],
            |r| r.get(0),
        )?;
        if ours == 0 {
            return Ok(Err(Error::NotFound(document_id)));
        }
        self.conn.execute(
            "INSERT INTO outbox (client_id, document_id, channel, reason, fallbacks, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![self.client, doc, channel_name(channel), reason, fallbacks.into_iter().map(channel_name).collect::<Vec<_>>().join(","), crate::db::now()],
        )?;
        Ok(Ok(format!("delivery-{}", self.conn.last_insert_rowid())))
    }
}

//! `erp:invoicing/outbox`: a delivery is queued inside the call's unit of work and sent by the
//! dispatcher after commit, so a rolled-back call sends nothing.

use super::{not_found, Result};
use crate::bindings::erp::invoicing::outbox::Host;
use crate::bindings::Channel;
use crate::call::CallState;
use crate::ids::Id;
use crate::store::{Purpose, Queue};

impl Host for CallState {
    fn enqueue(
        &mut self,
        document_id: String,
        channel: Channel,
        reason: String,
        fallbacks: Vec<Channel>,
    ) -> Result<String> {
        let Some(doc) = Id::Doc.row(&document_id) else {
            return Err(not_found(document_id));
        };
        if self.unit.issued(&self.client, doc)?.is_none() {
            return Err(not_found(document_id));
        }
        let id = self.unit.enqueue(
            &self.client,
            doc,
            &Queue {
                channel,
                purpose: Purpose::Deliver,
                reason: &reason,
                fallbacks: &fallbacks,
            },
        )?;
        Ok(format!("delivery-{id}"))
    }
}

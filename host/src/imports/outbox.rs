//! `erp:invoicing/outbox`: a delivery is queued inside the call's unit of work and sent by the
//! dispatcher after commit, so a rolled-back call sends nothing. A notice's letter is queued
//! under its invoice, naming the notice.

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
        // A notice's letter goes under its invoice (since 0.5.1).
        let (doc, notice) = match (Id::Doc.row(&document_id), Id::Notice.row(&document_id)) {
            (Some(doc), _) => (doc, None),
            (_, Some(n)) => {
                let client = self.client.clone();
                match self.unit.notices()?.notice(&client, n)? {
                    Some(k) => (k.invoice, Some(n)),
                    None => return Err(not_found(document_id)),
                }
            }
            _ => return Err(not_found(document_id)),
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
                notice,
            },
        )?;
        Ok(format!("delivery-{id}"))
    }
}

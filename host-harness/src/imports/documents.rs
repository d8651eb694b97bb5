//! `erp:invoicing/documents`: drafts (versioned, for autosave) and issued documents
//! (immutable; their numbers must be the ones just taken).

use super::{parse_id, refuse};
use crate::bindings::erp::invoicing::documents::{
    Host, Index, NewDocument, StoredDocument, StoredDraft,
};
use crate::bindings::{Delivery, DeliveryState, DocumentKind, Error, OverviewFilter, Summary};
use crate::db::{self, to_ore};
use crate::fixtures::channel;
use crate::runtime::CallState;
use rusqlite::{params, OptionalExtension, Row};

/// The status of an invoice, from what its credit notes have credited (kept by `issue` in the
/// `credited` table, so the documents themselves stay immutable). Needs `LEFT JOIN credited c`.
const STATUS_SQL: &str = "CASE WHEN d.kind = 'credit-note' OR c.ore IS NULL THEN 'issued' \
     WHEN c.ore < d.payable_ore THEN 'partially-credited' ELSE 'credited' END";

fn kind_name(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::Invoice => "invoice",
        DocumentKind::CreditNote => "credit-note",
        DocumentKind::Draft => "draft",
    }
}

fn kind_of(s: &str) -> DocumentKind {
    match s {
        "invoice" => DocumentKind::Invoice,
        "credit-note" => DocumentKind::CreditNote,
        _ => DocumentKind::Draft,
    }
}

fn state_of(s: &str) -> DeliveryState {
    match s {
        "sent" => DeliveryState::Sent,
        "failed" => DeliveryState::Failed,
        _ => DeliveryState::Queued,
    }
}

fn payable_ore(index: &Index) -> Result<i64, Error> {
    to_ore(&index.payable).ok_or_else(|| {
        refuse(format!(
            "payable '{}' is not an amount in øre",
            index.payable
        ))
    })
}

impl CallState {
    fn stored_document(
        &self,
        where_sql: &str,
        p: impl rusqlite::Params,
    ) -> rusqlite::Result<Option<StoredDocument>> {
        let sql = format!("SELECT d.id, d.kind, d.number, d.body, {STATUS_SQL} FROM documents d LEFT JOIN credited c ON c.document_id = d.id WHERE d.client_id = ?1 AND {where_sql}");
        let doc = self
            .conn
            .query_row(&sql, p, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .optional()?;
        let Some((id, kind, number, body, status)) = doc else {
            return Ok(None);
        };
        Ok(Some(StoredDocument {
            id: format!("doc-{id}"),
            kind: kind_of(&kind),
            number: number as u64,
            body,
            status,
            deliveries: self.deliveries(id)?,
        }))
    }

    pub fn deliveries(&self, doc: i64) -> rusqlite::Result<Vec<Delivery>> {
        let mut stmt = self.conn.prepare("SELECT id, channel, reason, state, attempts, updated_at, detail FROM outbox WHERE document_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([doc], |r| {
            Ok(Delivery {
                id: format!("delivery-{}", r.get::<_, i64>(0)?),
                channel: channel(&r.get::<_, String>(1)?)
                    .unwrap_or(crate::bindings::Channel::Print),
                reason: r.get(2)?,
                state: state_of(&r.get::<_, String>(3)?),
                attempts: r.get(4)?,
                updated_at: r.get(5)?,
                detail: r.get(6)?,
            })
        })?;
        rows.collect()
    }
}

impl Host for CallState {
    fn insert_draft(
        &mut self,
        index: Index,
        body: String,
    ) -> wasmtime::Result<Result<String, Error>> {
        let payable = match payable_ore(&index) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let touched = db::touch(&self.conn, &self.client)?;
        self.conn.execute(
            "INSERT INTO drafts (client_id, version, customer_id, customer_name, buyer_ref, our_ref, order_ref, issue_date, payable_ore, body, touched) VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![self.client, index.customer_id, index.customer_name, index.buyer_reference, index.our_reference, index.order_reference, index.issue_date, payable, body, touched],
        )?;
        Ok(Ok(format!("draft-{}", self.conn.last_insert_rowid())))
    }

    fn get_draft(&mut self, id: String) -> wasmtime::Result<Option<StoredDraft>> {
        let Some(n) = parse_id(&id, "draft") else {
            return Ok(None);
        };
        Ok(self
            .conn
            .query_row(
                "SELECT version, body FROM drafts WHERE client_id = ?1 AND id = ?2",
                params![self.client, n],
                |r| {
                    Ok(StoredDraft {
                        id: id.clone(),
                        version: r.get::<_, i64>(0)? as u64,
                        body: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    fn update_draft(
        &mut self,
        id: String,
        expected_version: u64,
        index: Index,
        body: String,
    ) -> wasmtime::Result<Result<u64, Error>> {
        let Some(n) = parse_id(&id, "draft") else {
            return Ok(Err(Error::NotFound(id)));
        };
        let payable = match payable_ore(&index) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let touched = db::touch(&self.conn, &self.client)?;
        // Compare-and-set on the version: a stale writer never overwrites a newer draft.
        let changed = self.conn.execute(
            "UPDATE drafts SET version = version + 1, customer_id = ?4, customer_name = ?5, buyer_ref = ?6, our_ref = ?7, order_ref = ?8, issue_date = ?9, payable_ore = ?10, body = ?11, touched = ?12 \
             WHERE client_id = ?1 AND id = ?2 AND version = ?3",
            params![self.client, n, expected_version as i64, index.customer_id, index.customer_name, index.buyer_reference, index.our_reference, index.order_reference, index.issue_date, payable, body, touched],
        )?;
        if changed == 1 {
            return Ok(Ok(expected_version + 1));
        }
        let current: Option<i64> = self
            .conn
            .query_row(
                "SELECT version FROM drafts WHERE client_id = ?1 AND id = ?2",
                params![self.client, n],
                |r| r.get(0),
            )
            .optional()?;
        Ok(Err(match current {
            Some(v) => Error::Conflict(v as u64),
            None => Error::NotFound(id),
        }))
    }

    fn delete_draft(&mut self, id: String) -> wasmtime::Result<Result<(), Error>> {
        let Some(n) = parse_id(&id, "draft") else {
            return Ok(Err(Error::NotFound(id)));
        };
        let gone = self.conn.execute(
            "DELETE FROM drafts WHERE client_id = ?1 AND id = ?2",
            params![self.client, n],
        )?;
        Ok(if gone == 1 {
            Ok(())
        } else {
            Err(Error::NotFound(id))
        })
    }

    fn issue(&mut self, doc: NewDocument) -> wasmtime::Result<Result<String, Error>> {
        // The number must be one this call just took from a series, and is used once.
        let Some(pos) = self.taken.iter().position(|(_, n)| *n == doc.number) else {
            return Ok(Err(refuse(format!(
                "number {} was not taken from a series in this call",
                doc.number
            ))));
        };
        let (series, _) = self.taken.remove(pos);
        let kind = kind_name(doc.kind);
        if kind == "draft" {
            return Ok(Err(refuse("a draft is not an issued document")));
        }
        if doc.credits.is_some() != (kind == "credit-note") {
            return Ok(Err(refuse(
                "a credit note, and only a credit note, names the invoice it credits",
            )));
        }
        let credits = match &doc.credits {
            Some(c) => match parse_id(c, "doc").and_then(|n| self.conn.query_row("SELECT id FROM documents WHERE client_id = ?1 AND id = ?2 AND kind = 'invoice'", params![self.client, n], |r| r.get::<_, i64>(0)).optional().transpose()) {
                Some(Ok(n)) => Some(n),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(Err(refuse(format!("credited invoice {c} is not this client's")))),
            },
            None => None,
        };
        let payable = match payable_ore(&doc.index) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let Some(issue_date) = doc.index.issue_date.clone() else {
            return Ok(Err(refuse("an issued document has an issue date")));
        };
        let touched = db::touch(&self.conn, &self.client)?;
        self.conn.execute(
            "INSERT INTO documents (client_id, kind, series, number, credits, idempotency_key, customer_id, customer_name, buyer_ref, our_ref, order_ref, issue_date, payable_ore, body, ehf, pdf, touched) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                self.client, kind, series, doc.number as i64, credits, doc.idempotency_key, doc.index.customer_id, doc.index.customer_name, doc.index.buyer_reference,
                doc.index.our_reference, doc.index.order_reference, issue_date, payable, doc.body, doc.ehf, doc.pdf, touched
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        if let Some(invoice) = credits {
            self.conn.execute(
                "INSERT INTO credited (document_id, ore) VALUES (?1, ?2) ON CONFLICT (document_id) DO UPDATE SET ore = ore + excluded.ore",
                params![invoice, payable],
            )?;
        }
        Ok(Ok(format!("doc-{id}")))
    }

    fn get_document(&mut self, id: String) -> wasmtime::Result<Option<StoredDocument>> {
        let Some(n) = parse_id(&id, "doc") else {
            return Ok(None);
        };
        Ok(self.stored_document("d.id = ?2", params![self.client, n])?)
    }

    fn find_by_idempotency_key(&mut self, key: String) -> wasmtime::Result<Option<StoredDocument>> {
        Ok(self.stored_document("d.idempotency_key = ?2", params![self.client, key])?)
    }

    fn credits_for(&mut self, invoice_id: String) -> wasmtime::Result<Vec<StoredDocument>> {
        let Some(n) = parse_id(&invoice_id, "doc") else {
            return Ok(Vec::new());
        };
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM documents WHERE client_id = ?1 AND credits = ?2 ORDER BY id")?
            .query_map(params![self.client, n], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(self.stored_document("d.id = ?2", params![self.client, id])?);
        }
        Ok(out)
    }

    fn query(&mut self, f: OverviewFilter) -> wasmtime::Result<Result<Vec<Summary>, Error>> {
        use rusqlite::types::Value;
        // Only the filters given go into the SQL, so the planner can pick the index that fits
        // (customer, number, issue date, credited) instead of scanning.
        let mut common = vec!["d.client_id = :client"];
        let mut args: Vec<(&str, Value)> = vec![(":client", self.client.clone().into())];
        if let Some(c) = &f.customer_id {
            common.push("d.customer_id = :customer");
            args.push((":customer", c.clone().into()));
        }
        if let Some(r) = &f.reference {
            common.push("(d.buyer_ref LIKE :reference ESCAPE '\\' OR d.our_ref LIKE :reference ESCAPE '\\' OR d.order_ref LIKE :reference ESCAPE '\\')");
            let escaped = r
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            args.push((":reference", format!("%{escaped}%").into()));
        }
        if let Some(from) = &f.issued_from {
            common.push("d.issue_date >= :from");
            args.push((":from", from.clone().into()));
        }
        if let Some(to) = &f.issued_to {
            common.push("d.issue_date <= :to");
            args.push((":to", to.clone().into()));
        }
        let mut drafts = common.clone();
        let mut docs = common;
        if let Some(n) = f.number {
            drafts.push("0");
            docs.push("d.number = :number");
            args.push((":number", (n as i64).into()));
        }
        match f.kind {
            Some(DocumentKind::Draft) => docs.push("0"),
            Some(k) => {
                drafts.push("0");
                docs.push(if k == DocumentKind::Invoice {
                    "d.kind = 'invoice'"
                } else {
                    "d.kind = 'credit-note'"
                });
            }
            None => {}
        }
        match f.status.as_deref() {
            None => {}
            Some("draft") => docs.push("0"),
            Some(status) => {
                drafts.push("0");
                docs.push(match status {
                    "issued" => "(d.kind = 'credit-note' OR c.ore IS NULL)",
                    "partially-credited" => {
                        "d.id IN (SELECT document_id FROM credited) AND c.ore < d.payable_ore"
                    }
                    _ => "d.id IN (SELECT document_id FROM credited) AND c.ore >= d.payable_ore",
                });
            }
        }
        args.push((":limit", i64::from(f.limit.unwrap_or(50)).into()));
        args.push((":offset", i64::from(f.offset.unwrap_or(0)).into()));
        // Drafts and documents, newest first; the delivery state is looked up for the page only.
        // A number matches a row or two: sorting those beats walking the whole client in
        // `touched` order, which is what SQLite picks when the ORDER BY sits on the union.
        let (inner_order, outer_order) = if f.number.is_some() {
            ("", "ORDER BY x.touched DESC LIMIT :limit OFFSET :offset")
        } else {
            ("ORDER BY touched DESC LIMIT :limit OFFSET :offset", "")
        };
        let sql = format!(
            "SELECT x.*, (SELECT o.state FROM outbox o WHERE o.document_id = x.doc ORDER BY o.id DESC LIMIT 1) FROM (
               SELECT NULL AS doc, 'draft-' || d.id AS id, 'draft' AS kind, NULL AS number, 'draft' AS status, d.customer_id, d.customer_name,
                      d.buyer_ref, d.issue_date, d.payable_ore, d.touched
                 FROM drafts d WHERE {}
               UNION ALL
               SELECT d.id, 'doc-' || d.id, d.kind, d.number, {STATUS_SQL}, d.customer_id, d.customer_name,
                      d.buyer_ref, d.issue_date, d.payable_ore, d.touched
                 FROM documents d LEFT JOIN credited c ON c.document_id = d.id WHERE {}
                {inner_order}
             ) x {outer_order}",
            drafts.join(" AND "),
            docs.join(" AND ")
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let named: Vec<(&str, &dyn rusqlite::ToSql)> = args
            .iter()
            .map(|(k, v)| (*k, v as &dyn rusqlite::ToSql))
            .collect();
        let rows = stmt.query_map(named.as_slice(), summary)?;
        Ok(Ok(rows.collect::<Result<_, _>>()?))
    }
}

fn summary(r: &Row) -> rusqlite::Result<Summary> {
    Ok(Summary {
        id: r.get(1)?,
        kind: kind_of(&r.get::<_, String>(2)?),
        number: r.get::<_, Option<i64>>(3)?.map(|n| n as u64),
        status: r.get(4)?,
        customer_id: r.get(5)?,
        customer_name: r.get(6)?,
        buyer_reference: r.get(7)?,
        issue_date: r.get(8)?,
        payable: db::from_ore(r.get(9)?),
        delivery: r.get::<_, Option<String>>(11)?.as_deref().map(state_of),
        updated_at: chrono::DateTime::from_timestamp_micros(r.get(10)?)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or_default(),
    })
}

//! `erp:invoicing/directory`: the CRM, the product register and the channel directories.

use crate::bindings::erp::invoicing::directory::{EfakturaStatus, Host};
use crate::bindings::{Customer, DocumentKind, Product};
use crate::fixtures;
use crate::runtime::CallState;
use rusqlite::{params, OptionalExtension};

impl Host for CallState {
    fn get_customer(&mut self, id: String) -> wasmtime::Result<Option<Customer>> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM customers WHERE client_id = ?1 AND id = ?2",
                params![self.client, id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match body {
            Some(b) => Some((&serde_json::from_str::<fixtures::Customer>(&b)?).into()),
            None => None,
        })
    }

    fn get_product(&mut self, id: String) -> wasmtime::Result<Option<Product>> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM products WHERE client_id = ?1 AND id = ?2",
                params![self.client, id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(body
            .map(|b| serde_json::from_str::<fixtures::Product>(&b))
            .transpose()?
            .map(|p| Product {
                id: p.id,
                name: p.name,
                unit: p.unit,
                unit_price: p.unit_price,
                vat_code: p.vat_code,
            }))
    }

    fn peppol_accepts(
        &mut self,
        participant: String,
        kind: DocumentKind,
    ) -> wasmtime::Result<bool> {
        let t = match kind {
            DocumentKind::Invoice => "Invoice",
            DocumentKind::CreditNote => "CreditNote",
            DocumentKind::Draft => return Ok(false),
        };
        Ok(self.conn.query_row(
            "SELECT count(*) FROM peppol WHERE participant = ?1 AND document_type = ?2",
            params![participant, t],
            |r| r.get::<_, i64>(0),
        )? > 0)
    }

    fn efaktura_lookup(&mut self, customer_id: String) -> wasmtime::Result<EfakturaStatus> {
        let s: Option<String> = self
            .conn
            .query_row(
                "SELECT efaktura FROM customers WHERE client_id = ?1 AND id = ?2",
                params![self.client, customer_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match s.as_deref() {
            Some("found") => EfakturaStatus::Found,
            Some("no-consent") => EfakturaStatus::NoConsent,
            Some("blocked") => EfakturaStatus::Blocked,
            _ => EfakturaStatus::NotFound,
        })
    }

    fn avtalegiro_mandate(&mut self, customer_id: String) -> wasmtime::Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT avtalegiro FROM customers WHERE client_id = ?1 AND id = ?2",
                params![self.client, customer_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }
}

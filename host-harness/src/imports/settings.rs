//! `erp:invoicing/settings`: the client's settings, the on/off toggle, feedback, the date.

use crate::bindings::erp::invoicing::settings::Host;
use crate::bindings::ClientSettings;
use crate::fixtures::Settings;
use crate::runtime::CallState;
use rusqlite::{params, OptionalExtension};

impl Host for CallState {
    fn get(&mut self) -> wasmtime::Result<ClientSettings> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT settings FROM clients WHERE id = ?1",
                [&self.client],
                |r| r.get(0),
            )
            .optional()?;
        let s: Settings = match json {
            Some(j) => serde_json::from_str(&j)?,
            None => Settings::default(),
        };
        Ok((&s).into())
    }

    fn is_active(&mut self) -> wasmtime::Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT active FROM clients WHERE id = ?1",
                [&self.client],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    fn set_active(&mut self, active: bool) -> wasmtime::Result<()> {
        let n = self.conn.execute(
            "UPDATE clients SET active = ?2 WHERE id = ?1",
            params![self.client, active],
        )?;
        if n != 1 {
            return Err(wasmtime::Error::msg(format!("no client {}", self.client)));
        }
        Ok(())
    }

    fn record_feedback(&mut self, reason: String) -> wasmtime::Result<()> {
        self.conn.execute(
            "INSERT INTO feedback (client_id, reason, at) VALUES (?1, ?2, ?3)",
            params![self.client, reason, crate::db::now()],
        )?;
        Ok(())
    }

    fn today(&mut self) -> wasmtime::Result<String> {
        Ok(self.today.to_string())
    }
}

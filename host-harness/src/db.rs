//! The embedded SQLite store: clients, registers, drafts, issued documents, the journal and the
//! outbox in one file. Issued documents and posted vouchers are immutable in the schema itself.
//! Money is stored as integer øre so SQL sums are exact.

use anyhow::{Context, Result};
use rusqlite::Connection;
use rust_decimal::Decimal;
use std::path::Path;
use std::time::Duration;

const SCHEMA: &str = r#"
-- This store's identity: delivery ids are unique within a store, so receivers key what they
-- accept by (store, delivery), and a fresh database never looks like a repeat of another.
CREATE TABLE IF NOT EXISTS store (id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, client_id TEXT NOT NULL REFERENCES clients(id), reason TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    client_id TEXT NOT NULL REFERENCES clients(id), id TEXT NOT NULL, body TEXT NOT NULL,
    efaktura TEXT NOT NULL DEFAULT 'not-found', avtalegiro INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, id)
);
CREATE TABLE IF NOT EXISTS products (
    client_id TEXT NOT NULL REFERENCES clients(id), id TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (client_id, id)
);
-- The Peppol directory (ELMA/SMP): which participant accepts which document type.
CREATE TABLE IF NOT EXISTS peppol (
    participant TEXT NOT NULL, document_type TEXT NOT NULL CHECK (document_type IN ('Invoice', 'CreditNote')),
    PRIMARY KEY (participant, document_type)
);
CREATE TABLE IF NOT EXISTS accounts (number INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL REFERENCES clients(id),
    version INTEGER NOT NULL,
    customer_id TEXT NOT NULL, customer_name TEXT NOT NULL,
    buyer_ref TEXT, our_ref TEXT, order_ref TEXT, issue_date TEXT,
    payable_ore INTEGER NOT NULL,
    body TEXT NOT NULL,
    touched INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS drafts_client ON drafts (client_id, touched);
CREATE INDEX IF NOT EXISTS drafts_customer ON drafts (client_id, customer_id, touched);
CREATE TABLE IF NOT EXISTS sequences (
    client_id TEXT NOT NULL REFERENCES clients(id), series TEXT NOT NULL, last INTEGER NOT NULL,
    PRIMARY KEY (client_id, series)
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL REFERENCES clients(id),
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit-note')),
    series TEXT NOT NULL,
    number INTEGER NOT NULL,
    credits INTEGER REFERENCES documents(id),
    idempotency_key TEXT,
    customer_id TEXT NOT NULL, customer_name TEXT NOT NULL,
    buyer_ref TEXT, our_ref TEXT, order_ref TEXT, issue_date TEXT NOT NULL,
    payable_ore INTEGER NOT NULL,
    body TEXT NOT NULL, ehf TEXT, pdf BLOB,
    touched INTEGER NOT NULL,
    UNIQUE (client_id, series, number),
    UNIQUE (client_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS documents_client ON documents (client_id, touched);
CREATE INDEX IF NOT EXISTS documents_credits ON documents (credits);
-- The overview's filters: newest first within a customer, a number, an issue-date range.
CREATE INDEX IF NOT EXISTS documents_customer ON documents (client_id, customer_id, touched);
CREATE INDEX IF NOT EXISTS documents_number ON documents (client_id, number);
CREATE INDEX IF NOT EXISTS documents_issued ON documents (client_id, issue_date);
CREATE TRIGGER IF NOT EXISTS documents_immutable BEFORE UPDATE ON documents
    BEGIN SELECT RAISE(ABORT, 'an issued document is immutable'); END;
CREATE TRIGGER IF NOT EXISTS documents_kept BEFORE DELETE ON documents
    BEGIN SELECT RAISE(ABORT, 'an issued document is never deleted'); END;
-- What the credit notes against an invoice have credited in all (derived, kept by the host as
-- it issues credit notes, so an invoice's status needs no scan and the invoice stays immutable).
CREATE TABLE IF NOT EXISTS credited (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id), ore INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL REFERENCES clients(id),
    document_id INTEGER NOT NULL REFERENCES documents(id),
    date TEXT NOT NULL, document_number INTEGER NOT NULL,
    account INTEGER NOT NULL REFERENCES accounts(number),
    debit_ore INTEGER NOT NULL CHECK (debit_ore >= 0), credit_ore INTEGER NOT NULL CHECK (credit_ore >= 0),
    customer_id TEXT, vat_code TEXT, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_client ON journal (client_id, account);
CREATE TRIGGER IF NOT EXISTS journal_immutable BEFORE UPDATE ON journal
    BEGIN SELECT RAISE(ABORT, 'a posted voucher is immutable'); END;
CREATE TRIGGER IF NOT EXISTS journal_kept BEFORE DELETE ON journal
    BEGIN SELECT RAISE(ABORT, 'a posted voucher is never deleted'); END;
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL REFERENCES clients(id),
    document_id INTEGER NOT NULL REFERENCES documents(id),
    channel TEXT NOT NULL, reason TEXT NOT NULL,
    -- The channels to fall back to, in order, if this one refuses for good (comma-separated).
    fallbacks TEXT NOT NULL DEFAULT '',
    -- deliver: the document to its recipient; cancel: an AvtaleGiro deletion request.
    purpose TEXT NOT NULL DEFAULT 'deliver' CHECK (purpose IN ('deliver', 'cancel')),
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    -- The dispatcher that claimed it, until when (Unix ms): no other takes it meanwhile.
    lease_owner TEXT, lease_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- Unix ms before which a retry is not attempted (backoff after a transient failure).
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT, detail TEXT
);
CREATE INDEX IF NOT EXISTS outbox_queued ON outbox (state);
CREATE INDEX IF NOT EXISTS outbox_document ON outbox (document_id);
CREATE TABLE IF NOT EXISTS delivery_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, outbox_id INTEGER NOT NULL REFERENCES outbox(id),
    at TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT
);
"#;

/// NS 4102 accounts the component may post to; the host refuses any other.
const ACCOUNTS: &[(u32, &str)] = &[
    (1500, "Kundefordringer"),
    (2700, "Utgående merverdiavgift, høy sats"),
    (2701, "Utgående merverdiavgift, middels sats"),
    (2702, "Utgående merverdiavgift, råfisk"),
    (2703, "Utgående merverdiavgift, lav sats"),
    (3000, "Salgsinntekt, avgiftspliktig, høy sats"),
    (3005, "Salgsinntekt, omvendt avgiftsplikt"),
    (3020, "Salgsinntekt tjenester, avgiftspliktig"),
    (3030, "Salgsinntekt, avgiftspliktig, middels sats"),
    (3050, "Salgsinntekt, avgiftspliktig, lav sats"),
    (3100, "Salgsinntekt, avgiftsfri"),
    (3200, "Salgsinntekt, utenfor avgiftsområdet / unntatt"),
];

/// Open (and create) the database with durable settings: WAL with `synchronous=FULL`.
pub fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(60))?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
    )?;
    conn.execute_batch(SCHEMA)?;
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    conn.execute(
        "INSERT INTO store (id) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM store)",
        [format!("{:x}{:05x}", t.as_nanos(), std::process::id())],
    )?;
    {
        let mut stmt =
            conn.prepare("INSERT OR IGNORE INTO accounts (number, name) VALUES (?1, ?2)")?;
        for (n, name) in ACCOUNTS {
            stmt.execute(rusqlite::params![n, name])?;
        }
    }
    Ok(conn)
}

pub fn account_name(n: u32) -> &'static str {
    ACCOUNTS
        .iter()
        .find(|(a, _)| *a == n)
        .map_or("?", |(_, name)| name)
}

/// A decimal with at most 2 decimals as øre; None if it has more or is out of range.
pub fn to_ore(s: &str) -> Option<i64> {
    let d: Decimal = s.parse().ok()?;
    if d.scale() > 2 && d.round_dp(2) != d {
        return None;
    }
    let ore = d * Decimal::ONE_HUNDRED;
    i64::try_from(ore.trunc()).ok()
}

/// Øre as `1234.50`.
pub fn from_ore(ore: i64) -> String {
    Decimal::new(ore, 2).to_string()
}

pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A strictly increasing stamp per client for "newest first" (wall time in µs, bumped past the
/// client's last one; each lookup walks the end of a (client_id, touched) index).
pub fn touch(conn: &Connection, client: &str) -> rusqlite::Result<i64> {
    let now = chrono::Utc::now().timestamp_micros();
    let last: i64 = conn.query_row(
        "SELECT max(coalesce((SELECT max(touched) FROM drafts WHERE client_id = ?1), 0), coalesce((SELECT max(touched) FROM documents WHERE client_id = ?1), 0))",
        [client],
        |r| r.get(0),
    )?;
    Ok(now.max(last + 1))
}

/// This store's identity (see the `store` table).
pub fn store_id(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("SELECT id FROM store", [], |r| r.get(0))
}

/// An identifier that may become part of a file name, a MIME boundary or a header (client ids):
/// 1 to 64 of `a-z`, `0-9` and `-`. Checked where it enters, so no `../`, `/`, NUL or CR/LF
/// ever reaches a path.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

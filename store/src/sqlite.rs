//! The embedded backend: one SQLite file, WAL with `synchronous=FULL`. Issued documents and
//! posted vouchers are immutable in the schema itself (triggers). Units of work begin
//! `IMMEDIATE`, so they run one at a time per file, across threads and processes alike.

use super::sql::{Backend, Row, SqlUnit, Value, P, Q};
use super::{Store, Unit, ACCOUNTS};
use anyhow::{Context, Result};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How long a unit waits for the file (its turn, then SQLite's own lock).
const BUSY: Duration = Duration::from_secs(60);

/// The schema version this host writes (`PRAGMA user_version`).
const VERSION: i64 = 8;

const SCHEMA: &str = r#"
-- This store's identity: delivery ids are unique within a store, so receivers key what they
-- accept by (store, delivery), and a fresh database never looks like a repeat of another.
CREATE TABLE IF NOT EXISTS store (id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY,
    active INTEGER NOT NULL DEFAULT 0,
    name TEXT, orgnr TEXT, street TEXT, postcode TEXT, city TEXT, country TEXT,
    bank_account TEXT, iban TEXT, bic TEXT, vat_registered INTEGER, foretaksregisteret INTEGER,
    template TEXT, channels TEXT NOT NULL DEFAULT '', invoice_start INTEGER, credit_start INTEGER,
    terms_days INTEGER, kid_length INTEGER, kid_algorithm TEXT, kid_customer_digits INTEGER,
    language TEXT, logo BLOB
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, client_id TEXT NOT NULL REFERENCES clients(id), reason TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    client_id TEXT NOT NULL REFERENCES clients(id), id TEXT NOT NULL,
    number INTEGER NOT NULL, name TEXT NOT NULL, orgnr TEXT,
    street TEXT, postcode TEXT, city TEXT, country TEXT, email TEXT, language TEXT,
    preferred_channel TEXT, attach_ehf INTEGER NOT NULL DEFAULT 0,
    efaktura TEXT NOT NULL DEFAULT 'not-found', avtalegiro INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, id)
);
CREATE TABLE IF NOT EXISTS products (
    client_id TEXT NOT NULL REFERENCES clients(id), id TEXT NOT NULL,
    name TEXT NOT NULL, unit TEXT NOT NULL, unit_price TEXT NOT NULL, vat_code TEXT NOT NULL,
    PRIMARY KEY (client_id, id)
);
-- The Peppol directory (ELMA/SMP): which participant accepts which document type.
CREATE TABLE IF NOT EXISTS peppol (
    participant TEXT NOT NULL, document_type TEXT NOT NULL CHECK (document_type IN ('invoice', 'credit-note')),
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
    -- The delivery facts (the contract's delivery-facts): the channels read these, never the body.
    email TEXT, orgnr TEXT, street TEXT, postcode TEXT, city TEXT, country TEXT,
    language TEXT NOT NULL, attach_ehf INTEGER NOT NULL, kid TEXT, due_date TEXT NOT NULL,
    seller_name TEXT NOT NULL, seller_account TEXT,
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
-- The overview's reference filter: the three references in a trigram index, so a substring is
-- looked up, not scanned for (documents are never changed, so inserting is all it needs).
CREATE VIRTUAL TABLE IF NOT EXISTS documents_refs USING fts5(
    buyer_ref, our_ref, order_ref, content='documents', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER IF NOT EXISTS documents_refs_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_refs (rowid, buyer_ref, our_ref, order_ref)
    VALUES (new.id, new.buyer_ref, new.our_ref, new.order_ref);
END;
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
CREATE INDEX IF NOT EXISTS journal_document ON journal (document_id);
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
-- At most one deletion request per invoice, whichever dispatcher queues it.
CREATE UNIQUE INDEX IF NOT EXISTS outbox_one_cancel ON outbox (document_id) WHERE purpose = 'cancel';
-- Recurring series (contract 0.3.0): the component's body, and what a run looks up by.
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL REFERENCES clients(id),
    version INTEGER NOT NULL,
    customer_id TEXT NOT NULL, customer_name TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'paused', 'ended')),
    issue_from TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS series_due ON series (client_id, state, issue_from);
CREATE TABLE IF NOT EXISTS delivery_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, outbox_id INTEGER NOT NULL REFERENCES outbox(id),
    at TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT
);
-- Payments (contract 0.4.1), each kept once: the bank's reference and the idempotency key
-- are unique per client. `invoice_id` is none while a payment waits in suspense.
CREATE TABLE IF NOT EXISTS payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL REFERENCES clients(id),
    bank_ref TEXT, idempotency_key TEXT, kid TEXT,
    amount_ore INTEGER NOT NULL, date TEXT NOT NULL, payer TEXT, text TEXT,
    outcome TEXT NOT NULL,
    invoice_id INTEGER REFERENCES documents(id),
    customer_id TEXT,
    UNIQUE (client_id, bank_ref),
    UNIQUE (client_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS payments_invoice ON payments (invoice_id);
CREATE INDEX IF NOT EXISTS payments_waiting ON payments (client_id, id) WHERE invoice_id IS NULL;
-- A payment is changed once: when a person gives it, from suspense, to an invoice.
CREATE TRIGGER IF NOT EXISTS payments_kept BEFORE DELETE ON payments
    BEGIN SELECT RAISE(ABORT, 'a registered payment is never deleted'); END;
CREATE TRIGGER IF NOT EXISTS payments_allocated_once BEFORE UPDATE ON payments
    WHEN old.invoice_id IS NOT NULL OR new.amount_ore <> old.amount_ore OR new.id <> old.id
    BEGIN SELECT RAISE(ABORT, 'a payment is changed only when it is allocated'); END;
-- A KID's invoice, first by id, from the index alone (a plan that walked the ids instead
-- scanned every document per payment).
CREATE INDEX IF NOT EXISTS documents_kid ON documents (client_id, kid, id);
-- The vouchers of payments: a receipt, and an allocation when one waited in suspense.
CREATE TABLE IF NOT EXISTS payment_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL REFERENCES clients(id),
    payment_id INTEGER NOT NULL REFERENCES payments(id),
    date TEXT NOT NULL, voucher_number INTEGER NOT NULL,
    account INTEGER NOT NULL REFERENCES accounts(number),
    debit_ore INTEGER NOT NULL CHECK (debit_ore >= 0), credit_ore INTEGER NOT NULL CHECK (credit_ore >= 0),
    customer_id TEXT, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS payment_journal_payment ON payment_journal (payment_id);
CREATE TRIGGER IF NOT EXISTS payment_journal_immutable BEFORE UPDATE ON payment_journal
    BEGIN SELECT RAISE(ABORT, 'a posted voucher is immutable'); END;
CREATE TRIGGER IF NOT EXISTS payment_journal_kept BEFORE DELETE ON payment_journal
    BEGIN SELECT RAISE(ABORT, 'a posted voucher is never deleted'); END;
-- Bank files imported, by their SHA-256: a repeat is recognised (and registers nothing twice).
CREATE TABLE IF NOT EXISTS bank_files (
    client_id TEXT NOT NULL REFERENCES clients(id), sha256 TEXT NOT NULL,
    name TEXT NOT NULL, payments INTEGER NOT NULL, imported_at TEXT NOT NULL,
    PRIMARY KEY (client_id, sha256)
);
-- Reminders and inkassovarsler (contract 0.5.1): each (invoice, step) once, with its letter
-- and the delivery facts the channels read; never changed.
CREATE TABLE IF NOT EXISTS notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL REFERENCES clients(id),
    invoice_id INTEGER NOT NULL REFERENCES documents(id),
    step INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reminder', 'inkassovarsel')),
    sent TEXT NOT NULL, deadline TEXT NOT NULL,
    fee_ore INTEGER NOT NULL, compensation_ore INTEGER NOT NULL, interest_ore INTEGER NOT NULL, total_ore INTEGER NOT NULL,
    plan TEXT NOT NULL,
    customer_name TEXT NOT NULL, email TEXT, orgnr TEXT, street TEXT, postcode TEXT, city TEXT, country TEXT,
    language TEXT NOT NULL, kid TEXT, seller_name TEXT NOT NULL, seller_account TEXT,
    pdf BLOB NOT NULL, ehf TEXT,
    UNIQUE (invoice_id, step)
);
CREATE TRIGGER IF NOT EXISTS notices_immutable BEFORE UPDATE ON notices
    BEGIN SELECT RAISE(ABORT, 'a notice sent is never changed'); END;
CREATE TRIGGER IF NOT EXISTS notices_kept BEFORE DELETE ON notices
    BEGIN SELECT RAISE(ABORT, 'a notice sent is never deleted'); END;
CREATE TABLE IF NOT EXISTS notice_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL REFERENCES clients(id),
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    date TEXT NOT NULL,
    account INTEGER NOT NULL REFERENCES accounts(number),
    debit_ore INTEGER NOT NULL CHECK (debit_ore >= 0), credit_ore INTEGER NOT NULL CHECK (credit_ore >= 0),
    customer_id TEXT, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notice_journal_notice ON notice_journal (notice_id);
CREATE TRIGGER IF NOT EXISTS notice_journal_immutable BEFORE UPDATE ON notice_journal
    BEGIN SELECT RAISE(ABORT, 'a posted voucher is immutable'); END;
CREATE TRIGGER IF NOT EXISTS notice_journal_kept BEFORE DELETE ON notice_journal
    BEGIN SELECT RAISE(ABORT, 'a posted voucher is never deleted'); END;
CREATE TABLE IF NOT EXISTS reminder_policies (
    client_id TEXT PRIMARY KEY REFERENCES clients(id),
    first_after_days INTEGER NOT NULL, deadline_days INTEGER NOT NULL,
    fee INTEGER NOT NULL, interest INTEGER NOT NULL, reminders INTEGER NOT NULL, inkassovarsel INTEGER NOT NULL,
    compensation INTEGER NOT NULL
);
-- The Peppol directory's participants that accept EHF Reminder 3.0.
CREATE TABLE IF NOT EXISTS peppol_reminders (participant TEXT PRIMARY KEY);
-- Customers who asked for no reminders ('customer'), invoices under a payment agreement ('invoice').
CREATE TABLE IF NOT EXISTS reminder_holds (
    client_id TEXT NOT NULL REFERENCES clients(id),
    what TEXT NOT NULL CHECK (what IN ('customer', 'invoice')),
    id TEXT NOT NULL,
    PRIMARY KEY (client_id, what, id)
);
"#;

/// Schema 6 (contract 0.5.1): a delivery may carry a notice's letter. A column added once:
/// SQLite has no `ADD COLUMN IF NOT EXISTS`.
const OUTBOX_NOTICE: &str =
    "ALTER TABLE outbox ADD COLUMN notice_id INTEGER REFERENCES notices(id);
CREATE INDEX IF NOT EXISTS outbox_notice ON outbox (notice_id) WHERE notice_id IS NOT NULL;";

/// Schema 7 (contract 0.6.0): currencies and the rates they are invoiced at. Columns added
/// once each (SQLite has no `ADD COLUMN IF NOT EXISTS`); the table is `CURRENCY_RATES`.
const CURRENCY_COLUMNS: [(&str, &str, &str); 6] = [
    ("customers", "currency", "TEXT"),
    ("drafts", "currency", "TEXT NOT NULL DEFAULT 'NOK'"),
    ("documents", "currency", "TEXT NOT NULL DEFAULT 'NOK'"),
    ("journal", "currency", "TEXT"),
    ("journal", "currency_amount", "TEXT"),
    ("journal", "exchange_rate", "TEXT"),
];

pub struct SqliteStore {
    pool: r2d2::Pool<Manager>,
    id: String,
    turns: Arc<Turns>,
}

/// The units of work of this process on one file, in the order they began. SQLite's busy
/// handler polls, so a thread that writes unit after unit could otherwise keep another waiting
/// for seconds; here each waits its turn instead (first come, first served). A unit that ends
/// wakes only the next in line: waking them all (a condition variable's `notify_all`) had every
/// waiting thread run to look, and under the API's load that was a fifth of the CPU.
#[derive(Default)]
struct Turns {
    queue: Mutex<VecDeque<(u64, std::thread::Thread)>>,
    next: std::sync::atomic::AtomicU64,
}

/// A unit's turn on its file, given up when dropped (after COMMIT or ROLLBACK).
pub struct Turn {
    turns: Arc<Turns>,
    ticket: u64,
}

impl Turns {
    /// Every store of this process on `path` shares one queue.
    fn of(path: &Path) -> Arc<Turns> {
        static ALL: OnceLock<Mutex<HashMap<PathBuf, Arc<Turns>>>> = OnceLock::new();
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut all = ALL
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        all.entry(key).or_default().clone()
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<(u64, std::thread::Thread)>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wait for this thread's turn, as long as the busy timeout allows.
    fn take(self: &Arc<Turns>) -> Result<Turn> {
        let ticket = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.queue().push_back((ticket, std::thread::current()));
        let until = std::time::Instant::now() + BUSY;
        loop {
            if self.queue().front().map(|t| t.0) == Some(ticket) {
                return Ok(Turn {
                    turns: self.clone(),
                    ticket,
                });
            }
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                self.leave(ticket);
                anyhow::bail!("the database stayed busy for {} s", BUSY.as_secs());
            }
            // A wake-up may be spurious, or meant for a turn before: look again. Another
            // library's park on this thread could take our wake-up: look at least this often.
            std::thread::park_timeout(left.min(Duration::from_millis(50)));
        }
    }

    /// Leave the line, and wake whoever is first in it now.
    fn leave(&self, ticket: u64) {
        let mut queue = self.queue();
        let was_first = queue.front().map(|t| t.0) == Some(ticket);
        queue.retain(|t| t.0 != ticket);
        if was_first {
            if let Some((_, next)) = queue.front() {
                next.unpark();
            }
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.turns.leave(self.ticket);
    }
}

/// A pooled connection in a unit of work, with the unit's turn.
pub struct Held {
    conn: r2d2::PooledConnection<Manager>,
    /// None for a unit that only reads.
    _turn: Option<Turn>,
}

/// Opens connections to one file with the settings every connection needs.
pub struct Manager(PathBuf);

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = rusqlite::Error;
    fn connect(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.0)?;
        conn.busy_timeout(BUSY)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        )?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(conn)
    }
    fn is_valid(&self, _: &mut Connection) -> rusqlite::Result<()> {
        Ok(())
    }
    fn has_broken(&self, _: &mut Connection) -> bool {
        false
    }
}

/// A pooled connection set to refuse writes, or to take them (it keeps the last unit's setting).
fn query_only(
    conn: r2d2::PooledConnection<Manager>,
    only: bool,
) -> Result<r2d2::PooledConnection<Manager>> {
    let sql = if only {
        "PRAGMA query_only = 1"
    } else {
        "PRAGMA query_only = 0"
    };
    conn.prepare_cached(sql)?.execute([])?;
    Ok(conn)
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self> {
        let manager = Manager(path.to_path_buf());
        let mut conn = r2d2::ManageConnection::connect(&manager)
            .with_context(|| format!("opening {}", path.display()))?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: i64 = tx.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'clients'",
            [],
            |r| r.get(0),
        )?;
        // Schema 3 gains the series table (contract 0.3.0), schema 4 the payments (0.4.1),
        // schema 6 the notices (0.5.1), by the additive DDL below.
        anyhow::ensure!(
            (3..=VERSION).contains(&version) || (version == 0 && tables == 0),
            "{} was made by an older host (schema {version}, this host writes {VERSION}): use a new database file",
            path.display()
        );
        tx.execute_batch(SCHEMA)?;
        let has_notice: i64 = tx.query_row(
            "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'notice_id'",
            [],
            |r| r.get(0),
        )?;
        if has_notice == 0 {
            tx.execute_batch(OUTBOX_NOTICE)?;
        }
        for (table, column, ddl) in CURRENCY_COLUMNS {
            let has: i64 = tx.query_row(
                "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
                [table, column],
                |r| r.get(0),
            )?;
            if has == 0 {
                tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {ddl}"))?;
            }
        }
        tx.execute_batch(super::sql::CURRENCY_RATES)?;
        tx.execute_batch(&super::api::ddl("INTEGER PRIMARY KEY"))?;
        tx.execute_batch(&format!("PRAGMA user_version = {VERSION}"))?;
        tx.execute(
            "INSERT INTO store (id) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM store)",
            [super::new_store_id()],
        )?;
        for (n, name) in ACCOUNTS {
            tx.execute(
                "INSERT INTO accounts (number, name) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                rusqlite::params![n, name],
            )?;
        }
        let id = tx.query_row("SELECT id FROM store", [], |r| r.get(0))?;
        tx.commit()?;
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(0))
            // A broken connection shows at its first statement and fails that unit only; no
            // round trip to check each one out.
            .test_on_check_out(false)
            .build(manager)?;
        Ok(SqliteStore {
            pool,
            id,
            turns: Turns::of(path),
        })
    }
}

impl Store for SqliteStore {
    fn begin(&self) -> Result<Box<dyn Unit>> {
        let turn = self.turns.take()?;
        let conn = Held {
            conn: query_only(self.pool.get()?, false)?,
            _turn: Some(turn),
        };
        Ok(Box::new(SqlUnit::<Sqlite>::begin(conn, "BEGIN IMMEDIATE")?))
    }
    fn begin_read(&self) -> Result<Box<dyn Unit>> {
        // A WAL snapshot from the first read: no turn, no write lock, and a write is refused
        // (SQLite would otherwise take the write lock mid-unit, out of turn).
        let conn = Held {
            conn: query_only(self.pool.get()?, true)?,
            _turn: None,
        };
        Ok(Box::new(SqlUnit::<Sqlite>::begin(conn, "BEGIN DEFERRED")?))
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

pub struct Sqlite;

impl ToSql for P<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            P::List(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "SQLite has no array parameters (Backend::ARRAYS)".into(),
                ))
            }
            P::Null => ValueRef::Null,
            P::Int(v) => ValueRef::Integer(v),
            P::Text(v) => ValueRef::Text(v.as_bytes()),
            P::Blob(v) => ValueRef::Blob(v),
        }))
    }
}

fn value(v: ValueRef) -> Result<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => Value::Text(std::str::from_utf8(t)?.to_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        ValueRef::Real(_) => anyhow::bail!("no column holds a float"),
    })
}

impl Backend for Sqlite {
    type Conn = Held;
    const LIKE: &'static str = "LIKE";
    const TRIGRAM_TABLE: bool = true;
    const ARRAYS: bool = false;
    const LISTS_BEGIN: Option<&'static str> = None;
    const SKIP_LOCKED: &'static str = "";

    /// A unit holds the write lock from BEGIN IMMEDIATE: reading is locking enough.
    fn special(_: Q) -> Option<&'static str> {
        None
    }

    fn exec(c: &mut Self::Conn, sql: &str, p: &[P]) -> Result<u64> {
        Ok(c.conn
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(p))? as u64)
    }

    fn rows(c: &mut Self::Conn, sql: &str, p: &[P]) -> Result<Vec<Row>> {
        let mut stmt = c.conn.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(p))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(Row((0..n)
                .map(|i| value(r.get_ref(i)?))
                .collect::<Result<_>>()?));
        }
        Ok(out)
    }

    fn batch(c: &mut Self::Conn, sql: &str) -> Result<u64> {
        // BEGIN, SAVEPOINT, RELEASE and COMMIT come several times per invoice in a run:
        // compiled once per connection, like every other statement.
        if sql.contains(';') {
            c.conn.execute_batch(sql)?;
        } else {
            c.conn.prepare_cached(sql)?.execute([])?;
        }
        Ok(c.conn.changes())
    }
}

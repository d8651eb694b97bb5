//! The PostgreSQL backend: many host processes, on many machines, against one database.
//!
//! - Numbers stay gapless under concurrency: a series' counter row is locked with
//!   `SELECT … FOR UPDATE` inside the unit of work (a sequence would leave gaps on rollback).
//! - Dispatchers claim the outbox with `FOR UPDATE SKIP LOCKED`, so each item goes to one.
//! - Issued documents and posted vouchers are immutable in the database (triggers), as in
//!   SQLite; client isolation is in every statement's `client_id`, as in SQLite.
//! - Units of work run at READ COMMITTED; the row locks above are what serialise them.

use super::sql::{Backend, Row, SqlUnit, Value, P, Q};
use super::{Store, Unit, ACCOUNTS};
use anyhow::{Context, Result};
use postgres::types::{FromSql, IsNull, ToSql, Type};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;

const VERSION: i64 = 9;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS store (id TEXT NOT NULL, version BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY,
    active BIGINT NOT NULL DEFAULT 0,
    name TEXT, orgnr TEXT, street TEXT, postcode TEXT, city TEXT, country TEXT,
    bank_account TEXT, iban TEXT, bic TEXT, vat_registered BIGINT, foretaksregisteret BIGINT,
    template TEXT, channels TEXT NOT NULL DEFAULT '', invoice_start BIGINT, credit_start BIGINT,
    terms_days BIGINT, kid_length BIGINT, kid_algorithm TEXT, kid_customer_digits BIGINT,
    language TEXT, logo BYTEA
);
CREATE TABLE IF NOT EXISTS feedback (
    id BIGSERIAL PRIMARY KEY, client_id TEXT NOT NULL REFERENCES clients(id), reason TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    client_id TEXT NOT NULL REFERENCES clients(id), id TEXT NOT NULL,
    number BIGINT NOT NULL, name TEXT NOT NULL, orgnr TEXT,
    street TEXT, postcode TEXT, city TEXT, country TEXT, email TEXT, language TEXT,
    preferred_channel TEXT, attach_ehf BIGINT NOT NULL DEFAULT 0,
    efaktura TEXT NOT NULL DEFAULT 'not-found', avtalegiro BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, id)
);
CREATE TABLE IF NOT EXISTS products (
    client_id TEXT NOT NULL REFERENCES clients(id), id TEXT NOT NULL,
    name TEXT NOT NULL, unit TEXT NOT NULL, unit_price TEXT NOT NULL, vat_code TEXT NOT NULL,
    PRIMARY KEY (client_id, id)
);
CREATE TABLE IF NOT EXISTS peppol (
    participant TEXT NOT NULL, document_type TEXT NOT NULL CHECK (document_type IN ('invoice', 'credit-note')),
    PRIMARY KEY (participant, document_type)
);
CREATE TABLE IF NOT EXISTS accounts (number BIGINT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS drafts (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id),
    version BIGINT NOT NULL,
    customer_id TEXT NOT NULL, customer_name TEXT NOT NULL,
    buyer_ref TEXT, our_ref TEXT, order_ref TEXT, issue_date TEXT,
    payable_ore BIGINT NOT NULL,
    body TEXT COMPRESSION lz4 NOT NULL,
    touched BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS drafts_client ON drafts (client_id, touched);
CREATE INDEX IF NOT EXISTS drafts_customer ON drafts (client_id, customer_id, touched);
CREATE TABLE IF NOT EXISTS sequences (
    client_id TEXT NOT NULL REFERENCES clients(id), series TEXT NOT NULL, last BIGINT NOT NULL,
    PRIMARY KEY (client_id, series)
);
CREATE TABLE IF NOT EXISTS documents (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id),
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit-note')),
    series TEXT NOT NULL,
    number BIGINT NOT NULL,
    credits BIGINT REFERENCES documents(id),
    idempotency_key TEXT,
    customer_id TEXT NOT NULL, customer_name TEXT NOT NULL,
    buyer_ref TEXT, our_ref TEXT, order_ref TEXT, issue_date TEXT NOT NULL,
    payable_ore BIGINT NOT NULL,
    email TEXT, orgnr TEXT, street TEXT, postcode TEXT, city TEXT, country TEXT,
    language TEXT NOT NULL, attach_ehf BIGINT NOT NULL, kid TEXT, due_date TEXT NOT NULL,
    seller_name TEXT NOT NULL, seller_account TEXT,
    -- lz4, not the default pglz: compressing a PDF and its EHF would otherwise cost each finalize
    -- a millisecond or two of the server's time.
    body TEXT COMPRESSION lz4 NOT NULL, ehf TEXT COMPRESSION lz4, pdf BYTEA COMPRESSION lz4,
    touched BIGINT NOT NULL,
    UNIQUE (client_id, series, number),
    UNIQUE (client_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS documents_client ON documents (client_id, touched);
CREATE INDEX IF NOT EXISTS documents_credits ON documents (credits);
CREATE INDEX IF NOT EXISTS documents_customer ON documents (client_id, customer_id, touched);
CREATE INDEX IF NOT EXISTS documents_number ON documents (client_id, number);
CREATE INDEX IF NOT EXISTS documents_issued ON documents (client_id, issue_date);
CREATE TABLE IF NOT EXISTS credited (
    document_id BIGINT PRIMARY KEY REFERENCES documents(id), ore BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id),
    document_id BIGINT NOT NULL REFERENCES documents(id),
    date TEXT NOT NULL, document_number BIGINT NOT NULL,
    account BIGINT NOT NULL REFERENCES accounts(number),
    debit_ore BIGINT NOT NULL CHECK (debit_ore >= 0), credit_ore BIGINT NOT NULL CHECK (credit_ore >= 0),
    customer_id TEXT, vat_code TEXT, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_client ON journal (client_id, account);
CREATE INDEX IF NOT EXISTS journal_document ON journal (document_id);
CREATE TABLE IF NOT EXISTS outbox (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id),
    document_id BIGINT NOT NULL REFERENCES documents(id),
    channel TEXT NOT NULL, reason TEXT NOT NULL,
    fallbacks TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT 'deliver' CHECK (purpose IN ('deliver', 'cancel')),
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    lease_owner TEXT, lease_until BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT, detail TEXT
);
CREATE INDEX IF NOT EXISTS outbox_queued ON outbox (state, id) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS outbox_document ON outbox (document_id);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_one_cancel ON outbox (document_id) WHERE purpose = 'cancel';
CREATE TABLE IF NOT EXISTS delivery_attempts (
    id BIGSERIAL PRIMARY KEY, outbox_id BIGINT NOT NULL REFERENCES outbox(id),
    at TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT
);
"#;

/// Schema 4 (contract 0.3.0): recurring series. A new table only, so a live schema-3 database
/// gains it without locking what running units hold.
const SERIES: &str = r#"
CREATE TABLE IF NOT EXISTS series (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id),
    version BIGINT NOT NULL,
    customer_id TEXT NOT NULL, customer_name TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'paused', 'ended')),
    issue_from TEXT,
    body TEXT COMPRESSION lz4 NOT NULL
);
CREATE INDEX IF NOT EXISTS series_due ON series (client_id, state, issue_from);
-- Issued documents and posted vouchers are never changed nor removed, whoever asks.
CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is immutable: % refused', TG_TABLE_NAME, TG_OP;
END $$;
DROP TRIGGER IF EXISTS documents_immutable ON documents;
CREATE TRIGGER documents_immutable BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
DROP TRIGGER IF EXISTS documents_truncate ON documents;
CREATE TRIGGER documents_truncate BEFORE TRUNCATE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
DROP TRIGGER IF EXISTS journal_immutable ON journal;
CREATE TRIGGER journal_immutable BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
DROP TRIGGER IF EXISTS journal_truncate ON journal;
CREATE TRIGGER journal_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
"#;

/// Schema 5 (contract 0.4.1): payments, their vouchers and the bank files imported: new
/// tables and indexes only, as schema 4 was. Schema 6: their references checked per
/// statement (below); run again on a schema 5 database, it drops the row-by-row keys.
const PAYMENTS: &str = r#"
CREATE TABLE IF NOT EXISTS payments (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL,
    bank_ref TEXT, idempotency_key TEXT, kid TEXT,
    amount_ore BIGINT NOT NULL, date TEXT NOT NULL, payer TEXT, text TEXT,
    outcome TEXT NOT NULL,
    invoice_id BIGINT,
    customer_id TEXT,
    UNIQUE (client_id, bank_ref),
    UNIQUE (client_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS payments_invoice ON payments (invoice_id);
CREATE INDEX IF NOT EXISTS payments_waiting ON payments (client_id, id) WHERE invoice_id IS NULL;
CREATE OR REPLACE FUNCTION refuse_reallocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.invoice_id IS NOT NULL OR NEW.amount_ore <> OLD.amount_ore OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'a payment is changed only when it is allocated';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS payments_allocated_once ON payments;
CREATE TRIGGER payments_allocated_once BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION refuse_reallocation();
DROP TRIGGER IF EXISTS payments_kept ON payments;
CREATE TRIGGER payments_kept BEFORE DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- A KID's invoice, first by id, from the index alone (a plan that walked the ids instead
-- scanned every document per payment).
CREATE INDEX IF NOT EXISTS documents_kid ON documents (client_id, kid, id);
CREATE TABLE IF NOT EXISTS payment_journal (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL,
    payment_id BIGINT NOT NULL,
    date TEXT NOT NULL, voucher_number BIGINT NOT NULL,
    account BIGINT NOT NULL,
    debit_ore BIGINT NOT NULL CHECK (debit_ore >= 0), credit_ore BIGINT NOT NULL CHECK (credit_ore >= 0),
    customer_id TEXT, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS payment_journal_payment ON payment_journal (payment_id);
DROP TRIGGER IF EXISTS payment_journal_immutable ON payment_journal;
CREATE TRIGGER payment_journal_immutable BEFORE UPDATE OR DELETE ON payment_journal
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- What payments and their postings refer to is checked per statement, not per row: a bank
-- file's part inserts a thousand payments and two thousand postings at once, and a foreign
-- key checks (and locks) each row's parent by itself, ~10 µs each: three quarters of the
-- import's time (BENCHMARKS.md, "money in"). The parents (clients, documents, accounts,
-- payments) are never deleted, so the referring side is all there is to check; the check
-- is stricter than the keys were: an invoice or a payment of the same client.
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_client_id_fkey;
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_invoice_id_fkey;
ALTER TABLE payment_journal DROP CONSTRAINT IF EXISTS payment_journal_client_id_fkey;
ALTER TABLE payment_journal DROP CONSTRAINT IF EXISTS payment_journal_payment_id_fkey;
ALTER TABLE payment_journal DROP CONSTRAINT IF EXISTS payment_journal_account_fkey;
-- Each row's parent is looked up by its primary key, one row at a time (a join could be
-- planned as a scan of every document: the planner cannot count a transition table's rows).
CREATE OR REPLACE FUNCTION payments_refer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed n
                WHERE (SELECT c.id FROM clients c WHERE c.id = n.client_id) IS NULL
                   OR (n.invoice_id IS NOT NULL AND
                       (SELECT d.client_id FROM documents d WHERE d.id = n.invoice_id)
                           IS DISTINCT FROM n.client_id)) THEN
        RAISE EXCEPTION 'a payment refers to a client or an invoice that is not there'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS payments_inserted_refer ON payments;
CREATE TRIGGER payments_inserted_refer AFTER INSERT ON payments
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION payments_refer();
DROP TRIGGER IF EXISTS payments_updated_refer ON payments;
CREATE TRIGGER payments_updated_refer AFTER UPDATE ON payments
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION payments_refer();
CREATE OR REPLACE FUNCTION payment_journal_refer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed n
                WHERE (SELECT p.client_id FROM payments p WHERE p.id = n.payment_id)
                          IS DISTINCT FROM n.client_id
                   OR (SELECT a.number FROM accounts a WHERE a.number = n.account) IS NULL) THEN
        RAISE EXCEPTION 'a posting refers to a payment or an account that is not there'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS payment_journal_refer ON payment_journal;
CREATE TRIGGER payment_journal_refer AFTER INSERT ON payment_journal
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION payment_journal_refer();
CREATE TABLE IF NOT EXISTS bank_files (
    client_id TEXT NOT NULL REFERENCES clients(id), sha256 TEXT NOT NULL,
    name TEXT NOT NULL, payments BIGINT NOT NULL, imported_at TEXT NOT NULL,
    PRIMARY KEY (client_id, sha256)
);
"#;

/// Schema 7 (contract 0.5.1): reminders and inkassovarsler, their vouchers and their
/// deliveries (an outbox row names its notice), the clients' reminder policies and who is not
/// to be reminded: new tables and a new column only.
const NOTICES: &str = r#"
CREATE TABLE IF NOT EXISTS notices (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id),
    invoice_id BIGINT NOT NULL REFERENCES documents(id),
    step BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reminder', 'inkassovarsel')),
    sent TEXT NOT NULL, deadline TEXT NOT NULL,
    fee_ore BIGINT NOT NULL, compensation_ore BIGINT NOT NULL, interest_ore BIGINT NOT NULL, total_ore BIGINT NOT NULL,
    plan TEXT NOT NULL,
    customer_name TEXT NOT NULL, email TEXT, orgnr TEXT, street TEXT, postcode TEXT, city TEXT, country TEXT,
    language TEXT NOT NULL, kid TEXT, seller_name TEXT NOT NULL, seller_account TEXT,
    pdf BYTEA NOT NULL, ehf TEXT,
    UNIQUE (invoice_id, step)
);
DROP TRIGGER IF EXISTS notices_immutable ON notices;
CREATE TRIGGER notices_immutable BEFORE UPDATE OR DELETE ON notices
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TABLE IF NOT EXISTS notice_journal (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id),
    notice_id BIGINT NOT NULL REFERENCES notices(id),
    date TEXT NOT NULL,
    account BIGINT NOT NULL REFERENCES accounts(number),
    debit_ore BIGINT NOT NULL CHECK (debit_ore >= 0), credit_ore BIGINT NOT NULL CHECK (credit_ore >= 0),
    customer_id TEXT, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notice_journal_notice ON notice_journal (notice_id);
DROP TRIGGER IF EXISTS notice_journal_immutable ON notice_journal;
CREATE TRIGGER notice_journal_immutable BEFORE UPDATE OR DELETE ON notice_journal
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS notice_id BIGINT REFERENCES notices(id);
CREATE INDEX IF NOT EXISTS outbox_notice ON outbox (notice_id) WHERE notice_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS reminder_policies (
    client_id TEXT PRIMARY KEY REFERENCES clients(id),
    first_after_days BIGINT NOT NULL, deadline_days BIGINT NOT NULL,
    fee BIGINT NOT NULL, interest BIGINT NOT NULL, reminders BIGINT NOT NULL, inkassovarsel BIGINT NOT NULL,
    compensation BIGINT NOT NULL
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

/// Schema 8 (contract 0.6.0): currencies, and the rates they are invoiced at
/// (`sql::CURRENCY_RATES`).
const CURRENCIES: &str = "ALTER TABLE customers ADD COLUMN IF NOT EXISTS currency TEXT;
ALTER TABLE drafts ADD COLUMN IF NOT EXISTS currency TEXT NOT NULL DEFAULT 'NOK';
ALTER TABLE documents ADD COLUMN IF NOT EXISTS currency TEXT NOT NULL DEFAULT 'NOK';
ALTER TABLE journal ADD COLUMN IF NOT EXISTS currency TEXT;
ALTER TABLE journal ADD COLUMN IF NOT EXISTS currency_amount TEXT;
ALTER TABLE journal ADD COLUMN IF NOT EXISTS exchange_rate TEXT;";

const TRIGRAM_INDEX: &str = "CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS documents_refs ON documents
    USING gin (buyer_ref gin_trgm_ops, our_ref gin_trgm_ops, order_ref gin_trgm_ops);";

pub struct PgStore {
    pool: r2d2::Pool<Manager>,
    id: String,
}

/// A connection with its prepared statements (each is parsed once per connection).
pub struct PgConn {
    client: Client,
    prepared: HashMap<String, Statement>,
}

impl PgConn {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        // The shared statements number their parameters `?N`; PostgreSQL's are `$N`.
        let s = self.client.prepare(&sql.replace('?', "$"))?;
        self.prepared.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

pub struct Manager(postgres::Config);

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;
    fn connect(&self) -> Result<PgConn, postgres::Error> {
        let mut client = self.0.connect(NoTls)?;
        // No JIT: it compiles for ~15 ms when a plan's estimate is high (stale statistics
        // while a table grows), for statements that run in 5 (measured on the import).
        client.batch_execute("SET jit = off")?;
        Ok(PgConn {
            client,
            prepared: HashMap::new(),
        })
    }
    fn is_valid(&self, c: &mut PgConn) -> Result<(), postgres::Error> {
        c.client.simple_query("").map(|_| ())
    }
    fn has_broken(&self, c: &mut PgConn) -> bool {
        c.client.is_closed()
    }
}

impl PgStore {
    pub fn open(url: &str) -> Result<Self> {
        let config: postgres::Config = url.parse().context("the PostgreSQL URL")?;
        let manager = Manager(config);
        let mut c = r2d2::ManageConnection::connect(&manager)
            .with_context(|| format!("connecting to {}", redact(url)))?;
        let mut tx = c.client.transaction()?;
        // Hosts starting together create the schema one at a time.
        tx.execute("SELECT pg_advisory_xact_lock(4712)", &[])?;
        let exists: bool = tx
            .query_one("SELECT to_regclass('store') IS NOT NULL", &[])?
            .get(0);
        if exists {
            let version: i64 = tx.query_one("SELECT version FROM store", &[])?.get(0);
            anyhow::ensure!(
                (3..=VERSION).contains(&version),
                "the database was made by another host version (schema {version}, this host writes {VERSION})"
            );
            if version == 3 {
                tx.batch_execute(SERIES)?;
            }
            if version < 6 {
                tx.batch_execute(PAYMENTS)?;
            }
            if version < 7 {
                tx.batch_execute(NOTICES)?;
            }
            if version < 8 {
                tx.batch_execute(CURRENCIES)?;
                tx.batch_execute(super::sql::CURRENCY_RATES)?;
            }
            if version < VERSION {
                // Schema 9: the HTTP API's keys, kept responses and webhooks.
                tx.batch_execute(&super::api::ddl("BIGSERIAL PRIMARY KEY"))?;
                add_accounts(&mut tx)?;
                tx.execute("UPDATE store SET version = $1", &[&VERSION])?;
            }
        } else {
            // Only a new database gets the DDL: on a live one it would take table locks that
            // running units of work hold the other way round (a deadlock).
            tx.batch_execute(SCHEMA)?;
            tx.batch_execute(SERIES)?;
            tx.batch_execute(PAYMENTS)?;
            tx.batch_execute(NOTICES)?;
            tx.batch_execute(CURRENCIES)?;
            tx.batch_execute(super::sql::CURRENCY_RATES)?;
            tx.batch_execute(&super::api::ddl("BIGSERIAL PRIMARY KEY"))?;
            // The overview's reference filter from a trigram index (pg_trgm serves ILIKE
            // '%…%'); where the extension may not be created, the filter scans instead.
            {
                let mut sp = tx.transaction()?;
                match sp.batch_execute(TRIGRAM_INDEX) {
                    Ok(()) => sp.commit()?,
                    Err(e) => eprintln!("no trigram index for the reference filter: {e}"),
                }
            }
            tx.execute(
                "INSERT INTO store (id, version) VALUES ($1, $2)",
                &[&super::new_store_id(), &VERSION],
            )?;
            add_accounts(&mut tx)?;
        }
        let id: String = tx.query_one("SELECT id FROM store", &[])?.get(0);
        tx.commit()?;
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(0))
            // A broken connection shows at its first statement and fails that unit only; no
            // round trip to check each one out.
            .test_on_check_out(false)
            .build(manager)?;
        Ok(PgStore { pool, id })
    }
}

/// The chart of accounts, as this host knows it (a newer host adds its new accounts).
fn add_accounts(tx: &mut postgres::Transaction) -> Result<()> {
    for (n, name) in ACCOUNTS {
        tx.execute(
            "INSERT INTO accounts (number, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&i64::from(*n), name],
        )?;
    }
    Ok(())
}

/// A URL with its password hidden, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(colon) => format!("{}:***{}", &url[..s + 3 + colon], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

impl Store for PgStore {
    fn begin(&self) -> Result<Box<dyn Unit>> {
        Ok(Box::new(SqlUnit::<Postgres>::begin(
            self.pool.get()?,
            "BEGIN",
        )?))
    }
    fn begin_read(&self) -> Result<Box<dyn Unit>> {
        Ok(Box::new(SqlUnit::<Postgres>::begin(
            self.pool.get()?,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?))
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn backend(&self) -> &'static str {
        "postgres"
    }
    fn concurrent_writers(&self) -> bool {
        true
    }
}

pub struct Postgres;

impl ToSql for P<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            P::Null => Ok(IsNull::Yes),
            P::Int(v) if *ty == Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
            P::Int(v) => v.to_sql(ty, out),
            P::Text(v) => v.to_sql(ty, out),
            P::Blob(v) => v.to_sql(ty, out),
            P::List(v) => v.to_sql(ty, out),
        }
    }
    fn accepts(ty: &Type) -> bool {
        [
            Type::INT4,
            Type::INT8,
            Type::TEXT,
            Type::VARCHAR,
            Type::BYTEA,
            Type::INT8_ARRAY,
            Type::TEXT_ARRAY,
        ]
        .contains(ty)
    }
    postgres::types::to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::BYTEA => Value::Blob(Vec::<u8>::from_sql(ty, raw)?),
            _ => Value::Text(String::from_sql(ty, raw)?),
        })
    }
    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Value::Null)
    }
    fn accepts(ty: &Type) -> bool {
        [
            Type::INT4,
            Type::INT8,
            Type::BOOL,
            Type::TEXT,
            Type::VARCHAR,
            Type::BYTEA,
        ]
        .contains(ty)
    }
}

impl Backend for Postgres {
    type Conn = r2d2::PooledConnection<Manager>;
    const LIKE: &'static str = "ILIKE";
    const TRIGRAM_TABLE: bool = false;
    const ARRAYS: bool = true;
    // A generic plan, cached while `payments` was small, kept scanning it as it grew (a bank
    // file's import spent most of its time so: BENCHMARKS.md, "money in"). Only for the
    // units that touch payments: planning every statement afresh made invoices dearer.
    const LISTS_BEGIN: Option<&'static str> = Some("SET LOCAL plan_cache_mode = force_custom_plan");
    const SKIP_LOCKED: &'static str = "FOR UPDATE OF w SKIP LOCKED";

    fn special(q: Q) -> Option<&'static str> {
        Some(match q {
            // The counter row stays locked until the unit ends: the next host waits for it.
            Q::LockCounter => {
                "SELECT last FROM sequences WHERE client_id = ?1 AND series = ?2 FOR UPDATE"
            }
            // Rows another dispatcher is claiming right now are skipped, not waited for.
            Q::Claim => {
                "UPDATE outbox SET lease_owner = ?1, lease_until = ?2
                  WHERE id IN (SELECT id FROM outbox
                                WHERE state = 'queued' AND next_attempt_at <= ?3
                                  AND (lease_until IS NULL OR lease_until < ?3)
                                ORDER BY id LIMIT ?4
                                FOR UPDATE SKIP LOCKED)
                 RETURNING id, purpose, channel, fallbacks, attempts, document_id, notice_id"
            }
            // Serialises the two recordings that may queue an invoice's deletion request.
            Q::LockDocument => "SELECT id FROM documents WHERE id = ?1 FOR NO KEY UPDATE",
            _ => return None,
        })
    }

    fn exec(c: &mut Self::Conn, sql: &str, p: &[P]) -> Result<u64> {
        let stmt = c.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = p.iter().map(|v| v as _).collect();
        Ok(c.client.execute(&stmt, &params)?)
    }

    fn rows(c: &mut Self::Conn, sql: &str, p: &[P]) -> Result<Vec<Row>> {
        let stmt = c.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = p.iter().map(|v| v as _).collect();
        c.client
            .query(&stmt, &params)?
            .iter()
            .map(|r| {
                Ok(Row((0..r.len())
                    .map(|i| r.try_get::<_, Value>(i))
                    .collect::<Result<_, _>>()?))
            })
            .collect()
    }

    fn batch(c: &mut Self::Conn, sql: &str) -> Result<u64> {
        let mut n = 0;
        for m in c.client.simple_query(sql)? {
            if let postgres::SimpleQueryMessage::CommandComplete(k) = m {
                n += k;
            }
        }
        Ok(n)
    }
}

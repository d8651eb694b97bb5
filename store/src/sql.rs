//! The store's operations in SQL, once for both backends. The statements are standard SQL that
//! SQLite and PostgreSQL read alike, written with `?N` placeholders; a backend supplies its own
//! text where the dialects differ (row locks, `SKIP LOCKED`) and runs the statements.

use super::*;
use crate::bindings::{
    Address, CurrencyAmount, Delivery, DeliveryState, ExchangeRate, OverviewFilter, Summary,
};
use crate::ids::Id;
use crate::names::Name;
use anyhow::{anyhow, Context};

/// A parameter, borrowed from the caller (PDFs and bodies are large).
#[derive(Clone, Copy, Debug)]
pub enum P<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
    /// A column of values as one array parameter, where the backend has arrays
    /// ([`Backend::ARRAYS`]): a list of any length is one constant statement. Only PostgreSQL
    /// reads it.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    List(&'a [P<'a>]),
}

impl From<i64> for P<'_> {
    fn from(v: i64) -> Self {
        P::Int(v)
    }
}
impl From<u64> for P<'_> {
    fn from(v: u64) -> Self {
        P::Int(v as i64)
    }
}
impl From<u32> for P<'_> {
    fn from(v: u32) -> Self {
        P::Int(v.into())
    }
}
impl From<bool> for P<'_> {
    fn from(v: bool) -> Self {
        P::Int(v.into())
    }
}
impl<'a> From<&'a str> for P<'a> {
    fn from(v: &'a str) -> Self {
        P::Text(v)
    }
}
impl<'a> From<&'a String> for P<'a> {
    fn from(v: &'a String) -> Self {
        P::Text(v)
    }
}
impl<'a> From<&'a [u8]> for P<'a> {
    fn from(v: &'a [u8]) -> Self {
        P::Blob(v)
    }
}
impl<'a, T: Into<P<'a>>> From<Option<T>> for P<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(P::Null, Into::into)
    }
}

macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$(P::from($v)),*] };
}
pub(super) use params;

/// A value read back.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value> {
        self.0.get(i).ok_or_else(|| anyhow!("no column {i}"))
    }
    pub fn oi(&self, i: usize) -> Result<Option<i64>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            v => Err(anyhow!("column {i}: expected an integer, found {v:?}")),
        }
    }
    pub fn i(&self, i: usize) -> Result<i64> {
        self.oi(i)?
            .ok_or_else(|| anyhow!("column {i}: expected an integer, found NULL"))
    }
    pub fn os(&self, i: usize) -> Result<Option<String>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v.clone())),
            v => Err(anyhow!("column {i}: expected text, found {v:?}")),
        }
    }
    pub fn s(&self, i: usize) -> Result<String> {
        self.os(i)?
            .ok_or_else(|| anyhow!("column {i}: expected text, found NULL"))
    }
    pub fn ob(&self, i: usize) -> Result<Option<Vec<u8>>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Blob(v) => Ok(Some(v.clone())),
            v => Err(anyhow!("column {i}: expected bytes, found {v:?}")),
        }
    }
    pub(super) fn bool(&self, i: usize) -> Result<bool> {
        Ok(self.i(i)? != 0)
    }
    fn obool(&self, i: usize) -> Result<Option<bool>> {
        Ok(self.oi(i)?.map(|v| v != 0))
    }
    /// Street, postcode, city and country from column `i` on.
    pub(super) fn address(&self, i: usize) -> Result<Address> {
        Ok(Address {
            street: self.os(i)?,
            postcode: self.os(i + 1)?,
            city: self.os(i + 2)?,
            country: self.os(i + 3)?,
        })
    }
    pub(super) fn name<T: Name>(&self, i: usize) -> Result<T> {
        let w = self.s(i)?;
        T::parse(&w).ok_or_else(|| anyhow!("column {i}: '{w}' is not a known value"))
    }
    /// A word that may be unset, where one this host does not know reads as unset too: a
    /// language or template kept as free text before contract 0.6.0, which the component read
    /// as "the default" then.
    pub(super) fn oname<T: Name>(&self, i: usize) -> Result<Option<T>> {
        Ok(self.os(i)?.and_then(|w| T::parse(&w)))
    }
}

/// What a backend does: run the statements below in its dialect on one connection.
pub trait Backend: Send + Sync + 'static {
    type Conn: Send + 'static;
    /// The text of `q` where this dialect needs its own; `None` takes [`Q::sql`].
    fn special(q: Q) -> Option<&'static str>;
    /// The operator the overview's reference filter matches with (case-insensitive).
    const LIKE: &'static str;
    /// Whether documents' references are in a trigram full-text table (`documents_refs`):
    /// a search of 3 characters or more then looks them up instead of scanning.
    const TRIGRAM_TABLE: bool;
    /// Whether a statement takes a list as one array parameter ([`P::List`], `= ANY(?N)`,
    /// `unnest`): PostgreSQL plans a statement of a thousand `VALUES` rows for longer than it
    /// runs it. SQLite has no arrays; its lists are `VALUES` rows and `IN (…)` marks.
    const ARRAYS: bool;
    /// Run once in a unit before its first look-up of payments: lists of any length, over
    /// tables that grow by a thousand rows a statement, want each statement planned for its
    /// parameters and the tables as they are now.
    const LISTS_BEGIN: Option<&'static str>;
    /// What a claim's sub-select ends with so that rows another dispatcher is claiming are
    /// skipped (PostgreSQL's `FOR UPDATE … SKIP LOCKED`); SQLite has one writer at a time.
    const SKIP_LOCKED: &'static str;
    /// Run a statement with `?N` placeholders; rows affected.
    fn exec(c: &mut Self::Conn, sql: &str, p: &[P]) -> Result<u64>;
    fn rows(c: &mut Self::Conn, sql: &str, p: &[P]) -> Result<Vec<Row>>;
    /// Statements without parameters (BEGIN, COMMIT, ROLLBACK, or a test's raw SQL).
    fn batch(c: &mut Self::Conn, sql: &str) -> Result<u64>;
}

/// One unit of work on a backend's connection: rolled back on drop unless committed.
pub struct SqlUnit<B: Backend> {
    conn: Option<B::Conn>,
    /// Whether [`Backend::LISTS_BEGIN`] ran in this unit.
    lists_begun: bool,
}

impl<B: Backend> SqlUnit<B> {
    pub fn begin(mut conn: B::Conn, begin: &str) -> Result<Self> {
        B::batch(&mut conn, begin)?;
        Ok(SqlUnit {
            conn: Some(conn),
            lists_begun: false,
        })
    }
    pub(super) fn c(&mut self) -> &mut B::Conn {
        self.conn.as_mut().expect("open until commit")
    }
    fn exec(&mut self, q: Q, p: &[P]) -> Result<u64> {
        let sql = B::special(q).unwrap_or(q.sql());
        B::exec(self.c(), sql, p).with_context(|| format!("{q:?}"))
    }
    fn rows(&mut self, q: Q, p: &[P]) -> Result<Vec<Row>> {
        let sql = B::special(q).unwrap_or(q.sql());
        B::rows(self.c(), sql, p).with_context(|| format!("{q:?}"))
    }
    fn row(&mut self, q: Q, p: &[P]) -> Result<Option<Row>> {
        Ok(self.rows(q, p)?.into_iter().next())
    }
    fn int(&mut self, q: Q, p: &[P]) -> Result<i64> {
        self.row(q, p)?
            .ok_or_else(|| anyhow!("{q:?}: no row"))?
            .i(0)
    }
    fn documents(&mut self, q: Q, p: &[P]) -> Result<Vec<Document>> {
        self.rows(q, p)?.iter().map(document).collect()
    }
    /// A strictly increasing stamp per client for "newest first": wall time in µs, bumped
    /// past the client's last one.
    fn touch(&mut self, client: &str) -> Result<i64> {
        let last = self.int(Q::LastTouched, params![client])?;
        Ok(chrono::Utc::now().timestamp_micros().max(last + 1))
    }
}

impl<B: Backend> Drop for SqlUnit<B> {
    fn drop(&mut self) {
        if let Some(mut c) = self.conn.take() {
            let _ = B::batch(&mut c, "ROLLBACK");
        }
    }
}

/// `(?1, ?2), (?3, ?4)`: the placeholders of `rows` rows of `per_row` values, for one INSERT
/// of many rows (one round trip).
pub(super) fn value_rows(rows: usize, per_row: usize) -> String {
    (0..rows)
        .map(|r| {
            let marks: Vec<String> = (1..=per_row)
                .map(|k| format!("?{}", r * per_row + k))
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn now() -> String {
    stamp(chrono::Utc::now())
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Exchange rates as imported (contract 0.6.0): one per (currency, day), the rate as the exact
/// decimal text it was given in (NOK per one unit). Both dialects take it as it is.
pub const CURRENCY_RATES: &str = "CREATE TABLE IF NOT EXISTS exchange_rates (
    currency TEXT NOT NULL, date TEXT NOT NULL, rate TEXT NOT NULL, source TEXT NOT NULL,
    PRIMARY KEY (currency, date)
);";

/// The columns of a document, in the order [`document`] reads them (needs
/// `documents d LEFT JOIN credited c ON c.document_id = d.id`).
macro_rules! document_columns {
    () => {
        "d.id, d.client_id, d.kind, d.number, d.issue_date, d.body, d.customer_name, d.email, d.orgnr, \
         d.street, d.postcode, d.city, d.country, d.language, d.attach_ehf, d.kid, d.due_date, \
         d.payable_ore, d.seller_name, d.seller_account, d.credits, d.currency, \
         CASE WHEN d.kind = 'credit-note' OR c.ore IS NULL THEN 'issued' \
              WHEN c.ore < d.payable_ore THEN 'partially-credited' ELSE 'credited' END"
    };
}

fn document(r: &Row) -> Result<Document> {
    Ok(Document {
        id: r.i(0)?,
        client: r.s(1)?,
        kind: r.name(2)?,
        number: r.i(3)? as u64,
        issue_date: r.s(4)?,
        body: r.s(5)?,
        facts: DeliveryFacts {
            recipient_name: r.s(6)?,
            email: r.os(7)?,
            organisation_number: r.os(8)?,
            address: r.address(9)?,
            language: r.name(13)?,
            attach_ehf: r.bool(14)?,
            kid: r.os(15)?,
            due_date: r.s(16)?,
            payable: crate::money::from_ore(r.i(17)?),
            seller_name: r.s(18)?,
            seller_account: r.os(19)?,
            credited_invoice: r.oi(20)?.map(|id| Id::Doc.of(id)),
            currency: r.s(21)?,
        },
        status: r.name(22)?,
    })
}

/// The statements, by what they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Q {
    PutClient,
    Settings,
    Clients,
    ClientNames,
    Active,
    SetActive,
    Feedback,
    PutCustomer,
    Customer,
    Customers,
    PutProduct,
    Product,
    Products,
    PutParticipant,
    Accepts,
    LastTouched,
    InsertDraft,
    Draft,
    UpdateDraft,
    DraftVersion,
    DeleteDraft,
    HoldDraft,
    InsertSeries,
    SeriesById,
    UpdateSeries,
    SeriesVersion,
    AllSeries,
    DueSeries,
    NewCounter,
    LockCounter,
    LastNumber,
    SetCounter,
    InsertDocument,
    AddCredited,
    DocumentById,
    DocumentByKey,
    CreditsFor,
    ClaimedDocument,
    NoticeDeliveries,
    Files,
    Issued,
    HasVoucher,
    Post,
    Enqueue,
    Deliveries,
    Claim,
    Renew,
    Finish,
    Attempt,
    Queued,
    LockDocument,
    NeedsCancel,
    Journal,
    TrialBalance,
    CustomerBalances,
    DeliveryReport,
    Rate,
    PutRate,
}

impl Q {
    pub fn sql(self) -> &'static str {
        match self {
            Q::PutClient => "INSERT INTO clients (id, name, orgnr, street, postcode, city, country, bank_account, iban, bic, vat_registered, foretaksregisteret, template, channels, invoice_start, credit_start, terms_days, kid_length, kid_algorithm, kid_customer_digits, language, logo)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, orgnr = excluded.orgnr, street = excluded.street, postcode = excluded.postcode,
                   city = excluded.city, country = excluded.country, bank_account = excluded.bank_account, iban = excluded.iban, bic = excluded.bic,
                   vat_registered = excluded.vat_registered, foretaksregisteret = excluded.foretaksregisteret, template = excluded.template,
                   channels = excluded.channels, invoice_start = excluded.invoice_start, credit_start = excluded.credit_start,
                   terms_days = excluded.terms_days, kid_length = excluded.kid_length, kid_algorithm = excluded.kid_algorithm,
                   kid_customer_digits = excluded.kid_customer_digits, language = excluded.language, logo = excluded.logo",
            Q::Settings => "SELECT name, orgnr, street, postcode, city, country, bank_account, iban, bic, vat_registered, foretaksregisteret, template, channels, invoice_start, credit_start, terms_days, kid_length, kid_algorithm, kid_customer_digits, language, logo
                 FROM clients WHERE id = ?1",
            Q::Clients => "SELECT id FROM clients ORDER BY id",
            Q::ClientNames => "SELECT id, coalesce(name, id) FROM clients ORDER BY id",
            Q::Active => "SELECT active FROM clients WHERE id = ?1",
            Q::SetActive => "UPDATE clients SET active = ?2 WHERE id = ?1",
            Q::Feedback => "INSERT INTO feedback (client_id, reason, at) VALUES (?1, ?2, ?3)",
            Q::PutCustomer => "INSERT INTO customers (client_id, id, number, name, orgnr, street, postcode, city, country, email, language, preferred_channel, attach_ehf, efaktura, avtalegiro, currency)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
                 ON CONFLICT (client_id, id) DO UPDATE SET number = excluded.number, name = excluded.name, orgnr = excluded.orgnr,
                   street = excluded.street, postcode = excluded.postcode, city = excluded.city, country = excluded.country,
                   email = excluded.email, language = excluded.language, preferred_channel = excluded.preferred_channel,
                   attach_ehf = excluded.attach_ehf, efaktura = excluded.efaktura, avtalegiro = excluded.avtalegiro,
                   currency = excluded.currency",
            Q::Customer => "SELECT id, number, name, orgnr, street, postcode, city, country, email, language, preferred_channel, attach_ehf, efaktura, avtalegiro, currency
                 FROM customers WHERE client_id = ?1 AND id = ?2",
            Q::Customers => "SELECT id, number, name, orgnr, street, postcode, city, country, email, language, preferred_channel, attach_ehf, efaktura, avtalegiro, currency
                 FROM customers WHERE client_id = ?1 ORDER BY name, id",
            Q::PutProduct => "INSERT INTO products (client_id, id, name, unit, unit_price, vat_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (client_id, id) DO UPDATE SET name = excluded.name, unit = excluded.unit, unit_price = excluded.unit_price, vat_code = excluded.vat_code",
            Q::Product => "SELECT id, name, unit, unit_price, vat_code FROM products WHERE client_id = ?1 AND id = ?2",
            Q::Products => "SELECT id, name, unit, unit_price, vat_code FROM products WHERE client_id = ?1 ORDER BY name, id",
            Q::PutParticipant => "INSERT INTO peppol (participant, document_type) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            Q::Accepts => "SELECT count(*) FROM peppol WHERE participant = ?1 AND document_type = ?2",
            Q::LastTouched => "SELECT coalesce(max(t), 0) FROM (SELECT max(touched) AS t FROM drafts WHERE client_id = ?1
                 UNION ALL SELECT max(touched) FROM documents WHERE client_id = ?1) x",
            Q::InsertDraft => "INSERT INTO drafts (client_id, version, customer_id, customer_name, buyer_ref, our_ref, order_ref, issue_date, payable_ore, currency, body, touched)
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            Q::Draft => "SELECT version, body FROM drafts WHERE client_id = ?1 AND id = ?2",
            Q::UpdateDraft => "UPDATE drafts SET version = version + 1, customer_id = ?4, customer_name = ?5, buyer_ref = ?6, our_ref = ?7, order_ref = ?8,
                   issue_date = ?9, payable_ore = ?10, currency = ?11, body = ?12, touched = ?13
                 WHERE client_id = ?1 AND id = ?2 AND version = ?3",
            Q::DraftVersion => "SELECT version FROM drafts WHERE client_id = ?1 AND id = ?2",
            Q::DeleteDraft => "DELETE FROM drafts WHERE client_id = ?1 AND id = ?2",
            // A write that changes nothing, to take the row's lock at the version seen.
            Q::HoldDraft => "UPDATE drafts SET version = version WHERE client_id = ?1 AND id = ?2 AND version = ?3",
            Q::InsertSeries => "INSERT INTO series (client_id, version, customer_id, customer_name, state, issue_from, body)
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            Q::SeriesById => "SELECT id, version, body FROM series WHERE client_id = ?1 AND id = ?2",
            Q::UpdateSeries => "UPDATE series SET version = version + 1, customer_id = ?4, customer_name = ?5, state = ?6, issue_from = ?7, body = ?8
                 WHERE client_id = ?1 AND id = ?2 AND version = ?3",
            Q::SeriesVersion => "SELECT version FROM series WHERE client_id = ?1 AND id = ?2",
            Q::AllSeries => "SELECT id, version, body FROM series WHERE client_id = ?1 ORDER BY id",
            Q::DueSeries => "SELECT id, version, body FROM series WHERE client_id = ?1 AND state = 'active' AND issue_from <= ?2 ORDER BY id",
            Q::NewCounter => "INSERT INTO sequences (client_id, series, last) VALUES (?1, ?2, ?3) ON CONFLICT (client_id, series) DO NOTHING",
            Q::LockCounter => "SELECT last FROM sequences WHERE client_id = ?1 AND series = ?2",
            Q::LastNumber => "SELECT last FROM sequences WHERE client_id = ?1 AND series = ?2",
            Q::SetCounter => "UPDATE sequences SET last = ?3 WHERE client_id = ?1 AND series = ?2",
            Q::InsertDocument => "INSERT INTO documents (client_id, kind, series, number, credits, idempotency_key, customer_id, customer_name, buyer_ref, our_ref, order_ref,
                   issue_date, payable_ore, currency, email, orgnr, street, postcode, city, country, language, attach_ehf, kid, due_date, seller_name, seller_account,
                   body, ehf, pdf, touched)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)
                 RETURNING id",
            Q::AddCredited => "INSERT INTO credited (document_id, ore) VALUES (?1, ?2)
                 ON CONFLICT (document_id) DO UPDATE SET ore = credited.ore + excluded.ore",
            Q::DocumentById => concat!("SELECT ", document_columns!(), " FROM documents d LEFT JOIN credited c ON c.document_id = d.id WHERE d.client_id = ?1 AND d.id = ?2"),
            Q::DocumentByKey => concat!("SELECT ", document_columns!(), " FROM documents d LEFT JOIN credited c ON c.document_id = d.id WHERE d.client_id = ?1 AND d.idempotency_key = ?2"),
            Q::CreditsFor => concat!("SELECT ", document_columns!(), " FROM documents d LEFT JOIN credited c ON c.document_id = d.id WHERE d.client_id = ?1 AND d.credits = ?2 ORDER BY d.id"),
            Q::ClaimedDocument => concat!("SELECT ", document_columns!(), ", d.ehf, d.pdf FROM documents d LEFT JOIN credited c ON c.document_id = d.id WHERE d.id = ?1"),
            Q::Files => "SELECT ehf, pdf FROM documents WHERE client_id = ?1 AND id = ?2",
            Q::Issued => "SELECT kind, number FROM documents WHERE client_id = ?1 AND id = ?2",
            Q::HasVoucher => "SELECT count(*) FROM journal WHERE document_id = ?1",
            // The rows' values follow, one `(…)` per posting (`post`).
            Q::Post => "INSERT INTO journal (client_id, document_id, date, document_number, account, debit_ore, credit_ore, customer_id, vat_code, text, currency, currency_amount, exchange_rate)
                 VALUES ",
            Q::Enqueue => "INSERT INTO outbox (client_id, document_id, channel, purpose, reason, fallbacks, updated_at, notice_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            // A document's own deliveries: its notices' letters are theirs.
            Q::Deliveries => "SELECT id, channel, reason, state, attempts, updated_at, detail FROM outbox WHERE document_id = ?1 AND notice_id IS NULL ORDER BY id",
            Q::NoticeDeliveries => "SELECT id, channel, reason, state, attempts, updated_at, detail FROM outbox WHERE notice_id = ?1 ORDER BY id",
            Q::Claim => "UPDATE outbox SET lease_owner = ?1, lease_until = ?2
                  WHERE id IN (SELECT id FROM outbox
                                WHERE state = 'queued' AND next_attempt_at <= ?3
                                  AND (lease_until IS NULL OR lease_until < ?3)
                                ORDER BY id LIMIT ?4)
                    AND state = 'queued'
                 RETURNING id, purpose, channel, fallbacks, attempts, document_id, notice_id",
            Q::Renew => "UPDATE outbox SET lease_until = ?3 WHERE id = ?1 AND state = 'queued' AND lease_owner = ?2",
            Q::Finish => "UPDATE outbox SET state = ?2, attempts = attempts + 1, updated_at = ?3, detail = ?4, next_attempt_at = ?5,
                   lease_owner = NULL, lease_until = NULL
                 WHERE id = ?1 AND state = 'queued' AND lease_owner = ?6",
            Q::Attempt => "INSERT INTO delivery_attempts (outbox_id, at, outcome, detail) VALUES (?1, ?2, ?3, ?4)",
            Q::Queued => "SELECT count(*) FROM outbox WHERE state = 'queued'",
            Q::LockDocument => "SELECT id FROM documents WHERE id = ?1",
            Q::NeedsCancel => "SELECT d.client_id FROM documents d JOIN credited c ON c.document_id = d.id
                 WHERE d.id = ?1 AND c.ore >= d.payable_ore
                   AND EXISTS (SELECT 1 FROM outbox o WHERE o.document_id = d.id AND o.channel = 'avtalegiro' AND o.purpose = 'deliver' AND o.state = 'sent')
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.document_id = d.id AND o.purpose = 'cancel')",
            // The documents' vouchers, the payments' (0.4.1) and the notices' (0.5.1): one ledger.
            Q::Journal => "SELECT date, number, account, debit_ore, credit_ore, customer_id, vat_code, text, currency, currency_amount, exchange_rate FROM (
                   SELECT 0 AS src, id, date, document_number AS number, account, debit_ore, credit_ore, customer_id, vat_code, text,
                          currency, currency_amount, exchange_rate FROM journal WHERE client_id = ?1
                   UNION ALL
                   SELECT 1, id, date, voucher_number, account, debit_ore, credit_ore, customer_id, NULL, text, NULL, NULL, NULL FROM payment_journal WHERE client_id = ?1
                   UNION ALL
                   SELECT 2, id, date, notice_id, account, debit_ore, credit_ore, customer_id, NULL, text, NULL, NULL, NULL FROM notice_journal WHERE client_id = ?1) j
                 ORDER BY src, id",
            Q::TrialBalance => "SELECT account, CAST(sum(debit_ore) AS BIGINT), CAST(sum(credit_ore) AS BIGINT) FROM (
                   SELECT account, debit_ore, credit_ore FROM journal WHERE client_id = ?1
                   UNION ALL
                   SELECT account, debit_ore, credit_ore FROM payment_journal WHERE client_id = ?1
                   UNION ALL
                   SELECT account, debit_ore, credit_ore FROM notice_journal WHERE client_id = ?1) j
                 GROUP BY account ORDER BY account",
            Q::CustomerBalances => "SELECT coalesce(customer_id, ''), CAST(sum(debit_ore) - sum(credit_ore) AS BIGINT) FROM (
                   SELECT customer_id, debit_ore, credit_ore FROM journal WHERE client_id = ?1 AND account = 1500
                   UNION ALL
                   SELECT customer_id, debit_ore, credit_ore FROM payment_journal WHERE client_id = ?1 AND account = 1500
                   UNION ALL
                   SELECT customer_id, debit_ore, credit_ore FROM notice_journal WHERE client_id = ?1 AND account = 1500) j
                 GROUP BY customer_id ORDER BY customer_id",
            // The last on or before the day: a weekend or holiday takes the working day before.
            Q::Rate => "SELECT currency, rate, date, source FROM exchange_rates
                 WHERE currency = ?1 AND date <= ?2 ORDER BY date DESC LIMIT 1",
            Q::PutRate => "INSERT INTO exchange_rates (currency, date, rate, source) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (currency, date) DO UPDATE SET rate = excluded.rate, source = excluded.source",
            Q::DeliveryReport => "SELECT d.number, d.kind, d.customer_name, o.channel, o.state, o.reason FROM outbox o JOIN documents d ON d.id = o.document_id
                 WHERE o.client_id = ?1 AND o.notice_id IS NULL ORDER BY o.id",
        }
    }
}

fn channels_text(cs: &[Channel]) -> String {
    cs.iter().map(|c| c.name()).collect::<Vec<_>>().join(",")
}

fn channels_of(s: &str) -> Result<Vec<Channel>> {
    s.split(',')
        .filter(|w| !w.is_empty())
        .map(|w| Channel::parse(w).ok_or_else(|| anyhow!("unknown channel '{w}'")))
        .collect()
}

fn customer(r: &Row) -> Result<CustomerRecord> {
    Ok(CustomerRecord {
        customer: Customer {
            id: r.s(0)?,
            number: r.i(1)? as u64,
            name: r.s(2)?,
            organisation_number: r.os(3)?,
            address: r.address(4)?,
            email: r.os(8)?,
            language: r.oname(9)?,
            preferred_channel: r
                .os(10)?
                .map(|c| Channel::parse(&c).ok_or_else(|| anyhow!("unknown channel '{c}'")))
                .transpose()?,
            attach_ehf: r.bool(11)?,
            currency: r.os(14)?,
        },
        efaktura: r.name(12)?,
        avtalegiro: r.bool(13)?,
    })
}

/// An index's fields, in the order every statement that writes one takes them.
fn index_params(x: &Index) -> [P<'_>; 8] {
    [
        P::from(&x.customer_id),
        P::from(&x.customer_name),
        P::from(x.buyer_reference.as_ref()),
        P::from(x.our_reference.as_ref()),
        P::from(x.order_reference.as_ref()),
        P::from(x.issue_date.as_ref()),
        P::from(x.payable_ore),
        P::from(&x.currency),
    ]
}

/// A series' index fields, in the order every statement that writes them takes them.
fn series_params(x: &SeriesIndex) -> [P<'_>; 4] {
    [
        P::from(&x.customer_id),
        P::from(&x.customer_name),
        P::from(x.state.name()),
        P::from(x.issue_from.as_ref()),
    ]
}

fn product(r: &Row) -> Result<Product> {
    Ok(Product {
        id: r.s(0)?,
        name: r.s(1)?,
        unit: r.s(2)?,
        unit_price: r.s(3)?,
        vat_code: r.name(4)?,
    })
}

fn stored_series(r: &Row) -> Result<StoredSeries> {
    Ok(StoredSeries {
        id: Id::Series.of(r.i(0)?),
        version: r.i(1)? as u64,
        body: r.s(2)?,
    })
}

impl<B: Backend> Unit for SqlUnit<B> {
    fn commit(mut self: Box<Self>) -> Result<()> {
        let mut c = self.conn.take().expect("open until commit");
        B::batch(&mut c, "COMMIT")?;
        Ok(())
    }

    fn savepoint(&mut self) -> Result<()> {
        B::batch(self.c(), "SAVEPOINT call")?;
        Ok(())
    }

    fn release(&mut self, keep: bool) -> Result<()> {
        let sql = if keep {
            "RELEASE SAVEPOINT call"
        } else {
            "ROLLBACK TO SAVEPOINT call; RELEASE SAVEPOINT call"
        };
        B::batch(self.c(), sql)?;
        Ok(())
    }

    fn put_client(&mut self, client: &str, s: &ClientSettings) -> Result<()> {
        let a = &s.address;
        let channels = channels_text(&s.channels);
        self.exec(
            Q::PutClient,
            params![
                client,
                s.name.as_ref(),
                s.organisation_number.as_ref(),
                a.street.as_ref(),
                a.postcode.as_ref(),
                a.city.as_ref(),
                a.country.as_ref(),
                s.bank_account.as_ref(),
                s.iban.as_ref(),
                s.bic.as_ref(),
                s.vat_registered,
                s.foretaksregisteret,
                s.template.map(|t| t.name()),
                &channels,
                s.invoice_start_number,
                s.credit_note_start_number,
                s.payment_terms_days,
                s.kid_length.map(u32::from),
                s.kid_algorithm.map(|k| k.name()),
                s.kid_customer_digits.map(u32::from),
                s.language.map(|l| l.name()),
                s.logo.as_deref(),
            ],
        )?;
        Ok(())
    }

    fn settings(&mut self, client: &str) -> Result<Option<ClientSettings>> {
        let Some(r) = self.row(Q::Settings, params![client])? else {
            return Ok(None);
        };
        let small = |i: usize| -> Result<Option<u8>> {
            r.oi(i)?
                .map(|v| u8::try_from(v).context("out of range"))
                .transpose()
        };
        Ok(Some(ClientSettings {
            name: r.os(0)?,
            organisation_number: r.os(1)?,
            address: r.address(2)?,
            bank_account: r.os(6)?,
            iban: r.os(7)?,
            bic: r.os(8)?,
            vat_registered: r.obool(9)?,
            foretaksregisteret: r.obool(10)?,
            template: r.oname(11)?,
            channels: channels_of(&r.s(12)?)?,
            invoice_start_number: r.oi(13)?.map(|v| v as u64),
            credit_note_start_number: r.oi(14)?.map(|v| v as u64),
            payment_terms_days: r.oi(15)?.map(|v| v as u32),
            kid_length: small(16)?,
            kid_algorithm: r
                .os(17)?
                .map(|k| {
                    crate::bindings::KidAlgorithm::parse(&k)
                        .ok_or_else(|| anyhow!("unknown KID algorithm '{k}'"))
                })
                .transpose()?,
            kid_customer_digits: small(18)?,
            language: r.oname(19)?,
            logo: r.ob(20)?,
        }))
    }

    fn is_active(&mut self, client: &str) -> Result<bool> {
        Ok(self
            .row(Q::Active, params![client])?
            .map(|r| r.bool(0))
            .transpose()?
            .unwrap_or(false))
    }

    fn set_active(&mut self, client: &str, active: bool) -> Result<bool> {
        Ok(self.exec(Q::SetActive, params![client, active])? == 1)
    }

    fn add_feedback(&mut self, client: &str, reason: &str) -> Result<()> {
        self.exec(Q::Feedback, params![client, reason, &now()])?;
        Ok(())
    }

    fn put_customer(&mut self, client: &str, c: &CustomerRecord) -> Result<()> {
        let (cu, a) = (&c.customer, &c.customer.address);
        self.exec(
            Q::PutCustomer,
            params![
                client,
                &cu.id,
                cu.number,
                &cu.name,
                cu.organisation_number.as_ref(),
                a.street.as_ref(),
                a.postcode.as_ref(),
                a.city.as_ref(),
                a.country.as_ref(),
                cu.email.as_ref(),
                cu.language.map(|l| l.name()),
                cu.preferred_channel.map(|c| c.name()),
                cu.attach_ehf,
                c.efaktura.name(),
                c.avtalegiro,
                cu.currency.as_ref(),
            ],
        )?;
        Ok(())
    }

    fn customer(&mut self, client: &str, id: &str) -> Result<Option<CustomerRecord>> {
        self.row(Q::Customer, params![client, id])?
            .map(|r| customer(&r))
            .transpose()
    }

    fn put_product(&mut self, client: &str, p: &Product) -> Result<()> {
        self.exec(
            Q::PutProduct,
            params![
                client,
                &p.id,
                &p.name,
                &p.unit,
                &p.unit_price,
                p.vat_code.name()
            ],
        )?;
        Ok(())
    }

    fn customers(&mut self, client: &str) -> Result<Vec<CustomerRecord>> {
        self.rows(Q::Customers, params![client])?
            .iter()
            .map(customer)
            .collect()
    }

    fn product(&mut self, client: &str, id: &str) -> Result<Option<Product>> {
        self.row(Q::Product, params![client, id])?
            .map(|r| product(&r))
            .transpose()
    }

    fn products(&mut self, client: &str) -> Result<Vec<Product>> {
        self.rows(Q::Products, params![client])?
            .iter()
            .map(product)
            .collect()
    }

    fn put_participant(&mut self, participant: &str, kind: DocumentKind) -> Result<()> {
        self.exec(Q::PutParticipant, params![participant, kind.name()])?;
        Ok(())
    }

    fn accepts(&mut self, participant: &str, kind: DocumentKind) -> Result<bool> {
        Ok(self.int(Q::Accepts, params![participant, kind.name()])? > 0)
    }

    fn insert_draft(&mut self, client: &str, x: &Index, body: &str) -> Result<i64> {
        let touched = self.touch(client)?;
        let p: Vec<P> = [P::from(client)]
            .into_iter()
            .chain(index_params(x))
            .chain([P::from(body), P::from(touched)])
            .collect();
        self.int(Q::InsertDraft, &p)
    }

    fn draft(&mut self, client: &str, id: i64) -> Result<Option<(u64, String)>> {
        self.row(Q::Draft, params![client, id])?
            .map(|r| Ok((r.i(0)? as u64, r.s(1)?)))
            .transpose()
    }

    fn update_draft(
        &mut self,
        client: &str,
        id: i64,
        expected: u64,
        x: &Index,
        body: &str,
    ) -> Result<Saved> {
        let touched = self.touch(client)?;
        let p: Vec<P> = [P::from(client), P::from(id), P::from(expected)]
            .into_iter()
            .chain(index_params(x))
            .chain([P::from(body), P::from(touched)])
            .collect();
        let changed = self.exec(Q::UpdateDraft, &p)?;
        if changed == 1 {
            return Ok(Saved::Saved(expected + 1));
        }
        Ok(match self.row(Q::DraftVersion, params![client, id])? {
            Some(r) => Saved::Conflict(r.i(0)? as u64),
            None => Saved::NotFound,
        })
    }

    fn delete_draft(&mut self, client: &str, id: i64) -> Result<bool> {
        Ok(self.exec(Q::DeleteDraft, params![client, id])? == 1)
    }

    fn hold_draft(&mut self, client: &str, id: i64, version: u64) -> Result<bool> {
        Ok(self.exec(Q::HoldDraft, params![client, id, version])? == 1)
    }

    fn last_number(&mut self, client: &str, series: Series) -> Result<Option<u64>> {
        Ok(self
            .row(Q::LastNumber, params![client, series.name()])?
            .map(|r| r.i(0))
            .transpose()?
            .map(|n| n as u64))
    }

    fn next_number(&mut self, client: &str, series: Series, start: u64) -> Result<u64> {
        let s = series.name();
        // A new series starts at `start`; after that the counter alone decides (no gaps).
        self.exec(Q::NewCounter, params![client, s, start as i64 - 1])?;
        let last = self.int(Q::LockCounter, params![client, s])?;
        let next = last + 1;
        self.exec(Q::SetCounter, params![client, s, next])?;
        Ok(next as u64)
    }

    fn insert_document(&mut self, client: &str, d: &NewDocument) -> Result<i64> {
        let (x, f) = (d.index, d.facts);
        let touched = self.touch(client)?;
        let head = params![
            client,
            d.kind.name(),
            d.series.name(),
            d.number,
            d.credits,
            d.idempotency_key
        ];
        let facts = params![
            f.email.as_ref(),
            f.organisation_number.as_ref(),
            f.address.street.as_ref(),
            f.address.postcode.as_ref(),
            f.address.city.as_ref(),
            f.address.country.as_ref(),
            f.language.name(),
            f.attach_ehf,
            f.kid.as_ref(),
            &f.due_date,
            &f.seller_name,
            f.seller_account.as_ref(),
            d.body,
            d.ehf,
            d.pdf,
            touched
        ];
        let p: Vec<P> = head
            .iter()
            .copied()
            .chain(index_params(x))
            .chain(facts.iter().copied())
            .collect();
        let id = self.int(Q::InsertDocument, &p)?;
        if let Some(invoice) = d.credits {
            self.exec(Q::AddCredited, params![invoice, x.payable_ore])?;
        }
        Ok(id)
    }

    fn document(&mut self, client: &str, id: i64) -> Result<Option<Document>> {
        Ok(self.documents(Q::DocumentById, params![client, id])?.pop())
    }

    fn issued(&mut self, client: &str, id: i64) -> Result<Option<(DocumentKind, u64)>> {
        self.row(Q::Issued, params![client, id])?
            .map(|r| Ok((r.name(0)?, r.i(1)? as u64)))
            .transpose()
    }

    fn document_by_key(&mut self, client: &str, key: &str) -> Result<Option<Document>> {
        Ok(self
            .documents(Q::DocumentByKey, params![client, key])?
            .pop())
    }

    fn credits_for(&mut self, client: &str, invoice: i64) -> Result<Vec<Document>> {
        self.documents(Q::CreditsFor, params![client, invoice])
    }

    fn overview(&mut self, client: &str, f: &OverviewFilter) -> Result<Vec<Summary>> {
        let (sql, args) = overview_sql(client, f, B::LIKE, B::TRIGRAM_TABLE);
        let args: Vec<P> = args.iter().map(Arg::p).collect();
        let rows = B::rows(self.c(), &sql, &args).context("overview")?;
        rows.iter()
            .map(|r| {
                Ok(Summary {
                    id: r.s(1)?,
                    kind: r.name(2)?,
                    number: r.oi(3)?.map(|n| n as u64),
                    status: r.name(4)?,
                    customer_id: r.s(5)?,
                    customer_name: r.s(6)?,
                    buyer_reference: r.os(7)?,
                    issue_date: r.os(8)?,
                    payable: crate::money::from_ore(r.i(9)?),
                    updated_at: chrono::DateTime::from_timestamp_micros(r.i(10)?)
                        .map(stamp)
                        .unwrap_or_default(),
                    currency: r.s(11)?,
                    delivery: r
                        .os(12)?
                        .map(|s| DeliveryState::parse(&s).ok_or_else(|| anyhow!("state '{s}'")))
                        .transpose()?,
                })
            })
            .collect()
    }

    fn has_voucher(&mut self, document: i64) -> Result<bool> {
        Ok(self.int(Q::HasVoucher, params![document])? > 0)
    }

    fn post(&mut self, client: &str, document: i64, postings: &[Posting]) -> Result<()> {
        if postings.is_empty() {
            return Ok(());
        }
        // One statement for the whole voucher: one round trip, however many postings.
        let sql = format!("{}{}", Q::Post.sql(), value_rows(postings.len(), 13));
        let mut args: Vec<P> = Vec::with_capacity(postings.len() * 13);
        for p in postings {
            let c = p.currency.as_ref();
            args.extend_from_slice(params![
                client,
                document,
                &p.date,
                p.number,
                p.account,
                p.debit_ore,
                p.credit_ore,
                p.customer_id.as_ref(),
                p.vat_code.as_ref(),
                &p.text,
                c.map(|c| &c.currency),
                c.map(|c| &c.amount),
                c.map(|c| &c.rate)
            ]);
        }
        B::exec(self.c(), &sql, &args).context("Post")?;
        Ok(())
    }

    fn enqueue(&mut self, client: &str, document: i64, q: &Queue) -> Result<i64> {
        let fallbacks = channels_text(q.fallbacks);
        self.int(
            Q::Enqueue,
            params![
                client,
                document,
                q.channel.name(),
                q.purpose.name(),
                q.reason,
                &fallbacks,
                &now(),
                q.notice
            ],
        )
    }

    fn deliveries(&mut self, document: i64) -> Result<Vec<Delivery>> {
        self.delivery_rows(Q::Deliveries, document)
    }

    fn notices(&mut self) -> Result<&mut dyn Notices> {
        Ok(self)
    }

    fn receivables(&mut self) -> Result<&mut dyn Receivables> {
        if let (Some(sql), false) = (B::LISTS_BEGIN, self.lists_begun) {
            B::batch(self.c(), sql)?;
            self.lists_begun = true;
        }
        Ok(self)
    }

    fn recurring(&mut self) -> Result<&mut dyn Recurring> {
        Ok(self)
    }

    fn dispatch(&mut self) -> Result<&mut dyn Dispatch> {
        Ok(self)
    }

    fn reports(&mut self) -> Result<&mut dyn Reports> {
        Ok(self)
    }

    fn rates(&mut self) -> Result<&mut dyn Rates> {
        Ok(self)
    }

    fn api(&mut self) -> Option<&mut dyn Api> {
        Some(self)
    }

    #[cfg(feature = "probes")]
    fn probes(&mut self) -> Result<&mut dyn Probes> {
        Ok(self)
    }
}

impl<B: Backend> Recurring for SqlUnit<B> {
    fn insert_series(&mut self, client: &str, x: &SeriesIndex, body: &str) -> Result<i64> {
        let p: Vec<P> = [P::from(client)]
            .into_iter()
            .chain(series_params(x))
            .chain([P::from(body)])
            .collect();
        self.int(Q::InsertSeries, &p)
    }

    fn series(&mut self, client: &str, id: i64) -> Result<Option<StoredSeries>> {
        self.row(Q::SeriesById, params![client, id])?
            .map(|r| stored_series(&r))
            .transpose()
    }

    fn update_series(
        &mut self,
        client: &str,
        id: i64,
        expected: u64,
        x: &SeriesIndex,
        body: &str,
    ) -> Result<Saved> {
        let p: Vec<P> = [P::from(client), P::from(id), P::from(expected)]
            .into_iter()
            .chain(series_params(x))
            .chain([P::from(body)])
            .collect();
        if self.exec(Q::UpdateSeries, &p)? == 1 {
            return Ok(Saved::Saved(expected + 1));
        }
        Ok(match self.row(Q::SeriesVersion, params![client, id])? {
            Some(r) => Saved::Conflict(r.i(0)? as u64),
            None => Saved::NotFound,
        })
    }

    fn list_series(&mut self, client: &str, due_by: Option<&str>) -> Result<Vec<StoredSeries>> {
        let rows = match due_by {
            None => self.rows(Q::AllSeries, params![client])?,
            Some(d) => self.rows(Q::DueSeries, params![client, d])?,
        };
        rows.iter().map(stored_series).collect()
    }
}

impl<B: Backend> Dispatch for SqlUnit<B> {
    fn claim(&mut self, owner: &str, now: i64, lease_until: i64, n: i64) -> Result<Vec<Claimed>> {
        let leased = self.rows(Q::Claim, params![owner, lease_until, now, n])?;
        let mut out = Vec::with_capacity(leased.len());
        for r in leased {
            let id = r.i(0)?;
            let doc = self
                .row(Q::ClaimedDocument, params![r.i(5)?])?
                .ok_or_else(|| anyhow!("delivery {id} has no document"))?;
            let mut claimed = Claimed {
                id,
                purpose: r.name(1)?,
                channel: r.name(2)?,
                fallbacks: channels_of(&r.s(3)?)?,
                attempts: r.i(4)? as u32,
                document: document(&doc)?,
                ehf: doc.os(23)?,
                pdf: doc.ob(24)?.unwrap_or_default(),
                notice: None,
            };
            if let Some(notice) = r.oi(6)? {
                self.claimed_notice(&mut claimed, notice)?;
            }
            out.push(claimed);
        }
        out.sort_by_key(|c| c.id);
        Ok(out)
    }

    fn renew(&mut self, owner: &str, delivery: i64, lease_until: i64) -> Result<bool> {
        Ok(self.exec(Q::Renew, params![delivery, owner, lease_until])? == 1)
    }

    fn finish(&mut self, owner: &str, f: &Finish) -> Result<bool> {
        let at = stamp(
            chrono::DateTime::from_timestamp_millis(f.ended).unwrap_or_else(chrono::Utc::now),
        );
        let state = f.state.name();
        let changed = self.exec(
            Q::Finish,
            params![f.delivery, state, &at, f.detail, f.next_attempt_at, owner],
        )?;
        if changed == 0 {
            return Ok(false);
        }
        self.exec(Q::Attempt, params![f.delivery, &at, state, f.detail])?;
        Ok(true)
    }

    fn queued(&mut self) -> Result<i64> {
        self.int(Q::Queued, &[])
    }

    fn lock_document(&mut self, document: i64) -> Result<()> {
        self.rows(Q::LockDocument, params![document])?;
        Ok(())
    }

    fn needs_cancel(&mut self, invoice: i64) -> Result<Option<String>> {
        self.row(Q::NeedsCancel, params![invoice])?
            .map(|r| r.s(0))
            .transpose()
    }
}

impl<B: Backend> Rates for SqlUnit<B> {
    fn rate(&mut self, currency: &str, on: &str) -> Result<Option<ExchangeRate>> {
        self.row(Q::Rate, params![currency, on])?
            .map(|r| {
                Ok(ExchangeRate {
                    currency: r.s(0)?,
                    rate: r.s(1)?,
                    date: r.s(2)?,
                    source: r.s(3)?,
                })
            })
            .transpose()
    }

    fn put_rates(&mut self, rates: &[ExchangeRate]) -> Result<usize> {
        for r in rates {
            self.exec(
                Q::PutRate,
                params![&r.currency, &r.date, &r.rate, &r.source],
            )?;
        }
        Ok(rates.len())
    }
}

impl<B: Backend> Reports for SqlUnit<B> {
    fn clients(&mut self) -> Result<Vec<String>> {
        self.rows(Q::Clients, &[])?.iter().map(|r| r.s(0)).collect()
    }

    fn client_names(&mut self) -> Result<Vec<(String, String)>> {
        self.rows(Q::ClientNames, &[])?
            .iter()
            .map(|r| Ok((r.s(0)?, r.s(1)?)))
            .collect()
    }

    fn files(&mut self, client: &str, id: i64) -> Result<Option<Files>> {
        self.row(Q::Files, params![client, id])?
            .map(|r| {
                Ok(Files {
                    ehf: r.os(0)?,
                    pdf: r.ob(1)?.unwrap_or_default(),
                })
            })
            .transpose()
    }

    fn overview_count(&mut self, client: &str, f: &OverviewFilter, at_most: u64) -> Result<u64> {
        let (sql, args) = overview_count_sql(client, f, B::LIKE, B::TRIGRAM_TABLE, at_most + 1);
        let args: Vec<P> = args.iter().map(Arg::p).collect();
        let rows = B::rows(self.c(), &sql, &args).context("overview count")?;
        let count = rows.first().map(|r| r.i(0)).transpose()?.unwrap_or(0) as u64;
        // Drafts and documents are each counted to the limit: their sum may pass it.
        Ok(count.min(at_most + 1))
    }

    fn journal(&mut self, client: &str) -> Result<Vec<JournalRow>> {
        self.rows(Q::Journal, params![client])?
            .iter()
            .map(|r| {
                Ok(JournalRow {
                    date: r.s(0)?,
                    number: r.i(1)?,
                    account: r.i(2)? as u32,
                    debit_ore: r.i(3)?,
                    credit_ore: r.i(4)?,
                    customer: r.os(5)?,
                    vat_code: r.os(6)?,
                    text: r.s(7)?,
                    currency: match (r.os(8)?, r.os(9)?, r.os(10)?) {
                        (Some(currency), Some(amount), Some(rate)) => Some(CurrencyAmount {
                            currency,
                            amount,
                            rate,
                        }),
                        _ => None,
                    },
                })
            })
            .collect()
    }

    fn trial_balance(&mut self, client: &str) -> Result<Vec<(u32, i64, i64)>> {
        self.rows(Q::TrialBalance, params![client])?
            .iter()
            .map(|r| Ok((r.i(0)? as u32, r.i(1)?, r.i(2)?)))
            .collect()
    }

    fn customer_balances(&mut self, client: &str) -> Result<Vec<(String, i64)>> {
        self.rows(Q::CustomerBalances, params![client])?
            .iter()
            .map(|r| Ok((r.s(0)?, r.i(1)?)))
            .collect()
    }

    fn delivery_report(&mut self, client: &str) -> Result<Vec<DeliveryRow>> {
        self.rows(Q::DeliveryReport, params![client])?
            .iter()
            .map(|r| {
                Ok(DeliveryRow {
                    number: r.i(0)?,
                    kind: r.name(1)?,
                    customer: r.s(2)?,
                    channel: r.name(3)?,
                    state: r.name(4)?,
                    reason: r.s(5)?,
                })
            })
            .collect()
    }
}

#[cfg(feature = "probes")]
impl<B: Backend> Probes for SqlUnit<B> {
    fn execute_raw(&mut self, sql: &str) -> Result<u64> {
        B::batch(self.c(), sql)
    }

    fn integers(&mut self, sql: &str) -> Result<Vec<i64>> {
        B::rows(self.c(), sql, &[])?
            .iter()
            .map(|r| r.i(0))
            .collect()
    }
}

/// An owned overview parameter.
enum Arg {
    Int(i64),
    Text(String),
}

impl Arg {
    fn p(&self) -> P<'_> {
        match self {
            Arg::Int(v) => P::Int(*v),
            Arg::Text(v) => P::Text(v),
        }
    }
}

/// The overview's query: drafts and documents, newest first, with only the filters given in
/// the SQL so the planner can pick the index that fits (customer, number, issue date) instead
/// of scanning. The delivery state is looked up for the page only.
fn overview_sql(
    client: &str,
    f: &OverviewFilter,
    like: &str,
    trigram_table: bool,
) -> (String, Vec<Arg>) {
    let (drafts, docs, mut args) = overview_where(client, f, like, trigram_table);
    let mut arg = |a: Arg| {
        args.push(a);
        format!("?{}", args.len())
    };
    let limit = arg(Arg::Int(f.limit.unwrap_or(50).into()));
    let offset = arg(Arg::Int(f.offset.unwrap_or(0).into()));
    // A number matches a row or two: sorting those beats walking the whole client in
    // `touched` order, which is what a planner picks when the ORDER BY sits on the union.
    let (inner_order, outer_order) = if f.number.is_some() {
        (
            String::new(),
            format!("ORDER BY x.touched DESC LIMIT {limit} OFFSET {offset}"),
        )
    } else {
        (
            format!("ORDER BY touched DESC LIMIT {limit} OFFSET {offset}"),
            String::new(),
        )
    };
    let sql = format!(
        "SELECT x.*, (SELECT o.state FROM outbox o WHERE o.document_id = x.doc ORDER BY o.id DESC LIMIT 1) FROM (
           SELECT CAST(NULL AS BIGINT) AS doc, 'draft-' || d.id AS id, 'draft' AS kind, CAST(NULL AS BIGINT) AS number, 'draft' AS status,
                  d.customer_id, d.customer_name, d.buyer_ref, d.issue_date, d.payable_ore, d.touched, d.currency
             FROM drafts d WHERE {}
           UNION ALL
           SELECT d.id, 'doc-' || d.id, d.kind, d.number,
                  CASE WHEN d.kind = 'credit-note' OR c.ore IS NULL THEN 'issued' WHEN c.ore < d.payable_ore THEN 'partially-credited' ELSE 'credited' END,
                  d.customer_id, d.customer_name, d.buyer_ref, d.issue_date, d.payable_ore, d.touched, d.currency
             FROM documents d LEFT JOIN credited c ON c.document_id = d.id WHERE {}
            {inner_order}
         ) x {outer_order}",
        drafts.join(" AND "),
        docs.join(" AND ")
    );
    (sql, args)
}

/// How many rows the overview's filter matches, up to `limit` on each side (the console's
/// hit count).
fn overview_count_sql(
    client: &str,
    f: &OverviewFilter,
    like: &str,
    trigram_table: bool,
    limit: u64,
) -> (String, Vec<Arg>) {
    let (drafts, docs, args) = overview_where(client, f, like, trigram_table);
    // Each side stops at `limit` rows: the index is read no further than the count needs.
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM drafts d WHERE {} LIMIT {limit}) AS x)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM documents d LEFT JOIN credited c ON c.document_id = d.id WHERE {} LIMIT {limit}) AS y)",
        drafts.join(" AND "),
        docs.join(" AND ")
    );
    (sql, args)
}

/// The overview filter's conditions on drafts and on issued documents, and their arguments.
fn overview_where(
    client: &str,
    f: &OverviewFilter,
    like: &str,
    trigram_table: bool,
) -> (Vec<String>, Vec<String>, Vec<Arg>) {
    let mut args = vec![Arg::Text(client.into())];
    let mut arg = |a: Arg| {
        args.push(a);
        format!("?{}", args.len())
    };
    let mut common = vec!["d.client_id = ?1".to_owned()];
    let mut docs_only = Vec::new();
    let mut drafts_only = Vec::new();
    if let Some(c) = &f.customer_id {
        common.push(format!("d.customer_id = {}", arg(Arg::Text(c.clone()))));
    }
    if let Some(r) = &f.reference {
        let escaped = r
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let p = arg(Arg::Text(format!("%{escaped}%")));
        let scan = format!(
            "(d.buyer_ref {like} {p} ESCAPE '\\' OR d.our_ref {like} {p} ESCAPE '\\' OR d.order_ref {like} {p} ESCAPE '\\')"
        );
        if trigram_table && r.chars().count() >= 3 {
            // The text as one FTS5 phrase: with trigrams, a substring anywhere in a reference.
            let phrase = arg(Arg::Text(format!("\"{}\"", r.replace('"', "\"\""))));
            docs_only.push(format!(
                "d.id IN (SELECT rowid FROM documents_refs WHERE documents_refs MATCH {phrase})"
            ));
            drafts_only.push(scan);
        } else {
            common.push(scan);
        }
    }
    if let Some(from) = &f.issued_from {
        common.push(format!("d.issue_date >= {}", arg(Arg::Text(from.clone()))));
    }
    if let Some(to) = &f.issued_to {
        common.push(format!("d.issue_date <= {}", arg(Arg::Text(to.clone()))));
    }
    let mut drafts = common.clone();
    drafts.extend(drafts_only);
    let mut docs = common;
    docs.extend(docs_only);
    let none = "1 = 0".to_owned();
    if let Some(n) = f.number {
        drafts.push(none.clone());
        docs.push(format!("d.number = {}", arg(Arg::Int(n as i64))));
    }
    match f.kind {
        Some(DocumentKind::Draft) => docs.push(none.clone()),
        Some(k) => {
            drafts.push(none.clone());
            docs.push(format!("d.kind = '{}'", k.name()));
        }
        None => {}
    }
    match f.status {
        None => {}
        Some(DocumentStatus::Draft) => docs.push(none),
        Some(status) => {
            drafts.push(none);
            docs.push(
                match status {
                    DocumentStatus::PartiallyCredited => {
                        "c.ore IS NOT NULL AND c.ore < d.payable_ore"
                    }
                    DocumentStatus::Credited => "c.ore IS NOT NULL AND c.ore >= d.payable_ore",
                    _ => "(d.kind = 'credit-note' OR c.ore IS NULL)",
                }
                .into(),
            );
        }
    }
    (drafts, docs, args)
}

impl<B: Backend> SqlUnit<B> {
    pub(super) fn delivery_rows(&mut self, q: Q, of: i64) -> Result<Vec<Delivery>> {
        self.rows(q, params![of])?
            .iter()
            .map(|r| {
                Ok(Delivery {
                    id: format!("delivery-{}", r.i(0)?),
                    channel: r.name(1)?,
                    reason: r.s(2)?,
                    state: r.name(3)?,
                    attempts: r.i(4)? as u32,
                    updated_at: r.os(5)?,
                    detail: r.os(6)?,
                })
            })
            .collect()
    }
}

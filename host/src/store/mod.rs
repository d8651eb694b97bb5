//! The store seam: everything the host keeps (clients, registers, drafts, issued documents, the
//! journal, the outbox), behind traits cut by role. An ERP implements [`Store`] and [`Unit`]
//! over its own database (what the imports need inside a call) and only the roles it wants:
//! [`Recurring`] series, [`Receivables`], [`Notices`], the [`Dispatch`] protocol of the outbox,
//! [`Reports`] and test [`Probes`]. A role a unit does not keep answers with an error, and a
//! call that needs it fails whole. The harness's SQL store (SQLite, or PostgreSQL for many
//! hosts) keeps them all.
//!
//! Callers see typed operations only. The host's own rules (balanced vouchers, known accounts,
//! numbers just taken, client isolation) live in the import modules that call them; no SQL
//! lives in this crate. Money is integer øre, so sums are exact in any database.

pub mod staged;

use crate::bindings::{
    Channel, ClientSettings, Customer, DeliveryFacts, DocumentKind, DocumentStatus, Product,
};
use anyhow::Result;

pub use crate::bindings::erp::invoicing::directory::EfakturaStatus;
pub use crate::bindings::erp::invoicing::documents::{SeriesIndex, StoredSeries};
pub use crate::bindings::erp::invoicing::sequences::Series;

/// A database the host keeps its records in.
pub trait Store: Send + Sync {
    /// Begin a unit of work: its writes commit together on [`Unit::commit`], or not at all
    /// (dropping it rolls back).
    fn begin(&self) -> Result<Box<dyn Unit>>;
    /// Begin a unit that only reads, from a snapshot: it waits for no writer and no writer
    /// waits for it. Writing through it is an error.
    fn begin_read(&self) -> Result<Box<dyn Unit>>;
    /// This store's identity, made once when the database is created. Delivery ids are unique
    /// within a store, so receivers recognise a repeat by (store, delivery).
    fn id(&self) -> &str;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Whether units of work write side by side (PostgreSQL's row locks), rather than one
    /// at a time (SQLite's one writer): worth parallel work only where they do.
    fn concurrent_writers(&self) -> bool {
        false
    }
}

/// One unit of work. Every operation is scoped to a client where the data is a client's.
pub trait Unit: Send {
    fn commit(self: Box<Self>) -> Result<()>;
    /// Mark where one call of a group commit begins (`SAVEPOINT`).
    fn savepoint(&mut self) -> Result<()>;
    /// End the call begun at the savepoint: keep its writes, or roll back to the savepoint.
    fn release(&mut self, keep: bool) -> Result<()>;

    // ---- clients and their registers ----
    /// Create or replace a client's settings; its on/off state is kept.
    fn put_client(&mut self, client: &str, settings: &ClientSettings) -> Result<()>;
    fn settings(&mut self, client: &str) -> Result<Option<ClientSettings>>;
    fn is_active(&mut self, client: &str) -> Result<bool>;
    /// False if there is no such client.
    fn set_active(&mut self, client: &str, active: bool) -> Result<bool>;
    fn add_feedback(&mut self, client: &str, reason: &str) -> Result<()>;
    fn put_customer(&mut self, client: &str, c: &CustomerRecord) -> Result<()>;
    fn customer(&mut self, client: &str, id: &str) -> Result<Option<CustomerRecord>>;
    /// The CRM, by name.
    fn customers(&mut self, client: &str) -> Result<Vec<CustomerRecord>>;
    fn put_product(&mut self, client: &str, p: &Product) -> Result<()>;
    /// The product register, by name.
    fn products(&mut self, client: &str) -> Result<Vec<Product>>;
    fn product(&mut self, client: &str, id: &str) -> Result<Option<Product>>;
    /// The Peppol directory: does `participant` accept documents of `kind`?
    fn accepts(&mut self, participant: &str, kind: DocumentKind) -> Result<bool>;
    /// Register `participant` for documents of `kind`, where the store keeps a directory of
    /// its own (the harness's fixtures stand in for the Peppol network).
    fn put_participant(&mut self, participant: &str, kind: DocumentKind) -> Result<()> {
        let _ = (participant, kind);
        anyhow::bail!("this store asks the Peppol directory; it keeps none of its own")
    }

    // ---- drafts ----
    fn insert_draft(&mut self, client: &str, index: &Index, body: &str) -> Result<i64>;
    /// (version, body).
    fn draft(&mut self, client: &str, id: i64) -> Result<Option<(u64, String)>>;
    /// Compare-and-set on the version.
    fn update_draft(
        &mut self,
        client: &str,
        id: i64,
        expected_version: u64,
        index: &Index,
        body: &str,
    ) -> Result<Saved>;
    /// False if there was no such draft.
    fn delete_draft(&mut self, client: &str, id: i64) -> Result<bool>;
    /// Whether the draft is still at `version`; if so, no other unit may change it until this
    /// one ends (a row lock), so what was seen of it stays true.
    fn hold_draft(&mut self, client: &str, id: i64, version: u64) -> Result<bool>;

    // ---- numbers ----
    /// The next number of a series (`start` for a new one), the series' counter locked until
    /// the unit ends: gapless under any number of concurrent hosts.
    fn next_number(&mut self, client: &str, series: Series, start: u64) -> Result<u64>;
    /// The last number taken from a series, if any, without taking one.
    fn last_number(&mut self, client: &str, series: Series) -> Result<Option<u64>>;

    // ---- issued documents ----
    fn insert_document(&mut self, client: &str, d: &NewDocument) -> Result<i64>;
    fn document(&mut self, client: &str, id: i64) -> Result<Option<Document>>;
    /// The kind and number of an issued document (a lighter look than `document`).
    fn issued(&mut self, client: &str, id: i64) -> Result<Option<(DocumentKind, u64)>>;
    fn document_by_key(&mut self, client: &str, key: &str) -> Result<Option<Document>>;
    /// The credit notes against an invoice, oldest first.
    fn credits_for(&mut self, client: &str, invoice: i64) -> Result<Vec<Document>>;
    fn overview(
        &mut self,
        client: &str,
        f: &crate::bindings::OverviewFilter,
    ) -> Result<Vec<crate::bindings::Summary>>;

    // ---- the ledger ----
    fn has_voucher(&mut self, document: i64) -> Result<bool>;
    fn post(&mut self, client: &str, document: i64, postings: &[Posting]) -> Result<()>;

    // ---- the outbox ----
    fn enqueue(&mut self, client: &str, document: i64, q: &Queue) -> Result<i64>;
    fn deliveries(&mut self, document: i64) -> Result<Vec<crate::bindings::Delivery>>;

    // ---- roles a backend may keep ----
    /// Recurring series (the contract's `series-*` imports).
    fn recurring(&mut self) -> Result<&mut dyn Recurring> {
        anyhow::bail!("this unit of work keeps no recurring series")
    }
    /// Payments and what invoices hold (contract 0.4.1). A unit that keeps none (the recurring
    /// run's staged unit) says so, and a call that needs them fails whole.
    fn receivables(&mut self) -> Result<&mut dyn Receivables> {
        anyhow::bail!("this unit of work keeps no payments")
    }
    /// Reminders and inkassovarsler (contract 0.5.1), as `receivables`.
    fn notices(&mut self) -> Result<&mut dyn Notices> {
        anyhow::bail!("this unit of work keeps no notices")
    }
    /// The outbox's lease protocol, for a dispatcher (`Unit::enqueue` is the call's side).
    fn dispatch(&mut self) -> Result<&mut dyn Dispatch> {
        anyhow::bail!("this unit of work dispatches nothing")
    }
    /// What people read beside the calls: clients, the journal, balances, deliveries.
    fn reports(&mut self) -> Result<&mut dyn Reports> {
        anyhow::bail!("this unit of work keeps no reports")
    }
    /// Raw statements, for tests and operators.
    fn probes(&mut self) -> Result<&mut dyn Probes> {
        anyhow::bail!("this unit of work takes no raw statements")
    }
    /// Exchange rates (contract 0.6.0). A unit that keeps none invoices in NOK only: the
    /// component is told there is no rate, and refuses another currency naming it.
    fn rates(&mut self) -> Result<&mut dyn Rates> {
        anyhow::bail!("this unit of work keeps no exchange rates")
    }
    /// The HTTP API's records: keys, idempotent responses, webhook endpoints and events. A
    /// unit that keeps none serves no API, and what happens queues no event.
    fn api(&mut self) -> Option<&mut dyn Api> {
        None
    }
}

/// What the HTTP API keeps (`invoicing-console`'s `/api/v1`, and `events.rs`'s events).
pub trait Api {
    /// A new key's record; its secret is never stored, only `hash` (SHA-256, hex).
    fn insert_key(&mut self, client: &str, name: &str, hash: &str, scope: &str) -> Result<i64>;
    /// The key with this hash, revoked or not.
    fn key_by_hash(&mut self, hash: &str) -> Result<Option<ApiKey>>;
    fn keys(&mut self, client: &str) -> Result<Vec<ApiKey>>;
    /// Revoke one of `client`'s keys; false if it has no such key.
    fn revoke_key(&mut self, client: &str, id: i64) -> Result<bool>;
    /// The response kept for an idempotency key.
    fn idempotent(&mut self, client: &str, key: &str) -> Result<Option<KeptResponse>>;
    /// Keep a response for its key, in the unit that did the work; false if the key is taken
    /// (another request with it committed first).
    fn keep_response(&mut self, client: &str, key: &str, r: &KeptResponse) -> Result<bool>;
    /// Forget responses kept before `before` (Unix ms); how many.
    fn forget_responses(&mut self, before: i64) -> Result<u64>;

    fn insert_endpoint(
        &mut self,
        client: &str,
        url: &str,
        secret: &str,
        events: &str,
    ) -> Result<i64>;
    fn endpoints(&mut self, client: &str) -> Result<Vec<Endpoint>>;
    fn delete_endpoint(&mut self, client: &str, id: i64) -> Result<bool>;
    /// Enable a disabled endpoint again.
    fn enable_endpoint(&mut self, client: &str, id: i64) -> Result<bool>;
    /// Keep an event and queue a delivery of it to each of the client's enabled endpoints
    /// that takes its type: the event's row id.
    fn queue_event(&mut self, client: &str, kind: &str, data: &str, created: &str) -> Result<i64>;
    /// [`Api::queue_event`] once per (client, `once`) ever: none if it was kept before.
    fn queue_event_once(
        &mut self,
        client: &str,
        kind: &str,
        once: &str,
        data: &str,
        created: &str,
    ) -> Result<Option<i64>>;
    /// The client's events after `after` (row id), oldest first.
    fn events(&mut self, client: &str, after: i64, limit: i64) -> Result<Vec<Event>>;
    fn event(&mut self, client: &str, id: i64) -> Result<Option<Event>>;
    /// Whether the client has a webhook endpoint (enabled or not).
    fn has_endpoints(&mut self, client: &str) -> Result<bool>;
    /// Queue the event again to each enabled endpoint that takes it; how many deliveries.
    fn redeliver(&mut self, client: &str, id: i64) -> Result<u64>;
    /// Claim webhook deliveries due at `now` with a lease until `lease_until` (as the outbox's
    /// `Dispatch::claim`): each goes to one dispatcher at a time.
    fn claim_hooks(
        &mut self,
        owner: &str,
        now: i64,
        lease_until: i64,
        n: i64,
    ) -> Result<Vec<ClaimedHook>>;
    /// Record an attempt if `owner` still holds the lease; false if another took it over.
    fn finish_hook(&mut self, owner: &str, f: &HookOutcome) -> Result<bool>;
    /// Webhook deliveries queued to enabled endpoints.
    fn hooks_queued(&mut self) -> Result<i64>;
    /// An event's deliveries: (endpoint, state, attempts, detail).
    fn hook_deliveries(&mut self, event: i64) -> Result<Vec<HookDelivery>>;
}

/// An API key as kept: never its secret.
#[derive(Clone, Debug)]
pub struct ApiKey {
    pub id: i64,
    pub client: String,
    pub name: String,
    /// `read` or `read-write`.
    pub scope: String,
    pub created: String,
    pub revoked: Option<String>,
}

/// A POST's response, kept for its idempotency key.
#[derive(Clone, Debug, PartialEq)]
pub struct KeptResponse {
    /// SHA-256 of the method, path and body it answered.
    pub request: String,
    pub status: u16,
    pub location: Option<String>,
    /// A draft's version, its `ETag`.
    pub etag: Option<String>,
    pub body: String,
    /// Unix ms.
    pub created: i64,
}

#[derive(Clone, Debug)]
pub struct Endpoint {
    pub id: i64,
    pub client: String,
    pub url: String,
    pub secret: String,
    /// The event types it takes, comma-separated; `*` for all.
    pub events: String,
    /// Why it was disabled, if it is.
    pub disabled: Option<String>,
    /// Attempts that failed since the last that succeeded.
    pub failures: i64,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub id: i64,
    pub client: String,
    pub kind: String,
    /// JSON.
    pub data: String,
    pub created: String,
}

/// A webhook delivery a dispatcher holds the lease on.
#[derive(Clone, Debug)]
pub struct ClaimedHook {
    pub id: i64,
    pub attempts: u32,
    pub endpoint: Endpoint,
    pub event: Event,
}

/// The outcome of one webhook attempt.
pub struct HookOutcome<'a> {
    pub delivery: i64,
    /// `delivered`, `queued` (to be retried at `next_attempt_at`) or `failed`.
    pub state: &'a str,
    pub detail: &'a str,
    pub next_attempt_at: i64,
    /// Disable the endpoint, for this reason (it kept failing).
    pub disable: Option<&'a str>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct HookDelivery {
    pub endpoint: i64,
    pub state: String,
    pub attempts: u32,
    pub detail: Option<String>,
}

/// Exchange rates as the host imported them, one per (currency, day): Norges Bank's, or an
/// override's, which replaces it.
pub trait Rates {
    /// The last rate of `currency` on or before `on`.
    fn rate(&mut self, currency: &str, on: &str) -> Result<Option<crate::bindings::ExchangeRate>>;
    /// Keep these rates; one for a (currency, day) kept already replaces it. How many.
    fn put_rates(&mut self, rates: &[crate::bindings::ExchangeRate]) -> Result<usize>;
}

/// Recurring series: kept whole (the component's body) beside the fields a run selects on.
pub trait Recurring {
    fn insert_series(&mut self, client: &str, index: &SeriesIndex, body: &str) -> Result<i64>;
    fn series(&mut self, client: &str, id: i64) -> Result<Option<StoredSeries>>;
    /// Compare-and-set on the version.
    fn update_series(
        &mut self,
        client: &str,
        id: i64,
        expected_version: u64,
        index: &SeriesIndex,
        body: &str,
    ) -> Result<Saved>;
    /// Oldest first; with `due_by`, only active series whose `issue_from` is on or before it.
    fn list_series(&mut self, client: &str, due_by: Option<&str>) -> Result<Vec<StoredSeries>>;
}

/// The outbox seen by a dispatcher: deliveries leased, renewed and finished, so that each is
/// attempted by one dispatcher at a time, in this process or another host.
pub trait Dispatch {
    /// Lease up to `n` due deliveries to `owner` until `lease_until` (Unix ms): no other
    /// dispatcher, in this process or another host, gets them meanwhile.
    fn claim(&mut self, owner: &str, now: i64, lease_until: i64, n: i64) -> Result<Vec<Claimed>>;
    /// Extend `owner`'s lease on a delivery it still holds, before it hands the delivery over;
    /// false if the lease ran out and another dispatcher took the delivery meanwhile.
    fn renew(&mut self, owner: &str, delivery: i64, lease_until: i64) -> Result<bool>;
    /// Record an attempt's outcome if `owner` still holds the lease; false if it lost it.
    fn finish(&mut self, owner: &str, f: &Finish) -> Result<bool>;
    fn queued(&mut self) -> Result<i64>;
    /// Lock the document's row until the unit ends (PostgreSQL; SQLite units are serial).
    fn lock_document(&mut self, document: i64) -> Result<()>;
    /// Whether the invoice is fully credited, the bank holds its AvtaleGiro claim, and no
    /// deletion request is queued yet.
    fn needs_cancel(&mut self, invoice: i64) -> Result<Option<String>>;
}

/// What people read beside the calls (the console, the CLI's reports, the tests).
pub trait Reports {
    fn clients(&mut self) -> Result<Vec<String>>;
    /// Every client's id and name (its id while it has none), for a client picker.
    fn client_names(&mut self) -> Result<Vec<(String, String)>>;
    /// The EHF and the PDF of a document.
    fn files(&mut self, client: &str, id: i64) -> Result<Option<Files>>;
    /// How many rows `overview` would give without its limit and offset (a hit count),
    /// counted no further than `at_most` + 1: past that a person reads "over `at_most`", and
    /// counting every row of a large client on every page would cost more than the page.
    fn overview_count(
        &mut self,
        client: &str,
        f: &crate::bindings::OverviewFilter,
        at_most: u64,
    ) -> Result<u64>;
    fn journal(&mut self, client: &str) -> Result<Vec<JournalRow>>;
    /// (account, debit øre, credit øre).
    fn trial_balance(&mut self, client: &str) -> Result<Vec<(u32, i64, i64)>>;
    /// (customer id, balance øre on 1500).
    fn customer_balances(&mut self, client: &str) -> Result<Vec<(String, i64)>>;
    fn delivery_report(&mut self, client: &str) -> Result<Vec<DeliveryRow>>;
}

/// Statements as they are: tests tamper with records to show the database refuses, and read
/// what no report gives.
pub trait Probes {
    /// Run statements as they are.
    fn execute_raw(&mut self, sql: &str) -> Result<u64>;
    /// The first column of every row of a query, as integers.
    fn integers(&mut self, sql: &str) -> Result<Vec<i64>>;
    /// The first column of the first row of a query, as an integer.
    fn scalar(&mut self, sql: &str) -> Result<i64> {
        self.integers(sql)?
            .first()
            .copied()
            .ok_or_else(|| anyhow::anyhow!("no row: {sql}"))
    }
}

/// Money in: payments, their vouchers, and per invoice what it holds. Amounts are øre; ids
/// are the rows' (the imports write and read the contract's `pay-N` / `doc-N`).
pub trait Receivables {
    /// Keep payments, in one statement (a few with no arrays); their ids in the same order,
    /// `None` for one whose bank reference or key was kept already (the unique indexes
    /// decide); then none of the list is kept. Each has a bank reference or an idempotency key
    /// (the ids are matched back by them).
    fn insert_payments(&mut self, client: &str, p: &[NewPayment]) -> Result<Vec<Option<i64>>>;
    /// Which of these documents are this client's invoices.
    fn invoices_held(&mut self, client: &str, ids: &[i64]) -> Result<Vec<i64>>;
    fn payment(&mut self, client: &str, id: i64) -> Result<Option<Payment>>;
    /// By bank reference or idempotency key, in the order of `keys`.
    fn payments_by_keys(&mut self, client: &str, keys: &[String]) -> Result<Vec<Option<Payment>>>;
    /// Give a payment in suspense its invoice; false if it has one (or there is no such).
    fn allocate(
        &mut self,
        client: &str,
        id: i64,
        invoice: i64,
        outcome: PaymentOutcome,
    ) -> Result<bool>;
    /// Post payments' vouchers: (payment, posting) rows.
    fn post_payments(&mut self, client: &str, rows: &[(i64, Posting)]) -> Result<()>;
    /// The invoice carrying each KID, in the order of `kids`.
    fn invoices_by_kid(&mut self, client: &str, kids: &[String]) -> Result<Vec<Option<i64>>>;
    /// Per invoice: payable, credited, paid (øre); oldest due date first.
    fn invoice_sums(&mut self, client: &str, f: &SumFilter) -> Result<Vec<InvoiceSums>>;
    /// Newest first.
    fn payments(&mut self, client: &str, f: &PaymentQuery) -> Result<Vec<Payment>>;
    /// When a bank file with this SHA-256 was imported, if it was.
    fn bank_file(&mut self, client: &str, sha256: &str) -> Result<Option<String>>;
    fn record_bank_file(
        &mut self,
        client: &str,
        sha256: &str,
        name: &str,
        payments: u64,
    ) -> Result<()>;
}

pub use crate::bindings::PaymentOutcome;

/// Notices about overdue invoices (contract 0.5.1): each (invoice, step) kept once, with its
/// voucher and letter; the client's reminder policy; and who is not to be reminded. Amounts
/// are øre.
pub trait Notices {
    /// Keep a notice; `None` if its invoice has this step already (the unique index decides).
    fn insert_notice(&mut self, client: &str, n: &NewNotice) -> Result<Option<i64>>;
    /// Post a notice's voucher.
    fn post_notice(&mut self, client: &str, notice: i64, rows: &[Posting]) -> Result<()>;
    /// The notices of these invoices, oldest first.
    fn notices_of(&mut self, client: &str, invoices: &[i64]) -> Result<Vec<StoredNotice>>;
    fn notice(&mut self, client: &str, id: i64) -> Result<Option<StoredNotice>>;
    /// Σ over the customer's invoices of paid + credited − payable − charged where above
    /// zero (øre).
    fn credit_balance(&mut self, client: &str, customer: &str) -> Result<i64>;
    fn policy(&mut self, client: &str) -> Result<Option<crate::bindings::ReminderPolicy>>;
    fn put_policy(&mut self, client: &str, p: &crate::bindings::ReminderPolicy) -> Result<()>;
    /// Per customer, in order: has it asked for no reminders?
    fn opted_out(&mut self, client: &str, customers: &[String]) -> Result<Vec<bool>>;
    fn set_opted_out(&mut self, client: &str, customer: &str, out: bool) -> Result<()>;
    /// Per invoice, in order: is it under a payment agreement?
    fn payment_agreements(&mut self, client: &str, invoices: &[i64]) -> Result<Vec<bool>>;
    fn set_payment_agreement(&mut self, client: &str, invoice: i64, on: bool) -> Result<()>;
    /// The Peppol directory's answer for EHF Reminder 3.0 (the other document types are
    /// `Unit::accepts`).
    fn accepts_reminders(&mut self, participant: &str) -> Result<bool>;
    fn put_reminder_participant(&mut self, participant: &str) -> Result<()>;
    /// A notice's deliveries, oldest first.
    fn notice_deliveries(&mut self, notice: i64) -> Result<Vec<crate::bindings::Delivery>>;
}

/// A notice to keep: the contract's plan (kept whole, as JSON, beside the columns a query
/// needs), its delivery facts and its letter.
pub struct NewNotice {
    pub invoice: i64,
    pub sent: String,
    pub plan: crate::bindings::NoticePlan,
    pub facts: DeliveryFacts,
    pub pdf: Vec<u8>,
    pub ehf: Option<String>,
}

#[derive(Clone, Debug)]
pub struct StoredNotice {
    pub id: i64,
    pub invoice: i64,
    pub invoice_number: u64,
    pub sent: String,
    pub plan: crate::bindings::NoticePlan,
}

/// A payment to keep.
#[derive(Clone, Debug)]
pub struct NewPayment {
    pub bank_reference: Option<String>,
    pub idempotency_key: Option<String>,
    pub kid: Option<String>,
    pub amount_ore: i64,
    pub date: String,
    pub payer: Option<String>,
    pub text: Option<String>,
    pub outcome: PaymentOutcome,
    pub invoice: Option<i64>,
    pub customer_id: Option<String>,
}

/// A kept payment, with its invoice's number.
#[derive(Clone, Debug)]
pub struct Payment {
    pub id: i64,
    pub new: NewPayment,
    pub invoice_number: Option<u64>,
}

#[derive(Clone, Debug, Default)]
pub struct SumFilter {
    pub customer_id: Option<String>,
    /// These invoices only (empty: all).
    pub invoices: Vec<i64>,
    pub open_only: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InvoiceSums {
    pub invoice: i64,
    pub number: u64,
    pub customer_id: String,
    pub customer_name: String,
    pub issue_date: String,
    pub due_date: String,
    pub kid: Option<String>,
    pub payable_ore: i64,
    pub credited_ore: i64,
    pub paid_ore: i64,
    /// The fees and interest its notices charged.
    pub charged_ore: i64,
    /// ISO 4217: what the øre above are hundredths of.
    pub currency: String,
}

#[derive(Clone, Debug, Default)]
pub struct PaymentQuery {
    pub unmatched_only: bool,
    pub invoice: Option<i64>,
    pub limit: u32,
    pub offset: u32,
}

/// A customer with what the channel directories say about it.
#[derive(Clone, Debug)]
pub struct CustomerRecord {
    pub customer: Customer,
    pub efaktura: EfakturaStatus,
    pub avtalegiro: bool,
}

/// The fields the overview filters and sorts on.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub customer_id: String,
    pub customer_name: String,
    pub buyer_reference: Option<String>,
    pub our_reference: Option<String>,
    pub order_reference: Option<String>,
    pub issue_date: Option<String>,
    pub payable_ore: i64,
    /// ISO 4217: what `payable_ore` is hundredths of.
    pub currency: String,
}

pub enum Saved {
    Saved(u64),
    Conflict(u64),
    NotFound,
}

#[derive(Clone, Copy)]
pub struct NewDocument<'a> {
    pub kind: DocumentKind,
    pub series: Series,
    pub number: u64,
    /// A credit note: the invoice's row id.
    pub credits: Option<i64>,
    pub idempotency_key: Option<&'a str>,
    pub index: &'a Index,
    pub facts: &'a DeliveryFacts,
    pub body: &'a str,
    pub ehf: Option<&'a str>,
    pub pdf: Option<&'a [u8]>,
}

/// An issued document as stored.
#[derive(Clone, Debug)]
pub struct Document {
    pub id: i64,
    pub client: String,
    pub kind: DocumentKind,
    pub number: u64,
    pub issue_date: String,
    pub body: String,
    pub facts: DeliveryFacts,
    pub status: DocumentStatus,
}

pub struct Files {
    pub ehf: Option<String>,
    pub pdf: Vec<u8>,
}

#[derive(Clone)]
pub struct Posting {
    pub date: String,
    pub number: u64,
    pub account: u32,
    pub debit_ore: i64,
    pub credit_ore: i64,
    pub customer_id: Option<String>,
    pub vat_code: Option<String>,
    pub text: String,
    /// On a document in another currency: the amount in it and the rate (SAF-T's
    /// AmountStructure); the øre above are NOK.
    pub currency: Option<crate::bindings::CurrencyAmount>,
}

/// Why a delivery is in the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The document to its recipient.
    Deliver,
    /// An AvtaleGiro deletion request for a fully credited invoice.
    Cancel,
}

#[derive(Clone, Copy)]
pub struct Queue<'a> {
    pub channel: Channel,
    pub purpose: Purpose,
    pub reason: &'a str,
    /// The channels to fall back to, in order, if this one refuses for good.
    pub fallbacks: &'a [Channel],
    /// A notice's letter (contract 0.5.1), delivered under its invoice; none: the document.
    pub notice: Option<i64>,
}

/// A delivery a dispatcher holds the lease on, with what it needs to deliver.
pub struct Claimed {
    pub id: i64,
    pub purpose: Purpose,
    pub channel: Channel,
    pub fallbacks: Vec<Channel>,
    pub attempts: u32,
    pub document: Document,
    pub ehf: Option<String>,
    pub pdf: Vec<u8>,
    /// A notice's letter: `document` is its invoice with the notice's delivery facts, and
    /// the files are the letter's.
    pub notice: Option<ClaimedNotice>,
}

/// Which notice a claimed delivery carries.
#[derive(Clone, Debug)]
pub struct ClaimedNotice {
    pub id: i64,
    pub kind: crate::bindings::NoticeKind,
    pub step: u32,
}

/// The outcome of one attempt.
pub struct Finish<'a> {
    pub delivery: i64,
    pub state: crate::bindings::DeliveryState,
    pub detail: &'a str,
    /// When the attempt ended (Unix ms): the delivery's `updated_at`.
    pub ended: i64,
    /// Unix ms before which a retry is not attempted (counted from `ended`).
    pub next_attempt_at: i64,
}

#[derive(Debug, serde::Serialize)]
pub struct JournalRow {
    pub date: String,
    pub number: i64,
    pub account: u32,
    pub debit_ore: i64,
    pub credit_ore: i64,
    pub customer: Option<String>,
    pub vat_code: Option<String>,
    pub text: String,
    /// A posting of a document in another currency: its amount in it and the rate.
    pub currency: Option<crate::bindings::CurrencyAmount>,
}

#[derive(Debug, serde::Serialize)]
pub struct DeliveryRow {
    pub number: i64,
    pub kind: DocumentKind,
    pub customer: String,
    pub channel: Channel,
    pub state: crate::bindings::DeliveryState,
    pub reason: String,
}

/// Run `f` in one unit of work and commit it.
pub fn with_unit<T>(store: &dyn Store, f: impl FnOnce(&mut dyn Unit) -> Result<T>) -> Result<T> {
    let mut unit = store.begin()?;
    let out = f(unit.as_mut())?;
    unit.commit()?;
    Ok(out)
}

/// Run `f` on a snapshot that only reads.
pub fn with_read<T>(store: &dyn Store, f: impl FnOnce(&mut dyn Unit) -> Result<T>) -> Result<T> {
    let mut unit = store.begin_read()?;
    f(unit.as_mut())
}

/// NS 4102 accounts the component may post to; the host refuses any other.
pub const ACCOUNTS: &[(u32, &str)] = &[
    (1500, "Kundefordringer"),
    (1920, "Bankinnskudd"),
    (2700, "Utgående merverdiavgift, høy sats"),
    (2701, "Utgående merverdiavgift, middels sats"),
    (2702, "Utgående merverdiavgift, råfisk"),
    (2703, "Utgående merverdiavgift, lav sats"),
    // Payments nobody has matched yet, until a person gives them to an invoice.
    (
        2999,
        "Annen kortsiktig gjeld (uidentifiserte innbetalinger)",
    ),
    (3000, "Salgsinntekt, avgiftspliktig, høy sats"),
    (3005, "Salgsinntekt, omvendt avgiftsplikt"),
    (3020, "Salgsinntekt tjenester, avgiftspliktig"),
    (3030, "Salgsinntekt, avgiftspliktig, middels sats"),
    (3050, "Salgsinntekt, avgiftspliktig, lav sats"),
    (3100, "Salgsinntekt, avgiftsfri"),
    (3200, "Salgsinntekt, utenfor avgiftsområdet / unntatt"),
    // Reminder and inkassovarsel fees (contract 0.5.1; receivables.md §4).
    (3900, "Annen driftsrelatert inntekt"),
    // Late interest charged on notices.
    (8055, "Renteinntekt kundefordringer"),
    // A payment in another currency closes its receivable at the booked NOK (currency.md §4).
    (8060, "Valutagevinst (agio)"),
    (8160, "Valutatap (disagio)"),
];

/// Whether the chart of accounts (the one every store is seeded with) has `n`.
pub fn account_known(n: u32) -> bool {
    ACCOUNTS.iter().any(|(a, _)| *a == n)
}

pub fn account_name(n: u32) -> &'static str {
    ACCOUNTS
        .iter()
        .find(|(a, _)| *a == n)
        .map_or("?", |(_, name)| name)
}

/// A fresh store identity: the creation time and the process, in hex.
pub fn new_store_id() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{:x}{:05x}", t.as_nanos(), std::process::id())
}

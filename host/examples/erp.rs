//! An ERP embeds the invoicing component with `invoicing-host` alone: its own store (here a
//! few maps in memory, where a real ERP has its database), its own data (a client, a customer,
//! a product) and a component file. It activates the module, makes a draft, issues it, and
//! reads back the voucher and the delivery the component queued.
//!
//!     cargo run -p invoicing-host --example erp -- path/to/invoicing.wasm
//!
//! (`host-harness` builds the component: `target/guest-wasm/wasm32-wasip2/component/guest.wasm`;
//! any release in `fixtures/components/` runs too.)
//!
//! The store keeps what one call's imports use: `Unit`, and none of the roles a store may keep
//! beside it (recurring series, payments, reminders, the dispatcher's leases, reports), so a
//! call that needs one of those fails whole. A unit of work is a copy of the data, written back
//! on commit (one writer at a time: enough for one process).

use anyhow::Result;
use invoicing_host::bindings::*;
use invoicing_host::store::{
    with_unit, CustomerRecord, Document, EfakturaStatus, Index, NewDocument, Posting, Queue, Saved,
    Series, Store, Unit,
};
use invoicing_host::{Harness, Limits, Runtime};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Data {
    settings: BTreeMap<String, (ClientSettings, bool)>,
    customers: BTreeMap<(String, String), CustomerRecord>,
    products: BTreeMap<(String, String), Product>,
    drafts: BTreeMap<i64, (String, u64, Index, String)>,
    numbers: BTreeMap<(String, &'static str), u64>,
    documents: BTreeMap<i64, Kept>,
    postings: Vec<(i64, Posting)>,
    outbox: Vec<(i64, Channel, String)>,
    next_id: i64,
}

/// An issued document, with its idempotency key and the invoice it credits.
#[derive(Clone)]
struct Kept {
    doc: Document,
    key: Option<String>,
    credits: Option<i64>,
}

struct MemoryStore(Arc<Mutex<Data>>);

struct MemoryUnit {
    store: Arc<Mutex<Data>>,
    data: Data,
    savepoints: Vec<Data>,
}

impl Store for MemoryStore {
    fn begin(&self) -> Result<Box<dyn Unit>> {
        let data = self.0.lock().unwrap().clone();
        Ok(Box::new(MemoryUnit {
            store: self.0.clone(),
            data,
            savepoints: Vec::new(),
        }))
    }
    fn begin_read(&self) -> Result<Box<dyn Unit>> {
        self.begin()
    }
    fn id(&self) -> &str {
        "erp-example"
    }
    fn backend(&self) -> &'static str {
        "memory"
    }
}

impl MemoryUnit {
    fn id(&mut self) -> i64 {
        self.data.next_id += 1;
        self.data.next_id
    }
    fn summary(d: &Document) -> Summary {
        Summary {
            id: invoicing_host::ids::Id::Doc.of(d.id),
            kind: d.kind,
            number: Some(d.number),
            status: d.status,
            customer_id: d.facts.recipient_name.clone(),
            customer_name: d.facts.recipient_name.clone(),
            buyer_reference: None,
            issue_date: Some(d.issue_date.clone()),
            payable: d.facts.payable.clone(),
            delivery: None,
            updated_at: d.issue_date.clone(),
            currency: d.facts.currency.clone(),
        }
    }
}

fn key_of(series: Series) -> &'static str {
    match series {
        Series::Invoice => "invoice",
        Series::CreditNote => "credit-note",
    }
}

impl Unit for MemoryUnit {
    fn commit(self: Box<Self>) -> Result<()> {
        *self.store.lock().unwrap() = self.data;
        Ok(())
    }
    fn savepoint(&mut self) -> Result<()> {
        self.savepoints.push(self.data.clone());
        Ok(())
    }
    fn release(&mut self, keep: bool) -> Result<()> {
        let before = self.savepoints.pop().expect("a savepoint");
        if !keep {
            self.data = before;
        }
        Ok(())
    }

    fn put_client(&mut self, client: &str, s: &ClientSettings) -> Result<()> {
        let active = self.is_active(client)?;
        self.data
            .settings
            .insert(client.into(), (s.clone(), active));
        Ok(())
    }
    fn settings(&mut self, client: &str) -> Result<Option<ClientSettings>> {
        Ok(self.data.settings.get(client).map(|(s, _)| s.clone()))
    }
    fn is_active(&mut self, client: &str) -> Result<bool> {
        Ok(self.data.settings.get(client).is_some_and(|(_, a)| *a))
    }
    fn set_active(&mut self, client: &str, active: bool) -> Result<bool> {
        Ok(match self.data.settings.get_mut(client) {
            Some(s) => {
                s.1 = active;
                true
            }
            None => false,
        })
    }
    fn add_feedback(&mut self, _client: &str, reason: &str) -> Result<()> {
        println!("deactivated because: {reason}");
        Ok(())
    }
    fn put_customer(&mut self, client: &str, c: &CustomerRecord) -> Result<()> {
        let key = (client.to_owned(), c.customer.id.clone());
        self.data.customers.insert(key, c.clone());
        Ok(())
    }
    fn customer(&mut self, client: &str, id: &str) -> Result<Option<CustomerRecord>> {
        Ok(self
            .data
            .customers
            .get(&(client.into(), id.into()))
            .cloned())
    }
    fn customers(&mut self, client: &str) -> Result<Vec<CustomerRecord>> {
        let mut all: Vec<CustomerRecord> = (self.data.customers.iter())
            .filter(|((c, _), _)| c == client)
            .map(|(_, r)| r.clone())
            .collect();
        all.sort_by(|a, b| a.customer.name.cmp(&b.customer.name));
        Ok(all)
    }
    fn put_product(&mut self, client: &str, p: &Product) -> Result<()> {
        let key = (client.to_owned(), p.id.clone());
        self.data.products.insert(key, p.clone());
        Ok(())
    }
    fn products(&mut self, client: &str) -> Result<Vec<Product>> {
        let mut all: Vec<Product> = (self.data.products.iter())
            .filter(|((c, _), _)| c == client)
            .map(|(_, p)| p.clone())
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }
    fn product(&mut self, client: &str, id: &str) -> Result<Option<Product>> {
        Ok(self.data.products.get(&(client.into(), id.into())).cloned())
    }
    fn accepts(&mut self, _participant: &str, _kind: DocumentKind) -> Result<bool> {
        Ok(false) // this ERP asks no Peppol directory: e-mail and print only
    }

    fn insert_draft(&mut self, client: &str, index: &Index, body: &str) -> Result<i64> {
        let id = self.id();
        let draft = (client.to_owned(), 1, index.clone(), body.to_owned());
        self.data.drafts.insert(id, draft);
        Ok(id)
    }
    fn draft(&mut self, client: &str, id: i64) -> Result<Option<(u64, String)>> {
        Ok(self
            .data
            .drafts
            .get(&id)
            .filter(|d| d.0 == client)
            .map(|d| (d.1, d.3.clone())))
    }
    fn update_draft(
        &mut self,
        client: &str,
        id: i64,
        expected_version: u64,
        index: &Index,
        body: &str,
    ) -> Result<Saved> {
        Ok(
            match self.data.drafts.get_mut(&id).filter(|d| d.0 == client) {
                None => Saved::NotFound,
                Some(d) if d.1 != expected_version => Saved::Conflict(d.1),
                Some(d) => {
                    *d = (client.to_owned(), d.1 + 1, index.clone(), body.to_owned());
                    Saved::Saved(d.1)
                }
            },
        )
    }
    fn delete_draft(&mut self, client: &str, id: i64) -> Result<bool> {
        let mine = self.data.drafts.get(&id).is_some_and(|d| d.0 == client);
        Ok(mine && self.data.drafts.remove(&id).is_some())
    }
    fn hold_draft(&mut self, client: &str, id: i64, version: u64) -> Result<bool> {
        Ok(self.draft(client, id)?.is_some_and(|(v, _)| v == version))
    }

    fn next_number(&mut self, client: &str, series: Series, start: u64) -> Result<u64> {
        let n = self
            .data
            .numbers
            .entry((client.into(), key_of(series)))
            .or_insert(start - 1);
        *n += 1;
        Ok(*n)
    }
    fn last_number(&mut self, client: &str, series: Series) -> Result<Option<u64>> {
        Ok(self
            .data
            .numbers
            .get(&(client.into(), key_of(series)))
            .copied())
    }

    fn insert_document(&mut self, client: &str, d: &NewDocument) -> Result<i64> {
        let id = self.id();
        let doc = Document {
            id,
            client: client.to_owned(),
            kind: d.kind,
            number: d.number,
            issue_date: d.index.issue_date.clone().unwrap_or_default(),
            body: d.body.to_owned(),
            facts: d.facts.clone(),
            status: DocumentStatus::Issued,
        };
        let key = d.idempotency_key.map(str::to_owned);
        let credits = d.credits;
        self.data.documents.insert(id, Kept { doc, key, credits });
        Ok(id)
    }
    fn document(&mut self, client: &str, id: i64) -> Result<Option<Document>> {
        let d = self.data.documents.get(&id).map(|k| k.doc.clone());
        Ok(d.filter(|d| d.client == client))
    }
    fn issued(&mut self, client: &str, id: i64) -> Result<Option<(DocumentKind, u64)>> {
        Ok(self.document(client, id)?.map(|d| (d.kind, d.number)))
    }
    fn document_by_key(&mut self, client: &str, key: &str) -> Result<Option<Document>> {
        Ok(self
            .data
            .documents
            .values()
            .find(|k| k.doc.client == client && k.key.as_deref() == Some(key))
            .map(|k| k.doc.clone()))
    }
    fn credits_for(&mut self, client: &str, invoice: i64) -> Result<Vec<Document>> {
        Ok(self
            .data
            .documents
            .values()
            .filter(|k| k.doc.client == client && k.credits == Some(invoice))
            .map(|k| k.doc.clone())
            .collect())
    }
    fn overview(&mut self, client: &str, f: &OverviewFilter) -> Result<Vec<Summary>> {
        let mut rows: Vec<Summary> = self
            .data
            .documents
            .values()
            .map(|k| &k.doc)
            .filter(|d| d.client == client)
            .filter(|d| f.kind.is_none_or(|k| k == d.kind))
            .filter(|d| f.number.is_none_or(|n| n == d.number))
            .filter(|d| {
                f.issued_from
                    .as_ref()
                    .is_none_or(|from| d.issue_date >= *from)
            })
            .filter(|d| f.issued_to.as_ref().is_none_or(|to| d.issue_date <= *to))
            .map(Self::summary)
            .collect();
        rows.reverse(); // newest first
        let offset = f.offset.unwrap_or(0) as usize;
        let limit = f.limit.unwrap_or(50) as usize;
        Ok(rows.into_iter().skip(offset).take(limit).collect())
    }

    fn has_voucher(&mut self, document: i64) -> Result<bool> {
        Ok(self.data.postings.iter().any(|(d, _)| *d == document))
    }
    fn post(&mut self, _client: &str, document: i64, postings: &[Posting]) -> Result<()> {
        let new = postings.iter().map(|p| (document, p.clone()));
        self.data.postings.extend(new);
        Ok(())
    }
    fn enqueue(&mut self, _client: &str, document: i64, q: &Queue) -> Result<i64> {
        self.data
            .outbox
            .push((document, q.channel, q.reason.to_owned()));
        Ok(self.data.outbox.len() as i64)
    }
    fn deliveries(&mut self, document: i64) -> Result<Vec<Delivery>> {
        let mine = self.data.outbox.iter().enumerate();
        Ok(mine
            .filter(|(_, d)| d.0 == document)
            .map(|(i, (_, channel, reason))| Delivery {
                id: format!("delivery-{}", i + 1),
                channel: *channel,
                reason: reason.clone(),
                state: DeliveryState::Queued,
                attempts: 0,
                updated_at: None,
                detail: None,
            })
            .collect())
    }
}

fn main() -> Result<()> {
    let path = std::env::args().nth(1).expect("the component's .wasm file");
    let rt = Runtime::with_component(&std::fs::read(path)?, Limits::default())?;
    let store = Arc::new(MemoryStore(Default::default()));

    // The ERP's own data, as it already keeps it.
    let seller = ClientSettings {
        name: Some("Fjordkraft Konsult AS".into()),
        organisation_number: Some("914778271".into()),
        address: Address {
            street: Some("Strandgaten 1".into()),
            postcode: Some("5013".into()),
            city: Some("Bergen".into()),
            country: Some("NO".into()),
        },
        bank_account: Some("86011117947".into()),
        iban: None,
        bic: None,
        vat_registered: Some(true),
        foretaksregisteret: Some(true),
        template: Some(Template::Classic),
        channels: vec![Channel::Email, Channel::Print],
        invoice_start_number: Some(1001),
        credit_note_start_number: None,
        payment_terms_days: Some(14),
        kid_length: Some(10),
        kid_algorithm: Some(KidAlgorithm::Mod10),
        kid_customer_digits: Some(3),
        language: Some(Language::Nb),
        logo: None,
    };
    let customer = Customer {
        id: "bygg".into(),
        number: 7,
        name: "Bygg og Anlegg AS".into(),
        organisation_number: Some("988077917".into()),
        address: Address {
            street: Some("Kaigaten 4".into()),
            postcode: Some("5015".into()),
            city: Some("Bergen".into()),
            country: Some("NO".into()),
        },
        email: Some("faktura@bygg.example".into()),
        language: None,
        preferred_channel: None,
        attach_ehf: true,
        currency: None,
    };
    with_unit(&*store, |u| {
        u.put_client("fjord", &seller)?;
        u.put_customer(
            "fjord",
            &CustomerRecord {
                customer,
                efaktura: EfakturaStatus::NotFound,
                avtalegiro: false,
            },
        )
    })?;

    // The module's flow, each call one unit of work.
    let mut erp = Harness::on(rt, store.clone());
    erp.activate("fjord")?;
    let draft = erp.create_draft("fjord", "bygg")?;
    let line =
        invoicing_host::api::free_line("Rådgivning, november", "7.5", "1450", VatCode::Standard);
    let draft = erp.update_draft(
        "fjord",
        &draft.id,
        draft.version,
        &DraftChange::AddLines(vec![line]),
    )?;
    let invoice = erp.finalize("fjord", &draft.id, "erp-order-4711")?;
    println!(
        "invoice {} to {}: {} NOK, KID {}, due {}",
        invoice.number,
        invoice.customer.name,
        invoice.totals.payable,
        invoice.kid.as_deref().unwrap_or("-"),
        invoice.due_date
    );
    for p in &store.0.lock().unwrap().postings {
        let p = &p.1;
        println!(
            "  {} {:>10} {:>10}  {}",
            p.account, p.debit_ore, p.credit_ore, p.text
        );
    }
    for d in &invoice.deliveries {
        println!("  queued for {:?}: {}", d.channel, d.reason);
    }
    // The same request again gives the same invoice: numbered once, posted once.
    let again = erp.finalize("fjord", &draft.id, "erp-order-4711")?;
    assert_eq!(again.number, invoice.number);
    Ok(())
}

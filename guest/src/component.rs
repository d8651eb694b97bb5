//! The exports, as adapters between the contract's types and the rules.

mod wit {
    wit_bindgen::generate!({ path: "../wit", world: "invoicing-component" });
}
mod payments;
mod recurring;
mod reminders;

use crate::error::{Error, FieldError, Problem, Refusal};
use crate::model::{self, Document, Draft, Kind, Seller};
use crate::vat::VatCode;
use crate::{
    body, calc, channel, credit, dates, draft, ehf, ehf_check, invoice, limits, money, numbering,
    party, pdf, settings, text,
};
use chrono::NaiveDate;
use wit::erp::invoicing::{
    directory, documents, ledger, outbox, rates, sequences, settings as host_settings, types as t,
};
use wit::exports::erp::invoicing::invoicing::Guest;

struct Component;
wit::export!(Component with_types_in wit);

type R<T> = Result<T, t::Error>;

impl Guest for Component {
    fn activate() -> R<()> {
        seller()?;
        host_settings::set_active(true);
        Ok(())
    }

    fn deactivate(reason: String) -> R<()> {
        require_active()?;
        let reason = reason.trim();
        required_text("reason", reason, limits::MAX_NOTE_CHARS, text::bad_text)?;
        host_settings::record_feedback(reason);
        host_settings::set_active(false);
        Ok(())
    }

    fn create_draft(customer_id: String) -> R<t::Draft> {
        require_active()?;
        let vat_registered = seller()?.vat_registered;
        let customer = customer(&customer_id)?;
        let d = Draft {
            currency: currency_of(&customer),
            customer,
            references: Default::default(),
            dates: Default::default(),
            note: None,
            lines: Vec::new(),
            next_line_id: 1,
        };
        let id = documents::insert_draft(
            &index_of_draft(&d, vat_registered),
            &json(body::of_draft(&d))?,
        )?;
        draft_out(id, 1, &d, vat_registered)
    }

    fn update_draft(id: String, version: u64, change: t::DraftChange) -> R<t::Draft> {
        require_active()?;
        let seller = seller()?;
        let (stored_version, mut d) = load_draft(&id)?;
        if stored_version != version {
            return Err(t::Error::Conflict(stored_version));
        }
        match edit_in(change)? {
            Edit::Customer(c) => {
                d.customer = customer(&c)?;
                d.currency = currency_of(&d.customer);
            }
            Edit::Change(change) => {
                let dates = matches!(change, draft::Change::Dates(_));
                draft::apply(&mut d, change, seller.vat_registered, &product).map_err(err)?;
                if dates {
                    issue_date_can_be(&seller, d.dates.issue)?;
                }
            }
        }
        let version = documents::update_draft(
            &id,
            version,
            &index_of_draft(&d, seller.vat_registered),
            &json(body::of_draft(&d))?,
        )?;
        draft_out(id, version, &d, seller.vat_registered)
    }

    fn get_draft(id: String) -> R<t::Draft> {
        require_active()?;
        let vat_registered = seller()?.vat_registered;
        let (version, d) = load_draft(&id)?;
        draft_out(id, version, &d, vat_registered)
    }

    fn delete_draft(id: String) -> R<()> {
        require_active()?;
        load_draft(&id)?;
        documents::delete_draft(&id)
    }

    fn preview(id: String) -> R<Vec<u8>> {
        require_active()?;
        let seller = seller()?;
        let (_, mut d) = load_draft(&id)?;
        d.customer = customer(&d.customer.id)?;
        let today = today()?;
        let (totals, rate) = issuable(&d, today, &seller)?;
        let mut doc = invoice::build(
            &d,
            &seller,
            0,
            today,
            &totals,
            channel::Route {
                channel: model::Channel::Print,
                reason: String::new(),
                fallbacks: Vec::new(),
            },
            rate,
        )
        .map_err(err)?;
        // No number is used, so there is no KID yet: the PDF shows how it will be made.
        doc.kid = None;
        Ok(pdf::render(&doc, &totals, pdf::Mode::Preview))
    }

    fn finalize(id: String, idempotency_key: String) -> R<t::IssuedDocument> {
        require_active()?;
        let request = format!("finalize {id}");
        if let Some(done) = replay(&idempotency_key, &request)? {
            return Ok(done);
        }
        let seller = seller()?;
        let (_, d) = load_draft(&id)?;
        let issued = issue_invoice(d, &seller, today()?, &idempotency_key, request)?;
        documents::delete_draft(&id)?;
        Ok(issued)
    }

    fn credit(
        invoice_id: String,
        lines: Option<Vec<t::CreditLine>>,
        reason: String,
        idempotency_key: String,
    ) -> R<t::IssuedDocument> {
        require_active()?;
        let request = credit_request(&invoice_id, lines.as_deref(), &reason);
        if let Some(done) = replay(&idempotency_key, &request)? {
            return Ok(done);
        }
        let seller = seller()?;
        let reason = reason.trim().to_owned();
        required_text(
            "reason",
            &reason,
            limits::MAX_REFERENCE_CHARS,
            text::bad_text,
        )?;
        let (inv, earlier) = invoice_and_credits(&invoice_id)?;
        let requests: Option<Vec<credit::Request>> = lines.map(|ls| {
            ls.into_iter()
                .map(|l| credit::Request {
                    line_id: l.line_id,
                    quantity: l.quantity,
                    amount: l.amount,
                })
                .collect()
        });
        let credited = credit::note(&inv, &earlier, requests.as_deref()).map_err(err)?;
        let customer = customer(&inv.customer.id).unwrap_or_else(|_| inv.customer.clone());
        let payment = Payment {
            payable: credited.totals.payable,
            kid: None,
            currency: &inv.currency,
        };
        let route = choose_channel(&seller, &customer, Kind::CreditNote, payment)?;
        let number = take_number(Kind::CreditNote, &seller, &idempotency_key)?;
        let today = today()?;
        check_date_order(&seller, Kind::CreditNote, number, today, "today")?;
        let totals = credited.totals.clone();
        let issue_as = credit::Issue {
            number,
            date: today,
            reason,
            route,
        };
        let mut doc = credit::build(&inv, &invoice_id, seller, customer, credited, issue_as);
        doc.request = Some(request);
        issue(&doc, &totals, &idempotency_key)
    }

    fn overview(filter: t::OverviewFilter) -> R<Vec<t::Summary>> {
        require_active()?;
        let mut p = crate::error::Problems::default();
        let from = filter
            .issued_from
            .as_deref()
            .and_then(|d| date_field(&mut p, "issued-from", d));
        let to = filter
            .issued_to
            .as_deref()
            .and_then(|d| date_field(&mut p, "issued-to", d));
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                p.add("issued-to", Problem::Before("issued-from".into()));
            }
        }
        if filter
            .limit
            .is_some_and(|l| !(1..=limits::MAX_PAGE_ROWS).contains(&l))
        {
            p.add("limit", Problem::between(1, limits::MAX_PAGE_ROWS));
        }
        p.into_result().map_err(err)?;
        documents::query(&filter)
    }

    fn credit_left(invoice_id: String) -> R<t::Creditable> {
        require_active()?;
        let (inv, earlier) = invoice_and_credits(&invoice_id)?;
        let (payable_left, lines) = credit::what_is_left(&inv, &earlier);
        Ok(t::Creditable {
            invoice_id,
            number: inv.number,
            payable_left: money::fmt2(payable_left),
            lines: lines
                .into_iter()
                .map(|(l, left)| t::LineLeft {
                    line_id: l.id,
                    description: l.description.clone(),
                    unit: l.unit.clone(),
                    unit_price: money::fmt_plain(l.unit_price),
                    quantity: money::fmt_plain(l.quantity),
                    amount: money::fmt2(calc::line_amounts(l).net),
                    quantity_left: money::fmt_plain(left.quantity),
                    amount_left: money::fmt2(left.net),
                    whole_by_quantity: credit::whole_by_quantity(l, left),
                })
                .collect(),
        })
    }

    /// An issued document is a record the business must be able to read at any time: open
    /// needs no active module (everything that changes anything does).
    fn open(id: String) -> R<t::IssuedDocument> {
        open_id(&id)
    }

    fn resend(id: String, channel: Option<t::Channel>) -> R<String> {
        require_active()?;
        let seller = seller()?;
        let stored = documents::get_document(&id)
            .ok_or_else(|| t::Error::NotFound(format!("document {id}")))?;
        let doc = parse_document(&stored.body)?;
        let payable = invoice::totals(&doc).payable;
        let payment = Payment {
            payable,
            kid: doc.kid.as_deref(),
            currency: &doc.currency,
        };
        let customer = customer(&doc.customer.id).unwrap_or_else(|_| doc.customer.clone());
        let route = match channel.map(channel_in) {
            None => choose_channel(&seller, &customer, doc.kind, payment)?,
            Some(c) if !seller.channels.contains(&c) => {
                return Err(err(Error::NotAllowed(Refusal::ChannelNotEnabled(c))))
            }
            Some(c) => {
                let why =
                    channel::can_take(c, doc.kind, &customer, &reach(&customer, doc.kind, payment))
                        .map_err(|why| {
                            err(Error::NotAllowed(Refusal::ChannelCannotTake(c, why)))
                        })?;
                channel::Route {
                    channel: c,
                    reason: why,
                    fallbacks: Vec::new(),
                }
            }
        };
        let fallbacks: Vec<t::Channel> = route.fallbacks.into_iter().map(channel_out).collect();
        outbox::enqueue(
            &id,
            channel_out(route.channel),
            &format!("resent on request; {}", route.reason),
            &fallbacks,
        )
    }
}

// ---- the steps the exports share ----

fn require_active() -> R<()> {
    if host_settings::is_active() {
        Ok(())
    } else {
        Err(t::Error::NotActive)
    }
}

fn seller() -> R<Seller> {
    settings::validate(&raw_settings())
        .map_err(|p| t::Error::MissingSettings(p.0.into_iter().map(field).collect()))
}

fn today() -> R<NaiveDate> {
    let s = host_settings::today();
    dates::parse(&s).map_err(|m| t::Error::Host(format!("the host's today: {m}")))
}

/// A draft's issue date, checked when it is set (not first at preview or "Fakturer og send"):
/// the rule is `numbering::issue_date_problem`; here the first document of its series issued
/// after it is looked up.
fn issue_date_can_be(seller: &Seller, issue: Option<NaiveDate>) -> R<()> {
    let Some(issue) = issue else {
        return Ok(());
    };
    let today = today()?;
    let mut later = None;
    if issue <= today {
        for kind in numbering::series_kinds(seller.credit_note_start.is_some(), Kind::Invoice) {
            let first = issued_where(t::OverviewFilter {
                issued_from: issue.succ_opt().map(|d| d.to_string()),
                limit: Some(1),
                ..filter_of(*kind)
            })?;
            later = first
                .into_iter()
                .next()
                .map(|(n, d)| (n, d.unwrap_or(issue)));
            if later.is_some() {
                break;
            }
        }
    }
    match numbering::issue_date_problem(issue, today, later) {
        Some(p) => Err(err(Error::invalid("dates.issue-date", p))),
        None => Ok(()),
    }
}

/// Numbers ascend with dates within a series (`numbering::date_order_problem`), checked
/// against the document numbered just before `number`.
fn check_date_order(
    seller: &Seller,
    kind: Kind,
    number: u64,
    date: NaiveDate,
    field: &str,
) -> R<()> {
    let Some(previous) = number.checked_sub(1) else {
        return Ok(());
    };
    for k in numbering::series_kinds(seller.credit_note_start.is_some(), kind) {
        let rows = issued_where(t::OverviewFilter {
            number: Some(previous),
            limit: Some(10),
            ..filter_of(*k)
        })?;
        for (_, date_of) in rows {
            let before = date_of.map(|d| (previous, d));
            if let Some(p) = numbering::date_order_problem(before, date) {
                return Err(err(Error::invalid(field, p)));
            }
        }
    }
    Ok(())
}

/// An overview filter for one kind of document, nothing else set.
fn filter_of(kind: Kind) -> t::OverviewFilter {
    t::OverviewFilter {
        customer_id: None,
        reference: None,
        number: None,
        issued_from: None,
        issued_to: None,
        kind: Some(kind_out(kind)),
        status: None,
        limit: None,
        offset: None,
    }
}

/// The number and issue date of each issued document the filter finds.
fn issued_where(f: t::OverviewFilter) -> R<Vec<(u64, Option<NaiveDate>)>> {
    Ok(documents::query(&f)?
        .into_iter()
        .map(|r| {
            let date = r.issue_date.as_deref().and_then(|s| dates::parse(s).ok());
            (r.number.unwrap_or_default(), date)
        })
        .collect())
}

/// The document an idempotency key already produced, if the key was used for this same
/// request; a key used for anything else is refused (`numbering::replay`).
fn replay(key: &str, request: &str) -> R<Option<t::IssuedDocument>> {
    // One line: a key is compared as it is, and no control character belongs in one.
    required_text(
        "idempotency-key",
        key,
        limits::MAX_KEY_CHARS,
        text::bad_line,
    )?;
    let Some(done) = documents::find_by_idempotency_key(key) else {
        return Ok(None);
    };
    let doc = parse_document(&done.body)?;
    match numbering::replay(Some((doc.request.as_deref(), doc.number)), request) {
        numbering::Replay::Fresh => Ok(None),
        numbering::Replay::Same => open_stored(done).map(Some),
        numbering::Replay::Reused(n) => Err(err(Error::invalid(
            "idempotency-key",
            Problem::KeyReused(n),
        ))),
    }
}

/// A text that must be given (`text::required`), refused naming `field`.
fn required_text(field: &str, v: &str, max: usize, chars: fn(&str) -> Option<Problem>) -> R<()> {
    match text::required(v, max, chars) {
        Some(p) => Err(err(Error::invalid(field, p))),
        None => Ok(()),
    }
}

/// A credit request in one canonical line: the invoice, each line asked for, and the reason.
fn credit_request(invoice_id: &str, lines: Option<&[t::CreditLine]>, reason: &str) -> String {
    let lines = match lines {
        None => "all".to_owned(),
        Some(ls) => ls
            .iter()
            .map(|l| {
                format!(
                    "{}:q={}:a={}",
                    l.line_id,
                    l.quantity.as_deref().unwrap_or("").trim(),
                    l.amount.as_deref().unwrap_or("").trim()
                )
            })
            .collect::<Vec<_>>()
            .join(","),
    };
    format!("credit {invoice_id} [{lines}] {}", reason.trim())
}

/// An invoice and the credit notes issued against it so far.
fn invoice_and_credits(invoice_id: &str) -> R<(Document, Vec<Document>)> {
    let stored = documents::get_document(invoice_id)
        .ok_or_else(|| t::Error::NotFound(format!("document {invoice_id}")))?;
    let inv = parse_document(&stored.body)?;
    if inv.kind != Kind::Invoice {
        return Err(err(Error::NotAllowed(Refusal::NotAnInvoice)));
    }
    let earlier = documents::credits_for(invoice_id)
        .iter()
        .map(|c| parse_document(&c.body))
        .collect::<R<Vec<_>>>()?;
    Ok((inv, earlier))
}

/// A customer from the host's register, checked like typed input (its texts reach documents)
/// and made fit for a valid document (`party::customer`): the refusal names the field.
fn customer(id: &str) -> R<model::Customer> {
    let c = directory::get_customer(id)
        .map(customer_in)
        .ok_or_else(|| t::Error::NotFound(format!("customer {id}")))?;
    party::customer(c, limits::MAX_REFERENCE_CHARS).map_err(|p| err(Error::Invalid(p.0)))
}

fn product(id: &str) -> Option<draft::ProductDefaults> {
    directory::get_product(id).map(|p| draft::ProductDefaults {
        name: p.name,
        unit: p.unit,
        unit_price: p.unit_price,
        vat_code: vat_in(p.vat_code),
    })
}

fn load_draft(id: &str) -> R<(u64, Draft)> {
    let stored =
        documents::get_draft(id).ok_or_else(|| t::Error::NotFound(format!("draft {id}")))?;
    let d = body::draft(&stored.body)
        .map_err(|e| t::Error::Host(format!("draft {id} is unreadable: {e}")))?;
    Ok((stored.version, d))
}

fn parse_document(body: &str) -> R<Document> {
    body::document(body).map_err(|e| t::Error::Host(format!("document is unreadable: {e}")))
}

/// The body the host stores: a serialisation that fails is an error, never an empty body.
fn json(written: Result<String, serde_json::Error>) -> R<String> {
    written.map_err(|e| t::Error::Host(format!("the body did not serialise: {e}")))
}

/// What the host's directories say about this customer for this kind of document, and what
/// the document asks to be paid.
fn reach(c: &model::Customer, kind: Kind, payment: Payment) -> channel::Reach {
    let wit_kind = kind_out(kind);
    channel::Reach {
        peppol: c
            .orgnr
            .as_ref()
            .is_some_and(|o| directory::peppol_accepts(&format!("0192:{o}"), wit_kind)),
        efaktura: match directory::efaktura_lookup(&c.id) {
            directory::EfakturaStatus::Found => channel::Efaktura::Found,
            directory::EfakturaStatus::NotFound => channel::Efaktura::NotFound,
            directory::EfakturaStatus::NoConsent => channel::Efaktura::NoConsent,
            directory::EfakturaStatus::Blocked => channel::Efaktura::Blocked,
        },
        avtalegiro: directory::avtalegiro_mandate(&c.id),
        payable: payment.payable,
        kid: payment.kid.map(Into::into),
        foreign: payment.currency != crate::currency::NOK,
    }
}

/// What the document a channel is chosen for asks to be paid: the amount, its currency and
/// the KID.
#[derive(Clone, Copy)]
struct Payment<'a> {
    payable: rust_decimal::Decimal,
    kid: Option<&'a str>,
    currency: &'a str,
}

fn choose_channel(
    seller: &Seller,
    c: &model::Customer,
    kind: Kind,
    payment: Payment,
) -> R<channel::Route> {
    channel::choose(seller, c, kind, &reach(c, kind, payment))
        .map_err(|why| err(Error::NotAllowed(Refusal::NoChannel(why))))
}

/// Issue a draft as an invoice (finalize, and each occurrence of a recurring series): the
/// customer as the CRM has it now, the last checks, a number, the KID and the channel.
fn issue_invoice(
    mut d: Draft,
    seller: &Seller,
    today: NaiveDate,
    key: &str,
    request: String,
) -> R<t::IssuedDocument> {
    d.customer = customer(&d.customer.id)?;
    let (totals, rate) = issuable(&d, today, seller)?;
    let issue_date = d.dates.issue.unwrap_or(today);
    let number = take_number(Kind::Invoice, seller, key)?;
    check_date_order(
        seller,
        Kind::Invoice,
        number,
        issue_date,
        "dates.issue-date",
    )?;
    let kid = invoice::kid_of(&d, seller, number).map_err(err)?;
    let payment = Payment {
        payable: totals.payable,
        kid: kid.as_deref(),
        currency: &d.currency,
    };
    let route = choose_channel(seller, &d.customer, Kind::Invoice, payment)?;
    let mut doc = invoice::build(&d, seller, number, today, &totals, route, rate).map_err(err)?;
    doc.request = Some(request);
    issue(&doc, &totals, key)
}

/// The next number for a document of `kind` (`numbering::series_for`), for the request behind
/// `key`. Taking a number waits for any other unit issuing for this client, so one that issued
/// this very request meanwhile is found now: refused, which rolls the call back and returns
/// the number.
fn take_number(kind: Kind, seller: &Seller, key: &str) -> R<u64> {
    let (series, start) =
        numbering::series_for(kind, seller.invoice_start, seller.credit_note_start);
    let series = match series {
        Kind::Invoice => sequences::Series::Invoice,
        Kind::CreditNote => sequences::Series::CreditNote,
    };
    let number = sequences::next(series, start)?;
    if let Some(done) = documents::find_by_idempotency_key(key) {
        return Err(err(Error::NotAllowed(Refusal::IssuedMeanwhile(
            done.number,
        ))));
    }
    Ok(number)
}

/// Store, post and queue an issued document: the three writes of one unit of work.
/// `totals` are the document's, from the one calculation core, computed once by the caller.
/// The answer is the document as stored, with its deliveries (not parsed back: it is `doc`).
fn issue(doc: &Document, totals: &calc::Totals, key: &str) -> R<t::IssuedDocument> {
    let pdf = pdf::render(doc, totals, pdf::Mode::Issued);
    let ehf = ehf::render(doc, totals, Some(&pdf));
    // The last gate: never issue an EHF we know to be invalid.
    if let Some(problems) = ehf
        .as_deref()
        .map(ehf_check::check)
        .filter(|p| !p.is_empty())
    {
        return Err(err(Error::Invalid(
            problems
                .into_iter()
                .map(|m| crate::error::field_error("ehf", Problem::EhfRule(m)))
                .collect(),
        )));
    }
    let new = documents::NewDocument {
        kind: kind_out(doc.kind),
        number: doc.number,
        idempotency_key: Some(key.into()),
        index: index(
            &doc.customer,
            &doc.references,
            Some(doc.issue_date),
            totals.payable,
            &doc.currency,
        ),
        facts: facts(doc, totals),
        body: json(body::of_document(doc))?,
        ehf,
        pdf: Some(pdf),
    };
    let id = documents::issue(&new)?;
    ledger::post(&id, &voucher_out(&doc.voucher))?;
    let fallbacks: Vec<t::Channel> = doc.fallbacks.iter().copied().map(channel_out).collect();
    outbox::enqueue(
        &id,
        channel_out(doc.channel),
        &doc.channel_reason,
        &fallbacks,
    )?;
    let stored =
        documents::get_document(&id).ok_or_else(|| t::Error::NotFound(format!("document {id}")))?;
    Ok(issued_out(stored, doc, totals))
}

/// What the host needs to deliver the document, typed (it never reads the body).
fn facts(doc: &Document, totals: &calc::Totals) -> t::DeliveryFacts {
    let c = &doc.customer;
    t::DeliveryFacts {
        recipient_name: c.name.clone(),
        email: c.email.clone(),
        organisation_number: c.orgnr.clone(),
        address: address_out(&c.address),
        language: language_out(doc.language()),
        attach_ehf: c.attach_ehf,
        kid: doc.kid.clone(),
        due_date: doc.due_date.to_string(),
        payable: money::fmt2(totals.payable),
        seller_name: doc.seller.name.clone(),
        seller_account: Some(doc.seller.bank_account.clone()).filter(|a| !a.is_empty()),
        credited_invoice: doc.credited.as_ref().map(|c| c.id.clone()),
        currency: doc.currency.clone(),
    }
}

fn open_id(id: &str) -> R<t::IssuedDocument> {
    open_stored(
        documents::get_document(id).ok_or_else(|| t::Error::NotFound(format!("document {id}")))?,
    )
}

fn open_stored(s: documents::StoredDocument) -> R<t::IssuedDocument> {
    let doc = parse_document(&s.body)?;
    Ok(issued_out(s, &doc, &invoice::totals(&doc)))
}

/// The contract's issued document: `doc`, with what the host keeps beside it.
fn issued_out(
    s: documents::StoredDocument,
    doc: &Document,
    totals: &calc::Totals,
) -> t::IssuedDocument {
    t::IssuedDocument {
        id: s.id,
        kind: s.kind,
        number: doc.number,
        customer: customer_out(&doc.customer),
        references: refs_out(&doc.references),
        issue_date: doc.issue_date.to_string(),
        delivery_date: doc.delivery_date.map(|d| d.to_string()),
        due_date: doc.due_date.to_string(),
        note: doc.note.clone(),
        kid: doc.kid.clone(),
        lines: lines_out(&doc.lines, totals, doc.seller.vat_registered),
        vat_groups: groups_out(totals),
        totals: totals_out(totals),
        credited_invoice: doc.credited.as_ref().map(|c| t::CreditedInvoice {
            number: c.number,
            issue_date: c.issue_date.to_string(),
        }),
        credit_reason: doc.credit_reason.clone(),
        voucher: voucher_out(&doc.voucher),
        deliveries: s.deliveries,
        status: s.status,
        currency: doc.currency.clone(),
        exchange: doc.rate.as_ref().map(rate_out),
    }
}

fn index_of_draft(d: &Draft, vat_registered: bool) -> documents::Index {
    index(
        &d.customer,
        &d.references,
        d.dates.issue,
        calc::compute(&d.lines, vat_registered).payable,
        &d.currency,
    )
}

fn index(
    c: &model::Customer,
    r: &model::References,
    issue_date: Option<NaiveDate>,
    payable: rust_decimal::Decimal,
    currency: &str,
) -> documents::Index {
    documents::Index {
        customer_id: c.id.clone(),
        customer_name: c.name.clone(),
        buyer_reference: r.buyer.clone(),
        our_reference: r.ours.clone(),
        order_reference: r.order.clone(),
        issue_date: issue_date.map(|d| d.to_string()),
        payable: money::fmt2(payable),
        currency: currency.into(),
    }
}

fn date_field(p: &mut crate::error::Problems, name: &str, s: &str) -> Option<NaiveDate> {
    dates::parse(s).map_err(|m| p.add(name, m)).ok()
}

// ---- conversions between the contract's types and the model ----

fn err(e: Error) -> t::Error {
    match e {
        Error::NotActive => t::Error::NotActive,
        Error::MissingSettings(f) => t::Error::MissingSettings(f.into_iter().map(field).collect()),
        Error::Invalid(f) => t::Error::Invalid(f.into_iter().map(field).collect()),
        Error::NotFound(s) => t::Error::NotFound(s),
        Error::Conflict(v) => t::Error::Conflict(v),
        Error::NotAllowed(r) => t::Error::NotAllowed(refusal_out(r)),
        Error::Host(s) => t::Error::Host(s),
    }
}

fn field(f: FieldError) -> t::FieldError {
    t::FieldError {
        field: f.field,
        problem: problem_out(f.problem),
        message: f.message,
    }
}

fn problem_out(p: Problem) -> t::FieldProblem {
    use t::FieldProblem as F;
    match p {
        Problem::Missing => F::Missing,
        Problem::TooLong(n) => F::TooLong(n),
        Problem::BadCharacter(c) => F::BadCharacter(format!("U+{:04X}", c as u32)),
        Problem::NotANumber(s) => F::NotANumber(s),
        Problem::TooManyDecimals(n) => F::TooManyDecimals(n),
        Problem::NotADate(s) => F::NotADate(s),
        Problem::OutOfRange { min, max } => F::OutOfRange(t::Bounds { min, max }),
        Problem::LineTooLarge(max) => F::LineTooLarge(max.to_string()),
        Problem::Zero => F::Zero,
        Problem::NotPositive => F::NotPositive,
        Problem::Negative => F::Negative,
        Problem::Before(f) => F::Before(f),
        Problem::InTheFuture(d) => F::InTheFuture(d.to_string()),
        Problem::BeforeIssued { number, issue_date } => F::BeforeIssued(t::IssuedBefore {
            number,
            issue_date: issue_date.to_string(),
        }),
        Problem::TooFarBack(d) => F::TooFarBack(d),
        Problem::Unknown(s) => F::Unknown(s),
        Problem::NotValid(s) => F::NotValid(s),
        Problem::FileTooLarge(n) => F::FileTooLarge(n),
        Problem::NotAJpeg => F::NotAJpeg,
        Problem::NoRoom => F::NoRoom,
        Problem::OtherAccount(a) => F::OtherAccount(a),
        Problem::AlreadyAllocated(n) => F::AlreadyAllocated(n),
        Problem::DatedAtIssue => F::DatedAtIssue,
        Problem::Duplicate => F::Duplicate,
        Problem::MoreThanLeft(d) => F::MoreThanLeft(crate::money::fmt_plain(d)),
        Problem::OneOf(f) => F::OneOf(f),
        Problem::Needs(f) => F::Needs(f),
        Problem::OnlyUnregisteredSeller => F::OnlyUnregisteredSeller,
        Problem::KeyReused(n) => F::KeyReused(n),
        Problem::EhfRule(r) => F::EhfRule(r),
        Problem::NoExchangeRate(d) => F::NoExchangeRate(d.to_string()),
    }
}

fn raw_settings() -> settings::RawSettings {
    let s = host_settings::get();
    settings::RawSettings {
        name: s.name,
        organisation_number: s.organisation_number,
        address: address_in(s.address),
        bank_account: s.bank_account,
        iban: s.iban,
        bic: s.bic,
        vat_registered: s.vat_registered,
        foretaksregisteret: s.foretaksregisteret,
        template: s.template.map(|t| {
            match t {
                t::Template::Classic => "classic",
                t::Template::Modern => "modern",
            }
            .into()
        }),
        channels: s.channels.into_iter().map(channel_in).collect(),
        invoice_start_number: s.invoice_start_number,
        credit_note_start_number: s.credit_note_start_number,
        payment_terms_days: s.payment_terms_days,
        kid_length: s.kid_length,
        kid_algorithm: s.kid_algorithm.map(|a| match a {
            t::KidAlgorithm::Mod10 => model::KidAlgorithm::Mod10,
            t::KidAlgorithm::Mod11 => model::KidAlgorithm::Mod11,
        }),
        kid_customer_digits: s.kid_customer_digits,
        language: s.language.map(language_in),
        logo: s.logo,
    }
}

fn address_in(a: t::Address) -> model::Address {
    model::Address {
        street: a.street,
        postcode: a.postcode,
        city: a.city,
        country: a.country,
    }
}

fn address_out(a: &model::Address) -> t::Address {
    t::Address {
        street: a.street.clone(),
        postcode: a.postcode.clone(),
        city: a.city.clone(),
        country: a.country.clone(),
    }
}

fn language_out(l: model::Language) -> t::Language {
    match l {
        model::Language::Nb => t::Language::Nb,
        model::Language::En => t::Language::En,
    }
}

fn kind_out(k: Kind) -> t::DocumentKind {
    match k {
        Kind::Invoice => t::DocumentKind::Invoice,
        Kind::CreditNote => t::DocumentKind::CreditNote,
    }
}

fn channel_in(c: t::Channel) -> model::Channel {
    match c {
        t::Channel::Ehf => model::Channel::Ehf,
        t::Channel::Efaktura => model::Channel::Efaktura,
        t::Channel::Avtalegiro => model::Channel::Avtalegiro,
        t::Channel::Email => model::Channel::Email,
        t::Channel::Print => model::Channel::Print,
    }
}

fn refusal_out(r: crate::error::Refusal) -> t::Refusal {
    use crate::error::Refusal as R;
    match r {
        R::NotAnInvoice => t::Refusal::NotAnInvoice,
        R::FullyCredited(n) => t::Refusal::FullyCredited(n),
        R::IssuedMeanwhile(n) => t::Refusal::IssuedMeanwhile(n),
        R::ChannelNotEnabled(c) => t::Refusal::ChannelNotEnabled(channel_out(c)),
        R::ChannelCannotTake(channel, reason) => t::Refusal::ChannelCannotTake(t::ChannelProblem {
            channel: channel_out(channel),
            reason,
        }),
        R::SeriesPaused => t::Refusal::SeriesPaused,
        R::SeriesEnded => t::Refusal::SeriesEnded,
        R::NotNextOccurrence(next) => t::Refusal::NotNextOccurrence(next.map(|d| d.to_string())),
        R::NoChannel(why) => t::Refusal::NoChannel(why),
        R::OtherCurrency(c) => t::Refusal::OtherCurrency(c),
    }
}

fn channel_out(c: model::Channel) -> t::Channel {
    match c {
        model::Channel::Ehf => t::Channel::Ehf,
        model::Channel::Efaktura => t::Channel::Efaktura,
        model::Channel::Avtalegiro => t::Channel::Avtalegiro,
        model::Channel::Email => t::Channel::Email,
        model::Channel::Print => t::Channel::Print,
    }
}

fn customer_in(c: t::Customer) -> model::Customer {
    model::Customer {
        id: c.id,
        number: c.number,
        name: c.name,
        orgnr: c.organisation_number,
        address: address_in(c.address),
        email: c.email,
        language: c.language.map(language_in),
        preferred_channel: c.preferred_channel.map(channel_in),
        attach_ehf: c.attach_ehf,
        currency: c.currency,
    }
}

fn customer_out(c: &model::Customer) -> t::Customer {
    t::Customer {
        id: c.id.clone(),
        number: c.number,
        name: c.name.clone(),
        organisation_number: c.orgnr.clone(),
        address: address_out(&c.address),
        email: c.email.clone(),
        language: c
            .language
            .as_deref()
            .map(|l| language_out(model::Language::read(l))),
        preferred_channel: c.preferred_channel.map(channel_out),
        attach_ehf: c.attach_ehf,
        currency: c.currency.clone(),
    }
}

fn refs_in(r: t::References) -> model::References {
    model::References {
        buyer: r.buyer_reference,
        ours: r.our_reference,
        order: r.order_reference,
    }
}

fn refs_out(r: &model::References) -> t::References {
    t::References {
        buyer_reference: r.buyer.clone(),
        our_reference: r.ours.clone(),
        order_reference: r.order.clone(),
    }
}

fn dates_in(d: t::Dates) -> R<model::Dates> {
    let mut p = crate::error::Problems::default();
    let out = model::Dates {
        issue: d
            .issue_date
            .as_deref()
            .and_then(|s| date_field(&mut p, "dates.issue-date", s)),
        delivery: d
            .delivery_date
            .as_deref()
            .and_then(|s| date_field(&mut p, "dates.delivery-date", s)),
        due: d
            .due_date
            .as_deref()
            .and_then(|s| date_field(&mut p, "dates.due-date", s)),
        terms_days: d.payment_terms_days,
    };
    p.into_result().map_err(err)?;
    Ok(out)
}

fn dates_out(d: &model::Dates) -> t::Dates {
    t::Dates {
        issue_date: d.issue.map(|x| x.to_string()),
        delivery_date: d.delivery.map(|x| x.to_string()),
        due_date: d.due.map(|x| x.to_string()),
        payment_terms_days: d.terms_days,
    }
}

/// A draft change from the contract. Setting the customer is the caller's: it looks the
/// customer up in the CRM.
enum Edit {
    Customer(String),
    Change(draft::Change),
}

fn edit_in(change: t::DraftChange) -> R<Edit> {
    Ok(Edit::Change(match change {
        t::DraftChange::SetCustomer(c) => return Ok(Edit::Customer(c)),
        t::DraftChange::SetReferences(r) => draft::Change::References(refs_in(r)),
        t::DraftChange::SetDates(x) => draft::Change::Dates(dates_in(x)?),
        t::DraftChange::SetNote(n) => draft::Change::Note(n),
        t::DraftChange::AddLines(l) => {
            draft::Change::AddLines(l.into_iter().map(line_in).collect())
        }
        t::DraftChange::UpdateLine(u) => draft::Change::UpdateLine(u.id, line_in(u.line)),
        t::DraftChange::RemoveLine(i) => draft::Change::RemoveLine(i),
        t::DraftChange::MoveLine(m) => draft::Change::MoveLine(m.id, m.to),
        t::DraftChange::SetCurrency(c) => draft::Change::Currency(c),
    }))
}

fn line_in(l: t::LineInput) -> draft::LineInput {
    draft::LineInput {
        product_id: l.product_id,
        description: l.description,
        quantity: l.quantity,
        unit: l.unit,
        unit_price: l.unit_price,
        discount_percent: l.discount_percent,
        vat_code: l.vat_code.map(vat_in),
    }
}

/// The language as the model keeps it (text, as documents issued before 0.6.0 have it).
fn language_in(l: t::Language) -> String {
    match l {
        t::Language::Nb => "nb",
        t::Language::En => "en",
    }
    .into()
}

fn vat_in(c: t::VatCode) -> VatCode {
    match c {
        t::VatCode::Standard => VatCode::High,
        t::VatCode::Medium => VatCode::Medium,
        t::VatCode::Low => VatCode::Low,
        t::VatCode::ZeroRated => VatCode::ZeroRated,
        t::VatCode::Exempt => VatCode::Exempt,
        t::VatCode::ReverseCharge => VatCode::ReverseCharge,
        t::VatCode::Outside => VatCode::Outside,
    }
}

fn vat_out(c: VatCode) -> t::VatCode {
    match c {
        VatCode::High => t::VatCode::Standard,
        VatCode::Medium => t::VatCode::Medium,
        VatCode::Low => t::VatCode::Low,
        VatCode::ZeroRated => t::VatCode::ZeroRated,
        VatCode::Exempt => t::VatCode::Exempt,
        VatCode::ReverseCharge => t::VatCode::ReverseCharge,
        VatCode::Outside => t::VatCode::Outside,
    }
}

/// The category a code's group takes (`VatCode::category` is its UNCL 5305 code).
fn category_out(c: VatCode) -> t::VatCategory {
    match c {
        VatCode::High | VatCode::Medium | VatCode::Low => t::VatCategory::Standard,
        VatCode::ZeroRated => t::VatCategory::ZeroRated,
        VatCode::Exempt => t::VatCategory::Exempt,
        VatCode::ReverseCharge => t::VatCategory::ReverseCharge,
        VatCode::Outside => t::VatCategory::OutsideScope,
    }
}

/// The lines with their amounts and the VAT code that was applied (a seller that is not
/// VAT-registered applies `outside`, whatever the product says).
fn lines_out(lines: &[model::Line], totals: &calc::Totals, vat_registered: bool) -> Vec<t::Line> {
    lines
        .iter()
        .zip(&totals.lines)
        .map(|(l, a)| t::Line {
            id: l.id,
            product_id: l.product_id.clone(),
            description: l.description.clone(),
            quantity: money::fmt_plain(l.quantity),
            unit: l.unit.clone(),
            unit_price: money::fmt_plain(l.unit_price),
            discount_percent: money::fmt_plain(l.discount_percent),
            vat_code: vat_out(calc::effective_code(l.vat, vat_registered)),
            gross_amount: money::fmt2(a.gross),
            discount_amount: money::fmt2(a.discount),
            net_amount: money::fmt2(a.net),
        })
        .collect()
}

fn groups_out(totals: &calc::Totals) -> Vec<t::VatGroup> {
    totals
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let nok = totals.nok.as_ref().map(|n| n.groups[i]);
            t::VatGroup {
                category: category_out(g.code),
                rate: money::fmt_plain(g.code.rate()),
                base: money::fmt2(g.base),
                vat: money::fmt2(g.vat),
                base_nok: nok.map(|(b, _)| money::fmt2(b)),
                vat_nok: nok.map(|(_, v)| money::fmt2(v)),
            }
        })
        .collect()
}

fn totals_out(t: &calc::Totals) -> t::Totals {
    t::Totals {
        net: money::fmt2(t.net),
        vat: money::fmt2(t.vat),
        payable: money::fmt2(t.payable),
        vat_nok: t.nok.as_ref().map(|n| money::fmt2(n.vat)),
        payable_nok: t.nok.as_ref().map(|n| money::fmt2(n.payable)),
    }
}

fn voucher_out(v: &model::Voucher) -> t::Voucher {
    t::Voucher {
        date: v.date.to_string(),
        document_number: v.number,
        postings: v
            .postings
            .iter()
            .map(|p| t::Posting {
                account: p.account,
                debit: money::fmt2(p.debit),
                credit: money::fmt2(p.credit),
                customer_id: p.customer_id.clone(),
                vat_code: p.vat_code.clone(),
                text: p.text.clone(),
                currency: p.currency.as_ref().map(|c| t::CurrencyAmount {
                    currency: c.currency.clone(),
                    amount: money::fmt2(c.amount),
                    rate: money::fmt_plain(c.rate),
                }),
            })
            .collect(),
    }
}

/// A draft as the contract shows it: in another currency with the NOK side at the rate it
/// would be issued at (its issue date's, else today's), where the host has one.
fn draft_out(id: String, version: u64, d: &Draft, vat_registered: bool) -> R<t::Draft> {
    let rate = rate_for(&d.currency, d.dates.issue.unwrap_or(today()?))?;
    let totals = calc::in_nok(
        calc::compute(&d.lines, vat_registered),
        rate.as_ref().map(|r| r.rate),
        &[],
    );
    Ok(t::Draft {
        id,
        version,
        customer: customer_out(&d.customer),
        references: refs_out(&d.references),
        dates: dates_out(&d.dates),
        note: d.note.clone(),
        lines: lines_out(&d.lines, &totals, vat_registered),
        vat_groups: groups_out(&totals),
        totals: totals_out(&totals),
        currency: d.currency.clone(),
        exchange: rate.as_ref().map(rate_out),
    })
}

/// A new draft's currency: its customer's, else NOK.
fn currency_of(c: &model::Customer) -> String {
    c.currency
        .clone()
        .unwrap_or_else(|| crate::currency::NOK.into())
}

/// The rate of `currency` on `day` from the host (none for NOK, or where it has none).
fn rate_for(currency: &str, day: NaiveDate) -> R<Option<crate::currency::Rate>> {
    if currency == crate::currency::NOK {
        return Ok(None);
    }
    let Some(r) = rates::rate(currency, &day.to_string()) else {
        return Ok(None);
    };
    let rate = money::parse(&r.rate, 10, rust_decimal::Decimal::from(1_000_000))
        .ok()
        .filter(|v| *v > rust_decimal::Decimal::ZERO);
    match (rate, dates::parse(&r.date)) {
        (Some(rate), Ok(date)) if r.currency == currency && date <= day => {
            Ok(Some(crate::currency::Rate {
                currency: r.currency,
                rate,
                date,
                source: r.source,
            }))
        }
        _ => Err(t::Error::Host(format!(
            "the host's rate of {currency} on {day} is not one: {} {} of {}",
            r.currency, r.rate, r.date
        ))),
    }
}

/// A draft's last checks before it is issued (or previewed as issued), and its totals with
/// their NOK side at the rate it is issued at: the issue date's, frozen on the invoice
/// (bokføringsforskriften § 4-2 (2)).
fn issuable(
    d: &Draft,
    today: NaiveDate,
    seller: &Seller,
) -> R<(calc::Totals, Option<crate::currency::Rate>)> {
    let totals = invoice::check_issuable(d, today, seller).map_err(err)?;
    let rate = issue_rate(&d.currency, d.dates.issue.unwrap_or(today))?;
    let totals = calc::in_nok(totals, rate.as_ref().map(|r| r.rate), &[]);
    Ok((totals, rate))
}

/// The rate a document in `currency` is issued at on `day`: none for NOK; refused naming the
/// currency where the host has none.
fn issue_rate(currency: &str, day: NaiveDate) -> R<Option<crate::currency::Rate>> {
    match rate_for(currency, day)? {
        None if currency != crate::currency::NOK => Err(err(Error::invalid(
            "currency",
            Problem::NoExchangeRate(day),
        ))),
        rate => Ok(rate),
    }
}

fn rate_out(r: &crate::currency::Rate) -> t::ExchangeRate {
    t::ExchangeRate {
        currency: r.currency.clone(),
        rate: money::fmt_plain(r.rate),
        date: r.date.to_string(),
        source: r.source.clone(),
    }
}

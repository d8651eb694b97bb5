//! Scenarios: a JSON list of steps run against one database, with a JSON report of every
//! document and the trial balance. The format is documented in fixtures/README.md.

use crate::api::{free_line, product_line};
use crate::bindings::*;
use crate::names::Name;
use crate::runtime::{CallError, Harness};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Scenario {
    /// The client the steps act for.
    pub client: String,
    /// A fixtures folder of the scenario's own (clients.json, peppol.json), relative to the
    /// scenario file; `run --fixtures DIR` overrides it, and the repository's is the default.
    pub fixtures: Option<std::path::PathBuf>,
    /// The host's date for every call ("today").
    pub today: Option<chrono::NaiveDate>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Step {
    #[serde(flatten)]
    pub action: Action,
    /// The host's date from this step on (so a credit can be dated after its invoice).
    pub today: Option<chrono::NaiveDate>,
    /// The step must fail with this error case (`invalid`, `not-active`, `conflict`, ...).
    pub expect_error: Option<String>,
    /// ... naming these fields.
    #[serde(default)]
    pub expect_fields: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct LineSpec {
    pub product: Option<String>,
    pub description: Option<String>,
    pub quantity: String,
    pub unit: Option<String>,
    pub unit_price: Option<String>,
    pub discount_percent: Option<String>,
    pub vat_code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CreditSpec {
    pub line: u32,
    pub quantity: Option<String>,
    pub amount: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(
    tag = "do",
    rename_all = "kebab-case",
    rename_all_fields = "kebab-case",
    deny_unknown_fields
)]
pub enum Action {
    Activate,
    Deactivate {
        reason: String,
    },
    /// Start a draft for a customer; `as` names it for later steps.
    Draft {
        r#as: String,
        customer: String,
    },
    References {
        draft: String,
        buyer_reference: Option<String>,
        our_reference: Option<String>,
        order_reference: Option<String>,
    },
    Dates {
        draft: String,
        issue_date: Option<String>,
        delivery_date: Option<String>,
        due_date: Option<String>,
        payment_terms_days: Option<u32>,
    },
    Note {
        draft: String,
        note: Option<String>,
    },
    Lines {
        draft: String,
        lines: Vec<LineSpec>,
    },
    /// Replace line `line` of a draft.
    UpdateLine {
        draft: String,
        line: u32,
        #[serde(flatten)]
        spec: LineSpec,
    },
    SetCustomer {
        draft: String,
        customer: String,
    },
    /// Render the preview; `save` writes the PDF there.
    Preview {
        draft: String,
        save: Option<std::path::PathBuf>,
    },
    /// Send an issued document again, through `channel` or the one that suits now.
    Resend {
        document: String,
        channel: Option<String>,
    },
    /// Query the overview; `expect-count` checks how many rows it gives.
    Overview {
        customer_id: Option<String>,
        reference: Option<String>,
        number: Option<u64>,
        issued_from: Option<String>,
        issued_to: Option<String>,
        kind: Option<String>,
        status: Option<String>,
        limit: Option<u32>,
        offset: Option<u32>,
        expect_count: Option<usize>,
    },
    Open {
        document: String,
    },
    RemoveLine {
        draft: String,
        line: u32,
    },
    MoveLine {
        draft: String,
        line: u32,
        to: u32,
    },
    /// Save against an explicit (maybe stale) version.
    StaleNote {
        draft: String,
        version: u64,
        note: String,
    },
    DeleteDraft {
        draft: String,
    },
    GetDraft {
        draft: String,
    },
    Finalize {
        draft: String,
        r#as: String,
        key: Option<String>,
    },
    Credit {
        invoice: String,
        r#as: String,
        lines: Option<Vec<CreditSpec>>,
        reason: String,
        key: Option<String>,
    },
    /// Make a draft a recurring series: `interval` is `monthly`, `quarterly`, `yearly` or a
    /// number of months.
    Recurring {
        draft: String,
        interval: serde_json::Value,
        first_date: String,
        end_date: Option<String>,
        count: Option<u32>,
        #[serde(default)]
        lead_days: u32,
        #[serde(default = "yes")]
        period_text: bool,
    },
    /// Issue every occurrence due by today, one call each; each invoice is named
    /// `<draft> <date>` after the draft its series was made from.
    IssueDue,
    /// Keep exchange rates (NOK per one unit), as `rates` imports them from a file.
    Rates {
        rates: Vec<ExchangeRate>,
    },
    /// Invoice a draft in this currency (ISO 4217).
    Currency {
        draft: String,
        currency: String,
    },
    /// Register a payment to an issued invoice by hand, once per `key`.
    Pay {
        invoice: String,
        amount: String,
        key: String,
        date: Option<String>,
        payer: Option<String>,
        bank_reference: Option<String>,
        /// For an invoice in another currency: the NOK the bank credited.
        nok_amount: Option<String>,
    },
    /// The bank's payments to the client's account, as a file would bring them: each to an
    /// issued invoice's KID (`invoice`) or to a `kid` as written.
    BankPayments {
        payments: Vec<BankSpec>,
        currency: Option<String>,
    },
    /// What is open, per invoice.
    OpenItems {
        customer_id: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct BankSpec {
    pub r#ref: String,
    pub invoice: Option<String>,
    pub kid: Option<String>,
    pub amount: String,
    pub date: Option<String>,
    pub payer: Option<String>,
    pub text: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize)]
pub struct StepReport {
    pub step: usize,
    pub action: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    /// What the step expected, when the outcome differs: the run goes on and fails at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mismatch: Option<String>,
    /// What the step returned that a tester may want to read (rows, a delivery id, a path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
}

/// An issued document by the name its step gave it, with the files its channels delivered.
#[derive(Debug, Serialize)]
pub struct NamedDocument {
    pub name: String,
    #[serde(flatten, serialize_with = "in_contract_spelling")]
    pub document: IssuedDocument,
    pub delivered: Vec<String>,
}

/// The document with its enums spelt as the contract spells them (`credited`, `credit-note`,
/// `efaktura`), as every other part of the report does; the generated types' own serialisation
/// would write the Rust names (`Credited`, `CreditNote`). VAT codes and categories are the
/// words a scenario writes and EHF prints (`25`, `reverse`; `S`, `AE`).
fn in_contract_spelling<S: serde::Serializer>(d: &IssuedDocument, s: S) -> Result<S::Ok, S::Error> {
    fn kebab(pascal: &str) -> String {
        let mut out = String::new();
        for (i, c) in pascal.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('-');
            }
            out.extend(c.to_lowercase());
        }
        out
    }
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                // A posting's VAT code is SAF-T's, text already.
                let posting = m.contains_key("account");
                for (k, v) in m.iter_mut() {
                    match (k.as_str(), &v) {
                        (
                            "kind" | "status" | "channel" | "state" | "preferred_channel"
                            | "language",
                            serde_json::Value::String(e),
                        ) => *v = serde_json::Value::String(kebab(e)),
                        ("vat_code", serde_json::Value::String(_)) if !posting => {
                            *v = word::<VatCode>(v)
                        }
                        ("category", serde_json::Value::String(_)) => *v = word::<VatCategory>(v),
                        _ => walk(v),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    fn word<T: Name + serde::de::DeserializeOwned>(v: &serde_json::Value) -> serde_json::Value {
        match T::deserialize(v) {
            Ok(t) => serde_json::Value::String(t.name().into()),
            Err(_) => v.clone(),
        }
    }
    let mut v = serde_json::to_value(d).map_err(serde::ser::Error::custom)?;
    walk(&mut v);
    v.serialize(s)
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub client: String,
    /// Steps whose outcome differed from what they expected; the run exits non-zero if any.
    pub mismatches: usize,
    pub steps: Vec<StepReport>,
    pub documents: Vec<NamedDocument>,
    pub trial_balance: Vec<crate::reports::Balance>,
    pub customer_balances: Vec<(String, String)>,
}

/// A line as the contract takes it, and the VAT code as the scenario wrote it where it is
/// none of the contract's (the words of `names::Name`: `25`, `15`, `12`, `zero`, `exempt`,
/// `reverse`, `outside`).
fn line_input(l: &LineSpec) -> (LineInput, Option<String>) {
    let code = l.vat_code.as_deref().map(|t| (VatCode::parse(t.trim()), t));
    let unknown = match code {
        Some((None, text)) => Some(text.to_owned()),
        _ => None,
    };
    let vat_code = code.and_then(|(c, _)| c);
    let line = match &l.product {
        Some(p) => LineInput {
            description: l.description.clone(),
            unit: l.unit.clone(),
            unit_price: l.unit_price.clone(),
            discount_percent: l.discount_percent.clone(),
            vat_code,
            ..product_line(p, &l.quantity)
        },
        None => LineInput {
            unit: l.unit.clone(),
            discount_percent: l.discount_percent.clone(),
            description: l.description.clone(),
            unit_price: l.unit_price.clone(),
            vat_code,
            ..free_line("", &l.quantity, "", VatCode::Standard)
        },
    };
    (line, unknown)
}

/// A change of lines, some perhaps with a VAT code that is none of the contract's. Such a
/// change is refused whole, as the component refuses a wrong field, and with every other
/// wrong field of it named too: it is tried with those codes unset in a unit of work that is
/// then rolled back, and each unknown code is named beside what the component found (in
/// place of its `missing`). Nothing is saved.
fn change_lines(
    host: &mut Harness,
    client: &str,
    (id, version): (&str, u64),
    lines: Vec<(LineInput, Option<String>)>,
    change: impl FnOnce(Vec<LineInput>) -> DraftChange,
) -> Result<Draft, CallError> {
    let unknown: Vec<(usize, String)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, (_, u))| u.clone().map(|u| (i, u)))
        .collect();
    let change = change(lines.into_iter().map(|(l, _)| l).collect());
    if unknown.is_empty() {
        return host.update_draft(client, id, version, &change);
    }
    // Where the lines are in the draft, as the component numbers its fields.
    let before = host.get_draft(client, id)?;
    let first = match &change {
        DraftChange::UpdateLine(u) => match before.lines.iter().position(|l| l.id == u.id) {
            Some(at) => at,
            None => return host.update_draft(client, id, version, &change),
        },
        _ => before.lines.len(),
    };
    let tried = {
        let mut dry = host.batch(client)?;
        dry.call(|i, s| i.call_update_draft(s, id, version, &change))
        // Dropped: rolled back.
    };
    let mut fields = match tried {
        Ok(_) => Vec::new(),
        Err(CallError::Component(Error::Invalid(fields))) => fields,
        Err(other) => return Err(other),
    };
    for (i, text) in unknown {
        let field = format!("lines[{}].vat-code", first + i);
        let error = FieldError {
            field: field.clone(),
            problem: FieldProblem::Unknown(text.clone()),
            message: format!("'{}' does not exist", text.escape_debug()),
        };
        match fields.iter().position(|f| f.field == field) {
            Some(at) => fields[at] = error,
            None => {
                // After the line's other fields, as the component orders them.
                let prefix = format!("lines[{}].", first + i);
                let at = fields
                    .iter()
                    .rposition(|f| f.field.starts_with(&prefix))
                    .map_or(fields.len(), |p| p + 1);
                fields.insert(at, error);
            }
        }
    }
    Err(CallError::Component(Error::Invalid(fields)))
}

/// Run every step. A step whose outcome differs from its expectation is recorded in the report
/// (`mismatch`) and the run goes on; a step that names a draft or document no earlier step
/// made is a mistake in the scenario and stops it.
pub fn run(host: &mut Harness, sc: &Scenario) -> Result<Report> {
    if let Some(t) = sc.today {
        host.today = t;
    }
    let client = sc.client.as_str();
    let mut drafts: HashMap<String, (String, u64)> = HashMap::new();
    let mut docs: HashMap<String, String> = HashMap::new();
    // Series ids by the name of the draft they were made from.
    let mut series: Vec<(String, String)> = Vec::new();
    // Issued documents in order, with the name each was given last.
    let mut issued: Vec<(String, String)> = Vec::new();
    let mut steps = Vec::new();
    for (n, step) in sc.steps.iter().enumerate() {
        if let Some(t) = step.today {
            host.today = t;
        }
        let draft = |drafts: &HashMap<String, (String, u64)>, name: &str| {
            drafts
                .get(name)
                .cloned()
                .with_context(|| format!("step {n}: no draft named '{name}'"))
        };
        let doc = |docs: &HashMap<String, String>, name: &str| {
            docs.get(name)
                .cloned()
                .with_context(|| format!("step {n}: no document named '{name}'"))
        };
        let change = |drafts: &mut HashMap<String, (String, u64)>,
                      host: &mut Harness,
                      name: &str,
                      c: DraftChange|
         -> Result<Result<(), CallError>> {
            let (id, v) = draft(drafts, name)?;
            Ok(host.update_draft(client, &id, v, &c).map(|d| {
                drafts.insert(name.into(), (d.id, d.version));
            }))
        };
        let lines_change = |drafts: &mut HashMap<String, (String, u64)>,
                            host: &mut Harness,
                            name: &str,
                            specs: &[&LineSpec],
                            c: &dyn Fn(Vec<LineInput>) -> DraftChange|
         -> Result<Result<(), CallError>> {
            let (id, v) = draft(drafts, name)?;
            let lines = specs.iter().map(|l| line_input(l)).collect();
            Ok(change_lines(host, client, (&id, v), lines, c).map(|d| {
                drafts.insert(name.into(), (d.id, d.version));
            }))
        };
        let mut name_issued =
            |name: &str, doc: &IssuedDocument, docs: &mut HashMap<String, String>| {
                docs.insert(name.into(), doc.id.clone());
                match issued.iter_mut().find(|(id, _)| *id == doc.id) {
                    Some(entry) => entry.1 = name.into(),
                    None => issued.push((doc.id.clone(), name.into())),
                }
            };
        let mut result = None;
        // A step that names a draft or document no earlier step made (say, because that step
        // failed) is recorded as a mismatch too, and the run goes on.
        let attempt = (|| -> Result<Result<(), CallError>> {
            Ok(match &step.action {
                Action::Activate => host.activate(client),
                Action::Deactivate { reason } => host.deactivate(client, reason),
                Action::Draft { r#as, customer } => host.create_draft(client, customer).map(|d| {
                    drafts.insert(r#as.clone(), (d.id, d.version));
                }),
                Action::References {
                    draft: d,
                    buyer_reference,
                    our_reference,
                    order_reference,
                } => change(
                    &mut drafts,
                    host,
                    d,
                    DraftChange::SetReferences(References {
                        buyer_reference: buyer_reference.clone(),
                        our_reference: our_reference.clone(),
                        order_reference: order_reference.clone(),
                    }),
                )?,
                Action::Dates {
                    draft: d,
                    issue_date,
                    delivery_date,
                    due_date,
                    payment_terms_days,
                } => change(
                    &mut drafts,
                    host,
                    d,
                    DraftChange::SetDates(Dates {
                        issue_date: issue_date.clone(),
                        delivery_date: delivery_date.clone(),
                        due_date: due_date.clone(),
                        payment_terms_days: *payment_terms_days,
                    }),
                )?,
                Action::Note { draft: d, note } => {
                    change(&mut drafts, host, d, DraftChange::SetNote(note.clone()))?
                }
                Action::Currency { draft: d, currency } => change(
                    &mut drafts,
                    host,
                    d,
                    DraftChange::SetCurrency(currency.clone()),
                )?,
                Action::Rates { rates } => {
                    crate::store::with_unit(host.store(), |u| u.rates()?.put_rates(rates))
                        .map(|_| ())
                        .map_err(CallError::Host)
                }
                Action::Lines { draft: d, lines } => lines_change(
                    &mut drafts,
                    host,
                    d,
                    &lines.iter().collect::<Vec<_>>(),
                    &DraftChange::AddLines,
                )?,
                Action::UpdateLine {
                    draft: d,
                    line,
                    spec,
                } => lines_change(&mut drafts, host, d, &[spec], &|mut l| {
                    DraftChange::UpdateLine(LineUpdate {
                        id: *line,
                        line: l.remove(0),
                    })
                })?,
                Action::SetCustomer { draft: d, customer } => change(
                    &mut drafts,
                    host,
                    d,
                    DraftChange::SetCustomer(customer.clone()),
                )?,
                Action::RemoveLine { draft: d, line } => {
                    change(&mut drafts, host, d, DraftChange::RemoveLine(*line))?
                }
                Action::MoveLine { draft: d, line, to } => change(
                    &mut drafts,
                    host,
                    d,
                    DraftChange::MoveLine(LineMove { id: *line, to: *to }),
                )?,
                Action::StaleNote {
                    draft: d,
                    version,
                    note,
                } => {
                    let (id, _) = draft(&drafts, d)?;
                    host.update_draft(
                        client,
                        &id,
                        *version,
                        &DraftChange::SetNote(Some(note.clone())),
                    )
                    .map(|_| ())
                }
                Action::DeleteDraft { draft: d } => {
                    let (id, _) = draft(&drafts, d)?;
                    host.delete_draft(client, &id)
                }
                Action::GetDraft { draft: d } => {
                    let (id, _) = draft(&drafts, d)?;
                    host.get_draft(client, &id).map(|got| {
                        result = Some(serde_json::json!({
                            "version": got.version,
                            "payable": got.totals.payable,
                        }));
                    })
                }
                Action::Preview { draft: d, save } => {
                    let (id, _) = draft(&drafts, d)?;
                    match host.preview(client, &id) {
                        Ok(pdf) => {
                            if let Some(path) = save {
                                std::fs::write(path, &pdf)
                                    .with_context(|| format!("writing {}", path.display()))?;
                            }
                            result = Some(serde_json::json!({ "pdf-bytes": pdf.len() }));
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                Action::Finalize {
                    draft: d,
                    r#as,
                    key,
                } => {
                    let (id, _) = draft(&drafts, d)?;
                    let key = key.clone().unwrap_or_else(|| format!("{client}-{id}"));
                    host.finalize(client, &id, &key)
                        .map(|doc| name_issued(r#as, &doc, &mut docs))
                }
                Action::Credit {
                    invoice,
                    r#as,
                    lines,
                    reason,
                    key,
                } => {
                    let inv = doc(&docs, invoice)?;
                    let lines: Option<Vec<CreditLine>> = lines.as_ref().map(|ls| {
                        ls.iter()
                            .map(|l| CreditLine {
                                line_id: l.line,
                                quantity: l.quantity.clone(),
                                amount: l.amount.clone(),
                            })
                            .collect()
                    });
                    let key = key
                        .clone()
                        .unwrap_or_else(|| format!("{client}-credit-{}-{n}", inv));
                    host.credit(client, &inv, lines.as_deref(), reason, &key)
                        .map(|doc| name_issued(r#as, &doc, &mut docs))
                }
                Action::Pay {
                    invoice,
                    amount,
                    key,
                    date,
                    payer,
                    bank_reference,
                    nok_amount,
                } => {
                    let input = PaymentInput {
                        invoice_id: Some(doc(&docs, invoice)?),
                        kid: None,
                        amount: amount.clone(),
                        date: date.clone().unwrap_or_else(|| host.today.to_string()),
                        payer: payer.clone(),
                        bank_reference: bank_reference.clone(),
                        idempotency_key: key.clone(),
                        nok_amount: nok_amount.clone(),
                    };
                    host.register_payment(client, &input).map(|r| {
                        result = Some(serde_json::json!({
                            "outcome": r.outcome.name(), "open-after": r.open_after,
                        }));
                    })
                }
                Action::BankPayments { payments, currency } => {
                    let account = {
                        let mut u = host.store().begin_read()?;
                        u.settings(client)?
                            .and_then(|s| s.bank_account)
                            .unwrap_or_default()
                    };
                    let mut list = Vec::new();
                    for p in payments {
                        let kid = match &p.invoice {
                            Some(name) => host
                                .open(client, &doc(&docs, name)?)
                                .ok()
                                .and_then(|d| d.kid),
                            None => p.kid.clone(),
                        };
                        list.push(BankPayment {
                            bank_reference: p.r#ref.clone(),
                            kid,
                            amount: p.amount.clone(),
                            date: p.date.clone().unwrap_or_else(|| host.today.to_string()),
                            payer: p.payer.clone(),
                            text: p.text.clone(),
                        });
                    }
                    let statement = BankStatement {
                        account,
                        currency: currency.clone().unwrap_or_else(|| "NOK".into()),
                        payments: list,
                    };
                    host.import_statement(client, &statement).map(|rs| {
                        let names: Vec<&str> = rs.iter().map(|r| r.outcome.name()).collect();
                        result = Some(serde_json::json!(names));
                    })
                }
                Action::OpenItems { customer_id } => host
                    .open_items(client, customer_id.as_deref())
                    .map(|items| {
                        let rows: Vec<serde_json::Value> = items
                            .iter()
                            .map(|i| {
                                serde_json::json!({ "number": i.number, "open": i.open,
                                    "state": i.state.name(), "overdue-since": i.overdue_since })
                            })
                            .collect();
                        result = Some(serde_json::json!(rows));
                    }),
                Action::Resend { document, channel } => {
                    let id = doc(&docs, document)?;
                    let channel = match channel.as_deref() {
                        None => None,
                        Some(c) => Some(
                            Channel::parse(c)
                                .with_context(|| format!("step {n}: no channel '{c}'"))?,
                        ),
                    };
                    host.resend(client, &id, channel).map(|delivery| {
                        result = Some(serde_json::json!({ "delivery": delivery }));
                    })
                }
                Action::Overview {
                    customer_id,
                    reference,
                    number,
                    issued_from,
                    issued_to,
                    kind,
                    status,
                    limit,
                    offset,
                    expect_count: _,
                } => {
                    let kind = match kind.as_deref() {
                        None => None,
                        Some(k) => Some(
                            DocumentKind::parse(k)
                                .with_context(|| format!("step {n}: no document kind '{k}'"))?,
                        ),
                    };
                    let status = match status.as_deref() {
                        None => None,
                        Some(s) => Some(
                            DocumentStatus::parse(s)
                                .with_context(|| format!("step {n}: no status '{s}'"))?,
                        ),
                    };
                    let filter = OverviewFilter {
                        customer_id: customer_id.clone(),
                        reference: reference.clone(),
                        number: *number,
                        issued_from: issued_from.clone(),
                        issued_to: issued_to.clone(),
                        kind,
                        status,
                        limit: *limit,
                        offset: *offset,
                    };
                    host.overview(client, &filter).map(|rows| {
                        result = Some(serde_json::to_value(&rows).unwrap_or_default());
                    })
                }
                Action::Recurring {
                    draft: d,
                    interval,
                    first_date,
                    end_date,
                    count,
                    lead_days,
                    period_text,
                } => {
                    let (id, version) = draft(&drafts, d)?;
                    let interval = match (interval.as_str(), interval.as_u64()) {
                        (Some("monthly"), _) => Interval::Monthly,
                        (Some("quarterly"), _) => Interval::Quarterly,
                        (Some("yearly"), _) => Interval::Yearly,
                        (_, Some(n)) => Interval::EveryMonths(n as u32),
                        _ => anyhow::bail!("step {n}: interval {interval} is not one"),
                    };
                    let schedule = Schedule {
                        interval,
                        first_date: first_date.clone(),
                        end_date: end_date.clone(),
                        count: *count,
                        lead_days: *lead_days,
                        period_text: *period_text,
                    };
                    host.make_recurring(client, &id, version, &schedule)
                        .map(|s| series.push((s.id, d.clone())))
                }
                Action::IssueDue => host.due(client).and_then(|due| {
                    let mut numbers = Vec::new();
                    for o in due {
                        let doc = host.issue_occurrence(client, &o.series_id, &o.date)?;
                        numbers.push(doc.number);
                        let name = series
                            .iter()
                            .find(|(id, _)| *id == o.series_id)
                            .map_or(o.series_id.clone(), |(_, d)| d.clone());
                        name_issued(&format!("{name} {}", o.date), &doc, &mut docs);
                    }
                    result = Some(serde_json::json!({ "issued": numbers }));
                    Ok(())
                }),
                Action::Open { document } => {
                    let id = doc(&docs, document)?;
                    host.open(client, &id).map(|d| {
                        result = Some(
                            serde_json::json!({ "number": d.number, "status": d.status.name() }),
                        );
                    })
                }
            })
        })();
        let (outcome, unrunnable) = match attempt {
            Ok(outcome) => (outcome, None),
            Err(e) => (Ok(()), Some(format!("{e:#}"))),
        };
        // Deliveries go out between steps, never inside a call.
        host.dispatch();
        let action = format!("{:?}", step.action)
            .split([' ', '{'])
            .next()
            .unwrap_or("")
            .to_owned();
        let mismatch = unrunnable
            .clone()
            .or_else(|| match (&step.expect_error, &outcome) {
                (None, Err(e)) => Some(format!("failed: {e}")),
                (Some(k), Ok(())) => Some(format!("succeeded but should fail with {k}")),
                (Some(k), Err(e)) if e.kind() != k => {
                    Some(format!("failed with {} but should with {k}: {e}", e.kind()))
                }
                (Some(_), Err(e)) => step
                    .expect_fields
                    .iter()
                    .find(|f| !e.fields().contains(f))
                    .map(|f| format!("the error does not name field {f}: {e}")),
                (None, Ok(())) => match (&step.action, &result) {
                    (
                        Action::Overview {
                            expect_count: Some(want),
                            ..
                        },
                        Some(rows),
                    ) => {
                        let got = rows.as_array().map_or(0, Vec::len);
                        (got != *want).then(|| format!("{got} rows, expected {want}"))
                    }
                    _ => None,
                },
            });
        steps.push(StepReport {
            step: n,
            action,
            ok: outcome.is_ok() && unrunnable.is_none(),
            error: outcome.as_ref().err().map(|e| e.to_string()),
            error_kind: outcome.as_ref().err().map(|e| e.kind().to_owned()),
            fields: outcome
                .as_ref()
                .err()
                .map(|e| e.fields())
                .unwrap_or_default(),
            fuel: Some(host.last_fuel),
            mismatch,
            result,
        });
    }
    let mut documents = Vec::new();
    let active = crate::store::with_unit(host.store(), |u| u.is_active(client))?;
    if active {
        host.dispatch();
        for (id, name) in &issued {
            let document = host
                .open(client, id)
                .map_err(|e| anyhow::anyhow!("open {id}: {e}"))?;
            let delivered = delivered_files(host, client, &document);
            documents.push(NamedDocument {
                name: name.clone(),
                document,
                delivered,
            });
        }
    }
    Ok(Report {
        client: client.into(),
        mismatches: steps.iter().filter(|s| s.mismatch.is_some()).count(),
        steps,
        documents,
        trial_balance: crate::reports::trial_balance(host.store(), client)?,
        customer_balances: crate::reports::customer_balances(host.store(), client)?,
    })
}

/// The files the channels wrote for a document (`out/<channel>/<client>-<kind>-<number>.*`).
fn delivered_files(host: &Harness, client: &str, doc: &IssuedDocument) -> Vec<String> {
    let channels = host.delivery.as_deref().map(|d| d as &dyn std::any::Any);
    let Some(cfg) = channels.and_then(|d| d.downcast_ref::<crate::channels::Config>()) else {
        return Vec::new();
    };
    let stem = format!("{}.", crate::channels::stem(client, doc.kind, doc.number));
    let mut out = std::collections::BTreeSet::new();
    for d in doc
        .deliveries
        .iter()
        .filter(|d| d.state == DeliveryState::Sent)
    {
        let dir = cfg.out.join(d.channel.name());
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        out.extend(
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&stem))
                .map(|e| e.path().display().to_string()),
        );
    }
    out.into_iter().collect()
}

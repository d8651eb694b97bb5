//! Scenarios: a JSON list of steps run against one database, with a JSON report of every
//! document and the trial balance. The format is documented in fixtures/README.md.

use crate::api::{free_line, product_line};
use crate::bindings::*;
use crate::runtime::{CallError, Host};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Scenario {
    /// The client the steps act for (from fixtures/clients.json unless `clients` is given).
    pub client: String,
    /// The host's date for every call ("today").
    pub today: Option<chrono::NaiveDate>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Step {
    #[serde(flatten)]
    pub action: Action,
    /// The step must fail with this error case (`invalid`, `not-active`, `conflict`, ...).
    pub expect_error: Option<String>,
    /// ... naming these fields.
    #[serde(default)]
    pub expect_fields: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
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
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub client: String,
    pub steps: Vec<StepReport>,
    pub documents: Vec<IssuedDocument>,
    pub trial_balance: Vec<crate::reports::Balance>,
    pub customer_balances: Vec<(String, String)>,
}

fn line_input(l: &LineSpec) -> LineInput {
    match &l.product {
        Some(p) => LineInput {
            description: l.description.clone(),
            unit: l.unit.clone(),
            unit_price: l.unit_price.clone(),
            discount_percent: l.discount_percent.clone(),
            vat_code: l.vat_code.clone(),
            ..product_line(p, &l.quantity)
        },
        None => LineInput {
            unit: l.unit.clone(),
            discount_percent: l.discount_percent.clone(),
            description: l.description.clone(),
            unit_price: l.unit_price.clone(),
            vat_code: l.vat_code.clone(),
            ..free_line("", &l.quantity, "", "")
        },
    }
}

/// Run every step; a step whose outcome differs from its expectation fails the run.
pub fn run(host: &mut Host, sc: &Scenario) -> Result<Report> {
    if let Some(t) = sc.today {
        host.today = t;
    }
    let client = sc.client.as_str();
    let mut drafts: HashMap<String, (String, u64)> = HashMap::new();
    let mut docs: HashMap<String, String> = HashMap::new();
    let mut issued: Vec<String> = Vec::new();
    let mut steps = Vec::new();
    for (n, step) in sc.steps.iter().enumerate() {
        let draft = |drafts: &HashMap<String, (String, u64)>, name: &str| {
            drafts
                .get(name)
                .cloned()
                .with_context(|| format!("step {n}: no draft named '{name}'"))
        };
        let change = |drafts: &mut HashMap<String, (String, u64)>,
                      host: &mut Host,
                      name: &str,
                      c: DraftChange|
         -> Result<Result<(), CallError>> {
            let (id, v) = draft(drafts, name)?;
            Ok(host.update_draft(client, &id, v, &c).map(|d| {
                drafts.insert(name.into(), (d.id, d.version));
            }))
        };
        let outcome: Result<(), CallError> = match &step.action {
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
            Action::Lines { draft: d, lines } => change(
                &mut drafts,
                host,
                d,
                DraftChange::AddLines(lines.iter().map(line_input).collect()),
            )?,
            Action::RemoveLine { draft: d, line } => {
                change(&mut drafts, host, d, DraftChange::RemoveLine(*line))?
            }
            Action::MoveLine { draft: d, line, to } => {
                change(&mut drafts, host, d, DraftChange::MoveLine((*line, *to)))?
            }
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
            Action::Finalize {
                draft: d,
                r#as,
                key,
            } => {
                let (id, _) = draft(&drafts, d)?;
                let key = key.clone().unwrap_or_else(|| format!("{client}-{id}"));
                host.finalize(client, &id, &key).map(|doc| {
                    docs.insert(r#as.clone(), doc.id.clone());
                    if !issued.contains(&doc.id) {
                        issued.push(doc.id);
                    }
                })
            }
            Action::Credit {
                invoice,
                r#as,
                lines,
                reason,
                key,
            } => {
                let inv = docs
                    .get(invoice)
                    .cloned()
                    .with_context(|| format!("step {n}: no document named '{invoice}'"))?;
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
                    .map(|doc| {
                        docs.insert(r#as.clone(), doc.id.clone());
                        if !issued.contains(&doc.id) {
                            issued.push(doc.id);
                        }
                    })
            }
        };
        let action = format!("{:?}", step.action)
            .split([' ', '{'])
            .next()
            .unwrap_or("")
            .to_owned();
        let report = StepReport {
            step: n,
            action,
            ok: outcome.is_ok(),
            error: outcome.as_ref().err().map(|e| e.to_string()),
            error_kind: outcome.as_ref().err().map(|e| e.kind().to_owned()),
            fields: outcome
                .as_ref()
                .err()
                .map(|e| e.fields())
                .unwrap_or_default(),
            fuel: Some(host.last_fuel),
        };
        match (&step.expect_error, &outcome) {
            (None, Err(e)) => bail!("step {n} ({}) failed: {e}", report.action),
            (Some(k), Ok(())) => bail!(
                "step {n} ({}) succeeded but should fail with {k}",
                report.action
            ),
            (Some(k), Err(e)) if e.kind() != k => bail!(
                "step {n} ({}) failed with {} but should with {k}: {e}",
                report.action,
                e.kind()
            ),
            (Some(_), Err(e)) => {
                for f in &step.expect_fields {
                    anyhow::ensure!(
                        e.fields().contains(f),
                        "step {n}: error does not name field {f}: {e}"
                    );
                }
            }
            _ => {}
        }
        steps.push(report);
    }
    let mut documents = Vec::new();
    let active =
        host.conn()
            .query_row("SELECT active FROM clients WHERE id = ?1", [client], |r| {
                r.get::<_, bool>(0)
            })?;
    if active {
        for id in &issued {
            documents.push(
                host.open(client, id)
                    .map_err(|e| anyhow::anyhow!("open {id}: {e}"))?,
            );
        }
    }
    Ok(Report {
        client: client.into(),
        steps,
        documents,
        trial_balance: crate::reports::trial_balance(host.conn(), client)?,
        customer_balances: crate::reports::customer_balances(host.conn(), client)?,
    })
}

//! The reminder run: for one client, every notice due today, each (invoice, step) sent once.
//!
//! The component decides what is due and sends each notice (`reminders.send`: kept, posted
//! and queued in its call); the host only groups the calls, as the recurring run does: a
//! batch is one unit of work (one durable commit), each notice behind its own savepoint, so
//! one that fails is rolled back alone. A run that dies loses at most its open batch; a run
//! started again (or run twice, or on two hosts at once) finds each step sent already: the
//! store keeps one notice per (invoice, step), and the component decides afresh from it.

use crate::bindings::{Hold, NoticeKind, ReminderDecision, SendOutcome};
use crate::names::Name;
use crate::runtime::{CallError, Harness, BATCH_TIME};
use std::time::Instant;

/// Notices per batch at most.
pub const BATCH_MAX: usize = 1_000;

/// What became of each open, overdue invoice.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub client: String,
    pub date: String,
    /// Open invoices past their due date.
    pub overdue: usize,
    pub sent: Vec<Sent>,
    /// Nothing due today, or ever: why, per invoice.
    pub skipped: Vec<Skipped>,
    /// Due, but refused (no channel can take the letter, a setting is missing).
    pub failed: Vec<Skipped>,
    /// Durable commits the run made.
    pub commits: usize,
}

#[derive(Debug, serde::Serialize)]
pub struct Sent {
    pub invoice: u64,
    pub customer: String,
    /// `reminder` or `inkassovarsel`.
    pub kind: &'static str,
    pub step: u32,
    pub fee: String,
    pub interest: String,
    pub total: String,
    pub deadline: String,
}

#[derive(Debug, serde::Serialize)]
pub struct Skipped {
    pub invoice: u64,
    pub customer: String,
    pub reason: String,
}

pub enum Progress {
    Due(usize),
    Done,
}

/// Send every notice of `client` due on the harness's today. `progress` hears how many are
/// due, then once per notice. An error means the store failed: what the open batch held was
/// rolled back, what was committed stays, and the run can simply be started again.
pub fn run(
    h: &mut Harness,
    client: &str,
    mut progress: impl FnMut(Progress),
) -> Result<Report, CallError> {
    let due = h.call_reminders(client, |r, s| r.call_due(s, None))?;
    // Each invoice found overdue is told to the webhooks once (the first run that finds it).
    if !due.is_empty() {
        crate::store::with_unit(h.store(), |u| crate::events::overdue(u, client, &due))
            .map_err(CallError::Host)?;
    }
    let mut report = Report {
        client: client.to_owned(),
        date: h.today.to_string(),
        overdue: due.len(),
        ..Report::default()
    };
    let mut send = Vec::new();
    for d in due {
        match &d.decision {
            ReminderDecision::Send(_) => send.push(d),
            ReminderDecision::Wait(w) => report.skipped.push(Skipped {
                invoice: d.number,
                customer: d.customer_name.clone(),
                reason: format!("{} until {}", hold_text(w.why), w.until),
            }),
            ReminderDecision::Never(why) => report.skipped.push(Skipped {
                invoice: d.number,
                customer: d.customer_name.clone(),
                reason: hold_text(*why).into(),
            }),
        }
    }
    progress(Progress::Due(send.len()));
    if send.is_empty() {
        return Ok(report);
    }
    let batch_time = h.batch_time.min(BATCH_TIME);
    let mut batch = h.batch(client)?;
    let (mut started, mut calls) = (Instant::now(), 0);
    for d in &send {
        let result = batch.call_reminders(|r, s| r.call_send(s, &d.invoice_id));
        let skipped = |reason: String| Skipped {
            invoice: d.number,
            customer: d.customer_name.clone(),
            reason,
        };
        match result {
            Ok(SendOutcome::Sent(n)) => report.sent.push(Sent {
                invoice: d.number,
                customer: d.customer_name.clone(),
                kind: n.plan.kind.name(),
                step: n.plan.step,
                fee: n.plan.fee,
                interest: n.plan.interest_total,
                total: n.plan.total,
                deadline: n.plan.deadline,
            }),
            // Decided otherwise since the list was made (paid meanwhile, sent by another run).
            Ok(SendOutcome::Wait(w)) => {
                report
                    .skipped
                    .push(skipped(format!("{} until {}", hold_text(w.why), w.until)))
            }
            Ok(SendOutcome::Never(why)) => report.skipped.push(skipped(hold_text(why).into())),
            Err(CallError::Host(e)) => return Err(CallError::Host(e)),
            Err(e) => report.failed.push(skipped(e.to_string())),
        }
        progress(Progress::Done);
        calls += 1;
        if calls >= BATCH_MAX || started.elapsed() >= batch_time {
            batch.checkpoint()?;
            report.commits += 1;
            (started, calls) = (Instant::now(), 0);
        }
    }
    batch.commit()?;
    report.commits += 1;
    Ok(report)
}

/// Why nothing goes, as an operator reads it.
pub fn hold_text(h: Hold) -> &'static str {
    match h {
        Hold::Paid => "paid or credited",
        Hold::CoveredByCredit => "the customer's credit balance covers it",
        Hold::OptedOut => "the customer asked for no reminders",
        Hold::Avtalegiro => "the bank collects it by AvtaleGiro",
        Hold::ForeignCurrency => "it is in another currency than NOK",
        Hold::PaymentAgreement => "under a payment agreement",
        Hold::NotOverdue => "not overdue",
        Hold::NotYet => "the first reminder is not due",
        Hold::DeadlineRunning => "the last notice's deadline runs",
        Hold::AllSent => "every notice was sent",
    }
}

impl Report {
    /// The summary a person reads: what was sent, and for each invoice not reminded, why.
    pub fn summary(&self) -> String {
        let reminders = self
            .sent
            .iter()
            .filter(|s| s.kind == NoticeKind::Reminder.name())
            .count();
        let mut out = format!(
            "{}: {} overdue on {}, {} sent ({reminders} reminders, {} inkassovarsler), {} skipped, {} failed\n",
            self.client,
            self.overdue,
            self.date,
            self.sent.len(),
            self.sent.len() - reminders,
            self.skipped.len(),
            self.failed.len()
        );
        for s in &self.sent {
            out += &format!(
                "  sent: {} {} for invoice {} ({}): fee {}, interest {}, to pay {} by {}\n",
                s.kind, s.step, s.invoice, s.customer, s.fee, s.interest, s.total, s.deadline
            );
        }
        for (what, list) in [("skipped", &self.skipped), ("failed", &self.failed)] {
            for m in list {
                out += &format!(
                    "  {what}: invoice {} ({}): {}\n",
                    m.invoice, m.customer, m.reason
                );
            }
        }
        out
    }
}

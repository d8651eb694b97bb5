//! The `reminders` export: what is due for overdue invoices, the letters, and sending each
//! (invoice, step) once. The rules are `crate::reminder` (what may go, with which fee,
//! deadline and interest) and `crate::pdf::letter`; this is the adapter, as the parent is.

use super::payments::{all_money, host_date, money_in, money_of, voucher};
use super::wit::erp::invoicing::{notices as nt, types as t};
use super::wit::exports::erp::invoicing::reminders::Guest;
use super::*;
use crate::receivable::{Money, RECEIVABLES};
use crate::reminder::{
    self as rules, Claim, Decision, FigureError, Figures, Hold, NoFee, Notice, NoticeKind, Policy,
    PolicyError, Step,
};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Where a notice's fee is income: 3900 Annen driftsrelatert inntekt. The fee covers the
/// creditor's cost of chasing (INKF § 1-2), operating income outside the VAT base (SAF-T code
/// 7); 8079 would do as well, and receivables.md §4 leaves the choice open.
pub const FEE_INCOME: u32 = 3900;
/// 8055 Renteinntekt kundefordringer (receivables.md §4; 8050 in the old numbering).
pub const INTEREST_INCOME: u32 = 8055;

impl Guest for Component {
    fn due(invoice_id: Option<String>) -> R<Vec<t::ReminderDue>> {
        require_active()?;
        let ctx = Context::load()?;
        let cases = match invoice_id {
            Some(id) => vec![one_case(&id, &ctx)?],
            None => cases(all_money(None, true)?, &ctx)?,
        };
        cases
            .iter()
            .map(|c| {
                let decision = match decide(c, &ctx)? {
                    Decision::Send(step) => match not_ours(&invoice_of(c)?) {
                        Some(hold) => t::ReminderDecision::Never(hold),
                        None => t::ReminderDecision::Send(plan_out(&step, c)),
                    },
                    Decision::Wait { until, why } => t::ReminderDecision::Wait(waiting(until, why)),
                    Decision::Never(why) => t::ReminderDecision::Never(hold_out(why)),
                };
                let m = &c.claim.money;
                Ok(t::ReminderDue {
                    invoice_id: m.invoice_id.clone(),
                    number: m.number,
                    customer_id: m.customer_id.clone(),
                    customer_name: m.customer_name.clone(),
                    due_date: m.due_date.clone(),
                    decision,
                })
            })
            .collect()
    }

    fn preview(invoice_id: String) -> R<Vec<u8>> {
        require_active()?;
        let ctx = Context::load()?;
        let case = one_case(&invoice_id, &ctx)?;
        let Ok((step, doc)) = sendable(&case, &ctx)? else {
            return Err(t::Error::NotFound(format!(
                "a notice due today for invoice {}",
                case.claim.money.number
            )));
        };
        let plan = plan_out(&step, &case);
        Ok(pdf::letter::render(
            &letter(&step, &plan, &doc, ctx.today)?,
            pdf::Mode::Preview,
        ))
    }

    fn send(invoice_id: String) -> R<t::SendOutcome> {
        require_active()?;
        let ctx = Context::load()?;
        let case = one_case(&invoice_id, &ctx)?;
        let (step, doc) = match sendable(&case, &ctx)? {
            Ok(ready) => ready,
            Err(outcome) => return Ok(outcome),
        };
        let plan = plan_out(&step, &case);
        let letter = letter(&step, &plan, &doc, ctx.today)?;
        let pdf = pdf::letter::render(&letter, pdf::Mode::Issued);
        let ehf = ehf_reminder(&letter, &plan);
        let route = notice_route(&doc, letter.total, ehf.is_some())?;
        let new = nt::NewNotice {
            invoice_id: invoice_id.clone(),
            sent: ctx.today.to_string(),
            facts: notice_facts(&doc, &plan),
            pdf,
            ehf,
            plan,
        };
        let v = voucher(ctx.today, postings(&step, &doc));
        let id = match nt::insert(&new, &v) {
            Ok(id) => id,
            // Another run sent this step meanwhile: it went once, and this is it.
            Err(t::Error::Conflict(_)) => {
                return Ok(t::SendOutcome::Sent(sent_step(&case, new.plan.step)?))
            }
            Err(e) => return Err(e),
        };
        let fallbacks: Vec<t::Channel> = route.fallbacks.iter().copied().map(channel_out).collect();
        outbox::enqueue(&id, channel_out(route.channel), &route.reason, &fallbacks)?;
        let kept = nt::of_invoices(std::slice::from_ref(&invoice_id))
            .into_iter()
            .find(|n| n.id == id)
            .ok_or_else(|| t::Error::Host(format!("the host did not keep notice {id}")))?;
        Ok(t::SendOutcome::Sent(notice_out(kept)))
    }

    fn history(invoice_id: String) -> R<Vec<t::Notice>> {
        money_of(&invoice_id)?;
        Ok(nt::of_invoices(&[invoice_id])
            .into_iter()
            .map(notice_out)
            .collect())
    }
}

/// The client's policy, the law's figures and today: what every decision of a call reads.
struct Context {
    figures: Figures,
    policy: Policy,
    today: NaiveDate,
}

impl Context {
    fn load() -> R<Context> {
        let figures = Figures::parse(&nt::figures()).map_err(figure_err)?;
        let p = nt::policy();
        Ok(Context {
            figures,
            policy: Policy {
                first_after_days: p.first_after_days,
                deadline_days: p.deadline_days,
                fee: p.fee,
                interest: p.interest,
                reminders: p.reminders,
                inkassovarsel: p.inkassovarsel,
                compensation: p.compensation,
            },
            today: today()?,
        })
    }
}

/// One invoice as the decision needs it, with what the host keeps about it.
struct Case {
    claim: nt::ClaimMoney,
    money: Money,
    due: NaiveDate,
    history: Vec<nt::StoredNotice>,
    /// The customer's credit balance on its other invoices.
    credit: Decimal,
    opted_out: bool,
    agreement: bool,
    /// A business customer (it has an organisation number): § 3a may apply.
    business: bool,
}

/// The open invoices past their due date among `claims`, each with its notices, its
/// customer's credit balance and its holds: a few host calls for all of them.
fn cases(claims: Vec<nt::ClaimMoney>, ctx: &Context) -> R<Vec<Case>> {
    let mut credit: HashMap<String, Decimal> = HashMap::new();
    let mut overdue = Vec::new();
    for c in claims {
        let money = money_in(&c)?;
        let open = money.open();
        if open < Decimal::ZERO {
            *credit.entry(c.money.customer_id.clone()).or_default() -= open;
        }
        let due = host_date(&c.money.due_date)?;
        if open > Decimal::ZERO && due < ctx.today {
            overdue.push((c, money, due));
        }
    }
    let ids: Vec<String> = overdue
        .iter()
        .map(|(c, ..)| c.money.invoice_id.clone())
        .collect();
    let customers: Vec<String> = overdue
        .iter()
        .map(|(c, ..)| c.money.customer_id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut history: HashMap<String, Vec<nt::StoredNotice>> = HashMap::new();
    for n in nt::of_invoices(&ids) {
        history.entry(n.invoice_id.clone()).or_default().push(n);
    }
    let opted_out = nt::opted_out(&customers);
    let agreements = nt::payment_agreements(&ids);
    let businesses = businesses(&customers, ctx)?;
    Ok(overdue
        .into_iter()
        .zip(opted_out.into_iter().zip(agreements))
        .map(|((claim, money, due), (opted_out, agreement))| Case {
            business: businesses.contains(&claim.money.customer_id),
            history: history.remove(&claim.money.invoice_id).unwrap_or_default(),
            credit: credit
                .get(&claim.money.customer_id)
                .copied()
                .unwrap_or_default(),
            claim,
            money,
            due,
            opted_out,
            agreement,
        })
        .collect())
}

/// Which of these customers are businesses (have an organisation number), where the policy
/// claims the § 3a compensation (no lookups otherwise).
fn businesses(customers: &[String], ctx: &Context) -> R<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    if !ctx.policy.compensation {
        return Ok(out);
    }
    for id in customers {
        let business = || {
            super::wit::erp::invoicing::directory::get_customer(id)
                .is_some_and(|c| c.organisation_number.is_some())
        };
        if !out.contains(id) && business() {
            out.insert(id.clone());
        }
    }
    Ok(out)
}

/// One invoice, whatever its state, with its customer's credit balance on its other invoices.
fn one_case(invoice_id: &str, ctx: &Context) -> R<Case> {
    let claim = money_of(invoice_id)?;
    let money = money_in(&claim)?;
    let due = host_date(&claim.money.due_date)?;
    let customer = &claim.money.customer_id;
    // The customer's balance counts this invoice's own overpayment too: that is not a credit
    // on its other invoices.
    let own = (-money.open()).max(Decimal::ZERO);
    let credit = super::payments::host_decimal(&nt::credit_balance(customer))? - own;
    let ids = [claim.money.invoice_id.clone()];
    Ok(Case {
        history: nt::of_invoices(&ids),
        opted_out: nt::opted_out(std::slice::from_ref(customer))
            .pop()
            .unwrap_or(false),
        agreement: nt::payment_agreements(&ids).pop().unwrap_or(false),
        business: !businesses(std::slice::from_ref(customer), ctx)?.is_empty(),
        claim,
        money,
        due,
        credit,
    })
}

fn decide(c: &Case, ctx: &Context) -> R<Decision> {
    let (principal, _) = c.money.principal_and_charges();
    let claim = Claim {
        due: c.due,
        open: principal,
        customer_credit: c.credit,
        opted_out: c.opted_out,
        // Known from the invoice itself, read only for what would be sent (`sendable`).
        avtalegiro: false,
        payment_agreement: c.agreement,
        business: c.business,
    };
    let history: Vec<Notice> = c.history.iter().map(notice_in).collect::<R<_>>()?;
    rules::next(&claim, &history, &ctx.policy, ctx.today, &ctx.figures).map_err(policy_err)
}

/// The step to send today and the invoice it concerns (with the client as it is today), or
/// what to answer instead.
fn sendable(c: &Case, ctx: &Context) -> R<Result<(Step, Document), t::SendOutcome>> {
    let step = match decide(c, ctx)? {
        Decision::Send(step) => step,
        Decision::Wait { until, why } => return Ok(Err(t::SendOutcome::Wait(waiting(until, why)))),
        Decision::Never(why) => return Ok(Err(t::SendOutcome::Never(hold_out(why)))),
    };
    let mut doc = invoice_of(c)?;
    if let Some(hold) = not_ours(&doc) {
        return Ok(Err(t::SendOutcome::Never(hold)));
    }
    // The letter gives today's account and address of the client; the KID stays the invoice's.
    doc.seller = seller()?;
    Ok(Ok((step, doc)))
}

fn invoice_of(c: &Case) -> R<Document> {
    let id = &c.claim.money.invoice_id;
    let stored =
        documents::get_document(id).ok_or_else(|| t::Error::NotFound(format!("invoice {id}")))?;
    parse_document(&stored.body)
}

fn letter<'a>(
    step: &'a Step,
    plan: &t::NoticePlan,
    doc: &'a Document,
    today: NaiveDate,
) -> R<pdf::letter::Letter<'a>> {
    let amount = |s: &str| super::payments::host_decimal(s);
    Ok(pdf::letter::Letter {
        kind: step.kind,
        invoice: doc,
        sent: today,
        principal: amount(&plan.principal)?,
        earlier_charges: amount(&plan.earlier_charges)?,
        fee: amount(&plan.fee)?,
        compensation: amount(&plan.compensation)?,
        interest: step.interest.as_ref(),
        total: amount(&plan.total)?,
        deadline: step.deadline,
    })
}

/// An invoice that went by EHF gets its reminder as EHF Reminder 3.0, where the receiver
/// accepts that document type; else (and if EHF refuses it) a letter by e-mail or print.
fn notice_route(doc: &Document, total: Decimal, has_ehf: bool) -> R<channel::Route> {
    let letters = channel::choose_for_notice(&doc.seller, &doc.customer, total, doc.kid.as_deref());
    if !has_ehf {
        return letters.map_err(|why| err(Error::NotAllowed(Refusal::NoChannel(why))));
    }
    let mut fallbacks = Vec::new();
    if let Ok(r) = letters {
        fallbacks.push(r.channel);
        fallbacks.extend(r.fallbacks);
    }
    Ok(channel::Route {
        channel: model::Channel::Ehf,
        reason:
            "the invoice went by EHF, and the receiver accepts EHF Reminder in the Peppol directory"
                .into(),
        fallbacks,
    })
}

/// The EHF Reminder of a notice whose invoice went by EHF, if its receiver takes one.
fn ehf_reminder(l: &pdf::letter::Letter, plan: &t::NoticePlan) -> Option<String> {
    let doc = l.invoice;
    let orgnr = doc.customer.orgnr.as_ref()?;
    if doc.channel != model::Channel::Ehf
        || !doc.seller.channels.contains(&model::Channel::Ehf)
        || !nt::peppol_accepts_reminder(&format!("0192:{orgnr}"))
    {
        return None;
    }
    ehf::render_reminder(&ehf::Reminder {
        invoice: doc,
        id: format!("{}-P{}", doc.number, plan.step),
        sent: l.sent,
        deadline: l.deadline,
        principal: l.principal,
        earlier_charges: l.earlier_charges,
        fee: l.fee,
        compensation: l.compensation,
        interest: l.interest.map_or(Decimal::ZERO, |i| i.amount),
        note: l.summary(),
    })
}

/// The fee, the § 3a compensation and the interest, each owed by the customer beside the
/// invoice, outside VAT (mval § 4-1 (2) b and c; the compensation is damages, not a supply):
/// 1500 debit, income credit. The compensation goes to 3900 with the fees it stands in for.
fn postings(step: &Step, doc: &Document) -> Vec<model::Posting> {
    let n = doc.number;
    let fee_text = match step.kind {
        NoticeKind::Reminder => format!("Purregebyr faktura {n}"),
        NoticeKind::Inkassovarsel => format!("Gebyr inkassovarsel faktura {n}"),
    };
    let mut out = Vec::new();
    let mut charge = |amount: Decimal, income: u32, text: String| {
        if amount > Decimal::ZERO {
            let line = |account, debit: Decimal, credit: Decimal, customer_id| model::Posting {
                account,
                debit,
                credit,
                customer_id,
                vat_code: None,
                text: text.clone(),
                currency: None,
            };
            out.push(line(
                RECEIVABLES,
                amount,
                Decimal::ZERO,
                Some(doc.customer.id.clone()),
            ));
            out.push(line(income, Decimal::ZERO, amount, None));
        }
    };
    charge(step.fee.unwrap_or(Decimal::ZERO), FEE_INCOME, fee_text);
    charge(
        step.compensation,
        FEE_INCOME,
        format!("Standardkompensasjon (forsinkelsesrenteloven § 3a) faktura {n}"),
    );
    charge(
        step.interest.as_ref().map_or(Decimal::ZERO, |i| i.amount),
        INTEREST_INCOME,
        format!("Forsinkelsesrente faktura {n}"),
    );
    out
}

/// What the channels need of a notice: the invoice's recipient, the notice's deadline and
/// total, the invoice's KID.
fn notice_facts(doc: &Document, plan: &t::NoticePlan) -> t::DeliveryFacts {
    let c = &doc.customer;
    t::DeliveryFacts {
        recipient_name: c.name.clone(),
        email: c.email.clone(),
        organisation_number: c.orgnr.clone(),
        address: address_out(&c.address),
        language: language_out(doc.language()),
        attach_ehf: false,
        kid: doc.kid.clone(),
        due_date: plan.deadline.clone(),
        payable: plan.total.clone(),
        seller_name: doc.seller.name.clone(),
        seller_account: Some(doc.seller.bank_account.clone()).filter(|a| !a.is_empty()),
        credited_invoice: None,
        // A notice's fee and interest are kroner (inkassoloven, forsinkelsesrenteloven).
        currency: crate::currency::NOK.into(),
    }
}

/// An invoice this module never reminds, whatever is due: an AvtaleGiro claim is the bank's
/// to chase; one in another currency would take a fee and interest the law sets in kroner.
fn not_ours(doc: &Document) -> Option<t::Hold> {
    if doc.channel == model::Channel::Avtalegiro {
        Some(t::Hold::Avtalegiro)
    } else if doc.currency != crate::currency::NOK {
        Some(t::Hold::ForeignCurrency)
    } else {
        None
    }
}

fn plan_out(step: &Step, c: &Case) -> t::NoticePlan {
    let (principal, earlier) = c.money.principal_and_charges();
    let fee = step.fee.unwrap_or(Decimal::ZERO);
    let interest = step.interest.as_ref();
    let interest_total = interest.map_or(Decimal::ZERO, |i| i.amount);
    let compensation = step.compensation;
    t::NoticePlan {
        kind: kind_out(step.kind),
        step: c.history.len() as u32 + 1,
        principal: money::fmt2(principal),
        earlier_charges: money::fmt2(earlier),
        fee: money::fmt2(fee),
        no_fee: step.fee.err().map(no_fee_out),
        compensation: money::fmt2(compensation),
        interest: interest
            .map(|i| {
                i.periods
                    .iter()
                    .map(|p| t::InterestPeriod {
                        first_day: p.from.to_string(),
                        last_day: p.to.to_string(),
                        days: p.days as u32,
                        percent: p.percent.normalize().to_string(),
                        amount: money::fmt2(p.amount),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        interest_total: money::fmt2(interest_total),
        total: money::fmt2(principal + earlier + fee + compensation + interest_total),
        deadline: step.deadline.to_string(),
    }
}

/// The notice an invoice has at `step`, kept by another call meanwhile.
fn sent_step(c: &Case, step: u32) -> R<t::Notice> {
    nt::of_invoices(std::slice::from_ref(&c.claim.money.invoice_id))
        .into_iter()
        .find(|n| n.plan.step == step)
        .map(notice_out)
        .ok_or_else(|| t::Error::Host(format!("the host refused step {step} but has none")))
}

fn notice_in(n: &nt::StoredNotice) -> R<Notice> {
    Ok(Notice {
        kind: match n.plan.kind {
            t::NoticeKind::Reminder => NoticeKind::Reminder,
            t::NoticeKind::Inkassovarsel => NoticeKind::Inkassovarsel,
        },
        sent: host_date(&n.sent)?,
        deadline: host_date(&n.plan.deadline)?,
        fee: super::payments::host_decimal(&n.plan.fee)?,
        compensation: super::payments::host_decimal(&n.plan.compensation)?,
    })
}

fn notice_out(n: nt::StoredNotice) -> t::Notice {
    t::Notice {
        id: n.id,
        invoice_id: n.invoice_id,
        invoice_number: n.invoice_number,
        sent: n.sent,
        plan: n.plan,
        deliveries: n.deliveries,
    }
}

fn waiting(until: NaiveDate, why: Hold) -> t::Waiting {
    t::Waiting {
        until: until.to_string(),
        why: hold_out(why),
    }
}

fn kind_out(k: NoticeKind) -> t::NoticeKind {
    match k {
        NoticeKind::Reminder => t::NoticeKind::Reminder,
        NoticeKind::Inkassovarsel => t::NoticeKind::Inkassovarsel,
    }
}

fn hold_out(h: Hold) -> t::Hold {
    match h {
        Hold::Paid => t::Hold::Paid,
        Hold::CoveredByCredit => t::Hold::CoveredByCredit,
        Hold::OptedOut => t::Hold::OptedOut,
        Hold::AvtaleGiro => t::Hold::Avtalegiro,
        Hold::PaymentAgreement => t::Hold::PaymentAgreement,
        Hold::NotOverdue => t::Hold::NotOverdue,
        Hold::NotYet => t::Hold::NotYet,
        Hold::DeadlineRunning => t::Hold::DeadlineRunning,
        Hold::AllSent => t::Hold::AllSent,
    }
}

fn no_fee_out(n: NoFee) -> t::NoFee {
    match n {
        NoFee::Off => t::NoFee::Off,
        NoFee::NotAllowed => t::NoFee::NotAllowed,
        NoFee::TooEarly(d) => t::NoFee::TooEarly(d.to_string()),
        NoFee::DeadlineRunning(d) => t::NoFee::DeadlineRunning(d.to_string()),
        NoFee::TooMany(n) => t::NoFee::TooMany(n),
        NoFee::ShortDeadline => t::NoFee::ShortDeadline,
        NoFee::Compensated => t::NoFee::Compensated,
    }
}

/// A table that lacks a figure for a day is the host's to complete: named as a setting.
fn figure_err(e: FigureError) -> t::Error {
    match e {
        FigureError::Missing { what, .. } | FigureError::Overlap { what, .. } => {
            t::Error::MissingSettings(vec![t::FieldError {
                field: format!("figures.{}", what.replace(' ', "-")),
                problem: t::FieldProblem::Missing,
                message: e.to_string(),
            }])
        }
        FigureError::Unreadable(_) => t::Error::Host(e.to_string()),
    }
}

fn policy_err(e: PolicyError) -> t::Error {
    match e {
        PolicyError::DeadlineTooShort { days: _, min } => {
            err(Error::MissingSettings(vec![crate::error::field_error(
                "reminder-policy.deadline-days",
                Problem::range(Some(min), None::<u32>),
            )]))
        }
        PolicyError::Figures(f) => figure_err(f),
    }
}

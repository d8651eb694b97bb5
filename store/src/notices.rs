//! The notices' records in SQL, for both backends (contract 0.5.1): each (invoice, step) kept
//! once (a unique index), its voucher in `notice_journal`, its letter beside it; the client's
//! reminder policy and who is not to be reminded.

use super::sql::{params, Backend, Row, SqlUnit, P, Q};
use super::*;
use crate::bindings::{NoticeKind, ReminderPolicy};
use crate::names::Name;
use anyhow::Context;

const COLUMNS: &str = "n.id, n.invoice_id, d.number, n.sent, n.plan";

const INSERT: &str = "INSERT INTO notices (client_id, invoice_id, step, kind, sent, deadline, fee_ore, compensation_ore, interest_ore, total_ore, plan,
        customer_name, email, orgnr, street, postcode, city, country, language, kid, seller_name, seller_account, pdf, ehf)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)
     ON CONFLICT (invoice_id, step) DO NOTHING RETURNING id";
const POST: &str = "INSERT INTO notice_journal (client_id, notice_id, date, account, debit_ore, credit_ore, customer_id, text)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const POLICY: &str = "SELECT first_after_days, deadline_days, fee, interest, reminders, inkassovarsel, compensation FROM reminder_policies WHERE client_id = ?1";
const PUT_POLICY: &str = "INSERT INTO reminder_policies (client_id, first_after_days, deadline_days, fee, interest, reminders, inkassovarsel, compensation)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
     ON CONFLICT (client_id) DO UPDATE SET first_after_days = excluded.first_after_days, deadline_days = excluded.deadline_days,
        fee = excluded.fee, interest = excluded.interest, reminders = excluded.reminders, inkassovarsel = excluded.inkassovarsel,
        compensation = excluded.compensation";
const HELD: &str = "SELECT 1 FROM reminder_holds WHERE client_id = ?1 AND what = ?2 AND id = ?3";
const HOLD: &str =
    "INSERT INTO reminder_holds (client_id, what, id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
const UNHOLD: &str = "DELETE FROM reminder_holds WHERE client_id = ?1 AND what = ?2 AND id = ?3";
/// Only invoices with a payment or a credit note can hold more than they ask: the rest are
/// never read.
const CREDIT_BALANCE: &str = "SELECT CAST(coalesce(sum(o), 0) AS BIGINT) FROM (
       SELECT coalesce(c.ore, 0) - d.payable_ore
              + coalesce((SELECT sum(p.amount_ore) FROM payments p WHERE p.invoice_id = d.id), 0)
              - coalesce((SELECT sum(n.fee_ore + n.compensation_ore + n.interest_ore) FROM notices n WHERE n.invoice_id = d.id), 0) AS o
         FROM documents d LEFT JOIN credited c ON c.document_id = d.id
        WHERE d.client_id = ?1 AND d.customer_id = ?2 AND d.kind = 'invoice'
          AND (c.ore IS NOT NULL OR EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = d.id))) s
     WHERE o > 0";
const ACCEPTS_REMINDERS: &str = "SELECT 1 FROM peppol_reminders WHERE participant = ?1";
const PUT_REMINDER_PARTICIPANT: &str =
    "INSERT INTO peppol_reminders (participant) VALUES (?1) ON CONFLICT DO NOTHING";
/// A claimed letter's delivery facts and files, in the order `claimed_notice` reads them.
const CLAIMED: &str = "SELECT kind, step, customer_name, email, orgnr, street, postcode, city, country, language, kid,
        deadline, total_ore, seller_name, seller_account, pdf, ehf FROM notices WHERE id = ?1";

fn stored(r: &Row) -> Result<StoredNotice> {
    Ok(StoredNotice {
        id: r.i(0)?,
        invoice: r.i(1)?,
        invoice_number: r.i(2)? as u64,
        sent: r.s(3)?,
        plan: serde_json::from_str(&r.s(4)?).context("a notice's plan")?,
    })
}

impl<B: Backend> SqlUnit<B> {
    fn notices_where(&mut self, filter: &str, args: &[P]) -> Result<Vec<StoredNotice>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notices n JOIN documents d ON d.id = n.invoice_id WHERE n.client_id = ?1{filter} ORDER BY n.invoice_id, n.step"
        );
        B::rows(self.c(), &sql, args)?.iter().map(stored).collect()
    }

    fn held(&mut self, client: &str, what: &str, ids: &[String]) -> Result<Vec<bool>> {
        ids.iter()
            .map(|id| Ok(!B::rows(self.c(), HELD, params![client, what, id])?.is_empty()))
            .collect()
    }

    fn hold(&mut self, client: &str, what: &str, id: &str, on: bool) -> Result<()> {
        B::exec(
            self.c(),
            if on { HOLD } else { UNHOLD },
            params![client, what, id],
        )?;
        Ok(())
    }

    /// Make a claimed delivery the notice's: its facts and its letter, under its invoice.
    pub(super) fn claimed_notice(&mut self, c: &mut Claimed, notice: i64) -> Result<()> {
        let r = B::rows(self.c(), CLAIMED, params![notice])?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("delivery {} has no notice", c.id))?;
        let kind: NoticeKind = r.name(0)?;
        let facts = &mut c.document.facts;
        facts.recipient_name = r.s(2)?;
        facts.email = r.os(3)?;
        facts.organisation_number = r.os(4)?;
        facts.address = r.address(5)?;
        facts.language = r.name(9)?;
        facts.kid = r.os(10)?;
        facts.due_date = r.s(11)?;
        facts.payable = crate::money::from_ore(r.i(12)?);
        facts.seller_name = r.s(13)?;
        facts.seller_account = r.os(14)?;
        facts.attach_ehf = false;
        facts.credited_invoice = None;
        c.pdf = r.ob(15)?.unwrap_or_default();
        c.ehf = r.os(16)?;
        c.notice = Some(ClaimedNotice {
            id: notice,
            kind,
            step: r.i(1)? as u32,
        });
        Ok(())
    }
}

impl<B: Backend> Notices for SqlUnit<B> {
    fn insert_notice(&mut self, client: &str, n: &NewNotice) -> Result<Option<i64>> {
        let ore = |s: &str| {
            crate::money::to_ore(s).ok_or_else(|| anyhow::anyhow!("'{s}' is not whole øre"))
        };
        let f = &n.facts;
        let plan = serde_json::to_string(&n.plan)?;
        let rows = B::rows(
            self.c(),
            INSERT,
            params![
                client,
                n.invoice,
                n.plan.step,
                n.plan.kind.name(),
                &n.sent,
                &n.plan.deadline,
                ore(&n.plan.fee)?,
                ore(&n.plan.compensation)?,
                ore(&n.plan.interest_total)?,
                ore(&n.plan.total)?,
                &plan,
                &f.recipient_name,
                f.email.as_deref(),
                f.organisation_number.as_deref(),
                f.address.street.as_deref(),
                f.address.postcode.as_deref(),
                f.address.city.as_deref(),
                f.address.country.as_deref(),
                f.language.name(),
                f.kid.as_deref(),
                &f.seller_name,
                f.seller_account.as_deref(),
                n.pdf.as_slice(),
                n.ehf.as_deref()
            ],
        )
        .context("keeping a notice")?;
        rows.first().map(|r| r.i(0)).transpose()
    }

    fn post_notice(&mut self, client: &str, notice: i64, rows: &[Posting]) -> Result<()> {
        for p in rows {
            B::exec(
                self.c(),
                POST,
                params![
                    client,
                    notice,
                    &p.date,
                    p.account,
                    p.debit_ore,
                    p.credit_ore,
                    p.customer_id.as_deref(),
                    &p.text
                ],
            )?;
        }
        Ok(())
    }

    fn notices_of(&mut self, client: &str, invoices: &[i64]) -> Result<Vec<StoredNotice>> {
        let mut all = Vec::new();
        // A few hundred invoices a statement keeps within either database's parameter limit.
        for part in invoices.chunks(500) {
            let marks: Vec<String> = (0..part.len()).map(|k| format!("?{}", k + 2)).collect();
            let mut args = vec![P::Text(client)];
            args.extend(part.iter().map(|i| P::Int(*i)));
            let filter = format!(" AND n.invoice_id IN ({})", marks.join(", "));
            all.extend(self.notices_where(&filter, &args)?);
        }
        Ok(all)
    }

    fn notice(&mut self, client: &str, id: i64) -> Result<Option<StoredNotice>> {
        Ok(self
            .notices_where(" AND n.id = ?2", params![client, id])?
            .pop())
    }

    fn credit_balance(&mut self, client: &str, customer: &str) -> Result<i64> {
        B::rows(self.c(), CREDIT_BALANCE, params![client, customer])?
            .first()
            .map_or(Ok(0), |r| r.i(0))
    }

    fn policy(&mut self, client: &str) -> Result<Option<ReminderPolicy>> {
        B::rows(self.c(), POLICY, params![client])?
            .first()
            .map(|r| {
                Ok(ReminderPolicy {
                    first_after_days: r.i(0)? as u32,
                    deadline_days: r.i(1)? as u32,
                    fee: r.bool(2)?,
                    interest: r.bool(3)?,
                    reminders: r.i(4)? as u32,
                    inkassovarsel: r.bool(5)?,
                    compensation: r.bool(6)?,
                })
            })
            .transpose()
    }

    fn put_policy(&mut self, client: &str, p: &ReminderPolicy) -> Result<()> {
        B::exec(
            self.c(),
            PUT_POLICY,
            params![
                client,
                p.first_after_days,
                p.deadline_days,
                p.fee,
                p.interest,
                p.reminders,
                p.inkassovarsel,
                p.compensation
            ],
        )?;
        Ok(())
    }

    fn opted_out(&mut self, client: &str, customers: &[String]) -> Result<Vec<bool>> {
        self.held(client, "customer", customers)
    }

    fn set_opted_out(&mut self, client: &str, customer: &str, out: bool) -> Result<()> {
        self.hold(client, "customer", customer, out)
    }

    fn payment_agreements(&mut self, client: &str, invoices: &[i64]) -> Result<Vec<bool>> {
        let ids: Vec<String> = invoices.iter().map(i64::to_string).collect();
        self.held(client, "invoice", &ids)
    }

    fn set_payment_agreement(&mut self, client: &str, invoice: i64, on: bool) -> Result<()> {
        self.hold(client, "invoice", &invoice.to_string(), on)
    }

    fn accepts_reminders(&mut self, participant: &str) -> Result<bool> {
        Ok(!B::rows(self.c(), ACCEPTS_REMINDERS, params![participant])?.is_empty())
    }

    fn put_reminder_participant(&mut self, participant: &str) -> Result<()> {
        B::exec(self.c(), PUT_REMINDER_PARTICIPANT, params![participant])?;
        Ok(())
    }

    fn notice_deliveries(&mut self, notice: i64) -> Result<Vec<crate::bindings::Delivery>> {
        self.delivery_rows(Q::NoticeDeliveries, notice)
    }
}

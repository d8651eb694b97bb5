//! Typed calls on the component, one exported function each, as one unit of work.

use crate::bindings::*;
use crate::runtime::{CallError, Harness};

type CallResult<T> = Result<T, CallError>;

impl Harness {
    pub fn activate(&mut self, client: &str) -> CallResult<()> {
        self.call(client, |i, s| i.call_activate(s))
    }
    pub fn deactivate(&mut self, client: &str, reason: &str) -> CallResult<()> {
        self.call(client, |i, s| i.call_deactivate(s, reason))
    }
    pub fn create_draft(&mut self, client: &str, customer: &str) -> CallResult<Draft> {
        self.call(client, |i, s| i.call_create_draft(s, customer))
    }
    pub fn update_draft(
        &mut self,
        client: &str,
        id: &str,
        version: u64,
        change: &DraftChange,
    ) -> CallResult<Draft> {
        self.call(client, |i, s| i.call_update_draft(s, id, version, change))
    }
    pub fn get_draft(&mut self, client: &str, id: &str) -> CallResult<Draft> {
        self.call(client, |i, s| i.call_get_draft(s, id))
    }
    pub fn delete_draft(&mut self, client: &str, id: &str) -> CallResult<()> {
        self.call(client, |i, s| i.call_delete_draft(s, id))
    }
    pub fn preview(&mut self, client: &str, id: &str) -> CallResult<Vec<u8>> {
        self.call(client, |i, s| i.call_preview(s, id))
    }
    pub fn finalize(&mut self, client: &str, id: &str, key: &str) -> CallResult<IssuedDocument> {
        self.call(client, |i, s| i.call_finalize(s, id, key))
    }
    /// What is left to credit of an invoice, per line and in all (the component's rule).
    pub fn credit_left(&mut self, client: &str, invoice: &str) -> CallResult<Creditable> {
        self.call(client, |i, s| i.call_credit_left(s, invoice))
    }
    pub fn credit(
        &mut self,
        client: &str,
        invoice: &str,
        lines: Option<&[CreditLine]>,
        reason: &str,
        key: &str,
    ) -> CallResult<IssuedDocument> {
        self.call(client, |i, s| i.call_credit(s, invoice, lines, reason, key))
    }
    pub fn overview(&mut self, client: &str, filter: &OverviewFilter) -> CallResult<Vec<Summary>> {
        self.call(client, |i, s| i.call_overview(s, filter))
    }
    /// The first `most` documents `filter` matches (all of them, if fewer), in the
    /// component's order (newest first): read as many as one call may give at a time,
    /// whatever `filter`'s limit and offset say.
    pub fn overview_all(
        &mut self,
        client: &str,
        mut filter: OverviewFilter,
        most: usize,
    ) -> CallResult<Vec<Summary>> {
        const PER_CALL: u32 = 200;
        let mut all = Vec::new();
        loop {
            filter.limit = Some(PER_CALL);
            filter.offset = Some(all.len() as u32);
            let batch = self.overview(client, &filter)?;
            let last = batch.len() < PER_CALL as usize;
            all.extend(batch);
            if last || all.len() >= most {
                all.truncate(most);
                return Ok(all);
            }
        }
    }
    pub fn open(&mut self, client: &str, id: &str) -> CallResult<IssuedDocument> {
        self.call(client, |i, s| i.call_open(s, id))
    }
    pub fn resend(
        &mut self,
        client: &str,
        id: &str,
        channel: Option<Channel>,
    ) -> CallResult<String> {
        self.call(client, |i, s| i.call_resend(s, id, channel))
    }

    // ---- recurring series (contract 0.3.0) ----
    pub fn make_recurring(
        &mut self,
        client: &str,
        draft: &str,
        version: u64,
        schedule: &Schedule,
    ) -> CallResult<Series> {
        self.call_recurring(client, |r, s| {
            r.call_make_recurring(s, draft, version, schedule)
        })
    }
    pub fn get_series(&mut self, client: &str, id: &str) -> CallResult<Series> {
        self.call_recurring(client, |r, s| r.call_get_series(s, id))
    }
    pub fn list_series(&mut self, client: &str) -> CallResult<Vec<Series>> {
        self.call_recurring(client, |r, s| r.call_list_series(s))
    }
    pub fn change_series(
        &mut self,
        client: &str,
        id: &str,
        version: u64,
        change: &SeriesChange,
    ) -> CallResult<Series> {
        self.call_recurring(client, |r, s| r.call_change_series(s, id, version, change))
    }
    pub fn due(&mut self, client: &str) -> CallResult<Vec<Occurrence>> {
        self.call_recurring(client, |r, s| r.call_due(s))
    }
    pub fn issue_occurrence(
        &mut self,
        client: &str,
        series: &str,
        date: &str,
    ) -> CallResult<IssuedDocument> {
        let date = date.to_owned();
        self.call_recurring(client, |r, s| r.call_issue_occurrence(s, series, &date))
    }

    // ---- payments (contract 0.4.1) ----
    pub fn register_payment(
        &mut self,
        client: &str,
        p: &PaymentInput,
    ) -> CallResult<PaymentResult> {
        self.call_payments(client, |i, s| i.call_register(s, p))
    }
    pub fn import_statement(
        &mut self,
        client: &str,
        statement: &BankStatement,
    ) -> CallResult<Vec<PaymentResult>> {
        self.call_payments(client, |i, s| i.call_import_statement(s, statement))
    }
    pub fn allocate(
        &mut self,
        client: &str,
        payment: &str,
        invoice: &str,
    ) -> CallResult<PaymentResult> {
        self.call_payments(client, |i, s| i.call_allocate(s, payment, invoice))
    }
    pub fn refund(
        &mut self,
        client: &str,
        invoice: &str,
        amount: &str,
        date: &str,
        key: &str,
    ) -> CallResult<PaymentResult> {
        let (amount, date) = (amount.to_owned(), date.to_owned());
        self.call_payments(client, |i, s| {
            i.call_refund(s, invoice, &amount, &date, key)
        })
    }
    pub fn payments(&mut self, client: &str, filter: &PaymentFilter) -> CallResult<Vec<Payment>> {
        self.call_payments(client, |i, s| i.call_list_payments(s, filter))
    }
    pub fn open_items(
        &mut self,
        client: &str,
        customer: Option<&str>,
    ) -> CallResult<Vec<OpenItem>> {
        self.call_payments(client, |i, s| i.call_open_items(s, customer))
    }
    pub fn item(&mut self, client: &str, invoice: &str) -> CallResult<OpenItem> {
        self.call_payments(client, |i, s| i.call_item(s, invoice))
    }
    pub fn balance(&mut self, client: &str, customer: &str) -> CallResult<CustomerBalance> {
        self.call_payments(client, |i, s| i.call_balance(s, customer))
    }
    pub fn aging(&mut self, client: &str, customer: Option<&str>) -> CallResult<Aging> {
        self.call_payments(client, |i, s| i.call_aging_report(s, customer))
    }

    /// What is due today for every open, overdue invoice (or one).
    pub fn reminders_due(
        &mut self,
        client: &str,
        invoice: Option<&str>,
    ) -> CallResult<Vec<ReminderDue>> {
        self.call_reminders(client, |r, s| r.call_due(s, invoice))
    }
    pub fn reminder_preview(&mut self, client: &str, invoice: &str) -> CallResult<Vec<u8>> {
        self.call_reminders(client, |r, s| r.call_preview(s, invoice))
    }
    pub fn send_reminder(&mut self, client: &str, invoice: &str) -> CallResult<SendOutcome> {
        self.call_reminders(client, |r, s| r.call_send(s, invoice))
    }
    pub fn reminder_history(&mut self, client: &str, invoice: &str) -> CallResult<Vec<Notice>> {
        self.call_reminders(client, |r, s| r.call_history(s, invoice))
    }
}

/// A monthly schedule from `first`, with no end, issued on its date, with the period text.
pub fn monthly(first: &str) -> Schedule {
    Schedule {
        interval: Interval::Monthly,
        first_date: first.into(),
        end_date: None,
        count: None,
        lead_days: 0,
        period_text: true,
    }
}

// The type is generated from the WIT, so `Default` cannot be derived on it.
#[allow(clippy::derivable_impls)]
impl Default for OverviewFilter {
    fn default() -> Self {
        OverviewFilter {
            customer_id: None,
            reference: None,
            number: None,
            issued_from: None,
            issued_to: None,
            kind: None,
            status: None,
            limit: None,
            offset: None,
        }
    }
}

/// A line typed the way a user does: description, quantity, price and VAT code.
pub fn free_line(
    description: &str,
    quantity: &str,
    unit_price: &str,
    vat_code: VatCode,
) -> LineInput {
    LineInput {
        product_id: None,
        description: Some(description.into()),
        quantity: quantity.into(),
        unit: None,
        unit_price: Some(unit_price.into()),
        discount_percent: None,
        vat_code: Some(vat_code),
    }
}

/// A line from the product register.
pub fn product_line(product: &str, quantity: &str) -> LineInput {
    LineInput {
        product_id: Some(product.into()),
        description: None,
        quantity: quantity.into(),
        unit: None,
        unit_price: None,
        discount_percent: None,
        vat_code: None,
    }
}

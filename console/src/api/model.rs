//! The API's JSON: the contract's records under the contract's names, in snake_case (`issue_date`,
//! `credit_note`), money as decimal strings. Each type here mirrors one of the contract's and
//! converts by destructuring it whole, so a field the contract gains is a compile error here
//! until the API shows it; the OpenAPI document is derived from these same types.

use invoicing_host::bindings as b;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An enum of the contract, mirrored: the same cases in snake_case.
macro_rules! mirror {
    ($(#[$m:meta])* $name:ident { $($v:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),* }
        impl From<b::$name> for $name {
            fn from(v: b::$name) -> Self {
                match v { $(b::$name::$v => Self::$v),* }
            }
        }
        impl From<$name> for b::$name {
            fn from(v: $name) -> Self {
                match v { $($name::$v => Self::$v),* }
            }
        }
    };
}

mirror!(Language { Nb, En });
mirror!(Channel {
    Ehf,
    Efaktura,
    Avtalegiro,
    Email,
    Print
});
mirror!(
    /// The VAT code of a line: the rate and category it is invoiced at.
    VatCode { Standard, Medium, Low, ZeroRated, Exempt, ReverseCharge, Outside }
);
mirror!(VatCategory {
    Standard,
    ZeroRated,
    Exempt,
    ReverseCharge,
    OutsideScope
});
mirror!(DocumentKind {
    Draft,
    Invoice,
    CreditNote
});
mirror!(DocumentStatus {
    Draft,
    Issued,
    PartiallyCredited,
    Credited
});
mirror!(DeliveryState {
    Queued,
    Sent,
    Failed
});
mirror!(SeriesState {
    Active,
    Paused,
    Ended
});
mirror!(ItemState {
    Open,
    PartlyPaid,
    Paid,
    Overpaid,
    Credited
});
mirror!(PaymentOutcome {
    Paid,
    PartlyPaid,
    Overpaid,
    AlreadyPaid,
    ToCreditedInvoice,
    UnknownKid,
    InvalidKid,
    NoKid,
    Duplicate,
    Reversal,
    Refund,
});

fn map<A, B: From<A>>(v: Vec<A>) -> Vec<B> {
    v.into_iter().map(B::from).collect()
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct Address {
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2; none: Norway.
    pub country: Option<String>,
}

impl From<b::Address> for Address {
    fn from(a: b::Address) -> Self {
        let b::Address {
            street,
            postcode,
            city,
            country,
        } = a;
        Address {
            street,
            postcode,
            city,
            country,
        }
    }
}

/// A customer of the client's register.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Customer {
    pub id: String,
    /// The customer number, part of every KID the customer pays by.
    pub number: u64,
    pub name: String,
    /// Nine digits.
    pub organisation_number: Option<String>,
    pub address: Address,
    pub email: Option<String>,
    pub language: Option<Language>,
    pub preferred_channel: Option<Channel>,
    pub attach_ehf: bool,
    /// ISO 4217; none: NOK.
    pub currency: Option<String>,
}

impl From<b::Customer> for Customer {
    fn from(c: b::Customer) -> Self {
        let b::Customer {
            id,
            number,
            name,
            organisation_number,
            address,
            email,
            language,
            preferred_channel,
            attach_ehf,
            currency,
        } = c;
        Customer {
            id,
            number,
            name,
            organisation_number,
            address: address.into(),
            email,
            language: language.map(Into::into),
            preferred_channel: preferred_channel.map(Into::into),
            attach_ehf,
            currency,
        }
    }
}

/// A customer to add to the register; checked as the console's form checks it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// 1 to 64 of a-z, 0-9 and '-'; none: made from the name.
    pub id: Option<String>,
    pub number: u64,
    pub name: String,
    pub organisation_number: Option<String>,
    #[serde(default)]
    pub address: Address,
    pub email: Option<String>,
    pub language: Option<Language>,
    pub preferred_channel: Option<Channel>,
    #[serde(default)]
    pub attach_ehf: bool,
    pub currency: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub unit: String,
    #[schema(example = "1250.00")]
    pub unit_price: String,
    pub vat_code: VatCode,
}

impl From<b::Product> for Product {
    fn from(p: b::Product) -> Self {
        let b::Product {
            id,
            name,
            unit,
            unit_price,
            vat_code,
        } = p;
        Product {
            id,
            name,
            unit,
            unit_price,
            vat_code: vat_code.into(),
        }
    }
}

/// A product to add to the register.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// 1 to 64 of a-z, 0-9 and '-'; none: made from the name.
    pub id: Option<String>,
    pub name: String,
    pub unit: String,
    /// A decimal number as text.
    #[schema(example = "1250.00")]
    pub unit_price: String,
    pub vat_code: VatCode,
}

/// A line to add: a product's (its name, unit, price and VAT code unless given) or a free one.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    pub product_id: Option<String>,
    pub description: Option<String>,
    #[schema(example = "2")]
    pub quantity: String,
    pub unit: Option<String>,
    #[schema(example = "1250.00")]
    pub unit_price: Option<String>,
    #[schema(example = "10")]
    pub discount_percent: Option<String>,
    pub vat_code: Option<VatCode>,
}

impl From<LineInput> for b::LineInput {
    fn from(l: LineInput) -> Self {
        let LineInput {
            product_id,
            description,
            quantity,
            unit,
            unit_price,
            discount_percent,
            vat_code,
        } = l;
        b::LineInput {
            product_id,
            description,
            quantity,
            unit,
            unit_price,
            discount_percent,
            vat_code: vat_code.map(Into::into),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Line {
    pub id: u32,
    pub product_id: Option<String>,
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub discount_percent: String,
    pub vat_code: VatCode,
    pub gross_amount: String,
    pub discount_amount: String,
    pub net_amount: String,
}

impl From<b::Line> for Line {
    fn from(l: b::Line) -> Self {
        let b::Line {
            id,
            product_id,
            description,
            quantity,
            unit,
            unit_price,
            discount_percent,
            vat_code,
            gross_amount,
            discount_amount,
            net_amount,
        } = l;
        Line {
            id,
            product_id,
            description,
            quantity,
            unit,
            unit_price,
            discount_percent,
            vat_code: vat_code.into(),
            gross_amount,
            discount_amount,
            net_amount,
        }
    }
}

/// The VAT of one (category, rate) group.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VatGroup {
    pub category: VatCategory,
    pub rate: String,
    pub base: String,
    pub vat: String,
    /// In NOK, on a document in another currency.
    pub base_nok: Option<String>,
    pub vat_nok: Option<String>,
}

impl From<b::VatGroup> for VatGroup {
    fn from(g: b::VatGroup) -> Self {
        let b::VatGroup {
            category,
            rate,
            base,
            vat,
            base_nok,
            vat_nok,
        } = g;
        VatGroup {
            category: category.into(),
            rate,
            base,
            vat,
            base_nok,
            vat_nok,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Totals {
    pub net: String,
    pub vat: String,
    pub payable: String,
    pub vat_nok: Option<String>,
    pub payable_nok: Option<String>,
}

impl From<b::Totals> for Totals {
    fn from(t: b::Totals) -> Self {
        let b::Totals {
            net,
            vat,
            payable,
            vat_nok,
            payable_nok,
        } = t;
        Totals {
            net,
            vat,
            payable,
            vat_nok,
            payable_nok,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct References {
    pub buyer_reference: Option<String>,
    pub our_reference: Option<String>,
    pub order_reference: Option<String>,
}

impl From<b::References> for References {
    fn from(r: b::References) -> Self {
        let b::References {
            buyer_reference,
            our_reference,
            order_reference,
        } = r;
        References {
            buyer_reference,
            our_reference,
            order_reference,
        }
    }
}

impl From<References> for b::References {
    fn from(r: References) -> Self {
        let References {
            buyer_reference,
            our_reference,
            order_reference,
        } = r;
        b::References {
            buyer_reference,
            our_reference,
            order_reference,
        }
    }
}

/// Dates as `YYYY-MM-DD`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dates {
    pub issue_date: Option<String>,
    pub delivery_date: Option<String>,
    pub due_date: Option<String>,
    pub payment_terms_days: Option<u32>,
}

impl From<b::Dates> for Dates {
    fn from(d: b::Dates) -> Self {
        let b::Dates {
            issue_date,
            delivery_date,
            due_date,
            payment_terms_days,
        } = d;
        Dates {
            issue_date,
            delivery_date,
            due_date,
            payment_terms_days,
        }
    }
}

impl From<Dates> for b::Dates {
    fn from(d: Dates) -> Self {
        let Dates {
            issue_date,
            delivery_date,
            due_date,
            payment_terms_days,
        } = d;
        b::Dates {
            issue_date,
            delivery_date,
            due_date,
            payment_terms_days,
        }
    }
}

/// NOK per one unit of the currency, on a day, from a source.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExchangeRate {
    pub currency: String,
    pub rate: String,
    pub date: String,
    pub source: String,
}

impl From<b::ExchangeRate> for ExchangeRate {
    fn from(r: b::ExchangeRate) -> Self {
        let b::ExchangeRate {
            currency,
            rate,
            date,
            source,
        } = r;
        ExchangeRate {
            currency,
            rate,
            date,
            source,
        }
    }
}

/// A draft, saved at every change. Its `version` is its `ETag`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Draft {
    pub id: String,
    pub version: u64,
    pub customer: Customer,
    pub references: References,
    pub dates: Dates,
    pub note: Option<String>,
    pub lines: Vec<Line>,
    pub vat_groups: Vec<VatGroup>,
    pub totals: Totals,
    pub currency: String,
    pub exchange: Option<ExchangeRate>,
}

impl From<b::Draft> for Draft {
    fn from(d: b::Draft) -> Self {
        let b::Draft {
            id,
            version,
            customer,
            references,
            dates,
            note,
            lines,
            vat_groups,
            totals,
            currency,
            exchange,
        } = d;
        Draft {
            id,
            version,
            customer: customer.into(),
            references: references.into(),
            dates: dates.into(),
            note,
            lines: map(lines),
            vat_groups: map(vat_groups),
            totals: totals.into(),
            currency,
            exchange: exchange.map(Into::into),
        }
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraft {
    pub customer_id: String,
}

/// One change of a draft, as the contract's `draft-change`: `op` names the case.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum DraftChange {
    SetCustomer {
        customer_id: String,
    },
    SetReferences {
        references: References,
    },
    SetDates {
        dates: Dates,
    },
    SetNote {
        note: Option<String>,
    },
    AddLines {
        lines: Vec<LineInput>,
    },
    /// ISO 4217.
    SetCurrency {
        currency: String,
    },
    UpdateLine {
        id: u32,
        line: LineInput,
    },
    RemoveLine {
        id: u32,
    },
    /// Move line `id` to position `to` (0 first).
    MoveLine {
        id: u32,
        to: u32,
    },
}

impl From<DraftChange> for b::DraftChange {
    fn from(c: DraftChange) -> Self {
        use b::DraftChange as C;
        match c {
            DraftChange::SetCustomer { customer_id } => C::SetCustomer(customer_id),
            DraftChange::SetReferences { references } => C::SetReferences(references.into()),
            DraftChange::SetDates { dates } => C::SetDates(dates.into()),
            DraftChange::SetNote { note } => C::SetNote(note),
            DraftChange::AddLines { lines } => C::AddLines(map(lines)),
            DraftChange::SetCurrency { currency } => C::SetCurrency(currency),
            DraftChange::UpdateLine { id, line } => C::UpdateLine(b::LineUpdate {
                id,
                line: line.into(),
            }),
            DraftChange::RemoveLine { id } => C::RemoveLine(id),
            DraftChange::MoveLine { id, to } => C::MoveLine(b::LineMove { id, to }),
        }
    }
}

/// Changes applied in order, all or none, to the version named by `If-Match`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftChanges {
    pub changes: Vec<DraftChange>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: String,
    pub channel: Channel,
    pub reason: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub updated_at: Option<String>,
    pub detail: Option<String>,
}

impl From<b::Delivery> for Delivery {
    fn from(d: b::Delivery) -> Self {
        let b::Delivery {
            id,
            channel,
            reason,
            state,
            attempts,
            updated_at,
            detail,
        } = d;
        Delivery {
            id,
            channel: channel.into(),
            reason,
            state: state.into(),
            attempts,
            updated_at,
            detail,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CurrencyAmount {
    pub currency: String,
    pub amount: String,
    pub rate: String,
}

impl From<b::CurrencyAmount> for CurrencyAmount {
    fn from(c: b::CurrencyAmount) -> Self {
        let b::CurrencyAmount {
            currency,
            amount,
            rate,
        } = c;
        CurrencyAmount {
            currency,
            amount,
            rate,
        }
    }
}

/// One line of a voucher, in NOK.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Posting {
    pub account: u32,
    pub debit: String,
    pub credit: String,
    pub customer_id: Option<String>,
    /// SAF-T's standard VAT code.
    pub vat_code: Option<String>,
    pub text: String,
    pub currency: Option<CurrencyAmount>,
}

impl From<b::Posting> for Posting {
    fn from(p: b::Posting) -> Self {
        let b::Posting {
            account,
            debit,
            credit,
            customer_id,
            vat_code,
            text,
            currency,
        } = p;
        Posting {
            account,
            debit,
            credit,
            customer_id,
            vat_code,
            text,
            currency: currency.map(Into::into),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Voucher {
    pub date: String,
    pub document_number: u64,
    pub postings: Vec<Posting>,
}

impl From<b::Voucher> for Voucher {
    fn from(v: b::Voucher) -> Self {
        let b::Voucher {
            date,
            document_number,
            postings,
        } = v;
        Voucher {
            date,
            document_number,
            postings: map(postings),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CreditedInvoice {
    pub number: u64,
    pub issue_date: String,
}

/// An issued invoice or credit note, as it was issued, with its deliveries and status now.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Document {
    pub id: String,
    pub kind: DocumentKind,
    pub number: u64,
    pub customer: Customer,
    pub references: References,
    pub issue_date: String,
    pub delivery_date: Option<String>,
    pub due_date: String,
    pub note: Option<String>,
    pub kid: Option<String>,
    pub lines: Vec<Line>,
    pub vat_groups: Vec<VatGroup>,
    pub totals: Totals,
    pub credited_invoice: Option<CreditedInvoice>,
    pub credit_reason: Option<String>,
    pub voucher: Voucher,
    pub deliveries: Vec<Delivery>,
    pub status: DocumentStatus,
    pub currency: String,
    pub exchange: Option<ExchangeRate>,
}

impl From<b::IssuedDocument> for Document {
    fn from(d: b::IssuedDocument) -> Self {
        let b::IssuedDocument {
            id,
            kind,
            number,
            customer,
            references,
            issue_date,
            delivery_date,
            due_date,
            note,
            kid,
            lines,
            vat_groups,
            totals,
            credited_invoice,
            credit_reason,
            voucher,
            deliveries,
            status,
            currency,
            exchange,
        } = d;
        Document {
            id,
            kind: kind.into(),
            number,
            customer: customer.into(),
            references: references.into(),
            issue_date,
            delivery_date,
            due_date,
            note,
            kid,
            lines: map(lines),
            vat_groups: map(vat_groups),
            totals: totals.into(),
            credited_invoice: credited_invoice.map(|c| CreditedInvoice {
                number: c.number,
                issue_date: c.issue_date,
            }),
            credit_reason,
            voucher: voucher.into(),
            deliveries: map(deliveries),
            status: status.into(),
            currency,
            exchange: exchange.map(Into::into),
        }
    }
}

/// A row of the overview.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Summary {
    pub id: String,
    pub kind: DocumentKind,
    pub number: Option<u64>,
    pub status: DocumentStatus,
    pub customer_id: String,
    pub customer_name: String,
    pub buyer_reference: Option<String>,
    pub issue_date: Option<String>,
    pub payable: String,
    pub delivery: Option<DeliveryState>,
    pub updated_at: String,
    pub currency: String,
}

impl From<b::Summary> for Summary {
    fn from(s: b::Summary) -> Self {
        let b::Summary {
            id,
            kind,
            number,
            status,
            customer_id,
            customer_name,
            buyer_reference,
            issue_date,
            payable,
            delivery,
            updated_at,
            currency,
        } = s;
        Summary {
            id,
            kind: kind.into(),
            number,
            status: status.into(),
            customer_id,
            customer_name,
            buyer_reference,
            issue_date,
            payable,
            delivery: delivery.map(Into::into),
            updated_at,
            currency,
        }
    }
}

/// A page of a list, and the cursor of the next (none: the last page).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LineLeft {
    pub line_id: u32,
    pub description: String,
    pub unit: String,
    pub unit_price: String,
    pub quantity: String,
    pub amount: String,
    pub quantity_left: String,
    pub amount_left: String,
    pub whole_by_quantity: bool,
}

/// What is left to credit of an invoice, per line and in all.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Creditable {
    pub invoice_id: String,
    pub number: u64,
    pub payable_left: String,
    pub lines: Vec<LineLeft>,
}

impl From<b::Creditable> for Creditable {
    fn from(c: b::Creditable) -> Self {
        let b::Creditable {
            invoice_id,
            number,
            payable_left,
            lines,
        } = c;
        Creditable {
            invoice_id,
            number,
            payable_left,
            lines: lines
                .into_iter()
                .map(|l| {
                    let b::LineLeft {
                        line_id,
                        description,
                        unit,
                        unit_price,
                        quantity,
                        amount,
                        quantity_left,
                        amount_left,
                        whole_by_quantity,
                    } = l;
                    LineLeft {
                        line_id,
                        description,
                        unit,
                        unit_price,
                        quantity,
                        amount,
                        quantity_left,
                        amount_left,
                        whole_by_quantity,
                    }
                })
                .collect(),
        }
    }
}

/// A line to credit: a quantity of it or an amount of it (neither: what is left of it).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditLine {
    pub line_id: u32,
    pub quantity: Option<String>,
    pub amount: Option<String>,
}

/// A credit note against an invoice: all that is left (no `lines`), or the lines given.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditRequest {
    pub reason: String,
    pub lines: Option<Vec<CreditLine>>,
}

impl From<CreditLine> for b::CreditLine {
    fn from(l: CreditLine) -> Self {
        let CreditLine {
            line_id,
            quantity,
            amount,
        } = l;
        b::CreditLine {
            line_id,
            quantity,
            amount,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Interval {
    Monthly,
    Quarterly,
    Yearly,
    EveryMonths { months: u32 },
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub interval: Interval,
    pub first_date: String,
    pub end_date: Option<String>,
    pub count: Option<u32>,
    pub lead_days: u32,
    pub period_text: bool,
}

impl From<b::Schedule> for Schedule {
    fn from(s: b::Schedule) -> Self {
        let b::Schedule {
            interval,
            first_date,
            end_date,
            count,
            lead_days,
            period_text,
        } = s;
        Schedule {
            interval: match interval {
                b::Interval::Monthly => Interval::Monthly,
                b::Interval::Quarterly => Interval::Quarterly,
                b::Interval::Yearly => Interval::Yearly,
                b::Interval::EveryMonths(months) => Interval::EveryMonths { months },
            },
            first_date,
            end_date,
            count,
            lead_days,
            period_text,
        }
    }
}

/// A recurring series: its invoice, its schedule and where it stands.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Series {
    pub id: String,
    pub version: u64,
    pub customer: Customer,
    pub references: References,
    pub note: Option<String>,
    pub payment_terms_days: Option<u32>,
    pub lines: Vec<Line>,
    pub vat_groups: Vec<VatGroup>,
    pub totals: Totals,
    pub schedule: Schedule,
    pub state: SeriesState,
    pub next_date: Option<String>,
    pub issue_from: Option<String>,
    pub issued: u32,
}

impl From<b::Series> for Series {
    fn from(s: b::Series) -> Self {
        let b::Series {
            id,
            version,
            customer,
            references,
            note,
            payment_terms_days,
            lines,
            vat_groups,
            totals,
            schedule,
            state,
            next_date,
            issue_from,
            issued,
        } = s;
        Series {
            id,
            version,
            customer: customer.into(),
            references: references.into(),
            note,
            payment_terms_days,
            lines: map(lines),
            vat_groups: map(vat_groups),
            totals: totals.into(),
            schedule: schedule.into(),
            state: state.into(),
            next_date,
            issue_from,
            issued,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Payment {
    pub id: String,
    pub bank_reference: Option<String>,
    pub kid: Option<String>,
    pub amount: String,
    pub date: String,
    pub payer: Option<String>,
    pub text: Option<String>,
    pub outcome: PaymentOutcome,
    pub invoice_id: Option<String>,
    pub invoice_number: Option<u64>,
    pub customer_id: Option<String>,
}

impl From<b::Payment> for Payment {
    fn from(p: b::Payment) -> Self {
        let b::Payment {
            id,
            bank_reference,
            kid,
            amount,
            date,
            payer,
            text,
            outcome,
            invoice_id,
            invoice_number,
            customer_id,
        } = p;
        Payment {
            id,
            bank_reference,
            kid,
            amount,
            date,
            payer,
            text,
            outcome: outcome.into(),
            invoice_id,
            invoice_number,
            customer_id,
        }
    }
}

/// A payment received outside a bank file: to an invoice, or by its KID.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub invoice_id: Option<String>,
    pub kid: Option<String>,
    #[schema(example = "1250.00")]
    pub amount: String,
    pub date: String,
    pub payer: Option<String>,
    pub bank_reference: Option<String>,
    /// For an invoice in another currency: what the bank credited, in NOK.
    pub nok_amount: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PaymentResult {
    pub bank_reference: Option<String>,
    pub outcome: PaymentOutcome,
    pub payment: Payment,
    /// What is left to pay on its invoice afterwards (negative: a credit balance).
    pub open_after: Option<String>,
}

impl From<b::PaymentResult> for PaymentResult {
    fn from(r: b::PaymentResult) -> Self {
        let b::PaymentResult {
            bank_reference,
            outcome,
            payment,
            open_after,
        } = r;
        PaymentResult {
            bank_reference,
            outcome: outcome.into(),
            payment: payment.into(),
            open_after,
        }
    }
}

/// An invoice's money: what it asks, what was credited and paid, what is open.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OpenItem {
    pub invoice_id: String,
    pub number: u64,
    pub customer_id: String,
    pub customer_name: String,
    pub issue_date: String,
    pub due_date: String,
    pub kid: Option<String>,
    pub payable: String,
    pub credited: String,
    pub paid: String,
    pub open: String,
    pub currency: String,
    pub state: ItemState,
    pub overdue_since: Option<String>,
    pub days_overdue: u32,
}

impl From<b::OpenItem> for OpenItem {
    fn from(i: b::OpenItem) -> Self {
        let b::OpenItem {
            invoice_id,
            number,
            customer_id,
            customer_name,
            issue_date,
            due_date,
            kid,
            payable,
            credited,
            paid,
            open,
            currency,
            state,
            overdue_since,
            days_overdue,
        } = i;
        OpenItem {
            invoice_id,
            number,
            customer_id,
            customer_name,
            issue_date,
            due_date,
            kid,
            payable,
            credited,
            paid,
            open,
            currency,
            state: state.into(),
            overdue_since,
            days_overdue,
        }
    }
}

/// A webhook endpoint. Its secret is shown once, when it is made.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    /// The event types it takes; `["*"]`: all.
    pub events: Vec<String>,
    /// Why it was disabled, if it is.
    pub disabled: Option<String>,
    /// Attempts that failed since the last that succeeded.
    pub failures: i64,
    /// Only in the answer to its creation.
    pub secret: Option<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// `http://` or `https://`.
    pub url: String,
    /// Event types (`invoice.issued`, …) or `*`; none: all.
    pub events: Option<Vec<String>>,
}

/// An event, as its webhook delivers it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Event {
    /// `evt_…`: a receiver de-duplicates by it.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created: String,
    pub client: String,
    /// What happened: the event type's fields.
    #[schema(value_type = Object)]
    pub data: Box<serde_json::value::RawValue>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HookDelivery {
    pub endpoint_id: String,
    /// `queued`, `delivered` or `failed`.
    pub state: String,
    pub attempts: u32,
    pub detail: Option<String>,
}

/// An event with its deliveries.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventDeliveries {
    pub event: Event,
    pub deliveries: Vec<HookDelivery>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Redelivered {
    /// Deliveries queued.
    pub queued: u64,
}

// ---- recurring series: made from a draft, changed with their version ----

/// A schedule as given: what `make-recurring` and `set_schedule` take.
impl From<Schedule> for b::Schedule {
    fn from(s: Schedule) -> Self {
        let Schedule {
            interval,
            first_date,
            end_date,
            count,
            lead_days,
            period_text,
        } = s;
        b::Schedule {
            interval: match interval {
                Interval::Monthly => b::Interval::Monthly,
                Interval::Quarterly => b::Interval::Quarterly,
                Interval::Yearly => b::Interval::Yearly,
                Interval::EveryMonths { months } => b::Interval::EveryMonths(months),
            },
            first_date,
            end_date,
            count,
            lead_days,
            period_text,
        }
    }
}

/// A draft made into a recurring series on this schedule.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSeries {
    pub schedule: Schedule,
}

/// One change of a series, as the contract's `series-change`: `op` names the case.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum SeriesChange {
    /// A new schedule; occurrences issued so far stay.
    SetSchedule {
        schedule: Schedule,
    },
    Pause,
    Resume,
    /// No occurrence is issued any more; the series stays listed.
    End,
    /// Change the template as a draft is changed.
    Edit {
        change: DraftChange,
    },
}

impl From<SeriesChange> for b::SeriesChange {
    fn from(c: SeriesChange) -> Self {
        use b::SeriesChange as C;
        match c {
            SeriesChange::SetSchedule { schedule } => C::SetSchedule(schedule.into()),
            SeriesChange::Pause => C::Pause,
            SeriesChange::Resume => C::Resume,
            SeriesChange::End => C::End,
            SeriesChange::Edit { change } => C::Edit(change.into()),
        }
    }
}

/// Changes applied in order, all or none, to the version named by `If-Match`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesChanges {
    pub changes: Vec<SeriesChange>,
}

// ---- reminders: what is due, the notices sent ----

mirror!(NoticeKind {
    Reminder,
    Inkassovarsel
});
mirror!(
    /// Why no notice goes for an invoice (now, or ever).
    Hold {
        Paid,
        CoveredByCredit,
        OptedOut,
        Avtalegiro,
        ForeignCurrency,
        PaymentAgreement,
        NotOverdue,
        NotYet,
        DeadlineRunning,
        AllSent
    }
);

/// Why a notice carries no fee.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum NoFee {
    Off,
    NotAllowed,
    TooEarly { until: String },
    DeadlineRunning { until: String },
    TooMany { fees: u32 },
    ShortDeadline,
    Compensated,
}

impl From<b::NoFee> for NoFee {
    fn from(n: b::NoFee) -> Self {
        match n {
            b::NoFee::Off => NoFee::Off,
            b::NoFee::NotAllowed => NoFee::NotAllowed,
            b::NoFee::TooEarly(until) => NoFee::TooEarly { until },
            b::NoFee::DeadlineRunning(until) => NoFee::DeadlineRunning { until },
            b::NoFee::TooMany(fees) => NoFee::TooMany { fees },
            b::NoFee::ShortDeadline => NoFee::ShortDeadline,
            b::NoFee::Compensated => NoFee::Compensated,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InterestPeriod {
    pub first_day: String,
    pub last_day: String,
    pub days: u32,
    /// Percent a year.
    pub percent: String,
    pub amount: String,
}

impl From<b::InterestPeriod> for InterestPeriod {
    fn from(p: b::InterestPeriod) -> Self {
        let b::InterestPeriod {
            first_day,
            last_day,
            days,
            percent,
            amount,
        } = p;
        InterestPeriod {
            first_day,
            last_day,
            days,
            percent,
            amount,
        }
    }
}

/// What a notice says and charges.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NoticePlan {
    pub kind: NoticeKind,
    pub step: u32,
    pub principal: String,
    pub earlier_charges: String,
    pub fee: String,
    pub no_fee: Option<NoFee>,
    pub compensation: String,
    pub interest: Vec<InterestPeriod>,
    pub interest_total: String,
    pub total: String,
    pub deadline: String,
}

impl From<b::NoticePlan> for NoticePlan {
    fn from(p: b::NoticePlan) -> Self {
        let b::NoticePlan {
            kind,
            step,
            principal,
            earlier_charges,
            fee,
            no_fee,
            compensation,
            interest,
            interest_total,
            total,
            deadline,
        } = p;
        NoticePlan {
            kind: kind.into(),
            step,
            principal,
            earlier_charges,
            fee,
            no_fee: no_fee.map(Into::into),
            compensation,
            interest: map(interest),
            interest_total,
            total,
            deadline,
        }
    }
}

/// What is due for an invoice today: a notice, a wait (until when, and why), or never (why).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "decision", rename_all = "snake_case")]
// Made once per answer and serialised at once: boxing the large case buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum ReminderDecision {
    Send { plan: NoticePlan },
    Wait { until: String, why: Hold },
    Never { why: Hold },
}

impl From<b::ReminderDecision> for ReminderDecision {
    fn from(d: b::ReminderDecision) -> Self {
        match d {
            b::ReminderDecision::Send(plan) => ReminderDecision::Send { plan: plan.into() },
            b::ReminderDecision::Wait(b::Waiting { until, why }) => ReminderDecision::Wait {
                until,
                why: why.into(),
            },
            b::ReminderDecision::Never(why) => ReminderDecision::Never { why: why.into() },
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReminderDue {
    pub invoice_id: String,
    pub number: u64,
    pub customer_id: String,
    pub customer_name: String,
    pub due_date: String,
    pub decision: ReminderDecision,
}

impl From<b::ReminderDue> for ReminderDue {
    fn from(r: b::ReminderDue) -> Self {
        let b::ReminderDue {
            invoice_id,
            number,
            customer_id,
            customer_name,
            due_date,
            decision,
        } = r;
        ReminderDue {
            invoice_id,
            number,
            customer_id,
            customer_name,
            due_date,
            decision: decision.into(),
        }
    }
}

/// A notice sent: immutable.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Notice {
    pub id: String,
    pub invoice_id: String,
    pub invoice_number: u64,
    pub sent: String,
    pub plan: NoticePlan,
    pub deliveries: Vec<Delivery>,
}

impl From<b::Notice> for Notice {
    fn from(n: b::Notice) -> Self {
        let b::Notice {
            id,
            invoice_id,
            invoice_number,
            sent,
            plan,
            deliveries,
        } = n;
        Notice {
            id,
            invoice_id,
            invoice_number,
            sent,
            plan: plan.into(),
            deliveries: map(deliveries),
        }
    }
}

/// What sending did: the notice kept (its charges posted, its delivery queued), or nothing,
/// with when the next may go or why none will.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
// Made once per answer and serialised at once: boxing the large case buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum SendOutcome {
    Sent { notice: Notice },
    Wait { until: String, why: Hold },
    Never { why: Hold },
}

impl From<b::SendOutcome> for SendOutcome {
    fn from(o: b::SendOutcome) -> Self {
        match o {
            b::SendOutcome::Sent(n) => SendOutcome::Sent { notice: n.into() },
            b::SendOutcome::Wait(b::Waiting { until, why }) => SendOutcome::Wait {
                until,
                why: why.into(),
            },
            b::SendOutcome::Never(why) => SendOutcome::Never { why: why.into() },
        }
    }
}

/// What a bank file's import came to.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BankImport {
    /// The file's format (`ocr-giro`, `camt.054`).
    pub format: String,
    /// Payments in the file.
    pub payments: u64,
    /// When the same file (by its SHA-256) was imported before, if it was.
    pub seen_before: Option<String>,
    /// How many payments had each outcome (a payment already registered is a `duplicate`).
    pub outcomes: std::collections::BTreeMap<String, u64>,
}

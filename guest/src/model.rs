//! The invoicing domain's data: what a draft and an issued document hold. Stored by the host as
//! the component's own JSON, so field names are part of the stored format: add, never rename.

use crate::vat::VatCode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    Ehf,
    Efaktura,
    Avtalegiro,
    Email,
    Print,
}

impl Channel {
    pub const DEFAULT_ORDER: [Channel; 5] = [
        Self::Ehf,
        Self::Efaktura,
        Self::Avtalegiro,
        Self::Email,
        Self::Print,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KidAlgorithm {
    Mod10,
    Mod11,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Address {
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
}

impl Address {
    /// Complete enough for a printed letter.
    pub fn is_complete(&self) -> bool {
        [&self.street, &self.postcode, &self.city, &self.country]
            .iter()
            .all(|f| f.as_deref().is_some_and(|s| !s.trim().is_empty()))
    }
}

/// Settings that passed activation's checks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seller {
    pub name: String,
    pub orgnr: String,
    pub address: Address,
    pub bank_account: String,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub vat_registered: bool,
    pub foretaksregisteret: bool,
    pub template: String,
    pub channels: Vec<Channel>,
    pub invoice_start: u64,
    pub credit_note_start: Option<u64>,
    pub payment_terms_days: u32,
    pub kid_length: u8,
    pub kid_algorithm: KidAlgorithm,
    pub kid_customer_digits: u8,
    pub language: String,
    /// Used when the PDF is rendered at issue; the stored PDF keeps it, the JSON does not.
    #[serde(skip)]
    pub logo: Option<crate::logo::Logo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub number: u64,
    pub name: String,
    pub orgnr: Option<String>,
    pub address: Address,
    pub email: Option<String>,
    pub language: Option<String>,
    pub preferred_channel: Option<Channel>,
    #[serde(default)]
    pub attach_ehf: bool,
    /// ISO 4217; none: NOK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// The ledger's currency (`currency::NOK`): what was written before there were others is in it.
pub const NOK: &str = "NOK";

fn nok() -> String {
    NOK.into()
}

/// NOK for one unit of a currency, as published for a day and frozen on a document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    pub currency: String,
    /// NOK per one unit.
    pub rate: Decimal,
    #[serde(with = "crate::dates::iso")]
    pub date: chrono::NaiveDate,
    pub source: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct References {
    pub buyer: Option<String>,
    pub ours: Option<String>,
    pub order: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dates {
    #[serde(default, with = "crate::dates::iso_opt")]
    pub issue: Option<chrono::NaiveDate>,
    #[serde(default, with = "crate::dates::iso_opt")]
    pub delivery: Option<chrono::NaiveDate>,
    #[serde(default, with = "crate::dates::iso_opt")]
    pub due: Option<chrono::NaiveDate>,
    pub terms_days: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub id: u32,
    pub product_id: Option<String>,
    pub description: String,
    pub quantity: Decimal,
    /// UN/ECE Rec 20.
    pub unit: String,
    pub unit_price: Decimal,
    pub discount_percent: Decimal,
    pub vat: VatCode,
    /// A credit note line: the net amount it credits when that is fixed by what is left of the
    /// invoice line (so partial credits never drift from the invoice by rounding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_net: Option<Decimal>,
    /// A credit note line: the invoice line it credits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_line: Option<u32>,
    /// A credit note line that credits an amount, not a quantity, of the invoice line.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_amount: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub customer: Customer,
    pub references: References,
    pub dates: Dates,
    pub note: Option<String>,
    pub lines: Vec<Line>,
    pub next_line_id: u32,
    /// ISO 4217: the customer's, or as set.
    #[serde(default = "nok")]
    pub currency: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Invoice,
    CreditNote,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Posting {
    pub account: u32,
    pub debit: Decimal,
    pub credit: Decimal,
    pub customer_id: Option<String>,
    pub vat_code: Option<String>,
    pub text: String,
    /// On a document in another currency: the amount in it (debit and credit are NOK).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<CurrencyAmount>,
}

/// SAF-T's AmountStructure: the amount in the document's currency and the rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrencyAmount {
    pub currency: String,
    pub amount: Decimal,
    pub rate: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Voucher {
    #[serde(with = "crate::dates::iso")]
    pub date: chrono::NaiveDate,
    pub number: u64,
    pub postings: Vec<Posting>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreditedInvoice {
    pub id: String,
    pub number: u64,
    #[serde(with = "crate::dates::iso")]
    pub issue_date: chrono::NaiveDate,
}

/// An issued invoice or credit note: everything needed to show it again years later.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub kind: Kind,
    pub number: u64,
    pub seller: Seller,
    pub customer: Customer,
    pub references: References,
    #[serde(with = "crate::dates::iso")]
    pub issue_date: chrono::NaiveDate,
    #[serde(default, with = "crate::dates::iso_opt")]
    pub delivery_date: Option<chrono::NaiveDate>,
    #[serde(with = "crate::dates::iso")]
    pub due_date: chrono::NaiveDate,
    pub note: Option<String>,
    pub kid: Option<String>,
    pub lines: Vec<Line>,
    pub credited: Option<CreditedInvoice>,
    pub credit_reason: Option<String>,
    pub voucher: Voucher,
    pub channel: Channel,
    pub channel_reason: String,
    /// Channels that could also take it, in order: where the host falls back to.
    #[serde(default)]
    pub fallbacks: Vec<Channel>,
    /// A credit note: the VAT of each group fixed by what was left of the invoice's group
    /// (`calc::compute_with`), so that credits net to exactly the invoice's VAT.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_vat: Vec<GroupVat>,
    /// What was asked for, bound to the idempotency key: the same key with another request is
    /// refused rather than answered with this document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// ISO 4217: every amount's, but the NOK ones.
    #[serde(default = "nok")]
    pub currency: String,
    /// In a currency other than NOK: the rate it was issued at, frozen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
}

impl Document {
    /// The language the recipient reads.
    pub fn language(&self) -> Language {
        Language::of(&self.customer, &self.seller)
    }
}

/// The language a recipient reads: the customer's, else the client's. The client's is checked
/// against the languages there are (`settings::LANGUAGES`); a customer's comes from the host's
/// register as it is, and anything but English reads Bokmål.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Nb,
    En,
}

impl Language {
    pub fn of(customer: &Customer, seller: &Seller) -> Language {
        Language::read(customer.language.as_deref().unwrap_or(&seller.language))
    }

    /// A language as the model keeps it (`nb`, `en`): anything but English reads Bokmål.
    pub fn read(code: &str) -> Language {
        match code {
            "en" => Language::En,
            _ => Language::Nb,
        }
    }
}

/// The VAT a credit note's group carries when it is fixed by what was left on the invoice.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupVat {
    pub code: VatCode,
    pub vat: Decimal,
    /// In a currency other than NOK, the group's NOK base and VAT when fixed too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_nok: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_nok: Option<Decimal>,
}

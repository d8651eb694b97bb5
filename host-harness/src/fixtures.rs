//! Fixture files (documented in fixtures/README.md): clients with their settings, customers,
//! products and the channel directories, loaded into the store.

use crate::bindings as b;
use crate::names::Name;
use crate::store::{with_unit, CustomerRecord, Store};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Address {
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Settings {
    pub name: Option<String>,
    pub organisation_number: Option<String>,
    #[serde(default)]
    pub address: Address,
    pub bank_account: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub vat_registered: Option<bool>,
    pub foretaksregisteret: Option<bool>,
    pub template: Option<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    pub invoice_start_number: Option<u64>,
    pub credit_note_start_number: Option<u64>,
    pub payment_terms_days: Option<u32>,
    pub kid_length: Option<u8>,
    pub kid_algorithm: Option<String>,
    pub kid_customer_digits: Option<u8>,
    pub language: Option<String>,
    /// A JPEG file, relative to the fixtures folder.
    pub logo: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Customer {
    pub id: String,
    pub number: u64,
    pub name: String,
    pub organisation_number: Option<String>,
    #[serde(default)]
    pub address: Address,
    pub email: Option<String>,
    pub language: Option<String>,
    pub preferred_channel: Option<String>,
    /// What the eFaktura directory answers: found, not-found, no-consent, blocked.
    #[serde(default = "not_found")]
    pub efaktura: String,
    /// An active AvtaleGiro mandate.
    #[serde(default)]
    pub avtalegiro: bool,
    /// E-mailed invoices carry the EHF XML too.
    #[serde(default)]
    pub attach_ehf: bool,
    /// Invoiced in this currency (ISO 4217); none: NOK.
    pub currency: Option<String>,
}

fn not_found() -> String {
    "not-found".into()
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub unit_price: String,
    pub vat_code: String,
}

/// One client with its registers.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Client {
    pub id: String,
    pub settings: Settings,
    #[serde(default)]
    pub customers: Vec<Customer>,
    #[serde(default)]
    pub products: Vec<Product>,
}

/// The Peppol directory: participant `0192:<orgnr>` and the document types it accepts.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Participant {
    pub participant: String,
    pub accepts: Vec<String>,
}

pub fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Create or replace a client and its registers (the module's on/off state is kept). A logo is
/// read from `folder`.
pub fn load_client(store: &dyn Store, c: &Client, folder: &Path) -> Result<()> {
    anyhow::ensure!(
        crate::runtime::valid_client_id(&c.id),
        "client id '{}' is not 1 to 64 of a-z, 0-9 and '-'",
        c.id.escape_debug()
    );
    let mut records = Vec::with_capacity(c.customers.len());
    for cu in &c.customers {
        records.push(customer(cu)?);
    }
    let settings = settings(&c.settings, folder)?;
    with_unit(store, |u| {
        u.put_client(&c.id, &settings)?;
        for r in &records {
            u.put_customer(&c.id, r)?;
        }
        for p in &c.products {
            u.put_product(
                &c.id,
                &b::Product {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    unit: p.unit.clone(),
                    unit_price: p.unit_price.clone(),
                    vat_code: word("VAT code", &p.vat_code)?,
                },
            )?;
        }
        Ok(())
    })
}

pub fn load_peppol(store: &dyn Store, participants: &[Participant]) -> Result<()> {
    with_unit(store, |u| {
        for p in participants {
            for t in &p.accepts {
                let kind = match t.as_str() {
                    "Invoice" => b::DocumentKind::Invoice,
                    "CreditNote" => b::DocumentKind::CreditNote,
                    "Reminder" => {
                        u.notices()?.put_reminder_participant(&p.participant)?;
                        continue;
                    }
                    other => anyhow::bail!("{}: unknown document type '{other}'", p.participant),
                };
                u.put_participant(&p.participant, kind)?;
            }
        }
        Ok(())
    })
}

/// The fixtures folder of this repository.
pub fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Load `fixtures/clients.json` and `fixtures/peppol.json`.
pub fn load_all(store: &dyn Store) -> Result<Vec<Client>> {
    load_from(store, &dir())
}

/// Load `clients.json` and (if there is one) `peppol.json` from a fixtures folder; a logo named
/// in it is a file in that folder.
pub fn load_from(store: &dyn Store, folder: &Path) -> Result<Vec<Client>> {
    let clients: Vec<Client> = read(&folder.join("clients.json"))?;
    for c in &clients {
        load_client(store, c, folder)?;
    }
    let peppol = folder.join("peppol.json");
    if peppol.exists() {
        load_peppol(store, &read::<Vec<Participant>>(&peppol)?)?;
    }
    Ok(clients)
}

// ---- into the contract's types ----

fn word<T: Name>(what: &str, w: &str) -> Result<T> {
    T::parse(w).with_context(|| format!("'{w}' is not a known {what}"))
}

fn address(a: &Address) -> b::Address {
    b::Address {
        street: a.street.clone(),
        postcode: a.postcode.clone(),
        city: a.city.clone(),
        country: a.country.clone(),
    }
}

fn settings(s: &Settings, folder: &Path) -> Result<b::ClientSettings> {
    Ok(b::ClientSettings {
        name: s.name.clone(),
        organisation_number: s.organisation_number.clone(),
        address: address(&s.address),
        bank_account: s.bank_account.clone(),
        iban: s.iban.clone(),
        bic: s.bic.clone(),
        vat_registered: s.vat_registered,
        foretaksregisteret: s.foretaksregisteret,
        template: s
            .template
            .as_deref()
            .map(|t| word("template", t))
            .transpose()?,
        channels: s
            .channels
            .iter()
            .map(|c| word("channel", c))
            .collect::<Result<_>>()?,
        invoice_start_number: s.invoice_start_number,
        credit_note_start_number: s.credit_note_start_number,
        payment_terms_days: s.payment_terms_days,
        kid_length: s.kid_length,
        kid_algorithm: s
            .kid_algorithm
            .as_deref()
            .map(|a| word("KID algorithm", a))
            .transpose()?,
        kid_customer_digits: s.kid_customer_digits,
        language: s
            .language
            .as_deref()
            .map(|l| word("language", l))
            .transpose()?,
        // An unreadable file reaches the component as no image, so activation names it.
        logo: s
            .logo
            .as_ref()
            .map(|f| std::fs::read(folder.join(f)).unwrap_or_default()),
    })
}

fn customer(c: &Customer) -> Result<CustomerRecord> {
    // Addresses are checked when they enter the register, with the parser that sends to them.
    if let Some(e) = &c.email {
        anyhow::ensure!(
            e.parse::<lettre::Address>().is_ok() && !e.chars().any(char::is_control),
            "customer {}: '{}' is not a valid e-mail address",
            c.id,
            e.escape_debug()
        );
    }
    Ok(CustomerRecord {
        customer: b::Customer {
            id: c.id.clone(),
            number: c.number,
            name: c.name.clone(),
            organisation_number: c.organisation_number.clone(),
            address: address(&c.address),
            email: c.email.clone(),
            language: c
                .language
                .as_deref()
                .map(|l| word("language", l))
                .transpose()?,
            preferred_channel: c
                .preferred_channel
                .as_deref()
                .map(|w| word("channel", w))
                .transpose()?,
            attach_ehf: c.attach_ehf,
            currency: c.currency.clone(),
        },
        efaktura: word("eFaktura status", &c.efaktura)?,
        avtalegiro: c.avtalegiro,
    })
}

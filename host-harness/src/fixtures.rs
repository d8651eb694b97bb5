//! Fixture files (documented in fixtures/README.md): clients with their settings, customers,
//! products and the channel directories, loaded into the store.

use crate::bindings as b;
use anyhow::{Context, Result};
use rusqlite::{params, Connection};
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

/// Create or replace a client and its registers (the module's on/off state is kept).
pub fn load_client(conn: &Connection, c: &Client) -> Result<()> {
    anyhow::ensure!(
        crate::db::valid_id(&c.id),
        "client id '{}' is not 1 to 64 of a-z, 0-9 and '-'",
        c.id.escape_debug()
    );
    conn.execute(
        "INSERT INTO clients (id, settings) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET settings = excluded.settings",
        params![c.id, serde_json::to_string(&c.settings)?],
    )?;
    for cu in &c.customers {
        // Addresses are checked when they enter the register (the same rule the component uses).
        if let Some(e) = &cu.email {
            anyhow::ensure!(
                guest::channel::valid_email(e),
                "customer {}: '{}' is not a valid e-mail address",
                cu.id,
                e.escape_debug()
            );
        }
        conn.execute(
            "INSERT OR REPLACE INTO customers (client_id, id, body, efaktura, avtalegiro) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![c.id, cu.id, serde_json::to_string(cu)?, cu.efaktura, cu.avtalegiro],
        )?;
    }
    for p in &c.products {
        conn.execute(
            "INSERT OR REPLACE INTO products (client_id, id, body) VALUES (?1, ?2, ?3)",
            params![c.id, p.id, serde_json::to_string(p)?],
        )?;
    }
    Ok(())
}

pub fn load_peppol(conn: &Connection, participants: &[Participant]) -> Result<()> {
    for p in participants {
        for t in &p.accepts {
            conn.execute(
                "INSERT OR IGNORE INTO peppol (participant, document_type) VALUES (?1, ?2)",
                params![p.participant, t],
            )?;
        }
    }
    Ok(())
}

/// The fixtures folder of this repository.
pub fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Load `fixtures/clients.json` and `fixtures/peppol.json`.
pub fn load_all(conn: &Connection) -> Result<Vec<Client>> {
    load_from(conn, &dir())
}

/// Load `clients.json` and (if there is one) `peppol.json` from a fixtures folder; a logo named
/// in it is a file in that folder.
pub fn load_from(conn: &Connection, folder: &Path) -> Result<Vec<Client>> {
    let mut clients: Vec<Client> = read(&folder.join("clients.json"))?;
    for c in &mut clients {
        if let Some(logo) = &mut c.settings.logo {
            *logo = folder.join(&*logo).display().to_string();
        }
        load_client(conn, c)?;
    }
    let peppol = folder.join("peppol.json");
    if peppol.exists() {
        load_peppol(conn, &read::<Vec<Participant>>(&peppol)?)?;
    }
    Ok(clients)
}

// ---- into the contract's types ----

pub fn channel(s: &str) -> Option<b::Channel> {
    Some(match s {
        "ehf" => b::Channel::Ehf,
        "efaktura" => b::Channel::Efaktura,
        "avtalegiro" => b::Channel::Avtalegiro,
        "email" => b::Channel::Email,
        "print" => b::Channel::Print,
        _ => return None,
    })
}

pub fn channel_name(c: b::Channel) -> &'static str {
    match c {
        b::Channel::Ehf => "ehf",
        b::Channel::Efaktura => "efaktura",
        b::Channel::Avtalegiro => "avtalegiro",
        b::Channel::Email => "email",
        b::Channel::Print => "print",
    }
}

impl From<&Address> for b::Address {
    fn from(a: &Address) -> Self {
        b::Address {
            street: a.street.clone(),
            postcode: a.postcode.clone(),
            city: a.city.clone(),
            country: a.country.clone(),
        }
    }
}

impl From<&Settings> for b::ClientSettings {
    fn from(s: &Settings) -> Self {
        b::ClientSettings {
            name: s.name.clone(),
            organisation_number: s.organisation_number.clone(),
            address: (&s.address).into(),
            bank_account: s.bank_account.clone(),
            iban: s.iban.clone(),
            bic: s.bic.clone(),
            vat_registered: s.vat_registered,
            foretaksregisteret: s.foretaksregisteret,
            template: s.template.clone(),
            channels: s.channels.iter().filter_map(|c| channel(c)).collect(),
            invoice_start_number: s.invoice_start_number,
            credit_note_start_number: s.credit_note_start_number,
            payment_terms_days: s.payment_terms_days,
            kid_length: s.kid_length,
            kid_algorithm: s.kid_algorithm.as_deref().and_then(|a| match a {
                "mod10" => Some(b::KidAlgorithm::Mod10),
                "mod11" => Some(b::KidAlgorithm::Mod11),
                _ => None,
            }),
            kid_customer_digits: s.kid_customer_digits,
            language: s.language.clone(),
            // An unreadable file reaches the component as no image, so activation names it.
            logo: s
                .logo
                .as_ref()
                .map(|f| std::fs::read(dir().join(f)).unwrap_or_default()),
        }
    }
}

impl From<&Customer> for b::Customer {
    fn from(c: &Customer) -> Self {
        b::Customer {
            id: c.id.clone(),
            number: c.number,
            name: c.name.clone(),
            organisation_number: c.organisation_number.clone(),
            address: (&c.address).into(),
            email: c.email.clone(),
            language: c.language.clone(),
            preferred_channel: c.preferred_channel.as_deref().and_then(channel),
            attach_ehf: c.attach_ehf,
        }
    }
}

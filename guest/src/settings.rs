//! Activation's checks of the client's settings (norway.md §7): every missing or invalid
//! setting is named at once.

use crate::checkdigits::{valid_account, valid_bic, valid_iban};
use crate::error::Problems;
use crate::model::{Address, Channel, KidAlgorithm, Seller};
use serde::{Deserialize, Serialize};

pub const TEMPLATES: [&str; 2] = ["classic", "modern"];
pub const LANGUAGES: [&str; 2] = ["nb", "en"];

/// The settings as the host holds them: anything may be missing.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RawSettings {
    pub name: Option<String>,
    pub organisation_number: Option<String>,
    pub address: Address,
    pub bank_account: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub vat_registered: Option<bool>,
    pub foretaksregisteret: Option<bool>,
    pub template: Option<String>,
    pub channels: Vec<Channel>,
    pub invoice_start_number: Option<u64>,
    pub credit_note_start_number: Option<u64>,
    pub payment_terms_days: Option<u32>,
    pub kid_length: Option<u8>,
    pub kid_algorithm: Option<KidAlgorithm>,
    pub kid_customer_digits: Option<u8>,
    pub language: Option<String>,
    #[serde(skip)]
    pub logo: Option<Vec<u8>>,
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

pub fn validate(raw: &RawSettings) -> Result<Seller, Problems> {
    let mut p = Problems::default();
    macro_rules! required {
        ($v:expr, $field:expr) => {{
            let v = $v;
            if v.is_none() {
                p.add($field, "missing");
            }
            v
        }};
    }
    // Texts that reach documents must be printable, valid in XML, and one line each.
    let a = &raw.address;
    for (field, v) in [
        ("name", &raw.name),
        ("address.street", &a.street),
        ("address.postcode", &a.postcode),
        ("address.city", &a.city),
        ("address.country", &a.country),
    ] {
        if let Some(m) = v.as_deref().and_then(crate::draft::bad_line) {
            p.add(field, m);
        }
    }
    let name = required!(text(&raw.name), "name");
    let orgnr = required!(text(&raw.organisation_number), "organisation-number").map(|s| {
        crate::checkdigits::orgnr_of(&s).unwrap_or_else(|| {
            p.add(
                "organisation-number",
                "not a valid organisation number (9 digits, MOD11)",
            );
            s
        })
    });
    let street = required!(text(&raw.address.street), "address.street");
    let postcode = required!(text(&raw.address.postcode), "address.postcode");
    let city = required!(text(&raw.address.city), "address.city");
    let country = match text(&raw.address.country) {
        None => "NO".to_owned(),
        Some(c) => crate::party::country_of(&c).unwrap_or_else(|| {
            p.add(
                "address.country",
                "not a country (a two-letter ISO code such as NO)",
            );
            c
        }),
    };
    if country == "NO"
        && postcode
            .as_ref()
            .is_some_and(|pc| pc.len() != 4 || !pc.bytes().all(|b| b.is_ascii_digit()))
    {
        p.add("address.postcode", "a Norwegian postcode has 4 digits");
    }
    let account =
        required!(text(&raw.bank_account), "bank-account").map(|s| s.replace([' ', '.'], ""));
    if account.as_ref().is_some_and(|a| !valid_account(a)) {
        p.add(
            "bank-account",
            "not a valid account number (11 digits, MOD11)",
        );
    }
    let (iban, bic) = (text(&raw.iban).map(|s| s.replace(' ', "")), text(&raw.bic));
    match (&iban, &bic) {
        (Some(_), None) => p.add("bic", "give a BIC with the IBAN (both or neither)"),
        (None, Some(_)) => p.add("iban", "give an IBAN with the BIC (both or neither)"),
        _ => {}
    }
    if iban.as_ref().is_some_and(|i| !valid_iban(i)) {
        p.add("iban", "not a valid Norwegian IBAN");
    }
    if bic.as_ref().is_some_and(|b| !valid_bic(b)) {
        p.add("bic", "not a valid BIC (8 or 11 characters)");
    }
    if let (Some(i), Some(a)) = (&iban, &account) {
        if i.len() == 15 && &i[4..] != a {
            p.add("iban", "does not hold the bank account");
        }
    }
    let vat_registered = required!(raw.vat_registered, "vat-registered");
    let foretaksregisteret = required!(raw.foretaksregisteret, "foretaksregisteret");
    let template = required!(text(&raw.template), "template");
    if template
        .as_ref()
        .is_some_and(|t| !TEMPLATES.contains(&t.as_str()))
    {
        p.add(
            "template",
            format!("unknown template (choose one of {})", TEMPLATES.join(", ")),
        );
    }
    if raw.channels.is_empty() {
        p.add("channels", "enable at least one distribution channel");
    }
    let start = required!(raw.invoice_start_number, "invoice-start-number");
    if start == Some(0) {
        p.add("invoice-start-number", "must be at least 1");
    }
    if raw.credit_note_start_number == Some(0) {
        p.add("credit-note-start-number", "must be at least 1");
    }
    let terms = required!(raw.payment_terms_days, "payment-terms-days");
    if terms.is_some_and(|t| t > crate::limits::MAX_TERMS_DAYS) {
        p.add(
            "payment-terms-days",
            format!("at most {} days", crate::limits::MAX_TERMS_DAYS),
        );
    }
    let kid_length = required!(raw.kid_length, "kid-length");
    if kid_length.is_some_and(|l| !(2..=25).contains(&l)) {
        p.add("kid-length", "a KID has 2 to 25 characters");
    }
    let kid_algorithm = required!(raw.kid_algorithm, "kid-algorithm");
    let kid_customer_digits = raw.kid_customer_digits.unwrap_or(0);
    if kid_length.is_some_and(|l| kid_customer_digits + 2 > l) {
        p.add(
            "kid-customer-digits",
            "leaves no room for the invoice number and check digit",
        );
    }
    let language = text(&raw.language).unwrap_or_else(|| "nb".into());
    if !LANGUAGES.contains(&language.as_str()) {
        p.add("language", "nb or en");
    }
    let logo = match &raw.logo {
        Some(bytes) if bytes.len() > 512 * 1024 => {
            p.add("logo", "at most 512 KiB");
            None
        }
        Some(bytes) => crate::logo::Logo::from_jpeg(bytes)
            .map_err(|m| p.add("logo", m))
            .ok(),
        None => None,
    };
    if !p.0.is_empty() {
        return Err(p);
    }
    let mut channels = raw.channels.clone();
    channels.dedup();
    Ok(Seller {
        name: name.unwrap_or_default(),
        orgnr: orgnr.unwrap_or_default(),
        address: Address {
            street,
            postcode,
            city,
            country: Some(country),
        },
        bank_account: account.unwrap_or_default(),
        iban,
        bic,
        vat_registered: vat_registered.unwrap_or_default(),
        foretaksregisteret: foretaksregisteret.unwrap_or_default(),
        template: template.unwrap_or_default(),
        channels,
        invoice_start: start.unwrap_or(1),
        credit_note_start: raw.credit_note_start_number,
        payment_terms_days: terms.unwrap_or_default(),
        kid_length: kid_length.unwrap_or_default(),
        kid_algorithm: kid_algorithm.unwrap_or(KidAlgorithm::Mod10),
        kid_customer_digits,
        language,
        logo,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_settings_name_every_field() {
        let fields: Vec<String> = validate(&RawSettings::default())
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        for f in [
            "name",
            "organisation-number",
            "address.street",
            "address.postcode",
            "address.city",
            "bank-account",
            "vat-registered",
            "foretaksregisteret",
            "template",
            "channels",
            "invoice-start-number",
            "payment-terms-days",
            "kid-length",
            "kid-algorithm",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} not named in {fields:?}");
        }
    }

    #[test]
    fn iban_needs_bic() {
        let raw = RawSettings {
            iban: Some("NO9386011117947".into()),
            ..Default::default()
        };
        let errs = validate(&raw).unwrap_err().0;
        assert!(errs.iter().any(|e| e.field == "bic"));
    }
}

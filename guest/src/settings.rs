//! Activation's checks of the client's settings (norway.md §7): every missing or invalid
//! setting is named at once.

use crate::checkdigits::{valid_account, valid_bic, valid_iban};
use crate::error::{Problem, Problems};
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

/// The largest logo a client may upload.
const MAX_LOGO_BYTES: usize = 512 * 1024;

pub fn validate(raw: &RawSettings) -> Result<Seller, Problems> {
    let mut p = Problems::default();
    macro_rules! required {
        ($v:expr, $field:expr) => {{
            let v = $v;
            if v.is_none() {
                p.add($field, Problem::Missing);
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
        if let Some(m) = v.as_deref().and_then(crate::text::bad_line) {
            p.add(field, m);
        }
    }
    let name = required!(text(&raw.name), "name");
    let orgnr = required!(text(&raw.organisation_number), "organisation-number").map(|s| {
        crate::checkdigits::orgnr_of(&s).unwrap_or_else(|| {
            p.add("organisation-number", Problem::not_valid(&s));
            s
        })
    });
    let street = required!(text(&raw.address.street), "address.street");
    let postcode = required!(text(&raw.address.postcode), "address.postcode");
    let city = required!(text(&raw.address.city), "address.city");
    let country = match text(&raw.address.country) {
        None => "NO".to_owned(),
        Some(c) => crate::party::country_of(&c).unwrap_or_else(|| {
            p.add("address.country", Problem::unknown(&c));
            c
        }),
    };
    if country == "NO"
        && postcode
            .as_ref()
            .is_some_and(|pc| pc.len() != 4 || !pc.bytes().all(|b| b.is_ascii_digit()))
    {
        p.add(
            "address.postcode",
            Problem::not_valid(postcode.as_deref().unwrap_or_default()),
        );
    }
    let account =
        required!(text(&raw.bank_account), "bank-account").map(|s| s.replace([' ', '.'], ""));
    if account.as_ref().is_some_and(|a| !valid_account(a)) {
        p.add(
            "bank-account",
            Problem::not_valid(account.as_deref().unwrap_or_default()),
        );
    }
    let (iban, bic) = (text(&raw.iban).map(|s| s.replace(' ', "")), text(&raw.bic));
    match (&iban, &bic) {
        (Some(_), None) => p.add("bic", Problem::Needs("iban".into())),
        (None, Some(_)) => p.add("iban", Problem::Needs("bic".into())),
        _ => {}
    }
    if iban.as_ref().is_some_and(|i| !valid_iban(i)) {
        p.add(
            "iban",
            Problem::not_valid(iban.as_deref().unwrap_or_default()),
        );
    }
    if bic.as_ref().is_some_and(|b| !valid_bic(b)) {
        p.add(
            "bic",
            Problem::not_valid(bic.as_deref().unwrap_or_default()),
        );
    }
    if let (Some(i), Some(a)) = (&iban, &account) {
        if i.len() == 15 && &i[4..] != a {
            p.add("iban", Problem::Needs("bank-account".into()));
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
            Problem::unknown(template.as_deref().unwrap_or_default()),
        );
    }
    if raw.channels.is_empty() {
        p.add("channels", Problem::Missing);
    }
    let start = required!(raw.invoice_start_number, "invoice-start-number");
    if start == Some(0) {
        p.add("invoice-start-number", Problem::range(Some(1), None::<u8>));
    }
    if raw.credit_note_start_number == Some(0) {
        p.add(
            "credit-note-start-number",
            Problem::range(Some(1), None::<u8>),
        );
    }
    let terms = required!(raw.payment_terms_days, "payment-terms-days");
    if terms.is_some_and(|t| t > crate::limits::MAX_TERMS_DAYS) {
        p.add(
            "payment-terms-days",
            Problem::at_most(crate::limits::MAX_TERMS_DAYS),
        );
    }
    let kid_length = required!(raw.kid_length, "kid-length");
    if kid_length.is_some_and(|l| !(2..=25).contains(&l)) {
        p.add("kid-length", Problem::between(2, 25));
    }
    let kid_algorithm = required!(raw.kid_algorithm, "kid-algorithm");
    let kid_customer_digits = raw.kid_customer_digits.unwrap_or(0);
    if kid_length.is_some_and(|l| kid_customer_digits + 2 > l) {
        p.add("kid-customer-digits", Problem::NoRoom);
    }
    let language = text(&raw.language).unwrap_or_else(|| "nb".into());
    if !LANGUAGES.contains(&language.as_str()) {
        p.add("language", Problem::unknown(&language));
    }
    let logo = match &raw.logo {
        Some(bytes) if bytes.len() > MAX_LOGO_BYTES => {
            p.add("logo", Problem::FileTooLarge(MAX_LOGO_BYTES as u32));
            None
        }
        // Why the image cannot be read is for a developer; the user needs another file.
        Some(bytes) => crate::logo::Logo::from_jpeg(bytes)
            .map_err(|_| p.add("logo", Problem::NotAJpeg))
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

    fn valid() -> RawSettings {
        RawSettings {
            name: Some("Fjordkraft Konsult AS".into()),
            organisation_number: Some("974760673".into()),
            address: Address {
                street: Some("Storgata 1".into()),
                postcode: Some("0155".into()),
                city: Some("Oslo".into()),
                country: None,
            },
            bank_account: Some("8601 11 17947".into()),
            vat_registered: Some(true),
            foretaksregisteret: Some(true),
            template: Some("classic".into()),
            channels: vec![Channel::Email],
            invoice_start_number: Some(10001),
            payment_terms_days: Some(14),
            kid_length: Some(10),
            kid_algorithm: Some(KidAlgorithm::Mod10),
            ..Default::default()
        }
    }

    /// One wrong setting at a time, against settings that activate: each is named with its
    /// problem, and nothing else is.
    #[test]
    fn each_wrong_setting_is_named_with_its_problem() {
        type Change = fn(&mut RawSettings);
        let cases: [(Change, &str, Problem); 14] = [
            (|r| r.name = Some("  ".into()), "name", Problem::Missing),
            (
                |r| r.name = Some("Fjord\nkraft".into()),
                "name",
                Problem::BadCharacter('\n'),
            ),
            (
                |r| r.organisation_number = Some("974760674".into()),
                "organisation-number",
                Problem::not_valid("974760674"),
            ),
            (
                |r| r.address.postcode = Some("155".into()),
                "address.postcode",
                Problem::not_valid("155"),
            ),
            (
                |r| r.address.country = Some("Atlantis".into()),
                "address.country",
                Problem::unknown("Atlantis"),
            ),
            (
                |r| r.bank_account = Some("8601 11 17948".into()),
                "bank-account",
                Problem::not_valid("86011117948"),
            ),
            (
                |r| r.bic = Some("DNBANOKK".into()),
                "iban",
                Problem::Needs("bic".into()),
            ),
            (
                |r| r.template = Some("fancy".into()),
                "template",
                Problem::unknown("fancy"),
            ),
            (|r| r.channels.clear(), "channels", Problem::Missing),
            (
                |r| r.invoice_start_number = Some(0),
                "invoice-start-number",
                Problem::range(Some(1), None::<u8>),
            ),
            (
                |r| r.payment_terms_days = Some(crate::limits::MAX_TERMS_DAYS + 1),
                "payment-terms-days",
                Problem::at_most(crate::limits::MAX_TERMS_DAYS),
            ),
            (
                |r| r.kid_length = Some(26),
                "kid-length",
                Problem::between(2, 25),
            ),
            (
                |r| r.kid_customer_digits = Some(9),
                "kid-customer-digits",
                Problem::NoRoom,
            ),
            (
                |r| r.language = Some("de".into()),
                "language",
                Problem::unknown("de"),
            ),
        ];
        let Ok(seller) = validate(&valid()) else {
            panic!("the valid settings do not activate")
        };
        assert_eq!(
            (seller.language.as_str(), seller.invoice_start),
            ("nb", 10001)
        );
        for (change, field, problem) in cases {
            let mut raw = valid();
            change(&mut raw);
            let named: Vec<(String, Problem)> = validate(&raw)
                .unwrap_err()
                .0
                .into_iter()
                .map(|e| (e.field, e.problem))
                .collect();
            assert_eq!(named, [(field.to_owned(), problem)], "{field}");
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

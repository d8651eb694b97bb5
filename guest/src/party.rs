//! Who is on a document, as the registers hand them over: the rules that make a customer's data
//! fit for a valid document (organisation number, country, one-line names and addresses; the
//! e-mail rule is the e-mail channel's, `channel::valid_email`; the seller's settings use the
//! same rules in `settings`). The component applies them where it reads the data, whatever the
//! host's register accepted; the EHF gate checks the result again (`ehf_check`).

use crate::error::{Problem, Problems};
use crate::model::{Address, Customer};

const COUNTRIES: &str = include_str!("country_codes.txt");

/// An ISO 3166-1 alpha-2 code, as EN 16931 takes it (BR-CL-14), upper case exactly.
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2
        && COUNTRIES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .any(|l| l == code)
}

/// The names people type for the countries Norwegian businesses invoice most, in Norwegian,
/// Nynorsk and English; any other country by its ISO code.
#[rustfmt::skip]
const NAMES: &[(&str, &str)] = &[
    ("norge", "NO"), ("noreg", "NO"), ("norway", "NO"),
    ("sverige", "SE"), ("sweden", "SE"),
    ("danmark", "DK"), ("denmark", "DK"),
    ("finland", "FI"), ("suomi", "FI"),
    ("island", "IS"), ("iceland", "IS"),
    ("tyskland", "DE"), ("germany", "DE"),
    ("storbritannia", "GB"), ("united kingdom", "GB"),
];

/// A country as typed (`no`, `NO`, `Norge`) as its code; None when it is none.
pub fn country_of(s: &str) -> Option<String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    if is_country_code(&upper) {
        return Some(upper);
    }
    let lower = crate::text::fold_case(t);
    NAMES
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, c)| (*c).to_owned())
}

/// The address's lines checked and its country as its code; problems under `field.…`.
fn address(p: &mut Problems, field: &str, a: &mut Address) {
    for (name, v) in [
        ("street", &a.street),
        ("postcode", &a.postcode),
        ("city", &a.city),
    ] {
        if let Some(m) = v.as_deref().and_then(crate::text::bad_line) {
            p.add(format!("{field}.address.{name}"), m);
        }
    }
    if let Some(c) = a.country.as_deref().filter(|c| !c.trim().is_empty()) {
        match country_of(c) {
            Some(code) => a.country = Some(code),
            None => p.add(format!("{field}.address.country"), Problem::unknown(c)),
        }
    } else {
        a.country = None;
    }
}

/// A customer from the host's register made fit for a document, or every field that cannot
/// make a valid one, named `customer.…`. The organisation number comes out as its 9 digits.
pub fn customer(mut c: Customer, max_name: usize) -> Result<Customer, Problems> {
    let mut p = Problems::default();
    if let Some(m) = crate::text::bad_line(&c.name) {
        p.add("customer.name", m);
    }
    if c.name.trim().is_empty() {
        p.add("customer.name", Problem::Missing);
    }
    if c.name.chars().count() > max_name {
        p.add("customer.name", Problem::TooLong(max_name as u32));
    }
    if let Some(o) = c.orgnr.as_deref().filter(|o| !o.trim().is_empty()) {
        match crate::checkdigits::orgnr_of(o) {
            Some(digits) => c.orgnr = Some(digits),
            None => p.add("customer.organisation-number", Problem::not_valid(o)),
        }
    } else {
        c.orgnr = None;
    }
    if let Some(e) = c.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        if !crate::channel::valid_email(e) {
            p.add("customer.email", Problem::not_valid(e));
        }
        c.email = Some(e.to_owned());
    } else {
        c.email = None;
    }
    address(&mut p, "customer", &mut c.address);
    if p.0.is_empty() {
        Ok(c)
    } else {
        Err(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_and_addresses_as_people_type_them() {
        assert_eq!(country_of(" no ").as_deref(), Some("NO"));
        assert_eq!(country_of("Norge").as_deref(), Some("NO"));
        assert_eq!(country_of("Sverige").as_deref(), Some("SE"));
        assert_eq!(country_of("XX"), None);
        assert_eq!(country_of("Narnia"), None);
        for ok in [
            "post@fjord.no",
            "ola.nordmann+faktura@eksempel.no",
            "æ@bø.no",
        ] {
            assert!(crate::channel::valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "a b@c.no",
            "a@@c.no",
            "@c.no",
            "a@c..no",
            "a\n@c.no",
            "<a@c.no>",
            "a@c.no\u{0}",
        ] {
            assert!(!crate::channel::valid_email(bad), "{bad:?}");
        }
    }
}

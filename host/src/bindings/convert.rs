//! Values between contract versions. Types that did not change convert by their names through
//! serde (both sides derive it); what changed is patched on the way, here and nowhere else.
//!
//! What changed, and so what is patched (a JSON object is recognised by its keys):
//! - 0.6.0: closed sets that were text are enums: `vat-code` (on products and lines, not on
//!   postings, where it is SAF-T's code), `vat-group.category`, the settings' `template`, the
//!   settings' and a customer's `language`; `draft-change.update-line` and `move-line` and
//!   `issued-document.credited-invoice` are records instead of tuples; what an earlier release
//!   issued is in NOK (`currency` on drafts, documents, summaries, indexes, facts, open
//!   items and invoice sums).
//! - 0.5.0: a `field-error` has `problem`; one from an earlier release is `other`.
//! - 0.4.0: `not-allowed` carried prose, now a `refusal`: the prose becomes `refusal.other`.

use serde::{de::DeserializeOwned, Serialize};
use serde_json::{Map, Value};

/// A value of one version that would not read as the other's: a bug of this module (a type
/// changed without a conversion of its own), never the component's. It traps the call.
#[derive(Debug, thiserror::Error)]
#[error("converting between contract versions: {0}")]
pub struct ConvError(#[from] serde_json::Error);

impl From<ConvError> for crate::bindings::ImportError {
    fn from(e: ConvError) -> Self {
        crate::bindings::ImportError::Fault(e.into())
    }
}

/// The releases a component may be built for, besides today's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Release {
    V0_3,
    V0_4,
    V0_5,
}

impl Release {
    /// As a refusal names it.
    pub fn name(self) -> &'static str {
        match self {
            Release::V0_3 => "0.3.0",
            Release::V0_4 => "0.4",
            Release::V0_5 => "0.5",
        }
    }
}

/// A value of today's contract as an earlier release has it: what was added since is dropped
/// (serde skips fields the older type lacks), what became an enum or a record is text or a
/// tuple again. `error` is converted by each release's `convert_error`, which words a refusal
/// for 0.3.
pub fn down<A: Serialize, B: DeserializeOwned>(a: A) -> Result<B, ConvError> {
    let mut v = serde_json::to_value(a)?;
    walk(&mut v, &mut |m| patch_0_6(m, Way::Down));
    Ok(serde_json::from_value(v)?)
}

/// A value of an earlier release as today's contract has it.
pub fn up<A: Serialize, B: DeserializeOwned>(from: Release, a: A) -> Result<B, ConvError> {
    let mut v = serde_json::to_value(a)?;
    walk(&mut v, &mut |m| {
        patch_0_6(m, Way::Up);
        if from != Release::V0_5 {
            patch_0_5(m);
        }
        if from == Release::V0_3 {
            patch_0_4(m);
        }
    });
    Ok(serde_json::from_value(v)?)
}

/// Every object in a value, outermost first.
fn walk(v: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match v {
        Value::Object(m) => {
            f(m);
            m.values_mut().for_each(|v| walk(v, f));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| walk(v, f)),
        _ => {}
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Way {
    /// From a release before 0.6.0 to today's.
    Up,
    /// From today's to a release before 0.6.0.
    Down,
}

/// The text each enum case had before 0.6.0, beside the case's name as serde writes it.
const VAT_CODES: [(&str, &str); 7] = [
    ("25", "Standard"),
    ("15", "Medium"),
    ("12", "Low"),
    ("zero", "ZeroRated"),
    ("exempt", "Exempt"),
    ("reverse", "ReverseCharge"),
    ("outside", "Outside"),
];
const CATEGORIES: [(&str, &str); 5] = [
    ("S", "Standard"),
    ("Z", "ZeroRated"),
    ("E", "Exempt"),
    ("AE", "ReverseCharge"),
    ("O", "OutsideScope"),
];
const TEMPLATES: [(&str, &str); 2] = [("classic", "Classic"), ("modern", "Modern")];
const LANGUAGES: [(&str, &str); 2] = [("nb", "Nb"), ("en", "En")];

fn patch_0_6(m: &mut Map<String, Value>, way: Way) {
    // A posting's `vat-code` is SAF-T's and stays text.
    if !m.contains_key("account") {
        swap(m, "vat_code", &VAT_CODES, way, Unknown::Keep);
    }
    swap(m, "category", &CATEGORIES, way, Unknown::Keep);
    // Settings (they have a KID algorithm) and customers (a preferred channel). Before 0.6.0
    // a customer's language was free text: what is neither language reads as none, the
    // client's, as the component read it then.
    if m.contains_key("kid_algorithm") || m.contains_key("preferred_channel") {
        swap(m, "language", &LANGUAGES, way, Unknown::None);
        swap(m, "template", &TEMPLATES, way, Unknown::None);
    }
    // Drafts and documents; rows with a customer and an amount (summaries, indexes, facts,
    // open items, invoice sums): an earlier release's are in NOK.
    if way == Way::Up {
        let document = m.contains_key("lines") && m.contains_key("vat_groups");
        let row = m.contains_key("payable")
            && (m.contains_key("customer_name") || m.contains_key("recipient_name"));
        if document || row {
            m.entry("currency")
                .or_insert_with(|| Value::String("NOK".into()));
        }
    }
    for (key, fields) in [
        ("UpdateLine", ["id", "line"]),
        ("MoveLine", ["id", "to"]),
        ("credited_invoice", ["number", "issue_date"]),
    ] {
        if let Some(v) = m.get_mut(key) {
            pair(v, fields, way);
        }
    }
}

#[derive(Clone, Copy)]
enum Unknown {
    /// Left as it is: it will not read, and the call traps (a bug, never the user's input).
    Keep,
    /// Read as none.
    None,
}

/// A text that became an enum case, or the other way.
fn swap(m: &mut Map<String, Value>, key: &str, table: &[(&str, &str)], way: Way, unknown: Unknown) {
    let Some(Value::String(s)) = m.get(key) else {
        return;
    };
    let found = table.iter().find_map(|(text, case)| match way {
        Way::Up => (s.trim() == *text).then_some(*case),
        Way::Down => (s == case).then_some(*text),
    });
    match (found, unknown) {
        (Some(to), _) => {
            m.insert(key.into(), Value::String(to.into()));
        }
        (None, Unknown::None) => {
            m.insert(key.into(), Value::Null);
        }
        (None, Unknown::Keep) => {}
    }
}

/// A tuple of two (a JSON array) that became a record of two fields, or the other way.
fn pair(v: &mut Value, [a, b]: [&str; 2], way: Way) {
    match (way, &mut *v) {
        (Way::Up, Value::Array(t)) if t.len() == 2 => {
            let second = t.pop().unwrap_or_default();
            let first = t.pop().unwrap_or_default();
            *v = serde_json::json!({ a: first, b: second });
        }
        (Way::Down, Value::Object(r)) if r.contains_key(a) && r.contains_key(b) => {
            let first = r.remove(a).unwrap_or_default();
            let second = r.remove(b).unwrap_or_default();
            *v = Value::Array(vec![first, second]);
        }
        _ => {}
    }
}

/// A `field-error` (an object of exactly `field` and `message`) gets `problem: other`.
fn patch_0_5(m: &mut Map<String, Value>) {
    if m.len() == 2 && m.contains_key("field") && m.contains_key("message") {
        m.insert("problem".into(), Value::String("Other".into()));
    }
}

/// `not-allowed`'s prose becomes `refusal.other`.
fn patch_0_4(m: &mut Map<String, Value>) {
    if let Some(Value::String(prose)) = m.get("NotAllowed") {
        let other = serde_json::json!({ "Other": prose });
        m.insert("NotAllowed".into(), other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings as now;
    use crate::bindings::v0_5::erp::invoicing::types as then;

    fn line_input(vat: Option<now::VatCode>) -> now::LineInput {
        now::LineInput {
            product_id: None,
            description: Some("Timer".into()),
            quantity: "2".into(),
            unit: Some("HUR".into()),
            unit_price: Some("100".into()),
            discount_percent: None,
            vat_code: vat,
        }
    }

    #[test]
    fn every_vat_code_goes_down_as_its_text_and_comes_back() {
        for (text, _) in VAT_CODES {
            let old = then::LineInput {
                vat_code: Some(text.into()),
                ..down(line_input(None)).unwrap()
            };
            let new: now::LineInput = up(Release::V0_5, &old).unwrap();
            let back: then::LineInput = down(&new).unwrap();
            assert_eq!(back.vat_code.as_deref(), Some(text));
            assert!(new.vat_code.is_some());
        }
        let old: then::LineInput = down(line_input(Some(now::VatCode::ReverseCharge))).unwrap();
        assert_eq!(old.vat_code.as_deref(), Some("reverse"));
        let none: then::LineInput = down(line_input(None)).unwrap();
        assert_eq!(none.vat_code, None);
    }

    #[test]
    fn a_posting_keeps_its_saft_code() {
        let p = now::Posting {
            account: 2700,
            debit: "0".into(),
            credit: "25".into(),
            customer_id: None,
            vat_code: Some("3".into()),
            text: "MVA".into(),
            currency: None,
        };
        let old: then::Posting = down(&p).unwrap();
        assert_eq!(old.vat_code.as_deref(), Some("3"));
        let new: now::Posting = up(Release::V0_4, &old).unwrap();
        assert_eq!(new.vat_code.as_deref(), Some("3"));
    }

    #[test]
    fn categories_come_up_as_cases() {
        for (code, _) in CATEGORIES {
            let old = then::VatGroup {
                category: code.into(),
                rate: "0".into(),
                base: "1".into(),
                vat: "0".into(),
            };
            let new: now::VatGroup = up(Release::V0_3, &old).unwrap();
            let back: then::VatGroup = down(&new).unwrap();
            assert_eq!(back.category, code);
        }
    }

    #[test]
    fn the_tuples_become_records_and_back() {
        let change = now::DraftChange::UpdateLine(now::LineUpdate {
            id: 3,
            line: line_input(Some(now::VatCode::Low)),
        });
        let old: then::DraftChange = down(&change).unwrap();
        let then::DraftChange::UpdateLine((3, ref l)) = old else {
            panic!("{old:?}")
        };
        assert_eq!(l.vat_code.as_deref(), Some("12"));
        let moved: then::DraftChange =
            down(now::DraftChange::MoveLine(now::LineMove { id: 2, to: 0 })).unwrap();
        assert!(
            matches!(moved, then::DraftChange::MoveLine((2, 0))),
            "{moved:?}"
        );

        let mut v = serde_json::json!({ "credited_invoice": [1001, "2026-11-28"] });
        walk(&mut v, &mut |m| patch_0_6(m, Way::Up));
        let c: now::CreditedInvoice =
            serde_json::from_value(v["credited_invoice"].clone()).unwrap();
        assert_eq!((c.number, c.issue_date.as_str()), (1001, "2026-11-28"));
    }

    #[test]
    fn a_customers_free_text_language_reads_as_the_clients() {
        for (text, expected) in [
            ("en", Some(now::Language::En)),
            ("nb", Some(now::Language::Nb)),
            ("sv", None),
        ] {
            let mut v = serde_json::json!({ "language": text, "preferred_channel": null });
            walk(&mut v, &mut |m| patch_0_6(m, Way::Up));
            let got: Option<now::Language> = serde_json::from_value(v["language"].clone()).unwrap();
            assert_eq!(got, expected, "{text}");
        }
        // A delivery's language was an enum already: it is left alone both ways.
        let mut facts = serde_json::json!({ "language": "En", "recipient_name": "Kari" });
        walk(&mut facts, &mut |m| patch_0_6(m, Way::Down));
        assert_eq!(facts["language"], "En");
    }
}

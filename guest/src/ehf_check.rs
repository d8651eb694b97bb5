//! The last gate before a document is issued: the EHF as written is read back with an XML
//! parser and held against the EN 16931 and Peppol rules we can state exactly (the same ones
//! `tests/ehf_check.py` checks in CI; the official validator runs there too). A document the
//! component knows to be invalid is refused, never issued.

use crate::money::round2;
use quick_xml::events::Event;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::str::FromStr;

/// An element of the document: name without prefix, attributes, text and children. Names and
/// texts borrow from the document, so reading it back costs few allocations.
#[derive(Default)]
struct Node<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, Cow<'a, str>)>,
    text: Cow<'a, str>,
    children: Vec<Node<'a>>,
}

impl<'a> Node<'a> {
    fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Node<'a>> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn one(&self, name: &str) -> Option<&Node<'a>> {
        self.children.iter().find(|c| c.name == name)
    }
    /// The node at a `/`-separated path of child names.
    fn at(&self, path: &str) -> Option<&Node<'a>> {
        path.split('/').try_fold(self, |n, p| n.one(p))
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }
    fn walk(&self, f: &mut dyn FnMut(&Node)) {
        f(self);
        for c in &self.children {
            c.walk(f);
        }
    }
}

/// `bytes` as the slice of the document they are (the reader hands out tags and attributes
/// that point into it), so nothing is copied.
fn within<'a>(xml: &'a str, bytes: &[u8]) -> Result<&'a str, String> {
    (bytes.as_ptr() as usize)
        .checked_sub(xml.as_ptr() as usize)
        .and_then(|start| xml.get(start..start + bytes.len()))
        .ok_or_else(|| "a tag outside the document".into())
}

/// The name of a start tag without its prefix.
fn local_name<'a>(xml: &'a str, tag: &[u8]) -> Result<&'a str, String> {
    let name = tag
        .split(|b| b.is_ascii_whitespace())
        .next()
        .unwrap_or_default();
    within(xml, name.rsplit(|&b| b == b':').next().unwrap_or_default())
}

fn element<'a>(xml: &'a str, e: quick_xml::events::BytesStart<'a>) -> Result<Node<'a>, String> {
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| format!("bad attribute: {e}"))?;
        let key = within(xml, a.key.local_name().into_inner())?;
        let value = if a.value.contains(&b'&') {
            let v = a
                .unescape_value()
                .map_err(|e| format!("bad attribute: {e}"))?;
            Cow::Owned(v.into_owned())
        } else {
            Cow::Borrowed(within(xml, &a.value)?)
        };
        attrs.push((key, value));
    }
    Ok(Node {
        name: local_name(xml, &e)?,
        attrs,
        ..Node::default()
    })
}

fn parse(xml: &str) -> Result<Node<'_>, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    let top = |stack: &mut Vec<Node<'_>>| -> usize { stack.len() - 1 };
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("not well-formed XML: {e}"))?
        {
            Event::Start(e) => stack.push(element(xml, e)?),
            Event::Empty(e) => {
                let n = element(xml, e)?;
                stack.last_mut().expect("root").children.push(n);
            }
            Event::Text(t) => {
                let t = t.decode().map_err(|e| format!("bad text: {e}"))?;
                let i = top(&mut stack);
                let text = &mut stack[i].text;
                if text.is_empty() {
                    *text = t;
                } else {
                    text.to_mut().push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| format!("bad reference: {e}"))?;
                let c = quick_xml::escape::resolve_predefined_entity(&name)
                    .ok_or_else(|| format!("unknown entity &{name};"))?;
                let i = top(&mut stack);
                stack[i].text.to_mut().push_str(c);
            }
            Event::End(_) => {
                let n = stack.pop().expect("balanced");
                stack
                    .last_mut()
                    .ok_or("unbalanced end tag")?
                    .children
                    .push(n);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().ok_or("empty document")?;
    root.children.pop().ok_or_else(|| "no root element".into())
}

/// The document without the embedded PDF's base64 (most of its bytes, which no rule reads):
/// the element stays, with one character of content.
fn without_attachment(xml: &str) -> Cow<'_, str> {
    const OPEN: &str = "<cbc:EmbeddedDocumentBinaryObject";
    const CLOSE: &str = "</cbc:EmbeddedDocumentBinaryObject>";
    let Some(start) = xml.find(OPEN) else {
        return Cow::Borrowed(xml);
    };
    let (Some(gt), Some(end)) = (xml[start..].find('>'), xml.rfind(CLOSE)) else {
        return Cow::Borrowed(xml);
    };
    let content = start + gt + 1;
    if content >= end {
        return Cow::Borrowed(xml);
    }
    Cow::Owned(format!("{}x{}", &xml[..content], &xml[end..]))
}

/// Characters XML 1.0 does not allow in a document (§2.2), which no parser will accept.
pub fn xml_forbidden(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Every rule the document breaks, as `RULE: detail`; empty when it passes.
pub fn check(xml: &str) -> Vec<String> {
    let xml = without_attachment(xml);
    let mut errors = Vec::new();
    // Byte by byte (a document is megabytes): C0 controls but tab, LF, CR, and U+FFFE/U+FFFF
    // (EF BF BE/BF); a &str holds no lone surrogate.
    let b = xml.as_bytes();
    let forbidden = b.iter().enumerate().any(|(i, &c)| {
        (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
            || (c == 0xEF
                && b.get(i + 1) == Some(&0xBF)
                && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
    });
    if forbidden {
        errors.push("XML 1.0: a character XML forbids".to_owned());
        return errors;
    }
    let root = match parse(&xml) {
        Ok(r) => r,
        Err(e) => return vec![format!("XML: {e}")],
    };
    let credit = root.name == "CreditNote";
    let (line_name, qty_name) = if credit {
        ("CreditNoteLine", "CreditedQuantity")
    } else {
        ("InvoiceLine", "InvoicedQuantity")
    };
    let mut err = |rule: &str, detail: String| errors.push(format!("{rule}: {detail}"));
    let amount = |n: Option<&Node>| n.and_then(|n| Decimal::from_str(n.text.trim()).ok());

    // Lines: R120 (net = qty × price + charges − allowances, ±0.02), R040-R042, BR-CL-23,
    // BR-27 (price ≥ 0), adjustment amounts never negative.
    let lines: Vec<&Node> = root.all(line_name).collect();
    if lines.is_empty() {
        err("BR-16", "no lines".into());
    }
    let mut line_sum = Decimal::ZERO;
    for l in &lines {
        let id = l.one("ID").map_or("?", |n| n.text.as_ref());
        let q = l.one(qty_name);
        let unit = q.and_then(|q| q.attr("unitCode")).unwrap_or("");
        if !crate::units::is_known(unit) {
            err("BR-CL-23", format!("line {id}: unit code '{unit}'"));
        }
        let (Some(qty), Some(net), Some(price)) = (
            amount(q),
            amount(l.one("LineExtensionAmount")),
            amount(l.at("Price/PriceAmount")),
        ) else {
            err(
                "BR-24/BR-26",
                format!("line {id}: quantity, net or price missing"),
            );
            continue;
        };
        line_sum += net;
        if price < Decimal::ZERO {
            err("BR-27", format!("line {id}: negative price"));
        }
        let mut adjusted = qty * price;
        for ac in l.all("AllowanceCharge") {
            let charge = ac.one("ChargeIndicator").is_some_and(|c| c.text == "true");
            let Some(a) = amount(ac.one("Amount")) else {
                err(
                    "BR-41/BR-43",
                    format!("line {id}: adjustment without amount"),
                );
                continue;
            };
            if a < Decimal::ZERO {
                err("BR-41/BR-43", format!("line {id}: negative adjustment {a}"));
            }
            adjusted += if charge { a } else { -a };
            match (
                amount(ac.one("MultiplierFactorNumeric")),
                amount(ac.one("BaseAmount")),
            ) {
                (Some(pct), Some(base)) => {
                    if (base * pct / Decimal::ONE_HUNDRED - a).abs() > Decimal::new(2, 2) {
                        err(
                            "PEPPOL-EN16931-R040",
                            format!("line {id}: {a} is not {pct} % of {base}"),
                        );
                    }
                }
                (None, None) => {}
                _ => err(
                    "PEPPOL-EN16931-R041/R042",
                    format!("line {id}: percentage and base go together"),
                ),
            }
        }
        if (adjusted - net).abs() > Decimal::new(2, 2) {
            err(
                "PEPPOL-EN16931-R120",
                format!("line {id}: net {net}, quantity × price ± adjustments {adjusted}"),
            );
        }
    }

    // Totals: BR-CO-10, 13, 14, 15, 16.
    let total = |name: &str| amount(root.at(&format!("LegalMonetaryTotal/{name}")));
    let (Some(line_ext), Some(tax_excl), Some(tax_incl), Some(payable)) = (
        total("LineExtensionAmount"),
        total("TaxExclusiveAmount"),
        total("TaxInclusiveAmount"),
        total("PayableAmount"),
    ) else {
        err("BR-12..BR-15", "a document total is missing".into());
        return errors;
    };
    if line_sum != line_ext {
        err(
            "BR-CO-10",
            format!("lines sum to {line_sum}, total says {line_ext}"),
        );
    }
    if tax_excl != line_ext {
        err("BR-CO-13", format!("{tax_excl} != {line_ext}"));
    }
    let tax_total = root.one("TaxTotal");
    let vat = amount(tax_total.and_then(|t| t.one("TaxAmount"))).unwrap_or_default();
    let subtotals: Vec<&Node> = tax_total
        .map(|t| t.all("TaxSubtotal").collect())
        .unwrap_or_default();
    let sub_sum: Decimal = subtotals
        .iter()
        .filter_map(|s| amount(s.one("TaxAmount")))
        .sum();
    if sub_sum != vat {
        err("BR-CO-14", format!("subtotals {sub_sum}, total {vat}"));
    }
    if tax_incl != tax_excl + vat {
        err("BR-CO-15", format!("{tax_incl} != {tax_excl} + {vat}"));
    }
    if payable != tax_incl {
        err("BR-CO-16", format!("{payable} != {tax_incl}"));
    }
    if credit && payable < Decimal::ZERO {
        err("credit note", format!("negative amount {payable}"));
    }

    // Per VAT group: BR-CO-17 (VAT = base × rate, |Δ| < 1) and BR-x-08 (base = Σ its lines).
    let category = |n: Option<&Node<'_>>| {
        let id = n
            .and_then(|c| c.one("ID"))
            .map_or(String::new(), |i| i.text.to_string());
        let pct = amount(n.and_then(|c| c.one("Percent"))).unwrap_or_default();
        (id, pct.normalize())
    };
    for s in &subtotals {
        let (cat, pct) = category(s.one("TaxCategory"));
        let base = amount(s.one("TaxableAmount")).unwrap_or_default();
        let tax = amount(s.one("TaxAmount")).unwrap_or_default();
        if (tax - round2(base * pct / Decimal::ONE_HUNDRED)).abs() >= Decimal::ONE {
            err("BR-CO-17", format!("{cat} {pct} %: {tax} on {base}"));
        }
        let lines_base: Decimal = lines
            .iter()
            .filter(|l| category(l.at("Item/ClassifiedTaxCategory")) == (cat.clone(), pct))
            .filter_map(|l| amount(l.one("LineExtensionAmount")))
            .sum();
        if lines_base != base {
            err(
                &format!("BR-{cat}-08"),
                format!("{pct} %: base {base}, lines {lines_base}"),
            );
        }
    }

    // BR-DEC (amounts at most 2 decimals, prices may have more), R051 (one currency), R008 (no
    // empty elements), R002 (one note at most).
    root.walk(&mut |n| {
        if let Some(cur) = n.attr("currencyID") {
            if cur != "NOK" {
                err("PEPPOL-EN16931-R051", format!("currency {cur}"));
            }
            let decimals = n.text.split_once('.').map_or(0, |(_, f)| f.len());
            if decimals > 2 && !matches!(n.name, "PriceAmount" | "BaseAmount") {
                err("BR-DEC", format!("{} {}", n.name, n.text));
            }
        }
        if n.children.is_empty() && n.text.trim().is_empty() {
            err("PEPPOL-EN16931-R008", format!("empty {}", n.name));
        }
    });
    if root.all("Note").count() > 1 {
        err("PEPPOL-EN16931-R002", "more than one note".into());
    }
    if let Some(kid) = root.at("PaymentMeans/PaymentID") {
        if !crate::checkdigits::kid_valid(&kid.text) {
            err("KID", format!("{} has a wrong check digit", kid.text));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::test_line;
    use crate::model::{Document, Kind};
    use crate::vat::VatCode;

    fn ehf(doc: &Document) -> String {
        crate::ehf::render(doc, &crate::invoice::totals(doc), None).unwrap()
    }

    fn shaped(q: &str, price: &str, discount: &str) -> crate::model::Line {
        let mut l = test_line(2, q, price, VatCode::High);
        l.discount_percent = discount.parse().unwrap();
        l
    }

    /// Every line shape a draft accepts gives a valid EHF, on the invoice and on its credit.
    #[test]
    fn every_line_shape_is_valid() {
        let shapes = [
            ("-1", "100", "0"),
            ("-1", "100", "10"),
            ("-3.3333", "12.3456", "12.5"),
            ("2", "100", "100"),
            ("-2", "100", "100"),
            ("5", "0", "0"),
            ("5", "0", "50"),
            ("1", "0.125", "10"),
            ("0.0001", "0.0001", "0"),
        ];
        for (q, price, d) in shapes {
            let lines = vec![
                test_line(1, "10", "500", VatCode::High),
                shaped(q, price, d),
            ];
            let inv = crate::testdata::document(lines);
            let problems = check(&ehf(&inv));
            assert!(problems.is_empty(), "{q} × {price} at {d} %: {problems:?}");
            let (lines, _, group_vat) = crate::credit::note(&inv, &[], None).unwrap();
            let cn = Document {
                kind: Kind::CreditNote,
                lines,
                group_vat,
                ..inv.clone()
            };
            let problems = check(&ehf(&cn));
            assert!(
                problems.is_empty(),
                "credit of {q} × {price} at {d} %: {problems:?}"
            );
        }
    }

    #[test]
    fn breaking_a_rule_is_caught() {
        let inv = crate::testdata::document(vec![shaped("-1", "100", "10")]);
        let good = ehf(&inv);
        // The old shape: a discount on a returned item written as an allowance.
        let bad = good.replace(
            "<cbc:ChargeIndicator>true</cbc:ChargeIndicator>",
            "<cbc:ChargeIndicator>false</cbc:ChargeIndicator>",
        );
        assert!(
            check(&bad).iter().any(|e| e.contains("R120")),
            "{:?}",
            check(&bad)
        );
        let bad = good.replace("unitCode=\"EA\"", "unitCode=\"TIM\"");
        assert!(check(&bad).iter().any(|e| e.starts_with("BR-CL-23")));
        let bad = good.replace(
            "<cbc:Name>line 2</cbc:Name>",
            "<cbc:Name>a\u{1}b</cbc:Name>",
        );
        assert!(!check(&bad).is_empty());
        let bad = good.replacen(
            "<cbc:TaxAmount currencyID=\"NOK\">",
            "<cbc:TaxAmount currencyID=\"NOK\">1",
            1,
        );
        assert!(!check(&bad).is_empty());
    }
}

#[cfg(test)]
mod timing {
    #[test]
    #[ignore]
    fn phases_of_a_5000_line_issue() {
        use crate::calc::test_line;
        let n: u32 = std::env::var("LINES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5000);
        let lines = (1..=n)
            .map(|i| test_line(i, "1", "1", crate::vat::VatCode::High))
            .collect();
        let inv = crate::testdata::document(lines);
        let totals = crate::invoice::totals(&inv);
        let t = std::time::Instant::now();
        let pdf = crate::pdf::render(&inv, &totals, crate::pdf::Mode::Issued);
        eprintln!("pdf {:?} {} bytes", t.elapsed(), pdf.len());
        let t = std::time::Instant::now();
        let xml = crate::ehf::render(&inv, &totals, Some(&pdf)).unwrap();
        eprintln!("ehf {:?} {} bytes", t.elapsed(), xml.len());
        let t = std::time::Instant::now();
        let p = super::check(&xml);
        eprintln!("check {:?} {p:?}", t.elapsed());
        let bare = crate::ehf::render(&inv, &totals, None).unwrap();
        let t = std::time::Instant::now();
        let p = super::check(&bare);
        eprintln!(
            "check without the PDF {:?} {p:?} {} bytes",
            t.elapsed(),
            bare.len()
        );
    }
}

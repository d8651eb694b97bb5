//! The last gate before a document is issued: the EHF as written is read back with an XML
//! parser and held against the EN 16931 and Peppol rules we can state exactly (the same ones
//! `tests/ehf_check.py` checks in CI; the official validator runs there too). A document the
//! component knows to be invalid is refused, never issued.

use crate::money::round2;
use quick_xml::events::Event;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::str::FromStr;

/// `bytes` as the slice of the document they are (the reader hands out tags and attributes
/// that point into it), so nothing is copied.
fn within<'a>(xml: &'a str, bytes: &[u8]) -> Result<&'a str, String> {
    (bytes.as_ptr() as usize)
        .checked_sub(xml.as_ptr() as usize)
        .and_then(|start| xml.get(start..start + bytes.len()))
        .ok_or_else(|| "a tag outside the document".into())
}

/// The document without the embedded PDF's base64 (most of its bytes, which no rule reads):
/// the element stays, with one character of content. Base64 holds no `<`, so its content ends
/// at the first one.
fn without_attachment(xml: &str) -> Cow<'_, str> {
    const OPEN: &str = "<cbc:EmbeddedDocumentBinaryObject";
    let Some(start) = xml.find(OPEN) else {
        return Cow::Borrowed(xml);
    };
    let Some(gt) = xml[start..].find('>') else {
        return Cow::Borrowed(xml);
    };
    let content = start + gt + 1;
    let end = xml[content..].find('<').map_or(xml.len(), |i| content + i);
    if content >= end {
        return Cow::Borrowed(xml);
    }
    Cow::Owned(format!("{}x{}", &xml[..content], &xml[end..]))
}

/// The first byte XML 1.0 forbids (§2.2): C0 controls but tab, LF and CR, and U+FFFE/U+FFFF
/// (EF BF BE/BF); a `&str` holds no lone surrogate. Eight bytes at a time (a document is
/// megabytes): a word with no byte below 0x20 and no 0xEF is skipped whole, by the classic
/// "has a byte below n" bit trick.
fn forbidden_byte(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let bad = |i: usize| {
        let c = b[i];
        (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
            || (c == 0xEF
                && b.get(i + 1) == Some(&0xBF)
                && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
    };
    let mut i = 0;
    while i + 8 <= b.len() {
        let word = u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
        if below(word, 0x20) | below(word ^ (ONES * 0xEF), 1) != 0 {
            if let Some(at) = (i..i + 8).find(|&k| bad(k)) {
                return Some(at);
            }
        }
        i += 8;
    }
    (i..b.len()).find(|&k| bad(k))
}

/// The elements the rules read, named once when an element opens so that the rules below
/// compare small values, not strings, for each of the thousands of elements in a document.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    InvoiceLine,
    AllowanceCharge,
    TaxTotal,
    TaxSubtotal,
    TaxCategory,
    ClassifiedTaxCategory,
    LegalMonetaryTotal,
    PaymentMeans,
    Price,
    Item,
    Note,
    PaymentId,
    Id,
    Percent,
    ChargeIndicator,
    MultiplierFactor,
    BaseAmount,
    Quantity,
    PriceAmount,
    /// One of the four document totals, by its index in `Facts::totals`.
    Total(usize),
    TaxAmount,
    TaxableAmount,
    Amount,
    Country,
    IdentificationCode,
    PartyTaxScheme,
    CompanyId,
    BuyerReference,
    OrderReference,
    AccountingCustomerParty,
    PartyLegalEntity,
    Other,
}

impl Tag {
    fn of(local_name: &str) -> Tag {
        match local_name {
            "InvoiceLine" | "CreditNoteLine" => Tag::InvoiceLine,
            "AllowanceCharge" => Tag::AllowanceCharge,
            "TaxTotal" => Tag::TaxTotal,
            "TaxSubtotal" => Tag::TaxSubtotal,
            "TaxCategory" => Tag::TaxCategory,
            "ClassifiedTaxCategory" => Tag::ClassifiedTaxCategory,
            "LegalMonetaryTotal" => Tag::LegalMonetaryTotal,
            "PaymentMeans" => Tag::PaymentMeans,
            "Price" => Tag::Price,
            "Item" => Tag::Item,
            "Note" => Tag::Note,
            "PaymentID" => Tag::PaymentId,
            "ID" => Tag::Id,
            "Percent" => Tag::Percent,
            "ChargeIndicator" => Tag::ChargeIndicator,
            "MultiplierFactorNumeric" => Tag::MultiplierFactor,
            "BaseAmount" => Tag::BaseAmount,
            "InvoicedQuantity" | "CreditedQuantity" => Tag::Quantity,
            "PriceAmount" => Tag::PriceAmount,
            "LineExtensionAmount" => Tag::Total(0),
            "TaxExclusiveAmount" => Tag::Total(1),
            "TaxInclusiveAmount" => Tag::Total(2),
            "PayableAmount" => Tag::Total(3),
            "TaxAmount" => Tag::TaxAmount,
            "TaxableAmount" => Tag::TaxableAmount,
            "Amount" => Tag::Amount,
            "Country" => Tag::Country,
            "IdentificationCode" => Tag::IdentificationCode,
            "PartyTaxScheme" => Tag::PartyTaxScheme,
            "CompanyID" => Tag::CompanyId,
            "BuyerReference" => Tag::BuyerReference,
            "OrderReference" => Tag::OrderReference,
            "AccountingCustomerParty" => Tag::AccountingCustomerParty,
            "PartyLegalEntity" => Tag::PartyLegalEntity,
            _ => Tag::Other,
        }
    }

    /// Amounts, which BR-DEC allows two decimals.
    fn is_amount(self) -> bool {
        matches!(
            self,
            Tag::Total(_) | Tag::TaxAmount | Tag::TaxableAmount | Tag::Amount
        )
    }
}

/// An element being read: its name, its text so far, whether it has children, whether it
/// is a Norwegian organisation number (`schemeID="0192"`), and an amount's currency.
struct Open<'a> {
    name: &'a str,
    tag: Tag,
    text: Cow<'a, str>,
    children: bool,
    orgnr: bool,
    currency: Option<Cow<'a, str>>,
}

/// A line allowance or charge.
#[derive(Default)]
struct Adjustment {
    charge: bool,
    amount: Option<Decimal>,
    percent: Option<Decimal>,
    base: Option<Decimal>,
}

/// What the rules need of one line.
#[derive(Default)]
struct LineFacts<'a> {
    id: Cow<'a, str>,
    unit: Cow<'a, str>,
    quantity: Option<Decimal>,
    net: Option<Decimal>,
    price: Option<Decimal>,
    adjustments: Vec<Adjustment>,
    category: (Cow<'a, str>, Decimal),
}

/// What the rules need of one VAT subtotal.
#[derive(Default)]
struct Subtotal<'a> {
    base: Decimal,
    tax: Decimal,
    category: (Cow<'a, str>, Decimal),
}

/// The facts of the document the rules read, gathered in one pass (no tree is built).
#[derive(Default)]
struct Facts<'a> {
    root: &'a str,
    lines: Vec<LineFacts<'a>>,
    subtotals: Vec<Subtotal<'a>>,
    totals: [Option<Decimal>; 4],
    /// The TaxTotal with subtotals: its amount; and how many there were (R053: one).
    tax_total: Option<Decimal>,
    tax_totals: usize,
    /// Each TaxTotal without subtotals: its amount and currency (BT-111; R054).
    tax_currency_totals: Vec<(Option<Decimal>, Cow<'a, str>)>,
    /// BT-5 and BT-6.
    currency: Option<Cow<'a, str>>,
    tax_currency: Option<Cow<'a, str>>,
    notes: usize,
    kid: Option<Cow<'a, str>>,
    /// A buyer reference or an order reference (PEPPOL-EN16931-R003).
    buyer_or_order_reference: bool,
    /// The buyer's legal registration identifier (BR-AE-02 needs it for reverse charge).
    buyer_legal_id: bool,
}

/// The facts so far, and the line, adjustment and subtotal being read.
#[derive(Default)]
struct Reading<'a> {
    facts: Facts<'a>,
    line: Option<LineFacts<'a>>,
    adjustment: Option<Adjustment>,
    subtotal: Option<Subtotal<'a>>,
    /// The TaxAmount of the TaxTotal being read, with its currency, and whether that total has
    /// subtotals: which total it is shows only at its end (the one with subtotals, or BT-111).
    tax_amount: Option<(Option<Decimal>, Cow<'a, str>)>,
    with_subtotals: bool,
}

/// Of opposite signs (zero goes with either).
fn opposite(a: Decimal, b: Decimal) -> bool {
    (a < Decimal::ZERO && b > Decimal::ZERO) || (a > Decimal::ZERO && b < Decimal::ZERO)
}

fn decimal(t: &str) -> Option<Decimal> {
    Decimal::from_str(t.trim()).ok()
}

/// Read the document once, checking what any element must satisfy on the way (R008, R051,
/// BR-DEC) into `errors`, and gathering the facts the document-level rules need.
fn read<'a>(xml: &'a str, errors: &mut Vec<String>) -> Result<Facts<'a>, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Open<'a>> = Vec::new();
    let mut r = Reading::default();
    loop {
        let (e, empty) = match reader
            .read_event()
            .map_err(|e| format!("not well-formed XML: {e}"))?
        {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::Text(t) => {
                // A slice of the document, UTF-8 already: references come as their own events.
                let t = within(xml, &t)?;
                if let Some(top) = stack.last_mut() {
                    if top.text.is_empty() {
                        top.text = Cow::Borrowed(t);
                    } else {
                        top.text.to_mut().push_str(t);
                    }
                }
                continue;
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| format!("bad reference: {e}"))?;
                let c = quick_xml::escape::resolve_predefined_entity(&name)
                    .ok_or_else(|| format!("unknown entity &{name};"))?;
                if let Some(top) = stack.last_mut() {
                    top.text.to_mut().push_str(c);
                }
                continue;
            }
            Event::End(_) => {
                let open = stack.pop().ok_or("unbalanced end tag")?;
                r.close(open, &stack, errors);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        // The name without its prefix.
        let name = within(xml, e.local_name().into_inner())?;
        if let Some(parent) = stack.last_mut() {
            parent.children = true;
        }
        let tag = Tag::of(name);
        let parent = stack.last().map(|o| o.tag);
        let mut orgnr = false;
        let mut currency = None;
        // Most elements have no attributes, and the iterator costs even then.
        if !e.attributes_raw().is_empty() {
            for a in e.attributes() {
                let a = a.map_err(|e| format!("bad attribute: {e}"))?;
                let value = quick_xml::escape::unescape(within(xml, &a.value)?)
                    .map_err(|e| format!("bad attribute: {e}"))?;
                match a.key.local_name().as_ref() {
                    b"currencyID" => currency = Some(value),
                    b"unitCode" => {
                        if let Some(l) = r.line.as_mut() {
                            l.unit = value;
                        }
                    }
                    b"schemeID" => orgnr = value == "0192",
                    _ => {}
                }
            }
        }
        match (stack.len(), parent, tag) {
            (0, _, _) => r.facts.root = name,
            (1, _, Tag::InvoiceLine) => r.line = Some(LineFacts::default()),
            (_, _, Tag::AllowanceCharge) if r.line.is_some() => {
                r.adjustment = Some(Adjustment::default())
            }
            (_, Some(Tag::TaxTotal), Tag::TaxSubtotal) => r.subtotal = Some(Subtotal::default()),
            _ => {}
        }
        let open = Open {
            name,
            tag,
            text: Cow::Borrowed(""),
            children: false,
            orgnr,
            currency,
        };
        if empty {
            r.close(open, &stack, errors);
        } else {
            stack.push(open);
        }
    }
    Ok(r.facts)
}

impl<'a> Reading<'a> {
    /// An element ends: the checks any element gets, and what the rules need of it.
    fn close(&mut self, open: Open<'a>, stack: &[Open<'a>], errors: &mut Vec<String>) {
        let Reading {
            facts,
            line,
            adjustment,
            subtotal,
            tax_amount,
            with_subtotals,
        } = self;
        let Open {
            name,
            tag,
            text,
            children,
            orgnr,
            currency,
        } = open;
        if !children && text.trim().is_empty() {
            errors.push(format!("PEPPOL-EN16931-R008: empty {name}"));
        }
        // An element that says it holds a Norwegian organisation number holds 9 digits with a
        // valid MOD11 check digit, however a register had it typed (PEPPOL-COMMON-R041).
        if orgnr && !crate::checkdigits::valid_orgnr(&text) {
            errors.push(format!("PEPPOL-COMMON-R041: {name} '{text}'"));
        }
        if tag.is_amount() && text.split_once('.').is_some_and(|(_, f)| f.len() > 2) {
            errors.push(format!("BR-DEC: {name} {text}"));
        }
        let parent = stack.last().map(|o| o.tag);
        let grand = stack.len().checked_sub(2).map(|i| stack[i].tag);
        let value = || decimal(&text);
        let at_root = stack.len() == 1;
        // Every amount is in the document's currency (R051), but BT-111, the VAT in the tax
        // currency, whose TaxTotal is known only at its end.
        if let Some(c) = currency {
            if tag == Tag::TaxAmount && parent == Some(Tag::TaxTotal) {
                *tax_amount = Some((value(), c));
            } else if facts.currency.as_deref().is_none_or(|d| d != c) {
                errors.push(format!("PEPPOL-EN16931-R051: currency {c} in {name}"));
            }
        }
        match (grand, parent, tag) {
            (_, _, Tag::Other) if at_root && name == "DocumentCurrencyCode" => {
                facts.currency = Some(text)
            }
            (_, _, Tag::Other) if at_root && name == "TaxCurrencyCode" => {
                facts.tax_currency = Some(text)
            }
            (_, _, Tag::TaxTotal) if at_root => {
                let (amount, c) = tax_amount.take().unwrap_or((None, Cow::Borrowed("")));
                if std::mem::take(with_subtotals) {
                    facts.tax_totals += 1;
                    facts.tax_total = amount;
                    if facts.currency.as_deref() != Some(&*c) {
                        errors.push(format!("PEPPOL-EN16931-R051: currency {c} in TaxAmount"));
                    }
                } else {
                    facts.tax_currency_totals.push((amount, c));
                }
            }
            (_, _, Tag::Note) if at_root => facts.notes += 1,
            (_, _, Tag::BuyerReference | Tag::OrderReference) if at_root => {
                facts.buyer_or_order_reference = true
            }
            (_, Some(Tag::Country), Tag::IdentificationCode)
                if !crate::party::is_country_code(&text) =>
            {
                errors.push(format!("BR-CL-14: country code '{text}'"))
            }
            (_, Some(Tag::PartyLegalEntity), Tag::CompanyId)
                if stack.iter().any(|o| o.tag == Tag::AccountingCustomerParty) =>
            {
                facts.buyer_legal_id = true
            }
            (_, Some(Tag::PartyTaxScheme), Tag::CompanyId) if text != "Foretaksregisteret" => {
                let vat = text.strip_prefix("NO").and_then(|t| t.strip_suffix("MVA"));
                if !vat.is_some_and(crate::checkdigits::valid_orgnr) {
                    errors.push(format!("NO-R-001: VAT number '{text}'"));
                }
            }
            (_, Some(Tag::PaymentMeans), Tag::PaymentId) if stack.len() == 2 => {
                facts.kid = Some(text)
            }
            (_, Some(Tag::LegalMonetaryTotal), Tag::Total(i)) => facts.totals[i] = value(),
            (_, Some(Tag::TaxTotal), Tag::TaxSubtotal) => {
                facts.subtotals.extend(subtotal.take());
                *with_subtotals = true;
            }
            (Some(Tag::TaxSubtotal), Some(Tag::TaxCategory), Tag::Id) => {
                if let Some(s) = subtotal.as_mut() {
                    s.category.0 = text;
                }
            }
            (Some(Tag::TaxSubtotal), Some(Tag::TaxCategory), Tag::Percent) => {
                if let Some(s) = subtotal.as_mut() {
                    s.category.1 = value().unwrap_or_default().normalize();
                }
            }
            (_, Some(Tag::TaxSubtotal), Tag::TaxableAmount) => {
                if let Some(s) = subtotal.as_mut() {
                    s.base = value().unwrap_or_default();
                }
            }
            (_, Some(Tag::TaxSubtotal), Tag::TaxAmount) => {
                if let Some(s) = subtotal.as_mut() {
                    s.tax = value().unwrap_or_default();
                }
            }
            (_, _, Tag::InvoiceLine) if at_root => facts.lines.extend(line.take()),
            (_, Some(Tag::AllowanceCharge), _) if line.is_some() => {
                if let Some(a) = adjustment.as_mut() {
                    match tag {
                        Tag::ChargeIndicator => a.charge = text == "true",
                        Tag::Amount => a.amount = value(),
                        Tag::MultiplierFactor => a.percent = value(),
                        Tag::BaseAmount => a.base = value(),
                        _ => {}
                    }
                }
            }
            (_, Some(Tag::InvoiceLine), Tag::AllowanceCharge) => {
                if let (Some(l), Some(a)) = (line.as_mut(), adjustment.take()) {
                    l.adjustments.push(a);
                }
            }
            (_, Some(Tag::InvoiceLine), _) => {
                if let Some(l) = line.as_mut() {
                    match tag {
                        Tag::Id => l.id = text,
                        Tag::Quantity => l.quantity = value(),
                        Tag::Total(0) => l.net = value(),
                        _ => {}
                    }
                }
            }
            (_, Some(Tag::Price), Tag::PriceAmount) => {
                if let Some(l) = line.as_mut() {
                    l.price = value();
                }
            }
            (Some(Tag::Item), Some(Tag::ClassifiedTaxCategory), Tag::Id) => {
                if let Some(l) = line.as_mut() {
                    l.category.0 = text;
                }
            }
            (Some(Tag::Item), Some(Tag::ClassifiedTaxCategory), Tag::Percent) => {
                if let Some(l) = line.as_mut() {
                    l.category.1 = value().unwrap_or_default().normalize();
                }
            }
            _ => {}
        }
    }
}

/// Every rule the document breaks, as `RULE: detail`; empty when it passes.
pub fn check(xml: &str) -> Vec<String> {
    let xml = without_attachment(xml);
    let mut errors = Vec::new();
    let forbidden = forbidden_byte(xml.as_bytes()).is_some();
    if forbidden {
        errors.push("XML 1.0: a character XML forbids".to_owned());
        return errors;
    }
    let facts = match read(&xml, &mut errors) {
        Ok(f) => f,
        Err(e) => return vec![format!("XML: {e}")],
    };
    let mut err = |rule: &str, detail: String| errors.push(format!("{rule}: {detail}"));

    // Lines: R120 (net = qty × price + charges − allowances, ±0.02), R040-R042, BR-CL-23,
    // BR-27 (price ≥ 0), adjustment amounts never negative.
    if facts.lines.is_empty() {
        err("BR-16", "no lines".into());
    }
    let mut line_sum = Decimal::ZERO;
    // Most lines share a unit: each one is looked up once.
    let mut known: Vec<&str> = Vec::new();
    for l in &facts.lines {
        let id = &l.id;
        if !known.contains(&&*l.unit) {
            if crate::units::is_known(&l.unit) {
                known.push(&l.unit);
            } else {
                err("BR-CL-23", format!("line {id}: unit code '{}'", l.unit));
            }
        }
        let (Some(qty), Some(net), Some(price)) = (l.quantity, l.net, l.price) else {
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
        for a in &l.adjustments {
            let Some(amount) = a.amount else {
                err(
                    "BR-41/BR-43",
                    format!("line {id}: adjustment without amount"),
                );
                continue;
            };
            if amount < Decimal::ZERO {
                err(
                    "BR-41/BR-43",
                    format!("line {id}: negative adjustment {amount}"),
                );
            }
            adjusted += if a.charge { amount } else { -amount };
            match (a.percent, a.base) {
                (Some(pct), Some(base)) => {
                    if (base * pct / Decimal::ONE_HUNDRED - amount).abs() > Decimal::new(2, 2) {
                        err(
                            "PEPPOL-EN16931-R040",
                            format!("line {id}: {amount} is not {pct} % of {base}"),
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
    let [Some(line_ext), Some(tax_excl), Some(tax_incl), Some(payable)] = facts.totals else {
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
    // One TaxTotal with subtotals (R053); in another tax currency (BT-6) exactly one more,
    // in it, of the same sign, with at most 2 decimals (R005, R054, R055, BR-53, R051).
    if facts.tax_totals != 1 {
        err(
            "PEPPOL-EN16931-R053",
            format!("{} with subtotals", facts.tax_totals),
        );
    }
    match (&facts.tax_currency, &facts.tax_currency_totals[..]) {
        (None, []) => {}
        (None, _) => err("PEPPOL-EN16931-R054", "a TaxTotal without subtotals".into()),
        (Some(t), _) if facts.currency.as_deref() == Some(&**t) => err(
            "PEPPOL-EN16931-R005",
            format!("tax currency {t} is the document's"),
        ),
        (Some(t), [(amount, c)]) => {
            if c != t {
                err("PEPPOL-EN16931-R051", format!("BT-111 in {c}, not {t}"));
            }
            match amount {
                None => err("BR-53", "no VAT in the tax currency".into()),
                Some(a) if opposite(*a, facts.tax_total.unwrap_or_default()) => err(
                    "PEPPOL-EN16931-R055",
                    format!("{a} against {:?}", facts.tax_total),
                ),
                Some(_) => {}
            }
        }
        (Some(_), []) => err("BR-53", "no VAT in the tax currency".into()),
        (Some(_), _) => err(
            "PEPPOL-EN16931-R054",
            "more than one TaxTotal without subtotals".into(),
        ),
    }
    let vat = facts.tax_total.unwrap_or_default();
    let sub_sum: Decimal = facts.subtotals.iter().map(|s| s.tax).sum();
    if sub_sum != vat {
        err("BR-CO-14", format!("subtotals {sub_sum}, total {vat}"));
    }
    if tax_incl != tax_excl + vat {
        err("BR-CO-15", format!("{tax_incl} != {tax_excl} + {vat}"));
    }
    if payable != tax_incl {
        err("BR-CO-16", format!("{payable} != {tax_incl}"));
    }
    if facts.root == "CreditNote" && payable < Decimal::ZERO {
        err("credit note", format!("negative amount {payable}"));
    }

    // Per VAT group: BR-CO-17 (VAT = base × rate, |Δ| < 1) and BR-x-08 (base = Σ its lines).
    for s in &facts.subtotals {
        let (cat, pct) = (&s.category.0, s.category.1);
        if (s.tax - round2(s.base * pct / Decimal::ONE_HUNDRED)).abs() >= Decimal::ONE {
            err(
                "BR-CO-17",
                format!("{cat} {pct} %: {} on {}", s.tax, s.base),
            );
        }
        let lines_base: Decimal = facts
            .lines
            .iter()
            .filter(|l| l.category.0 == *cat && l.category.1 == pct)
            .filter_map(|l| l.net)
            .sum();
        if lines_base != s.base {
            err(
                &format!("BR-{cat}-08"),
                format!("{pct} %: base {}, lines {lines_base}", s.base),
            );
        }
    }

    let reverse_charge = facts.lines.iter().any(|l| l.category.0 == "AE")
        || facts.subtotals.iter().any(|s| s.category.0 == "AE");
    if reverse_charge && !facts.buyer_legal_id {
        err(
            "BR-AE-02",
            "reverse charge without the buyer's organisation number".into(),
        );
    }
    if !facts.buyer_or_order_reference {
        err(
            "PEPPOL-EN16931-R003",
            "neither a buyer reference nor an order reference".into(),
        );
    }
    // R002 (one note at most); the KID's check digit (the validator does not check it).
    if facts.notes > 1 {
        err("PEPPOL-EN16931-R002", "more than one note".into());
    }
    if let Some(kid) = &facts.kid {
        if !crate::checkdigits::kid_valid(kid) {
            err("KID", format!("{kid} has a wrong check digit"));
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
            let crate::credit::Credited {
                lines, group_vat, ..
            } = crate::credit::note(&inv, &[], None).unwrap();
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

    /// An invoice in another currency: valid with its NOK tax total, and each currency rule
    /// broken is named (R005, R051, R053, R054, R055, BR-53).
    #[test]
    fn the_tax_currency_rules_are_checked() {
        let mut inv = crate::testdata::document(vec![shaped("3", "100", "10")]);
        inv.currency = "EUR".into();
        inv.rate = Some(crate::currency::Rate {
            currency: "EUR".into(),
            rate: "11.795".parse().unwrap(),
            date: inv.issue_date,
            source: "Norges Bank".into(),
        });
        let good = ehf(&inv);
        assert_eq!(check(&good), Vec::<String>::new());
        let nok_total = "<cac:TaxTotal><cbc:TaxAmount currencyID=\"NOK\">";
        let at = good.find(nok_total).expect("the NOK tax total");
        let end = at + good[at..].find("</cac:TaxTotal>").unwrap() + "</cac:TaxTotal>".len();
        let has = |bad: String, what: &str| {
            assert_ne!(bad, good);
            let errors = check(&bad);
            assert!(
                errors.iter().any(|e| e.contains(what)),
                "{what}: {errors:?}"
            )
        };
        has(format!("{}{}", &good[..at], &good[end..]), "BR-53");
        has(
            good.replacen(
                nok_total,
                "<cac:TaxTotal><cbc:TaxAmount currencyID=\"SEK\">",
                1,
            ),
            "R051",
        );
        has(
            good.replacen(
                nok_total,
                "<cac:TaxTotal><cbc:TaxAmount currencyID=\"NOK\">-",
                1,
            ),
            "R055",
        );
        has(format!("{}{}", &good[..end], &good[at..]), "R054");
        has(
            good.replacen("<cbc:TaxCurrencyCode>NOK<", "<cbc:TaxCurrencyCode>EUR<", 1),
            "R005",
        );
        // No tax currency, yet a total without subtotals; and no total with subtotals at all.
        has(
            good.replacen("<cbc:TaxCurrencyCode>NOK</cbc:TaxCurrencyCode>", "", 1),
            "R054",
        );
        let first = good.find("<cac:TaxTotal>").unwrap();
        let first_end =
            first + good[first..].find("</cac:TaxTotal>").unwrap() + "</cac:TaxTotal>".len();
        has(format!("{}{}", &good[..first], &good[first_end..]), "R053");
    }

    /// What the reader itself must refuse or read: XML that is not well-formed, attribute
    /// values, escaped text, and the facts the document-level rules hold together.
    #[test]
    fn the_reader_refuses_and_reads_what_it_must() {
        let inv = crate::testdata::document(vec![shaped("3", "100", "10")]);
        let good = ehf(&inv);
        assert_eq!(check(&good), Vec::<String>::new());
        let broken = |from: &str, to: &str| {
            let bad = good.replacen(from, to, 1);
            assert_ne!(bad, good, "{from} is not in the document");
            check(&bad)
        };
        let has = |errors: Vec<String>, what: &str| {
            assert!(
                errors.iter().any(|e| e.contains(what)),
                "{what}: {errors:?}"
            )
        };
        has(broken("currencyID=\"NOK\"", "currencyID=\"SEK\""), "R051");
        has(
            broken("unitCode=\"EA\"", "unitCode=\"E&amp;A\""),
            "BR-CL-23",
        );
        has(broken("currencyID=\"NOK\"", "currencyID=\"&nok;\""), "XML");
        has(broken("<cbc:ID>", "<cbc:Id>"), "XML");
        has(broken("</cac:InvoiceLine>", "</cac:InvoiceLines>"), "XML");
        has(
            broken(
                "<cbc:PayableAmount currencyID=\"NOK\">",
                "<cbc:PayableAmount currencyID=\"NOK\">1",
            ),
            "BR-CO",
        );
        // Identifiers as a register might hand them over: every one the official rules check.
        let orgnr = crate::testdata::document(vec![]).seller.orgnr;
        has(
            broken(
                &format!(">{orgnr}</cbc:EndpointID>"),
                ">914 778 271</cbc:EndpointID>",
            ),
            "PEPPOL-COMMON-R041",
        );
        has(
            broken(&format!(">{orgnr}</cbc:CompanyID>"), ">123</cbc:CompanyID>"),
            "PEPPOL-COMMON-R041",
        );
        has(
            broken(&format!(">NO{orgnr}MVA<"), ">NO 914 778 271 MVA<"),
            "NO-R-001",
        );
        has(
            broken(
                "<cbc:IdentificationCode>NO<",
                "<cbc:IdentificationCode>Norge<",
            ),
            "BR-CL-14",
        );
        let reverse = ehf(&crate::testdata::document(vec![test_line(
            1,
            "1",
            "100",
            VatCode::ReverseCharge,
        )]));
        assert_eq!(check(&reverse), Vec::<String>::new());
        let buyer = reverse.rfind("<cbc:CompanyID schemeID=\"0192\">").unwrap();
        let end =
            buyer + reverse[buyer..].find("</cbc:CompanyID>").unwrap() + "</cbc:CompanyID>".len();
        has(
            check(&format!("{}{}", &reverse[..buyer], &reverse[end..])),
            "BR-AE-02",
        );
        let unreferenced = good.replace("cbc:BuyerReference>", "cbc:AccountingCost>");
        assert!(!unreferenced.contains("OrderReference"));
        has(check(&unreferenced), "PEPPOL-EN16931-R003");
        // Escaped text is read as the text it stands for, and is no error.
        let escaped = good.replacen("<cbc:Note>", "<cbc:Note>A &amp; B ", 1);
        assert_ne!(escaped, good);
        assert_eq!(check(&escaped), Vec::<String>::new());
    }

    proptest::proptest! {
        /// The word-at-a-time scan finds exactly what a byte-by-byte one finds.
        #[test]
        fn forbidden_byte_matches_the_bytewise_scan(
            bytes in proptest::collection::vec(proptest::prop_oneof![
                proptest::prelude::Just(0xEFu8), proptest::prelude::Just(0xBF), proptest::prelude::Just(0xBE),
                0u8..0x21, proptest::prelude::any::<u8>()], 0..40)
        ) {
            let reference = (0..bytes.len()).find(|&i| {
                let c = bytes[i];
                (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
                    || (c == 0xEF && bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)))
            });
            proptest::prop_assert_eq!(forbidden_byte(&bytes), reference);
        }
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

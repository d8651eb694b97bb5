//! Editing a draft: every change is validated field by field before it is applied, so a draft
//! on file is always well-formed.

use crate::error::{Error, Problem, Problems};
use crate::limits::*;
use crate::model::{Dates, Draft, Line, References};
use crate::money;
use crate::text::bad_text;
use crate::vat::VatCode;
use rust_decimal::Decimal;

/// A line as the user typed it (text for numbers, so a typo becomes a field error).
#[derive(Clone, Debug, Default)]
pub struct LineInput {
    pub product_id: Option<String>,
    pub description: Option<String>,
    pub quantity: String,
    pub unit: Option<String>,
    pub unit_price: Option<String>,
    pub discount_percent: Option<String>,
    pub vat_code: Option<VatCode>,
}

/// A product from the register, as a line's defaults.
#[derive(Clone, Debug)]
pub struct ProductDefaults {
    pub name: String,
    pub unit: String,
    pub unit_price: String,
    pub vat_code: VatCode,
}

pub enum Change {
    References(References),
    Dates(Dates),
    Note(Option<String>),
    AddLines(Vec<LineInput>),
    UpdateLine(u32, LineInput),
    RemoveLine(u32),
    MoveLine(u32, u32),
    /// Invoice in this currency (ISO 4217).
    Currency(String),
}

fn check_text(p: &mut Problems, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    if v.chars().count() > max {
        p.add(field, Problem::TooLong(max as u32));
    }
    if let Some(m) = bad_text(v) {
        p.add(field, m);
    }
    Some(v.to_owned())
}

/// Apply one change. `product` looks a product id up in the register.
pub fn apply(
    draft: &mut Draft,
    change: Change,
    vat_registered: bool,
    product: &dyn Fn(&str) -> Option<ProductDefaults>,
) -> Result<(), Error> {
    let mut p = Problems::default();
    match change {
        Change::References(r) => {
            let r = References {
                buyer: check_text(
                    &mut p,
                    "references.buyer-reference",
                    &r.buyer,
                    MAX_REFERENCE_CHARS,
                ),
                ours: check_text(
                    &mut p,
                    "references.our-reference",
                    &r.ours,
                    MAX_REFERENCE_CHARS,
                ),
                order: check_text(
                    &mut p,
                    "references.order-reference",
                    &r.order,
                    MAX_REFERENCE_CHARS,
                ),
            };
            p.into_result()?;
            draft.references = r;
        }
        Change::Dates(d) => {
            if let (Some(issue), Some(due)) = (d.issue, d.due) {
                if due < issue {
                    p.add("dates.due-date", Problem::Before("dates.issue-date".into()));
                }
            }
            if d.terms_days.is_some_and(|t| t > MAX_TERMS_DAYS) {
                p.add("dates.payment-terms-days", Problem::at_most(MAX_TERMS_DAYS));
            }
            p.into_result()?;
            draft.dates = d;
        }
        Change::Note(n) => {
            let n = check_text(&mut p, "note", &n, MAX_NOTE_CHARS);
            p.into_result()?;
            draft.note = n;
        }
        Change::Currency(c) => {
            let c = c.trim().to_ascii_uppercase();
            if let Some(problem) = crate::currency::code_problem(&c) {
                return Err(Error::invalid("currency", problem));
            }
            draft.currency = c;
        }
        Change::AddLines(inputs) => {
            if draft.lines.len() + inputs.len() > MAX_LINES {
                return Err(Error::invalid("lines", Problem::at_most(MAX_LINES)));
            }
            let mut new = Vec::with_capacity(inputs.len());
            for (i, input) in inputs.iter().enumerate() {
                let field = format!("lines[{}]", draft.lines.len() + i);
                if let Some(line) = line_from_input(
                    &mut p,
                    &field,
                    draft.next_line_id + i as u32,
                    input,
                    vat_registered,
                    product,
                ) {
                    new.push(line);
                }
            }
            p.into_result()?;
            draft.next_line_id += new.len() as u32;
            draft.lines.extend(new);
        }
        Change::UpdateLine(id, input) => {
            let pos = position(draft, id)?;
            let line = line_from_input(
                &mut p,
                &format!("lines[{pos}]"),
                id,
                &input,
                vat_registered,
                product,
            );
            p.into_result()?;
            draft.lines[pos] = line.expect("no problems means a line");
        }
        Change::RemoveLine(id) => {
            let pos = position(draft, id)?;
            draft.lines.remove(pos);
        }
        Change::MoveLine(id, to) => {
            let pos = position(draft, id)?;
            if to as usize >= draft.lines.len() {
                return Err(Error::invalid(
                    "position",
                    Problem::between(0, draft.lines.len().saturating_sub(1)),
                ));
            }
            let line = draft.lines.remove(pos);
            draft.lines.insert(to as usize, line);
        }
    }
    Ok(())
}

fn position(draft: &Draft, id: u32) -> Result<usize, Error> {
    draft
        .lines
        .iter()
        .position(|l| l.id == id)
        .ok_or_else(|| Error::NotFound(format!("line {id}")))
}

fn line_from_input(
    p: &mut Problems,
    field: &str,
    id: u32,
    input: &LineInput,
    vat_registered: bool,
    product: &dyn Fn(&str) -> Option<ProductDefaults>,
) -> Option<Line> {
    let before = p.0.len();
    let defaults = match &input.product_id {
        Some(pid) => match product(pid) {
            Some(d) => Some(d),
            None => {
                p.add(format!("{field}.product-id"), Problem::unknown(pid));
                return None;
            }
        },
        None => None,
    };
    let pick = |given: &Option<String>, default: Option<&String>| {
        given
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| default.cloned())
    };
    let description = pick(&input.description, defaults.as_ref().map(|d| &d.name));
    let description = match check_text(
        p,
        &format!("{field}.description"),
        &description,
        MAX_DESCRIPTION_CHARS,
    ) {
        Some(d) => d,
        None => {
            p.add(format!("{field}.description"), Problem::Missing);
            String::new()
        }
    };
    let quantity = money::parse(&input.quantity, 4, MAX_QUANTITY)
        .map_err(|m| p.add(format!("{field}.quantity"), m))
        .ok();
    if quantity == Some(Decimal::ZERO) {
        p.add(format!("{field}.quantity"), Problem::Zero);
    }
    let unit = pick(&input.unit, defaults.as_ref().map(|d| &d.unit)).unwrap_or_else(|| "EA".into());
    let unit = match crate::units::code_of(&unit) {
        Some(code) => code,
        None => {
            p.add(format!("{field}.unit"), Problem::unknown(&unit));
            unit
        }
    };
    let unit_price = match pick(&input.unit_price, defaults.as_ref().map(|d| &d.unit_price)) {
        Some(t) => money::parse(&t, 4, MAX_UNIT_PRICE)
            .map_err(|m| p.add(format!("{field}.unit-price"), m))
            .ok(),
        None => {
            p.add(format!("{field}.unit-price"), Problem::Missing);
            None
        }
    };
    if unit_price.is_some_and(|u| u < Decimal::ZERO) {
        p.add(format!("{field}.unit-price"), Problem::Negative);
    }
    if let (Some(q), Some(u)) = (quantity, unit_price) {
        if (q * u).abs() > MAX_LINE_AMOUNT {
            p.add(
                format!("{field}.quantity"),
                Problem::LineTooLarge(MAX_LINE_AMOUNT),
            );
        }
    }
    let discount = match &input.discount_percent {
        Some(t) if !t.trim().is_empty() => money::parse(t, 2, Decimal::ONE_HUNDRED)
            .map_err(|m| p.add(format!("{field}.discount-percent"), m))
            .ok(),
        _ => Some(Decimal::ZERO),
    };
    if discount.is_some_and(|d| d < Decimal::ZERO) {
        p.add(
            format!("{field}.discount-percent"),
            Problem::between(0, 100),
        );
    }
    let vat = match input.vat_code.or(defaults.as_ref().map(|d| d.vat_code)) {
        Some(VatCode::Outside) if vat_registered => {
            p.add(format!("{field}.vat-code"), Problem::OnlyUnregisteredSeller);
            None
        }
        Some(c) => Some(c),
        None => {
            p.add(format!("{field}.vat-code"), Problem::Missing);
            None
        }
    };
    if p.0.len() > before {
        return None;
    }
    Some(Line {
        id,
        product_id: input.product_id.clone(),
        description,
        quantity: quantity?,
        unit,
        unit_price: unit_price?,
        discount_percent: discount?,
        vat: vat?,
        fixed_net: None,
        credits_line: None,
        by_amount: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(quantity: &str, price: &str) -> LineInput {
        LineInput {
            description: Some("Konsulenttimer".into()),
            quantity: quantity.into(),
            unit: Some("HUR".into()),
            unit_price: Some(price.into()),
            vat_code: Some(VatCode::High),
            ..Default::default()
        }
    }

    fn no_product(_: &str) -> Option<ProductDefaults> {
        None
    }

    /// One wrong field of a line at a time: the change is refused naming the field with its
    /// problem, and the draft is left exactly as it was.
    #[test]
    fn each_wrong_line_field_is_named_and_nothing_is_changed() {
        type Wrong = fn(&mut LineInput);
        let cases: [(Wrong, &str, Problem); 10] = [
            (
                |l| l.description = Some(" ".into()),
                "description",
                Problem::Missing,
            ),
            (
                |l| l.quantity = "tolv".into(),
                "quantity",
                Problem::not_a_number("tolv"),
            ),
            (|l| l.quantity = "0".into(), "quantity", Problem::Zero),
            (
                |l| l.quantity = "1.23456".into(),
                "quantity",
                Problem::TooManyDecimals(4),
            ),
            (
                |l| l.unit = Some("bananer".into()),
                "unit",
                Problem::unknown("bananer"),
            ),
            (|l| l.unit_price = None, "unit-price", Problem::Missing),
            (
                |l| l.unit_price = Some("-1".into()),
                "unit-price",
                Problem::Negative,
            ),
            (
                |l| l.discount_percent = Some("-5".into()),
                "discount-percent",
                Problem::between(0, 100),
            ),
            (|l| l.vat_code = None, "vat-code", Problem::Missing),
            (
                |l| l.product_id = Some("p-missing".into()),
                "product-id",
                Problem::unknown("p-missing"),
            ),
        ];
        for (wrong, field, problem) in cases {
            let mut line = hours("7.5", "1250");
            wrong(&mut line);
            // the test draft has one line (id 1): a new line is the second, at [1]
            let changes = [
                (Change::AddLines(vec![line.clone()]), 1),
                (Change::UpdateLine(1, line), 0),
            ];
            for (change, at) in changes {
                let mut d = crate::testdata::draft();
                let before = format!("{d:?}");
                let Err(Error::Invalid(named)) = apply(&mut d, change, true, &no_product) else {
                    panic!("{field} was taken");
                };
                let named: Vec<_> = named.into_iter().map(|e| (e.field, e.problem)).collect();
                assert_eq!(named, [(format!("lines[{at}].{field}"), problem.clone())]);
                assert_eq!(format!("{d:?}"), before, "{field}: the draft changed");
            }
        }
    }

    #[test]
    fn lines_are_added_updated_moved_and_removed_by_their_ids() {
        let mut d = crate::testdata::draft();
        let ok = |d: &mut Draft, c| apply(d, c, true, &no_product);
        ok(
            &mut d,
            Change::AddLines(vec![hours("2", "100"), hours("3", "100")]),
        )
        .unwrap();
        let ids = |d: &Draft| d.lines.iter().map(|l| l.id).collect::<Vec<_>>();
        assert_eq!(ids(&d), [1, 2, 3]);
        ok(&mut d, Change::MoveLine(3, 0)).unwrap();
        assert_eq!(ids(&d), [3, 1, 2]);
        ok(&mut d, Change::RemoveLine(1)).unwrap();
        assert_eq!(ids(&d), [3, 2]);
        // a removed line's id is never given again
        ok(&mut d, Change::AddLines(vec![hours("1", "100")])).unwrap();
        assert_eq!(ids(&d), [3, 2, 4]);
        ok(&mut d, Change::UpdateLine(2, hours("5", "100"))).unwrap();
        assert_eq!(d.lines[1].quantity, Decimal::from(5));
        let moved_too_far = ok(&mut d, Change::MoveLine(2, 3)).unwrap_err();
        assert!(matches!(moved_too_far, Error::Invalid(ref e) if e[0].field == "position"));
        let gone = [
            Change::RemoveLine(1),
            Change::MoveLine(1, 0),
            Change::UpdateLine(1, hours("1", "1")),
        ];
        for gone in gone {
            assert!(matches!(ok(&mut d, gone), Err(Error::NotFound(_))));
        }
        assert_eq!(ids(&d), [3, 2, 4], "refused changes changed nothing");
    }

    #[test]
    fn documented_limits_are_what_the_constants_say() {
        assert_eq!(MAX_QUANTITY.to_string(), "999999999.9999");
        assert_eq!(MAX_UNIT_PRICE.to_string(), "100000000000");
        assert_eq!(MAX_LINE_AMOUNT.to_string(), "1000000000000");
    }
}

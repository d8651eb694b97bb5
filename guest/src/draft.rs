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
    pub vat_code: Option<String>,
}

/// A product from the register, as a line's defaults.
#[derive(Clone, Debug)]
pub struct ProductDefaults {
    pub name: String,
    pub unit: String,
    pub unit_price: String,
    pub vat_code: String,
}

pub enum Change {
    References(References),
    Dates(Dates),
    Note(Option<String>),
    AddLines(Vec<LineInput>),
    UpdateLine(u32, LineInput),
    RemoveLine(u32),
    MoveLine(u32, u32),
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
    let vat = match pick(&input.vat_code, defaults.as_ref().map(|d| &d.vat_code)) {
        Some(code) => match VatCode::parse(&code) {
            Some(VatCode::Outside) if vat_registered => {
                p.add(format!("{field}.vat-code"), Problem::OnlyUnregisteredSeller);
                None
            }
            Some(c) => Some(c),
            None => {
                p.add(format!("{field}.vat-code"), Problem::unknown(&code));
                None
            }
        },
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

    #[test]
    fn documented_limits_are_what_the_constants_say() {
        assert_eq!(MAX_QUANTITY.to_string(), "999999999.9999");
        assert_eq!(MAX_UNIT_PRICE.to_string(), "100000000000");
        assert_eq!(MAX_LINE_AMOUNT.to_string(), "1000000000000");
    }
}

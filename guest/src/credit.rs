//! Credit notes: full or partial by line, quantity or amount, never more than is left to credit
//! on any line (norway.md §5).

use crate::calc::line_amounts;
use crate::draft::{MAX_QUANTITY, MAX_UNIT_PRICE};
use crate::error::{Error, Problems};
use crate::model::{Document, Line};
use crate::money;
use rust_decimal::Decimal;

/// A requested partial credit of one invoice line.
#[derive(Clone, Debug)]
pub struct Request {
    pub line_id: u32,
    pub quantity: Option<String>,
    pub amount: Option<String>,
}

/// What is left to credit on an invoice line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Left {
    pub quantity: Decimal,
    pub net: Decimal,
}

/// What is left on each invoice line after the earlier credit notes.
pub fn left(invoice: &Document, earlier: &[Document]) -> Vec<(u32, Left)> {
    invoice
        .lines
        .iter()
        .map(|l| {
            let mut left = Left {
                quantity: l.quantity,
                net: line_amounts(l).net,
            };
            for cl in earlier
                .iter()
                .flat_map(|c| &c.lines)
                .filter(|cl| cl.credits_line == Some(l.id))
            {
                if !cl.by_amount {
                    left.quantity -= cl.quantity;
                }
                left.net -= line_amounts(cl).net;
            }
            (l.id, left)
        })
        .collect()
}

/// The credit note's lines: every line with something left (`None`), or the requested ones.
pub fn lines(
    invoice: &Document,
    earlier: &[Document],
    requests: Option<&[Request]>,
) -> Result<Vec<Line>, Error> {
    let left = left(invoice, earlier);
    let find = |id: u32| {
        invoice
            .lines
            .iter()
            .zip(&left)
            .find(|(l, _)| l.id == id)
            .map(|(l, (_, left))| (l, *left))
    };
    let rest = |l: &Line, left: Left, id: u32| Line {
        id,
        quantity: left.quantity,
        fixed_net: Some(left.net),
        credits_line: Some(l.id),
        by_amount: false,
        ..l.clone()
    };
    let mut out = Vec::new();
    match requests {
        None => {
            for (l, (_, lf)) in invoice.lines.iter().zip(&left) {
                if !lf.net.is_zero() || !lf.quantity.is_zero() {
                    out.push(rest(l, *lf, out.len() as u32 + 1));
                }
            }
            if out.is_empty() {
                return Err(Error::NotAllowed(format!(
                    "invoice {} is already fully credited",
                    invoice.number
                )));
            }
        }
        Some(reqs) => {
            let mut p = Problems::default();
            if reqs.is_empty() {
                p.add(
                    "lines",
                    "name at least one line to credit, or credit the whole invoice",
                );
            }
            let mut seen = Vec::new();
            for (i, r) in reqs.iter().enumerate() {
                let field = format!("lines[{i}]");
                let Some((l, lf)) = find(r.line_id) else {
                    p.add(
                        format!("{field}.line-id"),
                        format!("invoice {} has no line {}", invoice.number, r.line_id),
                    );
                    continue;
                };
                if seen.contains(&r.line_id) {
                    p.add(format!("{field}.line-id"), "the same line twice");
                    continue;
                }
                seen.push(r.line_id);
                let id = out.len() as u32 + 1;
                match (&r.quantity, &r.amount) {
                    (Some(q), None) => match money::parse(q, 4, MAX_QUANTITY) {
                        Err(m) => p.add(format!("{field}.quantity"), m),
                        Ok(q) if q <= Decimal::ZERO || l.quantity <= Decimal::ZERO => p.add(
                            format!("{field}.quantity"),
                            "credit a positive quantity of a positive line",
                        ),
                        Ok(q) if q > lf.quantity => p.add(
                            format!("{field}.quantity"),
                            format!(
                                "only {} left to credit on line {}",
                                money::fmt_plain(lf.quantity),
                                l.id
                            ),
                        ),
                        Ok(q) if q == lf.quantity => out.push(rest(l, lf, id)),
                        Ok(q) => {
                            let line = Line {
                                id,
                                quantity: q,
                                fixed_net: None,
                                credits_line: Some(l.id),
                                by_amount: false,
                                ..l.clone()
                            };
                            if line_amounts(&line).net > lf.net {
                                p.add(
                                    format!("{field}.quantity"),
                                    format!(
                                        "only {} left to credit on line {}",
                                        money::fmt2(lf.net),
                                        l.id
                                    ),
                                );
                            } else {
                                out.push(line);
                            }
                        }
                    },
                    (None, Some(a)) => match money::parse(a, 2, MAX_UNIT_PRICE) {
                        Err(m) => p.add(format!("{field}.amount"), m),
                        Ok(a) if a <= Decimal::ZERO => {
                            p.add(format!("{field}.amount"), "must be positive")
                        }
                        Ok(a) if a > lf.net => p.add(
                            format!("{field}.amount"),
                            format!(
                                "only {} left to credit on line {}",
                                money::fmt2(lf.net),
                                l.id
                            ),
                        ),
                        Ok(a) => out.push(Line {
                            id,
                            quantity: Decimal::ONE,
                            unit_price: a,
                            discount_percent: Decimal::ZERO,
                            fixed_net: Some(a),
                            credits_line: Some(l.id),
                            by_amount: true,
                            description: format!("Kreditering: {}", l.description),
                            ..l.clone()
                        }),
                    },
                    _ => p.add(field, "give either a quantity or an amount"),
                }
            }
            p.into_result()?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::test_line;
    use crate::vat::VatCode;

    fn doc(lines: Vec<Line>) -> Document {
        crate::testdata::document(lines)
    }

    fn req(line_id: u32, q: &str) -> Request {
        Request {
            line_id,
            quantity: Some(q.into()),
            amount: None,
        }
    }

    #[test]
    fn partial_then_rest_never_drifts() {
        let inv = doc(vec![test_line(1, "3", "33.335", VatCode::High)]);
        let mut earlier = Vec::new();
        for _ in 0..2 {
            let mut cn = inv.clone();
            cn.lines = lines(&inv, &earlier, Some(&[req(1, "1")])).unwrap();
            earlier.push(cn);
        }
        let last = lines(&inv, &earlier, None).unwrap();
        let credited: Decimal = earlier
            .iter()
            .flat_map(|c| &c.lines)
            .chain(&last)
            .map(|l| line_amounts(l).net)
            .sum();
        assert_eq!(credited, line_amounts(&inv.lines[0]).net);
        let mut all = earlier.clone();
        all.push(Document {
            lines: last,
            ..inv.clone()
        });
        assert!(matches!(lines(&inv, &all, None), Err(Error::NotAllowed(_))));
    }

    #[test]
    fn over_credit_is_refused_naming_the_line() {
        let inv = doc(vec![test_line(1, "2", "100", VatCode::High)]);
        let Err(Error::Invalid(e)) = lines(&inv, &[], Some(&[req(1, "3")])) else {
            panic!()
        };
        assert_eq!(e[0].field, "lines[0].quantity");
        let Err(Error::Invalid(e)) = lines(
            &inv,
            &[],
            Some(&[Request {
                line_id: 1,
                quantity: None,
                amount: Some("200.01".into()),
            }]),
        ) else {
            panic!()
        };
        assert_eq!(e[0].field, "lines[0].amount");
    }
}

//! Properties over the public surfaces, with generated input: a customer as a register may hold
//! it (an organisation number written any way people write one, a name in any script the font
//! covers, a country by code or by name), a draft, "Fakturer og send", and any mix of credits by
//! quantity and by amount. Every document issued is valid (the component's gate, then
//! `tests/ehf_check.py` and the official rules where set up), every credit-note line reads true
//! (quantity × price − discount = amount), and what is credited never passes what was invoiced.
//!
//! `PROPERTY_CASES=500 cargo test --test properties -- --nocapture` is the long run.

mod common;
use common::*;
use host_harness::api::free_line;
use host_harness::bindings::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;
use std::str::FromStr;

/// A valid organisation number (9 digits, MOD11) and a way a person might type it.
fn orgnr() -> impl Strategy<Value = (String, String)> {
    (prop::collection::vec(0u32..10, 8), 0usize..5).prop_filter_map(
        "no check digit exists",
        |(d, style)| {
            let sum: u32 = d
                .iter()
                .zip([3, 2, 7, 6, 5, 4, 3, 2])
                .map(|(d, w)| d * w)
                .sum();
            let check = match sum % 11 {
                0 => 0,
                1 => return None,
                r => 11 - r,
            };
            let digits: String = d.iter().chain([&check]).map(|d| d.to_string()).collect();
            let (a, b, c) = (&digits[..3], &digits[3..6], &digits[6..]);
            let typed = match style {
                0 => digits.clone(),
                1 => format!("{a} {b} {c}"),
                2 => format!("NO {a} {b} {c} MVA"),
                3 => format!("no{digits}mva"),
                _ => format!("{a}.{b}.{c}"),
            };
            Some((typed, digits))
        },
    )
}

fn customer() -> impl Strategy<Value = (String, String, String, String)> {
    (
        orgnr(),
        "[A-Za-zÆØÅæøåÁČĐŊŠŦŽáčđŋšŧžŁłŚśİı0-9&.,'()/ -]{1,60}",
        prop::sample::select(vec!["NO", "no", "Norge", "Noreg", "SE", "Sverige", "DK"]),
    )
        .prop_filter("a name with a letter", |(_, n, _)| {
            n.chars().any(char::is_alphabetic)
        })
        .prop_map(|((typed, digits), name, country)| (typed, digits, name, country.to_owned()))
}

/// A line: quantity, unit price, discount %, VAT code.
fn line() -> impl Strategy<Value = (String, String, String, &'static str)> {
    (
        1u32..2000,
        1u32..500_000,
        prop::sample::select(vec![0u32, 0, 5, 10, 33, 50]),
        prop::sample::select(vec!["25", "15", "12", "zero"]),
    )
        .prop_map(|(q, p, d, v)| {
            (
                Decimal::new(q as i64, 2).normalize().to_string(),
                Decimal::new(p as i64, 2).to_string(),
                d.to_string(),
                v,
            )
        })
}

/// A credit step: a line (by index), by quantity or by amount, and how much (a fraction of the
/// line, sometimes more than is left).
fn step() -> impl Strategy<Value = (usize, bool, u32)> {
    (0usize..3, any::<bool>(), 1u32..130)
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A credit-note line reads true: gross = quantity × price (to øre), net = gross − discount,
/// and both within EN 16931's line tolerance of the exact product.
fn reads_true(l: &Line) {
    let exact =
        dec(&l.quantity) * dec(&l.unit_price) * (Decimal::ONE_HUNDRED - dec(&l.discount_percent))
            / Decimal::ONE_HUNDRED;
    let net = dec(&l.net_amount);
    assert!(
        (exact - net).abs() <= Decimal::new(2, 2),
        "the line reads {} × {} − {} % = {}",
        l.quantity,
        l.unit_price,
        l.discount_percent,
        l.net_amount
    );
    assert_eq!(dec(&l.gross_amount) - dec(&l.discount_amount), net);
}

#[test]
fn any_customer_any_lines_any_credits_give_valid_documents_that_read_true() {
    let mut env = Env::active();
    let cases = std::env::var("PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    // The runner takes an `Fn`: the store and the counts live in a cell across cases.
    let state = std::cell::RefCell::new((&mut env, 0u64, 0usize, 0usize));
    let strategy = (
        customer(),
        prop::collection::vec(line(), 1..4),
        prop::collection::vec(step(), 0..5),
    );
    runner
        .run(
            &strategy,
            |((typed, digits, name, country), lines, steps)| {
                let mut st = state.borrow_mut();
                let (env, n, documents, refused) = &mut *st;
                *n += 1;
                let n = *n;
                let id = format!("p-{n}");
                // Into the register as a person typed it, over the EHF customer's other data.
                host_harness::store::with_unit(env.host.store(), |u| {
                    let mut c = u.customer("fjord", "c-bygg")?.expect("c-bygg");
                    c.customer.id = id.clone();
                    c.customer.number = 7000 + n;
                    c.customer.name = name.clone();
                    c.customer.organisation_number = Some(typed.clone());
                    c.customer.address.country = Some(country.clone());
                    u.put_customer("fjord", &c)
                })
                .unwrap();
                let inputs: Vec<LineInput> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, (q, p, d, v))| LineInput {
                        discount_percent: Some(d.clone()),
                        ..free_line(&format!("Vare {i}"), q, p, v)
                    })
                    .collect();
                let draft = env.draft(&id, inputs);
                let inv = env
                    .host
                    .finalize("fjord", &draft.id, &format!("p-inv-{n}"))
                    .unwrap();
                *documents += 1;
                let ehf = ehf_of(env, &inv.id);
                assert!(
                    ehf.contains(&format!(">{digits}</cbc:EndpointID>")),
                    "{ehf}"
                );
                for (k, (line, by_quantity, percent)) in steps.iter().enumerate() {
                    let Some(l) = inv.lines.get(line % inv.lines.len()) else {
                        continue;
                    };
                    let request = if *by_quantity {
                        let q = (dec(&l.quantity) * Decimal::from(*percent) / Decimal::ONE_HUNDRED)
                            .round_dp(2);
                        CreditLine {
                            line_id: l.id,
                            quantity: Some(q.to_string()),
                            amount: None,
                        }
                    } else {
                        let a = (dec(&l.net_amount) * Decimal::from(*percent)
                            / Decimal::ONE_HUNDRED)
                            .round_dp(2);
                        CreditLine {
                            line_id: l.id,
                            quantity: None,
                            amount: Some(a.to_string()),
                        }
                    };
                    let before = env.host.credit_left("fjord", &inv.id).unwrap();
                    match env.host.credit(
                        "fjord",
                        &inv.id,
                        Some(&[request]),
                        "Delvis",
                        &format!("p-cn-{n}-{k}"),
                    ) {
                        Ok(cn) => {
                            *documents += 1;
                            cn.lines.iter().for_each(reads_true);
                            let after = env.host.credit_left("fjord", &inv.id).unwrap();
                            assert_eq!(
                                dec(&before.payable_left) - dec(&cn.totals.payable),
                                dec(&after.payable_left),
                                "what is left falls by what was credited"
                            );
                        }
                        Err(e) => {
                            *refused += 1;
                            assert_eq!(e.kind(), "invalid", "{e}");
                        }
                    }
                }
                // The rest, in one note: it too reads true, and the invoice nets to zero.
                if let Ok(cn) =
                    env.host
                        .credit("fjord", &inv.id, None, "Resten", &format!("p-rest-{n}"))
                {
                    *documents += 1;
                    cn.lines.iter().for_each(reads_true);
                }
                let left = env.host.credit_left("fjord", &inv.id).unwrap();
                assert_eq!(left.payable_left, "0.00");
                Ok(())
            },
        )
        .unwrap();
    let (_, _, documents, refused) = state.into_inner();
    // The books balance per account, whatever was credited how.
    assert_eq!(env.count("SELECT count(*) FROM (SELECT account FROM journal GROUP BY account HAVING sum(debit_ore) != sum(credit_ore)) x"), 0);
    // Every document issued stored its EHF (every customer here has a Peppol address).
    let ehfs = stored_ehfs(&env, "fjord");
    assert_eq!(ehfs.len(), documents);
    eprintln!("{cases} cases: {documents} documents issued, {refused} credits refused as too much");
    all_valid("property", &ehfs);
}

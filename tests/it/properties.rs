//! Properties over the public surfaces, with generated input: a customer as a register may hold
//! it (an organisation number written any way people write one, a name in any script the font
//! covers, a country by code or by name), a draft, "Fakturer og send", and any mix of credits by
//! quantity and by amount. Every document issued is valid (the component's gate, then
//! `tests/ehf_check.py` and the official rules where set up), every credit-note line reads true
//! (quantity × price − discount = amount), and what is credited never passes what was invoiced.
//!
//! `PROPERTY_CASES=500 cargo test --test it properties:: -- --nocapture` is the long run.

use crate::common;
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
fn line() -> impl Strategy<Value = (String, String, String, VatCode)> {
    (
        1u32..2000,
        1u32..500_000,
        prop::sample::select(vec![0u32, 0, 5, 10, 33, 50]),
        prop::sample::select(vec![
            VatCode::Standard,
            VatCode::Medium,
            VatCode::Low,
            VatCode::ZeroRated,
        ]),
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

/// `PROPERTY_CASES` cases (24 by default), nothing persisted between runs.
fn runner() -> (u32, TestRunner) {
    let cases = std::env::var("PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    (cases, TestRunner::new(config))
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
    let (cases, mut runner) = runner();
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
                        ..free_line(&format!("Vare {i}"), q, p, *v)
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
    assert_eq!(env.open_accounts().len() as i64, 0);
    // Every document issued stored its EHF (every customer here has a Peppol address).
    let ehfs = stored_ehfs(&env, "fjord");
    assert_eq!(ehfs.len(), documents);
    eprintln!("{cases} cases: {documents} documents issued, {refused} credits refused as too much");
    all_valid("property", &ehfs);
}

/// One thing that happens to money: (what, invoice, percent, variant).
fn money_step() -> impl Strategy<Value = (u8, usize, u32, bool)> {
    (0u8..7, 0usize..3, 1u32..160, any::<bool>())
}

/// Random invoices, then payments (by KID from a bank file, or by hand), credits, reversals,
/// payments nobody can match and their allocation, refunds and repeated files, in any order:
/// the books balance; what is open per customer equals the customer's 1500 balance; suspense
/// holds exactly what waits; the bank account moved by exactly what was registered (nothing
/// posted twice); and an open amount is below zero only as a credit balance.
#[test]
fn any_mix_of_payments_credits_refunds_and_allocations_keeps_the_books_true() {
    let mut env = Env::active();
    let (cases, mut runner) = runner();
    let state = std::cell::RefCell::new((&mut env, 0u64, 0usize));
    let strategy = (
        prop::collection::vec(1u32..900_000, 3),
        prop::collection::vec(money_step(), 1..16),
    );
    runner
        .run(&strategy, |(prices, steps)| {
            let mut st = state.borrow_mut();
            let (env, n, registered) = &mut *st;
            *n += 1;
            let n = *n;
            // Two customers of this case's own, so their balances are this case's alone.
            let customers = [format!("q-{n}-a"), format!("q-{n}-b")];
            for (k, id) in customers.iter().enumerate() {
                host_harness::store::with_unit(env.host.store(), |u| {
                    let mut c = u.customer("fjord", "c-kari")?.expect("c-kari");
                    c.customer.id = id.clone();
                    c.customer.number = 2000 + n * 2 + k as u64;
                    u.put_customer("fjord", &c)
                })
                .unwrap();
            }
            let invoices: Vec<IssuedDocument> = prices
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let price = Decimal::new(*p as i64, 2).to_string();
                    let d = env.draft(
                        &customers[i % 2],
                        vec![free_line("Tjeneste", "1", &price, VatCode::Standard)],
                    );
                    env.host
                        .finalize("fjord", &d.id, &format!("m-{n}-{i}"))
                        .unwrap()
                })
                .collect();
            let part = |open: Decimal, percent: u32| {
                (open.abs().max(Decimal::ONE) * Decimal::from(percent) / Decimal::ONE_HUNDRED)
                    .round_dp(2)
            };
            let statement = |payments: Vec<BankPayment>| BankStatement {
                account: "86011117947".into(),
                currency: "NOK".into(),
                payments,
            };
            let bank = |reference: String, kid: Option<String>, amount: Decimal| BankPayment {
                bank_reference: reference,
                kid,
                amount: amount.to_string(),
                date: TODAY.into(),
                payer: None,
                text: None,
            };
            let mut last_file: Option<BankStatement> = None;
            for (k, (what, i, percent, by_hand)) in steps.iter().enumerate() {
                let inv = &invoices[*i];
                let open = dec(&env.host.item("fjord", &inv.id).unwrap().open);
                let amount = part(open, *percent);
                let reference = format!("{n}-{k}");
                match what {
                    0 | 1 if *by_hand => {
                        let r = env
                            .host
                            .register_payment(
                                "fjord",
                                &PaymentInput {
                                    invoice_id: Some(inv.id.clone()),
                                    kid: None,
                                    amount: amount.to_string(),
                                    date: TODAY.into(),
                                    payer: None,
                                    bank_reference: None,
                                    idempotency_key: reference,
                                    nok_amount: None,
                                },
                            )
                            .unwrap();
                        assert_ne!(r.outcome, PaymentOutcome::Duplicate);
                    }
                    0 | 1 => {
                        let file = statement(vec![bank(reference, inv.kid.clone(), amount)]);
                        env.host.import_statement("fjord", &file).unwrap();
                        last_file = Some(file);
                    }
                    2 => {
                        // Money nobody can match: it waits in suspense.
                        let file = statement(vec![bank(reference, None, amount)]);
                        env.host.import_statement("fjord", &file).unwrap();
                    }
                    3 => {
                        let waiting = env
                            .host
                            .payments(
                                "fjord",
                                &PaymentFilter {
                                    unmatched_only: true,
                                    invoice_id: None,
                                    limit: Some(1),
                                    offset: None,
                                },
                            )
                            .unwrap();
                        if let Some(p) = waiting.first() {
                            env.host.allocate("fjord", &p.id, &inv.id).unwrap();
                        }
                    }
                    4 => {
                        // A refund of (part of) a credit balance; refused where there is none.
                        let r = env.host.refund(
                            "fjord",
                            &inv.id,
                            &amount.to_string(),
                            TODAY,
                            &reference,
                        );
                        assert_eq!(r.is_ok(), open < Decimal::ZERO && amount <= -open, "{r:?}");
                    }
                    5 => {
                        // The bank takes a payment back, or a credit note credits what is left.
                        if *by_hand {
                            let file = statement(vec![bank(reference, inv.kid.clone(), -amount)]);
                            let r = env.host.import_statement("fjord", &file).unwrap();
                            assert_eq!(r[0].outcome, PaymentOutcome::Reversal);
                        } else {
                            let _ =
                                env.host
                                    .credit("fjord", &inv.id, None, "Kreditert", &reference);
                        }
                    }
                    _ => {
                        // The last file again: every payment in it a duplicate.
                        if let Some(file) = &last_file {
                            let r = env.host.import_statement("fjord", file).unwrap();
                            assert!(r.iter().all(|r| r.outcome == PaymentOutcome::Duplicate));
                        }
                    }
                }
            }
            for inv in &invoices {
                let item = env.host.item("fjord", &inv.id).unwrap();
                let open = dec(&item.open);
                assert_eq!(
                    open,
                    dec(&item.payable) - dec(&item.credited) - dec(&item.paid)
                );
                assert_eq!(
                    open < Decimal::ZERO,
                    item.state == ItemState::Overpaid,
                    "{item:?}"
                );
            }
            let ledger =
                host_harness::reports::customer_balances(env.host.store(), "fjord").unwrap();
            for c in &customers {
                let open: Decimal = invoices
                    .iter()
                    .filter(|i| &i.customer.id == c)
                    .map(|i| dec(&env.host.item("fjord", &i.id).unwrap().open))
                    .sum();
                let on_1500 = ledger
                    .iter()
                    .find(|(id, _)| id == c)
                    .map_or(Decimal::ZERO, |(_, b)| dec(b));
                assert_eq!(open, on_1500, "{c}: open items = 1500");
            }
            *registered += steps.len();
            Ok(())
        })
        .unwrap();
    let (_, _, steps) = state.into_inner();
    // Whole-store checks: the bank moved by what was registered; suspense holds what waits;
    // the books balance.
    let bank = env.count("SELECT coalesce(CAST(sum(debit_ore) - sum(credit_ore) AS BIGINT), 0) FROM payment_journal WHERE account = 1920");
    let paid = env.count("SELECT coalesce(CAST(sum(amount_ore) AS BIGINT), 0) FROM payments");
    assert_eq!(
        bank, paid,
        "the bank account moved by exactly what was registered"
    );
    let suspense = env.count("SELECT coalesce(CAST(sum(credit_ore) - sum(debit_ore) AS BIGINT), 0) FROM payment_journal WHERE account = 2999");
    let waiting = env.count("SELECT coalesce(CAST(sum(amount_ore) AS BIGINT), 0) FROM payments WHERE invoice_id IS NULL");
    assert_eq!(suspense, waiting, "suspense holds what waits");
    let trial = host_harness::reports::trial_balance(env.host.store(), "fjord").unwrap();
    let (d, c): (Decimal, Decimal) = trial
        .iter()
        .fold((Decimal::ZERO, Decimal::ZERO), |(d, c), t| {
            (d + dec(&t.debit), c + dec(&t.credit))
        });
    assert_eq!(d, c, "the trial balance balances");
    eprintln!("{cases} cases, {steps} steps with money");
}

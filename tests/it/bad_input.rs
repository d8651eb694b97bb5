//! Every bad input gets a typed error naming the field, and never a trap.

use crate::common;
use common::*;
use host_harness::api::{free_line, product_line};
use host_harness::bindings::*;
use host_harness::CallError;

fn add(env: &mut Env, lines: Vec<LineInput>) -> CallError {
    let d = env.host.create_draft("fjord", "c-bygg").unwrap();
    env.change(&d, DraftChange::AddLines(lines)).unwrap_err()
}

fn assert_invalid(e: CallError, field: &str) {
    assert_eq!(e.kind(), "invalid", "{e}");
    assert!(
        e.fields().iter().any(|f| f == field),
        "{field} not named: {e}"
    );
}

fn line_fields_are_checked_one_by_one() {
    let mut env = Env::active();
    assert_invalid(
        add(
            &mut env,
            vec![free_line("Vare", "tre", "10", VatCode::Standard)],
        ),
        "lines[0].quantity",
    );
    assert_invalid(
        add(
            &mut env,
            vec![free_line("Vare", "1", "-10", VatCode::Standard)],
        ),
        "lines[0].unit-price",
    );
    assert_invalid(
        add(
            &mut env,
            vec![free_line(
                "Vare",
                "1",
                "123456789012345678901234567890",
                VatCode::Standard,
            )],
        ),
        "lines[0].unit-price",
    );
    assert_invalid(
        add(
            &mut env,
            vec![free_line("Vare", "1", "1.23456", VatCode::Standard)],
        ),
        "lines[0].unit-price",
    );
    assert_invalid(
        add(
            &mut env,
            vec![LineInput {
                vat_code: None,
                ..free_line("Vare", "1", "10", VatCode::Standard)
            }],
        ),
        "lines[0].vat-code",
    );
    assert_invalid(
        add(
            &mut env,
            vec![free_line("Vare", "1", "10", VatCode::Outside)],
        ),
        "lines[0].vat-code",
    );
    assert_invalid(
        add(
            &mut env,
            vec![free_line(&"x".repeat(501), "1", "10", VatCode::Standard)],
        ),
        "lines[0].description",
    );
    assert_invalid(
        add(&mut env, vec![free_line("", "1", "10", VatCode::Standard)]),
        "lines[0].description",
    );
    assert_invalid(
        add(
            &mut env,
            vec![LineInput {
                discount_percent: Some("101".into()),
                ..free_line("Vare", "1", "10", VatCode::Standard)
            }],
        ),
        "lines[0].discount-percent",
    );
    assert_invalid(
        add(
            &mut env,
            vec![LineInput {
                unit: Some("box of 12".into()),
                ..free_line("Vare", "1", "10", VatCode::Standard)
            }],
        ),
        "lines[0].unit",
    );
    assert_invalid(
        add(&mut env, vec![product_line("p-finnes-ikke", "1")]),
        "lines[0].product-id",
    );
    // Several problems at once are all named.
    let e = add(
        &mut env,
        vec![
            free_line("Ok", "1", "1", VatCode::Standard),
            LineInput {
                vat_code: None,
                ..free_line("Vare", "x", "-1", VatCode::Standard)
            },
        ],
    );
    assert_eq!(
        e.fields(),
        [
            "lines[1].quantity",
            "lines[1].unit-price",
            "lines[1].vat-code"
        ]
    );
    assert_eq!(
        env.count("SELECT count(*) FROM drafts WHERE body LIKE '%\"Ok\"%'"),
        0,
        "nothing half-applied"
    );
}

fn the_documented_line_limit_is_enforced_past_2000() {
    let mut env = Env::active();
    let d = env.host.create_draft("fjord", "c-bygg").unwrap();
    let lines = |n: usize| {
        (0..n)
            .map(|i| free_line(&format!("Linje {i}"), "1", "1.00", VatCode::Standard))
            .collect::<Vec<_>>()
    };
    let d = env.change(&d, DraftChange::AddLines(lines(3000))).unwrap();
    assert_eq!(d.lines.len(), 3000);
    let e = env
        .change(&d, DraftChange::AddLines(lines(2001)))
        .expect_err("5 001 lines are refused");
    assert_invalid(e, "lines");
    let d = env.change(&d, DraftChange::AddLines(lines(2000))).unwrap();
    assert_eq!(
        d.lines.len(),
        5000,
        "exactly the documented limit is allowed"
    );
}

fn an_invoice_with_a_negative_total_is_refused() {
    let mut env = Env::active();
    let d = env.draft(
        "c-bygg",
        vec![
            free_line("Retur", "-3", "100", VatCode::Standard),
            free_line("Vare", "1", "100", VatCode::Standard),
        ],
    );
    assert_invalid(
        env.host.finalize("fjord", &d.id, "k").unwrap_err(),
        "totals.payable",
    );
    assert_eq!(env.documents(), 0);
}

fn unknown_customers_drafts_and_dates_are_named() {
    let mut env = Env::active();
    assert_eq!(
        env.host
            .create_draft("fjord", "c-ukjent")
            .unwrap_err()
            .kind(),
        "not-found"
    );
    assert_eq!(
        env.host
            .finalize("fjord", "draft-999", "k")
            .unwrap_err()
            .kind(),
        "not-found"
    );
    assert_eq!(
        env.host
            .open("fjord", "'; DROP TABLE documents; --")
            .unwrap_err()
            .kind(),
        "not-found"
    );
    let d = env.host.create_draft("fjord", "c-bygg").unwrap();
    let e = env
        .host
        .update_draft(
            "fjord",
            &d.id,
            1,
            &DraftChange::SetDates(Dates {
                issue_date: Some("2026-02-30".into()),
                delivery_date: None,
                due_date: Some("i morgen".into()),
                payment_terms_days: Some(9999),
            }),
        )
        .unwrap_err();
    assert_eq!(e.fields(), ["dates.issue-date", "dates.due-date"]);
    let e = env
        .host
        .update_draft(
            "fjord",
            &d.id,
            1,
            &DraftChange::SetDates(Dates {
                issue_date: None,
                delivery_date: None,
                due_date: None,
                payment_terms_days: Some(9999),
            }),
        )
        .unwrap_err();
    assert_invalid(e, "dates.payment-terms-days");
    let e = env
        .host
        .update_draft(
            "fjord",
            &d.id,
            1,
            &DraftChange::SetReferences(References {
                buyer_reference: Some("a\u{0}b".into()),
                our_reference: None,
                order_reference: None,
            }),
        )
        .unwrap_err();
    assert_invalid(e, "references.buyer-reference");
    assert_eq!(
        env.host
            .update_draft("fjord", &d.id, 1, &DraftChange::RemoveLine(7))
            .unwrap_err()
            .kind(),
        "not-found"
    );
}

fn a_due_date_that_has_passed_by_the_issue_date_is_refused_at_finalize() {
    let mut env = Env::active();
    let d = env.draft("c-bygg", worked_example());
    let dates = Dates {
        issue_date: None,
        delivery_date: None,
        due_date: Some("2026-11-01".into()),
        payment_terms_days: None,
    };
    let d = env.change(&d, DraftChange::SetDates(dates)).unwrap();
    assert_invalid(
        env.host.finalize("fjord", &d.id, "k").unwrap_err(),
        "dates.due-date",
    );
    assert_eq!(env.documents(), 0);
}

crate::on_both_stores!(
    line_fields_are_checked_one_by_one,
    the_documented_line_limit_is_enforced_past_2000,
    an_invoice_with_a_negative_total_is_refused,
    unknown_customers_drafts_and_dates_are_named,
    a_due_date_that_has_passed_by_the_issue_date_is_refused_at_finalize,
);

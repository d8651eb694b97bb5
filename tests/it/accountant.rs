//! An accountant's classes of defect, each through the real component: credits that net to
//! zero, EHF that is valid for every line shape, idempotency keys bound to their request,
//! numbers that ascend with dates, KIDs and the payment channels, documented limits end to end,
//! the VAT code actually applied, and one discount rounding rule everywhere.

use crate::common;
use common::*;
use host_harness::api::free_line;
use host_harness::bindings::*;
use host_harness::reports;

fn balance(env: &Env, account: u32) -> String {
    reports::trial_balance(env.host.store(), "fjord")
        .unwrap()
        .into_iter()
        .find(|b| b.account == account)
        .map_or("0.00".into(), |b| b.balance)
}

fn credit(
    env: &mut Env,
    inv: &IssuedDocument,
    lines: Option<Vec<CreditLine>>,
    key: &str,
) -> IssuedDocument {
    env.host
        .credit("fjord", &inv.id, lines.as_deref(), "Feil antall", key)
        .unwrap()
}

fn by_quantity(line_id: u32, q: &str) -> CreditLine {
    CreditLine {
        line_id,
        quantity: Some(q.into()),
        amount: None,
    }
}

fn field_of(e: &host_harness::CallError) -> Vec<String> {
    e.fields()
}

fn partial_credits_then_the_rest_net_every_account_to_zero() {
    let mut env = Env::active();
    // Each line's VAT rounds differently on a third of its base than on the whole.
    let inv = env.invoice(
        "c-bygg",
        vec![
            free_line("Timer", "3", "33.335", VatCode::Standard),
            free_line("Kaffe", "3", "0.99", VatCode::Medium),
            free_line("Reise", "7", "1.07", VatCode::Low),
        ],
    );
    for (i, line) in [1, 2, 3].iter().enumerate() {
        credit(
            &mut env,
            &inv,
            Some(vec![by_quantity(*line, "1")]),
            &format!("a{i}"),
        );
        credit(
            &mut env,
            &inv,
            Some(vec![by_quantity(*line, "1")]),
            &format!("b{i}"),
        );
    }
    credit(&mut env, &inv, None, "rest");
    for account in [1500, 2700, 2701, 2703, 3000, 3030, 3050] {
        assert_eq!(balance(&env, account), "0.00", "account {account}");
    }
    assert_eq!(
        env.host.open("fjord", &inv.id).unwrap().status,
        DocumentStatus::Credited
    );
}

fn every_line_shape_gives_a_valid_ehf_and_unknown_units_are_refused_at_input() {
    let mut env = Env::active();
    let mut lines = vec![free_line("Salg", "10", "500", VatCode::Standard)];
    for (q, price, discount) in [
        ("-1", "100", None),
        ("-1", "100", Some("10")),
        ("2", "100", Some("100")),
        ("3", "0", None),
        ("-2", "50", Some("100")),
    ] {
        let mut l = free_line("Vare", q, price, VatCode::Standard);
        l.discount_percent = discount.map(Into::into);
        lines.push(l);
    }
    let inv = env.invoice("c-bygg", lines);
    let cn = credit(&mut env, &inv, None, "all");
    all_valid("accountant", &[ehf_of(&env, &inv.id), ehf_of(&env, &cn.id)]);

    let d = env.host.create_draft("fjord", "c-bygg").unwrap();
    let mut l = free_line("Timer", "1", "100", VatCode::Standard);
    l.unit = Some("TIM".into());
    let e = env.change(&d, DraftChange::AddLines(vec![l])).unwrap_err();
    assert_eq!(field_of(&e), ["lines[0].unit"]);
}

fn an_idempotency_key_is_bound_to_its_request() {
    let mut env = Env::active();
    let a = env.draft("c-bygg", worked_example());
    let b = env.draft("c-bygg", worked_example());
    let inv = env.host.finalize("fjord", &a.id, "key-1").unwrap();
    // The same request again: the same invoice, nothing more.
    assert_eq!(
        env.host.finalize("fjord", &a.id, "key-1").unwrap().id,
        inv.id
    );
    // Another draft with the used key: refused, and B stays a draft.
    let e = env.host.finalize("fjord", &b.id, "key-1").unwrap_err();
    assert_eq!(
        (e.kind(), field_of(&e)),
        ("invalid", vec!["idempotency-key".to_owned()])
    );
    assert!(env.host.get_draft("fjord", &b.id).is_ok());
    // A key is one line: a line break in it is refused, as any control character.
    let e = env.host.finalize("fjord", &b.id, "key-\n2").unwrap_err();
    let host_harness::CallError::Component(Error::Invalid(f)) = &e else {
        panic!("{e:?}");
    };
    assert_eq!(f[0].field, "idempotency-key");
    assert!(
        matches!(&f[0].problem, FieldProblem::BadCharacter(c) if c == "U+000A"),
        "{:?}",
        f[0].problem
    );
    // A credit with the invoice's key: refused, not answered with the invoice.
    let e = env
        .host
        .credit("fjord", &inv.id, None, "Feil", "key-1")
        .unwrap_err();
    assert_eq!(field_of(&e), ["idempotency-key"]);
    let lines = vec![by_quantity(1, "1")];
    let cn = credit(&mut env, &inv, Some(lines.clone()), "c-1");
    assert_eq!(
        credit(&mut env, &inv, Some(lines), "c-1").id,
        cn.id,
        "same credit, same note"
    );
    let e = env
        .host
        .credit(
            "fjord",
            &inv.id,
            Some(&[by_quantity(1, "2")]),
            "Feil antall",
            "c-1",
        )
        .unwrap_err();
    assert_eq!(field_of(&e), ["idempotency-key"], "other lines, same key");
}

fn numbers_ascend_with_dates_within_a_series() {
    let mut env = Env::active();
    // Dated back while nothing later was issued: fine when set.
    let d = env.draft("c-bygg", worked_example());
    let d = env.change(&d, issue_dated("2026-01-01")).unwrap();
    // Then an invoice is issued today: the back-dated draft can no longer take the next number.
    env.invoice("c-bygg", worked_example());
    let e = env.host.finalize("fjord", &d.id, "k").unwrap_err();
    assert_eq!(field_of(&e), ["dates.issue-date"]);
    // And setting such a date now is refused at once, not first at "Fakturer og send".
    let e = env.change(&d, issue_dated("2026-01-02")).unwrap_err();
    assert_eq!(field_of(&e), ["dates.issue-date"]);
    // Nothing was used: the next invoice takes the next number.
    let d2 = env.draft("c-bygg", worked_example());
    assert_eq!(
        env.host.finalize("fjord", &d2.id, "k2").unwrap().number,
        10002
    );
    let d3 = env.host.create_draft("fjord", "c-bygg").unwrap();
    for bad in ["26-11-28", "0000-01-01", "-2026-01-01", "1999-12-31"] {
        let e = env.change(&d3, issue_dated(bad)).unwrap_err();
        assert_eq!(field_of(&e), ["dates.issue-date"], "{bad}");
    }
}

fn kids_and_the_payment_channels() {
    let mut env = Env::active();
    // No customer digits: the KID is the invoice number with its check digit.
    edit_settings(&env, "fjord", |s| s.kid_customer_digits = None);
    let inv = env.invoice("c-ola", worked_example());
    assert_eq!(inv.kid.as_deref().map(str::len), Some(10));
    assert_eq!(
        &inv.kid.as_deref().unwrap()[..9],
        format!("{:09}", inv.number)
    );
    assert_eq!(inv.deliveries[0].channel, Channel::Avtalegiro);
    // MOD11: a KID ending in '-' never goes into a claim; the next channel takes it.
    edit_settings(&env, "fjord", |s| {
        s.kid_algorithm = Some(KidAlgorithm::Mod11)
    });
    let mut dashes = 0;
    for _ in 0..12 {
        let inv = env.invoice("c-ola", worked_example());
        let kid = inv.kid.clone().unwrap();
        let ch = inv.deliveries[0].channel;
        if kid.ends_with('-') {
            dashes += 1;
            assert_ne!(ch, Channel::Avtalegiro, "{kid}");
            assert!(
                inv.deliveries[0].reason.contains("e-mail")
                    || inv.deliveries[0].reason.contains("print")
            );
        } else {
            assert_eq!(ch, Channel::Avtalegiro, "{kid}");
        }
    }
    assert!(dashes > 0, "one in eleven KIDs ends in '-'");
    // Nothing to pay: no claim and no payment request.
    let zero = env.invoice(
        "c-ola",
        vec![free_line("Gratis", "1", "0", VatCode::Standard)],
    );
    assert_ne!(zero.deliveries[0].channel, Channel::Avtalegiro);
    let zero = env.invoice(
        "c-kari",
        vec![free_line("Gratis", "1", "0", VatCode::Standard)],
    );
    assert_ne!(zero.deliveries[0].channel, Channel::Efaktura);
}

fn documented_limits_hold_end_to_end() {
    let mut env = Env::active();
    let at = |q: &str, p: &str| free_line("Grense", q, p, VatCode::Standard);
    // At each limit: issued. (A line may be at most 10¹² NOK.)
    let inv = env.invoice(
        "c-bygg",
        vec![
            at("999999999.9999", "1000"),
            at("10", "100000000000"),
            at("-0.0001", "0.0001"),
        ],
    );
    assert_eq!(inv.totals.net, "1999999999999.90");
    // Past each: refused, naming the field.
    let d = env.host.create_draft("fjord", "c-bygg").unwrap();
    for (line, field) in [
        (at("1000000000", "1"), "lines[0].quantity"),
        (at("1", "100000000000.0001"), "lines[0].unit-price"),
        (at("999999999.9999", "100000000000"), "lines[0].quantity"),
        (at("1.00001", "1"), "lines[0].quantity"),
    ] {
        let e = env
            .change(&d, DraftChange::AddLines(vec![line]))
            .unwrap_err();
        assert_eq!(
            (e.kind(), field_of(&e)),
            ("invalid", vec![field.to_owned()])
        );
    }
}

fn a_seller_outside_vat_reports_the_code_it_applied() {
    let mut env = Env::new();
    env.host.activate("nordlys").unwrap();
    let d = env.host.create_draft("nordlys", "n-kafe").unwrap();
    let d = env
        .host
        .update_draft(
            "nordlys",
            &d.id,
            d.version,
            &DraftChange::AddLines(vec![free_line("Logo", "1", "1000", VatCode::Standard)]),
        )
        .unwrap();
    assert_eq!(d.lines[0].vat_code, VatCode::Outside);
    assert_eq!(d.totals.vat, "0.00");
    let doc = env.host.finalize("nordlys", &d.id, "k").unwrap();
    assert_eq!(doc.lines[0].vat_code, VatCode::Outside);
}

fn one_discount_rounding_rule_in_draft_document_ehf_and_voucher() {
    let mut env = Env::active();
    let mut l = free_line("Skrue", "1", "0.125", VatCode::Standard);
    l.discount_percent = Some("10".into());
    let d = env.draft("c-bygg", vec![l]);
    // gross 0.125 → 0.13; discount 10 % of 0.13 = 0.013 → 0.01; net 0.12 (fixtures/README.md).
    assert_eq!(
        (
            d.lines[0].gross_amount.as_str(),
            d.lines[0].discount_amount.as_str(),
            d.lines[0].net_amount.as_str()
        ),
        ("0.13", "0.01", "0.12")
    );
    let inv = env.host.finalize("fjord", &d.id, "k").unwrap();
    assert_eq!(inv.lines[0].net_amount, "0.12");
    let revenue = inv
        .voucher
        .postings
        .iter()
        .find(|p| p.account == 3000)
        .unwrap();
    assert_eq!(revenue.credit, "0.12");
    let xml = ehf_of(&env, &inv.id);
    assert!(xml.contains("<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode=\"EA\">1</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID=\"NOK\">0.12</cbc:LineExtensionAmount>"));
}

crate::on_both_stores!(
    partial_credits_then_the_rest_net_every_account_to_zero,
    every_line_shape_gives_a_valid_ehf_and_unknown_units_are_refused_at_input,
    an_idempotency_key_is_bound_to_its_request,
    numbers_ascend_with_dates_within_a_series,
    kids_and_the_payment_channels,
    documented_limits_hold_end_to_end,
    a_seller_outside_vat_reports_the_code_it_applied,
    one_discount_rounding_rule_in_draft_document_ehf_and_voucher,
);

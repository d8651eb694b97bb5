//! The whole life of an invoice through the real component in wasmtime.

use crate::common;
use common::*;
use host_harness::api::{free_line, product_line};
use host_harness::bindings::*;

fn activation_names_every_missing_setting_then_succeeds() {
    let mut env = Env::new();
    let err = env.host.activate("halvferdig").unwrap_err();
    assert_eq!(err.kind(), "missing-settings");
    let fields = err.fields();
    for f in [
        "organisation-number",
        "address.street",
        "bank-account",
        "bic",
        "vat-registered",
        "foretaksregisteret",
        "template",
        "channels",
        "invoice-start-number",
        "payment-terms-days",
        "kid-length",
        "kid-algorithm",
    ] {
        assert!(
            fields.contains(&f.to_string()),
            "{f} missing from {fields:?}"
        );
    }
    assert_eq!(
        env.host.create_draft("halvferdig", "x").unwrap_err().kind(),
        "not-active"
    );
    env.host.activate("fjord").unwrap();
    assert!(host_harness::store::with_unit(env.host.store(), |u| u.is_active("fjord")).unwrap());
}

fn a_draft_is_saved_at_once_and_every_change_bumps_its_version() {
    let mut env = Env::active();
    let d = env.host.create_draft("fjord", "c-bygg").unwrap();
    assert_eq!((d.version, d.lines.len()), (1, 0));
    assert_eq!(env.drafts(), 1);
    let d = env
        .host
        .update_draft(
            "fjord",
            &d.id,
            1,
            &DraftChange::AddLines(vec![
                product_line("p-konsulent", "2"),
                free_line("Reise", "1", "100", VatCode::Low),
            ]),
        )
        .unwrap();
    assert_eq!(d.version, 2);
    assert_eq!(d.lines[0].description, "Konsulenttime regnskap");
    assert_eq!(d.lines[0].unit, "HUR");
    assert_eq!(d.totals.payable, "3237.00");
    let d = env
        .host
        .update_draft(
            "fjord",
            &d.id,
            2,
            &DraftChange::MoveLine(LineMove { id: 2, to: 0 }),
        )
        .unwrap();
    assert_eq!(d.lines[0].id, 2);
    // Someone else saved version 3; a change made against version 2 is a conflict.
    let err = env
        .host
        .update_draft(
            "fjord",
            &d.id,
            2,
            &DraftChange::SetNote(Some("stale".into())),
        )
        .unwrap_err();
    assert!(
        matches!(err, host_harness::CallError::Component(Error::Conflict(3))),
        "{err}"
    );
    let reread = env.host.get_draft("fjord", &d.id).unwrap();
    assert_eq!((reread.version, reread.note), (3, None));
    env.host.delete_draft("fjord", &d.id).unwrap();
    assert_eq!(
        env.host.get_draft("fjord", &d.id).unwrap_err().kind(),
        "not-found"
    );
}

fn finalize_numbers_posts_and_queues_the_invoice() {
    let mut env = Env::active();
    let inv = env.invoice("c-bygg", worked_example());
    assert_eq!(inv.number, 10001);
    assert_eq!(inv.totals.payable, "13649.54");
    assert_eq!(inv.kid.as_deref(), Some("1001100013"));
    assert_eq!(inv.issue_date, TODAY);
    assert_eq!(inv.due_date, "2026-12-12");
    let v: Vec<(u32, &str, &str)> = inv
        .voucher
        .postings
        .iter()
        .map(|p| (p.account, p.debit.as_str(), p.credit.as_str()))
        .collect();
    assert_eq!(
        v,
        [
            (1500, "13649.54", "0.00"),
            (3000, "0.00", "10000.00"),
            (2700, "0.00", "2500.00"),
            (3030, "0.00", "999.60"),
            (2701, "0.00", "149.94")
        ]
    );
    assert_eq!(
        inv.voucher.postings[0].customer_id.as_deref(),
        Some("c-bygg")
    );
    assert_eq!(inv.deliveries.len(), 1);
    assert_eq!(inv.deliveries[0].channel, Channel::Ehf);
    assert_eq!(env.drafts(), 0, "the draft became the invoice");
    // Immutable, in the schema too.
    for tamper in [
        "UPDATE documents SET payable_ore = 1",
        "DELETE FROM documents",
        "UPDATE journal SET debit_ore = 0",
        "DELETE FROM journal",
    ] {
        assert!(env.execute(tamper).is_err(), "{tamper} was allowed");
    }
}

fn partial_then_full_credit_then_over_credit_is_refused() {
    let mut env = Env::active();
    let inv = env.invoice("c-bygg", worked_example());
    let part = env
        .host
        .credit(
            "fjord",
            &inv.id,
            Some(&[CreditLine {
                line_id: 1,
                quantity: Some("3".into()),
                amount: None,
            }]),
            "Tre timer for mye",
            "cn-1",
        )
        .unwrap();
    assert_eq!(part.kind, DocumentKind::CreditNote);
    assert_eq!(part.number, 50001, "credit notes have their own series");
    assert_eq!(
        part.credited_invoice
            .as_ref()
            .map(|c| (c.number, c.issue_date.as_str())),
        Some((10001, TODAY))
    );
    assert_eq!(part.totals.payable, "3750.00");
    assert_eq!(
        env.host.open("fjord", &inv.id).unwrap().status,
        DocumentStatus::PartiallyCredited
    );
    let over = env
        .host
        .credit(
            "fjord",
            &inv.id,
            Some(&[CreditLine {
                line_id: 1,
                quantity: Some("7.5".into()),
                amount: None,
            }]),
            "for mye",
            "cn-x",
        )
        .unwrap_err();
    assert_eq!(over.kind(), "invalid");
    assert_eq!(over.fields(), ["lines[0].quantity"]);
    let rest = env
        .host
        .credit("fjord", &inv.id, None, "Feil faktura", "cn-2")
        .unwrap();
    assert_eq!(rest.number, 50002);
    assert_eq!(rest.totals.payable, "9899.54");
    assert_eq!(
        env.host.open("fjord", &inv.id).unwrap().status,
        DocumentStatus::Credited
    );
    let again = env
        .host
        .credit("fjord", &inv.id, None, "Igjen", "cn-3")
        .unwrap_err();
    // A refusal by its case and data, never by its prose.
    assert!(
        matches!(
            again,
            host_harness::CallError::Component(Error::NotAllowed(Refusal::FullyCredited(10001)))
        ),
        "{again}"
    );
    // Invoice + credits net to zero on 1500, 3xxx and 27xx.
    assert_eq!(env.open_accounts().len() as i64, 0);
}

fn by_quantity(line_id: u32, q: &str) -> CreditLine {
    CreditLine {
        line_id,
        quantity: Some(q.into()),
        amount: None,
    }
}

fn by_amount(line_id: u32, a: &str) -> CreditLine {
    CreditLine {
        line_id,
        quantity: None,
        amount: Some(a.into()),
    }
}

/// Each line of a credit note as (quantity, unit price, discount %, net): what it says.
fn reads(cn: &IssuedDocument) -> Vec<(String, String, String, String)> {
    cn.lines
        .iter()
        .map(|l| {
            (
                l.quantity.clone(),
                l.unit_price.clone(),
                l.discount_percent.clone(),
                l.net_amount.clone(),
            )
        })
        .collect()
}

/// "Igjen å kreditere" comes from the component, by the invoice's own line ids: crediting line
/// 2 of 3 takes it off line 2 (a console that matched credit-note line ids, renumbered from 1,
/// took it off line 1 and went negative).
fn what_is_left_follows_the_invoice_lines_credited() {
    let mut env = Env::active();
    let inv = env.invoice(
        "c-bygg",
        vec![
            free_line("Første", "1", "100", VatCode::Standard),
            free_line("Andre", "2", "500", VatCode::Standard),
            free_line("Tredje", "3", "10", VatCode::Standard),
        ],
    );
    let before = env.host.credit_left("fjord", &inv.id).unwrap();
    assert_eq!(before.payable_left, "1412.50");
    env.host
        .credit(
            "fjord",
            &inv.id,
            Some(&[by_quantity(2, "1")]),
            "En for mye",
            "cn-1",
        )
        .unwrap();
    let after = env.host.credit_left("fjord", &inv.id).unwrap();
    let left: Vec<_> = after
        .lines
        .iter()
        .map(|l| {
            (
                l.line_id,
                l.quantity_left.as_str(),
                l.amount_left.as_str(),
                l.whole_by_quantity,
            )
        })
        .collect();
    assert_eq!(
        left,
        [
            (1, "1", "100.00", true),
            (2, "1", "500.00", true),
            (3, "3", "30.00", true)
        ]
    );
    assert_eq!(after.payable_left, "787.50");
    // Not an invoice, not this client's: refused as such.
    assert_eq!(
        env.host.credit_left("fjord", "doc-999").unwrap_err().kind(),
        "not-found"
    );
}

/// 300 of a 2 × 1 000 line credited by amount, then the quantity 2 asked for: the rest (1 700)
/// cannot read "2 × 1 000,00", so it is credited by amount, and every line says what it is.
fn a_credit_by_amount_then_by_quantity_reads_true() {
    let mut env = Env::active();
    let inv = env.invoice(
        "c-bygg",
        vec![free_line("Konsulent", "2", "1000", VatCode::Standard)],
    );
    let first = env
        .host
        .credit(
            "fjord",
            &inv.id,
            Some(&[by_amount(1, "300")]),
            "Avslag",
            "cn-1",
        )
        .unwrap();
    assert_eq!(
        reads(&first),
        [("1".into(), "300".into(), "0".into(), "300.00".into())]
    );
    let left = env.host.credit_left("fjord", &inv.id).unwrap();
    let l = &left.lines[0];
    assert_eq!(
        (
            l.quantity_left.as_str(),
            l.amount_left.as_str(),
            l.whole_by_quantity
        ),
        ("2", "1700.00", false)
    );
    let rest = env
        .host
        .credit(
            "fjord",
            &inv.id,
            Some(&[by_quantity(1, "2")]),
            "Resten",
            "cn-2",
        )
        .unwrap();
    assert_eq!(
        reads(&rest),
        [("1".into(), "1700".into(), "0".into(), "1700.00".into())]
    );
    assert!(
        rest.lines[0].description.starts_with("Kreditering"),
        "{}",
        rest.lines[0].description
    );
    assert_eq!(
        env.host.open("fjord", &inv.id).unwrap().status,
        DocumentStatus::Credited
    );
    let done = env.host.credit_left("fjord", &inv.id).unwrap();
    assert_eq!(
        (
            done.payable_left.as_str(),
            done.lines[0].amount_left.as_str()
        ),
        ("0.00", "0.00")
    );
    // The EHF of each says the same, valid under the rules the gate and CI check.
    for cn in [&first, &rest] {
        let ehf = ehf_of(&env, &cn.id);
        assert!(
            ehf.contains("<cbc:CreditedQuantity unitCode=\"EA\">1</cbc:CreditedQuantity>"),
            "{ehf}"
        );
    }
    assert_eq!(env.open_accounts().len() as i64, 0);
}

/// A draft's issue date is checked when it is set, not first at preview or "Fakturer og send":
/// never in the future, never before a document already issued (numbers ascend with dates).
fn issue_dates_are_checked_when_set() {
    let mut env = Env::active();
    let d = env.draft("c-bygg", worked_example());
    let future =
        chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap() + chrono::Days::new(1);
    let e = env
        .change(&d, issue_dated(&future.to_string()))
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.fields()),
        ("invalid", vec!["dates.issue-date".to_string()])
    );
    env.invoice("c-kari", worked_example());
    let before =
        chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap() - chrono::Days::new(3);
    let e = env
        .change(&d, issue_dated(&before.to_string()))
        .unwrap_err();
    assert_eq!(e.fields(), ["dates.issue-date"]);
    assert!(e.to_string().contains("10001"), "{e}");
    // Today is fine, and stays so through "Fakturer og send".
    let d = env.change(&d, issue_dated(TODAY)).unwrap();
    env.host.finalize("fjord", &d.id, "k-today").unwrap();
}

fn deactivation_keeps_everything_and_reactivation_restores_it() {
    let mut env = Env::active();
    let inv = env.invoice("c-bygg", worked_example());
    let draft = env.draft(
        "c-kari",
        vec![free_line("Rådgivning", "1", "500", VatCode::Standard)],
    );
    assert_eq!(
        env.host.deactivate("fjord", "  ").unwrap_err().fields(),
        ["reason"]
    );
    env.host
        .deactivate("fjord", "Vi bytter til full ordremodul")
        .unwrap();
    assert_eq!(
        env.count("SELECT count(*) FROM feedback WHERE reason = 'Vi bytter til full ordremodul'"),
        1
    );
    // An issued document is a record: readable while the module is off. Nothing else is.
    assert_eq!(
        env.host.open("fjord", &inv.id).unwrap().totals.payable,
        "13649.54"
    );
    for e in [
        env.host.get_draft("fjord", &draft.id).unwrap_err(),
        env.host
            .overview("fjord", &OverviewFilter::default())
            .unwrap_err(),
    ] {
        assert_eq!(e.kind(), "not-active");
    }
    env.host.activate("fjord").unwrap();
    assert_eq!(
        env.host.open("fjord", &inv.id).unwrap().totals.payable,
        "13649.54"
    );
    assert_eq!(
        env.host.get_draft("fjord", &draft.id).unwrap().lines.len(),
        1
    );
}

fn overview_filters_by_customer_reference_number_date_kind_and_status() {
    let mut env = Env::active();
    let a = env.invoice("c-bygg", worked_example());
    let d = env.draft(
        "c-kari",
        vec![free_line("Rådgivning", "1", "500", VatCode::Standard)],
    );
    env.change(
        &d,
        DraftChange::SetReferences(References {
            buyer_reference: Some("Kari 42".into()),
            our_reference: None,
            order_reference: None,
        }),
    )
    .unwrap();
    env.host.credit("fjord", &a.id, None, "Feil", "cn").unwrap();
    let all = env
        .host
        .overview("fjord", &OverviewFilter::default())
        .unwrap();
    assert_eq!(
        all.iter().map(|s| s.kind).collect::<Vec<_>>(),
        [
            DocumentKind::CreditNote,
            DocumentKind::Draft,
            DocumentKind::Invoice
        ],
        "newest first"
    );
    let q = |env: &mut Env, f: OverviewFilter| {
        env.host
            .overview("fjord", &f)
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        q(
            &mut env,
            OverviewFilter {
                customer_id: Some("c-kari".into()),
                ..Default::default()
            }
        ),
        vec![d.id.clone()]
    );
    assert_eq!(
        q(
            &mut env,
            OverviewFilter {
                reference: Some("ari 4".into()),
                ..Default::default()
            }
        ),
        vec![d.id.clone()]
    );
    assert_eq!(
        q(
            &mut env,
            OverviewFilter {
                number: Some(10001),
                ..Default::default()
            }
        ),
        vec![a.id.clone()]
    );
    assert_eq!(
        q(
            &mut env,
            OverviewFilter {
                status: Some(DocumentStatus::Credited),
                ..Default::default()
            }
        ),
        vec![a.id.clone()]
    );
    assert_eq!(
        q(
            &mut env,
            OverviewFilter {
                kind: Some(DocumentKind::Draft),
                ..Default::default()
            }
        ),
        vec![d.id.clone()]
    );
    assert_eq!(
        q(
            &mut env,
            OverviewFilter {
                issued_from: Some("2026-11-29".into()),
                ..Default::default()
            }
        )
        .len(),
        0
    );
    assert_eq!(
        q(
            &mut env,
            OverviewFilter {
                limit: Some(1),
                offset: Some(1),
                ..Default::default()
            }
        ),
        vec![d.id.clone()]
    );
    let bad = env
        .host
        .overview(
            "fjord",
            &OverviewFilter {
                issued_from: Some("28.11.2026".into()),
                limit: Some(0),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(bad.fields(), ["issued-from", "limit"]);
}

/// The reference filter finds any substring of any of an issued document's three references,
/// ignoring case, with `%`, `_` and `"` taken literally; short searches too (SQLite answers
/// searches of 3 characters or more from its trigram index, PostgreSQL from pg_trgm).
fn the_reference_filter_finds_a_substring_of_any_reference_literally() {
    let mut env = Env::active();
    let mut issue = |refs: References| {
        let d = env.draft("c-bygg", worked_example());
        let d = env.change(&d, DraftChange::SetReferences(refs)).unwrap();
        let inv = env
            .host
            .finalize("fjord", &d.id, &format!("k-{}", d.id))
            .unwrap();
        inv.id
    };
    let a = issue(References {
        buyer_reference: Some(r#"Prosjekt "A-100%"_x"#.into()),
        our_reference: None,
        order_reference: None,
    });
    let b = issue(References {
        buyer_reference: None,
        our_reference: Some("Marit".into()),
        order_reference: Some("PO-2026-77".into()),
    });
    let found = |env: &mut Env, r: &str| {
        let f = OverviewFilter {
            reference: Some(r.into()),
            ..Default::default()
        };
        let mut ids: Vec<String> = env
            .host
            .overview("fjord", &f)
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        ids.sort();
        ids
    };
    for (search, expected) in [
        (r#"JEKT "a-100%"_"#, vec![a.clone()]),
        ("prosjekt", vec![a.clone()]),
        ("100%", vec![a.clone()]),
        ("%", vec![a.clone()]),
        ("_x", vec![a.clone()]),
        (r#"100%"_Y"#, vec![]),
        ("A_1", vec![]),
        ("mar", vec![b.clone()]),
        ("2026-77", vec![b.clone()]),
        ("-", vec![a.clone(), b.clone()]),
        ("nowhere", vec![]),
    ] {
        let mut expected = expected;
        expected.sort();
        assert_eq!(found(&mut env, search), expected, "{search}");
    }
}

crate::on_both_stores!(
    the_reference_filter_finds_a_substring_of_any_reference_literally,
    activation_names_every_missing_setting_then_succeeds,
    a_draft_is_saved_at_once_and_every_change_bumps_its_version,
    finalize_numbers_posts_and_queues_the_invoice,
    partial_then_full_credit_then_over_credit_is_refused,
    what_is_left_follows_the_invoice_lines_credited,
    a_credit_by_amount_then_by_quantity_reads_true,
    issue_dates_are_checked_when_set,
    deactivation_keeps_everything_and_reactivation_restores_it,
    overview_filters_by_customer_reference_number_date_kind_and_status,
);

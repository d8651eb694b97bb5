//! The scenario runner (the integration tests' and the docs' format) on every file in
//! fixtures/scenarios: each runs to the end with its expectations met, and the books balance.

use crate::common;
use common::*;
use host_harness::{fixtures, scenario};

fn every_fixture_scenario_runs_and_its_books_balance() {
    let mut files: Vec<_> = std::fs::read_dir(fixtures::dir().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    // Every EHF the scenarios issue, for our checks and the official rules at the end.
    let mut ehfs = Vec::new();
    for f in files {
        let mut env = Env::new();
        let sc: scenario::Scenario = fixtures::read(&f).unwrap();
        let report =
            scenario::run(&mut env.host, &sc).unwrap_or_else(|e| panic!("{}: {e:#}", f.display()));
        let missed: Vec<_> = report
            .steps
            .iter()
            .filter_map(|s| s.mismatch.as_ref())
            .collect();
        assert_eq!(report.mismatches, 0, "{}: {missed:?}", f.display());
        let sum = |side: fn(&host_harness::reports::Balance) -> &str| {
            report
                .trial_balance
                .iter()
                .map(|b| side(b).parse::<rust_decimal::Decimal>().unwrap())
                .sum::<rust_decimal::Decimal>()
        };
        assert_eq!(
            sum(|b| &b.debit),
            sum(|b| &b.credit),
            "{}: the trial balance balances",
            f.display()
        );
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["documents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["number"].as_u64().unwrap() > 0));
        ehfs.extend(ehfs_in(env.host.store(), &sc.client));
    }
    assert!(!ehfs.is_empty());
    all_valid("scenario", &ehfs);
}

fn the_lifecycle_scenario_reports_what_happened() {
    let mut env = Env::new();
    let sc: scenario::Scenario =
        fixtures::read(&fixtures::dir().join("scenarios/lifecycle.json")).unwrap();
    let report = scenario::run(&mut env.host, &sc).unwrap();
    let kinds: Vec<Option<&str>> = report
        .steps
        .iter()
        .map(|s| s.error_kind.as_deref())
        .collect();
    assert_eq!(kinds.iter().filter(|k| k.is_some()).count(), 5, "{kinds:?}");
    let numbers: Vec<u64> = report.documents.iter().map(|d| d.document.number).collect();
    assert_eq!(numbers, [10001, 50001, 50002]);
    let balance_1500 = report
        .trial_balance
        .iter()
        .find(|b| b.account == 1500)
        .unwrap();
    assert_eq!(balance_1500.balance, "0.00", "invoice fully credited");
    // One report, one spelling: the contract's, in the documents as in the overview steps.
    let json = serde_json::to_value(&report).unwrap();
    let docs = json["documents"].as_array().unwrap();
    let said = |key: &str| -> Vec<&str> { docs.iter().map(|d| d[key].as_str().unwrap()).collect() };
    assert_eq!(said("status"), ["credited", "issued", "issued"]);
    assert_eq!(said("kind"), ["invoice", "credit-note", "credit-note"]);
    for d in docs {
        for delivery in d["deliveries"].as_array().unwrap() {
            let channel = delivery["channel"].as_str().unwrap();
            assert!(
                ["ehf", "efaktura", "avtalegiro", "email", "print"].contains(&channel),
                "{channel}"
            );
        }
    }
}

/// Components built for earlier releases of the contract run in today's host: an ERP upgrades
/// its host and its component on different days. `fixtures/components/` keeps each as it was
/// built (its source commit is in the README there); the lifecycle scenario gives the same
/// documents and books on each as on today's component. What a release did not have is
/// refused with the reason, not a crash (payments before 0.4.1, what is left to credit before
/// 0.4.0), and what it could not say
/// comes as today's types say it (a field error's problem, from 0.5.0: `other`, with the
/// component's own English).
fn components_of_earlier_releases_run_in_todays_host() {
    let sc: scenario::Scenario =
        fixtures::read(&fixtures::dir().join("scenarios/lifecycle.json")).unwrap();
    let run = |rt| {
        let dir = tempfile::tempdir().unwrap();
        let mut host = connect(&new_store(dir.path()), rt);
        fixtures::load_all(host.store()).unwrap();
        let report = scenario::run(&mut host, &sc).unwrap();
        assert_eq!(report.mismatches, 0);
        let json = serde_json::to_value(&report).unwrap();
        let ehfs = ehfs_in(host.store(), &sc.client);
        (host, json, ehfs, dir)
    };
    let (_, now, now_ehfs, _dir) = run(runtime());
    for (release, has_payments) in [
        ("0.3.0", false),
        ("0.4.0", false),
        ("0.4.1", true),
        ("0.5.0", true),
        ("0.5.1", true),
    ] {
        let wasm =
            std::fs::read(fixtures::dir().join(format!("components/invoicing@{release}.wasm")))
                .unwrap();
        let old =
            host_harness::Runtime::with_component(&wasm, host_harness::Limits::default()).unwrap();
        let (mut host, then, then_ehfs, _dir) = run(old);
        assert_eq!(then["trial_balance"], now["trial_balance"], "{release}");
        assert_eq!(
            then["documents"].as_array().unwrap().len(),
            now["documents"].as_array().unwrap().len(),
            "{release}"
        );
        assert_eq!(
            then_ehfs, now_ehfs,
            "{release}: the same EHF documents, byte for byte"
        );

        let aging = host.call_payments(&sc.client, |p, s| p.call_aging_report(s, None));
        match (has_payments, aging) {
            (true, Ok(_)) => {}
            (false, Err(refused)) => {
                assert!(format!("{refused}").contains("before 0.4.1"), "{refused}")
            }
            (_, other) => panic!("{release}: payments answered {other:?}"),
        }

        // Reminders came in 0.5.1: an earlier component is told so, never trapped into it.
        let due = host.call_reminders(&sc.client, |r, s| r.call_due(s, None));
        match (release, due) {
            ("0.5.1", Ok(_)) => {}
            (_, Err(refused)) if release != "0.5.1" => {
                assert!(format!("{refused}").contains("before 0.5.1"), "{refused}")
            }
            (_, other) => panic!("{release}: reminders answered {other:?}"),
        }

        if release == "0.3.0" {
            let invoice = &then["documents"][0]["id"];
            let refused = host
                .credit_left(&sc.client, invoice.as_str().unwrap())
                .unwrap_err();
            assert!(format!("{refused}").contains("0.3.0"), "{refused}");
            // 0.3.0 refused in prose: it comes as `refusal.other`, with that prose.
            let note = then["documents"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["kind"] == "credit-note")
                .expect("the lifecycle credits an invoice");
            let note = note["id"].as_str().unwrap();
            let refused = host
                .credit(&sc.client, note, None, "Feil", "k-0.3")
                .unwrap_err();
            let host_harness::CallError::Component(host_harness::bindings::Error::NotAllowed(
                host_harness::bindings::Refusal::Other(prose),
            )) = &refused
            else {
                panic!("{refused:?}");
            };
            assert!(prose.contains("invoice"), "{prose}");
        }

        let draft = host.create_draft(&sc.client, "c-bygg").unwrap();
        let bad = host_harness::api::free_line(
            "Konsulenttimer",
            "zero",
            "1200",
            host_harness::bindings::VatCode::Standard,
        );
        let change = host_harness::bindings::DraftChange::AddLines(vec![bad]);
        let err = host
            .update_draft(&sc.client, &draft.id, draft.version, &change)
            .unwrap_err();
        let host_harness::CallError::Component(host_harness::bindings::Error::Invalid(fields)) =
            &err
        else {
            panic!("{release}: {err:?}");
        };
        let f = &fields[0];
        assert_eq!(f.field, "lines[0].quantity", "{release}");
        // Before 0.5.0 a field problem was prose only: it comes as `other`, with that prose.
        let typed = release.starts_with("0.5");
        assert_eq!(
            matches!(f.problem, host_harness::bindings::FieldProblem::Other),
            !typed,
            "{release}: {:?}",
            f.problem
        );
        assert!(
            f.message.contains("not a number"),
            "{release}: {}",
            f.message
        );
    }
}

/// A scenario writes VAT codes as words (`25`, `reverse`); one that is none of the contract's
/// is refused as the component refuses a wrong field: named with its line's position and with
/// every other wrong field of the same change, and nothing of the change is kept. The report
/// writes codes and categories as the scenario and EHF do.
fn a_vat_code_no_contract_has_is_a_field_error_with_the_others() {
    let sc: scenario::Scenario = serde_json::from_value(serde_json::json!({
        "client": "fjord",
        "today": "2026-11-28",
        "steps": [
            { "do": "activate" },
            { "do": "draft", "as": "d", "customer": "c-bygg" },
            { "do": "lines", "draft": "d", "lines": [
                { "description": "Ok", "quantity": "1", "unit-price": "100", "vat-code": "25" } ] },
            { "do": "lines", "draft": "d", "lines": [
                { "description": "Ok", "quantity": "1", "unit-price": "1", "vat-code": "15" },
                { "description": "Vare", "quantity": "x", "unit-price": "-1", "vat-code": "99" } ],
              "expect-error": "invalid",
              "expect-fields": ["lines[2].quantity", "lines[2].unit-price", "lines[2].vat-code"] },
            { "do": "lines", "draft": "d", "lines": [
                { "product": "p-konsulent", "quantity": "1", "vat-code": "26" } ],
              "expect-error": "invalid", "expect-fields": ["lines[1].vat-code"] },
            { "do": "update-line", "draft": "d", "line": 1, "description": "Ok", "quantity": "2",
              "unit-price": "100", "vat-code": "8", "expect-error": "invalid",
              "expect-fields": ["lines[0].vat-code"] },
            { "do": "lines", "draft": "d", "lines": [
                { "description": "Klimakvoter", "quantity": "1", "unit-price": "10", "vat-code": "reverse" } ] },
            { "do": "finalize", "draft": "d", "as": "inv" }
        ]
    }))
    .unwrap();
    let mut env = Env::new();
    let report = scenario::run(&mut env.host, &sc).unwrap();
    let missed: Vec<_> = report
        .steps
        .iter()
        .filter_map(|s| s.mismatch.as_ref())
        .collect();
    assert_eq!(report.mismatches, 0, "{missed:?}");
    let doc = serde_json::to_value(&report.documents[0]).unwrap();
    let codes: Vec<_> = doc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["quantity"].as_str().unwrap(),
                l["vat_code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [("1", "25"), ("1", "reverse")],
        "nothing of a refused change kept"
    );
    let categories: Vec<_> = doc["vat_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["category"].as_str().unwrap())
        .collect();
    assert_eq!(categories, ["S", "AE"]);
}

crate::on_both_stores!(
    every_fixture_scenario_runs_and_its_books_balance,
    the_lifecycle_scenario_reports_what_happened,
    components_of_earlier_releases_run_in_todays_host,
    a_vat_code_no_contract_has_is_a_field_error_with_the_others,
);

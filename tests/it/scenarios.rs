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
        let refused = host
            .call_reminders(&sc.client, |r, s| r.call_due(s, None))
            .unwrap_err();
        assert!(format!("{refused}").contains("before 0.5.1"), "{refused}");

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
        let bad = host_harness::api::free_line("Konsulenttimer", "zero", "1200", "25");
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
        let typed = release == "0.5.0";
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

crate::on_both_stores!(
    every_fixture_scenario_runs_and_its_books_balance,
    the_lifecycle_scenario_reports_what_happened,
    components_of_earlier_releases_run_in_todays_host,
);

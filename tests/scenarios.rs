//! The scenario runner (the integration tests' and the docs' format) on every file in
//! fixtures/scenarios: each runs to the end with its expectations met, and the books balance.

mod common;
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

/// A component built for an earlier release of the contract runs in today's host: an ERP
/// upgrades its host and its component on different days. `fixtures/components/` keeps the
/// 0.4.0 component as it was built (its source commit is in the README there); the lifecycle
/// scenario gives the same documents and books on it as on today's component, and a call to
/// what 0.4.0 did not have (payments) is refused with the reason, not a crash.
fn a_component_of_an_earlier_release_runs_in_todays_host() {
    let old = std::fs::read(fixtures::dir().join("components/invoicing@0.4.0.wasm")).unwrap();
    let old = host_harness::Runtime::with_component(&old, host_harness::Limits::default()).unwrap();
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
        (host, json, ehfs)
    };
    let (mut host, then, then_ehfs) = run(old);
    let (_, now, now_ehfs) = run(runtime());
    assert_eq!(then["trial_balance"], now["trial_balance"]);
    assert_eq!(
        then["documents"].as_array().unwrap().len(),
        now["documents"].as_array().unwrap().len()
    );
    assert_eq!(then_ehfs, now_ehfs, "the same EHF documents, byte for byte");
    let refused = host
        .call_payments(&sc.client, |p, s| p.call_aging_report(s, None))
        .unwrap_err();
    assert!(format!("{refused}").contains("0.4.0"), "{refused}");
}

crate::on_both_stores!(
    every_fixture_scenario_runs_and_its_books_balance,
    the_lifecycle_scenario_reports_what_happened,
    a_component_of_an_earlier_release_runs_in_todays_host,
);

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

crate::on_both_stores!(
    every_fixture_scenario_runs_and_its_books_balance,
    the_lifecycle_scenario_reports_what_happened,
);

//! The same component in a second host: Node.js, through jco (`host-node/`). Every scenario in
//! fixtures/scenarios runs through both hosts; the reports (timestamps and fuel left out) and
//! every EHF and PDF are identical, byte for byte. And a failing import rolls the call back in
//! the Node host too.

use crate::common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The component transpiled for Node, once per test binary; None where Node or the npm
/// packages are missing (`.ci/run` runs `npm ci` in host-node/, and then they are required).
fn transpiled() -> Option<PathBuf> {
    static GEN: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    GEN.get_or_init(|| {
        let jco = repo().join("host-node/node_modules/.bin/jco");
        let node = Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !node || !jco.exists() {
            assert!(
                std::env::var_os("INVOICING_REQUIRE_TOOLS").is_none(),
                "node and host-node/node_modules (npm ci) are required in CI"
            );
            eprintln!("skipped: no node or no host-node/node_modules");
            return None;
        }
        let gen = std::env::temp_dir().join(format!("erp-invoicing-jco-{}", std::process::id()));
        let out = Command::new(jco)
            .args(["transpile", env!("INVOICING_WASM"), "-o"])
            .arg(&gen)
            .args(["--name", "invoicing", "--instantiation", "async", "-q"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "jco: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(gen)
    })
    .clone()
}

/// Keys in one spelling (camelCase), enum cases in the contract's (kebab-case), no nulls, and
/// nothing that differs by nature between two runs: timestamps and fuel.
fn normalised(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let mut key = String::new();
                    let mut up = false;
                    for c in k.chars() {
                        match c {
                            '_' => up = true,
                            c if up => {
                                key.extend(c.to_uppercase());
                                up = false
                            }
                            c => key.push(c),
                        }
                    }
                    let v = match (key.as_str(), v) {
                        (
                            "kind" | "channel" | "state" | "delivery" | "preferredChannel"
                            | "status",
                            Value::String(s),
                        ) => {
                            let mut kebab = String::new();
                            for (i, c) in s.chars().enumerate() {
                                if c.is_uppercase() && i > 0 {
                                    kebab.push('-');
                                }
                                kebab.extend(c.to_lowercase());
                            }
                            Value::String(kebab)
                        }
                        (_, v) => normalised(v),
                    };
                    (key, v)
                })
                .filter(|(k, _)| !matches!(k.as_str(), "fuel" | "updatedAt"))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(normalised).collect()),
        v => v,
    }
}

fn rust_run(scenario: &Path, dir: &Path) -> (Value, String) {
    let db = dir.join("rust.db");
    let out = stdout_of(Command::new(env!("CARGO_BIN_EXE_host-harness")).args([
        "run",
        scenario.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]));
    (
        serde_json::from_slice(&out).unwrap(),
        db.display().to_string(),
    )
}

/// Every issued document in the store at `db`: its client, number and files.
fn issued(db: &str) -> Vec<(String, u64, host_harness::store::Files)> {
    let store = host_harness::store::open(db).unwrap();
    host_harness::store::with_unit(&*store, |u| {
        let mut out = Vec::new();
        for client in u.reports()?.clients()? {
            let filter = host_harness::bindings::OverviewFilter {
                limit: Some(200),
                ..Default::default()
            };
            for r in u.overview(&client, &filter)? {
                if let (Some(n), Some(id)) = (r.number, host_harness::ids::Id::Doc.row(&r.id)) {
                    let files = u.reports()?.files(&client, id)?.expect("its files");
                    out.push((client.clone(), n, files));
                }
            }
        }
        Ok(out)
    })
    .unwrap()
}

fn node_run(gen: &Path, scenario: &Path, dump: &Path) -> Value {
    let out = stdout_of(
        Command::new("node")
            .arg(repo().join("host-node/run.mjs"))
            .arg(scenario)
            .arg("--gen")
            .arg(gen)
            .arg("--dump")
            .arg(dump),
    );
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn every_scenario_gives_the_same_report_and_the_same_documents_in_both_hosts() {
    let Some(gen) = transpiled() else {
        return;
    };
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(host_harness::fixtures::dir().join("scenarios"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
    files.sort();
    let mut compared = 0;
    for f in files {
        let dir = tempfile::tempdir().unwrap();
        let (rust, db) = rust_run(&f, dir.path());
        let node = node_run(&gen, &f, &dir.path().join("node"));
        let (rust, node) = (normalised(rust), normalised(node));
        assert!(
            rust == node,
            "{}: the reports differ\nrust: {rust:#}\nnode: {node:#}",
            f.display()
        );
        for (client, number, files) in issued(&db) {
            let stem = dir.path().join("node").join(format!("{client}-{number}"));
            let node_ehf = std::fs::read_to_string(stem.with_extension("xml")).ok();
            assert_eq!(files.ehf, node_ehf, "{}: EHF of {number}", f.display());
            let node_pdf = std::fs::read(stem.with_extension("pdf")).unwrap_or_default();
            assert!(
                files.pdf == node_pdf,
                "{}: PDF of {number} differs",
                f.display()
            );
            compared += 1;
        }
    }
    eprintln!("{compared} documents compared");
    assert!(compared >= 10, "{compared} documents compared");
}

#[test]
fn a_failing_import_rolls_the_call_back_in_the_node_host() {
    let Some(gen) = transpiled() else {
        return;
    };
    // Its steps say `fail-import` (ledger.post, documents.update-draft) and expect a trap; the
    // overview after the failed finalize must find no invoice, the draft must be as it was.
    let dir = tempfile::tempdir().unwrap();
    let report = node_run(
        &gen,
        &repo().join("host-node/test/failing-import.json"),
        dir.path(),
    );
    let missed: Vec<&Value> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["mismatch"].is_null())
        .collect();
    assert!(missed.is_empty(), "{missed:#?}");
    assert_eq!(
        report["documents"][0]["number"], 10001,
        "the failed call used no number"
    );
    assert_eq!(
        report["steps"][10]["result"]["version"], 1,
        "the failed save changed nothing"
    );
    assert_eq!(
        report["trial_balance"][0]["debit"], "250.00",
        "one voucher, the second call's"
    );
}

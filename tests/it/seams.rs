//! The seams hold: the host never reads the component's private body, every SQL statement
//! lives in the store, and the host that ships does not link the component's crate. A lint
//! over the host's own source, so a change that crosses a seam fails here.

use crate::common;
use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// (file, line number, line) for every line matching `hit`, in the host library, the SQL
/// store, the console, the bank files and the harness: a harness file relative to
/// host-harness/src, a library file as `host/src/…`, a store file as `store/…`.
fn lines_where(hit: impl Fn(&str) -> bool) -> Vec<(String, usize, String)> {
    let roots = [
        ("host-harness/src", ""),
        ("host/src", "host/src/"),
        ("store/src", "store/"),
        ("console/src", "console/src/"),
        ("bank/src", "bank/src/"),
    ];
    let mut out = Vec::new();
    for (root, prefix) in roots {
        let dir = common::repo().join(root);
        for f in sources(&dir) {
            let rel = format!("{prefix}{}", f.strip_prefix(&dir).unwrap().display());
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, l) in text.lines().enumerate() {
                if hit(l) {
                    out.push((rel.clone(), i + 1, l.trim().to_owned()));
                }
            }
        }
    }
    out
}

#[test]
fn the_host_never_parses_a_body() {
    // A body is handed on as it is: stored, and given back to the component. Only the
    // benchmark's native comparison reads one, behind the `bench` feature that links the
    // component's crate.
    let readers = lines_where(|l| {
        let parses = ["from_str", "from_slice", "from_value", "from_reader"]
            .iter()
            .any(|f| l.contains(f));
        l.contains(".pointer(")
            || (parses && (l.contains("body") || l.contains("serde_json::Value")))
    });
    let allowed = |f: &str, l: &str| f == "bench.rs" && l.contains("guest::model::Document");
    let bad: Vec<_> = readers.iter().filter(|(f, _, l)| !allowed(f, l)).collect();
    assert!(
        bad.is_empty(),
        "the host reads the component's body: {bad:#?}"
    );
}

#[test]
fn every_sql_statement_lives_in_the_store() {
    let sql = lines_where(|l| {
        [
            "\"SELECT ",
            "\"INSERT ",
            "\"UPDATE ",
            "\"DELETE ",
            "\"CREATE ",
            "BEGIN IMMEDIATE",
        ]
        .iter()
        .any(|k| l.contains(k))
    });
    let bad: Vec<_> = sql
        .iter()
        .filter(|(f, _, _)| !f.starts_with("store/"))
        .collect();
    assert!(bad.is_empty(), "SQL outside the store: {bad:#?}");
    let rusqlite = lines_where(|l| l.contains("rusqlite") || l.contains("postgres::"));
    let bad: Vec<_> = rusqlite
        .iter()
        .filter(|(f, _, _)| !f.starts_with("store/"))
        .collect();
    assert!(
        bad.is_empty(),
        "a database driver outside the store: {bad:#?}"
    );
}

/// A manifest's `[dependencies]` table, as text.
fn dependencies(manifest: &str) -> &str {
    let table = manifest.split("[dependencies]").nth(1).unwrap();
    table.split("\n[").next().unwrap()
}

/// The host library an ERP embeds depends on what runs a component and no more: no web
/// server, no mail, no database driver, no CLI (`cargo tree -p invoicing-host` in the
/// closing note). Cargo enforces the rest: the library cannot name the harness.
#[test]
fn the_host_library_needs_only_what_runs_a_component() {
    let manifest = std::fs::read_to_string(common::repo().join("host/Cargo.toml")).unwrap();
    let deps = dependencies(&manifest);
    let allowed = [
        "wasmtime",
        "wasmtime-wasi",
        "serde",
        "serde_json",
        "rust_decimal",
        "chrono",
        "anyhow",
        "thiserror",
    ];
    for l in deps
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let name = l.split(['=', '.', ' ']).next().unwrap();
        assert!(
            allowed.contains(&name),
            "the host library depends on {name}"
        );
    }
}

/// The SQL store adds a database to the library and nothing else an ERP would not want: no
/// web server, mail or CLI.
#[test]
fn the_sql_store_needs_only_its_databases() {
    let manifest = std::fs::read_to_string(common::repo().join("store/Cargo.toml")).unwrap();
    let allowed = [
        "invoicing-host",
        "rusqlite",
        "postgres",
        "r2d2",
        "serde_json",
        "chrono",
        "anyhow",
    ];
    for l in dependencies(&manifest)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let name = l.split(['=', '.', ' ']).next().unwrap();
        assert!(allowed.contains(&name), "the SQL store depends on {name}");
    }
}

/// The console an ERP mounts and the bank-file reader sit on the host library alone: no
/// database driver (they work on any store the traits describe), no channel, no CLI.
#[test]
fn the_console_and_the_bank_files_need_no_database_and_no_harness() {
    for (krate, allowed) in [
        (
            "console",
            &[
                "invoicing-host",
                "invoicing-bank",
                "serde",
                "serde_json",
                "rust_decimal",
                "chrono",
                "anyhow",
                "axum",
                "tokio",
                "maud",
                "getrandom",
                "lettre",
                "serde_urlencoded",
                "tempfile",
                // The HTTP API: its OpenAPI document, rate limits, key hashes.
                "utoipa",
                "utoipa-axum",
                "tower_governor",
                "sha2",
            ][..],
        ),
        (
            "bank",
            &[
                "invoicing-host",
                "anyhow",
                "serde",
                "chrono",
                "rust_decimal",
                "quick-xml",
                "sha2",
            ][..],
        ),
    ] {
        let manifest =
            std::fs::read_to_string(common::repo().join(krate).join("Cargo.toml")).unwrap();
        for l in dependencies(&manifest)
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let name = l.split(['=', '.', ' ']).next().unwrap();
            assert!(allowed.contains(&name), "{krate} depends on {name}");
        }
    }
}

#[test]
fn the_shipped_host_does_not_link_the_component_crate() {
    let manifest = std::fs::read_to_string(common::repo().join("host-harness/Cargo.toml")).unwrap();
    let deps = dependencies(&manifest);
    let guest = deps
        .lines()
        .find(|l| l.starts_with("guest"))
        .expect("guest");
    assert!(guest.contains("optional = true"), "{guest}");
    assert!(manifest.contains("bench = [\"dep:guest\", \"probes\"]"));
    let uses = lines_where(|l| l.contains("guest::"));
    let bad: Vec<_> = uses.iter().filter(|(f, _, _)| f != "bench.rs").collect();
    assert!(
        bad.is_empty(),
        "the host uses the component's crate: {bad:#?}"
    );
    let bench = std::fs::read_to_string(common::repo().join("host-harness/src/bench.rs")).unwrap();
    for (i, l) in bench
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("guest::"))
    {
        // Every use sits in the native comparison, compiled only with the feature.
        let before = &bench.lines().take(i).collect::<Vec<_>>();
        let f = before.iter().rposition(|l| l.starts_with("fn ")).unwrap();
        assert!(
            before[f - 1].contains("cfg(feature = \"bench\")")
                || before[..f]
                    .last()
                    .is_some_and(|l| l.contains("cfg(feature")),
            "bench.rs:{}: {l}",
            i + 1
        );
    }
}

/// A released contract is never edited: each file in `wit/released/` hashes to what was
/// recorded beside it when it was released (`SHA256SUMS`, or its own `.wit.sha256`), and the contract in work
/// (`wit/invoicing.wit`) is either a newer version or exactly its released file.
#[test]
fn released_contracts_are_frozen() {
    use sha2::{Digest, Sha256};
    let dir = common::repo().join("wit/released");
    // The releases up to 0.4.0 are summed in SHA256SUMS; each later one has a file of its
    // own (`invoicing@X.wit.sha256`), added beside it, so no released file is ever edited.
    let mut sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        if e.file_name().to_string_lossy().ends_with(".wit.sha256") {
            sums.push_str(&std::fs::read_to_string(e.path()).unwrap());
        }
    }
    let recorded: std::collections::BTreeMap<&str, &str> = sums
        .lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(hash, file)| (file, hash))
        .collect();
    let mut released = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".wit") {
            continue;
        }
        let hash: String = Sha256::digest(std::fs::read(e.path()).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            recorded.get(name.as_str()).copied(),
            Some(hash.as_str()),
            "wit/released/{name} was edited (or released without its SHA-256 recorded)"
        );
        released.push(name);
    }
    assert_eq!(
        released.len(),
        recorded.len(),
        "a recorded SHA-256 names a file that is gone"
    );
    let current = std::fs::read_to_string(common::repo().join("wit/invoicing.wit")).unwrap();
    let version = current
        .lines()
        .find_map(|l| l.strip_prefix("package erp:invoicing@"))
        .and_then(|v| v.strip_suffix(';'))
        .unwrap();
    let same = dir.join(format!("invoicing@{version}.wit"));
    if same.exists() {
        assert_eq!(
            std::fs::read_to_string(same).unwrap(),
            current,
            "{version} is released: change the contract under a new version"
        );
    }
}

/// The shipped host cannot be told to die: the one place that reads `INVOICING_CRASH_AT`
/// (`host/src/fault.rs`) is compiled only with the host library's `fault-injection` feature,
/// which only the tests turn on (through the harness's dev-dependency on itself).
#[test]
fn crash_points_are_in_test_builds_only() {
    let reads =
        lines_where(|l| l.contains("INVOICING_CRASH_AT") && !l.trim_start().starts_with("//"));
    assert_eq!(reads.len(), 1, "{reads:#?}");
    let (file, line, _) = &reads[0];
    assert_eq!(file, "host/src/fault.rs");
    let text = std::fs::read_to_string(common::repo().join(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let f = lines[..*line]
        .iter()
        .rposition(|l| l.starts_with("pub fn crash_point"))
        .unwrap();
    assert_eq!(lines[f - 1], "#[cfg(feature = \"fault-injection\")]");
    for krate in ["host", "host-harness"] {
        let manifest =
            std::fs::read_to_string(common::repo().join(krate).join("Cargo.toml")).unwrap();
        let default = manifest.lines().find(|l| l.starts_with("default ="));
        assert!(
            default.is_none_or(|d| !d.contains("fault-injection")),
            "{default:?}"
        );
    }
    let manifest = std::fs::read_to_string(common::repo().join("host-harness/Cargo.toml")).unwrap();
    assert!(manifest
        .contains("host-harness = { path = \".\", features = [\"fault-injection\", \"probes\"] }"));
}

/// Nor can it be handed raw SQL: the SQL store's `Probes` role (and `Unit::probes`, which
/// hands it out) is compiled only with the `probes` feature, which the tests and the benchmark
/// turn on; the shipped build's units answer that they take no raw statements.
#[test]
fn raw_statements_are_in_test_builds_only() {
    let sql = std::fs::read_to_string(common::repo().join("store/src/sql.rs")).unwrap();
    let lines: Vec<&str> = sql.lines().collect();
    let gated = |what: &str| {
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(what))
            .unwrap_or_else(|| panic!("{what} not found"));
        lines[at - 1].trim() == "#[cfg(feature = \"probes\")]"
    };
    assert!(gated("impl<B: Backend> Probes for SqlUnit<B>"));
    assert!(gated("fn probes(&mut self)"));
    for krate in ["store", "host-harness"] {
        let manifest =
            std::fs::read_to_string(common::repo().join(krate).join("Cargo.toml")).unwrap();
        let default = manifest.lines().find(|l| l.starts_with("default ="));
        assert!(default.is_none_or(|d| !d.contains("probes")), "{default:?}");
    }
}

/// No import circle: within each crate (the component's rules, the host library, the
/// harness), a module's `crate::` uses never lead back to it. Test code is left out.
#[test]
fn no_module_depends_on_itself_through_others() {
    use std::collections::{BTreeMap, BTreeSet};
    for root in [
        "guest/src",
        "host/src",
        "store/src",
        "bank/src",
        "console/src",
        "host-harness/src",
    ] {
        let dir = common::repo().join(root);
        let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in sources(&dir) {
            let rel = f.strip_prefix(&dir).unwrap().display().to_string();
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_owned();
            if ["lib", "rules", "main"].contains(&module.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            let mut named = BTreeSet::new();
            for part in code.split("crate::").skip(1) {
                let group = part.strip_prefix('{').map(|g| g.split('}').next().unwrap());
                for name in group.unwrap_or(part).split([',', ' ', '\n']) {
                    let name: String = name
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != module {
                        named.insert(name);
                    }
                    if group.is_none() {
                        break;
                    }
                }
            }
            uses.entry(module).or_default().extend(named);
        }
        // Depth-first: a module met again while on the path is a circle.
        fn visit<'a>(
            m: &'a str,
            uses: &'a BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<&'a str>,
            done: &mut BTreeSet<&'a str>,
        ) -> Option<Vec<String>> {
            if let Some(i) = path.iter().position(|p| *p == m) {
                let mut circle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
                circle.push(m.to_owned());
                return Some(circle);
            }
            if !done.insert(m) {
                return None;
            }
            path.push(m);
            for next in uses.get(m).into_iter().flatten() {
                if uses.contains_key(next) {
                    if let Some(c) = visit(next, uses, path, done) {
                        return Some(c);
                    }
                }
            }
            path.pop();
            None
        }
        let mut done = BTreeSet::new();
        for m in uses.keys() {
            let circle = visit(m, &uses, &mut Vec::new(), &mut done);
            assert!(circle.is_none(), "{root}: an import circle: {circle:?}");
        }
    }
}

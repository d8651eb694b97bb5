//! Exactly once, under crashes and concurrency: harness processes that issue, credit and
//! dispatch through every channel are SIGKILLed at random moments and at chosen points inside
//! the channels' write sequences; several dispatchers share one database; relays misbehave.
//! Afterwards every delivery is at its receiver exactly once, every deletion request exists
//! once, no document went out by two channels, and the books balance. Each runs on SQLite and
//! on PostgreSQL; four host processes share one PostgreSQL too.
//!
//! `CRASH_KILLS=1000 cargo test --test it crash:: -- --nocapture` is the long run (docs/reliability.md).

use crate::common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HARNESS: &str = env!("CARGO_BIN_EXE_host-harness");
/// A dead dispatcher's deliveries are taken over after this long.
const LEASE_MS: &str = "150";

/// One run of work: an invoice to each channel's customer, a partial credit of the EHF one and
/// a full credit of the AvtaleGiro one (which must delete the bank's claim).
fn workload(dir: &Path) -> PathBuf {
    let mut steps = vec![serde_json::json!({ "do": "activate" })];
    for c in ["c-bygg", "c-kari", "c-ola", "c-lise", "c-per"] {
        steps.push(serde_json::json!({ "do": "draft", "as": c, "customer": c }));
        steps.push(serde_json::json!({ "do": "lines", "draft": c, "lines": [
            { "description": "Tjeneste", "quantity": "2", "unit-price": "1234.56", "vat-code": "25" } ] }));
        steps.push(serde_json::json!({ "do": "finalize", "draft": c, "as": c }));
    }
    steps.push(
        serde_json::json!({ "do": "credit", "invoice": "c-bygg", "as": "cn1", "reason": "Delvis",
        "lines": [ { "line": 1, "quantity": "1" } ] }),
    );
    steps.push(serde_json::json!({ "do": "credit", "invoice": "c-ola", "as": "cn2", "reason": "Avsluttet" }));
    let f = dir.join("work.json");
    std::fs::write(
        &f,
        serde_json::json!({ "client": "fjord", "today": TODAY, "steps": steps }).to_string(),
    )
    .unwrap();
    f
}

fn harness(args: &[&str], db: &str, out: &Path, smtp: &str) -> Command {
    let mut c = Command::new(HARNESS);
    c.args(args)
        .args(["--db", db, "--out", out.to_str().unwrap(), "--smtp", smtp])
        .env("INVOICING_LEASE_MS", LEASE_MS)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn kill_after(mut child: Child, after: Duration) -> bool {
    let until = Instant::now() + after;
    while Instant::now() < until {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    true
}

/// Drain what is queued, as a restarted dispatcher would, once dead leases have run out.
fn drain(db: &str, out: &Path, smtp: &str) {
    std::thread::sleep(Duration::from_millis(200));
    // The limit is only a backstop: the drain ends as soon as nothing is queued, and a slow
    // machine must not end it while a delivery waits for its backoff.
    let ok = harness(&["dispatch", "--until-empty", "600"], db, out, smtp)
        .status()
        .unwrap();
    assert!(ok.success());
}

fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.to_string_lossy().ends_with(suffix));
    v.sort();
    v
}

/// The KID and due date of every claim (or deletion) in Nets files, as the bank reads them:
/// by netsgiro (PyPI, an independent parser of Nets files), or by record position without it.
fn nets_claims(files: &[PathBuf]) -> Vec<(String, String)> {
    if files.is_empty() {
        return Vec::new();
    }
    if let Some(py) = python(&["netsgiro"]) {
        let script = "import sys, netsgiro\nfor f in sys.argv[1:]:\n    t = netsgiro.parse(open(f, 'rb').read().decode('iso-8859-1'))\n    for a in t.assignments:\n        for tx in a.transactions:\n            print(tx.kid, tx.date.strftime('%d%m%y'))\n";
        // netsgiro refusing a file fails the run, with its reason.
        let read = stdout_of(Command::new(py).arg("-c").arg(script).args(files));
        return String::from_utf8(read)
            .unwrap()
            .lines()
            .map(|l| {
                let (kid, due) = l.split_once(' ').unwrap();
                (kid.to_owned(), due.to_owned())
            })
            .collect();
    }
    let mut out = Vec::new();
    for f in files {
        let text: String = std::fs::read(f)
            .unwrap()
            .iter()
            .map(|&b| b as char)
            .collect();
        for r in text
            .split("\r\n")
            .filter(|r| r.len() == 80 && &r[6..8] == "30")
        {
            out.push((r[49..74].trim().to_owned(), r[15..21].to_owned()));
        }
    }
    out
}

/// Everything the receivers hold against what the database says was delivered.
fn check_exactly_once(db: &str, out: &Path, inbox: &Inbox) -> BTreeMap<&'static str, usize> {
    let store = host_harness::store::open(db).unwrap();
    let integers = |sql: &str| {
        store
            .begin()
            .unwrap()
            .probes()
            .unwrap()
            .integers(sql)
            .unwrap()
    };
    let count = |sql: &str| integers(sql)[0] as usize;
    assert_eq!(
        count("SELECT count(*) FROM outbox WHERE state = 'queued'"),
        0,
        "drained"
    );
    // Each document went out by exactly one channel (this workload resends nothing).
    assert_eq!(
        count("SELECT count(*) FROM (SELECT document_id FROM outbox WHERE purpose = 'deliver' AND state = 'sent' GROUP BY document_id HAVING count(*) != 1) x"),
        0,
        "no document by two channels"
    );
    assert_eq!(
        count("SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.document_id = d.id AND o.purpose = 'deliver' AND o.state = 'sent')"),
        0,
        "every document delivered"
    );
    let sent = |channel: &str| {
        count(&format!("SELECT count(*) FROM outbox WHERE purpose = 'deliver' AND state = 'sent' AND channel = '{channel}'"))
    };
    assert_eq!(files(&out.join("ehf"), ".xml").len(), sent("ehf"), "EHF");
    assert_eq!(
        files(&out.join("efaktura"), ".json").len(),
        sent("efaktura"),
        "eFaktura"
    );
    assert_eq!(
        files(&out.join("print"), ".pdf").len(),
        sent("print"),
        "print"
    );
    // E-mail: the relay holds each delivery's Message-ID once; nothing else arrived.
    let expected: BTreeSet<String> = integers(
        "SELECT id FROM outbox WHERE purpose = 'deliver' AND state = 'sent' AND channel = 'email'",
    )
    .into_iter()
    .map(|id| format!("<delivery-{id}.fjord.{}@invoicing.invalid>", store.id()))
    .collect();
    let held = inbox.held();
    let missing: Vec<_> = expected.difference(&held).collect();
    let extra: Vec<_> = held.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "e-mail lost: {missing:?}; not ours: {extra:?}"
    );
    // AvtaleGiro: each claim once across all transmissions, each deletion once.
    let claims = nets_claims(
        &files(&out.join("avtalegiro"), ".nets")
            .into_iter()
            .filter(|f| !f.to_string_lossy().ends_with(".deletion.nets"))
            .collect::<Vec<_>>(),
    );
    let distinct: BTreeSet<_> = claims.iter().cloned().collect();
    assert_eq!(
        claims.len(),
        distinct.len(),
        "the bank would collect a claim twice: {claims:?}"
    );
    assert_eq!(claims.len(), sent("avtalegiro"), "AvtaleGiro claims");
    let deletions = files(&out.join("avtalegiro"), ".deletion.nets");
    assert_eq!(
        deletions.len(),
        count("SELECT count(*) FROM outbox WHERE purpose = 'cancel' AND state = 'sent'")
    );
    assert_eq!(
        deletions.len(),
        count("SELECT count(*) FROM documents d JOIN credited c ON c.document_id = d.id WHERE c.ore >= d.payable_ore AND EXISTS (SELECT 1 FROM outbox o WHERE o.document_id = d.id AND o.channel = 'avtalegiro' AND o.state = 'sent')"),
        "every fully credited claim deleted, once"
    );
    for f in &deletions {
        assert_eq!(nets_claims(std::slice::from_ref(f)).len(), 1);
    }
    // The books.
    assert_eq!(count("SELECT count(*) FROM (SELECT 1 FROM journal GROUP BY document_id HAVING sum(debit_ore) != sum(credit_ore)) x"), 0);
    assert_eq!(
        count("SELECT CAST(abs(coalesce(sum(debit_ore) - sum(credit_ore), 0)) AS BIGINT) FROM journal"),
        0
    );
    for series in ["invoice", "credit-note"] {
        let [n, lo, hi] = [
            "count(*)",
            "coalesce(min(number), 0)",
            "coalesce(max(number), -1)",
        ]
        .map(|f| {
            count(&format!(
                "SELECT {f} FROM documents WHERE series = '{series}'"
            )) as i64
        });
        assert_eq!(hi - lo + 1, n, "{series} numbers are gapless");
    }
    BTreeMap::from([
        ("documents", count("SELECT count(*) FROM documents")),
        (
            "deliveries",
            count("SELECT count(*) FROM outbox WHERE state = 'sent'"),
        ),
        ("e-mails held", inbox.held().len()),
        (
            "e-mail repeats dropped by the relay",
            inbox.ids().len() - inbox.held().len(),
        ),
        ("claims", claims.len()),
        ("deletions", deletions.len()),
    ])
}

/// A small deterministic generator, so a failing run can be repeated (CRASH_SEED).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn kills_at_random_moments_and_at_chosen_points_deliver_everything_exactly_once() {
    // The machine is busy the whole time: leases of 150 ms run out mid-delivery.
    let _busy = Busy::start();
    let dir = tempfile::tempdir().unwrap();
    let (db, out) = (new_store(dir.path()), dir.path().join("out"));
    let work = workload(dir.path());
    let (smtp, inbox) = smtp_relay(Relay::Receiving);
    let kills: usize = std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261129);
    let mut rng = Lcg(seed);
    let points = [
        "after-accept",
        "before-receipt",
        "email-before-sent-log",
        "before-rename",
    ];
    let (mut killed, mut died_at_point) = (0, 0);
    // How long a whole run takes here, so a random kill lands inside one.
    let mut run_ms = 200;
    for i in 0..kills {
        let mut cmd = harness(&["run", work.to_str().unwrap()], &db, &out, &smtp);
        if i % 2 == 0 {
            // A chosen point inside a channel's write sequence: the process aborts there.
            cmd.env("INVOICING_CRASH_AT", points[(i / 2) % points.len()]);
            let status = cmd.status().unwrap();
            died_at_point += usize::from(!status.success());
        } else {
            let started = Instant::now();
            let child = cmd.spawn().unwrap();
            if kill_after(child, Duration::from_millis(rng.next(run_ms))) {
                killed += 1;
            } else {
                run_ms = started.elapsed().as_millis() as u64 + 1;
            }
        }
        // Now and then the restart comes with a drained dispatcher in between.
        if rng.next(4) == 0 {
            drain(&db, &out, &smtp);
        }
    }
    drain(&db, &out, &smtp);
    let figures = check_exactly_once(&db, &out, &inbox);
    eprintln!("{kills} runs: {killed} SIGKILLed at random, {died_at_point} died at a chosen point; {figures:?}");
    assert!(killed + died_at_point >= kills / 2, "the kills happened");
}

/// Issue the workload `times` without dispatching (no --out: the runner queues only).
fn queue_only(work: &Path, db: &str, times: usize) {
    for _ in 0..times {
        let ok = Command::new(HARNESS)
            .args(["run", work.to_str().unwrap(), "--db", db])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

fn four_dispatchers_on_one_database_deliver_each_item_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let (db, out) = (new_store(dir.path()), dir.path().join("out"));
    let work = workload(dir.path());
    let (smtp, inbox) = smtp_relay(Relay::Receiving);
    queue_only(&work, &db, 4);
    let mut rng = Lcg(7);
    let dispatchers: Vec<Child> = (0..4)
        .map(|_| {
            harness(&["dispatch", "--until-empty", "600"], &db, &out, &smtp)
                .spawn()
                .unwrap()
        })
        .collect();
    // One of them is killed mid-way; its leases run out and the others take over.
    let mut dispatchers = dispatchers.into_iter();
    let victim = dispatchers.next().unwrap();
    kill_after(victim, Duration::from_millis(rng.next(300)));
    for mut d in dispatchers {
        assert!(d.wait().unwrap().success());
    }
    drain(&db, &out, &smtp);
    let figures = check_exactly_once(&db, &out, &inbox);
    eprintln!("4 dispatchers: {figures:?}");
    assert_eq!(figures["documents"], 28);
}

/// Leases far shorter than a delivery takes, on a busy machine: four dispatchers take each
/// other's deliveries over mid-attempt all the time (each renews as it goes and gives up what
/// another took), and still every delivery reaches its receiver once and is recorded once.
fn leases_that_run_out_mid_delivery_on_a_busy_machine_still_deliver_once() {
    let _busy = Busy::start();
    let dir = tempfile::tempdir().unwrap();
    let (db, out) = (new_store(dir.path()), dir.path().join("out"));
    let work = workload(dir.path());
    let (smtp, inbox) = smtp_relay(Relay::Receiving);
    queue_only(&work, &db, 3);
    let dispatchers: Vec<Child> = (0..4)
        .map(|_| {
            harness(&["dispatch", "--until-empty", "600"], &db, &out, &smtp)
                .env("INVOICING_LEASE_MS", "3")
                .spawn()
                .unwrap()
        })
        .collect();
    for mut d in dispatchers {
        assert!(d.wait().unwrap().success());
    }
    drain(&db, &out, &smtp);
    let figures = check_exactly_once(&db, &out, &inbox);
    let taken_over = scalar_at(
        &db,
        "SELECT count(*) FROM delivery_attempts WHERE detail LIKE '%repeat dropped%' OR detail LIKE '%already%'",
    );
    eprintln!("4 dispatchers, 3 ms leases, busy machine: {figures:?}; {taken_over} attempts found the work done");
    assert_eq!(figures["documents"], 21);
}

crate::on_both_stores!(
    kills_at_random_moments_and_at_chosen_points_deliver_everything_exactly_once,
    four_dispatchers_on_one_database_deliver_each_item_exactly_once,
    leases_that_run_out_mid_delivery_on_a_busy_machine_still_deliver_once,
    an_import_killed_anywhere_registers_every_payment_once,
);

/// Many hosts, one PostgreSQL: four host processes issue 500 five-line invoices each for the
/// same client (customers of every channel in turn) and dispatch as they go; two of them are
/// SIGKILLed mid-way and started again, carrying on by their idempotency keys. The numbers are
/// exactly start..start+1999, and every delivery is at its receiver once.
#[test]
fn four_host_processes_on_one_postgres_number_gaplessly_and_deliver_once() {
    if pg::installed().is_none() {
        return;
    }
    let per_host: usize = std::env::var("MANY_HOSTS_INVOICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().unwrap();
    let (db, out) = (pg::shared().database(), dir.path().join("out"));
    let (smtp, inbox) = smtp_relay(Relay::Receiving);
    let nothing = host_harness::fixtures::dir().join("scenarios/nothing.json");
    let ok = harness(&["run", nothing.to_str().unwrap()], &db, &out, &smtp)
        .status()
        .unwrap();
    assert!(ok.success(), "fixtures loaded");
    let count = per_host.to_string();
    let host = |k: usize| {
        harness(
            &[
                "issue",
                "--count",
                &count,
                "--keys",
                &format!("host{k}"),
                "--today",
                TODAY,
            ],
            &db,
            &out,
            &smtp,
        )
        .spawn()
        .unwrap()
    };
    let started = Instant::now();
    let mut hosts: Vec<Child> = (0..4).map(host).collect();
    let mut rng = Lcg(4712);
    for (k, slot) in hosts.iter_mut().enumerate().take(2) {
        // Killed somewhere in its run (a run of 500 takes several seconds here), then started
        // again with the same keys.
        let victim = std::mem::replace(slot, Command::new("true").spawn().unwrap());
        assert!(
            kill_after(victim, Duration::from_millis(500 + rng.next(2000))),
            "host {k} was killed mid-way"
        );
        *slot = host(k);
    }
    for mut h in hosts {
        assert!(h.wait().unwrap().success());
    }
    let elapsed = started.elapsed();
    drain(&db, &out, &smtp);
    let figures = check_exactly_once(&db, &out, &inbox);
    let store = host_harness::store::open(&db).unwrap();
    let numbers = ["count(*)", "min(number)", "max(number)"].map(|f| {
        store
            .begin()
            .unwrap()
            .probes()
            .unwrap()
            .scalar(&format!(
                "SELECT {f} FROM documents WHERE client_id = 'fjord' AND series = 'invoice'"
            ))
            .unwrap()
    });
    let n = 4 * per_host as i64;
    assert_eq!(
        numbers,
        [n, 10001, 10000 + n],
        "exactly start..start+{}",
        n - 1
    );
    eprintln!("4 hosts × {per_host} in {elapsed:?}, 2 killed and restarted: {figures:?}");
}

/// A bank file of 40 payments imported in parts of 5, the import SIGKILLed at random moments
/// and dying at chosen points (between two parts, before the file is recorded), then run
/// again until it finishes: every payment is registered once, with one voucher, and the
/// books balance. The file is written by lxml (tests/bank/write_bank_file.py).
fn an_import_killed_anywhere_registers_every_payment_once() {
    let _busy = Busy::start();
    let dir = tempfile::tempdir().unwrap();
    let db = new_store(dir.path());
    // Twenty invoices, issued and queued (nothing delivered: this is about money in).
    let mut steps = vec![serde_json::json!({ "do": "activate" })];
    for i in 0..20 {
        let c = ["c-bygg", "c-kari", "c-ola", "c-lise"][i % 4];
        let name = format!("d{i}");
        steps.push(serde_json::json!({ "do": "draft", "as": name, "customer": c }));
        steps.push(serde_json::json!({ "do": "lines", "draft": name, "lines": [
            { "description": "Tjeneste", "quantity": "1", "unit-price": "800.00", "vat-code": "25" } ] }));
        steps.push(serde_json::json!({ "do": "finalize", "draft": name, "as": name }));
    }
    let work = dir.path().join("invoices.json");
    std::fs::write(
        &work,
        serde_json::json!({ "client": "fjord", "today": TODAY, "steps": steps }).to_string(),
    )
    .unwrap();
    queue_only(&work, &db, 1);
    // Their KIDs, as the CLI lists what is open.
    let open = Command::new(HARNESS)
        .args(["payments", "open", "--json", "--db", &db, "--date", TODAY])
        .output()
        .unwrap();
    assert!(
        open.status.success(),
        "{}",
        String::from_utf8_lossy(&open.stderr)
    );
    let open: serde_json::Value = serde_json::from_slice(&open.stdout).unwrap();
    let kids: Vec<String> = open["open-items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kids.len(), 20);
    // Each invoice paid in two halves, from two payers.
    let payments: Vec<serde_json::Value> = (0..40)
        .map(|n| {
            serde_json::json!({ "ref": format!("{:09}", 300_000_000 + n), "kid": kids[n / 2],
               "amount": "500.00", "date": TODAY, "payer": format!("Betaler {n}") })
        })
        .collect();
    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        serde_json::json!({ "format": "camt02", "account": "86011117947", "payments": payments })
            .to_string(),
    )
    .unwrap();
    let Some(py) = python(&["lxml", "pyiso20022", "xsdata"]) else {
        return;
    };
    let file = dir.path().join("camt054.xml");
    let ok = Command::new(py)
        .arg(repo().join("tests/bank/write_bank_file.py"))
        .args([&spec, &file])
        .status()
        .unwrap();
    assert!(ok.success());
    let import = || {
        let mut c = Command::new(HARNESS);
        c.args([
            "payments",
            "import",
            file.to_str().unwrap(),
            "--chunk",
            "5",
            "--db",
            &db,
            "--date",
            TODAY,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        c
    };
    let mut rng = Lcg(20261204);
    let points = ["bank-after-part", "bank-before-file-recorded"];
    let (mut killed, mut died_at_point, mut run_ms) = (0, 0, 300);
    for i in 0..12 {
        let mut cmd = import();
        if i % 3 == 0 {
            cmd.env("INVOICING_CRASH_AT", points[(i / 3) % points.len()]);
            died_at_point += usize::from(!cmd.status().unwrap().success());
        } else {
            let started = Instant::now();
            if kill_after(
                cmd.spawn().unwrap(),
                Duration::from_millis(rng.next(run_ms)),
            ) {
                killed += 1;
            } else {
                run_ms = started.elapsed().as_millis() as u64 + 1;
            }
        }
    }
    assert!(
        import().status().unwrap().success(),
        "the last run finishes"
    );
    let count = |sql: &str| scalar_at(&db, sql);
    assert_eq!(
        count("SELECT count(*) FROM payments"),
        40,
        "every payment once"
    );
    assert_eq!(count("SELECT count(DISTINCT bank_ref) FROM payments"), 40);
    assert_eq!(
        count("SELECT count(*) FROM payment_journal"),
        80,
        "one voucher (two lines) each"
    );
    assert_eq!(
        count("SELECT count(*) FROM payments WHERE outcome = 'paid'"),
        20,
        "the second half of each invoice pays it"
    );
    assert_eq!(
        count("SELECT CAST(sum(debit_ore) - sum(credit_ore) AS BIGINT) FROM payment_journal WHERE account = 1920"),
        40 * 50_000
    );
    assert_eq!(count("SELECT count(*) FROM bank_files"), 1);
    eprintln!("12 runs: {killed} SIGKILLed at random, {died_at_point} died at a chosen point");
    assert!(killed + died_at_point >= 4, "the kills happened");
}

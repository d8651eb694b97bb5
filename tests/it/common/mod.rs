//! Shared setup for the end-to-end tests: one compiled component per test binary, a fresh
//! store with the fixtures per test (an SQLite file, or a database on the binary's own
//! PostgreSQL server: `on_both_stores!` runs a test body on each), and the outside tools the
//! tests check against.
#![allow(dead_code)]

pub mod pg;

use host_harness::api::free_line;
use host_harness::bindings::*;
use host_harness::{fixtures, Harness, Limits, Runtime};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub const TODAY: &str = "2026-11-28";

pub fn runtime() -> Arc<Runtime> {
    static RT: OnceLock<Arc<Runtime>> = OnceLock::new();
    RT.get_or_init(|| host_harness::embedded(Limits::default()).expect("runtime"))
        .clone()
}

/// Which store a test runs on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

thread_local! {
    static BACKEND: std::cell::Cell<Backend> = const { std::cell::Cell::new(Backend::Sqlite) };
}

/// The store this test runs on (each test has its own thread).
pub fn backend() -> Backend {
    BACKEND.with(|b| b.get())
}

/// Run a test body on `b`; on PostgreSQL only where it is installed (required in CI).
pub fn on(b: Backend, test: fn()) {
    if b == Backend::Postgres && pg::installed().is_none() {
        return;
    }
    BACKEND.with(|c| c.set(b));
    test()
}

/// One test body, run twice: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                $crate::common::on($crate::common::Backend::Sqlite, super::$name)
            }
            #[test]
            fn postgres() {
                $crate::common::on($crate::common::Backend::Postgres, super::$name)
            }
        }
    )*};
}

/// A new, empty store for this test's backend: an SQLite file in `dir`, or a database.
pub fn new_store(dir: &Path) -> String {
    match backend() {
        Backend::Sqlite => dir.join("test.db").display().to_string(),
        Backend::Postgres => pg::shared().database(),
    }
}

pub struct Env {
    pub dir: tempfile::TempDir,
    /// The store's location (`--db`): an SQLite file or a `postgres://` URL.
    pub db: String,
    pub host: Harness,
}

impl Env {
    /// A fresh database with the fixtures loaded; no client active yet.
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = new_store(dir.path());
        let host = connect(&db, runtime());
        fixtures::load_all(host.store()).unwrap();
        Env { dir, db, host }
    }

    /// ... with `fjord` active.
    pub fn active() -> Env {
        let mut env = Env::new();
        env.host.activate("fjord").unwrap();
        env
    }

    /// The first column of the first row of `sql` (portable SQL: it runs on both stores).
    pub fn count(&self, sql: &str) -> i64 {
        self.host
            .store()
            .begin()
            .unwrap()
            .probes()
            .unwrap()
            .scalar(sql)
            .unwrap()
    }

    /// Every client's overview rows of `kind` (all kinds: none), through the store's own
    /// overview, so a test counts what a user would see and needs no SQL.
    pub fn rows(&self, kind: Option<DocumentKind>) -> Vec<Summary> {
        host_harness::store::with_unit(self.host.store(), |u| {
            let mut out = Vec::new();
            for client in u.reports()?.clients()? {
                for offset in (0..).step_by(500) {
                    let rows = u.overview(
                        &client,
                        &OverviewFilter {
                            kind,
                            limit: Some(500),
                            offset: Some(offset),
                            ..Default::default()
                        },
                    )?;
                    let done = rows.len() < 500;
                    out.extend(rows);
                    if done {
                        break;
                    }
                }
            }
            Ok(out)
        })
        .unwrap()
    }

    /// Issued invoices and credit notes, of every client.
    pub fn documents(&self) -> i64 {
        self.rows(None)
            .iter()
            .filter(|r| r.kind != DocumentKind::Draft)
            .count() as i64
    }

    /// The issued documents' numbers, of every client.
    pub fn numbers(&self) -> Vec<u64> {
        let mut n: Vec<u64> = self.rows(None).iter().filter_map(|r| r.number).collect();
        n.sort();
        n
    }

    /// Drafts, of every client.
    pub fn drafts(&self) -> i64 {
        self.rows(Some(DocumentKind::Draft)).len() as i64
    }

    /// Every client's accounts whose debits and credits differ, by the trial balance.
    pub fn open_accounts(&self) -> Vec<(String, u32)> {
        host_harness::store::with_unit(self.host.store(), |u| {
            let mut out = Vec::new();
            for client in u.reports()?.clients()? {
                for (account, debit, credit) in u.reports()?.trial_balance(&client)? {
                    if debit != credit {
                        out.push((client.clone(), account));
                    }
                }
            }
            Ok(out)
        })
        .unwrap()
    }

    /// Every client's journal lines, by the journal report.
    pub fn journal(&self) -> Vec<host_harness::store::JournalRow> {
        host_harness::store::with_unit(self.host.store(), |u| {
            let mut out = Vec::new();
            for client in u.reports()?.clients()? {
                out.extend(u.reports()?.journal(&client)?);
            }
            Ok(out)
        })
        .unwrap()
    }

    /// Documents with a voucher in the journal, of every client.
    pub fn vouchers(&self) -> i64 {
        let mut n: Vec<i64> = self.journal().iter().map(|r| r.number).collect();
        n.sort();
        n.dedup();
        n.len() as i64
    }

    /// Deliveries of every client's documents in `state` (any: none), by the delivery report.
    pub fn deliveries(&self, state: Option<DeliveryState>) -> i64 {
        host_harness::store::with_unit(self.host.store(), |u| {
            let mut n = 0;
            for client in u.reports()?.clients()? {
                n += u
                    .reports()?
                    .delivery_report(&client)?
                    .iter()
                    .filter(|d| state.is_none_or(|s| d.state == s))
                    .count() as i64;
            }
            Ok(n)
        })
        .unwrap()
    }

    /// Run `sql` as it is, committed if it succeeds (tests tamper to show what is refused).
    pub fn execute(&self, sql: &str) -> anyhow::Result<u64> {
        let mut u = self.host.store().begin()?;
        let n = u.probes()?.execute_raw(sql)?;
        u.commit()?;
        Ok(n)
    }

    /// A draft with these lines, for `customer` of `fjord`.
    pub fn draft(&mut self, customer: &str, lines: Vec<LineInput>) -> Draft {
        let d = self.host.create_draft("fjord", customer).unwrap();
        self.change(&d, DraftChange::AddLines(lines)).unwrap()
    }

    /// Apply one change to a draft of `fjord`, against the version the caller holds.
    pub fn change(
        &mut self,
        d: &Draft,
        change: DraftChange,
    ) -> Result<Draft, host_harness::CallError> {
        self.host.update_draft("fjord", &d.id, d.version, &change)
    }

    /// An issued invoice with these lines; what it queued is then dispatched, as the harness
    /// does after a call returns (never inside it).
    pub fn invoice(&mut self, customer: &str, lines: Vec<LineInput>) -> IssuedDocument {
        let d = self.draft(customer, lines);
        let inv = self
            .host
            .finalize("fjord", &d.id, &format!("key-{}", d.id))
            .unwrap();
        self.host.dispatch();
        inv
    }
}

/// The change that dates a draft's issue (nothing else set).
pub fn issue_dated(issue: &str) -> DraftChange {
    DraftChange::SetDates(Dates {
        issue_date: Some(issue.into()),
        delivery_date: None,
        due_date: None,
        payment_terms_days: None,
    })
}

/// Change a client's settings in the store, as the ERP's settings screen would.
pub fn edit_settings(env: &Env, client: &str, f: impl FnOnce(&mut ClientSettings)) {
    host_harness::store::with_unit(env.host.store(), |u| {
        let mut s = u.settings(client)?.expect("the client");
        f(&mut s);
        u.put_client(client, &s)
    })
    .unwrap()
}

/// Change a customer in the CRM, as the ERP's customer screen would.
pub fn edit_customer(env: &Env, client: &str, id: &str, f: impl FnOnce(&mut Customer)) {
    host_harness::store::with_unit(env.host.store(), |u| {
        let mut c = u.customer(client, id)?.expect("the customer");
        f(&mut c.customer);
        u.put_customer(client, &c)
    })
    .unwrap()
}

/// Every EHF a client's documents carry, newest first.
pub fn stored_ehfs(env: &Env, client: &str) -> Vec<String> {
    ehfs_in(env.host.store(), client)
}

/// Every EHF a client's documents carry in `store`, newest first.
pub fn ehfs_in(store: &dyn host_harness::store::Store, client: &str) -> Vec<String> {
    host_harness::store::with_unit(store, |u| {
        let mut out = Vec::new();
        for offset in (0..).step_by(200) {
            let rows = u.overview(
                client,
                &OverviewFilter {
                    limit: Some(200),
                    offset: Some(offset),
                    ..Default::default()
                },
            )?;
            for r in &rows {
                if let Some(n) = host_harness::ids::Id::Doc.row(&r.id) {
                    out.extend(u.reports()?.files(client, n)?.and_then(|f| f.ehf));
                }
            }
            if rows.len() < 200 {
                return Ok(out);
            }
        }
        unreachable!()
    })
    .unwrap()
}

/// The first column of the first row of `sql` in the store at `db` (portable SQL).
pub fn scalar_at(db: &str, sql: &str) -> i64 {
    let store = host_harness::store::open(db).unwrap();
    let mut u = store.begin().unwrap();
    u.probes().unwrap().scalar(sql).unwrap()
}

/// Another host on the store at `db`.
pub fn connect(db: &str, rt: Arc<Runtime>) -> Harness {
    let mut host = host_harness::connect(rt, db).unwrap();
    host.today = TODAY.parse().unwrap();
    host
}

/// The worked example of norway.md §5: 10 × 1 000.00 at 25 % and 4 × 249.90 at 15 %.
pub fn worked_example() -> Vec<LineInput> {
    vec![
        free_line("Konsulenttimer", "10", "1000.00", VatCode::Standard),
        free_line("Kaffe", "4", "249.90", VatCode::Medium),
    ]
}

/// An outside tool on PATH. Missing: `None` on a developer's machine, a failure in CI
/// (`.ci/run` sets INVOICING_REQUIRE_TOOLS=1 and installs them).
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("INVOICING_REQUIRE_TOOLS").is_none(),
            "{name} is required in CI but not installed"
        );
        eprintln!("skipped: {name} is not installed (.ci/run installs it)");
    }
    found
}

/// A Python with `modules` importable: $INVOICING_PYTHON, else python3.
pub fn python(modules: &[&str]) -> Option<String> {
    let py = std::env::var("INVOICING_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .arg("-c")
        .arg(format!("import {}", modules.join(", ")))
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("INVOICING_REQUIRE_TOOLS").is_none(),
            "{py} with {modules:?} is required in CI"
        );
        eprintln!("skipped: {py} lacks {modules:?} (.ci/run installs them)");
        return None;
    }
    Some(py)
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// How a loopback SMTP relay for the tests behaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Relay {
    /// Accepts every message; a repeat of a Message-ID it holds is recognised and dropped.
    Receiving,
    /// Refuses every recipient for good (550).
    Refusing,
    /// Accepts the connection and never greets.
    StallAtGreeting,
    /// Reads the message and never answers the final dot.
    StallAfterData,
    /// Reads the message and hangs up without answering the final dot.
    DropAfterDot,
}

/// What a test relay received: every message's Message-ID, in order, repeats included.
#[derive(Clone, Default)]
pub struct Inbox(pub Arc<std::sync::Mutex<Vec<String>>>);

impl Inbox {
    pub fn ids(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    /// Distinct Message-IDs: what the receiver holds.
    pub fn held(&self) -> std::collections::BTreeSet<String> {
        self.ids().into_iter().collect()
    }
}

/// An SMTP relay on loopback behaving as `relay`; its address and what it received. It serves
/// until the test process ends (each connection on its own thread).
pub fn smtp_relay(relay: Relay) -> (String, Inbox) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let inbox = Inbox::default();
    let got = inbox.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let got = got.clone();
            std::thread::spawn(move || {
                let mut w = stream.try_clone().unwrap();
                let mut r = BufReader::new(stream);
                if relay == Relay::StallAtGreeting {
                    std::thread::sleep(std::time::Duration::from_secs(60));
                    return;
                }
                let _ = w.write_all(b"220 test relay ESMTP\r\n");
                let mut line = String::new();
                while r.read_line(&mut line).unwrap_or(0) > 0 {
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250 test relay\r\n"
                    } else if cmd.starts_with("RCPT") && relay == Relay::Refusing {
                        b"550 5.1.1 no such user\r\n"
                    } else if cmd.starts_with("DATA") {
                        let _ = w.write_all(b"354 go ahead\r\n");
                        let mut id = String::new();
                        let mut l = String::new();
                        let mut complete = false;
                        while r.read_line(&mut l).unwrap_or(0) > 0 {
                            if l == ".\r\n" {
                                complete = true;
                                break;
                            }
                            if l.to_ascii_lowercase().starts_with("message-id:") {
                                id = l[11..].trim().to_owned();
                            }
                            l.clear();
                        }
                        if !complete {
                            return; // the sender died mid-message: nothing was delivered
                        }
                        match relay {
                            Relay::StallAfterData => {
                                std::thread::sleep(std::time::Duration::from_secs(60));
                                return;
                            }
                            Relay::DropAfterDot => return,
                            _ => {}
                        }
                        got.0.lock().unwrap().push(id);
                        b"250 2.0.0 queued\r\n"
                    } else if cmd.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n");
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    if w.write_all(reply).is_err() {
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    (addr, inbox)
}

// ---- PDFs, read with poppler-utils and qpdf ----

/// The stored EHF and PDF of an issued document, whichever client's it is.
pub fn files_of(env: &Env, doc_id: &str) -> host_harness::store::Files {
    let n = host_harness::ids::Id::Doc.row(doc_id).unwrap();
    host_harness::store::with_unit(env.host.store(), |u| {
        for client in u.reports()?.clients()? {
            if let Some(f) = u.reports()?.files(&client, n)? {
                return Ok(Some(f));
            }
        }
        Ok(None)
    })
    .unwrap()
    .expect("the document")
}

/// The stored PDF of an issued document.
pub fn pdf_of(env: &Env, doc_id: &str) -> Vec<u8> {
    files_of(env, doc_id).pdf
}

/// The stored EHF of an issued document.
pub fn ehf_of(env: &Env, doc_id: &str) -> String {
    files_of(env, doc_id).ehf.expect("an EHF")
}

/// Run `program ARGS… FILE ARGS_AFTER…` on the PDF (written to a temporary file); its output.
pub fn pdf_tool(pdf: &[u8], program: &str, args: &[&str], after: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, pdf).unwrap();
    std::process::Command::new(program)
        .args(args)
        .arg(&path)
        .args(after)
        .output()
        .unwrap()
}

/// `pdftotext -layout` of the whole file, or of one page.
pub fn text(pdf: &[u8], page: Option<usize>) -> String {
    let p = page.map(|p| p.to_string());
    let mut args = vec!["-layout"];
    if let Some(p) = &p {
        args.extend(["-f", p, "-l", p]);
    }
    let out = pdf_tool(pdf, "pdftotext", &args, &["-"]);
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

pub fn qpdf_ok(pdf: &[u8]) {
    let out = pdf_tool(pdf, "qpdf", &["--check"], &[]);
    assert!(
        out.status.success(),
        "qpdf --check: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// How many pages, as qpdf counts them.
pub fn page_count(pdf: &[u8]) -> usize {
    let out = pdf_tool(pdf, "qpdf", &["--show-npages"], &[]);
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// Run a command that must succeed (its stderr in the failure); its stdout.
pub fn stdout_of(cmd: &mut std::process::Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Every EHF in `xmls` is valid: written as `NAME-i.xml` to a folder of their own, then read by
/// `tests/ehf_check.py` and by the official rules where `get-rules` has set them up.
pub fn all_valid(name: &str, xmls: &[String]) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = xmls
        .iter()
        .enumerate()
        .map(|(i, xml)| {
            let f = dir.path().join(format!("{name}-{i}.xml"));
            std::fs::write(&f, xml).unwrap();
            f
        })
        .collect();
    ehf_check(&files);
    official_validator(&files);
}

/// `tests/ehf_check.py` (UBL XSD and the rules it states, with lxml and python-stdnum) over
/// `files`: a failure names the file and the rule.
fn ehf_check(files: &[PathBuf]) {
    let Some(py) = python(&["lxml", "peppol", "stdnum"]) else {
        return;
    };
    for chunk in files.chunks(200) {
        let run = std::process::Command::new(&py)
            .arg(repo().join("tests/ehf_check.py"))
            .args(chunk)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "EHF checks failed:\n{}\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

/// The official validator (shared/tools/ehf), when `get-rules` has set it up on this machine.
pub fn official_validator(files: &[PathBuf]) {
    let rules = std::env::var("EHF_RULES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/ehf-rules")
        });
    let validate = repo().join("../shared/tools/ehf/validate.py");
    let py = rules.join("venv/bin/python");
    if !py.exists() || !validate.exists() {
        eprintln!("official EHF validator not set up here; ran the XSD and rule checks only");
        return;
    }
    let run = std::process::Command::new(py)
        .arg(validate)
        .args(files)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    eprintln!("{out}");
    assert!(
        run.status.success(),
        "the official validator refused a document:\n{out}"
    );
}

/// CPU-bound processes competing for the cores while a test runs, as on a busy CI machine;
/// they stop when this is dropped, whatever the test's outcome.
pub struct Busy(Vec<std::process::Child>);

impl Busy {
    /// As many busy processes as the machine has cores.
    pub fn start() -> Busy {
        let n = std::thread::available_parallelism().map_or(2, |n| n.get());
        Busy(
            (0..n)
                .map(|_| {
                    std::process::Command::new("sh")
                        .args(["-c", "while :; do :; done"])
                        .spawn()
                        .unwrap()
                })
                .collect(),
        )
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

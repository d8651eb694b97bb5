//! Shared setup for the end-to-end tests: one compiled component per test binary, a fresh
//! SQLite file with the fixtures per test, and the outside tools the tests check against.
#![allow(dead_code)]

use host_harness::api::free_line;
use host_harness::bindings::*;
use host_harness::{fixtures, Host, Limits, Runtime};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub const TODAY: &str = "2026-11-28";

pub fn runtime() -> Arc<Runtime> {
    static RT: OnceLock<Arc<Runtime>> = OnceLock::new();
    RT.get_or_init(|| Runtime::new(Limits::default()).expect("runtime"))
        .clone()
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub host: Host,
}

impl Env {
    /// A fresh database with the fixtures loaded; no client active yet.
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let host = connect(dir.path(), runtime());
        fixtures::load_all(host.conn()).unwrap();
        Env { dir, host }
    }

    /// ... with `fjord` active.
    pub fn active() -> Env {
        let mut env = Env::new();
        env.host.activate("fjord").unwrap();
        env
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.host.conn().query_row(sql, [], |r| r.get(0)).unwrap()
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

pub fn connect(dir: &Path, rt: Arc<Runtime>) -> Host {
    let mut host = Host::connect(rt, &dir.join("test.db")).unwrap();
    host.today = TODAY.parse().unwrap();
    host
}

/// The worked example of norway.md §5: 10 × 1 000.00 at 25 % and 4 × 249.90 at 15 %.
pub fn worked_example() -> Vec<LineInput> {
    vec![
        free_line("Konsulenttimer", "10", "1000.00", "25"),
        free_line("Kaffe", "4", "249.90", "15"),
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

/// The stored PDF of an issued document.
pub fn pdf_of(env: &Env, doc_id: &str) -> Vec<u8> {
    let n: i64 = doc_id.strip_prefix("doc-").unwrap().parse().unwrap();
    env.host
        .conn()
        .query_row("SELECT pdf FROM documents WHERE id = ?1", [n], |r| r.get(0))
        .unwrap()
}

/// The stored EHF of an issued document.
pub fn ehf_of(env: &Env, doc_id: &str) -> String {
    let n: i64 = doc_id.strip_prefix("doc-").unwrap().parse().unwrap();
    env.host
        .conn()
        .query_row("SELECT ehf FROM documents WHERE id = ?1", [n], |r| r.get(0))
        .unwrap()
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

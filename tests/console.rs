//! The console in a real browser: `host-harness serve` on a free loopback port, driven by
//! Playwright (PyPI) in Debian's Chromium through `tests/console/flow.py`, with axe-core
//! (npm, `tests/console/`) judging accessibility. Under INVOICING_REQUIRE_TOOLS a missing tool
//! fails the test; elsewhere it is skipped.
//!
//! `CONSOLE_SCREENSHOTS=docs cargo test --test console` refreshes the README's screenshots.

mod common;
use common::*;
use std::process::{Command, Stdio};

/// A `serve` process for the test, stopped (and waited for) when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `host-harness serve` on a free loopback port with a fresh database in `dir`, once it
/// accepts connections; the port.
fn serve(dir: &std::path::Path, args: &[&str]) -> (Server, u16) {
    let port = free_port();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_host-harness"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--db"])
            .arg(dir.join("console.db"))
            .arg("--out")
            .arg(dir.join("out"))
            .args(args)
            .env("INVOICING_TODAY", TODAY)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed().as_secs() < 60,
            "the console did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (server, port)
}

#[test]
fn a_person_invoices_a_customer_in_the_browser_without_writing_json() {
    let Some(py) = python(&["playwright"]) else {
        return;
    };
    let Some(chromium) = tool("chromium") else {
        return;
    };
    assert_eq!(chromium, std::path::Path::new("/usr/bin/chromium"));
    let axe = repo().join("tests/console/node_modules/axe-core/axe.min.js");
    if !axe.exists() {
        assert!(
            std::env::var_os("INVOICING_REQUIRE_TOOLS").is_none(),
            "axe-core is required in CI: npm ci in tests/console"
        );
        eprintln!("skipped: axe-core is not installed (npm ci in tests/console)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = serve(dir.path(), &[]);
    let base = format!("http://127.0.0.1:{port}");
    let mut flow = Command::new(py);
    flow.arg(repo().join("tests/console/flow.py"))
        .arg(&base)
        .arg(&axe);
    if let Some(shots) = std::env::var_os("CONSOLE_SCREENSHOTS") {
        flow.arg(repo().join(shots));
    }
    let out = String::from_utf8(stdout_of(&mut flow)).unwrap();
    assert!(out.contains("console flow: ok"), "{out}");
    // Every EHF the flow made (its customer's organisation number typed with spaces, as people
    // type it) is valid: our checks, and the official rules where they are set up.
    let store = host_harness::store::open(dir.path().join("console.db").to_str().unwrap()).unwrap();
    let ehfs = ehfs_in(&*store, "halvferdig");
    assert!(
        ehfs.len() >= 4,
        "the flow's invoices and credit notes carry EHF: {}",
        ehfs.len()
    );
    all_valid("console", &ehfs);
    eprintln!(
        "{} EHF documents from the console flow validated",
        ehfs.len()
    );
}

/// A plain HTTP/1.1 GET on loopback: (status line, headers and body as text).
fn get(port: u16, path: &str, cookie: Option<&str>) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn with_an_access_token_nothing_is_served_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = serve(dir.path(), &["--token", "s3cret"]);
    for path in [
        "/",
        "/c/fjord/",
        "/c/fjord/innstillinger",
        "/assets/htmx.min.js",
        "/?token=wrong",
    ] {
        let r = get(port, path, None);
        assert!(
            r.starts_with("HTTP/1.1 401"),
            "{path}: {}",
            r.lines().next().unwrap_or("")
        );
        assert!(!r.contains("Fjord"), "{path} leaked a client's name");
    }
    let r = get(port, "/?token=s3cret", None);
    assert!(r.starts_with("HTTP/1.1 303"), "{r}");
    assert!(
        r.contains("set-cookie: token=s3cret; Path=/; HttpOnly; SameSite=Strict"),
        "{r}"
    );
    let r = get(port, "/c/fjord/", Some("token=s3cret"));
    assert!(
        r.starts_with("HTTP/1.1 200") && r.contains("Fjord Regnskap AS"),
        "{r}"
    );
}

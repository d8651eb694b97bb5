//! The HTTP API from outside: `host-harness serve` on a loopback port, driven by a Python
//! client that uses only `httpx` (`tests/api/flow.py`), fuzzed by Schemathesis against its own
//! OpenAPI document, which `openapi-spec-validator` accepts; keys that must find nothing; and
//! webhooks that a receiver of its own (`tests/api/receiver.py`) checks signature by signature
//! while the dispatcher is killed at random moments, on both stores.

use crate::common;
use common::*;
use host_harness::bindings::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HARNESS: &str = env!("CARGO_BIN_EXE_host-harness");

/// A child process of the test, stopped (and waited for) when dropped.
struct Running(Child);

impl Drop for Running {
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

/// `host-harness serve` on `db` (fixtures loaded), with this rate limit per key; its base URL.
fn serve(db: &str, out: &std::path::Path, limit: &str) -> (Running, String) {
    let port = free_port();
    let server = Running(
        Command::new(HARNESS)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--db",
                db,
            ])
            .arg("--out")
            .arg(out)
            .env("INVOICING_TODAY", TODAY)
            .env("INVOICING_API_LIMIT", limit)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed().as_secs() < 120,
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, format!("http://127.0.0.1:{port}"))
}

/// A key for `client`, made by the CLI as an operator would.
fn key(db: &str, client: &str, scope: &str) -> String {
    let out = stdout_of(
        Command::new(HARNESS).args(["api-key", "--db", db, "--client", client, "--scope", scope]),
    );
    String::from_utf8(out).unwrap().trim().to_owned()
}

/// A request as a client sends it: (status, headers, body).
fn call(
    method: &str,
    url: &str,
    key: &str,
    body: Option<&str>,
) -> (u16, BTreeMap<String, String>, String) {
    let (host, path) = url
        .strip_prefix("http://")
        .unwrap()
        .split_once('/')
        .unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    let body = body.unwrap_or("");
    let req = format!(
        "{method} /{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    std::io::Write::write_all(&mut s, req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut s, &mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, rest.to_owned())
}

#[test]
fn a_program_with_httpx_invoices_credits_and_downloads_and_retries_safely() {
    let Some(py) = python(&["httpx"]) else {
        return;
    };
    let env = Env::active();
    let (_server, base) = serve(&env.db, &env.dir.path().join("out"), "1000/1000");
    let k = key(&env.db, "fjord", "read-write");
    let files = env.dir.path().join("files");
    let out = stdout_of(
        Command::new(py)
            .arg(repo().join("tests/api/flow.py"))
            .arg(&base)
            .arg(&k)
            .arg(&files),
    );
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("api flow: ok"), "{out}");
    // What it downloaded is what was sent, and valid EHF: our checks and the official rules.
    let ehfs: Vec<String> = ["invoice.xml", "credit-note.xml"]
        .iter()
        .map(|f| std::fs::read_to_string(files.join(f)).unwrap())
        .collect();
    all_valid("api", &ehfs);
    // The key never reaches a log: the server printed nothing with it.
    assert!(!out.contains(&k));
}

/// Series made and changed, reminders sent once, a bank file imported once, through the API.
#[test]
fn a_program_makes_series_sends_reminders_and_imports_a_bank_file_once() {
    let Some(py) = python(&["httpx", "lxml", "netsgiro"]) else {
        return;
    };
    let env = Env::active();
    let (_server, base) = serve(&env.db, &env.dir.path().join("out"), "1000/1000");
    let k = key(&env.db, "fjord", "read-write");
    let out = stdout_of(
        Command::new(py)
            .arg(repo().join("tests/api/money.py"))
            .arg(&base)
            .arg(&k)
            .arg(env.dir.path().join("money"))
            .arg(TODAY),
    );
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("api money: ok"), "{out}");
    // One notice and one payment kept, however often each was asked for.
    assert_eq!(env.count("SELECT count(*) FROM notices"), 1);
    assert_eq!(env.count("SELECT count(*) FROM payments"), 1);
}

#[test]
fn another_clients_key_finds_nothing_a_revoked_key_nothing_at_all_and_limits_hold() {
    let env = Env::active();
    let mut host = connect(&env.db, runtime());
    host.activate("nordlys").unwrap();
    let d = host.create_draft("fjord", "c-bygg").unwrap();
    let d = host
        .update_draft(
            "fjord",
            &d.id,
            d.version,
            &DraftChange::AddLines(worked_example()),
        )
        .unwrap();
    let open_draft = host.create_draft("fjord", "c-kari").unwrap();
    let open_draft = host
        .update_draft(
            "fjord",
            &open_draft.id,
            1,
            &DraftChange::AddLines(worked_example()),
        )
        .unwrap()
        .id;
    let doc = host.finalize("fjord", &d.id, "k-api-1").unwrap();
    let cn = host
        .credit("fjord", &doc.id, None, "Feil", "k-api-2")
        .unwrap();
    let (_server, base) = serve(&env.db, &env.dir.path().join("out"), "1000/1000");
    let mine = key(&env.db, "fjord", "read-write");
    let theirs = key(&env.db, "nordlys", "read-write");
    let hook = call(
        "POST",
        &format!("{base}/api/v1/webhook-endpoints"),
        &mine,
        Some(r#"{"url": "http://127.0.0.1:9/hook"}"#),
    );
    assert_eq!(hook.0, 201, "{}", hook.2);
    let hook_id = serde_json::from_str::<serde_json::Value>(&hook.2).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (i, c, dr) = (&doc.id, &cn.id, &open_draft);
    let gets = [
        format!("/api/v1/invoices/{i}"),
        format!("/api/v1/invoices/{i}/pdf"),
        format!("/api/v1/invoices/{i}/ehf"),
        format!("/api/v1/invoices/{i}/creditable"),
        format!("/api/v1/invoices/{i}/open-item"),
        format!("/api/v1/credit-notes/{c}"),
        format!("/api/v1/credit-notes/{c}/pdf"),
        format!("/api/v1/credit-notes/{c}/ehf"),
        format!("/api/v1/drafts/{dr}"),
        format!("/api/v1/drafts/{dr}/preview.pdf"),
        "/api/v1/customers/c-bygg".to_owned(),
        "/api/v1/products/konsulent".to_owned(),
    ];
    for path in &gets {
        let (status, _, body) = call("GET", &format!("{base}{path}"), &mine, None);
        assert!(
            status == 200 || path.contains("products"),
            "{path}: {status} {body}"
        );
        let (status, headers, body) = call("GET", &format!("{base}{path}"), &theirs, None);
        assert_eq!(status, 404, "{path} with another client's key: {body}");
        assert_eq!(headers["content-type"], "application/problem+json");
    }
    let writes = [
        ("POST", format!("/api/v1/drafts/{dr}/finalize"), None),
        (
            "POST",
            format!("/api/v1/invoices/{i}/credit-notes"),
            Some(r#"{"reason": "x"}"#),
        ),
        ("DELETE", format!("/api/v1/drafts/{dr}"), None),
        (
            "DELETE",
            format!("/api/v1/webhook-endpoints/{hook_id}"),
            None,
        ),
    ];
    for (method, path, body) in &writes {
        let (status, _, text) = call(method, &format!("{base}{path}"), &theirs, *body);
        assert_eq!(
            status, 404,
            "{method} {path} with another client's key: {text}"
        );
    }
    // Nothing of fjord's moved: the draft is there, the invoice has its one credit note.
    assert_eq!(host.get_draft("fjord", dr).unwrap().id, *dr);
    assert_eq!(
        host.open("fjord", i).unwrap().status,
        DocumentStatus::Credited
    );
    let lists = ["/api/v1/invoices", "/api/v1/credit-notes", "/api/v1/drafts"];
    for path in lists {
        let (_, _, body) = call("GET", &format!("{base}{path}"), &theirs, None);
        assert!(
            !body.contains(i.as_str()) && !body.contains(dr.as_str()),
            "{path}: {body}"
        );
    }
    // A read key reads and may not write.
    let reader = key(&env.db, "fjord", "read");
    assert_eq!(
        call("GET", &format!("{base}/api/v1/invoices"), &reader, None).0,
        200
    );
    let (status, _, body) = call(
        "POST",
        &format!("{base}/api/v1/drafts"),
        &reader,
        Some(r#"{"customer_id": "c-bygg"}"#),
    );
    assert_eq!(status, 403, "{body}");
    for path in [
        format!("/api/v1/drafts/{dr}"),
        format!("/api/v1/webhook-endpoints/{hook_id}"),
    ] {
        let (status, _, body) = call("DELETE", &format!("{base}{path}"), &reader, None);
        assert_eq!(status, 403, "DELETE {path} with a read key: {body}");
    }
    assert_eq!(host.get_draft("fjord", dr).unwrap().id, *dr);
    // Revoked: 401 at once, for every request.
    host_harness::store::with_unit(host.store(), |u| {
        let api = u.api().unwrap();
        let k = api.keys("fjord")?;
        for k in k {
            api.revoke_key("fjord", k.id)?;
        }
        Ok(())
    })
    .unwrap();
    for k in [&mine, &reader] {
        let (status, headers, body) = call("GET", &format!("{base}/api/v1/invoices"), k, None);
        assert_eq!(status, 401, "{body}");
        assert_eq!(headers["www-authenticate"], "Bearer");
    }
    assert_eq!(
        call(
            "GET",
            &format!("{base}/api/v1/invoices"),
            "inv_made_up",
            None
        )
        .0,
        401
    );
    drop(_server);
    // Past the limit: 429 with Retry-After, for that key only.
    let (_tight, base) = serve(&env.db, &env.dir.path().join("out"), "1/3");
    let (a, b) = (
        key(&env.db, "fjord", "read"),
        key(&env.db, "nordlys", "read"),
    );
    let statuses: Vec<(u16, BTreeMap<String, String>)> = (0..8)
        .map(|_| {
            let (s, h, _) = call("GET", &format!("{base}/api/v1/customers"), &a, None);
            (s, h)
        })
        .collect();
    let limited: Vec<_> = statuses.iter().filter(|(s, _)| *s == 429).collect();
    assert!(
        limited.len() >= 4,
        "{:?}",
        statuses.iter().map(|s| s.0).collect::<Vec<_>>()
    );
    let wait: u64 = limited[0].1["retry-after"].parse().unwrap();
    assert!((1..=3).contains(&wait), "Retry-After: {wait}");
    assert_eq!(
        call("GET", &format!("{base}/api/v1/customers"), &b, None).0,
        200
    );
}

#[test]
fn schemathesis_finds_no_server_error_and_every_answer_matches_the_document() {
    let Some(py) = python(&["schemathesis", "openapi_spec_validator"]) else {
        return;
    };
    let env = Env::active();
    let (_server, base) = serve(&env.db, &env.dir.path().join("out"), "100000/100000");
    let doc = env.dir.path().join("openapi.json");
    std::fs::write(&doc, host_harness::console::api::openapi_json()).unwrap();
    let (status, _, served) = call("GET", &format!("{base}/api/v1/openapi.json"), "", None);
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&served).unwrap(),
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&doc).unwrap()).unwrap(),
        "the served document is the one the code makes"
    );
    stdout_of(
        Command::new(&py)
            .args(["-m", "openapi_spec_validator"])
            .arg(&doc),
    );
    let k = key(&env.db, "fjord", "read-write");
    let examples = std::env::var("INVOICING_SCHEMATHESIS_EXAMPLES").unwrap_or("10".into());
    let schemathesis = std::path::Path::new(&py).with_file_name("schemathesis");
    let out = Command::new(schemathesis)
        .args(["run", &format!("{base}/api/v1/openapi.json")])
        .args(["-H", &format!("Authorization: Bearer {k}")])
        .args([
            "-c",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
        ])
        .args(["-n", &examples, "--seed", "20261205", "--request-timeout", "60"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "Test cases:\n  1724 generated, 1724 passed"
    let cases = text
        .lines()
        .skip_while(|l| !l.starts_with("Test cases"))
        .nth(1)
        .unwrap_or_default();
    let generated: u64 = cases
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(generated >= 1000, "{text}");
    assert!(cases.contains(&format!("{generated} passed")), "{text}");
    eprintln!("schemathesis: {}", cases.trim());
}

/// The receiver (`tests/api/receiver.py`), answering after `delay_ms`, over HTTPS with `tls`
/// (certificate and key files); its URL.
fn receiver(
    py: &str,
    secret: &str,
    log: &std::path::Path,
    delay_ms: &str,
    tls: Option<(&str, &str)>,
) -> (Running, String) {
    let mut cmd = Command::new(py);
    cmd.arg(repo().join("tests/api/receiver.py"))
        .arg(secret)
        .arg(log)
        .arg(delay_ms);
    if let Some((cert, key)) = tls {
        cmd.args([cert, key]);
    }
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let mut port = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    (
        Running(child),
        format!("{scheme}://127.0.0.1:{}/hook", port.trim()),
    )
}

/// Events made while the dispatcher is killed again and again (the invoices issued before,
/// their deliveries recorded by the dispatchers that die) each reach the receiver with a good
/// signature, and the receiver counts each once by its id.
fn webhooks_survive_a_dispatcher_killed_at_random_moments() {
    let Some(py) = python(&["hmac", "http.server"]) else {
        return;
    };
    let env = Env::active();
    let log = env.dir.path().join("received.log");
    let secret = "whsec_test_secret";
    let (_receiver, url) = receiver(&py, secret, &log, "40", None);
    host_harness::store::with_unit(env.host.store(), |u| {
        u.api().unwrap().insert_endpoint("fjord", &url, secret, "*")
    })
    .unwrap();
    let mut host = connect(&env.db, runtime());
    for (n, c) in ["c-bygg", "c-kari", "c-ola", "c-lise"]
        .iter()
        .cycle()
        .take(10)
        .enumerate()
    {
        let d = host.create_draft("fjord", c).unwrap();
        let d = host
            .update_draft(
                "fjord",
                &d.id,
                d.version,
                &DraftChange::AddLines(worked_example()),
            )
            .unwrap();
        host.finalize("fjord", &d.id, &format!("hook-{n}")).unwrap();
    }
    let out = env.dir.path().join("out");
    let dispatcher = || {
        let mut c = Command::new(HARNESS);
        c.args(["dispatch", "--until-empty", "120", "--db", &env.db])
            .arg("--out")
            .arg(&out)
            .env("INVOICING_LEASE_MS", "1500")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let mut state = seed;
    let mut kills = 0;
    for _ in 0..8 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let after = Duration::from_millis(30 + (state >> 33) % 400);
        let mut child = dispatcher().spawn().unwrap();
        std::thread::sleep(after);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    let done = dispatcher().status().unwrap();
    assert!(done.success());
    let events = host_harness::store::with_unit(env.host.store(), |u| {
        let api = u.api().unwrap();
        let events = api.events("fjord", 0, 10_000)?;
        let mut states = Vec::new();
        for e in &events {
            states.extend(api.hook_deliveries(e.id)?.into_iter().map(|d| d.state));
        }
        Ok((events, states))
    })
    .unwrap();
    let (events, states) = events;
    let issued = events.iter().filter(|e| e.kind == "invoice.issued").count();
    let delivered = events
        .iter()
        .filter(|e| e.kind == "invoice.delivered")
        .count();
    assert_eq!(issued, 10, "an event per invoice");
    assert_eq!(delivered, 10, "an event per delivery recorded");
    assert!(states.iter().all(|s| s == "delivered"), "{states:?}");
    let lines = std::fs::read_to_string(&log).unwrap();
    let mut seen = BTreeSet::new();
    let mut received = 0;
    for l in lines.lines() {
        let mut w = l.split(' ');
        assert_eq!(w.next(), Some("ok"), "a signature failed: {l}");
        seen.insert(w.next().unwrap().to_owned());
        received += 1;
    }
    let kept: BTreeSet<String> = events
        .iter()
        .map(|e| host_harness::events::event_id(e.id))
        .collect();
    assert_eq!(seen, kept, "each event reached the receiver");
    eprintln!(
        "webhooks ({:?}): {} events, {received} deliveries received, {kills} dispatchers killed (seed {seed})",
        backend(),
        kept.len()
    );
}

crate::on_both_stores!(webhooks_survive_a_dispatcher_killed_at_random_moments);

/// The console's API page makes a key, shows it once, and revokes it: the API then refuses it.
/// A certificate authority and a certificate for 127.0.0.1 signed by it (openssl): (CA, cert,
/// key) as PEM files in `dir`; none without openssl.
fn authority(dir: &std::path::Path) -> Option<[String; 3]> {
    let f = |name: &str| dir.join(name).display().to_string();
    let (ca_key, ca, key, csr, cert, ext) = (
        f("ca.key"),
        f("ca.pem"),
        f("srv.key"),
        f("srv.csr"),
        f("srv.pem"),
        f("srv.ext"),
    );
    std::fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    let steps = [
        format!("req -x509 -days 2 -subj /CN=TestCA {ec} -addext basicConstraints=critical,CA:TRUE -keyout {ca_key} -out {ca}"),
        format!("req -subj /CN=127.0.0.1 {ec} -keyout {key} -out {csr}"),
        format!("x509 -req -days 2 -set_serial 7 -in {csr} -CA {ca} -CAkey {ca_key} -extfile {ext} -out {cert}"),
    ];
    for step in steps {
        let out = Command::new("openssl")
            .args(step.split(' '))
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "openssl {step}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Some([ca, cert, key])
}

/// Webhooks go over HTTPS: to a receiver whose authority the operator names, they arrive
/// signed; to one whose certificate nobody vouches for, the attempt fails with the reason and
/// is tried again later (nothing goes in the clear).
#[test]
fn webhooks_go_over_https_checked_against_the_authorities_named() {
    let Some(py) = python(&["hmac", "http.server", "ssl"]) else {
        return;
    };
    let mut env = Env::active();
    let Some([ca, cert, key]) = authority(env.dir.path()) else {
        assert!(
            std::env::var_os("INVOICING_REQUIRE_TOOLS").is_none(),
            "openssl is required"
        );
        return;
    };
    let log = env.dir.path().join("received.log");
    let secret = "whsec_tls";
    let (_receiver, url) = receiver(&py, secret, &log, "0", Some((&cert, &key)));
    host_harness::store::with_unit(env.host.store(), |u| {
        u.api()
            .unwrap()
            .insert_endpoint("fjord", &url, secret, "invoice.issued")
    })
    .unwrap();
    let (db, out, store) = (
        env.db.clone(),
        env.dir.path().join("out"),
        env.host.store_arc(),
    );
    // Delivered only by a `dispatch` process, with or without the authority named.
    let dispatch = |ca: Option<&str>| {
        let mut c = Command::new(HARNESS);
        c.args(["dispatch", "--db", &db])
            .arg("--out")
            .arg(&out)
            .env_remove("INVOICING_WEBHOOK_CA")
            .stdout(Stdio::null());
        if let Some(ca) = ca {
            c.env("INVOICING_WEBHOOK_CA", ca);
        }
        assert!(c.status().unwrap().success());
    };
    let last_delivery = || {
        host_harness::store::with_unit(&*store, |u| {
            let api = u.api().unwrap();
            let events = api.events("fjord", 0, 100)?;
            let last = events.iter().rfind(|e| e.kind == "invoice.issued").unwrap();
            api.hook_deliveries(last.id)
        })
        .unwrap()
    };
    let d = env.draft("c-bygg", worked_example());
    env.host.finalize("fjord", &d.id, "tls-1").unwrap();
    dispatch(Some(&ca));
    let lines = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(lines.lines().count(), 1, "{:?}", last_delivery());
    assert!(
        lines.starts_with("ok evt_") && lines.contains("invoice.issued"),
        "{lines}"
    );
    // Mozilla's roots do not know this authority: refused, kept to try again, with why.
    let d = env.draft("c-bygg", worked_example());
    env.host.finalize("fjord", &d.id, "tls-2").unwrap();
    dispatch(None);
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
    let failed = last_delivery();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].state, "queued");
    let why = failed[0].detail.clone().unwrap_or_default();
    assert!(why.to_lowercase().contains("certificate"), "{why}");
}

#[test]
fn a_key_made_and_revoked_in_the_console() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    let env = Env::active();
    let app = host_harness::console::App::new(env.host.rt.clone(), env.host.store_arc(), None);
    let router = host_harness::console::router(std::sync::Arc::new(app));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let send = |req: Request<Body>| -> (u16, String) {
        rt.block_on(async {
            let res = router.clone().oneshot(req).await.unwrap();
            let status = res.status().as_u16();
            let body = axum::body::to_bytes(res.into_body(), 1 << 24)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&body).into_owned())
        })
    };
    let post = |path: &str, form: &str| {
        Request::post(path)
            .header("host", "console.test")
            .header("origin", "http://console.test")
            .header("hx-request", "true")
            .header("cookie", "csrf=0123456789abcdef0123456789abcdef")
            .header("x-csrf", "0123456789abcdef0123456789abcdef")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap()
    };
    let (status, page) = send(post("/c/fjord/api/nokler", "name=Nettbutikk&scope=read"));
    assert_eq!(status, 200, "{page}");
    let key = page
        .split("<code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .unwrap()
        .to_owned();
    assert!(key.starts_with("inv_") && key.len() == 68, "{key}");
    let get = |key: &str| {
        Request::get("/api/v1/customers")
            .header("authorization", format!("Bearer {key}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(get(&key)).0, 200);
    // Shown once: the page read again lists the key by its name, never the key.
    let (_, again) = send(Request::get("/c/fjord/api").body(Body::empty()).unwrap());
    assert!(again.contains("Nettbutikk") && !again.contains(&key));
    let id = host_harness::store::with_unit(env.host.store(), |u| {
        Ok(u.api().unwrap().keys("fjord")?[0].id)
    })
    .unwrap();
    let (status, _) = send(post(&format!("/c/fjord/api/nokler/{id}/trekk-tilbake"), ""));
    assert!(status < 400, "{status}");
    let (status, body) = send(get(&key));
    assert_eq!(status, 401, "{body}");
    // Another client's page cannot revoke fjord's keys.
    let (status, _) = send(post(
        &format!("/c/nordlys/api/nokler/{id}/trekk-tilbake"),
        "",
    ));
    assert_eq!(status, 404);
}

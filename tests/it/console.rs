//! The console in a real browser: `host-harness serve` on a free loopback port, driven by
//! Playwright (PyPI) in Debian's Chromium through `tests/console/flow.py`, with axe-core
//! (npm, `tests/console/`) judging accessibility. Under INVOICING_REQUIRE_TOOLS a missing tool
//! fails the test; elsewhere it is skipped.
//!
//! `CONSOLE_SCREENSHOTS=docs cargo test --test it console::` refreshes the README's screenshots.

use crate::common;
use common::*;
use host_harness::api::free_line;
use host_harness::bindings::*;
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

/// A console page as the router serves it to a signed-in browser (no server, no token).
pub(crate) fn console_page(env: &Env, path: &str) -> String {
    use tower::ServiceExt;
    let app = host_harness::console::App::new(env.host.rt.clone(), env.host.store_arc(), None);
    let router = host_harness::console::router(std::sync::Arc::new(app));
    let req = axum::http::Request::get(path)
        .body(axum::body::Body::empty())
        .unwrap();
    let body = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let res = router.oneshot(req).await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        axum::body::to_bytes(res.into_body(), 1 << 24)
            .await
            .unwrap()
    });
    String::from_utf8(body.to_vec()).unwrap()
}

/// The documents an overview page lists, in its order.
fn listed(html: &str) -> Vec<String> {
    html.split("href=\"/c/fjord/dokument/")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(id, _)| id.to_owned()))
        .filter(|id| !id.contains('/'))
        .collect()
}

fn hits(html: &str) -> String {
    let at = html.find("id=\"hits\"").expect("a hit count");
    let rest = &html[at..];
    rest[rest.find('>').unwrap() + 1..rest.find("</p>").unwrap()].to_owned()
}

/// Oversikt: words are searched in every column as the page shows it (a customer's name, an
/// amount typed the Norwegian way), every hit counted across pages; a column sorts either way
/// and keeps the search; the next page is offered only while there are more.
fn the_overview_searches_sorts_and_counts() {
    let mut env = Env::active();
    for _ in 0..60 {
        env.invoice(
            "c-kari",
            vec![free_line("Timer", "1", "100", VatCode::Standard)],
        );
    }
    let bygg: Vec<String> = ["10", "30", "20"]
        .iter()
        .map(|p| {
            env.invoice("c-bygg", vec![free_line("Leie", "1", p, VatCode::Standard)])
                .id
        })
        .collect();
    let all = console_page(&env, "/c/fjord/oversikt");
    assert_eq!(hits(&all), "63 i alt");
    assert_eq!(listed(&all).len(), 50);
    assert!(all.contains("side=1"), "a next page");
    let last = console_page(&env, "/c/fjord/oversikt?side=1");
    assert_eq!(listed(&last).len(), 13);
    assert!(!last.contains("side=2"), "no page after the last");

    // The component's filters alone: the page is one call, the count the store's.
    let filtered = console_page(&env, "/c/fjord/oversikt?kunde=c-bygg&type=invoice");
    assert_eq!(hits(&filtered), "3 treff");
    assert_eq!(listed(&filtered).len(), 3);
    let found = console_page(&env, "/c/fjord/oversikt?q=hansen+s%C3%B8nn");
    assert_eq!(hits(&found), "3 treff");
    let by_amount = console_page(&env, "/c/fjord/oversikt?q=hansen&sort=amount");
    assert_eq!(listed(&by_amount), [bygg[0].as_str(), &bygg[2], &bygg[1]]);
    assert!(by_amount.contains("aria-sort=\"ascending\""));
    assert!(
        by_amount.contains("q=hansen&amp;sort=amount&amp;desc=true"),
        "the sort link turns the order and keeps the search"
    );
    let down = console_page(&env, "/c/fjord/oversikt?q=hansen&sort=amount&desc=true");
    assert_eq!(listed(&down), [bygg[1].as_str(), &bygg[2], &bygg[0]]);
    let typed = console_page(&env, "/c/fjord/oversikt?q=37%2C50");
    assert_eq!(
        listed(&typed),
        [bygg[1].as_str()],
        "37,50 as the page shows it"
    );
    assert_eq!(hits(&typed), "1 treff");
    let kept = console_page(&env, "/c/fjord/oversikt?referanse=false&q=x");
    assert!(
        kept.contains("referanse=false&amp;q=x"),
        "a filter that reads 'false' stays in the links"
    );
    let none = console_page(&env, "/c/fjord/oversikt?q=nothing-like-it");
    assert_eq!(hits(&none), "0 treff");

    // The store counts no further than it is asked (a large client's page reads "over …"),
    // and as far as it is asked.
    let mut u = env.host.store().begin().unwrap();
    let every = OverviewFilter::default();
    assert_eq!(
        u.reports()
            .unwrap()
            .overview_count("fjord", &every, 10)
            .unwrap(),
        11
    );
    assert_eq!(
        u.reports()
            .unwrap()
            .overview_count("fjord", &every, 63)
            .unwrap(),
        63
    );
    assert_eq!(
        u.reports()
            .unwrap()
            .overview_count("fjord", &every, 1_000)
            .unwrap(),
        63
    );
}

/// A draft a person started by picking a customer and left without lines is cleared once
/// nobody has touched it for a day (the overview does it as it is read); a draft with lines
/// stays, and so does an empty one changed since it was seen (held at its version).
fn drafts_left_empty_are_cleared_after_a_day() {
    use host_harness::housekeeping::{clear_abandoned_drafts, ABANDONED_AFTER};
    let mut env = Env::active();
    let empty = env.host.create_draft("fjord", "c-kari").unwrap();
    let kept = env.draft(
        "c-ola",
        vec![free_line("Timer", "2", "950", VatCode::Standard)],
    );
    let now = chrono::Utc::now();
    let cleared = clear_abandoned_drafts(&mut env.host, "fjord", now).unwrap();
    assert!(cleared.is_empty(), "a fresh draft stays: {cleared:?}");
    let later = now + ABANDONED_AFTER + chrono::TimeDelta::minutes(1);
    let cleared = clear_abandoned_drafts(&mut env.host, "fjord", later).unwrap();
    assert_eq!(cleared, [empty.id.as_str()]);
    assert!(matches!(
        env.host.get_draft("fjord", &empty.id),
        Err(host_harness::CallError::Component(Error::NotFound(_)))
    ));
    assert_eq!(
        env.host.get_draft("fjord", &kept.id).unwrap().lines.len(),
        1
    );

    // An empty draft seen at one version and changed meanwhile is not held, so not deleted.
    let other = env.host.create_draft("fjord", "c-per").unwrap();
    env.change(&other, DraftChange::SetNote(Some("Kommer".into())))
        .unwrap();
    let n = host_harness::ids::Id::Draft.row(&other.id).unwrap();
    let mut u = env.host.store().begin().unwrap();
    assert!(!u.hold_draft("fjord", n, other.version).unwrap());
    assert!(u.hold_draft("fjord", n, other.version + 1).unwrap());
    drop(u);
    let page = console_page(&env, "/c/fjord/oversikt");
    assert!(page.contains("slettes når ingen har endret det på et døgn"));
}

/// Post/redirect/get: a form's POST that answers with a page (here a refusal) sends the
/// browser to see it by GET, so a reload shows it again and posts nothing; only the browser
/// that posted can see it.
fn a_refused_form_is_seen_by_get_and_a_reload_posts_nothing() {
    use tower::ServiceExt;
    let env = Env::active();
    let app = host_harness::console::App::new(env.host.rt.clone(), env.host.store_arc(), None);
    let router = host_harness::console::router(std::sync::Arc::new(app));
    let browser = "csrf=0123456789abcdef0123456789abcdef";
    let send = |req: axum::http::Request<axum::body::Body>| {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let res = router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let location = res
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = axum::body::to_bytes(res.into_body(), 1 << 24)
                .await
                .unwrap();
            (status, location, String::from_utf8(body.to_vec()).unwrap())
        })
    };
    let drafts = |env: &Env| env.drafts();
    let post = axum::http::Request::post("/c/fjord/ny")
        .header("host", "127.0.0.1:8080")
        .header("origin", "http://127.0.0.1:8080")
        .header("cookie", browser)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("customer=c-nobody"))
        .unwrap();
    let (status, location, _) = send(post);
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(location.starts_with("/c/fjord/ny?vist="), "{location}");
    assert!(!location.contains("csrf"), "no token in the address");
    let get = |cookie: &str| {
        axum::http::Request::get(&location)
            .header("cookie", cookie)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let (status, _, first) = send(get(browser));
    assert_eq!(status, 200);
    assert!(first.contains("c-nobody"), "the refusal is on the page");
    let (status, _, again) = send(get(browser));
    assert_eq!(
        (status, again),
        (axum::http::StatusCode::OK, first),
        "a reload shows it again"
    );
    assert_eq!(drafts(&env), 0, "and posts nothing");
    let (status, _, _) = send(get("csrf=ffffffffffffffffffffffffffffffff"));
    assert_eq!(status, 410, "another browser does not see it");
}

crate::on_both_stores!(
    the_overview_searches_sorts_and_counts,
    drafts_left_empty_are_cleared_after_a_day,
    a_refused_form_is_seen_by_get_and_a_reload_posts_nothing,
);

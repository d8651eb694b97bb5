//! `bench`: what an invoice costs, in the component and end to end. Prints JSON; BENCHMARKS.md
//! explains each figure. `--quick` is the smoke mode CI runs.

use crate::api::free_line;
use crate::bindings::*;
use crate::runtime::{Harness, Limits, Runtime};
use crate::store::with_unit;
use crate::COMPONENT_WASM;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, Serialize)]
pub struct Figure {
    pub name: String,
    pub unit: &'static str,
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
    pub p95: f64,
    pub n: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<&'static str>,
}

fn figure(
    name: impl Into<String>,
    unit: &'static str,
    mut v: Vec<f64>,
    fuel: Option<u64>,
    target: Option<&'static str>,
) -> Figure {
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Figure {
        name: name.into(),
        unit,
        median: at(0.5),
        p10: at(0.1),
        p90: at(0.9),
        p95: at(0.95),
        n: v.len(),
        fuel,
        target,
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn lines(n: usize) -> Vec<LineInput> {
    (0..n)
        .map(|i| {
            free_line(
                &format!("Vare {i} med en beskrivelse av passe lengde"),
                "3",
                "249.90",
                [VatCode::Standard, VatCode::Medium, VatCode::Low][i % 3],
            )
        })
        .collect()
}

/// A host on the store at `db`, with fixtures and `fjord` active.
pub fn host(rt: std::sync::Arc<Runtime>, db: &str) -> Result<Harness> {
    let mut h = crate::connect(rt, db)?;
    crate::fixtures::load_all(h.store())?;
    if !with_unit(h.store(), |u| u.is_active("fjord"))? {
        h.activate("fjord")?;
    }
    Ok(h)
}

/// A draft with five lines, finalized: one invoice as a user issues it.
pub fn five_line_invoice(
    h: &mut Harness,
    client: &str,
    customer: &str,
    key: &str,
) -> Result<IssuedDocument> {
    let d = h.create_draft(client, customer)?;
    let d = h.update_draft(client, &d.id, d.version, &DraftChange::AddLines(lines(5)))?;
    Ok(h.finalize(client, &d.id, key)?)
}

/// The fixture customers of every channel, in turn.
const CUSTOMERS: [&str; 5] = ["c-bygg", "c-kari", "c-ola", "c-lise", "c-per"];

/// Issue `count` five-line invoices with keys `keys-0`, `keys-1`, … (the `issue` command).
/// Keys already used are skipped, so a process started again after a crash carries on; what
/// each call queued is dispatched after it returns. Returns how many this run issued.
pub fn issue(h: &mut Harness, client: &str, keys: &str, count: usize) -> Result<usize> {
    if !with_unit(h.store(), |u| u.is_active(client))? {
        h.activate(client)?;
    }
    let mut issued = 0;
    for i in 0..count {
        let key = format!("{keys}-{i}");
        if with_unit(h.store(), |u| u.document_by_key(client, &key))?.is_some() {
            continue;
        }
        five_line_invoice(h, client, CUSTOMERS[i % CUSTOMERS.len()], &key)?;
        issued += 1;
        h.dispatch();
    }
    Ok(issued)
}

pub fn run(quick: bool, dir: &Path) -> Result<Vec<Figure>> {
    let reps = if quick { 3 } else { 30 };
    let mut out = Vec::new();
    out.push(figure(
        "component size",
        "bytes",
        vec![COMPONENT_WASM.len() as f64],
        None,
        Some("<= 1 MiB"),
    ));

    // Loading: compiling against deserializing the precompiled form.
    let rt = crate::embedded(Limits::default())?;
    let engine = rt.engine();
    let mut compile = Vec::new();
    for _ in 0..if quick { 1 } else { 3 } {
        let t = Instant::now();
        wasmtime::component::Component::new(engine, COMPONENT_WASM)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        compile.push(ms(t.elapsed()));
    }
    out.push(figure("compile component", "ms", compile, None, None));
    let cwasm = dir.join("bench.cwasm");
    std::fs::write(
        &cwasm,
        engine
            .precompile_component(COMPONENT_WASM)
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    )?;
    let mut load = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        // SAFETY: written just above by this engine.
        unsafe { wasmtime::component::Component::deserialize_file(engine, &cwasm) }
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        load.push(ms(t.elapsed()));
    }
    out.push(figure(
        "load precompiled component",
        "ms",
        load,
        None,
        Some("<= 5 ms"),
    ));

    let db = dir.join("bench.db").display().to_string();
    let mut h = host(rt.clone(), &db)?;
    let inst = h.time_instantiation(if quick { 20 } else { 1000 })?;
    out.push(figure(
        "instantiate per call",
        "us",
        inst.into_iter().map(us).collect(),
        None,
        Some("<= 50 us"),
    ));

    // Each operation through the component, with its SQLite commit (synchronous=FULL).
    for n in [5usize, 200, 500] {
        let mut t: [Vec<f64>; 5] = Default::default();
        let mut fuel = [0u64; 5];
        for i in 0..reps {
            let s = Instant::now();
            let d = h.create_draft("fjord", "c-bygg")?;
            t[0].push(us(s.elapsed()));
            fuel[0] = h.last_fuel;
            let d = h.update_draft("fjord", &d.id, d.version, &DraftChange::AddLines(lines(n)))?;
            let s = Instant::now();
            let d = h.update_draft(
                "fjord",
                &d.id,
                d.version,
                &DraftChange::UpdateLine(LineUpdate {
                    id: 1,
                    line: free_line("Endret linje", "2", "99.50", VatCode::Standard),
                }),
            )?;
            t[1].push(us(s.elapsed()));
            fuel[1] = h.last_fuel;
            let s = Instant::now();
            h.preview("fjord", &d.id)?;
            t[2].push(us(s.elapsed()));
            fuel[2] = h.last_fuel;
            let s = Instant::now();
            let inv = h.finalize(
                "fjord",
                &d.id,
                &format!("bench-{n}-{i}-{}", std::process::id()),
            )?;
            t[3].push(us(s.elapsed()));
            fuel[3] = h.last_fuel;
            let s = Instant::now();
            h.credit(
                "fjord",
                &inv.id,
                None,
                "bench",
                &format!("bench-cn-{n}-{i}-{}", std::process::id()),
            )?;
            t[4].push(us(s.elapsed()));
            fuel[4] = h.last_fuel;
        }
        for (k, name) in [
            "create-draft",
            "update-draft (one line)",
            "preview (PDF)",
            "finalize (PDF+EHF)",
            "credit (full)",
        ]
        .into_iter()
        .enumerate()
        {
            let target = (k == 3 && n == 200).then_some("fuel <= 11 000 000");
            out.push(figure(
                format!("{name}, {n} lines"),
                "us",
                std::mem::take(&mut t[k]),
                Some(fuel[k]),
                target,
            ));
        }
    }

    #[cfg(feature = "bench")]
    out.extend(native(&mut h, reps)?);

    // Throughput: five-line invoices from draft to issued (create, add lines, finalize).
    let count = if quick { 10 } else { 300 };
    for threads in [1usize, 2] {
        let t = Instant::now();
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let (rt, dir) = (rt.clone(), dir.to_path_buf());
                std::thread::spawn(move || -> Result<()> {
                    let mut h = crate::connect(rt, &dir.join("bench.db").display().to_string())?;
                    for i in 0..count {
                        five_line_invoice(
                            &mut h,
                            "fjord",
                            "c-bygg",
                            &format!("tp-{threads}-{k}-{i}-{}", std::process::id()),
                        )?;
                    }
                    Ok(())
                })
            })
            .collect();
        for j in handles {
            j.join().map_err(|_| anyhow::anyhow!("thread panicked"))??;
        }
        let per_sec = (threads * count) as f64 / t.elapsed().as_secs_f64();
        out.push(figure(
            format!("five-line invoices per second, {threads} thread(s), 3 calls each"),
            "1/s",
            vec![per_sec],
            None,
            (threads == 1).then_some(">= 2000"),
        ));
    }
    let commits = if quick { 20 } else { 500 };
    out.push(figure(
        "raw durable SQLite commits per second (synchronous=FULL, WAL)",
        "1/s",
        vec![commit_rate(h.store(), commits)?],
        None,
        None,
    ));

    let docs = if quick { 2_000 } else { 100_000 };
    out.extend(overview(&mut h, docs, reps)?);
    out.extend(console(&h, docs, if quick { 5 } else { 200 })?);
    Ok(out)
}

/// Five-line invoices per second from `processes` host processes at once on the store at `db`
/// (each a child `issue` process issuing `count`), beside the store's raw durable commit rate:
/// the limit no invoicing can pass. The store must hold the fixtures.
pub fn hosts(db: &str, processes: &[usize], count: usize) -> Result<Vec<Figure>> {
    let store = crate::store::open(db)?;
    crate::fixtures::load_all(&*store)?;
    let backend = store.backend();
    let mut out = vec![figure(
        format!("raw durable commits per second, {backend}"),
        "1/s",
        vec![commit_rate(&*store, 500)?],
        None,
        None,
    )];
    // Compile the component into the cache first, so no process pays for it in the timing.
    crate::embedded(Limits::default())?;
    let exe = std::env::current_exe()?;
    let run = chrono::Utc::now().timestamp_millis();
    for &n in processes {
        let started = Instant::now();
        let children = (0..n)
            .map(|k| {
                std::process::Command::new(&exe)
                    .args(["issue", "--db", db, "--count", &count.to_string()])
                    .args(["--keys", &format!("bench-{run}-{n}-{k}")])
                    .stdout(std::process::Stdio::null())
                    .spawn()
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        for mut c in children {
            anyhow::ensure!(c.wait()?.success(), "an issuing process failed");
        }
        out.push(figure(
            format!("five-line invoices per second, {backend}, {n} host process(es)"),
            "1/s",
            vec![(n * count) as f64 / started.elapsed().as_secs_f64()],
            None,
            None,
        ));
    }
    Ok(out)
}

/// The console's server time per page and per autosave, on the `bulk` client `overview`
/// filled: requests go through the router in-process (no sockets), CSRF and all.
fn console(h: &Harness, docs: usize, reps: usize) -> Result<Vec<Figure>> {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    let router = crate::console::router(std::sync::Arc::new(crate::console::App::new(
        h.rt.clone(),
        h.store_arc(),
        None,
    )));
    let mut setup = Harness::on(h.rt.clone(), h.store_arc());
    let d = setup.create_draft("bulk", "c-bygg")?;
    let d = setup.update_draft("bulk", &d.id, d.version, &DraftChange::AddLines(lines(5)))?;
    let line = d.lines[0].id;
    let doc = setup
        .overview(
            "bulk",
            &OverviewFilter {
                kind: Some(DocumentKind::Invoice),
                limit: Some(1),
                ..Default::default()
            },
        )?
        .first()
        .context("a document")?
        .id
        .clone();
    let csrf = "0123456789abcdef0123456789abcdef";
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let time = |req: &dyn Fn() -> Request<Body>| -> Result<Vec<f64>> {
        let mut t = Vec::with_capacity(reps);
        for _ in 0..reps {
            let r = req();
            let s = Instant::now();
            let res = runtime.block_on(router.clone().oneshot(r))?;
            anyhow::ensure!(res.status().is_success(), "{}", res.status());
            runtime.block_on(axum::body::to_bytes(res.into_body(), usize::MAX))?;
            t.push(ms(s.elapsed()));
        }
        Ok(t)
    };
    let get = |uri: String| {
        move || {
            Request::get(uri.as_str())
                .header("cookie", format!("csrf={csrf}"))
                .body(Body::empty())
                .expect("a request")
        }
    };
    let mut out = Vec::new();
    for (name, uri) in [
        ("overview", "/c/bulk/oversikt".to_owned()),
        (
            "overview, customer filter",
            "/c/bulk/oversikt?kunde=cust-42".to_owned(),
        ),
        (
            "overview, reference filter",
            "/c/bulk/oversikt?referanse=REF-777".to_owned(),
        ),
        ("overview, page 100", "/c/bulk/oversikt?side=100".to_owned()),
        // Searched and sorted in the console: the newest SEARCHED_AT_MOST documents read.
        (
            "overview, free-text search",
            "/c/bulk/oversikt?q=kunde+42".to_owned(),
        ),
        (
            "overview, sorted by amount",
            "/c/bulk/oversikt?sort=amount&desc=true".to_owned(),
        ),
        ("draft editor, 5 lines", format!("/c/bulk/utkast/{}", d.id)),
        ("issued document", format!("/c/bulk/dokument/{doc}")),
    ] {
        out.push(figure(
            format!("console page: {name}, {docs} documents"),
            "ms",
            time(&get(uri))?,
            None,
            Some("p95 <= 30 ms"),
        ));
    }
    // Autosave: a line's quantity changes, against the version the page holds.
    let version = std::cell::Cell::new(d.version);
    let uri = format!("/c/bulk/utkast/{}", d.id);
    let autosave = || {
        let v = version.get();
        version.set(v + 1);
        let body = format!(
            "version={v}&op=line:{line}&description-{line}=Vare&quantity-{line}={}&unit-{line}=EA&price-{line}=249.90&discount-{line}=0&vat-{line}=25",
            v % 7 + 1
        );
        Request::post(uri.as_str())
            .header("cookie", format!("csrf={csrf}"))
            .header("x-csrf", csrf)
            .header("hx-request", "true")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("a request")
    };
    out.push(figure(
        format!("console autosave (one line changed, 5-line draft), {docs} documents"),
        "ms",
        time(&autosave)?,
        None,
        Some("p95 <= 20 ms"),
    ));
    Ok(out)
}

/// The monthly run: `count` five-line series for `fjord` on a fresh store at `db`, made
/// through the component in batches, then one `recurring` run issues them all (each posted,
/// its PDF and EHF rendered, queued for delivery, committed durably), beside the store's raw
/// durable commit rate in the same run.
pub fn recurring(db: &str, count: usize, workers: usize) -> Result<Vec<Figure>> {
    let rt = crate::embedded(Limits::default())?;
    let mut h = host(rt, db)?;
    let raw = commit_rate(h.store(), 500)?;
    let today: chrono::NaiveDate = "2026-12-01".parse()?;
    h.today = today;
    let setup = Instant::now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let mut b = h.batch("fjord")?;
        for &i in chunk {
            let d = b.call(|x, s| x.call_create_draft(s, CUSTOMERS[i % CUSTOMERS.len()]))?;
            let change = DraftChange::AddLines(lines(5));
            let d = b.call(|x, s| x.call_update_draft(s, &d.id, d.version, &change))?;
            let schedule = crate::api::monthly("2026-12-01");
            b.call_recurring(|x, s| x.call_make_recurring(s, &d.id, d.version, &schedule))?;
        }
        b.commit()?;
    }
    let setup = setup.elapsed();
    let started = Instant::now();
    let report = crate::recurring::run(&mut h, "fjord", workers, |_| {})?;
    let took = started.elapsed();
    anyhow::ensure!(
        report.issued.len() == count,
        "the run issued {} of {count}: {:?}",
        report.issued.len(),
        report.failed.first()
    );
    // The reminder run over the same invoices once they are overdue: a letter (PDF) each,
    // kept, posted and queued, as the monthly run issued them.
    with_unit(h.store(), |u| {
        let policy = ReminderPolicy {
            first_after_days: 1,
            ..crate::imports::default_policy()
        };
        u.notices()?.put_policy("fjord", &policy)
    })?;
    h.today = "2026-12-31".parse()?;
    let started = Instant::now();
    let reminded = crate::reminders::run(&mut h, "fjord", |_| {})?;
    let took_reminders = started.elapsed();
    anyhow::ensure!(
        reminded.failed.is_empty() && !reminded.sent.is_empty(),
        "the reminder run failed: {:?}",
        reminded.failed.first()
    );
    let sent = reminded.sent.len();
    let one = |name: String, unit, v: f64, target| figure(name, unit, vec![v], None, target);
    Ok(vec![
        one(
            format!("raw durable commits per second, {}", h.store().backend()),
            "1/s",
            raw,
            None,
        ),
        one(
            format!("make {count} five-line series (3 calls each, batched)"),
            "s",
            setup.as_secs_f64(),
            None,
        ),
        one(
            format!("recurring run of {count} five-line invoices, {workers} worker(s)"),
            "s",
            took.as_secs_f64(),
            Some("<= 5 s for 10 000"),
        ),
        one(
            "recurring run: invoices per second".into(),
            "1/s",
            count as f64 / took.as_secs_f64(),
            Some(">= 2 000 /s"),
        ),
        one(
            "recurring run: durable commits".into(),
            "",
            report.commits as f64,
            None,
        ),
        one(
            format!(
                "reminder run over those {count} invoices: {sent} letters (PDF each; the rest AvtaleGiro, never reminded)"
            ),
            "s",
            took_reminders.as_secs_f64(),
            None,
        ),
        one(
            "reminder run: letters per second".into(),
            "1/s",
            sent as f64 / took_reminders.as_secs_f64(),
            None,
        ),
        one(
            "reminder run: durable commits".into(),
            "",
            reminded.commits as f64,
            None,
        ),
    ])
}

/// Durable commits per second of the store itself: one small row per unit of work, the least
/// any issued invoice can cost.
pub fn commit_rate(store: &dyn crate::store::Store, commits: usize) -> Result<f64> {
    let t = Instant::now();
    for i in 0..commits {
        with_unit(store, |u| u.add_feedback("fjord", &format!("commit {i}")))?;
    }
    Ok(commits as f64 / t.elapsed().as_secs_f64())
}

/// Overview pages over many documents: the rows are written straight into the store (the
/// component is not what is measured here), then every filter is timed through the component.
/// Client `bulk`: `fjord`'s settings, customers and products, and `docs` copies of one of
/// its invoices written straight through the store (each its own number, customer, reference
/// and day), in units of 50 000 documents.
pub fn seed_bulk(h: &Harness, docs: usize) -> Result<()> {
    let model = with_unit(h.store(), |u| {
        let s = u.settings("fjord")?.context("fjord")?;
        u.put_client("bulk", &s)?;
        u.set_active("bulk", true)?;
        for c in u.customers("fjord")? {
            u.put_customer("bulk", &c)?;
        }
        for p in u.products("fjord")? {
            u.put_product("bulk", &p)?;
        }
        let rows = u.overview(
            "fjord",
            &OverviewFilter {
                kind: Some(DocumentKind::Invoice),
                limit: Some(1),
                ..Default::default()
            },
        )?;
        let id = crate::ids::Id::Doc
            .row(&rows.first().context("an invoice to copy")?.id)
            .context("a document id")?;
        u.document("fjord", id)?.context("the invoice")
    })?;
    for chunk in (0..docs).step_by(50_000) {
        with_unit(h.store(), |u| {
            for i in chunk..(chunk + 50_000).min(docs) {
                let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                    + chrono::Days::new((i / 50) as u64);
                let index = crate::store::Index {
                    customer_id: format!("cust-{}", i % 500),
                    customer_name: format!("Kunde {}", i % 500),
                    buyer_reference: Some(format!("REF-{i}")),
                    issue_date: Some(date.to_string()),
                    payable_ore: 10_000 + i as i64,
                    ..Default::default()
                };
                u.insert_document(
                    "bulk",
                    &crate::store::NewDocument {
                        kind: DocumentKind::Invoice,
                        series: crate::store::Series::Invoice,
                        number: i as u64 + 1,
                        credits: None,
                        idempotency_key: None,
                        index: &index,
                        facts: &model.facts,
                        body: &model.body,
                        ehf: None,
                        pdf: None,
                    },
                )?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn overview(h: &mut Harness, docs: usize, reps: usize) -> Result<Vec<Figure>> {
    seed_bulk(h, docs)?;
    let filters: Vec<(&str, OverviewFilter)> = vec![
        ("no filter", OverviewFilter::default()),
        (
            "customer",
            OverviewFilter {
                customer_id: Some("cust-42".into()),
                ..Default::default()
            },
        ),
        (
            "reference",
            OverviewFilter {
                reference: Some("REF-777".into()),
                ..Default::default()
            },
        ),
        (
            "number",
            OverviewFilter {
                number: Some(docs as u64 / 2),
                ..Default::default()
            },
        ),
        (
            "issue-date range",
            OverviewFilter {
                issued_from: Some("2021-01-01".into()),
                issued_to: Some("2021-02-01".into()),
                ..Default::default()
            },
        ),
        (
            "status",
            OverviewFilter {
                status: Some(DocumentStatus::Credited),
                ..Default::default()
            },
        ),
        (
            "kind",
            OverviewFilter {
                kind: Some(DocumentKind::Invoice),
                ..Default::default()
            },
        ),
    ];
    let mut out = Vec::new();
    for (name, f) in filters {
        let mut t = Vec::new();
        for _ in 0..reps.min(10) {
            let s = Instant::now();
            h.overview("bulk", &f)?;
            t.push(ms(s.elapsed()));
        }
        out.push(figure(
            format!("overview page of 50, {docs} documents, filter: {name}"),
            "ms",
            t,
            Some(h.last_fuel),
            Some("<= 20 ms"),
        ));
    }
    Ok(out)
}

/// The same rendering natively: the guest's own code compiled for this machine (the `bench`
/// feature links the component's crate for this; the host that ships does not).
#[cfg(feature = "bench")]
fn native(h: &mut Harness, reps: usize) -> Result<Vec<Figure>> {
    let mut out = Vec::new();
    for n in [5usize, 200, 500] {
        let d = h.create_draft("fjord", "c-bygg")?;
        let d = h.update_draft("fjord", &d.id, d.version, &DraftChange::AddLines(lines(n)))?;
        let mut wasm = Vec::new();
        for _ in 0..reps {
            let s = Instant::now();
            h.preview("fjord", &d.id)?;
            wasm.push(us(s.elapsed()));
        }
        let inv = h.finalize(
            "fjord",
            &d.id,
            &format!("native-{n}-{}", std::process::id()),
        )?;
        let num = crate::ids::Id::Doc.row(&inv.id).context("a document id")?;
        let stored = with_unit(h.store(), |u| u.document("fjord", num))?.context("the invoice")?;
        // The bench may read the component's private format: it links the component's crate.
        let doc: guest::model::Document = serde_json::from_str(&stored.body)?;
        let mut native = Vec::new();
        let mut ehf = Vec::new();
        for _ in 0..reps {
            let s = Instant::now();
            let totals = guest::invoice::totals(&doc);
            let pdf = guest::pdf::render(&doc, &totals, guest::pdf::Mode::Preview);
            native.push(us(s.elapsed()));
            let s = Instant::now();
            std::hint::black_box(guest::ehf::render(&doc, &totals, Some(&pdf)));
            ehf.push(us(s.elapsed()));
        }
        let (w, nat) = (
            figure("", "us", wasm, None, None).median,
            figure("", "us", native.clone(), None, None).median,
        );
        out.push(figure(
            format!("native PDF render, {n} lines"),
            "us",
            native,
            None,
            None,
        ));
        out.push(figure(
            format!("native EHF render, {n} lines"),
            "us",
            ehf,
            None,
            None,
        ));
        out.push(figure(
            format!("preview in component / native render, {n} lines"),
            "ratio",
            vec![w / nat],
            None,
            Some("<= 2"),
        ));
    }

    Ok(out)
}

/// Money in at scale: a camt.054 file of `count` KID payments against `count` open invoices on
/// the store at `db` (created fresh), imported as the CLI does (checked whole, then matched
/// and committed in parts), beside the store's raw durable commit rate and the
/// import's peak memory. The invoices are written straight through the store (their
/// payable, KID and due date are what matching reads); the file is written here.
pub fn payments(db: &str, count: usize, chunk: usize, dir: &Path) -> Result<Vec<Figure>> {
    let rt = crate::embedded(Limits::default())?;
    let mut h = host(rt, db)?;
    h.today = "2026-12-01".parse()?;
    h.activate("fjord")?;
    let raw = commit_rate(h.store(), 500)?;
    let settings = with_unit(h.store(), |u| u.settings("fjord"))?.context("fjord")?;
    let customer = with_unit(h.store(), |u| u.customer("fjord", "c-bygg"))?.context("c-bygg")?;
    let kid = |number: u64| {
        let base = format!("{:04}{:05}", customer.customer.number, number % 100_000);
        format!("{base}{}", luhn(&base))
    };
    // In parts, with the planner's statistics renewed as the table grows (PostgreSQL plans
    // against them; an empty table's plan would scan every document for every insert).
    for part in (0..count as u64).collect::<Vec<_>>().chunks(5_000) {
        with_unit(h.store(), |u| {
            for &i in part {
                let index = crate::store::Index {
                    customer_id: customer.customer.id.clone(),
                    customer_name: customer.customer.name.clone(),
                    issue_date: Some("2026-11-01".into()),
                    payable_ore: 125_000,
                    currency: "NOK".into(),
                    ..Default::default()
                };
                let facts = DeliveryFacts {
                    recipient_name: customer.customer.name.clone(),
                    email: None,
                    organisation_number: None,
                    address: customer.customer.address.clone(),
                    language: Language::Nb,
                    attach_ehf: false,
                    kid: Some(kid(i + 1)),
                    due_date: "2026-11-15".into(),
                    payable: "1250.00".into(),
                    seller_name: settings.name.clone().unwrap_or_default(),
                    seller_account: settings.bank_account.clone(),
                    credited_invoice: None,
                    currency: "NOK".into(),
                };
                u.insert_document(
                    "fjord",
                    &crate::store::NewDocument {
                        kind: DocumentKind::Invoice,
                        series: crate::store::Series::Invoice,
                        number: i + 1,
                        credits: None,
                        idempotency_key: None,
                        index: &index,
                        facts: &facts,
                        body: "{}",
                        ehf: None,
                        pdf: None,
                    },
                )?;
            }
            Ok(())
        })?;
        with_unit(h.store(), |u| u.probes()?.execute_raw("ANALYZE"))?;
    }
    let file = dir.join("camt054-bench.xml");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&file)?);
        writeln!(
            f,
            r#"<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr><Ntfctn><Id>N1</Id><CreDtTm>2026-12-01T06:00:00</CreDtTm><Acct><Id><Othr><Id>{}</Id></Othr></Id><Ccy>NOK</Ccy></Acct>"#,
            settings.bank_account.clone().unwrap_or_default()
        )?;
        for entry in (0..count).collect::<Vec<_>>().chunks(100) {
            let sum = entry.len() * 1250;
            write!(f, "<Ntry><Amt Ccy=\"NOK\">{sum}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-01</Dt></BookgDt><NtryDtls><Btch><NbOfTxs>{}</NbOfTxs></Btch>", entry.len())?;
            for &i in entry {
                write!(f, "<TxDtls><Refs><AcctSvcrRef>BENCH-{i}</AcctSvcrRef></Refs><AmtDtls><TxAmt><Amt Ccy=\"NOK\">1250.00</Amt></TxAmt></AmtDtls><RltdPties><Dbtr><Nm>Betaler {i}</Nm></Dbtr></RltdPties><RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>", kid(i as u64 + 1))?;
            }
            write!(f, "</NtryDtls></Ntry>")?;
        }
        writeln!(f, "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>")?;
    }
    let bytes = std::fs::metadata(&file)?.len();
    // The peak resident memory from here on (Linux: writing 5 to clear_refs resets VmHWM).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let done = crate::bank::import_in(&mut h, "fjord", &file, false, chunk)?;
    let took = started.elapsed();
    let peak_kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    anyhow::ensure!(
        done.outcomes.get("paid") == Some(&(count as u64)),
        "every payment pays its invoice: {:?}",
        done.outcomes
    );
    let backend = h.store().backend();
    let one = |name: String, unit, v: f64, target| figure(name, unit, vec![v], None, target);
    Ok(vec![
        one(format!("raw durable commits per second, {backend}"), "1/s", raw, None),
        one(format!("camt.054 file of {count} payments"), "bytes", bytes as f64, None),
        one(format!("import {count} KID payments against {count} open invoices, {backend}, {chunk} per unit of work"), "s", took.as_secs_f64(), None),
        one("payments matched and committed per second".into(), "1/s", count as f64 / took.as_secs_f64(), Some(">= 20 000 /s")),
        one("import: peak resident memory".into(), "KiB", peak_kib, None),
    ])
}

/// The MOD10 (Luhn) check digit of a digit string, for the benchmark's KIDs.
fn luhn(base: &str) -> u32 {
    let sum: u32 = base
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let p = (b - b'0') as u32 * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

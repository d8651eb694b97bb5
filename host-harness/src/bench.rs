//! `bench`: what an invoice costs, in the component and end to end. Prints JSON; BENCHMARKS.md
//! explains each figure. `--quick` is the smoke mode CI runs.

use crate::api::free_line;
use crate::bindings::*;
use crate::runtime::{Host, Limits, Runtime, COMPONENT_WASM};
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
                ["25", "15", "12"][i % 3],
            )
        })
        .collect()
}

/// A fresh host on a new database in `dir`, with fixtures and `fjord` active.
fn host(rt: std::sync::Arc<Runtime>, dir: &Path) -> Result<Host> {
    let mut h = Host::connect(rt, &dir.join("bench.db"))?;
    crate::fixtures::load_all(h.conn())?;
    let active: bool =
        h.conn()
            .query_row("SELECT active FROM clients WHERE id = 'fjord'", [], |r| {
                r.get(0)
            })?;
    if !active {
        h.activate("fjord")?;
    }
    Ok(h)
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
    let rt = Runtime::new(Limits::default())?;
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

    let mut h = host(rt.clone(), dir)?;
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
                &DraftChange::UpdateLine((1, free_line("Endret linje", "2", "99.50", "25"))),
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

    // The same rendering natively: the guest's own code compiled for this machine.
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
        let num: i64 = inv.id.trim_start_matches("doc-").parse()?;
        let body: String =
            h.conn()
                .query_row("SELECT body FROM documents WHERE id = ?1", [num], |r| {
                    r.get(0)
                })?;
        let doc: guest::model::Document = serde_json::from_str(&body)?;
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

    // Throughput: five-line invoices from draft to issued (create, add lines, finalize).
    let count = if quick { 10 } else { 300 };
    for threads in [1usize, 2] {
        let t = Instant::now();
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let (rt, dir) = (rt.clone(), dir.to_path_buf());
                std::thread::spawn(move || -> Result<()> {
                    let mut h = Host::connect(rt, &dir.join("bench.db"))?;
                    for i in 0..count {
                        let d = h.create_draft("fjord", "c-bygg")?;
                        let d = h.update_draft(
                            "fjord",
                            &d.id,
                            d.version,
                            &DraftChange::AddLines(lines(5)),
                        )?;
                        h.finalize(
                            "fjord",
                            &d.id,
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
    let conn = h.conn();
    conn.execute_batch("CREATE TABLE IF NOT EXISTS bench_commit (id INTEGER PRIMARY KEY, v TEXT)")?;
    let t = Instant::now();
    let commits = if quick { 20 } else { 500 };
    for i in 0..commits {
        conn.execute(
            "INSERT INTO bench_commit (v) VALUES (?1)",
            [format!("row {i}")],
        )?;
    }
    out.push(figure(
        "raw durable SQLite commits per second (synchronous=FULL, WAL)",
        "1/s",
        vec![commits as f64 / t.elapsed().as_secs_f64()],
        None,
        None,
    ));

    out.extend(overview(&mut h, if quick { 2_000 } else { 100_000 }, reps)?);
    Ok(out)
}

/// Overview pages over many documents: the rows are written straight into the store (the
/// component is not what is measured here), then every filter is timed through the component.
fn overview(h: &mut Host, docs: usize, reps: usize) -> Result<Vec<Figure>> {
    {
        let conn = h.conn();
        let body: String = conn
            .query_row("SELECT body FROM documents LIMIT 1", [], |r| r.get(0))
            .context("a document to copy")?;
        let tx = conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO documents (client_id, kind, series, number, customer_id, customer_name, buyer_ref, issue_date, payable_ore, body, touched)
                 VALUES ('bulk', 'invoice', 'invoice', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            tx.execute("INSERT OR IGNORE INTO clients (id, settings, active) SELECT 'bulk', settings, 1 FROM clients WHERE id = 'fjord'", [])?;
            for i in 0..docs {
                let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                    + chrono::Days::new((i / 50) as u64);
                stmt.execute(rusqlite::params![
                    i as i64 + 1,
                    format!("cust-{}", i % 500),
                    format!("Kunde {}", i % 500),
                    format!("REF-{i}"),
                    date.to_string(),
                    100_00 + i as i64,
                    body,
                    i as i64
                ])?;
            }
        }
        tx.commit()?;
    }
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
                status: Some("credited".into()),
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

//! `bench-api`: the HTTP API under load. The server (the console's router, on the store given)
//! and a load generator share this process and this machine's cores, as a small host would:
//! CONNECTIONS keep-alive connections each send the next request when the last is answered,
//! for SECONDS per scenario. A hand-written HTTP/1.1 client, because it only has to send a
//! fixed request and read `Content-Length` bytes back: a registry load generator (`oha`)
//! would add its TLS and TUI stacks to the build for that.

use crate::console::{api, App};
use crate::runtime::Harness;
use crate::store::with_unit;
use anyhow::{Context, Result};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Debug, Serialize)]
pub struct Load {
    pub name: String,
    pub connections: usize,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub n: usize,
    /// Answers that were not 2xx (none expected).
    pub failed: usize,
}

/// One request on a keep-alive connection: its status, and the last segment of its
/// `Location` (a created thing's id).
async fn exchange(conn: &mut BufReader<TcpStream>, req: &[u8]) -> Result<(u16, Option<String>)> {
    conn.get_mut().write_all(req).await?;
    let mut line = String::new();
    let (mut status, mut len, mut location) = (0u16, 0usize, None);
    loop {
        line.clear();
        anyhow::ensure!(conn.read_line(&mut line).await? > 0, "the server closed");
        if line == "\r\n" {
            break;
        }
        if status == 0 {
            status = line.split(' ').nth(1).context("a status")?.parse()?;
        } else if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse()?;
            } else if k.eq_ignore_ascii_case("location") {
                location = v.trim().rsplit('/').next().map(str::to_owned);
            }
        }
    }
    let mut body = vec![0; len];
    conn.read_exact(&mut body).await?;
    Ok((status, location))
}

async fn send(conn: &mut BufReader<TcpStream>, req: &[u8]) -> Result<u16> {
    Ok(exchange(conn, req).await?.0)
}

fn request(method: &str, path: &str, key: &str, body: &str, extra: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// What one operation sends, given the connection's count so far (for varying ids).
type Op = Arc<dyn Fn(usize) -> Vec<Vec<u8>> + Send + Sync>;

async fn run(
    addr: std::net::SocketAddr,
    conns: usize,
    time: Duration,
    op: Op,
) -> Result<(Vec<f64>, usize, Duration)> {
    let until = Instant::now() + time;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..conns {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = BufReader::new(TcpStream::connect(addr).await?);
            let (mut lat, mut failed) = (Vec::new(), 0usize);
            let mut n = c * 1_000_003;
            while Instant::now() < until {
                let s = Instant::now();
                for req in op(n) {
                    if !(200..300).contains(&send(&mut conn, &req).await?) {
                        failed += 1;
                    }
                }
                lat.push(s.elapsed().as_secs_f64() * 1e3);
                n += 1;
            }
            anyhow::Ok((lat, failed))
        }));
    }
    let (mut all, mut failed) = (Vec::new(), 0);
    for t in tasks {
        let (l, f) = t.await??;
        all.extend(l);
        failed += f;
    }
    Ok((all, failed, started.elapsed()))
}

fn load(name: &str, conns: usize, mut lat: Vec<f64>, failed: usize, took: Duration) -> Load {
    lat.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| {
        lat.get(((lat.len().max(1) - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    Load {
        name: name.to_owned(),
        connections: conns,
        requests_per_second: lat.len() as f64 / took.as_secs_f64(),
        p50_ms: at(0.5),
        p95_ms: at(0.95),
        p99_ms: at(0.99),
        n: lat.len(),
        failed,
    }
}

/// The API on `h`'s store with `docs` documents in client `bulk`: listing them, getting one,
/// and create + lines + finalize in `fjord` (whose numbers the bulk copies do not share).
pub fn api(h: &mut Harness, docs: usize, conns: usize, time: Duration) -> Result<Vec<Load>> {
    let have = with_unit(h.store(), |u| u.reports()?.clients())?;
    if !have.iter().any(|c| c == "bulk") {
        // The copies are of a real invoice of fjord's.
        crate::bench::issue(h, "fjord", "bench-api-seed", 1)?;
        crate::bench::seed_bulk(h, docs)?;
    }
    let mut setup = Harness::on(h.rt.clone(), h.store_arc());
    if !with_unit(h.store(), |u| u.is_active("fjord"))? {
        setup.activate("fjord")?;
    }
    let (bulk_key, _) = with_unit(h.store(), |u| api::new_key(u, "bulk", "bench", "read"))?;
    let (key, _) = with_unit(h.store(), |u| {
        api::new_key(u, "fjord", "bench", "read-write")
    })?;
    let newest = setup.overview(
        "bulk",
        &crate::bindings::OverviewFilter {
            limit: Some(1),
            ..Default::default()
        },
    )?;
    let last = crate::ids::Id::Doc
        .row(&newest.first().context("bulk documents")?.id)
        .context("an id")?;
    let first = last - docs as i64 + 1;
    let mut app = App::new(h.rt.clone(), h.store_arc(), None);
    app.api_limit = api::Limit {
        per_second: 1_000_000,
        burst: 1_000_000,
    };
    let app = Arc::new(app);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, crate::console::router(app)).await });
        let mut out = Vec::new();
        let k = bulk_key.clone();
        let list: Op = Arc::new(move |_| vec![request("GET", "/api/v1/invoices?limit=50", &k, "", "")]);
        let k = bulk_key.clone();
        let by_customer: Op = Arc::new(move |n| {
            vec![request("GET", &format!("/api/v1/invoices?limit=50&customer_id=cust-{}", n % 500), &k, "", "")]
        });
        let k = bulk_key.clone();
        let one: Op = Arc::new(move |n| {
            let id = first + (n as i64 * 7919) % docs as i64;
            vec![request("GET", &format!("/api/v1/invoices/doc-{id}"), &k, "", "")]
        });
        let scenarios: [(String, Op); 3] = [
            (format!("list invoices, page of 50, client with {docs} documents"), list),
            (format!("list invoices of one customer, page of 50, {docs} documents"), by_customer),
            (format!("get one invoice, client with {docs} documents"), one),
        ];
        for (name, op) in scenarios {
            let (lat, failed, took) = run(addr, conns, time, op).await?;
            out.push(load(&name, conns, lat, failed, took));
        }
        // Create, add five lines, finalize: three requests, one operation; the draft's id comes
        // from the first answer, so this one runs its own loop.
        let lines = r#"{"changes":[{"op":"add_lines","lines":[
            {"description":"Konsulenttimer","quantity":"7.5","unit":"hour","unit_price":"1250.00","vat_code":"standard"},
            {"description":"Reise","quantity":"1","unit":"piece","unit_price":"890.00","vat_code":"standard"},
            {"description":"Lunsj","quantity":"3","unit":"piece","unit_price":"189.90","vat_code":"medium"},
            {"description":"Bok","quantity":"2","unit":"piece","unit_price":"349.00","vat_code":"zero_rated"},
            {"description":"Lisens","quantity":"1","unit":"piece","unit_price":"4990.00","vat_code":"standard"}]}]}"#;
        let until = Instant::now() + time;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..conns {
            let key = key.clone();
            tasks.push(tokio::spawn(async move {
                let mut conn = BufReader::new(TcpStream::connect(addr).await?);
                let (mut lat, mut failed) = (Vec::new(), 0usize);
                while Instant::now() < until {
                    let s = Instant::now();
                    let made = exchange(&mut conn, &request("POST", "/api/v1/drafts", &key, r#"{"customer_id":"c-bygg"}"#, "")).await?;
                    let (201, Some(draft)) = made else { failed += 1; continue };
                    let ok1 = send(&mut conn, &request("POST", &format!("/api/v1/drafts/{draft}/changes"), &key, lines, "If-Match: \"1\"\r\n")).await?;
                    let ok2 = send(&mut conn, &request("POST", &format!("/api/v1/drafts/{draft}/finalize"), &key, "", "")).await?;
                    failed += usize::from(ok1 != 200) + usize::from(ok2 != 201);
                    lat.push(s.elapsed().as_secs_f64() * 1e3);
                }
                anyhow::Ok((lat, failed))
            }));
        }
        let (mut all, mut failed) = (Vec::new(), 0);
        for t in tasks {
            let (l, f) = t.await??;
            all.extend(l);
            failed += f;
        }
        out.push(load("create draft + 5 lines + finalize (3 requests)", conns, all, failed, started.elapsed()));
        anyhow::Ok(out)
    })
}

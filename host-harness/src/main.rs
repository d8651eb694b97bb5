//! The harness CLI: `demo` runs the whole flow on the fixtures; `run` executes a scenario;
//! `overview` and `ledger` show what a database holds.

use anyhow::{Context, Result};
use chrono::Datelike;
use clap::{Parser, Subcommand};
use host_harness::api::{free_line, product_line};
use host_harness::bindings::*;
use host_harness::names::Name;
use host_harness::{channels, fixtures, reports, scenario, Harness, Limits};
use std::path::PathBuf;

/// The run's threads allocate for every document they carry between the component and the
/// store; glibc's allocator spent ~10 % of a run's CPU doing it (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(about = "A runnable host ERP for the invoicing component")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum RemindersCmd {
    /// Send what is due.
    Run {
        /// An SQLite file, or a `postgres://` URL.
        #[arg(long, default_value = "demo.db")]
        db: String,
        /// The run's date: what is due on it is sent, dated this day (default: today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long)]
        client: Option<String>,
        /// Deliver what the run queued to this folder after it (none: leave it queued for a
        /// dispatcher).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "INVOICING_SMTP")]
        smtp: Option<String>,
        /// A newer table of the law's figures (legal/receivables-no.json's format) than the
        /// one this host carries.
        #[arg(long)]
        figures: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum Cmd {
    /// Set up the fixture companies, invoice several customers, credit, and show the result.
    Demo {
        /// An SQLite file, or a `postgres://` URL.
        #[arg(long, default_value = "demo.db")]
        db: String,
        #[arg(long, default_value = "demo-out")]
        out: PathBuf,
        /// SMTP relay (`host:port`) for e-mail; without it, e-mails are written as .eml files.
        #[arg(long, env = "INVOICING_SMTP")]
        smtp: Option<String>,
    },
    /// Run a scenario (see fixtures/README.md) and print its JSON report.
    Run {
        scenario: PathBuf,
        /// An SQLite file, or a `postgres://` URL.
        #[arg(long)]
        db: String,
        /// A fixtures folder (clients.json, peppol.json) instead of the scenario's or ours.
        #[arg(long)]
        fixtures: Option<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "INVOICING_SMTP")]
        smtp: Option<String>,
    },
    /// Deliver what is queued in a database, as one of any number of dispatcher processes;
    /// `--until-empty` keeps at it until nothing is queued (or the time is up).
    Dispatch {
        /// An SQLite file, or a `postgres://` URL.
        #[arg(long)]
        db: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, env = "INVOICING_SMTP")]
        smtp: Option<String>,
        /// Keep dispatching until nothing is queued, for at most this many seconds.
        #[arg(long)]
        until_empty: Option<u64>,
        /// How long a claimed delivery stays this process's (ms); renewed as it goes.
        #[arg(long, env = "INVOICING_LEASE_MS", default_value_t = 120_000)]
        lease_ms: i64,
    },
    /// Issue five-line invoices as one of any number of host processes on one database: keys
    /// `KEYS-0`, `KEYS-1`, …, so a process started again carries on where it died. The
    /// customers take turns; what each call queued is dispatched after it returns.
    Issue {
        /// An SQLite file, or a `postgres://` URL (loaded with the fixtures already).
        #[arg(long)]
        db: String,
        #[arg(long, default_value = "fjord")]
        client: String,
        #[arg(long)]
        count: usize,
        /// The idempotency keys' prefix: one per process.
        #[arg(long)]
        keys: String,
        /// Deliver to this folder (none: only queue).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "INVOICING_SMTP")]
        smtp: Option<String>,
        /// Today's date for the calls (default: the machine's).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// Issue every recurring invoice due by a date, for every client with the module switched
    /// on (or one): exactly once, however often it runs. A scheduler may call it daily. Exit
    /// status 2 when an occurrence failed (each is listed with why).
    Recurring {
        /// An SQLite file, or a `postgres://` URL.
        #[arg(long, default_value = "demo.db")]
        db: String,
        /// The run's date: what is due by it is issued, dated this day (default: today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long)]
        client: Option<String>,
        /// Deliver what the run queued to this folder after it (none: leave it queued for a
        /// dispatcher).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "INVOICING_SMTP")]
        smtp: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Threads rendering invoices while one writes (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
    },
    /// Send every reminder and inkassovarsel due on a date, for every client with the module
    /// switched on (or one): each (invoice, step) once, however often it runs. A scheduler
    /// may call it daily. Exit status 2 when a notice that was due failed (each is listed).
    Reminders {
        #[command(subcommand)]
        cmd: RemindersCmd,
    },
    /// Import exchange rates: Norges Bank's CSV as its data API publishes it (for example
    /// `https://data.norges-bank.no/api/data/EXR/B..NOK.SP?format=csv&locale=en`), or an
    /// override file (`date;currency;rate_per_unit;source`). A rate for a currency and day kept
    /// already is replaced; documents issued keep the rate they were issued at.
    Rates {
        /// An SQLite file, or a `postgres://` URL.
        #[arg(long, default_value = "demo.db")]
        db: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Make an API key for a client and print it (shown this once; only its hash is kept).
    ApiKey {
        /// An SQLite file, or a `postgres://` URL.
        #[arg(long, default_value = "console.db")]
        db: String,
        #[arg(long)]
        client: String,
        /// What the key is for, as the console lists it.
        #[arg(long, default_value = "cli")]
        name: String,
        /// `read` or `read-write`.
        #[arg(long, default_value = "read-write")]
        scope: String,
    },
    /// The invoicing screens in a browser, and the HTTP API under /api/v1:
    /// http://127.0.0.1:8080/ by default. Off loopback an access token is required for the
    /// screens (printed at start); the API takes keys (`api-key`). `INVOICING_API_LIMIT`
    /// (`50/100`: a second, and the burst) sets the rate limit per key.
    Serve {
        /// An SQLite file, or a `postgres://` URL; a fresh one gets the fixtures.
        #[arg(long, default_value = "console.db")]
        db: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Where the channels deliver.
        #[arg(long, default_value = "console-out")]
        out: PathBuf,
        /// Require this access token (default: a random one off loopback, none on loopback).
        #[arg(long, env = "INVOICING_CONSOLE_TOKEN")]
        token: Option<String>,
    },
    /// The latest drafts, invoices and credit notes of a client.
    Overview {
        #[arg(long, default_value = "demo.db")]
        db: String,
        #[arg(long, default_value = "fjord")]
        client: String,
    },
    /// Measure what an invoice costs (JSON on stdout; see BENCHMARKS.md).
    Bench {
        /// A few repetitions only: the smoke mode CI runs.
        #[arg(long)]
        quick: bool,
    },
    /// The HTTP API under load: CONNECTIONS keep-alive connections for SECONDS per scenario,
    /// with DOCS documents in one client (JSON on stdout; see BENCHMARKS.md).
    BenchApi {
        /// An SQLite file or `postgres://` URL; fresh ones get the fixtures and the documents.
        #[arg(long)]
        db: String,
        #[arg(long, default_value_t = 1_000_000)]
        docs: usize,
        #[arg(long, default_value_t = 32)]
        connections: usize,
        #[arg(long, default_value_t = 15)]
        seconds: u64,
    },
    /// Five-line invoices per second from 1, 2, 4… host processes on each store, beside its raw
    /// durable commit rate (JSON on stdout; see BENCHMARKS.md).
    BenchHosts {
        /// SQLite files and `postgres://` URLs; each holds the fixtures or is created.
        #[arg(long, required = true)]
        db: Vec<String>,
        #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
        processes: Vec<usize>,
        /// Invoices per process.
        #[arg(long, default_value_t = 200)]
        count: usize,
    },
    /// The monthly run's speed: COUNT five-line recurring invoices issued by one `recurring`
    /// run on a fresh store (JSON on stdout; see BENCHMARKS.md).
    BenchRecurring {
        /// An SQLite file or `postgres://` URL to create (default: a temporary SQLite file).
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        /// Rendering threads (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
    },
    /// Money in: import the bank's files (OCR giro, camt.054), list payments, see what is open.
    Payments {
        #[command(subcommand)]
        cmd: PaymentsCmd,
        #[arg(long, default_value = "demo.db", global = true)]
        db: String,
        #[arg(long, default_value = "fjord", global = true)]
        client: String,
        /// The day to reckon from (default: today).
        #[arg(long, global = true)]
        date: Option<chrono::NaiveDate>,
        /// Print JSON.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Money in at scale: a camt.054 file of COUNT KID payments against COUNT open invoices on
    /// a fresh store (JSON on stdout; see BENCHMARKS.md).
    BenchPayments {
        /// An SQLite file or `postgres://` URL to create (default: a temporary SQLite file).
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        /// Payments per call and unit of work.
        #[arg(long, default_value_t = host_harness::bank::CHUNK)]
        chunk: usize,
    },
    /// Journal, trial balance and customer balances of a client.
    Ledger {
        #[arg(long, default_value = "demo.db")]
        db: String,
        #[arg(long, default_value = "fjord")]
        client: String,
    },
}

#[derive(Subcommand)]
enum PaymentsCmd {
    /// Register the payments of a bank file: each once, however often the file comes.
    Import {
        file: PathBuf,
        /// Payments per unit of work.
        #[arg(long, default_value_t = host_harness::bank::CHUNK, hide = true)]
        chunk: usize,
    },
    /// The payments registered, newest first.
    List {
        /// Only those waiting for a person to give them to an invoice.
        #[arg(long)]
        unmatched: bool,
    },
    /// What is open per invoice, and the aging of it all.
    Open {
        #[arg(long)]
        customer: Option<String>,
    },
}

fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Demo { db, out, smtp } => demo(&db, &out, smtp),
        Cmd::Run {
            scenario,
            db,
            fixtures: folder,
            out,
            smtp,
        } => {
            let sc: scenario::Scenario = fixtures::read(&scenario)?;
            let mut host = host_harness::connect(host_harness::embedded(Limits::default())?, &db)?;
            let own = sc.fixtures.as_ref().map(|f| {
                scenario
                    .parent()
                    .unwrap_or(std::path::Path::new("."))
                    .join(f)
            });
            fixtures::load_from(host.store(), &folder.or(own).unwrap_or_else(fixtures::dir))?;
            host.delivery = out.map(|out| channels::Config::new(out, smtp).boxed());
            host.dispatch();
            let report = scenario::run(&mut host, &sc)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if report.mismatches > 0 {
                eprintln!("{} step(s) did not go as expected", report.mismatches);
                std::process::exit(1);
            }
            Ok(())
        }
        Cmd::Dispatch {
            db,
            out,
            smtp,
            until_empty,
            lease_ms,
        } => {
            let store = host_harness::store::open(&db)?;
            let cfg = channels::Config {
                lease_ms,
                ..channels::Config::new(out, smtp)
            };
            let sent = match until_empty {
                None => channels::dispatch(&*store, &cfg)?,
                Some(s) => channels::drain(&*store, &cfg, std::time::Duration::from_secs(s))?,
            };
            println!("{sent} delivered");
            Ok(())
        }
        Cmd::Issue {
            db,
            client,
            count,
            keys,
            out,
            smtp,
            today,
        } => {
            let mut host = host_harness::connect(host_harness::embedded(Limits::default())?, &db)?;
            host.today = today.unwrap_or(host.today);
            host.delivery = out.map(|out| channels::Config::new(out, smtp).boxed());
            host.dispatch();
            let issued = host_harness::bench::issue(&mut host, &client, &keys, count)?;
            println!("{issued} issued");
            Ok(())
        }
        Cmd::Recurring {
            db,
            date,
            client,
            out,
            smtp,
            json,
            workers,
        } => {
            let delivery = out.map(|o| channels::Config::new(o, smtp));
            let workers = workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            recurring(&db, date, client, delivery, json, workers)
        }
        Cmd::Reminders {
            cmd:
                RemindersCmd::Run {
                    db,
                    date,
                    client,
                    out,
                    smtp,
                    figures,
                    json,
                },
        } => {
            let mut host = host_harness::connect(host_harness::embedded(Limits::default())?, &db)?;
            host.today = date.unwrap_or(host.today);
            host.delivery = out.map(|o| channels::Config::new(o, smtp).boxed());
            if let Some(path) = figures {
                host.figures = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?
                    .into();
            }
            reminders(&mut host, client, json)
        }
        Cmd::BenchPayments { db, count, chunk } => {
            let dir = tempfile::tempdir()?;
            let db = db.unwrap_or_else(|| dir.path().join("payments.db").display().to_string());
            let figures = host_harness::bench::payments(&db, count, chunk, dir.path())?;
            println!("{}", serde_json::to_string_pretty(&figures)?);
            Ok(())
        }
        Cmd::BenchRecurring { db, count, workers } => {
            let workers = workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let dir = std::env::temp_dir()
                .join(format!("erp-invoicing-recurring-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let db = db.unwrap_or_else(|| dir.join("recurring.db").display().to_string());
            let figures = host_harness::bench::recurring(&db, count, workers);
            let _ = std::fs::remove_dir_all(&dir);
            println!("{}", serde_json::to_string_pretty(&figures?)?);
            Ok(())
        }
        Cmd::Bench { quick } => {
            let dir =
                std::env::temp_dir().join(format!("erp-invoicing-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let figures = host_harness::bench::run(quick, &dir);
            let _ = std::fs::remove_dir_all(&dir);
            println!("{}", serde_json::to_string_pretty(&figures?)?);
            Ok(())
        }
        Cmd::Serve {
            db,
            listen,
            out,
            token,
        } => host_harness::console::serve(&db, listen, out, token),
        Cmd::ApiKey {
            db,
            client,
            name,
            scope,
        } => {
            let store = host_harness::store::open(&db)?;
            let known = host_harness::store::with_unit(&*store, |u| u.reports()?.clients())?;
            anyhow::ensure!(known.contains(&client), "no client '{client}' in {db}");
            let (key, _) = host_harness::store::with_unit(&*store, |u| {
                invoicing_console::api::new_key(u, &client, &name, &scope)
            })?;
            println!("{key}");
            Ok(())
        }
        Cmd::Rates { db, files } => {
            let store = host_harness::store::open(&db)?;
            for f in files {
                let n = host_harness::rates::import(&*store, &f)?;
                println!("{}: {n} rates", f.display());
            }
            Ok(())
        }
        Cmd::BenchApi {
            db,
            docs,
            connections,
            seconds,
        } => {
            let mut host =
                host_harness::bench::host(host_harness::embedded(Limits::default())?, &db)?;
            let loads = host_harness::bench_api::api(
                &mut host,
                docs,
                connections,
                std::time::Duration::from_secs(seconds),
            )?;
            println!("{}", serde_json::to_string_pretty(&loads)?);
            Ok(())
        }
        Cmd::BenchHosts {
            db,
            processes,
            count,
        } => {
            let mut figures = Vec::new();
            for db in &db {
                figures.extend(host_harness::bench::hosts(db, &processes, count)?);
            }
            println!("{}", serde_json::to_string_pretty(&figures)?);
            Ok(())
        }
        Cmd::Overview { db, client } => {
            let mut host = host_harness::connect(host_harness::embedded(Limits::default())?, &db)?;
            print_overview(&mut host, &client)
        }
        Cmd::Payments {
            cmd,
            db,
            client,
            date,
            json,
        } => {
            let mut host = host_harness::connect(host_harness::embedded(Limits::default())?, &db)?;
            if let Some(d) = date {
                host.today = d;
            }
            payments(&mut host, &client, cmd, json)
        }
        Cmd::Ledger { db, client } => {
            let host = host_harness::connect(host_harness::embedded(Limits::default())?, &db)?;
            for j in reports::journal(host.store(), &client)? {
                println!(
                    "{} {:>6} {:>5} {:>12} {:>12} {:<10} {}",
                    j.date,
                    j.number,
                    j.account,
                    j.debit,
                    j.credit,
                    j.customer.unwrap_or_default(),
                    j.text
                );
            }
            print_ledger(&host, &client)
        }
    }
}

fn payments(host: &mut Harness, client: &str, cmd: PaymentsCmd, json: bool) -> Result<()> {
    match cmd {
        PaymentsCmd::Import { file, chunk } => {
            let done = host_harness::bank::import_in(host, client, &file, json, chunk)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&done)?);
                return Ok(());
            }
            if let Some(at) = &done.seen_before {
                println!("this file was imported before ({at}): nothing is registered twice");
            }
            println!(
                "{} payments, {} NOK, to account {} ({:?})",
                done.file.payments,
                host_harness::money::from_ore(done.file.ore),
                done.file.account,
                done.file.format
            );
            for (outcome, n) in &done.outcomes {
                println!("  {n:>7}  {outcome}");
            }
            Ok(())
        }
        PaymentsCmd::List { unmatched } => {
            let filter = PaymentFilter {
                unmatched_only: unmatched,
                invoice_id: None,
                limit: Some(500),
                offset: None,
            };
            let list = host.call_payments(client, |p, s| p.call_list_payments(s, &filter))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            for p in list {
                println!(
                    "{:<10} {} {:>12} {:<12} {:<20} {}",
                    p.id,
                    p.date,
                    p.amount,
                    p.kid.unwrap_or_default(),
                    Name::name(p.outcome),
                    p.invoice_number
                        .map_or(String::new(), |n| format!("faktura {n}"))
                );
            }
            Ok(())
        }
        PaymentsCmd::Open { customer } => {
            let items =
                host.call_payments(client, |p, s| p.call_open_items(s, customer.as_deref()))?;
            let aging =
                host.call_payments(client, |p, s| p.call_aging_report(s, customer.as_deref()))?;
            if json {
                let out = serde_json::json!({ "open-items": items, "aging": aging });
                println!("{}", serde_json::to_string_pretty(&out)?);
                return Ok(());
            }
            for i in &items {
                println!(
                    "{:>6} {:<24} due {} {:>12} open {:>12} {:<12} {}",
                    i.number,
                    i.customer_name,
                    i.due_date,
                    i.payable,
                    i.open,
                    Name::name(i.state),
                    i.overdue_since
                        .as_ref()
                        .map_or(String::new(), |d| format!("overdue since {d}"))
                );
            }
            print_aging(&aging);
            Ok(())
        }
    }
}

fn demo(db: &str, out: &std::path::Path, smtp: Option<String>) -> Result<()> {
    let started = std::time::Instant::now();
    let rt = host_harness::embedded(Limits::default())?;
    println!(
        "component loaded in {:.1} ms ({} KiB)",
        started.elapsed().as_secs_f64() * 1e3,
        host_harness::COMPONENT_WASM.len() / 1024
    );
    let mut host = host_harness::connect(rt, db)?;
    host.delivery = Some(channels::Config::new(out, smtp).boxed());
    host.dispatch();
    fixtures::load_all(host.store())?;
    let run = chrono::Utc::now().timestamp_millis();

    println!("\n== Activation");
    match host.activate("halvferdig") {
        Err(e) => println!("halvferdig: refused, as it should be: {e}"),
        Ok(()) => println!("halvferdig: activated?!"),
    }
    host.activate("fjord").context("activating fjord")?;
    println!("fjord: active");

    println!("\n== Drafts and invoices");
    let c = "fjord";
    let plans: Vec<(&str, Vec<LineInput>, Option<&str>)> = vec![
        (
            "c-bygg",
            vec![
                product_line("p-konsulent", "10"),
                LineInput {
                    discount_percent: Some("10".into()),
                    ..product_line("p-kaffe", "4")
                },
                free_line(
                    "Reiseutgifter & diett <Bergen>",
                    "1",
                    "1499.50",
                    VatCode::Standard,
                ),
            ],
            Some("Prosjekt 4711"),
        ),
        (
            "c-kommune",
            vec![
                product_line("p-reise", "3"),
                product_line("p-kurs", "2"),
                product_line("p-eksport", "1"),
            ],
            Some("K-2026-118"),
        ),
        (
            "c-kari",
            vec![free_line(
                "Årsoppgjør privatperson",
                "1",
                "2490",
                VatCode::Standard,
            )],
            None,
        ),
        (
            "c-ola",
            vec![free_line(
                "Abonnement regnskapshjelp, desember",
                "1",
                "399",
                VatCode::Standard,
            )],
            None,
        ),
        (
            "c-lise",
            vec![free_line(
                "Tax return assistance",
                "2.5",
                "1100",
                VatCode::Standard,
            )],
            Some("Lise"),
        ),
        (
            "c-per",
            vec![
                product_line("p-kaffe", "2"),
                free_line("Frakt", "1", "99", VatCode::Standard),
            ],
            None,
        ),
    ];
    let mut invoices = Vec::new();
    for (i, (customer, lines, buyer_ref)) in plans.into_iter().enumerate() {
        let d = host.create_draft(c, customer)?;
        let d = host.update_draft(c, &d.id, d.version, &DraftChange::AddLines(lines))?;
        let d = host.update_draft(
            c,
            &d.id,
            d.version,
            &DraftChange::SetReferences(References {
                buyer_reference: buyer_ref.map(Into::into),
                our_reference: Some("Marit".into()),
                order_reference: None,
            }),
        )?;
        let pdf = host.preview(c, &d.id)?;
        if i == 0 {
            std::fs::create_dir_all(out)?;
            std::fs::write(out.join("preview-faktura.pdf"), &pdf)?;
        }
        let inv = host.finalize(c, &d.id, &format!("demo-{run}-{i}"))?;
        let ch = inv
            .deliveries
            .first()
            .map(|d| d.channel.name())
            .unwrap_or("-");
        println!(
            "invoice {} to {:<28} {:>12} NOK  KID {}  via {ch}",
            inv.number,
            inv.customer.name,
            inv.totals.payable,
            inv.kid.clone().unwrap_or_default()
        );
        invoices.push(inv);
    }
    // Delivery runs apart from the calls: the invoices are issued, now they go out.
    host.dispatch();
    // One draft stays a draft, for the overview.
    let d = host.create_draft(c, "c-bygg")?;
    host.update_draft(
        c,
        &d.id,
        d.version,
        &DraftChange::AddLines(vec![product_line("p-konsulent", "3")]),
    )?;

    println!("\n== Credit notes");
    let partial = host.credit(
        c,
        &invoices[0].id,
        Some(&[CreditLine {
            line_id: 1,
            quantity: Some("2".into()),
            amount: None,
        }]),
        "To timer for mye fakturert",
        &format!("demo-{run}-cn1"),
    )?;
    println!(
        "credit note {} credits invoice {} partly: {} NOK",
        partial.number, invoices[0].number, partial.totals.payable
    );
    let full = host.credit(
        c,
        &invoices[1].id,
        None,
        "Feil mottaker",
        &format!("demo-{run}-cn2"),
    )?;
    println!(
        "credit note {} credits invoice {} fully: {} NOK",
        full.number, invoices[1].number, full.totals.payable
    );

    host.dispatch();

    println!("\n== Recurring invoices");
    // A monthly rent from the first of this month; the run issues what is due by today.
    let d = host.create_draft(c, "c-kommune")?;
    let d = host.update_draft(
        c,
        &d.id,
        d.version,
        &DraftChange::AddLines(vec![
            free_line("Leie av kontorlokaler", "1", "18500", VatCode::Exempt),
            free_line("Parkeringsplass", "2", "750", VatCode::Standard),
        ]),
    )?;
    let first = host.today.with_day(1).unwrap_or(host.today).to_string();
    let series = host.make_recurring(c, &d.id, d.version, &host_harness::api::monthly(&first))?;
    println!(
        "{}: {} monthly from {first}, {} NOK each, the period on every invoice",
        series.id, series.customer.name, series.totals.payable
    );
    let report = host_harness::recurring::run(&mut host, c, 2, |_| {})?;
    print!("{}", report.summary());
    host.dispatch();

    println!("\n== Money in: the bank's OCR file of today");
    // The bank's file (written here for the demo; the tests' files come from netsgiro and
    // lxml): two invoices paid, one partly, one KID that is no invoice of ours.
    let kid_of = |i: usize| invoices[i].kid.clone().unwrap_or_default();
    let partly = invoices[4]
        .totals
        .payable
        .parse::<rust_decimal::Decimal>()?
        / rust_decimal::Decimal::TWO;
    let file = out.join("bank").join(format!("ocr-{run}.txt"));
    std::fs::create_dir_all(file.parent().unwrap_or(out))?;
    std::fs::write(
        &file,
        demo_ocr_file(
            "86011117947",
            host.today,
            &[
                (kid_of(2), invoices[2].totals.payable.clone()),
                (kid_of(3), invoices[3].totals.payable.clone()),
                (kid_of(4), partly.round_dp(2).to_string()),
                ("1001999992".into(), "500.00".into()),
            ],
            run,
        ),
    )?;
    let done = host_harness::bank::import(&mut host, c, &file, true)?;
    for r in &done.results {
        println!(
            "{:<10} {:>10} NOK  KID {:<11} {:<12} {}",
            r.payment.id,
            r.payment.amount,
            r.payment.kid.clone().unwrap_or_default(),
            r.outcome.name(),
            r.payment
                .invoice_number
                .map_or("waits for a person".into(), |n| format!(
                    "invoice {n}, open after: {}",
                    r.open_after.clone().unwrap_or_default()
                ))
        );
    }
    let again = host_harness::bank::import(&mut host, c, &file, false)?;
    println!(
        "the same file again: {} payments, {:?}: nothing registered twice",
        again.file.payments, again.outcomes
    );
    let later = host.today + chrono::Days::new(30);
    let today = std::mem::replace(&mut host.today, later);
    println!("\nOpen items as of {later} (30 days on):");
    for i in host.open_items(c, None)? {
        println!(
            "invoice {:>6} {:<28} due {} open {:>10} {:<12} {}",
            i.number,
            i.customer_name,
            i.due_date,
            i.open,
            i.state.name(),
            i.overdue_since.map_or(String::new(), |d| format!(
                "overdue since {d} ({} days)",
                i.days_overdue
            ))
        );
    }
    print_aging(&host.aging(c, None)?);
    host.today = today;

    println!("\n== Overview (latest 12)");
    print_overview(&mut host, c)?;
    println!();
    print_ledger(&host, c)?;
    println!("\n== Deliveries");
    for d in reports::deliveries(host.store(), c)? {
        println!(
            "{:<11} {:>6} {:<30} {:<10} {:<6} {}",
            d.kind.name(),
            d.number,
            d.customer,
            d.channel.name(),
            d.state.name(),
            d.reason
        );
    }
    println!(
        "\nDocuments are in {}/ (one folder per channel); the database is {}.",
        out.display(),
        db
    );
    Ok(())
}

/// An OCR giro file (MPS OCR v4.0: receivables.md §2.1) of KID payments on `date`, as the demo's
/// bank sends it: one assignment to `account`, its control records summed.
fn demo_ocr_file(
    account: &str,
    date: chrono::NaiveDate,
    payments: &[(String, String)],
    run: i64,
) -> String {
    let ddmmyy = date.format("%d%m%y").to_string();
    let mut lines = vec![
        format!(
            "NY00001000008080{:07}00012345{}",
            run % 10_000_000,
            "0".repeat(49)
        ),
        format!(
            "NY090020001008566{:07}{account}{}",
            run % 10_000_000,
            "0".repeat(45)
        ),
    ];
    let mut total = 0i64;
    for (n, (kid, amount)) in payments.iter().enumerate() {
        let ore = host_harness::money::to_ore(amount).unwrap_or_default();
        total += ore;
        let n = n + 1;
        // Centre 92, day code 01, partial settlement 1, serial 01234, sign 0 (a payment in).
        lines.push(format!(
            "NY091030{n:07}{ddmmyy}92011012340{ore:017}{kid:>25}000000"
        ));
        lines.push(format!(
            "NY091031{n:07}9636827194{:09}0000000{ddmmyy}99990000001{}",
            (run % 1_000_000) * 100 + n as i64,
            "0".repeat(22)
        ));
    }
    let count = payments.len();
    lines.push(format!(
        "NY090088{count:08}{:08}{total:017}{ddmmyy}{ddmmyy}{ddmmyy}{}",
        count * 2 + 2,
        "0".repeat(21)
    ));
    lines.push(format!(
        "NY000089{count:08}{:08}{total:017}{ddmmyy}{}",
        count * 2 + 4,
        "0".repeat(33)
    ));
    lines.join("\n") + "\n"
}

fn print_aging(aging: &Aging) {
    println!(
        "aging: not due {}, 1-30 days {}, 31-60 {}, 61-90 {}, over 90 {}: {} open in all",
        aging.not_due,
        aging.days1_to30,
        aging.days31_to60,
        aging.days61_to90,
        aging.over90,
        aging.total
    );
}

fn print_overview(host: &mut Harness, client: &str) -> Result<()> {
    let rows = host.overview(
        client,
        &OverviewFilter {
            limit: Some(12),
            ..Default::default()
        },
    )?;
    println!(
        "{:<12} {:<12} {:>7} {:<19} {:<30} {:>12} {:<8}",
        "id", "kind", "number", "status", "customer", "payable", "delivery"
    );
    for r in rows {
        let kind = r.kind.name();
        let delivery = r.delivery.map_or("", Name::name);
        println!(
            "{:<12} {:<12} {:>7} {:<19} {:<30} {:>12} {:<8}",
            r.id,
            kind,
            r.number.map(|n| n.to_string()).unwrap_or_default(),
            r.status.name(),
            r.customer_name,
            r.payable,
            delivery
        );
    }
    Ok(())
}

fn print_ledger(host: &Harness, client: &str) -> Result<()> {
    println!("== Trial balance ({client})");
    for b in reports::trial_balance(host.store(), client)? {
        println!(
            "{:>5} {:<48} {:>14} {:>14} {:>14}",
            b.account, b.name, b.debit, b.credit, b.balance
        );
    }
    println!("== Balance per customer on 1500");
    for (cu, bal) in reports::customer_balances(host.store(), client)? {
        println!("{cu:<12} {bal:>14}");
    }
    Ok(())
}

/// The `recurring` command: one run per client, a progress bar while it issues.
/// The clients a run is for: one, or every one with the module switched on.
fn run_clients(host: &Harness, client: Option<String>) -> Result<Vec<String>> {
    match client {
        Some(c) => Ok(vec![c]),
        None => host_harness::store::with_unit(host.store(), |u| {
            let mut on = Vec::new();
            for c in u.reports()?.clients()? {
                if u.is_active(&c)? {
                    on.push(c);
                }
            }
            Ok(on)
        }),
    }
}

fn progress_bar(prefix: &str) -> Result<indicatif::ProgressBar> {
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} [{bar:40}] {pos}/{len} {per_sec} eta {eta}",
        )?
        .progress_chars("=> "),
    );
    bar.set_prefix(prefix.to_owned());
    Ok(bar)
}

fn reminders(host: &mut Harness, client: Option<String>, json: bool) -> Result<()> {
    let mut failed = false;
    let mut reports = Vec::new();
    for client in run_clients(host, client)? {
        let bar = progress_bar(&client)?;
        let report = host_harness::reminders::run(host, &client, |p| match p {
            host_harness::reminders::Progress::Due(n) => bar.set_length(n as u64),
            host_harness::reminders::Progress::Done => bar.inc(1),
        })
        .with_context(|| format!("the reminder run for {client} stopped"))?;
        bar.finish_and_clear();
        host.dispatch();
        failed |= !report.failed.is_empty();
        if !json {
            print!("{}", report.summary());
        }
        reports.push(report);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    if failed {
        std::process::exit(2);
    }
    Ok(())
}

fn recurring(
    db: &str,
    date: Option<chrono::NaiveDate>,
    client: Option<String>,
    delivery: Option<channels::Config>,
    json: bool,
    workers: usize,
) -> Result<()> {
    let mut host = host_harness::connect(host_harness::embedded(Limits::default())?, db)?;
    host.today = date.unwrap_or(host.today);
    host.delivery = delivery.map(channels::Config::boxed);
    let mut failed = false;
    let mut reports = Vec::new();
    for client in run_clients(&host, client)? {
        let bar = progress_bar(&client)?;
        let report = host_harness::recurring::run(&mut host, &client, workers, |p| match p {
            host_harness::recurring::Progress::Due(n) => bar.set_length(n as u64),
            host_harness::recurring::Progress::Done => bar.inc(1),
        })
        .with_context(|| {
            format!("the run for {client} stopped; start it again to issue the rest")
        })?;
        bar.finish_and_clear();
        host.dispatch();
        failed |= !report.failed.is_empty();
        if !json {
            print!("{}", report.summary());
        }
        reports.push(report);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    if failed {
        std::process::exit(2);
    }
    Ok(())
}

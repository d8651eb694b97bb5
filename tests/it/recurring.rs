//! Recurring invoices: series made from drafts, paused, resumed, changed and ended, and the
//! run that issues what is due, exactly once, through the real component, on both stores.
//!
//! `RECURRING_KILLS=200 RECURRING_SERIES=2000 cargo test --test it recurring:: -- --nocapture`
//! is the long kill run (docs/reliability.md).

use crate::common;
use common::*;
use host_harness::api::{free_line, monthly};
use host_harness::bindings::*;
use host_harness::fixtures;
use host_harness::recurring::{self, Report};
use std::time::{Duration, Instant};

const HARNESS: &str = env!("CARGO_BIN_EXE_host-harness");

/// A series for `customer` of `fjord`: a rent of 9 500 (exempt) and a fee of 250 at 25 %.
fn series(env: &mut Env, customer: &str, schedule: Schedule) -> Series {
    let d = env.draft(
        customer,
        vec![
            free_line("Husleie", "1", "9500", VatCode::Exempt),
            free_line("Felleskostnader", "1", "250", VatCode::Standard),
        ],
    );
    env.host
        .make_recurring("fjord", &d.id, d.version, &schedule)
        .unwrap()
}

/// A run with two workers rendering while one writes (the parallel path). The batch closes by
/// count only, never by the clock: a busy machine must not change what a test counts.
fn run(env: &mut Env, today: &str) -> Report {
    env.host.today = today.parse().unwrap();
    env.host.batch_time = std::time::Duration::MAX;
    recurring::run(&mut env.host, "fjord", 2, |_| {}).unwrap()
}

/// Change a series of `fjord` against the version the caller holds.
fn change(env: &mut Env, s: &Series, c: SeriesChange) -> Result<Series, host_harness::CallError> {
    env.host.change_series("fjord", &s.id, s.version, &c)
}

fn trial_balance_is_zero(env: &Env) {
    let net: i64 = env
        .journal()
        .iter()
        .map(|r| r.debit_ore - r.credit_ore)
        .sum();
    assert_eq!(net, 0);
}

fn a_series_issues_every_period_once_with_its_period_text() {
    let mut env = Env::active();
    let s = series(&mut env, "c-bygg", monthly("2026-09-01"));
    assert_eq!(env.drafts(), 0, "the draft became the series");
    assert_eq!((s.state, s.issued), (SeriesState::Active, 0));
    assert_eq!(s.next_date.as_deref(), Some("2026-09-01"));
    assert_eq!(s.totals.payable, "9812.50");
    // Three months are due by 28 November: each is issued, in date order, in one commit.
    let r = run(&mut env, "2026-11-28");
    assert_eq!((r.due, r.skipped.len(), r.failed.len()), (3, 0, 0));
    assert_eq!(r.commits, 1, "one durable commit for the batch");
    // One series three months behind: a worker renders the first, and the writer the two
    // that follow it (no snapshot shows the series moved on yet).
    assert_eq!(r.rendered_in_parallel, 1);
    let numbers: Vec<u64> = r.issued.iter().map(|i| i.2).collect();
    assert_eq!(numbers, [10001, 10002, 10003]);
    let notes: Vec<String> = (1..=3)
        .map(|n| {
            let inv = env.host.open("fjord", &format!("doc-{n}")).unwrap();
            assert_eq!(inv.issue_date, "2026-11-28");
            assert_eq!(inv.totals.payable, "9812.50");
            assert_eq!(inv.deliveries.len(), 1, "queued for delivery");
            format!(
                "{} {}",
                inv.delivery_date.unwrap(),
                inv.note.unwrap().lines().next().unwrap()
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            "2026-09-01 Periode: september 2026",
            "2026-10-01 Periode: oktober 2026",
            "2026-11-01 Periode: november 2026"
        ]
    );
    // Run again the same day: nothing is due, nothing more is issued.
    let again = run(&mut env, "2026-11-28");
    assert_eq!((again.due, again.issued.len()), (0, 0));
    let r = run(&mut env, "2026-12-01");
    assert_eq!(r.issued, [("series-1".into(), "2026-12-01".into(), 10004)]);
    assert_eq!(env.documents(), 4);
    let s = env.host.get_series("fjord", &s.id).unwrap();
    assert_eq!((s.issued, s.next_date.as_deref()), (4, Some("2027-01-01")));
    trial_balance_is_zero(&env);
    // The EHFs, period note and all, pass the official validator.
    let ehfs = stored_ehfs(&env, "fjord");
    assert_eq!(ehfs.len(), 4);
    all_valid("recurring", &ehfs);
}

fn lead_days_count_and_english_period_text() {
    let mut env = Env::active();
    let s = series(
        &mut env,
        "c-lise",
        Schedule {
            interval: Interval::Quarterly,
            lead_days: 14,
            count: Some(2),
            ..monthly("2026-12-10")
        },
    );
    assert_eq!(s.issue_from.as_deref(), Some("2026-11-26"));
    let r = run(&mut env, "2026-11-25");
    assert_eq!(r.due, 0, "not yet: 15 days ahead");
    let r = run(&mut env, "2026-11-26");
    assert_eq!(r.issued.len(), 1);
    let inv = env.host.open("fjord", "doc-1").unwrap();
    assert_eq!(
        inv.note.as_deref(),
        Some("Period: 2026-12-10 – 2027-03-09"),
        "the customer reads English"
    );
    assert_eq!(
        inv.due_date, "2026-12-10",
        "14 days' terms from the issue date"
    );
    let r = run(&mut env, "2027-12-31");
    assert_eq!(r.issued.len(), 1, "a count of two");
    let s = env.host.get_series("fjord", &s.id).unwrap();
    assert_eq!(
        (s.state, s.next_date, s.issued),
        (SeriesState::Ended, None, 2)
    );
}

fn pause_resume_change_and_end_a_series() {
    let mut env = Env::active();
    let s = series(&mut env, "c-bygg", monthly("2026-10-01"));
    let s = change(&mut env, &s, SeriesChange::Pause).unwrap();
    assert_eq!(s.state, SeriesState::Paused);
    assert_eq!(
        run(&mut env, "2026-11-28").due,
        0,
        "a paused series is not due"
    );
    let refused = env
        .host
        .issue_occurrence("fjord", &s.id, "2026-10-01")
        .unwrap_err();
    assert!(
        matches!(
            refused,
            host_harness::CallError::Component(Error::NotAllowed(Refusal::SeriesPaused))
        ),
        "{refused}"
    );
    // Resumed on 28 November: October and November are skipped, not billed late.
    let s = change(&mut env, &s, SeriesChange::Resume).unwrap();
    assert_eq!(s.next_date.as_deref(), Some("2026-12-01"));
    // A stale version is a conflict, and nothing changes.
    let stale = env
        .host
        .change_series("fjord", &s.id, s.version - 1, &SeriesChange::End)
        .unwrap_err();
    assert_eq!(stale.kind(), "conflict");
    // Edit the template as a draft: one more line, new terms.
    let s = change(
        &mut env,
        &s,
        SeriesChange::Edit(DraftChange::AddLines(vec![free_line(
            "Parkering",
            "1",
            "500",
            VatCode::Standard,
        )])),
    )
    .unwrap();
    assert_eq!((s.lines.len(), s.totals.payable.as_str()), (3, "10437.50"));
    let dates = Dates {
        issue_date: Some("2026-12-01".into()),
        delivery_date: None,
        due_date: None,
        payment_terms_days: Some(10),
    };
    let bad = change(
        &mut env,
        &s,
        SeriesChange::Edit(DraftChange::SetDates(dates.clone())),
    )
    .unwrap_err();
    assert_eq!(bad.fields(), ["dates.issue-date"]);
    let s = change(
        &mut env,
        &s,
        SeriesChange::Edit(DraftChange::SetDates(Dates {
            issue_date: None,
            ..dates
        })),
    )
    .unwrap();
    assert_eq!(s.payment_terms_days, Some(10));
    // Removing every line would leave nothing to invoice.
    let mut s = s;
    for id in [1, 2] {
        s = change(
            &mut env,
            &s,
            SeriesChange::Edit(DraftChange::RemoveLine(id)),
        )
        .unwrap();
    }
    let empty = change(&mut env, &s, SeriesChange::Edit(DraftChange::RemoveLine(3))).unwrap_err();
    assert_eq!(empty.fields(), ["lines"]);
    // Quarterly from 1 January.
    let s = change(
        &mut env,
        &s,
        SeriesChange::SetSchedule(Schedule {
            interval: Interval::Quarterly,
            ..monthly("2027-01-01")
        }),
    )
    .unwrap();
    assert_eq!(s.next_date.as_deref(), Some("2027-01-01"));
    let r = run(&mut env, "2027-04-01");
    assert_eq!(r.issued.len(), 2);
    let inv = env.host.open("fjord", "doc-2").unwrap();
    assert!(inv.note.unwrap().starts_with("Periode: april–juni 2027"));
    assert_eq!(inv.due_date, "2027-04-11");
    let s = env.host.get_series("fjord", &s.id).unwrap();
    let s = change(&mut env, &s, SeriesChange::End).unwrap();
    assert_eq!(
        (s.state, s.next_date.as_deref()),
        (SeriesState::Ended, None)
    );
    assert!(matches!(
        change(&mut env, &s, SeriesChange::Resume).unwrap_err(),
        host_harness::CallError::Component(Error::NotAllowed(Refusal::SeriesEnded))
    ));
    assert_eq!(run(&mut env, "2028-01-01").due, 0);
    let listed = env.host.list_series("fjord").unwrap();
    assert_eq!(listed.len(), 1, "an ended series stays listed");
}

fn a_failing_occurrence_never_stops_the_others() {
    let mut env = Env::active();
    for c in ["c-bygg", "c-kari", "c-ola"] {
        series(&mut env, c, monthly("2026-10-01"));
    }
    // The CRM loses one customer: its two occurrences cannot be issued.
    env.execute("DELETE FROM customers WHERE id = 'c-kari'")
        .unwrap();
    let r = run(&mut env, "2026-11-28");
    assert_eq!(r.due, 6);
    assert_eq!(r.issued.len(), 4);
    assert_eq!(r.failed.len(), 1, "{:?}", r.failed);
    assert!(
        r.failed[0].reason.contains("customer c-kari"),
        "{:?}",
        r.failed
    );
    assert_eq!(r.skipped.len(), 1, "November waits for October");
    assert!(r.skipped[0].reason.contains("not the next occurrence"));
    assert_eq!(
        r.commits, 1,
        "the failure was rolled back to its savepoint alone"
    );
    // Staged on the numbers they would have had if c-kari's had been issued: the writer
    // ran the failing one itself, and what followed was staged again.
    assert!(r.rendered_in_parallel >= 2, "{}", r.rendered_in_parallel);
    let numbers: Vec<u64> = r.issued.iter().map(|i| i.2).collect();
    assert_eq!(
        numbers,
        [10001, 10002, 10003, 10004],
        "no gap where one failed"
    );
    assert_eq!(env.documents(), 4);
    assert_eq!(env.deliveries(None), 4);
    trial_balance_is_zero(&env);
    // The customer is back: the next run issues what was left, and nothing twice.
    fixtures::load_all(env.host.store()).unwrap();
    let r = run(&mut env, "2026-11-28");
    assert_eq!((r.issued.len(), r.failed.len()), (2, 0));
    assert_eq!(
        env.count("SELECT count(DISTINCT idempotency_key) FROM documents"),
        6
    );
}

fn bad_schedules_and_templates_name_their_fields() {
    let mut env = Env::active();
    let d = env.draft(
        "c-bygg",
        vec![free_line("Leie", "1", "100", VatCode::Standard)],
    );
    let bad = Schedule {
        interval: Interval::EveryMonths(0),
        first_date: "2026-13-01".into(),
        end_date: Some("2026-01-01".into()),
        count: Some(0),
        lead_days: 91,
        period_text: false,
    };
    let e = env
        .host
        .make_recurring("fjord", &d.id, d.version, &bad)
        .unwrap_err();
    assert_eq!(e.fields(), ["schedule.first-date"]);
    let e = env
        .host
        .make_recurring(
            "fjord",
            &d.id,
            d.version,
            &Schedule {
                first_date: "2026-12-01".into(),
                ..bad
            },
        )
        .unwrap_err();
    assert_eq!(
        e.fields(),
        [
            "schedule.interval",
            "schedule.end-date",
            "schedule.count",
            "schedule.lead-days"
        ]
    );
    // A mistyped year would bill every month since: at most a year back.
    let e = env
        .host
        .make_recurring("fjord", &d.id, d.version, &monthly("2025-10-01"))
        .unwrap_err();
    assert_eq!(e.fields(), ["schedule.first-date"]);
    let stale = env
        .host
        .make_recurring("fjord", &d.id, d.version + 1, &monthly("2026-12-01"))
        .unwrap_err();
    assert_eq!(stale.kind(), "conflict");
    let empty = env.host.create_draft("fjord", "c-bygg").unwrap();
    let e = env
        .host
        .make_recurring("fjord", &empty.id, empty.version, &monthly("2026-12-01"))
        .unwrap_err();
    assert_eq!(e.fields(), ["lines"]);
    assert_eq!(env.count("SELECT count(*) FROM series"), 0);
    assert_eq!(env.drafts(), 2, "nothing half-done");
    let e = env
        .host
        .issue_occurrence("fjord", "series-1", "2026-12-01")
        .unwrap_err();
    assert_eq!(e.kind(), "not-found");
    let e = env
        .host
        .issue_occurrence("fjord", "series-1", "1. desember")
        .unwrap_err();
    assert_eq!(e.fields(), ["date"]);
}

fn two_hosts_running_at_once_issue_each_occurrence_once() {
    let mut env = Env::active();
    let customers = ["c-bygg", "c-kari", "c-ola", "c-lise", "c-per"];
    for i in 0..20 {
        series(&mut env, customers[i % 5], monthly("2026-10-01"));
    }
    let rt = runtime();
    let runs: Vec<Report> = std::thread::scope(|s| {
        let hosts: Vec<_> = (0..2)
            .map(|_| {
                let db = env.db.clone();
                let rt = rt.clone();
                s.spawn(move || {
                    let mut h = connect(&db, rt);
                    recurring::run(&mut h, "fjord", 2, |_| {}).unwrap()
                })
            })
            .collect();
        hosts.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Each run accounts for every occurrence it found due: issued (or found issued), or
    // skipped because the other run issued it while this one waited for the number series.
    for r in &runs {
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        assert_eq!(r.issued.len() + r.skipped.len(), r.due);
        for m in &r.skipped {
            assert!(m.reason.contains("issued meanwhile"), "{m:?}");
        }
    }
    assert_eq!(env.documents(), 40);
    assert_eq!(
        env.count("SELECT count(DISTINCT idempotency_key) FROM documents"),
        40
    );
    assert_eq!(
        {
            let n = env.numbers();
            (n[n.len() - 1] - n[0] + 1) as i64
        },
        40
    );
    assert_eq!(env.deliveries(None), 40, "each queued once");
    trial_balance_is_zero(&env);
}

/// A customer whose data no channel can take (the CRM lost its address): the run counts the
/// occurrence a failure to fix, with the reason, not a refusal to skip and try again on every
/// run. The host tells them apart by the contract's error, never by its prose.
fn an_occurrence_no_channel_can_take_is_a_failure_not_a_skip() {
    let mut env = Env::active();
    series(&mut env, "c-per", monthly("2026-11-01"));
    edit_customer(&env, "fjord", "c-per", |c| {
        c.address = Address {
            street: None,
            postcode: None,
            city: None,
            country: None,
        }
    });
    let r = run(&mut env, "2026-11-28");
    assert_eq!((r.due, r.issued.len(), r.skipped.len()), (1, 0, 0), "{r:?}");
    assert_eq!(r.failed.len(), 1);
    assert!(
        r.failed[0]
            .reason
            .contains("no channel can take this document"),
        "{:?}",
        r.failed
    );
}

crate::on_both_stores!(
    an_occurrence_no_channel_can_take_is_a_failure_not_a_skip,
    a_series_issues_every_period_once_with_its_period_text,
    lead_days_count_and_english_period_text,
    pause_resume_change_and_end_a_series,
    a_failing_occurrence_never_stops_the_others,
    bad_schedules_and_templates_name_their_fields,
    two_hosts_running_at_once_issue_each_occurrence_once,
);

/// SIGKILL the `recurring` command at random moments, start it again, and again: every
/// occurrence is issued exactly once, the numbers have no gap, the books balance.
fn killed_runs_issue_every_occurrence_exactly_once() {
    let kills: usize = env_or("RECURRING_KILLS", 20);
    // Enough work that the run is still going at the last kill.
    let count: usize = env_or("RECURRING_SERIES", 1000);
    let mut env = Env::active();
    let customers = ["c-bygg", "c-kari", "c-ola", "c-lise", "c-per"];
    let mut batch = env.host.batch("fjord").unwrap();
    for i in 0..count {
        let d = batch
            .call(|x, s| x.call_create_draft(s, customers[i % 5]))
            .unwrap();
        let lines = vec![
            free_line("Husleie", "1", "9500", VatCode::Exempt),
            free_line("Felleskostnader", "1", "250", VatCode::Standard),
        ];
        let d = batch
            .call(|x, s| x.call_update_draft(s, &d.id, d.version, &DraftChange::AddLines(lines)))
            .unwrap();
        batch
            .call_recurring(|x, s| {
                x.call_make_recurring(s, &d.id, d.version, &monthly("2026-10-01"))
            })
            .unwrap();
    }
    batch.commit().unwrap();
    let due = 2 * count as i64;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("seed {seed}");
    let mut killed = 0;
    let started = Instant::now();
    while killed < kills {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = recurring_command(&env.db)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let after = Duration::from_millis(30 + seed % 400);
        std::thread::sleep(after);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        if env.documents() == due {
            break;
        }
    }
    eprintln!("{killed} kills in {:.1} s", started.elapsed().as_secs_f64());
    assert_eq!(
        killed, kills,
        "the run ended before it was killed {kills} times"
    );
    let status = recurring_command(&env.db).output().unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert_eq!(env.documents(), due);
    assert_eq!(
        env.count("SELECT count(DISTINCT idempotency_key) FROM documents"),
        due
    );
    assert_eq!(env.numbers()[0] as i64, 10001);
    assert_eq!(
        {
            let n = env.numbers();
            (n[n.len() - 1] - n[0] + 1) as i64
        },
        due
    );
    assert_eq!(env.deliveries(None), due);
    assert_eq!(env.vouchers(), due);
    trial_balance_is_zero(&env);
    for s in env.host.list_series("fjord").unwrap() {
        assert_eq!(
            (s.issued, s.next_date.as_deref()),
            (2, Some("2026-12-01")),
            "{}",
            s.id
        );
    }
}

/// The `recurring` command for `fjord` on the store at `db`, for the tests' today.
fn recurring_command(db: &str) -> std::process::Command {
    let mut c = std::process::Command::new(HARNESS);
    c.args([
        "recurring",
        "--db",
        db,
        "--client",
        "fjord",
        "--date",
        TODAY,
    ]);
    c
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

crate::on_both_stores!(killed_runs_issue_every_occurrence_exactly_once);

/// A store made by the previous host (schema 3, contract 0.2.0) gains the series table when
/// this host opens it, and keeps everything it held.
fn a_schema_3_store_gains_series_and_keeps_its_documents() {
    let mut env = Env::active();
    let inv = env.invoice(
        "c-bygg",
        vec![free_line("Leie", "1", "100", VatCode::Standard)],
    );
    env.execute("DROP TABLE series").unwrap();
    match backend() {
        Backend::Sqlite => env.execute("PRAGMA user_version = 3").unwrap(),
        Backend::Postgres => env.execute("UPDATE store SET version = 3").unwrap(),
    };
    let mut host = connect(&env.db, runtime());
    assert_eq!(host.open("fjord", &inv.id).unwrap().number, inv.number);
    let d = host
        .create_draft("fjord", "c-kari")
        .and_then(|d| {
            host.update_draft(
                "fjord",
                &d.id,
                d.version,
                &DraftChange::AddLines(vec![free_line("Leie", "1", "100", VatCode::Standard)]),
            )
        })
        .unwrap();
    let s = host
        .make_recurring("fjord", &d.id, d.version, &monthly("2026-11-01"))
        .unwrap();
    assert_eq!(s.next_date.as_deref(), Some("2026-11-01"));
    // Opened again: the version is current, nothing is created twice.
    let host = connect(&env.db, runtime());
    assert_eq!(
        host.store()
            .begin()
            .unwrap()
            .probes()
            .unwrap()
            .scalar("SELECT count(*) FROM series")
            .unwrap(),
        1
    );
}

crate::on_both_stores!(a_schema_3_store_gains_series_and_keeps_its_documents);

//! Reminders and inkassovarsler through the real component, on both stores: the timeline a
//! late invoice goes through (free reminder, the legal fee, the inkassovarsel, nothing after),
//! the books, what is never reminded, what each letter says (read back with `pdftotext`),
//! and each (invoice, step) sent once when the run is killed at random moments.
//!
//! `REMINDER_KILLS=100 REMINDER_INVOICES=2000 cargo test --test it reminders:: -- --nocapture`
//! is the long kill run.

use crate::common;
use common::*;
use host_harness::api::free_line;
use host_harness::bindings::*;
use host_harness::store::with_unit;
use std::time::{Duration, Instant};

const HARNESS: &str = env!("CARGO_BIN_EXE_host-harness");

/// Invoices are issued on this day (terms 14 days: due 2026-08-15), so that every day of the
/// timeline is in a half-year the legal table has a rate for.
const ISSUED: &str = "2026-08-01";
const DUE: &str = "2026-08-15";

/// `assert_eq!` by the values' debug form: the generated types have no `PartialEq`.
macro_rules! same {
    ($a:expr, $b:expr $(, $($msg:tt)+)?) => {
        assert_eq!(format!("{:?}", $a), format!("{:?}", $b) $(, $($msg)+)?)
    };
}

fn set_policy(env: &Env, p: ReminderPolicy) {
    with_unit(env.host.store(), |u| u.notices()?.put_policy("fjord", &p)).unwrap();
}

fn policy() -> ReminderPolicy {
    ReminderPolicy {
        first_after_days: 1,
        deadline_days: 14,
        fee: true,
        interest: true,
        reminders: 2,
        inkassovarsel: true,
        compensation: false,
    }
}

/// An invoice of 10 000 kr (outside VAT) to `customer`, issued on [`ISSUED`].
fn late_invoice(env: &mut Env, customer: &str) -> IssuedDocument {
    env.host.today = ISSUED.parse().unwrap();
    env.invoice(
        customer,
        vec![free_line("Rådgivning juli", "1", "10000", VatCode::Exempt)],
    )
}

fn on(env: &mut Env, day: &str) {
    env.host.today = day.parse().unwrap();
}

fn decision(env: &mut Env, invoice: &str) -> ReminderDecision {
    let mut due = env.host.reminders_due("fjord", Some(invoice)).unwrap();
    assert_eq!(due.len(), 1);
    due.pop().unwrap().decision
}

fn sent(outcome: SendOutcome) -> Notice {
    match outcome {
        SendOutcome::Sent(n) => n,
        other => panic!("nothing sent: {other:?}"),
    }
}

/// Σ debit − Σ credit over every voucher the store keeps (documents, payments, notices).
fn books_balance(env: &Env) {
    let rows = with_unit(env.host.store(), |u| u.reports()?.trial_balance("fjord")).unwrap();
    let (d, c) = rows
        .iter()
        .fold((0, 0), |(d, c), (_, dr, cr)| (d + dr, c + cr));
    assert_eq!(d, c, "the books balance: {rows:?}");
}

fn account(env: &Env, n: u32) -> (i64, i64) {
    with_unit(env.host.store(), |u| u.reports()?.trial_balance("fjord"))
        .unwrap()
        .into_iter()
        .find(|(a, ..)| *a == n)
        .map_or((0, 0), |(_, d, c)| (d, c))
}

/// The timeline of receivables.md §1.3 for one invoice: a free reminder the day after the
/// due date, the fee only from D+14 and only after the last deadline, two fees at most (the
/// inkassovarsel after them carries none), and nothing after the inkassovarsel; each step once.
fn a_late_invoice_gets_each_notice_once_with_the_legal_fee_and_interest() {
    let mut env = Env::active();
    set_policy(
        &env,
        ReminderPolicy {
            reminders: 3,
            ..policy()
        },
    );
    let inv = late_invoice(&mut env, "c-kari");
    assert_eq!(inv.due_date, DUE);

    on(&mut env, DUE);
    assert!(
        matches!(decision(&mut env, &inv.id), ReminderDecision::Wait(Waiting { ref until, why: Hold::NotOverdue }) if until == "2026-08-16")
    );
    assert!(env.host.reminders_due("fjord", None).unwrap().is_empty());

    // D+1: a reminder, free (the fee may come from D+14), with a day's interest.
    on(&mut env, "2026-08-16");
    let first = sent(env.host.send_reminder("fjord", &inv.id).unwrap());
    let p = &first.plan;
    assert_eq!((p.kind, p.step), (NoticeKind::Reminder, 1));
    assert_eq!(p.fee, "0.00");
    same!(p.no_fee, Some(NoFee::TooEarly("2026-08-29".into())));
    assert_eq!(p.interest_total, "3.36", "10 000 × 12.25 % × 1 / 365");
    assert_eq!(p.total, "10003.36");
    assert_eq!(p.deadline, "2026-08-30");
    // The same day again: nothing more, and why.
    let again = env.host.send_reminder("fjord", &inv.id).unwrap();
    assert!(
        matches!(again, SendOutcome::Wait(Waiting { ref until, why: Hold::DeadlineRunning }) if until == "2026-08-31"),
        "{again:?}"
    );

    // D+14 is inside the first deadline: still nothing.
    on(&mut env, "2026-08-29");
    assert!(matches!(
        env.host.send_reminder("fjord", &inv.id).unwrap(),
        SendOutcome::Wait(_)
    ));

    // After the deadline: the second reminder, with the 2026 fee (750 / 20, to whole kroner).
    on(&mut env, "2026-08-31");
    let second = sent(env.host.send_reminder("fjord", &inv.id).unwrap());
    let p = &second.plan;
    assert_eq!((p.kind, p.step), (NoticeKind::Reminder, 2));
    same!((p.fee.as_str(), p.no_fee.clone()), ("38.00", None::<NoFee>));
    assert_eq!(p.earlier_charges, "3.36");
    // Interest from the day after the first notice to today: 15 days.
    assert_eq!(p.interest[0].first_day, "2026-08-17");
    assert_eq!(
        (p.interest[0].days, p.interest_total.as_str()),
        (15, "50.34")
    );
    assert_eq!(p.total, "10091.70");

    // The third reminder after the second deadline carries the second fee.
    on(&mut env, "2026-09-15");
    let third = sent(env.host.send_reminder("fjord", &inv.id).unwrap());
    same!((third.plan.step, third.plan.fee.as_str()), (3, "38.00"));
    // The inkassovarsel after the third deadline: a third fee is never charged.
    on(&mut env, "2026-09-30");
    let varsel = sent(env.host.send_reminder("fjord", &inv.id).unwrap());
    let p = &varsel.plan;
    same!((p.kind, p.step), (NoticeKind::Inkassovarsel, 4));
    same!(
        (p.fee.as_str(), p.no_fee.clone()),
        ("0.00", Some(NoFee::TooMany(2)))
    );
    assert_eq!(p.deadline, "2026-10-14");
    on(&mut env, "2026-10-30");
    assert!(matches!(
        env.host.send_reminder("fjord", &inv.id).unwrap(),
        SendOutcome::Never(Hold::AllSent)
    ));

    // The books: fee on 3900, interest on 8055, both owed on 1500 beside the invoice.
    let history = env.host.reminder_history("fjord", &inv.id).unwrap();
    assert_eq!(history.len(), 4);
    let interest: i64 = history
        .iter()
        .map(|n| host_harness::money::to_ore(&n.plan.interest_total).unwrap())
        .sum();
    assert_eq!(account(&env, 3900), (0, 7600));
    assert_eq!(account(&env, 8055), (0, interest));
    books_balance(&env);
    let item = env.host.item("fjord", &inv.id).unwrap();
    assert_eq!(
        host_harness::money::to_ore(&item.open).unwrap(),
        1_000_000 + 7600 + interest
    );
    // Each letter went once, through the outbox, by e-mail (Kari has an address).
    env.host.dispatch();
    for n in &history {
        assert_eq!(n.deliveries.len(), 1, "{}", n.id);
        assert_eq!(n.deliveries[0].channel, Channel::Email);
    }

    // Paid in full by its KID: the payment covers the charges and the invoice; nothing more.
    let pay = PaymentInput {
        invoice_id: None,
        kid: inv.kid.clone(),
        amount: item.open.clone(),
        date: "2026-10-30".into(),
        payer: None,
        bank_reference: None,
        idempotency_key: "pay-all".into(),
        nok_amount: None,
    };
    let r = env.host.register_payment("fjord", &pay).unwrap();
    assert_eq!(r.outcome, PaymentOutcome::Paid);
    assert_eq!(
        env.host.item("fjord", &inv.id).unwrap().state,
        ItemState::Paid
    );
    assert!(matches!(
        decision(&mut env, &inv.id),
        ReminderDecision::Never(Hold::Paid)
    ));
    books_balance(&env);
    let balances = with_unit(env.host.store(), |u| {
        u.reports()?.customer_balances("fjord")
    })
    .unwrap();
    assert!(
        balances.iter().all(|(_, b)| *b == 0),
        "every customer's 1500 is settled: {balances:?}"
    );
}

/// What the law and the client's wishes keep from ever being reminded: a customer who opted
/// out, an invoice under a payment agreement, one credited in full, one the customer's
/// credit balance covers; and a policy deadline under the law's 14 days is refused by name.
fn what_is_never_reminded_and_a_short_deadline() {
    let mut env = Env::active();
    set_policy(&env, policy());
    let opted = late_invoice(&mut env, "c-kari");
    let agreed = late_invoice(&mut env, "c-lise");
    let credited = late_invoice(&mut env, "c-bygg");
    let covered = late_invoice(&mut env, "c-kommune");
    let overpaid = late_invoice(&mut env, "c-kommune");
    with_unit(env.host.store(), |u| {
        let n = u.notices()?;
        n.set_opted_out("fjord", "c-kari", true)?;
        n.set_payment_agreement(
            "fjord",
            host_harness::ids::Id::Doc.row(&agreed.id).unwrap(),
            true,
        )
    })
    .unwrap();
    env.host
        .credit("fjord", &credited.id, None, "Feil faktura", "credit-1")
        .unwrap();
    // 20 000 paid on an invoice of 10 000: a credit balance of 10 000 covers the other.
    let pay = PaymentInput {
        invoice_id: Some(overpaid.id.clone()),
        kid: None,
        amount: "20000.00".into(),
        date: ISSUED.into(),
        payer: None,
        bank_reference: None,
        idempotency_key: "over".into(),
        nok_amount: None,
    };
    env.host.register_payment("fjord", &pay).unwrap();

    on(&mut env, "2026-09-01");
    for (inv, why) in [
        (&opted, Hold::OptedOut),
        (&agreed, Hold::PaymentAgreement),
        (&credited, Hold::Paid),
        (&covered, Hold::CoveredByCredit),
    ] {
        same!(
            decision(&mut env, &inv.id),
            ReminderDecision::Never(why),
            "invoice {}",
            inv.number
        );
        same!(
            env.host.send_reminder("fjord", &inv.id).unwrap(),
            SendOutcome::Never(why)
        );
    }
    assert_eq!(env.count("SELECT count(*) FROM notices"), 0);

    set_policy(
        &env,
        ReminderPolicy {
            deadline_days: 13,
            ..policy()
        },
    );
    let Err(host_harness::CallError::Component(Error::MissingSettings(fields))) =
        env.host.reminders_due("fjord", None)
    else {
        panic!("a 13-day deadline was taken");
    };
    assert_eq!(fields[0].field, "reminder-policy.deadline-days");
    same!(
        fields[0].problem,
        FieldProblem::OutOfRange(Bounds {
            min: Some("14".into()),
            max: None
        })
    );
}

/// Each letter read back with `pdftotext`: the invoice it concerns (number, date, what was
/// sold), the principal, the fee and the interest on lines of their own with the rate and the
/// days, the total, the new deadline, the KID and the account; the inkassovarsel says the
/// claim goes to collection, that a payment order received by the bank in time is in time,
/// and how to object. In Bokmål and in English.
fn letters_say_what_the_law_requires() {
    let mut env = Env::active();
    set_policy(
        &env,
        ReminderPolicy {
            reminders: 1,
            ..policy()
        },
    );
    let nb = late_invoice(&mut env, "c-kari");
    let en = late_invoice(&mut env, "c-lise");
    on(&mut env, "2026-08-31");
    let account = "8601 11 17947";
    for (inv, words) in [
        (
            &nb,
            [
                "Purring",
                "faktura",
                "Fakturadato",
                "Purregebyr",
                "Forsinkelsesrente 12,25 % p.a., 16.08.2026–31.08.2026 (16 dager)",
                "Å betale",
                "Betalingsfrist",
                "14.09.2026",
            ],
        ),
        (
            &en,
            [
                "Payment reminder",
                "invoice",
                "Invoice date",
                "Reminder fee",
                "Late interest 12.25 % a year, 2026-08-16 to 2026-08-31 (16 days)",
                "Amount to pay",
                "Payment deadline",
                "2026-09-14",
            ],
        ),
    ] {
        let pdf = env.host.reminder_preview("fjord", &inv.id).unwrap();
        qpdf_ok(&pdf);
        // Every font embedded (pdffonts' "emb" column), so the letter prints as it reads.
        let fonts = pdf_tool(&pdf, "pdffonts", &[], &[]);
        let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
        assert!(fonts.lines().count() > 2, "{fonts}");
        for l in fonts.lines().skip(2) {
            assert_eq!(l.split_whitespace().rev().nth(4), Some("yes"), "{fonts}");
        }
        let text = text(&pdf, None);
        for w in words {
            assert!(text.contains(w), "{w:?} missing from:\n{text}");
        }
        for must in [
            inv.number.to_string(),
            inv.kid.clone().unwrap(),
            "Rådgivning juli".into(),
            account.into(),
            if inv.id == nb.id { "38,00" } else { "38.00" }.into(),
        ] {
            assert!(text.contains(&must), "{must:?} missing from:\n{text}");
        }
        let sent = sent(env.host.send_reminder("fjord", &inv.id).unwrap());
        assert_eq!(sent.plan.fee, "38.00");
    }
    // The inkassovarsel after the reminder's deadline.
    on(&mut env, "2026-09-15");
    for (inv, words) in [
        (
            &nb,
            [
                "Inkassovarsel",
                "inkassoloven § 9",
                "sendt til inkasso",
                "betalingsoppdraget",
                "innsigelser",
                "29.09.2026",
            ],
        ),
        (
            &en,
            [
                "Debt collection notice",
                "section 9",
                "sent to debt collection",
                "payment order",
                "dispute",
                "2026-09-29",
            ],
        ),
    ] {
        let text = text(&env.host.reminder_preview("fjord", &inv.id).unwrap(), None);
        for w in words {
            assert!(text.contains(w), "{w:?} missing from:\n{text}");
        }
        let fee = sent(env.host.send_reminder("fjord", &inv.id).unwrap())
            .plan
            .fee;
        assert_eq!(
            fee, "38.00",
            "the second fee: a reminder and an inkassovarsel"
        );
    }
}

crate::on_both_stores!(
    a_late_invoice_gets_each_notice_once_with_the_legal_fee_and_interest,
    an_overdue_invoice_is_told_once_whatever_runs,
    what_is_never_reminded_and_a_short_deadline,
    letters_say_what_the_law_requires,
);

/// The client's `invoice.overdue` events: the invoice ids they name.
fn overdue_events(env: &Env) -> Vec<String> {
    let events = with_unit(env.host.store(), |u| {
        u.api().unwrap().events("fjord", 0, 1000)
    })
    .unwrap();
    events
        .iter()
        .filter(|e| e.kind == "invoice.overdue")
        .map(|e| {
            let data: serde_json::Value = serde_json::from_str(&e.data).unwrap();
            data["invoice_id"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// Each invoice found overdue is told to the webhooks once: by the first run that finds it,
/// not by the runs after it, nor by a second host running at the same moment; an invoice not
/// yet due is not told.
fn an_overdue_invoice_is_told_once_whatever_runs() {
    let mut env = Env::active();
    set_policy(&env, policy());
    with_unit(env.host.store(), |u| {
        u.api().unwrap().insert_endpoint(
            "fjord",
            "http://127.0.0.1:9/hooks",
            "whsec_test",
            "invoice.overdue",
        )
    })
    .unwrap();
    let late = [
        late_invoice(&mut env, "c-kari"),
        late_invoice(&mut env, "c-bygg"),
    ];
    on(&mut env, "2026-08-10");
    let early = env.invoice(
        "c-kari",
        vec![free_line("Rådgivning august", "1", "500", VatCode::Exempt)],
    );
    on(&mut env, "2026-08-20");
    // Two hosts run at the same moment, then the next days' runs.
    let hosts: Vec<_> = (0..2)
        .map(|_| {
            let mut h =
                host_harness::runtime::Harness::on(env.host.rt.clone(), env.host.store_arc());
            h.today = env.host.today;
            h
        })
        .collect();
    std::thread::scope(|s| {
        for mut h in hosts {
            s.spawn(move || host_harness::reminders::run(&mut h, "fjord", |_| {}).unwrap());
        }
    });
    for day in ["2026-08-21", "2026-09-10"] {
        on(&mut env, day);
        host_harness::reminders::run(&mut env.host, "fjord", |_| {}).unwrap();
    }
    let mut told = overdue_events(&env);
    told.sort();
    let mut want: Vec<String> = late.iter().map(|d| d.id.clone()).collect();
    // The August invoice is due 14 days after the 10th: overdue by 10 September.
    want.push(early.id.clone());
    want.sort();
    assert_eq!(told, want, "each overdue invoice told once");
}

/// SIGKILL `reminders run` (and the delivery after it) at random moments, start it again,
/// and again: each overdue invoice gets its reminder once, each letter is delivered once,
/// and the books balance.
fn killed_reminder_runs_send_each_notice_once() {
    let kills: usize = env_or("REMINDER_KILLS", 10);
    let count: usize = env_or("REMINDER_INVOICES", 300);
    let mut env = Env::active();
    set_policy(&env, policy());
    env.host.today = ISSUED.parse().unwrap();
    let customers = ["c-kari", "c-lise", "c-bygg", "c-kommune"];
    let mut batch = env.host.batch("fjord").unwrap();
    for i in 0..count {
        let d = batch
            .call(|x, s| x.call_create_draft(s, customers[i % customers.len()]))
            .unwrap();
        let lines = vec![free_line("Rådgivning", "1", "1000", VatCode::Exempt)];
        let d = batch
            .call(|x, s| x.call_update_draft(s, &d.id, d.version, &DraftChange::AddLines(lines)))
            .unwrap();
        batch
            .call(|x, s| x.call_finalize(s, &d.id, &format!("k-{i}")))
            .unwrap();
    }
    batch.commit().unwrap();
    // The invoices' own deliveries are not what this test counts.
    env.execute("UPDATE outbox SET state = 'sent'").unwrap();
    let out = env.dir.path().join("out");
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("seed {seed}");
    let (mut killed, mut mid_run, started) = (0, false, Instant::now());
    while killed < kills {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = run_command(&env.db, &out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(50 + seed % 1000));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
            let kept = env.count("SELECT count(*) FROM notices");
            mid_run |= kept > 0 && kept < count as i64;
        }
        child.wait().unwrap();
        if env.count("SELECT count(*) FROM outbox WHERE notice_id IS NOT NULL AND state = 'queued'")
            == 0
            && env.count("SELECT count(*) FROM notices") == count as i64
        {
            break;
        }
    }
    eprintln!("{killed} kills in {:.1} s", started.elapsed().as_secs_f64());
    assert!(killed > 0, "the run ended before it was killed");
    if !mid_run {
        eprintln!("no kill fell between the run's first and last commit this time");
    }
    let t = Instant::now();
    let last = run_command(&env.db, &out).output().unwrap();
    eprintln!("the last run took {:.1} s", t.elapsed().as_secs_f64());
    assert!(
        last.status.success(),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    let stderr = String::from_utf8_lossy(&last.stderr);
    assert!(!stderr.contains("dispatch:"), "{stderr}");
    let n = count as i64;
    assert_eq!(env.count("SELECT count(*) FROM notices"), n);
    assert_eq!(
        env.count("SELECT count(DISTINCT invoice_id) FROM notices"),
        n
    );
    assert_eq!(env.count("SELECT max(step) FROM notices"), 1);
    assert_eq!(
        env.count("SELECT count(*) FROM outbox WHERE notice_id IS NOT NULL AND state = 'sent'"),
        n
    );
    assert_eq!(
        env.count("SELECT count(DISTINCT notice_id) FROM outbox WHERE notice_id IS NOT NULL"),
        n
    );
    // Each letter is at its receiver once: one file per notice, whatever was retried.
    // (Tromsø kommune's by EHF Reminder, the others' by e-mail.)
    let letters: Vec<String> = ["ehf", "email", "print"]
        .iter()
        .filter_map(|c| std::fs::read_dir(out.join(c)).ok())
        .flatten()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| {
            f.contains("-purring-")
                && (f.ends_with(".eml") || f.ends_with(".pdf") || f.ends_with(".xml"))
        })
        .collect();
    assert_eq!(letters.len(), count, "{letters:?}");
    books_balance(&env);
    // A run on the same day again sends nothing.
    let again = run_command(&env.db, &out).output().unwrap();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains(", 0 sent"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

fn run_command(db: &str, out: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(HARNESS);
    c.args([
        "reminders",
        "run",
        "--db",
        db,
        "--client",
        "fjord",
        "--date",
        "2026-08-20",
        "--out",
    ])
    .arg(out)
    // A killed process's leases run out soon, so the next run delivers what it held.
    .env("INVOICING_LEASE_MS", "300");
    c
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

crate::on_both_stores!(killed_reminder_runs_send_each_notice_once);

/// A console page on `day`, as the router serves it to a signed-in browser.
fn console(env: &Env, day: &str, path: &str) -> (String, String) {
    let (status, kind, body) = console_request(env, day, path, None);
    assert_eq!(status, 200, "{path}");
    (kind, body)
}

/// A GET, or a form POSTed from the console's own page (its origin); the status, the content
/// type and the body.
fn console_request(env: &Env, day: &str, path: &str, form: Option<&str>) -> (u16, String, String) {
    use tower::ServiceExt;
    let mut app = host_harness::console::App::new(env.host.rt.clone(), env.host.store_arc(), None);
    app.today = Some(day.parse().unwrap());
    let router = host_harness::console::router(std::sync::Arc::new(app));
    let req = match form {
        None => axum::http::Request::get(path).body(axum::body::Body::empty()),
        Some(f) => axum::http::Request::post(path)
            .header("host", "console.test")
            .header("origin", "http://console.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(f.to_owned())),
    }
    .unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let res = router.oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let kind = res
            .headers()
            .get("content-type")
            .map_or(String::new(), |v| v.to_str().unwrap().to_owned());
        let body = axum::body::to_bytes(res.into_body(), 1 << 24)
            .await
            .unwrap();
        (status, kind, String::from_utf8_lossy(&body).into_owned())
    })
}

/// Purringer in the console: what is due with its fee and total in Norwegian figures, why
/// another waits, the letter's preview as PDF; the invoice's page lists what it was sent.
fn the_console_lists_what_is_due_and_the_invoice_shows_its_reminders() {
    let mut env = Env::active();
    set_policy(&env, policy());
    let late = late_invoice(&mut env, "c-kari");
    let opted = late_invoice(&mut env, "c-lise");
    with_unit(env.host.store(), |u| {
        u.notices()?.set_opted_out("fjord", "c-lise", true)
    })
    .unwrap();
    let (_, page) = console(&env, "2026-08-31", "/c/fjord/purringer");
    let row = |id: &str| {
        let at = page.find(&format!("id=\"due-{id}\"")).expect("a row");
        page[at..at + page[at..].find("</tr>").unwrap()].to_owned()
    };
    let due = row(&late.id);
    for w in [
        "Purring 1",
        "38,00",
        "53,70",
        "091,70",
        "14.09.2026",
        "Forhåndsvis",
    ] {
        assert!(due.contains(w), "{w:?} not in {due}");
    }
    assert!(row(&opted.id).contains("Kunden ønsker ikke purringer"));
    // Lise reminded again, and a payment agreement on Kari's invoice, from the page's buttons.
    for (id, form) in [
        (&opted.id, "what=kunde&on=0"),
        (&late.id, "what=avtale&on=1"),
    ] {
        let (status, ..) = console_request(
            &env,
            "2026-08-31",
            &format!("/c/fjord/purringer/{id}/hold"),
            Some(form),
        );
        assert!(status == 303 || status == 200, "{status}");
    }
    let (_, after) = console(&env, "2026-08-31", "/c/fjord/purringer");
    let row_after = |id: &str| {
        let at = after.find(&format!("id=\"due-{id}\"")).expect("a row");
        after[at..at + after[at..].find("</tr>").unwrap()].to_owned()
    };
    assert!(
        row_after(&opted.id).contains("Purring 1"),
        "{}",
        row_after(&opted.id)
    );
    assert!(row_after(&late.id).contains("Har betalingsavtale"));
    console_request(
        &env,
        "2026-08-31",
        &format!("/c/fjord/purringer/{}/hold", late.id),
        Some("what=avtale&on=0"),
    );
    assert!(page.contains("Send alle som er klare (1)"), "{page}");
    let (kind, pdf) = console(
        &env,
        "2026-08-31",
        &format!("/c/fjord/purringer/{}/pdf", late.id),
    );
    assert_eq!(kind, "application/pdf");
    assert!(pdf.starts_with("%PDF"));

    on(&mut env, "2026-08-31");
    sent(env.host.send_reminder("fjord", &late.id).unwrap());
    env.host.dispatch();
    let (_, doc) = console(
        &env,
        "2026-08-31",
        &format!("/c/fjord/dokument/{}", late.id),
    );
    let at = doc
        .find("id=\"doc-notices\"")
        .expect("the invoice lists its reminders");
    let table = &doc[at..at + doc[at..].find("</table>").unwrap()];
    for w in ["31.08.2026", "Purring 1", "38,00", "14.09.2026", "E-post"] {
        assert!(table.contains(w), "{w:?} not in {table}");
    }
}

crate::on_both_stores!(the_console_lists_what_is_due_and_the_invoice_shows_its_reminders);

/// An invoice that went by EHF to a receiver that takes EHF Reminder 3.0 gets each notice as
/// one, valid under the official rules (the reminder's own three rule sets), with the fee as
/// the `REM` charge; one whose receiver takes only invoices gets the letter by e-mail.
fn an_ehf_invoice_is_reminded_by_ehf_reminder_where_the_receiver_takes_it() {
    let mut env = Env::active();
    set_policy(&env, policy());
    let out = env.dir.path().join("out");
    env.host.delivery = Some(host_harness::channels::Config::new(&out, None).boxed());
    let kommune = late_invoice(&mut env, "c-kommune");
    let bygg = late_invoice(&mut env, "c-bygg");
    let mut xmls = Vec::new();
    for (day, step) in [("2026-08-16", 1), ("2026-08-31", 2), ("2026-09-15", 3)] {
        on(&mut env, day);
        let n = sent(env.host.send_reminder("fjord", &kommune.id).unwrap());
        assert_eq!(n.deliveries[0].channel, Channel::Ehf, "{:?}", n.deliveries);
        let b = sent(env.host.send_reminder("fjord", &bygg.id).unwrap());
        assert_eq!(
            b.deliveries[0].channel,
            Channel::Email,
            "{:?}",
            b.deliveries
        );
        env.host.dispatch();
        let xml = std::fs::read_to_string(out.join(format!(
            "ehf/fjord-{}-{}-{step}.xml",
            if step == 3 {
                "inkassovarsel"
            } else {
                "purring"
            },
            kommune.number
        )))
        .unwrap();
        assert!(xml.contains("urn:fdc:anskaffelser.no:2019:ehf:reminder:3.0"));
        assert!(xml.contains(&format!(
            "<cbc:ID>{}</cbc:ID><cbc:IssueDate>2026-08-01",
            kommune.number
        )));
        assert_eq!(xml.contains(">REM<"), step > 1, "the fee is the REM charge");
        xmls.push(xml);
    }
    all_valid("reminder", &xmls);
}

crate::on_both_stores!(an_ehf_invoice_is_reminded_by_ehf_reminder_where_the_receiver_takes_it);

/// § 3a: a business customer is charged the standard compensation once (the half-year's
/// figure of the due date, less fees charged), on 3900, and no fee beside it after; a consumer
/// never is.
fn a_business_is_charged_the_standard_compensation_once() {
    let mut env = Env::active();
    set_policy(
        &env,
        ReminderPolicy {
            compensation: true,
            ..policy()
        },
    );
    let business = late_invoice(&mut env, "c-bygg");
    let consumer = late_invoice(&mut env, "c-kari");
    on(&mut env, "2026-08-16");
    let first = sent(env.host.send_reminder("fjord", &business.id).unwrap());
    assert_eq!(
        (first.plan.fee.as_str(), first.plan.compensation.as_str()),
        ("0.00", "430.00"),
        "2026 H2's figure, no fee charged yet"
    );
    assert_eq!(first.plan.total, "10433.36");
    let text = text(
        &env.host.reminder_preview("fjord", &consumer.id).unwrap(),
        None,
    );
    assert!(!text.contains("Standardkompensasjon"), "{text}");
    let plain = sent(env.host.send_reminder("fjord", &consumer.id).unwrap());
    assert_eq!(plain.plan.compensation, "0.00");
    on(&mut env, "2026-08-31");
    let second = sent(env.host.send_reminder("fjord", &business.id).unwrap());
    same!(
        (second.plan.fee.as_str(), second.plan.no_fee.clone()),
        ("0.00", Some(NoFee::Compensated))
    );
    assert_eq!(second.plan.earlier_charges, "433.36");
    assert_eq!(
        account(&env, 3900),
        (0, 43000),
        "the compensation (Kari's reminder was free)"
    );
    books_balance(&env);
}

crate::on_both_stores!(a_business_is_charged_the_standard_compensation_once);

/// Any policy, and any sequence of daily runs, payments and credits, through the component
/// and the store: never more fees than the law allows (two, none before the due date + 14,
/// none beside the § 3a compensation), never a notice for an invoice that was paid or
/// credited when the run began, nothing after the inkassovarsel, and every day the books
/// balance and each customer's 1500 is what its invoices have open.
///
/// `PROPERTY_CASES=200 cargo test --test it reminders::daily -- --nocapture` is the long run.
fn daily_runs_payments_and_credits_keep_the_law_and_the_books() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    #[derive(Clone, Debug)]
    enum Day {
        Quiet,
        Pay(usize, i64),
        Credit(usize),
    }
    let day = prop_oneof![
        10 => Just(Day::Quiet),
        2 => (0usize..2, 1i64..1_200_000).prop_map(|(i, o)| Day::Pay(i, o)),
        1 => (0usize..2).prop_map(Day::Credit),
    ];
    let policy = (1u32..20, 14u32..22, 0u32..4, any::<[bool; 4]>()).prop_map(
        |(
            first_after_days,
            deadline_days,
            reminders,
            [fee, interest, inkassovarsel, compensation],
        )| {
            ReminderPolicy {
                first_after_days,
                deadline_days,
                fee,
                interest,
                reminders,
                inkassovarsel,
                compensation,
            }
        },
    );
    let cases = std::env::var("PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (policy, prop::collection::vec(day, 20..70));
    runner
        .run(&strategy, |(policy, days)| {
            let mut env = Env::active();
            set_policy(&env, policy);
            let invoices = [
                late_invoice(&mut env, "c-kari"),
                late_invoice(&mut env, "c-bygg"),
            ];
            let start: chrono::NaiveDate = "2026-08-16".parse().unwrap();
            for (k, d) in days.iter().enumerate() {
                let today = start + chrono::Days::new(k as u64);
                env.host.today = today;
                match d {
                    Day::Quiet => {}
                    Day::Pay(i, ore) => {
                        let pay = PaymentInput {
                            invoice_id: Some(invoices[*i].id.clone()),
                            kid: None,
                            amount: host_harness::money::from_ore(*ore),
                            date: today.to_string(),
                            payer: None,
                            bank_reference: None,
                            idempotency_key: format!("p-{k}"),
                            nok_amount: None,
                        };
                        env.host.register_payment("fjord", &pay).unwrap();
                    }
                    Day::Credit(i) => {
                        // A full credit once; the second is refused (nothing left), as it must be.
                        let _ = env.host.credit(
                            "fjord",
                            &invoices[*i].id,
                            None,
                            "Feil",
                            &format!("c-{k}"),
                        );
                    }
                }
                // Settled before the run: credited in full, or nothing left to pay at all.
                let settled: Vec<bool> = invoices
                    .iter()
                    .map(|inv| {
                        let item = env.host.item("fjord", &inv.id).unwrap();
                        let ore = |s: &str| host_harness::money::to_ore(s).unwrap();
                        ore(&item.credited) >= ore(&inv.totals.payable) || ore(&item.open) <= 0
                    })
                    .collect();
                env.host.batch_time = Duration::MAX;
                host_harness::reminders::run(&mut env.host, "fjord", |_| {}).unwrap();
                for (inv, settled) in invoices.iter().zip(&settled) {
                    let history = env.host.reminder_history("fjord", &inv.id).unwrap();
                    let today_s = today.to_string();
                    if *settled {
                        prop_assert!(
                            !history.iter().any(|n| n.sent == today_s),
                            "a notice for invoice {} when it was settled",
                            inv.number
                        );
                    }
                    let fees: Vec<&Notice> =
                        history.iter().filter(|n| n.plan.fee != "0.00").collect();
                    prop_assert!(fees.len() <= 2, "{} fees", fees.len());
                    for n in &fees {
                        prop_assert!(n.sent.as_str() >= "2026-08-29", "a fee before D+14");
                    }
                    let comps = history
                        .iter()
                        .filter(|n| n.plan.compensation != "0.00")
                        .count();
                    prop_assert!(comps <= 1);
                    if comps == 1 {
                        prop_assert!(inv.customer.organisation_number.is_some());
                    }
                    if let Some(at) = history
                        .iter()
                        .position(|n| n.plan.kind == NoticeKind::Inkassovarsel)
                    {
                        prop_assert_eq!(at + 1, history.len(), "a notice after the inkassovarsel");
                    }
                }
                let rows =
                    with_unit(env.host.store(), |u| u.reports()?.trial_balance("fjord")).unwrap();
                let (dr, cr) = rows.iter().fold((0, 0), |(d, c), (_, x, y)| (d + x, c + y));
                prop_assert_eq!(dr, cr, "the books balance");
                let ledger: std::collections::HashMap<String, i64> =
                    with_unit(env.host.store(), |u| {
                        u.reports()?.customer_balances("fjord")
                    })
                    .unwrap()
                    .into_iter()
                    .collect();
                for inv in &invoices {
                    let c = &inv.customer.id;
                    let b = env.host.balance("fjord", c).unwrap();
                    prop_assert_eq!(
                        ledger.get(c).copied().unwrap_or(0),
                        host_harness::money::to_ore(&b.balance).unwrap(),
                        "{}'s 1500 against its invoices",
                        c
                    );
                }
            }
            Ok(())
        })
        .unwrap();
}

crate::on_both_stores!(daily_runs_payments_and_credits_keep_the_law_and_the_books);

//! A component that misbehaves on purpose (tests/hostile-guest) in the real host: it loops,
//! hoards memory, recurses, traps at every step of issuing, hands back an unbalanced voucher,
//! reuses a number and reaches for another client's document. Each call is stopped within its
//! budget or deadline or refused, nothing it did is kept, and meanwhile another thread keeps
//! invoicing for another client with the real component.

use crate::common;
use common::*;
use host_harness::{Harness, Limits, Runtime};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HOSTILE: &[u8] = include_bytes!(env!("INVOICING_HOSTILE_WASM"));

fn counts(host: &Harness) -> [i64; 4] {
    ["documents", "journal", "outbox", "sequences"].map(|t| {
        host.store()
            .begin()
            .unwrap()
            .probes()
            .unwrap()
            .scalar(&format!(
                "SELECT count(*) FROM {t} WHERE client_id = 'nordlys'"
            ))
            .unwrap()
    })
}

fn a_hostile_component_is_stopped_refused_and_rolled_back_while_others_are_served() {
    let env = Env::active();
    let db = env.db.clone();
    // The other client, served by the real component the whole time.
    let stop = Arc::new(AtomicBool::new(false));
    let served = {
        let (stop, db) = (stop.clone(), db.clone());
        std::thread::spawn(move || {
            let mut host = connect(&db, runtime());
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let d = host.create_draft("fjord", "c-bygg").unwrap();
                let d = host
                    .update_draft(
                        "fjord",
                        &d.id,
                        d.version,
                        &host_harness::bindings::DraftChange::AddLines(worked_example()),
                    )
                    .unwrap();
                host.finalize("fjord", &d.id, &format!("other-{n}"))
                    .unwrap();
                n += 1;
            }
            n
        })
    };
    let limits = Limits {
        fuel: 200_000_000,
        deadline: Duration::from_secs(2),
        memory_bytes: 64 << 20,
    };
    let rt = Runtime::with_component(HOSTILE, limits).unwrap();
    let mut hostile = connect(&db, rt);
    let before = counts(&hostile);
    for (what, expect) in [
        ("loop", "trap"),
        ("alloc", "trap"),
        ("recurse", "trap"),
        ("trap-before-number", "trap"),
        ("trap-after-number", "trap"),
        ("trap-after-issue", "trap"),
        ("trap-after-post", "trap"),
        ("trap-after-enqueue", "trap"),
        ("unbalanced", "host"),
        ("reuse-number", "host"),
        ("invent-number", "host"),
        ("other-client", "not-found"),
        // Nothing a call leaves in memory reaches the next (house rule 5): the pool resets a
        // slot's memory before reuse. The control shows the search finds a secret that is there.
        ("find-own-secret", "host"),
        ("leave-secret", "not-allowed"),
        ("find-secret", "not-allowed"),
    ] {
        let started = Instant::now();
        let e = hostile.create_draft("nordlys", what).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: stopped within its budget"
        );
        assert_eq!(e.kind(), expect, "{what}: {e}");
        assert_eq!(counts(&hostile), before, "{what}: nothing kept");
    }
    // Payments (0.4.1): an unbalanced voucher with a payment is refused, and so is the same
    // bank reference a second time in one call; nothing of either call is kept.
    let payments = || env.count("SELECT count(*) FROM payments WHERE client_id = 'nordlys'");
    for (payer, expect) in [(Some("unbalanced"), "host"), (None, "conflict")] {
        let p = host_harness::bindings::PaymentInput {
            invoice_id: None,
            kid: None,
            amount: "125.00".into(),
            date: TODAY.into(),
            payer: payer.map(Into::into),
            bank_reference: Some("bank-1".into()),
            idempotency_key: "key-1".into(),
            nok_amount: None,
        };
        let e = hostile.register_payment("nordlys", &p).unwrap_err();
        assert_eq!(e.kind(), expect, "{payer:?}: {e}");
        if expect == "host" {
            assert!(format!("{e}").contains("does not balance"), "{e}");
        }
        assert_eq!(payments(), 0, "{payer:?}: nothing kept");
    }
    // A list that repeats a kept reference keeps nothing of itself, even when the component
    // ignores the refusal and its call ends well (the first payment alone stays).
    let p = host_harness::bindings::PaymentInput {
        invoice_id: None,
        kid: None,
        amount: "125.00".into(),
        date: TODAY.into(),
        payer: Some("swallow".into()),
        bank_reference: Some("bank-2".into()),
        idempotency_key: "key-2".into(),
        nok_amount: None,
    };
    let done = hostile.register_payment("nordlys", &p).unwrap();
    assert_eq!(done.payment.payer.as_deref(), Some("refused: true"));
    assert_eq!(
        payments(),
        1,
        "the list with a repeated reference kept nothing"
    );
    // Notices (0.5.1): one on another client's invoice, with an unbalanced voucher or a
    // negative fee is refused and nothing of its call is kept; one step kept twice is
    // refused the second time, and the first alone stays.
    let notices = || env.count("SELECT count(*) FROM notices WHERE client_id = 'nordlys'");
    for (what, expect) in [
        ("foreign", "not-found"),
        ("unbalanced", "host"),
        ("negative-fee", "host"),
    ] {
        let e = hostile.send_reminder("nordlys", what).unwrap_err();
        assert_eq!(e.kind(), expect, "{what}: {e}");
        assert_eq!(notices(), 0, "{what}: nothing kept");
    }
    let twice = hostile.send_reminder("nordlys", "twice").unwrap();
    assert!(
        matches!(
            twice,
            host_harness::bindings::SendOutcome::Never(host_harness::bindings::Hold::AllSent)
        ),
        "the second insert of a step was refused: {twice:?}"
    );
    assert_eq!(notices(), 1);
    // A deadline stops what fuel alone would let run on.
    let slow = Runtime::with_component(
        HOSTILE,
        Limits {
            fuel: u64::MAX / 2,
            deadline: Duration::from_millis(300),
            ..limits
        },
    )
    .unwrap();
    let mut slow = connect(&db, slow);
    let started = Instant::now();
    assert_eq!(
        slow.create_draft("nordlys", "loop").unwrap_err().kind(),
        "trap"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    let n = served.join().unwrap();
    assert!(n > 0, "the other client was served meanwhile");
    // Numbers are unique per series (the schema), so count, min and max show them gapless.
    let numbers = ["count(*)", "min(number)", "max(number)"].map(|f| {
        env.count(&format!(
            "SELECT {f} FROM documents WHERE client_id = 'fjord'"
        ))
    });
    assert_eq!(
        numbers,
        [n as i64, 10001, 10000 + n as i64],
        "gapless for the other client"
    );
}

crate::on_both_stores!(
    a_hostile_component_is_stopped_refused_and_rolled_back_while_others_are_served,
);

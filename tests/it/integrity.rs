//! Nothing half-done, nothing lost: gapless numbers under concurrency, rollback on refusal and
//! on trap, idempotent retries, and clients that never see each other.

use crate::common;
use common::*;
use host_harness::api::free_line;
use host_harness::bindings::*;
use host_harness::Limits;

fn nothing_issued(env: &Env) {
    for t in ["documents", "journal", "outbox", "sequences"] {
        assert_eq!(
            env.count(&format!("SELECT count(*) FROM {t}")),
            0,
            "{t} has rows"
        );
    }
}

fn four_threads_finalizing_250_each_get_exactly_start_to_start_plus_999() {
    let env = Env::active();
    let rt = runtime();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (db, rt) = (env.db.clone(), rt.clone());
            std::thread::spawn(move || {
                let mut host = connect(&db, rt);
                let mut numbers = Vec::new();
                for i in 0..250 {
                    let d = host.create_draft("fjord", "c-bygg").unwrap();
                    let d = host
                        .update_draft(
                            "fjord",
                            &d.id,
                            d.version,
                            &DraftChange::AddLines(vec![free_line(
                                "Time",
                                "1",
                                "100",
                                VatCode::Standard,
                            )]),
                        )
                        .unwrap();
                    numbers.push(
                        host.finalize("fjord", &d.id, &format!("t{t}-{i}"))
                            .unwrap()
                            .number,
                    );
                }
                numbers
            })
        })
        .collect();
    let mut all: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort();
    assert_eq!(all, (10001..=11000).collect::<Vec<_>>());
    assert_eq!(env.vouchers(), 1000);
}

fn a_finalize_refused_by_validation_uses_no_number_and_posts_nothing() {
    let mut env = Env::active();
    let d = env.host.create_draft("fjord", "c-bygg").unwrap();
    let err = env.host.finalize("fjord", &d.id, "k").unwrap_err();
    assert_eq!(
        (err.kind(), err.fields()),
        ("invalid", vec!["lines".to_string()])
    );
    nothing_issued(&env);
    // A customer no channel can reach: refused before anything is issued.
    let d = env.draft(
        "c-nowhere",
        vec![free_line("Vare", "1", "10", VatCode::Standard)],
    );
    let err = env.host.finalize("fjord", &d.id, "k2").unwrap_err();
    assert!(
        matches!(
            &err,
            host_harness::CallError::Component(Error::NotAllowed(Refusal::NoChannel(why)))
                if why.len() == 5
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("print: the postal address is incomplete"),
        "{err}"
    );
    nothing_issued(&env);
}

fn a_trapping_finalize_is_rolled_back_and_the_host_goes_on() {
    let mut env = Env::active();
    // Measure what a finalize costs, on another client's database, then give 90 % of it: the
    // component runs out of fuel midway, after it has taken a number inside the transaction.
    let mut probe = Env::active();
    let pd = probe.draft("c-bygg", worked_example());
    probe.host.finalize("fjord", &pd.id, "probe").unwrap();
    let cost = probe.host.last_fuel;
    let d = env.draft("c-bygg", worked_example());
    let starved = host_harness::embedded(Limits {
        fuel: cost * 9 / 10,
        ..Limits::default()
    })
    .unwrap();
    let mut poor = connect(&env.db, starved);
    let err = poor.finalize("fjord", &d.id, "k").unwrap_err();
    assert_eq!(err.kind(), "trap", "{err}");
    nothing_issued(&env);
    let inv = env.host.finalize("fjord", &d.id, "k").unwrap();
    assert_eq!(inv.number, 10001, "the trapped call used no number");
}

fn the_same_idempotency_key_returns_the_same_invoice_and_posts_nothing_new() {
    let mut env = Env::active();
    let d = env.draft("c-bygg", worked_example());
    let first = env.host.finalize("fjord", &d.id, "once").unwrap();
    let again = env.host.finalize("fjord", &d.id, "once").unwrap();
    assert_eq!((&again.id, again.number), (&first.id, first.number));
    assert_eq!(env.journal().len() as i64, 5);
    assert_eq!(env.deliveries(None), 1);
    let c1 = env
        .host
        .credit("fjord", &first.id, None, "Feil", "credit-once")
        .unwrap();
    let c2 = env
        .host
        .credit("fjord", &first.id, None, "Feil", "credit-once")
        .unwrap();
    assert_eq!(c1.number, c2.number);
    assert_eq!(env.documents(), 2);
}

fn two_clients_never_see_each_others_data() {
    let mut env = Env::active();
    env.host.activate("nordlys").unwrap();
    let inv = env.invoice("c-bygg", worked_example());
    let d = env.draft(
        "c-kari",
        vec![free_line("Rådgivning", "1", "500", VatCode::Standard)],
    );
    let h = &mut env.host;
    assert_eq!(h.open("nordlys", &inv.id).unwrap_err().kind(), "not-found");
    assert_eq!(
        h.get_draft("nordlys", &d.id).unwrap_err().kind(),
        "not-found"
    );
    assert_eq!(
        h.create_draft("nordlys", "c-bygg").unwrap_err().kind(),
        "not-found",
        "fjord's customer"
    );
    assert_eq!(
        h.credit("nordlys", &inv.id, None, "x", "k")
            .unwrap_err()
            .kind(),
        "not-found"
    );
    assert!(h
        .overview("nordlys", &OverviewFilter::default())
        .unwrap()
        .is_empty());
    // nordlys is not VAT-registered: its own invoice carries no VAT and starts at its own number.
    let nd = h.create_draft("nordlys", "n-anna").unwrap();
    let nd = h
        .update_draft(
            "nordlys",
            &nd.id,
            1,
            &DraftChange::AddLines(vec![host_harness::api::product_line("n-logo", "1")]),
        )
        .unwrap();
    let ninv = h.finalize("nordlys", &nd.id, "n1").unwrap();
    assert_eq!(
        (
            ninv.number,
            ninv.totals.vat.as_str(),
            ninv.vat_groups[0].category
        ),
        (1, "0.00", VatCategory::OutsideScope)
    );
    assert_eq!(
        ninv.kid.as_deref(),
        Some("00700010"),
        "MOD11 KID, 3 customer digits"
    );
    assert_eq!(h.open("fjord", &ninv.id).unwrap_err().kind(), "not-found");
}

fn a_new_host_process_serves_from_the_cached_compiled_component() {
    let t = std::time::Instant::now();
    let rt = host_harness::embedded(Limits::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut host = host_harness::connect(rt, &new_store(dir.path())).unwrap();
    host_harness::fixtures::load_all(host.store()).unwrap();
    host.activate("fjord").unwrap();
    eprintln!("runtime from cache + first call: {:?}", t.elapsed());
}

/// A host that only reads (the API's GETs run on one) cannot write: a call that would is
/// refused by the store, and nothing of it is kept; its reads answer as any host's.
fn a_reading_host_writes_nothing() {
    let mut env = Env::active();
    let d = env.draft(
        "c-bygg",
        vec![free_line("Timer", "2", "950", VatCode::Standard)],
    );
    let mut reader =
        host_harness::runtime::Harness::on(env.host.rt.clone(), env.host.store_arc()).reading();
    reader.today = env.host.today;
    assert_eq!(reader.get_draft("fjord", &d.id).unwrap().version, d.version);
    let drafts = env.count("SELECT count(*) FROM drafts");
    assert!(reader.create_draft("fjord", "c-bygg").is_err());
    assert!(reader.finalize("fjord", &d.id, "read-only").is_err());
    assert_eq!(env.count("SELECT count(*) FROM drafts"), drafts);
    nothing_issued(&env);
}

crate::on_both_stores!(
    a_reading_host_writes_nothing,
    four_threads_finalizing_250_each_get_exactly_start_to_start_plus_999,
    a_finalize_refused_by_validation_uses_no_number_and_posts_nothing,
    a_trapping_finalize_is_rolled_back_and_the_host_goes_on,
    the_same_idempotency_key_returns_the_same_invoice_and_posts_nothing_new,
    two_clients_never_see_each_others_data,
    a_new_host_process_serves_from_the_cached_compiled_component,
);

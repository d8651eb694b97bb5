//! The benchmarks in their quick smoke mode: every figure is produced and sane. The real run is
//! `cargo run --release -p host-harness --features bench -- bench` (BENCHMARKS.md).

use host_harness::bench::{self, Figure};
use std::sync::OnceLock;

/// One quick run for both tests (it takes a while in a debug build).
fn figures() -> &'static [Figure] {
    static FIGURES: OnceLock<Vec<Figure>> = OnceLock::new();
    FIGURES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        bench::run(true, dir.path()).unwrap()
    })
}

#[test]
fn the_quick_bench_produces_every_figure() {
    let figures = figures();
    let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
    for expected in [
        "component size",
        "load precompiled component",
        "instantiate per call",
        "finalize (PDF+EHF), 200 lines",
        "credit (full), 5 lines",
        "five-line invoices per second, 2 thread(s), 3 calls each",
        "raw durable SQLite commits per second (synchronous=FULL, WAL)",
        "overview page of 50, 2000 documents, filter: status",
        "console page: overview, 2000 documents",
        "console autosave (one line changed, 5-line draft), 2000 documents",
    ]
    .into_iter()
    // The native comparison links the component's crate: only with the `bench` feature.
    .chain(cfg!(feature = "bench").then_some("preview in component / native render, 200 lines"))
    {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(
        figures
            .iter()
            .all(|f| f.median > 0.0 && f.p10 <= f.median && f.median <= f.p90),
        "{figures:?}"
    );
    let finalize = figures
        .iter()
        .find(|f| f.name == "finalize (PDF+EHF), 200 lines")
        .unwrap();
    assert!(finalize.fuel.unwrap() > 1_000_000, "fuel is reported");
}

/// Fuel is deterministic (the same call costs the same on any machine), so what an invoice
/// costs can be held to a ceiling without timing anything: about a tenth above the figures in
/// BENCHMARKS.md ("the gate and the digits"). A change that makes issuing dearer fails here.
#[test]
fn issuing_stays_within_its_fuel() {
    for (name, ceiling) in [
        // 3.83 M since contract 0.6.0 (3.80 M before): every issued document carries its
        // currency, and the EHF gate checks each amount's.
        ("finalize (PDF+EHF), 5 lines", 3_900_000),
        ("finalize (PDF+EHF), 200 lines", 29_500_000),
        ("preview (PDF), 200 lines", 11_000_000),
    ] {
        let fuel = figures()
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.fuel)
            .unwrap_or_else(|| panic!("{name} has no fuel figure"));
        assert!(
            fuel <= ceiling,
            "{name}: {fuel} fuel, over the ceiling of {ceiling}"
        );
    }
}

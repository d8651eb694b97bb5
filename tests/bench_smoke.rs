//! The benchmarks in their quick smoke mode: every figure is produced and sane. The real run is
//! `cargo run --release -p host-harness --features bench -- bench` (BENCHMARKS.md).

use host_harness::bench;

#[test]
fn the_quick_bench_produces_every_figure() {
    let dir = tempfile::tempdir().unwrap();
    let figures = bench::run(true, dir.path()).unwrap();
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

//! The console (`invoicing-console`), served by the harness: on the store at a path or URL,
//! seeded with the fixtures when it is fresh (as `demo` does), with a dispatcher thread that
//! delivers what calls queue through the harness's channels.

pub use invoicing_console::*;

/// Serve the console on `listen` until the process ends, delivering to `out`.
pub fn serve(
    db: &str,
    listen: std::net::SocketAddr,
    out: std::path::PathBuf,
    token: Option<String>,
) -> anyhow::Result<()> {
    let rt = crate::embedded(crate::Limits::default())?;
    let store = crate::store::open(db)?;
    let fresh = crate::store::with_unit(&*store, |u| u.reports()?.clients())?.is_empty();
    if fresh {
        crate::fixtures::load_all(&*store)?;
    }
    let cfg = crate::channels::Config::new(out, std::env::var("INVOICING_SMTP").ok());
    let dispatching = store.clone();
    std::thread::spawn(move || loop {
        if let Err(e) = crate::channels::dispatch(&*dispatching, &cfg) {
            eprintln!("dispatch: {e:#} (left queued)");
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    });
    invoicing_console::serve(rt, store, listen, token)
}

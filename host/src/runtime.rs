//! The wasmtime side: one engine, one linker and one `InstancePre` per process; a fresh store
//! and instance per exported call (from a pool of instance slots), sandboxed (no WASI
//! capability) and bounded by fuel, an epoch deadline and a memory cap. A call is one unit of
//! work of the store, or one savepoint of a batch's unit (group commit, [`Batch`]).

use crate::bindings::v0_3::exports::erp::invoicing as v0_3;
use crate::bindings::v0_4::exports::erp::invoicing as v0_4;
use crate::bindings::v0_5::exports::erp::invoicing as v0_5;
use crate::bindings::{self, exports::erp::invoicing as exported};
pub use crate::call::CallState;
use crate::store::{Series, Store, Unit};
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, StoreLimitsBuilder};
use wasmtime_wasi::WasiCtx;

/// Per-call bounds, as named constants a host can override.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deterministic instruction budget per call. The largest documented invoice (5 000 lines,
    /// each with a 500-character description: 1 001 pages) takes 5.5 G; the deadline is the
    /// tighter bound in practice.
    pub fuel: u64,
    /// Wall-clock deadline per call.
    pub deadline: Duration,
    /// Linear memory cap per instance.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 20_000_000_000,
            deadline: Duration::from_secs(10),
            memory_bytes: 256 << 20,
        }
    }
}

const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Calls that may run at once in one process (the console's workers, tests' threads); one
/// more is refused (a trap: the call is rolled back) until a slot is free.
const POOL_INSTANCES: u32 = 64;

/// Memory a finished call's slot keeps mapped (zeroed) for the next call.
const KEEP_RESIDENT: usize = 8 << 20;

/// A batch commits after this long or this many occurrences, whichever comes first: short
/// enough that other hosts on the store wait little, long enough that commits are few.
pub const BATCH_TIME: Duration = Duration::from_millis(200);

pub struct Runtime {
    engine: Engine,
    pre: wasmtime::component::InstancePre<CallState>,
    /// Where each exported interface is in the component, of the contract version it was
    /// built for.
    exports: Exports,
    pub limits: Limits,
}

impl Runtime {
    /// Compile (or load the cached compiled form of) a component of any release this host
    /// serves: the ERP's own, or (in the tests) a hostile one.
    pub fn with_component(wasm: &[u8], limits: Limits) -> Result<Arc<Self>> {
        let mut config = Config::new();
        config.consume_fuel(true).epoch_interruption(true);
        // Every call instantiates afresh: a pool of instance slots reuses their memory, where
        // mapping and unmapping it per call costs the kernel more than the call's own work.
        let mut pool = wasmtime::PoolingAllocationConfig::new();
        pool.total_component_instances(POOL_INSTANCES)
            .total_core_instances(POOL_INSTANCES * 8)
            .total_memories(POOL_INSTANCES * 2)
            .total_tables(POOL_INSTANCES * 4)
            .max_memory_size(limits.memory_bytes)
            // Zero what a call used rather than hand it back to the kernel: unmapping makes
            // every core flush its TLB, at every call.
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(KEEP_RESIDENT)
            // Where the kernel can say which pages a call wrote (Linux 6.7+), reset only those,
            // rather than zero the whole resident part after every call.
            .pagemap_scan(wasmtime::Enabled::Auto);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        // `perf record` can name the component's functions (BENCHMARKS.md, "Profiling").
        if std::env::var_os("INVOICING_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config)?;
        let component = load_cached(&engine, wasm)?;
        let mut linker = Linker::<CallState>::new(&engine);
        // std's wasip2 imports must resolve, but the context grants nothing: no dirs, env,
        // args, sockets or stdio.
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        // Today's contract and every earlier one still served: a component finds the imports
        // it was built for (wasmtime matches any 0.4.x under the 0.4.1 names, and 0.5.0 under 0.5.1's, by semver).
        bindings::InvoicingComponent::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        bindings::v0_5::InvoicingComponent::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        bindings::v0_4::InvoicingComponent::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        bindings::v0_3::InvoicingComponent::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        let pre = linker.instantiate_pre(&component)?;
        let exports = Exports::find(&pre)?;
        let ticker = engine.weak();
        std::thread::spawn(move || {
            while let Some(engine) = ticker.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });
        Ok(Arc::new(Runtime {
            engine,
            pre,
            exports,
            limits,
        }))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A fresh store for one call: memory capped, no WASI capability.
    fn store(
        &self,
        client: &str,
        unit: Box<dyn Unit>,
        today: chrono::NaiveDate,
        figures: Arc<str>,
    ) -> wasmtime::Store<CallState> {
        let state = CallState {
            client: client.to_owned(),
            unit,
            today,
            figures,
            taken: Vec::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(self.limits.memory_bytes)
                .instances(4)
                .build(),
            wasi: sandbox(),
            table: ResourceTable::new(),
        };
        let mut store = wasmtime::Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store
            .set_fuel(self.limits.fuel)
            .expect("Runtime::new enables fuel");
        store.set_epoch_deadline(
            (self.limits.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64,
        );
        store
    }

    /// Time `n` instantiations from the `InstancePre` (the per-call cost), each in a fresh
    /// store, on one unit of work that is then rolled back.
    pub fn time_instantiation(
        &self,
        store: &dyn Store,
        n: usize,
    ) -> Result<Vec<std::time::Duration>> {
        let mut unit = store.begin()?;
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let t = std::time::Instant::now();
            let mut store = self.store("bench", unit, chrono::NaiveDate::default(), "".into());
            self.pre
                .instantiate(&mut store)
                .map_err(|e| anyhow::anyhow!("{e:#}"))?;
            times.push(t.elapsed());
            unit = store.into_data().unit;
        }
        Ok(times)
    }
}

/// The WASI context of every call: no directories, environment, arguments, sockets or stdio,
/// and neither a real clock nor real randomness. The only date the rules see is the host's
/// `today`, and the same call on the same data gives the same bytes. (std's `HashMap` asks for
/// a random seed at start; a fixed one keeps it working.)
fn sandbox() -> WasiCtx {
    struct Stopped;
    impl wasmtime_wasi::HostWallClock for Stopped {
        fn resolution(&self) -> Duration {
            Duration::from_secs(1)
        }
        fn now(&self) -> Duration {
            Duration::ZERO
        }
    }
    impl wasmtime_wasi::HostMonotonicClock for Stopped {
        fn resolution(&self) -> u64 {
            1
        }
        fn now(&self) -> u64 {
            0
        }
    }
    let seed = || wasmtime_wasi::Deterministic::new(b"erp-invoicing".to_vec());
    WasiCtx::builder()
        .wall_clock(Stopped)
        .monotonic_clock(Stopped)
        .secure_random(seed())
        .insecure_random(seed())
        .insecure_random_seed(0)
        .build()
}

/// The compiled component, cached on disk by a hash of the wasm and the engine's settings.
pub fn load_cached(engine: &Engine, wasm: &[u8]) -> Result<Component> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    wasm.hash(&mut h);
    engine.precompile_compatibility_hash().hash(&mut h);
    let dir = std::env::var_os("INVOICING_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/erp-invoicing"))
        });
    let path = dir
        .and_then(|d| trusted_cache_dir(&d))
        .map(|d| d.join(format!("invoicing-{:016x}.cwasm", h.finish())));
    if let Some(path) = path.as_ref().filter(|p| only_we_can_write(p)) {
        // SAFETY: `deserialize_file` runs the file's code. It is trusted because only this user
        // can write it or its folder (checked above), it was written by `serialize` for this
        // engine's settings (the hash in its name), and wasmtime checks its header as well.
        if let Ok(c) = unsafe { Component::deserialize_file(engine, path) } {
            return Ok(c);
        }
    }
    let component = Component::new(engine, wasm)
        .map_err(|e| anyhow::anyhow!("compiling the component: {e:#}"))?;
    if let Some(path) = path {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, component.serialize()?).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
    Ok(component)
}

/// `dir`, created 0700 if need be, if only this user can write it: owned by us, writable by
/// neither group nor others. Anything else (say a world-writable temp folder, where anyone
/// could plant a compiled file) is not used as a cache.
pub fn trusted_cache_dir(dir: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .ok()?;
    only_we_can_write(dir).then(|| dir.to_path_buf())
}

fn only_we_can_write(path: &Path) -> bool {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // The owner of /proc/self is this process's user.
    let (Ok(meta), Ok(me)) = (
        std::fs::symlink_metadata(path),
        std::fs::metadata("/proc/self"),
    ) else {
        return false;
    };
    meta.uid() == me.uid()
        && meta.permissions().mode() & 0o022 == 0
        && !meta.file_type().is_symlink()
}

/// Why an exported call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The component's own answer.
    #[error("{}", describe(.0))]
    Component(bindings::Error),
    /// A trap, an exhausted budget or a passed deadline: the call was rolled back.
    #[error("the component trapped: {0}")]
    Trap(String),
    #[error("host: {0:#}")]
    Host(anyhow::Error),
}

fn describe(e: &bindings::Error) -> String {
    match e {
        bindings::Error::Invalid(f) | bindings::Error::MissingSettings(f) => {
            let kind = if matches!(e, bindings::Error::Invalid(_)) {
                "invalid"
            } else {
                "missing settings"
            };
            format!(
                "{kind}: {}",
                f.iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
        bindings::Error::NotActive => "the module is not active for this client".into(),
        bindings::Error::NotFound(w) => format!("not found: {w}"),
        bindings::Error::Conflict(v) => format!("conflict: the draft is now at version {v}"),
        bindings::Error::NotAllowed(r) => format!("not allowed: {}", crate::names::refusal_text(r)),
        bindings::Error::Host(w) => format!("host: {w}"),
    }
}

impl CallError {
    /// The contract's error case name (`invalid`, `not-found`, ...) or `trap` / `host`.
    pub fn kind(&self) -> &'static str {
        match self {
            CallError::Component(e) => match e {
                bindings::Error::NotActive => "not-active",
                bindings::Error::MissingSettings(_) => "missing-settings",
                bindings::Error::Invalid(_) => "invalid",
                bindings::Error::NotFound(_) => "not-found",
                bindings::Error::Conflict(_) => "conflict",
                bindings::Error::NotAllowed(_) => "not-allowed",
                bindings::Error::Host(_) => "host",
            },
            CallError::Trap(_) => "trap",
            CallError::Host(_) => "host",
        }
    }

    /// The fields named by an `invalid` or `missing-settings` error.
    pub fn fields(&self) -> Vec<String> {
        match self {
            CallError::Component(
                bindings::Error::Invalid(f) | bindings::Error::MissingSettings(f),
            ) => f.iter().map(|f| f.field.clone()).collect(),
            _ => Vec::new(),
        }
    }
}

/// An exported function of `I` (an interface's functions) called on a fresh instance: what
/// `call`, `dry_run` and a [`Batch`] run.
pub trait Export<R, I = bindings::Invoicing>:
    FnOnce(&I, &mut wasmtime::Store<CallState>) -> wasmtime::Result<Result<R, bindings::Error>>
{
}

impl<R, I, F> Export<R, I> for F where
    F: FnOnce(&I, &mut wasmtime::Store<CallState>) -> wasmtime::Result<Result<R, bindings::Error>>
{
}

/// Which exported interface a call goes to.
pub trait Interface: Sized {
    fn load(
        rt: &Runtime,
        store: &mut wasmtime::Store<CallState>,
        instance: &wasmtime::component::Instance,
    ) -> wasmtime::Result<Self>;
}

/// Where a component's exports are, each of the contract release it was built for.
struct Exports {
    invoicing: bindings::Version<
        exported::invoicing::GuestIndices,
        v0_5::invoicing::GuestIndices,
        v0_4::invoicing::GuestIndices,
        v0_3::invoicing::GuestIndices,
    >,
    recurring: bindings::Version<
        exported::recurring::GuestIndices,
        v0_5::recurring::GuestIndices,
        v0_4::recurring::GuestIndices,
        v0_3::recurring::GuestIndices,
    >,
    /// None before 0.4.1.
    payments: Option<
        bindings::Version<
            exported::payments::GuestIndices,
            v0_5::payments::GuestIndices,
            v0_4::payments::GuestIndices,
            bindings::Absent,
        >,
    >,
    /// None before 0.5.1.
    reminders: Option<
        bindings::Version<
            exported::reminders::GuestIndices,
            v0_5::reminders::GuestIndices,
            bindings::Absent,
            bindings::Absent,
        >,
    >,
}

impl Exports {
    /// Today's release, else 0.5, else 0.4, else 0.3: the first whose `invoicing` the
    /// component has.
    fn find(pre: &wasmtime::component::InstancePre<CallState>) -> Result<Self> {
        use bindings::Version::{Latest, V0_3, V0_4, V0_5};
        if let Ok(i) = exported::invoicing::GuestIndices::new(pre) {
            return Ok(Exports {
                invoicing: Latest(i),
                recurring: Latest(exported::recurring::GuestIndices::new(pre)?),
                payments: Some(Latest(exported::payments::GuestIndices::new(pre)?)),
                reminders: Some(Latest(exported::reminders::GuestIndices::new(pre)?)),
            });
        }
        if let Ok(i) = v0_5::invoicing::GuestIndices::new(pre) {
            return Ok(Exports {
                invoicing: V0_5(i),
                recurring: V0_5(v0_5::recurring::GuestIndices::new(pre)?),
                payments: Some(V0_5(v0_5::payments::GuestIndices::new(pre)?)),
                // A 0.5.0 component has every export of 0.5.1's but this one.
                reminders: v0_5::reminders::GuestIndices::new(pre).ok().map(V0_5),
            });
        }
        if let Ok(i) = v0_4::invoicing::GuestIndices::new(pre) {
            return Ok(Exports {
                invoicing: V0_4(i),
                recurring: V0_4(v0_4::recurring::GuestIndices::new(pre)?),
                payments: v0_4::payments::GuestIndices::new(pre).ok().map(V0_4),
                reminders: None,
            });
        }
        match v0_3::invoicing::GuestIndices::new(pre) {
            Ok(i) => Ok(Exports {
                invoicing: V0_3(i),
                recurring: V0_3(v0_3::recurring::GuestIndices::new(pre)?),
                payments: None,
                reminders: None,
            }),
            Err(e) => Err(anyhow::anyhow!(
                "the component is of no contract this host serves: {e:#}"
            )),
        }
    }
}

/// An export's functions on this instance, of the release its indices were found for.
macro_rules! load {
    ($indices:expr, $store:expr, $instance:expr) => {
        Ok(match $indices {
            bindings::Version::Latest(i) => bindings::Version::Latest(i.load($store, $instance)?),
            bindings::Version::V0_5(i) => bindings::Version::V0_5(i.load($store, $instance)?),
            bindings::Version::V0_4(i) => bindings::Version::V0_4(i.load($store, $instance)?),
            bindings::Version::V0_3(i) => bindings::Version::V0_3(i.load($store, $instance)?),
        })
    };
}

impl Interface for bindings::Invoicing {
    fn load(
        rt: &Runtime,
        store: &mut wasmtime::Store<CallState>,
        instance: &wasmtime::component::Instance,
    ) -> wasmtime::Result<Self> {
        load!(&rt.exports.invoicing, store, instance)
    }
}

impl Interface for bindings::Recurring {
    fn load(
        rt: &Runtime,
        store: &mut wasmtime::Store<CallState>,
        instance: &wasmtime::component::Instance,
    ) -> wasmtime::Result<Self> {
        load!(&rt.exports.recurring, store, instance)
    }
}

impl Interface for bindings::Payments {
    fn load(
        rt: &Runtime,
        store: &mut wasmtime::Store<CallState>,
        instance: &wasmtime::component::Instance,
    ) -> wasmtime::Result<Self> {
        match &rt.exports.payments {
            Some(payments) => load!(payments, store, instance),
            None => Err(wasmtime::format_err!(
                "this component was built for a contract before 0.4.1 and has no payments: update it"
            )),
        }
    }
}

impl Interface for bindings::Reminders {
    fn load(
        rt: &Runtime,
        store: &mut wasmtime::Store<CallState>,
        instance: &wasmtime::component::Instance,
    ) -> wasmtime::Result<Self> {
        match &rt.exports.reminders {
            Some(reminders) => load!(reminders, store, instance),
            None => Err(wasmtime::format_err!(
                "this component was built for a contract before 0.5.1 and has no reminders: update it"
            )),
        }
    }
}

/// What delivers the outbox's items through the host's channels, after calls commit: claims
/// each with a lease and finishes it once (`Unit::claim`, `Unit::finish`). The harness's
/// channels are one; an ERP brings its own.
pub trait Deliver: std::any::Any + Send + Sync {
    /// Deliver what is due now; a failure leaves the rest queued for the next run.
    fn deliver(&self, store: &dyn Store) -> Result<()>;
}

/// A host process's handle: the shared runtime and the store.
pub struct Harness {
    pub rt: Arc<Runtime>,
    store: Arc<dyn Store>,
    pub today: chrono::NaiveDate,
    /// The law's figures for reminders, as dated data (`legal/receivables-no.json` unless a
    /// newer table is handed in): no new component for a new half-year's rate.
    pub figures: Arc<str>,
    /// The host's channels; `dispatch` delivers what is queued (never a call of the component).
    pub delivery: Option<Box<dyn Deliver>>,
    /// Fuel the last call consumed.
    pub last_fuel: u64,
    /// How long a recurring run's batch stays open before it commits ([`BATCH_TIME`]);
    /// a test that counts commits sets it to `Duration::MAX`, so no clock decides for it.
    pub batch_time: std::time::Duration,
    /// Every call on a snapshot ([`Harness::reading`]).
    snapshot: bool,
}

impl Harness {
    /// A host on a store that is open already (several hosts may share one).
    pub fn on(rt: Arc<Runtime>, store: Arc<dyn Store>) -> Self {
        Harness {
            rt,
            store,
            today: chrono::Local::now().date_naive(),
            figures: crate::imports::LEGAL_FIGURES.into(),
            delivery: None,
            last_fuel: 0,
            batch_time: BATCH_TIME,
            snapshot: false,
        }
    }

    /// This host for calls that only read (lists, documents, previews): each runs on a
    /// snapshot, so it waits for no writer and no writer waits for it; a call that writes fails
    /// (the store refuses the write) and nothing is kept.
    pub fn reading(mut self) -> Self {
        self.snapshot = true;
        self
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// The store, to share with another harness (the console's workers, a benchmark).
    pub fn store_arc(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// Time `n` bare instantiations (no call).
    pub fn time_instantiation(&mut self, n: usize) -> Result<Vec<std::time::Duration>> {
        self.rt.time_instantiation(&*self.store, n)
    }

    /// Deliver what is due now (what calls queued, and what an earlier run left). Run after
    /// calls return, by the harness's commands, or in a process of its own (`dispatch`). A
    /// failure leaves the deliveries queued for the next run; it never undoes a commit.
    pub fn dispatch(&mut self) {
        if let Some(cfg) = &self.delivery {
            if let Err(e) = cfg.deliver(&*self.store) {
                eprintln!("dispatch: {e:#} (left queued for the next run)");
            }
        }
    }

    /// Run a call and roll its unit of work back whatever it answers: what would this call
    /// say now? (The console asks `activate` to name what the settings still lack.)
    pub fn dry_run<R>(&mut self, client: &str, f: impl Export<R>) -> Result<R, CallError> {
        let unit = self.begin(client)?;
        self.run(client, unit, f).1
    }

    /// Run one exported call as one unit of work: commit on `ok`, roll back on `err` or trap.
    pub fn call<R>(&mut self, client: &str, f: impl Export<R>) -> Result<R, CallError> {
        self.call_in(client, f)
    }

    /// `call` for the `recurring` interface.
    pub fn call_recurring<R>(
        &mut self,
        client: &str,
        f: impl Export<R, bindings::Recurring>,
    ) -> Result<R, CallError> {
        self.call_in(client, f)
    }

    /// `call` for the `payments` interface (contract 0.4.1).
    pub fn call_payments<R>(
        &mut self,
        client: &str,
        f: impl Export<R, bindings::Payments>,
    ) -> Result<R, CallError> {
        self.call_in(client, f)
    }

    /// `call` for the `reminders` interface (contract 0.5.1).
    pub fn call_reminders<R>(
        &mut self,
        client: &str,
        f: impl Export<R, bindings::Reminders>,
    ) -> Result<R, CallError> {
        self.call_in(client, f)
    }

    fn call_in<R, I: Interface>(
        &mut self,
        client: &str,
        f: impl Export<R, I>,
    ) -> Result<R, CallError> {
        let unit = self.begin(client)?;
        match self.run(client, unit, f) {
            (unit, Ok(r)) => unit.commit().map(|()| r).map_err(CallError::Host),
            // Dropping the unit rolls it back: on `err`, on a trap, on an exhausted budget.
            (_, Err(e)) => Err(e),
        }
    }

    /// Group commit: several calls in one unit of work, each behind a savepoint, so a call
    /// that fails is rolled back alone and the others commit together (one durable commit).
    pub fn batch(&mut self, client: &str) -> Result<Batch<'_>, CallError> {
        let unit = self.begin(client)?;
        Ok(Batch {
            client: client.to_owned(),
            unit: Some(unit),
            harness: self,
        })
    }

    fn begin(&self, client: &str) -> Result<Box<dyn Unit>, CallError> {
        if !valid_client_id(client) {
            return Err(CallError::Host(anyhow::anyhow!(
                "client id '{}' is not 1 to 64 of a-z, 0-9 and '-'",
                client.escape_debug()
            )));
        }
        if self.snapshot {
            self.store.begin_read()
        } else {
            self.store.begin()
        }
        .map_err(CallError::Host)
    }

    /// One call on a fresh instance, in `unit`, which is handed back whatever happened.
    pub(crate) fn run<R, I: Interface>(
        &mut self,
        client: &str,
        unit: Box<dyn Unit>,
        f: impl Export<R, I>,
    ) -> (Box<dyn Unit>, Result<R, CallError>) {
        let limits = self.rt.limits;
        let mut store = self
            .rt
            .store(client, unit, self.today, self.figures.clone());
        let result = (|| {
            let instance = self.rt.pre.instantiate(&mut store)?;
            let exports = I::load(&self.rt, &mut store, &instance)?;
            f(&exports, &mut store)
        })();
        self.last_fuel = limits.fuel - store.get_fuel().unwrap_or(0);
        let unit = store.into_data().unit;
        let result = match result {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(CallError::Component(e)),
            Err(trap) => Err(CallError::Trap(format!("{trap:#}"))),
        };
        (unit, result)
    }
}

/// Calls that commit together ([`Harness::batch`]). Dropping a batch rolls all of them back.
pub struct Batch<'h> {
    harness: &'h mut Harness,
    client: String,
    /// None once a store fault has spoilt the unit.
    unit: Option<Box<dyn Unit>>,
}

impl Batch<'_> {
    /// The batch's unit, taken out for a call; none once a store fault has spoilt it.
    fn take(&mut self) -> Result<Box<dyn Unit>, CallError> {
        self.unit.take().ok_or_else(spoilt)
    }

    fn unit(&mut self) -> Result<&mut Box<dyn Unit>, CallError> {
        self.unit.as_mut().ok_or_else(spoilt)
    }
    /// One call: its writes are kept if it answers `ok` and rolled back alone otherwise.
    pub fn call<R>(&mut self, f: impl Export<R>) -> Result<R, CallError> {
        self.call_in(f)
    }

    /// `call` for the `recurring` interface.
    pub fn call_recurring<R>(
        &mut self,
        f: impl Export<R, bindings::Recurring>,
    ) -> Result<R, CallError> {
        self.call_in(f)
    }

    /// `call` for the `payments` interface.
    pub fn call_payments<R>(
        &mut self,
        f: impl Export<R, bindings::Payments>,
    ) -> Result<R, CallError> {
        self.call_in(f)
    }

    /// `call` for the `reminders` interface.
    pub fn call_reminders<R>(
        &mut self,
        f: impl Export<R, bindings::Reminders>,
    ) -> Result<R, CallError> {
        self.call_in(f)
    }

    fn call_in<R, I: Interface>(&mut self, f: impl Export<R, I>) -> Result<R, CallError> {
        let mut unit = self.take()?;
        unit.savepoint().map_err(CallError::Host)?;
        let (mut unit, result) = self.harness.run(&self.client, unit, f);
        unit.release(result.is_ok()).map_err(CallError::Host)?;
        self.unit = Some(unit);
        result
    }

    /// Writes made outside a call (a staged call's, applied; a sweep's hold on a row): kept
    /// if `f` says so, else rolled back alone.
    pub fn apply(
        &mut self,
        f: impl FnOnce(&mut dyn Unit) -> anyhow::Result<bool>,
    ) -> Result<bool, CallError> {
        let unit = self.unit()?;
        unit.savepoint().map_err(CallError::Host)?;
        // A store error here is the snapshot's difference showing (a key used meanwhile).
        let keep = f(unit.as_mut()).unwrap_or(false);
        unit.release(keep).map_err(CallError::Host)?;
        Ok(keep)
    }

    /// The host's own writes in the batch's unit, beside the calls' (an event of what a call
    /// did): an error fails the batch.
    pub fn write(
        &mut self,
        f: impl FnOnce(&mut dyn Unit, &str) -> anyhow::Result<()>,
    ) -> Result<(), CallError> {
        let Batch { unit, client, .. } = self;
        f(unit.as_mut().ok_or_else(spoilt)?.as_mut(), client).map_err(CallError::Host)
    }

    /// The last number the batch's unit has taken from the invoice series.
    pub(crate) fn last_invoice_number(&mut self) -> Result<Option<u64>, CallError> {
        let Batch { unit, client, .. } = self;
        unit.as_mut()
            .ok_or_else(spoilt)?
            .last_number(client, Series::Invoice)
            .map_err(CallError::Host)
    }

    /// Commit what the batch holds so far and go on in a new unit of work.
    pub fn checkpoint(&mut self) -> Result<(), CallError> {
        let unit = self.take()?;
        unit.commit().map_err(CallError::Host)?;
        self.unit = Some(self.harness.begin(&self.client)?);
        Ok(())
    }

    /// Commit every call that answered `ok`: one durable commit for all of them.
    pub fn commit(mut self) -> Result<(), CallError> {
        let unit = self.take()?;
        unit.commit().map_err(CallError::Host)
    }
}

fn spoilt() -> CallError {
    CallError::Host(anyhow::anyhow!("the batch failed earlier"))
}

/// A client id may become part of a file name, a MIME boundary or a header: 1 to 64 of
/// `a-z`, `0-9` and `-`. Checked where it enters, so no `../`, `/`, NUL or CR/LF ever reaches
/// a path.
pub fn valid_client_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

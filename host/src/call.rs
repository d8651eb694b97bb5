//! What one call's store holds: the client it serves, its open unit of work, and the WASI
//! context that grants nothing. The imports answer from it (`imports/`); the runtime makes a
//! fresh one per call.

use crate::store::{Series, Unit};
use wasmtime::component::ResourceTable;
use wasmtime::StoreLimits;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// What one call's store holds: the client it serves and its open unit of work.
pub struct CallState {
    pub client: String,
    pub unit: Box<dyn Unit>,
    pub today: chrono::NaiveDate,
    /// The law's figures handed to the component (`notices.figures`).
    pub figures: std::sync::Arc<str>,
    /// Numbers taken in this call: `issue` accepts exactly these.
    pub taken: Vec<(Series, u64)>,
    pub(crate) limits: StoreLimits,
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

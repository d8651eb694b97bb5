//! The host side of the contract, generated from `wit/`: today's version, and each earlier
//! release a component may still be built for (`v0_4`, `v0_3`; `convert` carries values
//! between them). The rest of the host speaks today's types only; [`Invoicing`],
//! [`Recurring`] and [`Payments`] call whichever release the component was built for.
//! Releases before 0.3.0 are not served: 0.2.0 changed the `documents` import (a host
//! stores typed facts beside each document), which no conversion can make up.

mod convert;
pub mod v0_3;
pub mod v0_4;

pub use convert::Release;

/// Each import of an earlier release: today's, with its arguments converted up and its
/// answer converted down (a refusal goes through the release's `convert_error`).
macro_rules! imports {
    ($release:ident, $old:ident, $new:ident,
     $($iface:ident { $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)* })*) => {$(
        impl $old::$iface::Host for CallState {
            $(fn $name(&mut self $(, $arg: $ty)*) -> $ret {
                let answer = <Self as $new::$iface::Host>::$name(
                    self $(, up(Release::$release, $arg)?)*
                )?;
                Ok(down(answer)?)
            })*
        }
    )*};
}
use imports;

/// The imports every served release has, unchanged in their signatures since 0.3.0.
macro_rules! imports_since_0_3 {
    ($release:ident, $old:ident, $new:ident) => {
        super::imports! {
            $release, $old, $new,
            settings {
                fn get() -> wasmtime::Result<old::types::ClientSettings>;
                fn is_active() -> wasmtime::Result<bool>;
                fn set_active(active: bool) -> wasmtime::Result<()>;
                fn record_feedback(reason: String) -> wasmtime::Result<()>;
                fn today() -> wasmtime::Result<String>;
            }
            directory {
                fn get_customer(id: String) -> wasmtime::Result<Option<old::types::Customer>>;
                fn get_product(id: String) -> wasmtime::Result<Option<old::types::Product>>;
                fn peppol_accepts(participant: String, kind: old::types::DocumentKind) -> wasmtime::Result<bool>;
                fn efaktura_lookup(customer_id: String) -> wasmtime::Result<old::directory::EfakturaStatus>;
                fn avtalegiro_mandate(customer_id: String) -> wasmtime::Result<bool>;
            }
            documents {
                fn insert_draft(index: old::documents::Index, body: String) -> Refusable<String>;
                fn get_draft(id: String) -> wasmtime::Result<Option<old::documents::StoredDraft>>;
                fn update_draft(id: String, expected_version: u64, index: old::documents::Index, body: String) -> Refusable<u64>;
                fn delete_draft(id: String) -> Refusable<()>;
                fn issue(doc: old::documents::NewDocument) -> Refusable<String>;
                fn get_document(id: String) -> wasmtime::Result<Option<old::documents::StoredDocument>>;
                fn find_by_idempotency_key(key: String) -> wasmtime::Result<Option<old::documents::StoredDocument>>;
                fn credits_for(invoice_id: String) -> wasmtime::Result<Vec<old::documents::StoredDocument>>;
                fn query(filter: old::types::OverviewFilter) -> Refusable<Vec<old::types::Summary>>;
                fn insert_series(index: old::documents::SeriesIndex, body: String) -> Refusable<String>;
                fn get_series(id: String) -> wasmtime::Result<Option<old::documents::StoredSeries>>;
                fn update_series(id: String, expected_version: u64, index: old::documents::SeriesIndex, body: String) -> Refusable<u64>;
                fn list_series(due_by: Option<String>) -> wasmtime::Result<Vec<old::documents::StoredSeries>>;
            }
            sequences {
                fn next(series: old::sequences::Series, start: u64) -> Refusable<u64>;
            }
            ledger {
                fn post(document_id: String, v: old::types::Voucher) -> Refusable<()>;
            }
            outbox {
                fn enqueue(document_id: String, channel: old::types::Channel, reason: String, fallbacks: Vec<old::types::Channel>) -> Refusable<String>;
            }
        }
    };
}
use imports_since_0_3;

mod latest {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "invoicing-component",
        imports: { default: trappable },
        // Imports that can refuse return `Result<T, ImportError>`: `?` works on store faults
        // (they trap and roll the call back) and on refusals (the component is told).
        trappable_error_type: { "erp:invoicing/types.error" => crate::imports::ImportError },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });
}

pub use erp::invoicing::types::*;
pub use latest::*;

use crate::runtime::CallState;
use exports::erp::invoicing as exported;
use wasmtime::Store;

/// An export of the contract release the component was built for.
pub enum Version<L, O4, O3> {
    Latest(L),
    V0_4(O4),
    V0_3(O3),
}

/// What a release did not have (payments before 0.4.1): never made.
pub enum Absent {}

/// The `invoicing` export, of whichever release the component has.
pub type Invoicing = Version<exported::invoicing::Guest, v0_4::Invoicing, v0_3::Invoicing>;
/// The `recurring` export.
pub type Recurring = Version<exported::recurring::Guest, v0_4::Recurring, v0_3::Recurring>;
/// The `payments` export (since 0.4.1).
pub type Payments = Version<exported::payments::Guest, v0_4::Payments, Absent>;

/// An argument as an older version takes it: `same` (a string or a number, unchanged),
/// `by_ref` (a record, converted and lent), `opt_list` (an optional list), `value` (an
/// enum or an option of one).
macro_rules! convert_arg {
    ($a:ident) => {
        $a
    };
    ($a:ident, by_ref) => {
        convert::down($a)?
    };
    ($a:ident, opt_list) => {
        convert::down::<_, Option<Vec<_>>>($a)?
    };
    ($a:ident, value) => {
        convert::down($a)?
    };
}

macro_rules! pass_arg {
    ($a:ident) => {
        $a
    };
    ($a:ident, by_ref) => {
        &$a
    };
    ($a:ident, opt_list) => {
        $a.as_deref()
    };
    ($a:ident, value) => {
        $a
    };
}

/// One export call on the component's release: today's as it is; an earlier one with the
/// arguments converted down and the answer (or error) converted up. A function a release did
/// not have is refused with the reason.
macro_rules! export_calls {
    ($t:ty { $(fn $name:ident($($arg:ident: $ty:ty $(=> $how:ident)?),*) -> $ok:ty;)* }
     $(since_0_4 { $(fn $name4:ident($($arg4:ident: $ty4:ty $(=> $how4:ident)?),*) -> $ok4:ty;)* })?) => {
        impl $t {
            $(pub fn $name(
                &self,
                store: &mut Store<CallState>,
                $($arg: $ty),*
            ) -> wasmtime::Result<Result<$ok, Error>> {
                match self {
                    Version::Latest(g) => g.$name(&mut *store $(, $arg)*),
                    Version::V0_4(g) => {
                        $(let $arg = convert_arg!($arg $(, $how)?);)*
                        up(Release::V0_4, g.$name(&mut *store $(, pass_arg!($arg $(, $how)?))*))
                    }
                    Version::V0_3(g) => {
                        $(let $arg = convert_arg!($arg $(, $how)?);)*
                        up(Release::V0_3, g.$name(&mut *store $(, pass_arg!($arg $(, $how)?))*))
                    }
                }
            })*
            $($(pub fn $name4(
                &self,
                store: &mut Store<CallState>,
                $($arg4: $ty4),*
            ) -> wasmtime::Result<Result<$ok4, Error>> {
                match self {
                    Version::Latest(g) => g.$name4(&mut *store $(, $arg4)*),
                    Version::V0_4(g) => {
                        $(let $arg4 = convert_arg!($arg4 $(, $how4)?);)*
                        up(Release::V0_4, g.$name4(&mut *store $(, pass_arg!($arg4 $(, $how4)?))*))
                    }
                    Version::V0_3(_) => Err(older(stringify!($name4))),
                }
            })*)?
        }
    };
}

/// An earlier release's answer as today's types have it.
fn up<T, O: serde::Serialize, R: serde::de::DeserializeOwned>(
    from: Release,
    answer: wasmtime::Result<Result<O, T>>,
) -> wasmtime::Result<Result<R, Error>>
where
    T: serde::Serialize,
{
    Ok(match answer? {
        Ok(v) => Ok(convert::up(from, v)?),
        Err(e) => Err(convert::up(from, e)?),
    })
}

fn older(function: &str) -> wasmtime::Error {
    let name = function.trim_start_matches("call_").replace('_', "-");
    wasmtime::format_err!(
        "this component was built for contract 0.3.0 and has no {name}: update it"
    )
}

export_calls!(Invoicing {
    fn call_activate() -> ();
    fn call_deactivate(reason: &str) -> ();
    fn call_create_draft(customer_id: &str) -> Draft;
    fn call_update_draft(id: &str, version: u64, change: &DraftChange => by_ref) -> Draft;
    fn call_get_draft(id: &str) -> Draft;
    fn call_delete_draft(id: &str) -> ();
    fn call_preview(id: &str) -> Vec<u8>;
    fn call_finalize(id: &str, key: &str) -> IssuedDocument;
    fn call_credit(invoice_id: &str, lines: Option<&[CreditLine]> => opt_list, reason: &str, key: &str) -> IssuedDocument;
    fn call_overview(filter: &OverviewFilter => by_ref) -> Vec<Summary>;
    fn call_open(id: &str) -> IssuedDocument;
    fn call_resend(id: &str, channel: Option<Channel> => value) -> String;
} since_0_4 {
    fn call_credit_left(invoice_id: &str) -> Creditable;
});

export_calls!(Recurring {
    fn call_make_recurring(draft_id: &str, version: u64, schedule: &Schedule => by_ref) -> Series;
    fn call_get_series(id: &str) -> Series;
    fn call_list_series() -> Vec<Series>;
    fn call_change_series(id: &str, version: u64, change: &SeriesChange => by_ref) -> Series;
    fn call_due() -> Vec<Occurrence>;
    fn call_issue_occurrence(series_id: &str, date: &Date) -> IssuedDocument;
});

export_calls!(Payments {} since_0_4 {
    fn call_register(p: &PaymentInput => by_ref) -> PaymentResult;
    fn call_import_statement(statement: &BankStatement => by_ref) -> Vec<PaymentResult>;
    fn call_allocate(payment_id: &str, invoice_id: &str) -> PaymentResult;
    fn call_refund(invoice_id: &str, amount: &Decimal, date: &Date, key: &str) -> PaymentResult;
    fn call_list_payments(filter: &PaymentFilter => by_ref) -> Vec<Payment>;
    fn call_open_items(customer_id: Option<&str>) -> Vec<OpenItem>;
    fn call_item(invoice_id: &str) -> OpenItem;
    fn call_balance(customer_id: &str) -> CustomerBalance;
    fn call_aging_report(customer_id: Option<&str>) -> Aging;
});

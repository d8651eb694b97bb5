//! The host side of the contract, generated from `wit/`: today's version, and each earlier
//! release a component may still be built for (`v0_5`, `v0_4`, `v0_3`; `convert` carries
//! values between them). The rest of the host speaks today's types only; [`Invoicing`],
//! [`Recurring`] and [`Payments`] call whichever release the component was built for.
//! Releases before 0.3.0 are not served: 0.2.0 changed the `documents` import (a host
//! stores typed facts beside each document), which no conversion can make up.

pub(crate) mod convert;
pub mod v0_3;
pub mod v0_4;
pub mod v0_5;

pub use convert::Release;

mod latest {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "invoicing-component",
        imports: { default: trappable },
        // Imports that can refuse return `Result<T, ImportError>`: `?` works on store faults
        // (they trap and roll the call back) and on refusals (the component is told).
        trappable_error_type: { "erp:invoicing/types.error" => crate::bindings::ImportError },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });
}

pub use erp::invoicing::types::*;
pub use latest::*;

/// Why an import did not do what was asked: a refusal the component is told of (and passes
/// on), or a fault of the host's (the database failed) that traps the call, which is then
/// rolled back whole.
#[derive(Debug)]
pub enum ImportError {
    Refused(Error),
    Fault(anyhow::Error),
}

impl From<anyhow::Error> for ImportError {
    fn from(e: anyhow::Error) -> Self {
        ImportError::Fault(e)
    }
}

impl From<Error> for ImportError {
    fn from(e: Error) -> Self {
        ImportError::Refused(e)
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Refused(e) => write!(f, "refused: {e:?}"),
            ImportError::Fault(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for ImportError {}

use exports::erp::invoicing as exported;
use wasmtime::Store;

/// An export of the contract release the component was built for.
pub enum Version<L, O5, O4, O3> {
    Latest(L),
    V0_5(O5),
    V0_4(O4),
    V0_3(O3),
}

/// What a release did not have (payments before 0.4.1): never made.
pub enum Absent {}

impl Absent {
    /// As a release's indices load its functions: there is never one to load.
    pub fn load<S, I>(&self, _: S, _: I) -> wasmtime::Result<Absent> {
        match *self {}
    }
}

/// The `invoicing` export, of whichever release the component has.
pub type Invoicing =
    Version<exported::invoicing::Guest, v0_5::Invoicing, v0_4::Invoicing, v0_3::Invoicing>;
/// The `recurring` export.
pub type Recurring =
    Version<exported::recurring::Guest, v0_5::Recurring, v0_4::Recurring, v0_3::Recurring>;
/// The `payments` export (since 0.4.1).
pub type Payments = Version<exported::payments::Guest, v0_5::Payments, v0_4::Payments, Absent>;
/// The `reminders` export (since 0.5.1).
pub type Reminders = Version<exported::reminders::Guest, v0_5::Reminders, Absent, Absent>;

/// An argument as an older version takes it: unmarked (a string or a number, unchanged),
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

/// One export function on the component's release: today's as it is; an earlier release
/// listed as `call` with the arguments converted down and the answer (or error) converted up;
/// one listed as `refuse` did not have the function, which is refused with the reason.
macro_rules! export_fn {
    (fn $name:ident($($arg:ident: $ty:ty $(=> $how:ident)?),*) -> $ok:ty;
     V0_5: $s5:ident, V0_4: $s4:ident, V0_3: $s3:ident) => {
        pub fn $name<D: Send>(
            &self,
            store: &mut Store<D>,
            $($arg: $ty),*
        ) -> wasmtime::Result<Result<$ok, Error>> {
            match self {
                Version::Latest(g) => g.$name(&mut *store $(, $arg)*),
                Version::V0_5(g) => export_fn!(@$s5 V0_5, g, $name, store, [$($arg $(=> $how)?),*]),
                Version::V0_4(g) => export_fn!(@$s4 V0_4, g, $name, store, [$($arg $(=> $how)?),*]),
                Version::V0_3(g) => export_fn!(@$s3 V0_3, g, $name, store, [$($arg $(=> $how)?),*]),
            }
        }
    };
    (@call $release:ident, $g:ident, $name:ident, $store:ident, [$($arg:ident $(=> $how:ident)?),*]) => {{
        $(let $arg = convert_arg!($arg $(, $how)?);)*
        up(Release::$release, $g.$name(&mut *$store $(, pass_arg!($arg $(, $how)?))*))
    }};
    (@refuse $release:ident, $g:ident, $name:ident, $store:ident, [$($arg:ident $(=> $how:ident)?),*]) => {{
        let _ = ($g $(, $arg)*);
        Err(older(Release::$release, stringify!($name)))
    }};
}

/// The export functions of one interface, by the release that added them.
macro_rules! export_calls {
    ($t:ty {
        $(since_0_3 { $(fn $n3:ident $a3:tt -> $o3:ty;)* })?
        $(since_0_4 { $(fn $n4:ident $a4:tt -> $o4:ty;)* })?
        $(since_0_5 { $(fn $n5:ident $a5:tt -> $o5:ty;)* })?
    }) => {
        impl $t {
            $($(export_fn!(fn $n3 $a3 -> $o3; V0_5: call, V0_4: call, V0_3: call);)*)?
            $($(export_fn!(fn $n4 $a4 -> $o4; V0_5: call, V0_4: call, V0_3: refuse);)*)?
            $($(export_fn!(fn $n5 $a5 -> $o5; V0_5: call, V0_4: refuse, V0_3: refuse);)*)?
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

/// A function the component's release did not have (the interfaces a release lacks entirely
/// are refused when they are loaded, `runtime::Interface`).
fn older(release: Release, function: &str) -> wasmtime::Error {
    let name = function.trim_start_matches("call_").replace('_', "-");
    wasmtime::format_err!(
        "this component was built for contract {} and has no {name}: update it",
        release.name()
    )
}

export_calls!(Invoicing {
    since_0_3 {
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
    }
    since_0_4 {
        fn call_credit_left(invoice_id: &str) -> Creditable;
    }
});

export_calls!(Recurring {
    since_0_3 {
        fn call_make_recurring(draft_id: &str, version: u64, schedule: &Schedule => by_ref) -> Series;
        fn call_get_series(id: &str) -> Series;
        fn call_list_series() -> Vec<Series>;
        fn call_change_series(id: &str, version: u64, change: &SeriesChange => by_ref) -> Series;
        fn call_due() -> Vec<Occurrence>;
        fn call_issue_occurrence(series_id: &str, date: &Date) -> IssuedDocument;
    }
});

export_calls!(Payments {
    since_0_4 {
        fn call_register(p: &PaymentInput => by_ref) -> PaymentResult;
        fn call_import_statement(statement: &BankStatement => by_ref) -> Vec<PaymentResult>;
        fn call_allocate(payment_id: &str, invoice_id: &str) -> PaymentResult;
        fn call_refund(invoice_id: &str, amount: &Decimal, date: &Date, key: &str) -> PaymentResult;
        fn call_list_payments(filter: &PaymentFilter => by_ref) -> Vec<Payment>;
        fn call_open_items(customer_id: Option<&str>) -> Vec<OpenItem>;
        fn call_item(invoice_id: &str) -> OpenItem;
        fn call_balance(customer_id: &str) -> CustomerBalance;
        fn call_aging_report(customer_id: Option<&str>) -> Aging;
    }
});

export_calls!(Reminders {
    since_0_5 {
        fn call_due(invoice_id: Option<&str>) -> Vec<ReminderDue>;
        fn call_preview(invoice_id: &str) -> Vec<u8>;
        fn call_send(invoice_id: &str) -> SendOutcome;
        fn call_history(invoice_id: &str) -> Vec<Notice>;
    }
});

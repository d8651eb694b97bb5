//! The imports of the earlier releases a component may be built for (`bindings::v0_5`,
//! `bindings::v0_4`, `bindings::v0_3`): each is today's import with its values converted up and its answer
//! converted down (`bindings::convert`); what changed between releases is patched there.

use super::CallState;
use crate::bindings::convert::{down, up, Release};
use crate::bindings::erp::invoicing as new;
use crate::bindings::ImportError;

type Refusable<T> = Result<T, ImportError>;

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

/// The imports every served release has, unchanged in their signatures since 0.3.0.
macro_rules! imports_since_0_3 {
    ($release:ident, $old:ident, $new:ident) => {
        imports! {
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

/// The imports added in 0.4.1: payments.
macro_rules! imports_since_0_4_1 {
    ($release:ident, $old:ident, $new:ident) => {
        imports! {
            $release, $old, $new,
            receivables {
                fn insert_payments(payments: Vec<old::receivables::PaymentToKeep>) -> Refusable<Vec<String>>;
                fn find_payments(keys: Vec<String>) -> wasmtime::Result<Vec<Option<old::types::Payment>>>;
                fn get_payment(id: String) -> wasmtime::Result<Option<old::types::Payment>>;
                fn allocate_payment(id: String, invoice_id: String, outcome: old::types::PaymentOutcome, v: old::types::Voucher) -> Refusable<()>;
                fn invoices_by_kid(kids: Vec<String>) -> wasmtime::Result<Vec<Option<String>>>;
                fn invoice_sums(filter: old::receivables::MoneyFilter) -> wasmtime::Result<Vec<old::receivables::InvoiceMoney>>;
                fn list_payments(filter: old::types::PaymentFilter) -> wasmtime::Result<Vec<old::types::Payment>>;
            }
        }
    };
}

mod v0_5 {
    use super::*;
    use crate::bindings::v0_5::erp::invoicing as old;

    impl old::types::Host for CallState {
        fn convert_error(&mut self, e: ImportError) -> wasmtime::Result<old::types::Error> {
            let e = <Self as new::types::Host>::convert_error(self, e)?;
            Ok(down(e)?)
        }
    }

    imports_since_0_3!(V0_5, old, new);
    imports_since_0_4_1!(V0_5, old, new);
    // Since 0.5.1.
    imports! {
        V0_5, old, new,
        notices {
            fn insert(n: old::notices::NewNotice, v: old::types::Voucher) -> Refusable<String>;
            fn of_invoices(invoice_ids: Vec<String>) -> wasmtime::Result<Vec<old::notices::StoredNotice>>;
            fn claims(filter: old::receivables::MoneyFilter) -> wasmtime::Result<Vec<old::notices::ClaimMoney>>;
            fn credit_balance(customer_id: String) -> wasmtime::Result<String>;
            fn policy() -> wasmtime::Result<old::types::ReminderPolicy>;
            fn figures() -> wasmtime::Result<String>;
            fn opted_out(customer_ids: Vec<String>) -> wasmtime::Result<Vec<bool>>;
            fn payment_agreements(invoice_ids: Vec<String>) -> wasmtime::Result<Vec<bool>>;
            fn peppol_accepts_reminder(participant: String) -> wasmtime::Result<bool>;
        }
    }
}

mod v0_4 {
    use super::*;
    use crate::bindings::v0_4::erp::invoicing as old;

    impl old::types::Host for CallState {
        fn convert_error(&mut self, e: ImportError) -> wasmtime::Result<old::types::Error> {
            let e = <Self as new::types::Host>::convert_error(self, e)?;
            Ok(down(e)?)
        }
    }

    imports_since_0_3!(V0_4, old, new);
    imports_since_0_4_1!(V0_4, old, new);
}

mod v0_3 {
    use super::*;
    use crate::bindings::v0_3::erp::invoicing as old;

    impl old::types::Host for CallState {
        fn convert_error(&mut self, e: ImportError) -> wasmtime::Result<old::types::Error> {
            Ok(match <Self as new::types::Host>::convert_error(self, e)? {
                new::types::Error::NotAllowed(r) => {
                    old::types::Error::NotAllowed(crate::names::refusal_text(&r))
                }
                e => down(e)?,
            })
        }
    }

    imports_since_0_3!(V0_3, old, new);
}

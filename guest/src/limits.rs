//! Every documented limit in one place (README, wit): the component refuses anything past
//! them with a typed error naming the field.

use rust_decimal::Decimal;

/// Lines on one invoice; characters in a description, a reference (and a name), a note.
pub const MAX_LINES: usize = 5_000;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
pub const MAX_REFERENCE_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 1_000;
/// |quantity| below 10⁹ (at most 999 999 999.9999) and unit price at most 10¹¹.
pub const MAX_QUANTITY: Decimal = Decimal::from_parts(1_316_134_911, 2_328, 0, false, 4); // 999999999.9999
pub const MAX_UNIT_PRICE: Decimal = Decimal::from_parts(1_215_752_192, 23, 0, false, 0); // 10^11
/// A line's amount (|quantity × unit price|) at most 10¹² NOK: 5 000 such lines still fit the
/// host's ledger in øre (a signed 64-bit integer) with room to spare.
pub const MAX_LINE_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 10^12
pub const MAX_TERMS_DAYS: u32 = 365;

/// An idempotency key: 1 to this many characters.
pub const MAX_KEY_CHARS: usize = 200;
/// Rows in one page of the overview.
pub const MAX_PAGE_ROWS: u32 = 200;

/// Recurring series: months between occurrences (ten years at most), occurrences in all (a
/// hundred years of months), days an occurrence may be issued ahead, and how far back a
/// series' next occurrence may lie when it is made or rescheduled.
pub const MAX_INTERVAL_MONTHS: u32 = 120;
pub const MAX_COUNT: u32 = 1_200;
pub const MAX_LEAD_DAYS: u32 = 90;
pub const MAX_CATCH_UP_DAYS: u32 = 366;

//! The component's errors, mirroring the contract's `error` variant.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
    /// The problem in English (for logs, and hosts with no words of their own).
    pub message: String,
}

pub fn field_error(field: impl Into<String>, problem: impl Into<Problem>) -> FieldError {
    let problem = problem.into();
    FieldError {
        field: field.into(),
        message: problem.english(),
        problem,
    }
}

/// What is wrong with one input: the contract's `field-problem`, one case per kind of
/// mistake, so a host words it in its own language. Values quoted back go through [`quote`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Problem {
    Missing,
    TooLong(u32),
    BadCharacter(char),
    NotANumber(String),
    TooManyDecimals(u32),
    NotADate(String),
    OutOfRange {
        min: Option<String>,
        max: Option<String>,
    },
    LineTooLarge(rust_decimal::Decimal),
    Zero,
    NotPositive,
    Negative,
    Before(String),
    InTheFuture(chrono::NaiveDate),
    BeforeIssued {
        number: u64,
        issue_date: chrono::NaiveDate,
    },
    TooFarBack(u32),
    Unknown(String),
    NotValid(String),
    FileTooLarge(u32),
    NotAJpeg,
    NoRoom,
    OtherAccount(String),
    AlreadyAllocated(u64),
    DatedAtIssue,
    Duplicate,
    MoreThanLeft(rust_decimal::Decimal),
    OneOf(Vec<String>),
    Needs(String),
    OnlyUnregisteredSeller,
    KeyReused(u64),
    EhfRule(String),
    /// No exchange rate for the currency on or before this day.
    NoExchangeRate(chrono::NaiveDate),
}

impl Problem {
    /// At most `max` (and at least `min`, when given).
    pub fn range(min: Option<impl ToString>, max: Option<impl ToString>) -> Self {
        Problem::OutOfRange {
            min: min.map(|m| m.to_string()),
            max: max.map(|m| m.to_string()),
        }
    }

    /// At most `max`.
    pub fn at_most(max: impl ToString) -> Self {
        Problem::range(None::<u8>, Some(max))
    }

    /// Between `min` and `max`, both included.
    pub fn between(min: impl ToString, max: impl ToString) -> Self {
        Problem::range(Some(min), Some(max))
    }

    /// The text given, quoted back safely.
    pub fn not_a_number(given: &str) -> Self {
        Problem::NotANumber(quote_bare(given))
    }

    pub fn unknown(given: &str) -> Self {
        Problem::Unknown(quote_bare(given))
    }

    pub fn not_valid(given: &str) -> Self {
        Problem::NotValid(quote_bare(given))
    }

    /// The English wording: the contract's `field-error.message`.
    pub fn english(&self) -> String {
        use Problem as P;
        match self {
            P::Missing => "missing".into(),
            P::TooLong(n) => format!("at most {n} characters"),
            P::BadCharacter(c) => format!("character U+{:04X} is not allowed", *c as u32),
            P::NotANumber(t) => {
                format!("'{t}' is not a number (use digits and a decimal point, e.g. 1234.50)")
            }
            P::TooManyDecimals(n) => format!("at most {n} decimals"),
            P::NotADate(t) => format!("'{t}' is not a date (YYYY-MM-DD)"),
            P::OutOfRange { min, max } => match (min, max) {
                (Some(a), Some(b)) => format!("between {a} and {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("at most {b}"),
                (None, None) => "out of range".into(),
            },
            P::LineTooLarge(max) => {
                format!("quantity × unit price is above the limit of {max} a line")
            }
            P::Zero => "must not be zero".into(),
            P::NotPositive => "must be above zero".into(),
            P::Negative => "must not be negative (correct with a credit note)".into(),
            P::Before(f) => format!("is before {f}"),
            P::InTheFuture(today) => {
                format!("an invoice cannot be issued in the future (today is {today})")
            }
            P::BeforeIssued { number, issue_date } => format!(
                "is before {issue_date}, the date of number {number} already issued: numbers must ascend with dates"
            ),
            P::TooFarBack(days) => format!(
                "more than {days} days ago: a run would bill every period since"
            ),
            P::Unknown(t) => format!("'{t}' does not exist"),
            P::NotValid(t) => format!("'{t}' is not valid"),
            P::FileTooLarge(n) => format!("at most {n} bytes"),
            P::NotAJpeg => "not a JPEG image".into(),
            P::NoRoom => "leaves no room for the invoice number and check digit".into(),
            P::OtherAccount(a) => format!(
                "the file is for another account than the client's ({a}): nothing was imported"
            ),
            P::AlreadyAllocated(n) => format!("the payment is given to invoice {n} already"),
            P::DatedAtIssue => {
                "a recurring invoice is dated when it is issued: give payment terms instead".into()
            }
            P::Duplicate => "named twice".into(),
            P::MoreThanLeft(left) => format!("only {left} is left to credit"),
            P::OneOf(fields) => format!("give exactly one of {}", fields.join(", ")),
            P::Needs(f) => format!("needs {f} as well"),
            P::OnlyUnregisteredSeller => {
                "'outside' is only for a seller that is not VAT-registered".into()
            }
            P::KeyReused(n) => format!(
                "already used for number {n} by a different request: use a new key"
            ),
            P::EhfRule(r) => format!("the document would break EHF rule {r}"),
            P::NoExchangeRate(d) => format!("the host has no exchange rate on or before {d}"),
        }
    }
}

/// Bad input quoted back to the user: at most 40 characters, in quotes, with control and
/// invisible formatting characters written as `U+XXXX` so nothing raw (a NUL, a line break, a
/// direction override) reaches a message.
pub fn quote(s: &str) -> String {
    format!("'{}'", quote_bare(s))
}

/// [`quote`] without the quotes: what a `field-problem` carries.
pub fn quote_bare(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().take(40) {
        if c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        {
            out.push_str(&format!("U+{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    NotActive,
    MissingSettings(Vec<FieldError>),
    Invalid(Vec<FieldError>),
    NotFound(String),
    Conflict(u64),
    NotAllowed(Refusal),
    Host(String),
}

/// Why an operation cannot be done now, as the contract's `refusal` names it.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    NotAnInvoice,
    FullyCredited(u64),
    IssuedMeanwhile(u64),
    ChannelNotEnabled(crate::model::Channel),
    ChannelCannotTake(crate::model::Channel, String),
    SeriesPaused,
    SeriesEnded,
    NotNextOccurrence(Option<chrono::NaiveDate>),
    NoChannel(Vec<String>),
    /// Kroner cannot be booked to an invoice in this currency.
    OtherCurrency(String),
}

impl Error {
    pub fn invalid(field: impl Into<String>, problem: impl Into<Problem>) -> Self {
        Error::Invalid(vec![field_error(field, problem)])
    }
}

/// Collects every problem before failing, so a user sees them all at once.
#[derive(Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, problem: impl Into<Problem>) {
        self.0.push(field_error(field, problem));
    }
    pub fn into_result(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

impl From<crate::dates::BadDate> for Problem {
    fn from(d: crate::dates::BadDate) -> Self {
        use crate::dates::{BadDate, YEARS};
        match d {
            BadDate::NotADate(s) => Problem::NotADate(quote_bare(&s)),
            BadDate::OutsideYears => Problem::between(
                format!("{}-01-01", YEARS.start()),
                format!("{}-12-31", YEARS.end()),
            ),
        }
    }
}

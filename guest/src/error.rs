//! The component's errors, mirroring the contract's `error` variant.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

pub fn field_error(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// Bad input quoted back to the user: at most 40 characters, in quotes, with control and
/// invisible formatting characters written as `U+XXXX` so nothing raw (a NUL, a line break, a
/// direction override) reaches a message.
pub fn quote(s: &str) -> String {
    let mut out = String::from("'");
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
    out.push('\'');
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
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(vec![field_error(field, message)])
    }
}

/// Collects every problem before failing, so a user sees them all at once.
#[derive(Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(field_error(field, message));
    }
    pub fn into_result(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

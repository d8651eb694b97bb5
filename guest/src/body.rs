//! The component's private JSON bodies: what the host stores and hands back unread. Written and
//! read here, in the rules' crate, so serde_json's code for these types is built with the rules
//! (for speed; the component's adapter, mostly generated bindings, is built for size).

use crate::model::{Document, Draft};
use crate::recurring::{Progress, Series, Stored};
use serde_json::Error;

pub fn draft(s: &str) -> Result<Draft, Error> {
    serde_json::from_str(s)
}

pub fn of_draft(d: &Draft) -> Result<String, Error> {
    serde_json::to_string(d)
}

pub fn document(s: &str) -> Result<Document, Error> {
    serde_json::from_str(s)
}

pub fn of_document(d: &Document) -> Result<String, Error> {
    serde_json::to_string(d)
}

pub fn series(s: &str) -> Result<Series, Error> {
    serde_json::from_str(s)
}

pub fn of_series(s: &Series) -> Result<String, Error> {
    serde_json::to_string(s)
}

/// A series with its template left as the JSON it is (an occurrence reads it once).
pub fn stored(s: &str) -> Result<Stored<'_>, Error> {
    serde_json::from_str(s)
}

pub fn of_stored(s: &Stored) -> Result<String, Error> {
    serde_json::to_string(s)
}

pub fn progress(s: &str) -> Result<Progress, Error> {
    serde_json::from_str(s)
}

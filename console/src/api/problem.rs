//! Errors as RFC 9457 problem details (`application/problem+json`): the contract's typed error
//! one to one (`error` names its case, `fields` every field it found wrong, `refusal` why it
//! was not allowed), and the API's own (a missing key, a reused idempotency key, a bad body).
//! The extractors here turn every path and query the API cannot read into a problem too, so nothing
//! it answers is outside its OpenAPI document.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use invoicing_host::bindings::Error;
use invoicing_host::runtime::CallError;
use serde::Serialize;
use utoipa::ToSchema;

/// A problem: what went wrong, for a program (`type`, `error`, `fields`) and for a person
/// (`title`, `detail`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:erp-invoicing:problem:<error>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The contract's error case (`invalid`, `not_found`, `conflict`, `not_allowed`,
    /// `missing_settings`, `not_active`) or the API's own (`unauthorized`, `forbidden`,
    /// `bad_request`, `precondition_required`, `precondition_failed`, `idempotency_key_reused`,
    /// `idempotency_key_in_use`, `rate_limited`, `unsupported_media_type`, `internal`).
    pub error: String,
    /// Every field found wrong, named as the contract names it (`lines[0].quantity`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// On a draft's conflict: the version it is at now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    /// The contract's `field-problem` case (`missing`, `too_long`, `not_a_number`, …).
    pub problem: String,
    pub message: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Refusal {
    /// The contract's `refusal` case (`fully_credited`, `other_currency`, …).
    pub code: String,
    pub detail: String,
}

/// The snake_case name of a contract variant's case, from its serde form (`"Missing"` or
/// `{"TooLong": 64}`).
fn case_name(v: &impl Serialize) -> String {
    let name = match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(m)) => m.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl Problem {
    pub fn new(status: StatusCode, error: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:erp-invoicing:problem:{error}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            error: error.to_owned(),
            fields: Vec::new(),
            refusal: None,
            current_version: None,
        }
    }

    pub fn not_found(what: &str) -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("not found: {what}"),
        )
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    /// A field the API reads itself (a query parameter) found wrong, as the contract words one.
    pub fn field(field: &str, problem: &str, message: impl Into<String>) -> Problem {
        let message = message.into();
        let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message.clone());
        p.fields.push(FieldProblem {
            field: field.to_owned(),
            problem: problem.to_owned(),
            message,
        });
        p
    }

    fn with_fields(mut self, f: Vec<invoicing_host::bindings::FieldError>) -> Problem {
        self.fields = f
            .into_iter()
            .map(|f| FieldProblem {
                problem: case_name(&f.problem),
                // The contract's path (`lines[0].vat-code`) in the API's snake_case.
                field: f.field.replace('-', "_"),
                message: f.message,
            })
            .collect();
        self
    }

    /// What the status is (for kept responses).
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// A failure of the host or the database: logged with a reference, which the client gets.
    pub fn internal(detail: &str) -> Problem {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).expect("the OS has randomness");
        let reference: String = b.iter().map(|x| format!("{x:02x}")).collect();
        eprintln!("api error {reference}: {detail}");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("something went wrong; quote reference {reference} to support"),
        )
    }
}

impl From<CallError> for Problem {
    fn from(e: CallError) -> Self {
        let text = e.to_string();
        match e {
            CallError::Component(err) => match err {
                Error::NotActive => Problem::new(StatusCode::CONFLICT, "not_active", text),
                Error::MissingSettings(f) => {
                    Problem::new(StatusCode::CONFLICT, "missing_settings", text).with_fields(f)
                }
                Error::Invalid(f) => {
                    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", text).with_fields(f)
                }
                Error::NotFound(w) => Problem::not_found(&w),
                Error::Conflict(v) => {
                    let mut p = Problem::new(StatusCode::CONFLICT, "conflict", text);
                    p.current_version = (v > 0).then_some(v);
                    p
                }
                Error::NotAllowed(r) => {
                    let mut p = Problem::new(StatusCode::CONFLICT, "not_allowed", text);
                    p.refusal = Some(Refusal {
                        code: case_name(&r),
                        detail: invoicing_host::names::refusal_text(&r),
                    });
                    p
                }
                Error::Host(w) => Problem::internal(&w),
            },
            CallError::Trap(t) => Problem::internal(&format!("trap: {t}")),
            CallError::Host(h) => Problem::internal(&format!("{h:#}")),
        }
    }
}

impl From<anyhow::Error> for Problem {
    fn from(e: anyhow::Error) -> Self {
        Problem::internal(&format!("{e:#}"))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut res = (status, axum::Json(&self)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// Path parameters; ones the API cannot read are a problem (400).
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e: PathRejection| Problem::bad_request(e.body_text()))
    }
}

/// Query parameters; ones the API cannot read are a problem (400).
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e: QueryRejection| Problem::bad_request(e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use invoicing_host::bindings::{FieldError, FieldProblem as Fp, Refusal as R};

    #[test]
    fn the_contracts_error_is_carried_whole() {
        let e = CallError::Component(Error::Invalid(vec![
            FieldError {
                field: "lines[0].quantity".into(),
                problem: Fp::NotANumber("x".into()),
                message: "not a number".into(),
            },
            FieldError {
                field: "customer".into(),
                problem: Fp::Missing,
                message: "required".into(),
            },
        ]));
        let p = Problem::from(e);
        assert_eq!((p.status, p.error.as_str()), (422, "invalid"));
        let named: Vec<_> = p.fields.iter().map(|f| (&*f.field, &*f.problem)).collect();
        assert_eq!(
            named,
            [
                ("lines[0].quantity", "not_a_number"),
                ("customer", "missing")
            ]
        );
        let p = Problem::from(CallError::Component(Error::NotAllowed(R::FullyCredited(7))));
        assert_eq!(p.refusal.unwrap().code, "fully_credited");
        let p = Problem::from(CallError::Component(Error::Conflict(4)));
        assert_eq!((p.status, p.current_version), (409, Some(4)));
    }
}

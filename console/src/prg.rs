//! Post/redirect/get for every form: the page a form's POST made is kept for a while and the
//! browser is sent to see it by GET, so a reload or Back never posts the form again.
//! One place for every handler (the console's middleware calls it); htmx requests, which swap
//! a part of the page in place, are left as they are.

use axum::body::{to_bytes, Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The query parameter that names a kept page.
pub const PARAM: &str = "vist";
/// How long a kept page can be seen again (a reload), and how many are kept at most.
const KEPT_FOR: Duration = Duration::from_secs(30 * 60);
const MOST: usize = 500;

struct Kept {
    id: String,
    /// The browser's CSRF cookie: a page is shown only to the browser that posted.
    browser: String,
    at: Instant,
    status: StatusCode,
    body: Bytes,
}

#[derive(Default)]
pub struct Shown(Mutex<VecDeque<Kept>>);

impl Shown {
    /// A POST's answer: a page is kept and a 303 to `path?vist=…` sent instead; anything else
    /// (a redirect, a download, a failure) goes as it is.
    pub async fn after_post(&self, path: &str, browser: &str, res: Response) -> Response {
        let is_page = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        let status = res.status();
        if !is_page || !(status.is_success() || status.is_client_error()) {
            return res;
        }
        let Ok(body) = to_bytes(res.into_body(), 16 << 20).await else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let id = super::random_token();
        let mut kept = self.0.lock().expect("no panics while held");
        kept.retain(|k| k.at.elapsed() < KEPT_FOR);
        if kept.len() == MOST {
            kept.pop_front();
        }
        kept.push_back(Kept {
            id: id.clone(),
            browser: browser.to_owned(),
            at: Instant::now(),
            status,
            body,
        });
        let to = format!("{path}?{PARAM}={id}");
        (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
    }

    /// The kept page `id`, for the browser that posted it; an explanation once it is gone.
    pub fn show(&self, id: &str, browser: &str) -> Response {
        let kept = self.0.lock().expect("no panics while held");
        match kept
            .iter()
            .find(|k| k.id == id && k.browser == browser && k.at.elapsed() < KEPT_FOR)
        {
            Some(k) => {
                let mut res = Response::new(Body::from(k.body.clone()));
                *res.status_mut() = k.status;
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                res
            }
            None => (
                StatusCode::GONE,
                super::html(super::pages::bare(
                    "Denne siden er ikke lenger tilgjengelig. Gå tilbake og prøv igjen.",
                    "This page is no longer available. Go back and try again.",
                )),
            )
                .into_response(),
        }
    }
}

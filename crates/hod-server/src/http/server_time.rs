//! `X-Server-Time` on every response: the server's clock (its `Clock`, the one deadlines are
//! computed with) in RFC 3339 with milliseconds. Clients pair it with their own send and
//! receive times to estimate the skew their countdowns run on (MR-1); the standard `Date`
//! header has whole seconds only.

use crate::clock::Clock;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use chrono::SecondsFormat;
use std::sync::Arc;

pub const SERVER_TIME_HEADER: &str = "x-server-time";

/// Stamps the response as it leaves the handler.
pub async fn stamp(State(clock): State<Arc<dyn Clock>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let now = clock.now().to_rfc3339_opts(SecondsFormat::Millis, true);
    if let Ok(value) = HeaderValue::from_str(&now) {
        response.headers_mut().insert(SERVER_TIME_HEADER, value);
    }
    response
}

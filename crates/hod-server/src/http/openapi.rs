//! `GET /v1/openapi.json`: the OpenAPI 3.1 description of every `/v1` route.
//!
//! The document is hand-written JSON (`openapi/v1.json`), embedded in the binary. The
//! integration test `tests/api/openapi.rs` keeps it true: every documented operation is
//! served, every route in the source is documented, and the responses it can produce
//! match the schemas.

use super::AppState;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// The document, as served.
pub const OPENAPI_JSON: &str = include_str!("../../openapi/v1.json");

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/openapi.json", get(document))
}

async fn document() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

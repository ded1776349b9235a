//! `GET /v1/changes?after=<seq>&limit=`: the agent's change feed from a cursor.

use super::extract::bad_query;
use super::extract::AgentSession;
use super::{AppError, AppState};
use crate::validation::{FieldError, FieldErrors};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use hod_domain::wire::v1::Change;
use hod_domain::ValidationCode;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/changes", get(changes))
}

/// The largest page.
pub const MAX_PAGE: u32 = 500;

#[derive(Debug, Deserialize)]
struct ChangesQuery {
    after: Option<i64>,
    limit: Option<u32>,
}

/// A page of changes, in sequence order; an empty page means the client is up to date.
#[derive(Debug, Serialize)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    /// The sequence number of the agent's newest change, as of the page or later: a client
    /// that needs only the feed's head (a first start) asks for one change and reads this.
    pub head: i64,
}

async fn changes(
    State(state): State<AppState>,
    session: AgentSession,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Json<ChangePage>, AppError> {
    let Query(query) = query.map_err(bad_query)?;
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(100);
    let mut errors = Vec::new();
    if after < 0 {
        errors.push(FieldError::new(
            "after",
            ValidationCode::OutOfRange,
            "after is a sequence number, 0 or more",
        ));
    }
    if !(1..=MAX_PAGE).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            ValidationCode::OutOfRange,
            format!("limit must be between 1 and {MAX_PAGE}"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(FieldErrors(errors)));
    }
    let changes = state
        .store
        .changes_after(session.agent, after, limit)
        .await?;
    // A short page ends at the feed's head (the live catch-up's usual page): only a full or
    // empty one needs the head read.
    let head = match changes.last() {
        Some(last) if changes.len() < limit as usize => last.seq,
        _ => state.store.change_head(session.agent).await?,
    };
    Ok(Json(ChangePage { changes, head }))
}

//! `GET /v1/stats/thresholds` (docs/protocol.md, "Audited auto-approvals and thresholds").

use axum::Json;
use axum::extract::State;
use countersign_domain::{ErrorBody, ThresholdReport};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::stats::thresholds::{self, Scope};

/// The threshold report: the AI's error rate on audited auto-approvals per kind, model and
/// confidence band, the recommended threshold per kind and model, and the shadow rules. Seniors
/// see their teams' work, admins everything; reviewers and producers get 403.
#[utoipa::path(get, path = "/v1/stats/thresholds", tag = "stats", security(("bearer" = [])),
    responses((status = 200, body = ThresholdReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(super) async fn thresholds_report(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ThresholdReport>, ApiError> {
    let scope = Scope::of(&caller)
        .ok_or_else(|| ApiError::forbidden("statistics are for seniors and admins"))?;
    Ok(Json(
        thresholds::thresholds(&state.db, &state.policy, &scope).await?,
    ))
}

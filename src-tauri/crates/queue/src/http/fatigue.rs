//! `GET /v1/stats/fatigue`: the fatigue signals of the reviewers a senior oversees (an admin: all),
//! docs/protocol.md "Reviewer fatigue".

use axum::Json;
use axum::extract::State;
use countersign_domain::ErrorBody;
use countersign_domain::fatigue::FatigueReport;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::stats;

#[utoipa::path(get, path = "/v1/stats/fatigue", tag = "stats", security(("bearer" = [])),
    responses((status = 200, body = FatigueReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(super) async fn fatigue_report(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<FatigueReport>, ApiError> {
    let scope = stats::scope_of(&state.db, &caller).await?;
    Ok(Json(
        stats::fatigue::report(&state.db, &scope, state.now()).await?,
    ))
}

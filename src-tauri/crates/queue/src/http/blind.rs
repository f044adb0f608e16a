//! `GET /v1/stats/blind`: the blind-read report (docs/protocol.md, "Blind first read").

use axum::Json;
use axum::extract::State;
use countersign_domain::{BlindReport, ErrorBody};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::stats;

#[utoipa::path(get, path = "/v1/stats/blind", tag = "stats", security(("bearer" = [])),
    responses((status = 200, body = BlindReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(super) async fn blind_report(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BlindReport>, ApiError> {
    let scope = stats::scope_of(&state.db, &caller).await?;
    Ok(Json(stats::blind::report(&state.db, &scope).await?))
}

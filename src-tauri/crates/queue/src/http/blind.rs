//! `GET /v1/stats/blind`: the blind-read report (docs/protocol.md, "Blind first read").

use axum::Json;
use axum::extract::State;
use countersign_domain::{BlindReport, ErrorBody};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::stats::blind::{self, Readers};

#[utoipa::path(get, path = "/v1/stats/blind", tag = "stats", security(("bearer" = [])),
    responses((status = 200, body = BlindReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(super) async fn blind_report(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BlindReport>, ApiError> {
    let readers = Readers::of(&caller).map_err(|error| ApiError::forbidden(error.to_string()))?;
    Ok(Json(blind::report(&state.db, &readers).await?))
}

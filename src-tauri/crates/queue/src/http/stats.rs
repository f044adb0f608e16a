//! The statistics endpoints (`GET /v1/stats/...`, docs/protocol.md "Statistics endpoints"): who may
//! read them and the window come from `crate::stats`; each handler serves one report.

use axum::Json;
use axum::extract::State;
use countersign_domain::{ApiErrorCode, ErrorBody, Overview, ThresholdReport};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::Params;
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::stats::{self, Scope, StatsError, Window};

impl From<StatsError> for ApiError {
    fn from(error: StatsError) -> Self {
        match error {
            StatsError::NotAllowed(_) => ApiError::forbidden(error.to_string()),
            StatsError::BadSince(_) => {
                ApiError::bad_request(ApiErrorCode::InvalidQuery, error.to_string())
            }
            StatsError::Store(store) => store.into(),
        }
    }
}

/// The window every report takes.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct WindowQuery {
    /// The window's start, RFC 3339, before now (default: 30 days ago).
    since: Option<String>,
}

/// The caller's scope (403 unless a senior or an admin) and the window asked for (400 when bad).
async fn scope_and_window(
    state: &AppState,
    caller: &Caller,
    query: &WindowQuery,
) -> Result<(Scope, Window), ApiError> {
    let scope = stats::scope_of(&state.db, caller).await?;
    let window = Window::parse(query.since.as_deref(), state.now())?;
    Ok((scope, window))
}

#[utoipa::path(get, path = "/v1/stats/overview", tag = "stats", security(("bearer" = [])),
    params(WindowQuery),
    responses((status = 200, body = Overview), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn overview(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<WindowQuery>,
) -> Result<Json<Overview>, ApiError> {
    let (scope, window) = scope_and_window(&state, &caller, &query).await?;
    Ok(Json(
        stats::overview::overview(&state.db, &scope, window).await?,
    ))
}

/// The threshold report (docs/protocol.md, "Audited auto-approvals and thresholds"): the AI's error
/// rate on audited auto-approvals per kind, model and confidence band, the recommended threshold per
/// kind and model, and the shadow rules, over all recorded audits.
#[utoipa::path(get, path = "/v1/stats/thresholds", tag = "stats", security(("bearer" = [])),
    responses((status = 200, body = ThresholdReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(super) async fn thresholds(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ThresholdReport>, ApiError> {
    let scope = stats::scope_of(&state.db, &caller).await?;
    Ok(Json(
        stats::thresholds::thresholds(&state.db, &state.policy, &scope).await?,
    ))
}

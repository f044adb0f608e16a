//! Gold items over HTTP (docs/protocol.md, "Gold items"): an admin's `POST /v1/items` with `gold`,
//! and `GET /v1/stats/gold`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use countersign_domain::{ApiErrorCode, ErrorBody, GoldReport, Item, NewItem};

use super::detached;
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::gold::{self, GoldError};
use crate::stats;

impl From<GoldError> for ApiError {
    fn from(error: GoldError) -> Self {
        match error {
            GoldError::Invalid(message) => ApiError::validation(ApiErrorCode::InvalidGold, message),
            GoldError::Schema(violation) => violation.into(),
            GoldError::Store(store) => store.into(),
        }
    }
}

/// The refusal of `gold` from anyone but an admin.
pub(super) fn needs_admin() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ApiErrorCode::GoldNeedsAdmin,
        "only an admin may submit a gold item (`gold`); nothing was stored",
    )
}

/// An admin's gold submission, checked like any other; 201 when new, 200 when its external id was
/// submitted as gold before.
pub(super) async fn submit(
    state: AppState,
    admin: Caller,
    new: NewItem,
) -> Result<(StatusCode, Json<Item>), ApiError> {
    let added = detached(async move { Ok(gold::add(&state, &admin.name, &new).await?) }).await?;
    let status = if added.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(added.item)))
}

/// Gold accuracy per reviewer and kind: admins see every team, seniors their own.
#[utoipa::path(get, path = "/v1/stats/gold", tag = "stats", security(("bearer" = [])),
    responses((status = 200, body = GoldReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(super) async fn gold_stats(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<GoldReport>, ApiError> {
    let scope = stats::scope_of(&state.db, &caller).await?;
    Ok(Json(stats::gold::report(&state, &scope).await?))
}

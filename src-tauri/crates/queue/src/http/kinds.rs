//! Kinds as data: `PUT /v1/kinds/{kind}` (admins), `GET /v1/kinds` and `GET /v1/kinds/{kind}`
//! (anyone signed in: reviewers' clients sync them). docs/protocol.md, "Kinds".

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use countersign_domain::kind::{KindDefinition, KindList, KindSpec};
use countersign_domain::{ApiErrorCode, ErrorBody};

use super::detached;
use super::extract::{Admin, Body};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::items::SubmitError;
use crate::kinds::{self, KindError, SchemaViolation};

impl From<KindError> for ApiError {
    fn from(error: KindError) -> Self {
        match error {
            KindError::Invalid(_) => {
                ApiError::validation(ApiErrorCode::InvalidKind, error.to_string())
            }
            KindError::BreaksQueuedItems { .. } => {
                ApiError::conflict(ApiErrorCode::KindBreaksQueuedItems, error.to_string())
            }
            KindError::Store(store) => store.into(),
        }
    }
}

impl From<SchemaViolation> for ApiError {
    fn from(violation: SchemaViolation) -> Self {
        let path = violation.path.clone();
        ApiError::validation(
            ApiErrorCode::SchemaViolation,
            format!("the item does not satisfy its kind's schema at {violation}"),
        )
        .at_path(path)
    }
}

impl From<SubmitError> for ApiError {
    fn from(error: SubmitError) -> Self {
        match error {
            SubmitError::Schema(violation) => violation.into(),
            SubmitError::Store(store) => store.into(),
        }
    }
}

#[utoipa::path(put, path = "/v1/kinds/{kind}", tag = "kinds", security(("bearer" = [])),
    params(("kind" = String, Path, description = "The kind's name: 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'")),
    request_body = KindSpec,
    responses((status = 201, description = "Registered for the first time (revision 1)", body = KindDefinition),
        (status = 200, description = "Registered as the kind's next revision", body = KindDefinition),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "Queued items of the kind would not satisfy the new schemas", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn put_kind(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(kind): Path<String>,
    Body(spec): Body<KindSpec>,
) -> Result<(StatusCode, Json<KindDefinition>), ApiError> {
    let registered =
        detached(async move { Ok(kinds::register(&state, &admin.name, &kind, &spec).await?) })
            .await?;
    let status = if registered.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(registered.definition)))
}

#[utoipa::path(get, path = "/v1/kinds", tag = "kinds", security(("bearer" = [])),
    responses((status = 200, body = KindList), (status = 401, body = ErrorBody)))]
pub(super) async fn list_kinds(
    State(state): State<AppState>,
    _: Caller,
) -> Result<Json<KindList>, ApiError> {
    Ok(Json(KindList {
        kinds: kinds::list(&state.db).await?,
    }))
}

#[utoipa::path(get, path = "/v1/kinds/{kind}", tag = "kinds", security(("bearer" = [])),
    params(("kind" = String, Path, description = "The kind's name")),
    responses((status = 200, body = KindDefinition), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn get_kind(
    State(state): State<AppState>,
    _: Caller,
    Path(kind): Path<String>,
) -> Result<Json<KindDefinition>, ApiError> {
    kinds::get(&state.db, &kind)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no kind {kind:?} is registered")))
}

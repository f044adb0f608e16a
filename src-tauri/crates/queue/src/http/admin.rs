//! Admin endpoints for people, teams and the queue: list and change users, issue tokens, list and
//! create teams, read the queue's health.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use countersign_domain::{
    ApiErrorCode, ErrorBody, IssuedToken, QueueHealth, Role, TokenRequest, UserSummary,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Admin, Body, OptionalBody};
use crate::AppState;
use crate::auth::{self, UserError};
use crate::error::ApiError;
use crate::health;
use crate::policy::Span;
use crate::teams::{self, TeamError};
use crate::users::{self, UserChange};

impl From<TeamError> for ApiError {
    fn from(error: TeamError) -> Self {
        match error {
            TeamError::BadName => {
                ApiError::validation(ApiErrorCode::InvalidName, error.to_string())
            }
            TeamError::Exists(_) => ApiError::conflict(ApiErrorCode::TeamExists, error.to_string()),
            TeamError::Unknown(_) => {
                ApiError::validation(ApiErrorCode::UnknownTeam, error.to_string())
            }
            TeamError::Store(store) => store.into(),
        }
    }
}

impl From<UserError> for ApiError {
    fn from(error: UserError) -> Self {
        match error {
            UserError::Exists(_) => ApiError::conflict(ApiErrorCode::UserExists, error.to_string()),
            UserError::BadName | UserError::BadFullName => {
                ApiError::validation(ApiErrorCode::InvalidName, error.to_string())
            }
            UserError::Unknown(_) => ApiError::not_found(error.to_string()),
            UserError::LastAdmin(_) => {
                ApiError::conflict(ApiErrorCode::LastAdmin, error.to_string())
            }
            UserError::Team(team) => team.into(),
            UserError::Store(store) => store.into(),
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct UserList {
    users: Vec<UserSummary>,
}

#[utoipa::path(get, path = "/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(super) async fn list_users(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<UserList>, ApiError> {
    Ok(Json(UserList {
        users: users::list(&state.db).await?,
    }))
}

/// Any of the fields; those left out stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UserPatch {
    #[serde(default)]
    role: Option<Role>,
    /// The user's teams, replacing the old list (every team must exist).
    #[serde(default)]
    teams: Option<Vec<String>>,
    /// A disabled user's token gets 401 and their leases go back to the queue at once.
    #[serde(default)]
    disabled: Option<bool>,
    /// The name the user's signatures print (docs/protocol.md, "Signatures").
    #[serde(default)]
    full_name: Option<String>,
}

#[utoipa::path(patch, path = "/v1/users/{name}", tag = "users", security(("bearer" = [])),
    params(("name" = String, Path, description = "User name")),
    request_body = UserPatch,
    responses((status = 200, body = UserSummary), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn patch_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(name): Path<String>,
    Body(patch): Body<serde_json::Map<String, serde_json::Value>>,
) -> Result<Json<UserSummary>, ApiError> {
    // Read as an object first: a derived struct would also accept a JSON array of its fields.
    let patch: UserPatch = serde_json::from_value(serde_json::Value::Object(patch))
        .map_err(|error| ApiError::validation(ApiErrorCode::InvalidRequest, error.to_string()))?;
    let change = UserChange {
        role: patch.role,
        teams: patch.teams,
        disabled: patch.disabled,
        full_name: patch.full_name,
    };
    let updated =
        super::detached(
            async move { Ok(users::update(&state, &admin.name, &name, &change).await?) },
        )
        .await?;
    Ok(Json(updated))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct TeamList {
    teams: Vec<String>,
}

#[utoipa::path(get, path = "/v1/teams", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = TeamList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(super) async fn list_teams(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<TeamList>, ApiError> {
    Ok(Json(TeamList {
        teams: teams::names(&state.db).await?,
    }))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct NewTeam {
    #[schema(pattern = "^[a-z0-9._-]{1,64}$")]
    name: String,
}

#[utoipa::path(post, path = "/v1/teams", tag = "users", security(("bearer" = [])),
    request_body = NewTeam,
    responses((status = 201, body = NewTeam), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_team(
    State(state): State<AppState>,
    _: Admin,
    Body(team): Body<NewTeam>,
) -> Result<(StatusCode, Json<NewTeam>), ApiError> {
    teams::add(&state.db, &team.name, state.now()).await?;
    Ok((StatusCode::CREATED, Json(team)))
}

#[utoipa::path(post, path = "/v1/users/{name}/token", tag = "users", security(("bearer" = [])),
    params(("name" = String, Path, description = "User name")),
    request_body(content = Option<TokenRequest>, description = "Optional: no body gives a token that never expires"),
    responses((status = 201, body = IssuedToken), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn issue_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(name): Path<String>,
    OptionalBody(request): OptionalBody<serde_json::Map<String, serde_json::Value>>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    // Read as an object first: a derived struct would also accept a JSON array of its fields.
    let request: TokenRequest = match request {
        Some(fields) => {
            serde_json::from_value(serde_json::Value::Object(fields)).map_err(|error| {
                ApiError::validation(ApiErrorCode::InvalidRequest, error.to_string())
            })?
        }
        None => TokenRequest::default(),
    };
    let now = state.now();
    let expires_at = request
        .expires_in
        .map(|text| text.parse::<Span>())
        .transpose()
        .map_err(|message| ApiError::validation(ApiErrorCode::InvalidDuration, message))?
        .map(|span| now + span.0);
    let issued = super::detached(async move {
        Ok(auth::issue_token(&state.db, &admin.name, &name, expires_at, now).await?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

#[utoipa::path(get, path = "/v1/queue/health", tag = "queue", security(("bearer" = [])),
    responses((status = 200, body = QueueHealth), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(super) async fn queue_health(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<QueueHealth>, ApiError> {
    Ok(Json(health::of_queue(&state.db, state.now()).await?))
}

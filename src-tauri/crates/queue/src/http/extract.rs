//! The request edges of the API: the bearer token becomes a [`Caller`], role extractors refuse
//! the wrong role with 403 before a handler runs, and every rejection of a body, query or path
//! leaves as the app's error body (`{"error": {"code", "message"}}`, docs/protocol.md).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use countersign_domain::{ApiErrorCode, Role};

use super::BODY_LIMIT;
use crate::AppState;
use crate::auth::{self, Caller};
use crate::error::ApiError;

/// The bearer token a request carries.
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <token>"))?;
    let token = header
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be Bearer <token>"))?;
    Ok(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        auth::authenticate_at(&state.db, token, state.now())
            .await?
            .map_err(|refusal| ApiError::unauthorized(refusal.to_string()))
    }
}

/// A reviewer or senior with the token they sent: a signing PIN must not resemble it
/// (docs/protocol.md, "Signatures").
pub struct SignerWithToken {
    pub caller: Caller,
    pub token: String,
}

impl FromRequestParts<AppState> for SignerWithToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Reviewer(caller) = Reviewer::from_request_parts(parts, state).await?;
        Ok(SignerWithToken {
            caller,
            token: bearer(parts)?.to_owned(),
        })
    }
}

fn require(caller: &Caller, roles: &[Role]) -> Result<(), ApiError> {
    if roles.contains(&caller.role) {
        return Ok(());
    }
    let allowed: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
    Err(ApiError::forbidden(format!(
        "this needs the role {}; your token's role is {}",
        allowed.join(" or "),
        caller.role
    )))
}

/// An extractor for a caller whose role is one of those listed; anyone else gets 403.
macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident: $($role:ident)|+) => {
        $(#[$doc])*
        pub struct $name(pub Caller);
        role_extractor!(@impl $name, |caller| $name(caller), $($role)|+);
    };
    (@impl $name:ident, |$caller:ident| $make:expr, $($role:ident)|+) => {
        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, ApiError> {
                let $caller = Caller::from_request_parts(parts, state).await?;
                require(&$caller, &[$(Role::$role),+])?;
                Ok($make)
            }
        }
    };
}

role_extractor!(
    /// Reviewers and seniors: they sync and listen for events.
    Reviewer: Reviewer | Senior
);
role_extractor!(
    /// An AI system submitting and cancelling its own items.
    Producer: Producer
);
role_extractor!(
    /// Who may listen to `GET /v1/events`: reviewers for their assignments, producers for their items.
    Listener: Producer | Reviewer | Senior
);
role_extractor!(
    /// Manages users and teams, reads the audit log, exports feedback.
    Admin: Admin
);
role_extractor!(
    /// Reviewers, seniors and admins: who may read related items.
    ReviewerOrAdmin: Reviewer | Senior | Admin
);
role_extractor!(
    /// A producer reading its own items, or an admin reading any.
    ProducerOrAdmin: Producer | Admin
);

/// A JSON body; rejections map to the protocol's codes: 400 malformed, 422 invalid, 413 too
/// large, 415 not sent as JSON.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Body<T>(pub T);

/// A JSON body that may be left out altogether or sent as `null` (None then); any other is read
/// as [`Body`].
pub struct OptionalBody<T>(pub Option<T>);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for OptionalBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiErrorCode::PayloadTooLarge,
                format!(
                    "the body could not be read whole; bodies are limited to {BODY_LIMIT} bytes"
                ),
            )
        })?;
        if bytes.is_empty() {
            return Ok(OptionalBody(None));
        }
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        let Body(value) = Body::<Option<T>>::from_request(request, state).await?;
        Ok(OptionalBody(value))
    }
}

/// Query parameters; a rejection is 400 `invalid_query`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Params<T>(pub T);

/// Typed path parameters (item ids): a value that does not parse names nothing, so 404.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct PathId<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiErrorCode::PayloadTooLarge,
                format!("request bodies are limited to {BODY_LIMIT} bytes"),
            ),
            StatusCode::UNPROCESSABLE_ENTITY => {
                ApiError::validation(ApiErrorCode::InvalidRequest, rejection.body_text())
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ApiErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json",
            ),
            _ => ApiError::bad_request(ApiErrorCode::MalformedJson, rejection.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(ApiErrorCode::InvalidQuery, rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::not_found(format!("no such item: {}", rejection.body_text()))
    }
}

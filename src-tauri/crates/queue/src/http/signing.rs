//! Signing endpoints (docs/protocol.md, "Signatures"): a signer's PIN and device keys, and an admin's
//! unlock after too many wrong PINs. The rules are in [`crate::signing`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use countersign_domain::{
    ApiErrorCode, ErrorBody, SigningKeyRegistered, SigningKeyRequest, SigningPinRequest,
};

use super::extract::{Admin, Body, SignerWithToken};
use crate::AppState;
use crate::error::ApiError;
use crate::signing::{self, SigningError};

impl From<SigningError> for ApiError {
    fn from(error: SigningError) -> Self {
        let message = error.to_string();
        match error {
            SigningError::PinTooShort | SigningError::PinLikeToken => {
                ApiError::validation(ApiErrorCode::WeakPin, message)
            }
            SigningError::WrongPin { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, ApiErrorCode::WrongPin, message)
            }
            SigningError::Locked => {
                ApiError::new(StatusCode::FORBIDDEN, ApiErrorCode::SigningLocked, message)
            }
            SigningError::NoPin => ApiError::conflict(ApiErrorCode::NoSigningPin, message),
            SigningError::BadKey(_) | SigningError::KeyOfAnotherUser => {
                ApiError::validation(ApiErrorCode::InvalidSigningKey, message)
            }
            SigningError::UnknownUser(_) => ApiError::not_found(message),
            SigningError::Store(store) => store.into(),
        }
    }
}

#[utoipa::path(put, path = "/v1/me/signing-pin", tag = "signatures", security(("bearer" = [])),
    request_body = SigningPinRequest,
    responses((status = 204, description = "The PIN is set"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn set_signing_pin(
    State(state): State<AppState>,
    signer: SignerWithToken,
    Body(request): Body<SigningPinRequest>,
) -> Result<StatusCode, ApiError> {
    super::detached(async move {
        signing::set_pin(
            &state,
            &signer.caller.name,
            &signer.token,
            &request.pin,
            request.current_pin.as_deref(),
        )
        .await?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

#[utoipa::path(post, path = "/v1/me/signing-keys", tag = "signatures", security(("bearer" = [])),
    request_body = SigningKeyRequest,
    responses((status = 201, body = SigningKeyRegistered), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn register_signing_key(
    State(state): State<AppState>,
    signer: SignerWithToken,
    Body(request): Body<SigningKeyRequest>,
) -> Result<(StatusCode, Json<SigningKeyRegistered>), ApiError> {
    super::detached(async move {
        let key_id = signing::register_key(
            &state,
            &signer.caller.name,
            &request.pin,
            &request.public_key,
        )
        .await?;
        Ok((StatusCode::CREATED, Json(SigningKeyRegistered { key_id })))
    })
    .await
}

#[utoipa::path(post, path = "/v1/users/{name}/signing-unlock", tag = "signatures",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "User name")),
    responses((status = 204, description = "Signing is unlocked"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn unlock_signing(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    super::detached(async move {
        signing::unlock(&state, &admin.name, &name).await?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

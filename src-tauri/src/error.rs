//! The one error every command returns. The UI shows `message` and branches on `code` only, so codes are
//! a closed, stable set and never derived from message text; each core error maps to one by its variant.

use countersign_client::admin::AdminError;
use countersign_client::remote::RemoteError;
use countersign_client::secrets::CredentialError;
use countersign_client::session::SessionError;
use countersign_client::shift::ShiftError;
use countersign_client::signing::SigningError;
use countersign_client::stats::StatsError;
use countersign_client::store::StoreError;
use countersign_client::views::ViewError;
use countersign_domain::ApiErrorCode;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    InvalidDecision,
    AlreadyDecided,
    NotSignedIn,
    KeyringUnavailable,
    ServerUnreachable,
    BadCredential,
    /// The change would leave the queue without an enabled admin (the server's 409 `last_admin`).
    LastAdmin,
    /// The signed-in user may not do this (an admin call without the admin role).
    NotAllowed,
    /// What was typed cannot be used (an unknown team, a malformed expiry, an empty hand-off note);
    /// nothing changed.
    InvalidInput,
    Storage,
    Internal,
    /// A sign-off needs the signing PIN, and none was given.
    PinNeeded,
    /// The signing PIN is wrong (on this device or on the queue); the message says how many tries are left.
    WrongPin,
    /// Signing is locked after too many wrong PINs (the message says how to unlock it).
    SigningLocked,
    /// A signing PIN the queue refuses (too short, or like the API token).
    WeakPin,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        let code = match &error {
            StoreError::NotHeld(_) => ErrorCode::NotFound,
            StoreError::InvalidDecision(_) => ErrorCode::InvalidDecision,
            // Undo of something already sent, or nothing to undo: the decision stands as it is.
            StoreError::AlreadyDecided(..)
            | StoreError::AlreadySent(_)
            | StoreError::NothingToUndo(_) => ErrorCode::AlreadyDecided,
            StoreError::View(ViewError::Unknown(_)) => ErrorCode::NotFound,
            // A malformed search, a bulk call that cannot be made, a view that cannot be kept.
            StoreError::Query(_) | StoreError::Bulk(_) | StoreError::View(_) => {
                ErrorCode::InvalidInput
            }
            StoreError::EmptyComment | StoreError::CommentTooLong(_) => ErrorCode::InvalidInput,
            _ => ErrorCode::Storage,
        };
        Self::new(code, error.to_string())
    }
}

impl From<CredentialError> for AppError {
    fn from(error: CredentialError) -> Self {
        let code = match &error {
            CredentialError::KeyringUnavailable(_) | CredentialError::Keyring(_) => {
                ErrorCode::KeyringUnavailable
            }
            CredentialError::NotLoggedIn(_) => ErrorCode::NotSignedIn,
        };
        Self::new(code, error.to_string())
    }
}

impl From<RemoteError> for AppError {
    fn from(error: RemoteError) -> Self {
        let code = match &error {
            RemoteError::Unauthorized => ErrorCode::BadCredential,
            // The core says what is wrong; the app says what to type instead.
            RemoteError::BadUrl(..) => {
                return Self::new(
                    ErrorCode::ServerUnreachable,
                    format!("{error}; use something like https://queue.example.org"),
                );
            }
            _ if error.is_transient() => ErrorCode::ServerUnreachable,
            _ => ErrorCode::Internal,
        };
        Self::new(code, error.to_string())
    }
}

impl From<SessionError> for AppError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Store(error) => error.into(),
            SessionError::Remote(error) => error.into(),
            SessionError::Credential(error) => error.into(),
            SessionError::Settings(_) => Self::new(ErrorCode::Storage, error.to_string()),
            SessionError::Signing(error) => error.into(),
            SessionError::PinNeeded => Self::new(ErrorCode::PinNeeded, error.to_string()),
            SessionError::UnknownSigner => Self::new(ErrorCode::NotSignedIn, error.to_string()),
        }
    }
}

impl From<SigningError> for AppError {
    fn from(error: SigningError) -> Self {
        let code = match error {
            SigningError::Credential(error) => return error.into(),
            SigningError::Remote(RemoteError::Forbidden { code, message }) => {
                let code = match code {
                    ApiErrorCode::WrongPin => ErrorCode::WrongPin,
                    ApiErrorCode::SigningLocked => ErrorCode::SigningLocked,
                    _ => ErrorCode::NotAllowed,
                };
                return Self::new(code, message);
            }
            SigningError::Remote(RemoteError::Server {
                code: ApiErrorCode::WeakPin,
                message,
                ..
            }) => return Self::new(ErrorCode::WeakPin, message),
            SigningError::Remote(error) => return error.into(),
            SigningError::WrongPin { .. } => ErrorCode::WrongPin,
            SigningError::Locked => ErrorCode::SigningLocked,
            // A first signature registers the key: it needs the queue.
            SigningError::NoKey => ErrorCode::ServerUnreachable,
            SigningError::Damaged(_) => ErrorCode::Internal,
        };
        Self::new(code, error.to_string())
    }
}

impl From<AdminError> for AppError {
    fn from(error: AdminError) -> Self {
        let code = match error {
            AdminError::Remote(remote) => return remote.into(),
            AdminError::LastAdmin(_) => ErrorCode::LastAdmin,
            AdminError::BadInput(_) => ErrorCode::InvalidInput,
            AdminError::UnknownUser(_) => ErrorCode::NotFound,
            AdminError::NotAdmin(_) => ErrorCode::NotAllowed,
        };
        Self::new(code, error.to_string())
    }
}

impl From<StatsError> for AppError {
    fn from(error: StatsError) -> Self {
        let code = match error {
            StatsError::Remote(remote) => return remote.into(),
            StatsError::NotAllowed(_) => ErrorCode::NotAllowed,
            StatsError::NotSignedIn => ErrorCode::NotSignedIn,
        };
        Self::new(code, error.to_string())
    }
}

impl From<ShiftError> for AppError {
    fn from(error: ShiftError) -> Self {
        match error {
            ShiftError::Store(error) => error.into(),
            ShiftError::EmptyNote | ShiftError::NoteTooLong => {
                Self::new(ErrorCode::InvalidInput, error.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_domain::ItemId;

    #[test]
    fn serialises_to_code_and_message() {
        let error = AppError::from(StoreError::NotHeld(ItemId::new_v7()));
        let json = serde_json::to_value(&error).expect("serialises");
        assert_eq!(json["code"], "not_found");
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    #[test]
    fn a_rejected_token_is_a_bad_credential() {
        assert_eq!(
            AppError::from(RemoteError::Unauthorized).code,
            ErrorCode::BadCredential
        );
    }
}

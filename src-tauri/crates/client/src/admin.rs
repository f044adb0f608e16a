//! What the admin view reads and changes: users (role, teams, disabled), token rotation and the
//! queue's health per team and stage (docs/protocol.md, "Endpoints" and "Teams, deadlines and
//! hand-off"). Nothing here is stored: every call asks the server, and an issued token goes
//! straight back to the caller, never to a file or a log.

use countersign_domain::{ApiErrorCode, IssuedToken, QueueHealth, Role, TokenRequest, UserSummary};
use serde::{Deserialize, Serialize};

use crate::remote::{QueueClient, RemoteError};

/// The body of `PATCH /v1/users/{name}`: any of the fields; those left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub role: Option<Role>,
    /// Replaces the user's teams; every one must exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub teams: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub disabled: Option<bool>,
}

/// Why an admin call did not happen; the server changed nothing in each case.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// 409 `last_admin`: the change would leave no enabled admin.
    #[error("{0}")]
    LastAdmin(String),
    /// 422: an unknown team, a malformed `expires_in` (`invalid_duration`), any input the server refused.
    #[error("{0}")]
    BadInput(String),
    /// 404: no such user.
    #[error("{0}")]
    UnknownUser(String),
    /// 403: the signed-in user is not an admin.
    #[error("only an admin may do this: {0}")]
    NotAdmin(String),
    #[error(transparent)]
    Remote(RemoteError),
}

impl From<RemoteError> for AdminError {
    fn from(error: RemoteError) -> Self {
        match error {
            RemoteError::Server {
                code: ApiErrorCode::LastAdmin,
                message,
                ..
            } => AdminError::LastAdmin(message),
            RemoteError::Server {
                status: 422,
                message,
                ..
            } => AdminError::BadInput(message),
            RemoteError::Server {
                status: 404,
                message,
                ..
            } => AdminError::UnknownUser(message),
            RemoteError::Forbidden { message, .. } => AdminError::NotAdmin(message),
            other => AdminError::Remote(other),
        }
    }
}

/// Users and the teams they may be put in, as the admin view lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Directory {
    pub users: Vec<UserSummary>,
    pub teams: Vec<String>,
}

pub async fn directory(remote: &QueueClient) -> Result<Directory, AdminError> {
    let (users, teams) = tokio::try_join!(remote.users(), remote.teams())?;
    Ok(Directory { users, teams })
}

/// Changes one user; disabling gives their items back to the queue at once (server side).
pub async fn change_user(
    remote: &QueueClient,
    name: &str,
    change: &UserChange,
) -> Result<UserSummary, AdminError> {
    Ok(remote.change_user(name, change).await?)
}

/// A new token for `name`, to be shown once; their older tokens stop working.
pub async fn rotate_token(
    remote: &QueueClient,
    name: &str,
    request: &TokenRequest,
) -> Result<IssuedToken, AdminError> {
    Ok(remote.rotate_token(name, request).await?)
}

pub async fn queue_health(remote: &QueueClient) -> Result<QueueHealth, AdminError> {
    Ok(remote.queue_health().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_table() {
        let server = |status, code| RemoteError::Server {
            status,
            code,
            message: "m".to_owned(),
        };
        let cases = [
            (server(409, ApiErrorCode::LastAdmin), "LastAdmin"),
            (server(422, ApiErrorCode::UnknownTeam), "BadInput"),
            (server(422, ApiErrorCode::InvalidDuration), "BadInput"),
            (server(404, ApiErrorCode::NotFound), "UnknownUser"),
            (
                RemoteError::Forbidden {
                    code: ApiErrorCode::Forbidden,
                    message: "m".to_owned(),
                },
                "NotAdmin",
            ),
            (server(503, ApiErrorCode::Internal), "Remote"),
            (RemoteError::Unauthorized, "Remote"),
        ];
        for (remote, expected) in cases {
            let error = AdminError::from(remote);
            let variant = format!("{error:?}");
            assert!(variant.starts_with(expected), "{variant} is not {expected}");
        }
    }

    #[test]
    fn a_change_sends_only_what_it_changes() {
        let change = UserChange {
            disabled: Some(true),
            ..UserChange::default()
        };
        assert_eq!(
            serde_json::to_value(&change).expect("serialises"),
            serde_json::json!({"disabled": true})
        );
    }
}

//! What the admin view reads and changes beyond `GET/PATCH /v1/users`: token rotation and the
//! queue's health per team and stage. docs/protocol.md ("Admin") is the contract.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Stage;

/// `POST /v1/users/{name}/token`: a new token for the user; every older token of theirs stops
/// working at once. The token is shown this once and never stored in clear on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IssuedToken {
    pub name: String,
    pub token: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The optional body of `POST /v1/users/{name}/token`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// A duration such as `90d`; none: the token does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expires_in: Option<String>,
}

/// `GET /v1/queue/health` (admins): one row per team and stage that has undecided items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueHealth {
    pub rows: Vec<QueueHealthRow>,
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueHealthRow {
    /// Null: items whose rule names no team (offered to everyone).
    pub team: Option<String>,
    pub stage: Stage,
    /// Undecided items in this team and stage, held or waiting.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub depth: i64,
    /// Of those, how many a reviewer holds now.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub held: i64,
    /// The oldest one's submission time.
    pub oldest_created_at: Option<DateTime<Utc>>,
    /// Of those, how many are past `due_at`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub past_due: i64,
}

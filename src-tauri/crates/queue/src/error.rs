//! Errors: [`StoreError`] from the storage layer, [`ApiError`] as every HTTP error leaves the
//! service (`{"error": {"code", "message"}}`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use countersign_domain::{ApiErrorCode, ErrorBody, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "unsupported database URL {0:?}: use sqlite://PATH (e.g. sqlite://countersign-queue.db) or postgres://USER:PASSWORD@HOST/DB"
    )]
    BadUrl(String),
    #[error(
        "cannot open the database at {url}: {source}. Check that it exists or can be created, and that the server is running"
    )]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn connect(url: &str, source: sqlx::Error) -> Self {
        StoreError::Connect {
            url: url.to_owned(),
            source,
        }
    }

    pub fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        StoreError::Corrupt(format!("JSON column does not parse: {error}"))
    }
}

/// An HTTP error with a stable code.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ApiErrorCode,
    pub message: String,
    /// Where in the request the problem is (`ErrorDetail.path`).
    pub path: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ApiErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            path: None,
        }
    }

    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ApiErrorCode::Unauthorized,
            message,
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ApiErrorCode::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ApiErrorCode::NotFound, message)
    }

    pub fn validation(code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn bad_request(code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn conflict(code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "storage failure");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ApiErrorCode::StorageUnavailable,
            "The queue's database failed to answer; nothing was changed. Try again shortly.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                path: self.path,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

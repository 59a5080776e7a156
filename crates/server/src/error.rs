//! The one error type of every handler: a stable [`ErrorCode`] (which fixes the HTTP status)
//! and, for the log only, what went wrong inside. A client never sees internal detail.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chatenium_api::{ErrorBody, ErrorCode};

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    /// Logged, never sent.
    pub detail: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self {
            code: ErrorCode::Internal,
            detail: Some(detail.to_string()),
        }
    }

    pub fn bad_request(detail: impl std::fmt::Display) -> Self {
        Self {
            code: ErrorCode::BadRequest,
            detail: Some(detail.to_string()),
        }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self { code, detail: None }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        Self::internal(format!("database: {error}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> Self {
        Self::internal(format!("io: {error}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.code == ErrorCode::Internal {
            tracing::error!(detail = ?self.detail, "internal error");
        } else if let Some(detail) = &self.detail {
            tracing::debug!(code = %self.code, %detail, "request refused");
        }
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ErrorBody::from(self.code))).into_response()
    }
}

/// `Err(code)` unless `condition` holds: `ensure(is_member, ErrorCode::NotFound)?`.
pub fn ensure(condition: bool, code: ErrorCode) -> ApiResult<()> {
    if condition {
        Ok(())
    } else {
        Err(code.into())
    }
}

//! What can go wrong when the core talks to a server, in the terms the UI needs: the server
//! refused (with its stable code, which the UI translates), the network failed (retry later),
//! the reply broke the contract, or there is no valid session any more.

use chatenium_api::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("the server refused: {code} ({status})")]
    Api { status: u16, code: ErrorCode },
    #[error("the server could not be reached: {0}")]
    Network(String),
    #[error("the server's reply does not follow the contract: {0}")]
    Decode(String),
    #[error("signed out: the session ended or was revoked")]
    SignedOut,
    #[error("local storage failed: {0}")]
    Storage(String),
    #[error("cancelled")]
    Cancelled,
}

impl ClientError {
    /// The server's code, when the server answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Worth trying again later: the network, or the server failing rather than refusing.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Network(_) => true,
            ClientError::Api { status, code } => *status >= 500 || *code == ErrorCode::RateLimited,
            _ => false,
        }
    }

    /// The access token is no good (expired or unknown): refresh and retry.
    pub fn needs_refresh(&self) -> bool {
        matches!(
            self,
            ClientError::Api {
                code: ErrorCode::TokenExpired | ErrorCode::Unauthorized,
                ..
            }
        )
    }
}

impl From<rusqlite::Error> for ClientError {
    fn from(error: rusqlite::Error) -> Self {
        ClientError::Storage(error.to_string())
    }
}

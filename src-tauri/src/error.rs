//! What a failed command tells the UI: a kind, and for a server refusal its stable code, which
//! the UI translates (ui/src/i18n). Never a Rust error string to show as it is.

use chatenium_api::ErrorCode;
use chatenium_core::ClientError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CommandError {
    /// The server refused, with its code.
    Api { code: ErrorCode },
    /// The server could not be reached.
    Network,
    /// There is no session (signed out, or the server ended it).
    SignedOut,
    /// Something on this device failed (storage, a broken reply); `detail` is for logs.
    Local { detail: String },
}

impl From<ClientError> for CommandError {
    fn from(error: ClientError) -> Self {
        // The log is where `detail` and the rest go (logs.rs); a `ClientError` names no secret.
        tracing::debug!(%error, "a command failed");
        match error {
            ClientError::Api { code, .. } => CommandError::Api { code },
            ClientError::Network(_) => CommandError::Network,
            ClientError::SignedOut => CommandError::SignedOut,
            other => CommandError::Local {
                detail: other.to_string(),
            },
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

//! What subsystems report and `CoreEvent` carries: an upload's and a
//! transfer's progress and state. Here, below both the events and the subsystems, so that
//! either imports them without importing the other.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum UploadState {
    Running,
    Done,
    Failed,
    Cancelled,
}

/// One upload's progress, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadProgress {
    /// The local id of the upload (also the key of a resumable one).
    pub id: String,
    pub name: String,
    pub sent: u64,
    pub total: u64,
    pub state: UploadState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TransferDirection {
    Outgoing,
    Incoming,
}

/// A transfer's state, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "state",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum TransferState {
    /// Incoming: a contact offers a file; accept or decline it.
    Offered {
        from_name: String,
        expires_at: i64,
    },
    /// Outgoing: waiting for the receiver to accept.
    Waiting,
    /// Setting up the WebRTC connection.
    Connecting,
    Transferring {
        progress: TransferProgress,
    },
    /// The connection dropped at `offset` verified bytes; connecting again to resume there.
    Reconnecting {
        offset: u64,
    },
    /// The receiver checks the file's SHA-256.
    Verifying,
    /// Done and verified. For the receiver, `path` is where the file was saved.
    Completed {
        path: Option<String>,
        sha256: String,
    },
    /// Incoming: accepted on another of this user's devices.
    AcceptedElsewhere,
    Declined,
    /// Called off; `by_peer` when the other party did it.
    Cancelled {
        by_peer: bool,
    },
    /// Nobody accepted in time.
    Expired,
    Failed {
        reason: String,
    },
}

impl TransferState {
    /// Nothing more will happen to the transfer.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TransferState::Completed { .. }
                | TransferState::AcceptedElsewhere
                | TransferState::Declined
                | TransferState::Cancelled { .. }
                | TransferState::Expired
                | TransferState::Failed { .. }
        )
    }
}

/// One change of one transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferUpdate {
    pub transfer_id: String,
    pub direction: TransferDirection,
    /// The other party's userid.
    pub peer: String,
    /// The name the sender gave the file (not yet sanitized: the UI escapes what it shows).
    pub name: String,
    pub size: u64,
    #[serde(flatten)]
    pub state: TransferState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferProgress {
    /// Bytes the receiver has written and hashed.
    pub bytes: u64,
    pub total: u64,
    pub bytes_per_sec: u64,
    /// `None` until there is a rate to go by.
    pub secs_left: Option<u64>,
}

//! A peer-to-peer transfer as the window sees it: the core's `TransferUpdate`, flattened into
//! one record per transfer so the UI can keep a map by id and redraw one card per event.

use chatenium_core::transfer::{TransferDirection, TransferState, TransferUpdate};
use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TransferSide {
    Outgoing,
    Incoming,
}

/// Where a transfer stands. `offered` waits for this user's answer; the last six are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TransferPhase {
    Offered,
    Waiting,
    Connecting,
    Transferring,
    Reconnecting,
    Verifying,
    Completed,
    AcceptedElsewhere,
    Declined,
    Cancelled,
    Expired,
    Failed,
}

impl TransferPhase {
    /// Nothing more will happen to the transfer.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TransferPhase::Completed
                | TransferPhase::AcceptedElsewhere
                | TransferPhase::Declined
                | TransferPhase::Cancelled
                | TransferPhase::Expired
                | TransferPhase::Failed
        )
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TransferEntry {
    pub transfer_id: String,
    pub side: TransferSide,
    /// The other party's userid.
    pub peer: String,
    /// The sender's display name, known on an incoming offer.
    pub peer_name: Option<String>,
    /// The file's name as the sender gave it (shown as text, never as markup).
    pub name: String,
    #[specta(type = f64)]
    pub size: u64,
    pub phase: TransferPhase,
    /// Verified bytes so far.
    #[specta(type = f64)]
    pub bytes: u64,
    #[specta(type = f64)]
    pub bytes_per_sec: u64,
    #[specta(type = Option<f64>)]
    pub secs_left: Option<u64>,
    /// Unix milliseconds after which an unanswered offer lapses.
    #[specta(type = Option<f64>)]
    pub expires_at: Option<i64>,
    /// Where a received file was saved.
    pub saved_path: Option<String>,
    /// Why it failed (the core's words; the UI adds its own sentence).
    pub failure: Option<String>,
    /// A cancel that came from the other party.
    pub by_peer: bool,
}

impl From<TransferUpdate> for TransferEntry {
    fn from(update: TransferUpdate) -> Self {
        let mut entry = TransferEntry {
            transfer_id: update.transfer_id,
            side: match update.direction {
                TransferDirection::Outgoing => TransferSide::Outgoing,
                TransferDirection::Incoming => TransferSide::Incoming,
            },
            peer: update.peer,
            peer_name: None,
            name: update.name,
            size: update.size,
            phase: TransferPhase::Waiting,
            bytes: 0,
            bytes_per_sec: 0,
            secs_left: None,
            expires_at: None,
            saved_path: None,
            failure: None,
            by_peer: false,
        };
        entry.phase = match update.state {
            TransferState::Offered {
                from_name,
                expires_at,
            } => {
                entry.peer_name = Some(from_name);
                entry.expires_at = Some(expires_at);
                TransferPhase::Offered
            }
            TransferState::Waiting => TransferPhase::Waiting,
            TransferState::Connecting => TransferPhase::Connecting,
            TransferState::Transferring { progress } => {
                entry.bytes = progress.bytes;
                entry.bytes_per_sec = progress.bytes_per_sec;
                entry.secs_left = progress.secs_left;
                TransferPhase::Transferring
            }
            TransferState::Reconnecting { offset } => {
                entry.bytes = offset;
                TransferPhase::Reconnecting
            }
            TransferState::Verifying => {
                entry.bytes = entry.size;
                TransferPhase::Verifying
            }
            TransferState::Completed { path, .. } => {
                entry.bytes = entry.size;
                entry.saved_path = path;
                TransferPhase::Completed
            }
            TransferState::AcceptedElsewhere => TransferPhase::AcceptedElsewhere,
            TransferState::Declined => TransferPhase::Declined,
            TransferState::Cancelled { by_peer } => {
                entry.by_peer = by_peer;
                TransferPhase::Cancelled
            }
            TransferState::Expired => TransferPhase::Expired,
            TransferState::Failed { reason } => {
                entry.failure = Some(reason);
                TransferPhase::Failed
            }
        };
        entry
    }
}

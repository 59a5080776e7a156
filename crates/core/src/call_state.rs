//! Where a 1:1 call stands, as the UI shows it and [`CoreEvent::Call`](crate::CoreEvent::Call)
//! reports it. Here, below both the events and `calls`, so that either imports it without
//! importing the other.
//!
//! ```text
//!  start_call ─> OutgoingRinging ──callAnswered──> Connecting ──media up──> Active
//!  incomingCall ─> IncomingRinging ──accept──────> Connecting                  │
//!        every state ──hang up, decline, busy, missed, cancelled, failure──> Ended{reason}
//! ```

use serde::Serialize;

/// Why a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CallEndReason {
    /// Either party hung up an answered call.
    HungUp,
    /// The callee declined.
    Declined,
    /// Nobody answered within the server's ring timeout.
    Missed,
    /// The callee was in another call.
    Busy,
    /// The connection could not be made or broke down.
    Failed,
    /// The caller hung up before anyone answered.
    Cancelled,
    /// The callee answered on another of their devices: this one stops ringing.
    AnsweredElsewhere,
}

impl CallEndReason {
    /// The core's reason for the server's.
    pub fn from_server(reason: chatenium_api::schemas::call::CallEndReason) -> CallEndReason {
        use chatenium_api::schemas::call::CallEndReason as Server;
        match reason {
            Server::Missed => CallEndReason::Missed,
            Server::Declined => CallEndReason::Declined,
            Server::Busy => CallEndReason::Busy,
            Server::Cancelled => CallEndReason::Cancelled,
            Server::HungUp => CallEndReason::HungUp,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(
    tag = "phase",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CallPhase {
    /// We rang the partner; waiting for an answer.
    OutgoingRinging,
    /// The partner rings us: accept or decline.
    IncomingRinging,
    /// Answered; the peer-to-peer connection is being made.
    Connecting,
    /// Media flows both ways.
    Active,
    /// Over; the call is forgotten after this event.
    Ended { reason: CallEndReason },
}

/// One call's state, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallUpdate {
    /// The direct chat the call belongs to.
    pub chatid: String,
    /// The partner's userid.
    pub peer: String,
    /// Whether we started it.
    pub outgoing: bool,
    /// Whether we send video (the camera is on).
    pub camera_on: bool,
    pub muted: bool,
    #[serde(flatten)]
    pub phase: CallPhase,
}

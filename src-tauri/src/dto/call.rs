//! A call as the window sees it: the core's `CallUpdate` (where the call stands), the
//! connection's quality, and the devices the pickers offer; and the two call events
//! (re-exported by `events`).

use chatenium_core::calls::{
    AudioDevice, AvailableDevices, CallEndReason, CallPhase, CallUpdate, ConnectionQuality,
    DeviceChoice,
};
use serde::{Deserialize, Serialize};
use tauri_specta::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum CallEnd {
    HungUp,
    Declined,
    Missed,
    Busy,
    Failed,
    Cancelled,
    AnsweredElsewhere,
}

impl From<CallEndReason> for CallEnd {
    fn from(reason: CallEndReason) -> Self {
        match reason {
            CallEndReason::HungUp => CallEnd::HungUp,
            CallEndReason::Declined => CallEnd::Declined,
            CallEndReason::Missed => CallEnd::Missed,
            CallEndReason::Busy => CallEnd::Busy,
            CallEndReason::Failed => CallEnd::Failed,
            CallEndReason::Cancelled => CallEnd::Cancelled,
            CallEndReason::AnsweredElsewhere => CallEnd::AnsweredElsewhere,
        }
    }
}

/// Where a call stands; `ended` carries its reason and is the call's last state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum CallStage {
    OutgoingRinging,
    IncomingRinging,
    Connecting,
    Active,
    Ended,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallInfo {
    /// The direct chat the call belongs to.
    pub chatid: String,
    /// The partner's userid.
    pub peer: String,
    pub outgoing: bool,
    pub camera_on: bool,
    pub muted: bool,
    pub stage: CallStage,
    /// Why it ended, once `stage` is `ended`.
    pub end_reason: Option<CallEnd>,
}

impl From<CallUpdate> for CallInfo {
    fn from(call: CallUpdate) -> Self {
        let (stage, end_reason) = match call.phase {
            CallPhase::OutgoingRinging => (CallStage::OutgoingRinging, None),
            CallPhase::IncomingRinging => (CallStage::IncomingRinging, None),
            CallPhase::Connecting => (CallStage::Connecting, None),
            CallPhase::Active => (CallStage::Active, None),
            CallPhase::Ended { reason } => (CallStage::Ended, Some(reason.into())),
        };
        CallInfo {
            chatid: call.chatid,
            peer: call.peer,
            outgoing: call.outgoing,
            camera_on: call.camera_on,
            muted: call.muted,
            stage,
            end_reason,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum CallQuality {
    Good,
    Fair,
    Poor,
}

impl From<ConnectionQuality> for CallQuality {
    fn from(quality: ConnectionQuality) -> Self {
        match quality {
            ConnectionQuality::Good => CallQuality::Good,
            ConnectionQuality::Fair => CallQuality::Fair,
            ConnectionQuality::Poor => CallQuality::Poor,
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallAudioDevice {
    pub name: String,
    pub is_default: bool,
}

impl From<AudioDevice> for CallAudioDevice {
    fn from(device: AudioDevice) -> Self {
        CallAudioDevice {
            name: device.name,
            is_default: device.is_default,
        }
    }
}

/// The devices picked (by name; `null`: the system's default).
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallDeviceChoice {
    pub microphone: Option<String>,
    pub speaker: Option<String>,
    pub camera: Option<String>,
}

impl From<CallDeviceChoice> for DeviceChoice {
    fn from(choice: CallDeviceChoice) -> Self {
        DeviceChoice {
            microphone: choice.microphone,
            speaker: choice.speaker,
            camera: choice.camera,
        }
    }
}

/// What the device pickers offer, and what is picked now.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallDevices {
    pub microphones: Vec<CallAudioDevice>,
    pub speakers: Vec<CallAudioDevice>,
    /// Empty: a video call sends a test pattern instead.
    pub cameras: Vec<String>,
    /// Whether echo cancellation runs; if not, headphones are advised.
    pub echo_cancellation: bool,
    pub choice: CallDeviceChoice,
}

impl CallDevices {
    pub fn new(available: AvailableDevices, choice: CallDeviceChoice) -> Self {
        CallDevices {
            microphones: available.microphones.into_iter().map(Into::into).collect(),
            speakers: available.speakers.into_iter().map(Into::into).collect(),
            cameras: available.cameras,
            echo_cancellation: available.echo_cancellation,
            choice,
        }
    }
}

/// A call changed (rang, answered, connected, muted, ended); `ended` is its last change.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct CallChanged {
    pub call: CallInfo,
}

/// The running call's connection quality, every few seconds while it is active.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct CallQualityChanged {
    pub quality: CallQuality,
    /// Whether echo cancellation runs in this call; if not, headphones are advised.
    pub echo_cancellation: bool,
}

//! What a user does with calls: ring a direct-chat partner (with or without video), answer,
//! decline, hang up, mute, camera on and off. The state machine is
//! `crate::calls::manager`; every change arrives as a [`crate::CoreEvent::Call`].

use std::sync::Arc;

use crate::calls::{
    CallDevices, CallError, CallSettings, CallUpdate, DeviceChoice, TransportStats,
};
use crate::Client;

impl Client {
    /// Where calls' media comes from and goes to, from the next call on (the machine's
    /// microphone, speaker and camera unless set).
    pub fn set_call_devices(&self, devices: Arc<dyn CallDevices>) {
        self.calls.set_devices(devices);
    }

    /// How calls connect and process sound, from the next call on.
    pub fn set_call_settings(&self, settings: CallSettings) {
        self.calls.set_settings(settings);
    }

    /// The call now, if there is one.
    pub fn current_call(&self) -> Option<CallUpdate> {
        self.calls.snapshot()
    }

    /// Rings the partner of the direct chat `chatid`; `video`: with our camera on. Fails with
    /// [`CallError::Busy`] while another call is on.
    pub async fn start_call(&self, chatid: &str, video: bool) -> Result<(), CallError> {
        self.calls.start(chatid, video).await
    }

    /// Answers the call ringing on this device; the callee's other devices stop ringing.
    pub async fn accept_call(&self, video: bool) -> Result<(), CallError> {
        self.calls.accept(video).await
    }

    pub async fn decline_call(&self) -> Result<(), CallError> {
        self.calls.decline().await
    }

    /// Ends the call in any phase (cancels a ring we started, declines one we got).
    pub async fn hang_up(&self) -> Result<(), CallError> {
        self.calls.hang_up().await
    }

    pub fn set_call_muted(&self, muted: bool) -> Result<(), CallError> {
        self.calls.set_muted(muted)
    }

    pub fn set_call_camera(&self, on: bool) -> Result<(), CallError> {
        self.calls.set_camera(on)
    }

    /// Other microphone, speaker or camera: mid-call they switch at once, else from the next
    /// call on.
    pub fn switch_call_devices(&self, choice: DeviceChoice) -> Result<(), CallError> {
        self.calls.switch_devices(choice)
    }

    /// Keyframes both ways, for a window that starts decoding the call's video mid-stream.
    pub async fn request_call_keyframes(&self) {
        self.calls.request_keyframes().await
    }

    /// The running call's transport counters and whether echo cancellation runs; `None`
    /// until the call's media is up.
    pub fn call_media_status(&self) -> Option<(TransportStats, bool)> {
        self.calls.media_status()
    }
}

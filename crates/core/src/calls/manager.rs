//! The call state machine ([`CallHub`]): one call at a time per client, rung through the
//! server's *Invite partner*, answered, declined and hung up through the call-signaling rows,
//! its WebRTC negotiation relayed by the server ([`ServerSignaling`]), and its media run by
//! [`CallMedia`] over a [`PeerTransport`]. Every change leaves the core as a
//! [`CoreEvent::Call`]; an ended call is reported once and forgotten.
//!
//! Who ends a call tells the server (hang up, decline); the other side learns it from
//! `callEnded` and its reason. A ring that nobody answers is ended by the server (`missed`).
//! While a call is on, every other ring is answered busy. A device of the callee that did not
//! answer hears `callAnswered` and stops ringing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chatenium_api::schemas::call::{
    CallAccessQuery, CallRef, DeclineCallReq, InvitePartnerReq, RTCConfiguration,
};
use chatenium_api::ws::{CallEnd, CallSignalEvent, IncomingCall, ServerEvent};
use chatenium_api::{AnswerCall, DeclineCall, GetCallAccess, HangUpCall, InvitePartner};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::audio::AudioSwitches;
use super::call_devices::{CallDevices, DeviceChoice, KeepAlive, SystemDevices};
use super::engine::{CallMedia, MediaState};
use super::error::MediaError;
use super::peer::{PeerRole, PeerSettings, PeerTransport};
use super::signaling::{from_wire, ServerSignaling};
use super::transport::{MediaTransport, SignalMessage, TransportStats};
use crate::call_state::{CallEndReason, CallPhase, CallUpdate};
use crate::context::Context;
use crate::error::ClientError;
use crate::events::CoreEvent;

/// What a call action can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("already in a call")]
    Busy,
    #[error("no call to do that to")]
    NoCall,
    #[error("no direct chat {0} in the chat list")]
    UnknownChat(String),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Media(#[from] MediaError),
}

/// How calls connect and process sound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSettings {
    /// Local UDP addresses to bind (`0.0.0.0:0`: every interface; `127.0.0.1:0`: loopback).
    pub udp_addrs: Vec<String>,
    pub noise_suppression: bool,
    pub echo_cancellation: bool,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            udp_addrs: vec!["0.0.0.0:0".into()],
            noise_suppression: true,
            echo_cancellation: true,
        }
    }
}

/// The call of this client, if any.
struct Call {
    /// Tells this call from a later one, for tasks that outlive it.
    id: u64,
    chatid: String,
    peer: String,
    outgoing: bool,
    phase: CallPhase,
    camera_on: bool,
    muted: bool,
    /// ICE servers, from *Get access* (caller) or *Answer call* (callee).
    rtc: Option<RTCConfiguration>,
    /// Relayed signaling for the transport. Made with the call, so that what arrives before
    /// the transport is built waits in the channel.
    signals: mpsc::UnboundedSender<SignalMessage>,
    signals_rx: Option<mpsc::UnboundedReceiver<SignalMessage>>,
    media: Option<RunningMedia>,
    task: Option<JoinHandle<()>>,
}

impl Call {
    fn update(&self) -> CoreEvent {
        CoreEvent::Call {
            call: CallUpdate {
                chatid: self.chatid.clone(),
                peer: self.peer.clone(),
                outgoing: self.outgoing,
                camera_on: self.camera_on,
                muted: self.muted,
                phase: self.phase,
            },
        }
    }
}

struct RunningMedia {
    media: CallMedia,
    transport: Arc<PeerTransport>,
    /// The open microphone, replaced when the user picks another.
    microphone: Option<KeepAlive>,
    /// The open outputs (speaker), closed when the call ends.
    _outputs: Option<KeepAlive>,
}

/// The calls of one client: at most one at a time.
pub(crate) struct CallHub {
    context: Arc<Context>,
    devices: Mutex<Arc<dyn CallDevices>>,
    settings: Mutex<CallSettings>,
    current: Mutex<Option<Call>>,
    next_id: AtomicU64,
}

impl CallHub {
    pub fn new(context: Arc<Context>) -> CallHub {
        CallHub {
            context,
            devices: Mutex::new(Arc::new(SystemDevices::default())),
            settings: Mutex::new(CallSettings::default()),
            current: Mutex::new(None),
            next_id: AtomicU64::new(1),
        }
    }

    /// Held only for state changes: never across an `.await`.
    fn current(&self) -> MutexGuard<'_, Option<Call>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_devices(&self, devices: Arc<dyn CallDevices>) {
        *self.devices.lock().unwrap_or_else(|p| p.into_inner()) = devices;
    }

    fn devices(&self) -> Arc<dyn CallDevices> {
        Arc::clone(&self.devices.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn set_settings(&self, settings: CallSettings) {
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    fn settings(&self) -> CallSettings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The call now, as the UI shows it.
    pub fn snapshot(&self) -> Option<CallUpdate> {
        self.current()
            .as_ref()
            .and_then(|call| match call.update() {
                CoreEvent::Call { call } => Some(call),
                _ => None,
            })
    }

    fn new_call(&self, chatid: &str, peer: &str, outgoing: bool, phase: CallPhase) -> Call {
        let (signals, signals_rx) = mpsc::unbounded_channel();
        Call {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            chatid: chatid.to_owned(),
            peer: peer.to_owned(),
            outgoing,
            phase,
            camera_on: false,
            muted: false,
            rtc: None,
            signals,
            signals_rx: Some(signals_rx),
            media: None,
            task: None,
        }
    }

    // ---- What the user does ----

    /// Rings the partner of the direct chat `chatid`, with our camera on or off.
    pub async fn start(self: &Arc<Self>, chatid: &str, video: bool) -> Result<(), CallError> {
        let contacts = self.context.store.run(|s| s.contacts()).await?;
        let peer = contacts
            .iter()
            .find(|contact| contact.chatid == chatid)
            .map(|contact| contact.user.userid.clone())
            .ok_or_else(|| CallError::UnknownChat(chatid.to_owned()))?;
        let id = {
            let mut current = self.current();
            if current.is_some() {
                return Err(CallError::Busy);
            }
            let mut call = self.new_call(chatid, &peer, true, CallPhase::OutgoingRinging);
            call.camera_on = video;
            let id = call.id;
            self.context.emit(call.update());
            *current = Some(call);
            id
        };
        let session = &self.context.session;
        let query = CallAccessQuery {
            chatid: chatid.to_owned(),
        };
        let access = match session.call::<GetCallAccess>(&query, &()).await {
            Ok(access) => access,
            Err(error) => {
                self.end(id, CallEndReason::Failed);
                return Err(error.into());
            }
        };
        if let Some(call) = self.current().as_mut().filter(|call| call.id == id) {
            call.rtc = Some(access.rtc);
        }
        let invite = InvitePartnerReq {
            chatid: chatid.to_owned(),
        };
        if let Err(error) = session.call::<InvitePartner>(&(), &invite).await {
            self.end(id, CallEndReason::Failed);
            return Err(error.into());
        }
        Ok(())
    }

    /// Answers the ringing call on this device, with our camera on or off.
    pub async fn accept(self: &Arc<Self>, video: bool) -> Result<(), CallError> {
        let (id, chatid) = {
            let mut current = self.current();
            let call = current
                .as_mut()
                .filter(|call| call.phase == CallPhase::IncomingRinging)
                .ok_or(CallError::NoCall)?;
            call.camera_on = video;
            (call.id, call.chatid.clone())
        };
        let body = CallRef { chatid };
        let rtc = match self.context.session.call::<AnswerCall>(&(), &body).await {
            Ok(rtc) => rtc,
            Err(error) => {
                // Answered on another device or ended meanwhile: its event says which; if
                // it has not come, the call could not be answered.
                self.end(id, CallEndReason::Failed);
                return Err(error.into());
            }
        };
        let mut current = self.current();
        let Some(call) = current
            .as_mut()
            .filter(|call| call.id == id && call.phase == CallPhase::IncomingRinging)
        else {
            return Err(CallError::NoCall);
        };
        call.rtc = Some(rtc);
        self.connect(call, PeerRole::Answerer);
        Ok(())
    }

    /// Declines the ringing call.
    pub async fn decline(&self) -> Result<(), CallError> {
        let (id, chatid) = {
            let current = self.current();
            let call = current
                .as_ref()
                .filter(|call| call.phase == CallPhase::IncomingRinging)
                .ok_or(CallError::NoCall)?;
            (call.id, call.chatid.clone())
        };
        self.end(id, CallEndReason::Declined);
        let body = DeclineCallReq {
            chatid,
            busy: false,
        };
        self.context.session.call::<DeclineCall>(&(), &body).await?;
        Ok(())
    }

    /// Ends the call, whatever its phase: cancels an outgoing ring, declines an incoming one,
    /// hangs up a connected call.
    pub async fn hang_up(&self) -> Result<(), CallError> {
        let (id, chatid, phase) = {
            let current = self.current();
            let call = current.as_ref().ok_or(CallError::NoCall)?;
            (call.id, call.chatid.clone(), call.phase)
        };
        if phase == CallPhase::IncomingRinging {
            return self.decline().await;
        }
        let reason = if phase == CallPhase::OutgoingRinging {
            CallEndReason::Cancelled
        } else {
            CallEndReason::HungUp
        };
        self.end(id, reason);
        self.context
            .session
            .call::<HangUpCall>(&(), &CallRef { chatid })
            .await?;
        Ok(())
    }

    pub fn set_muted(&self, muted: bool) -> Result<(), CallError> {
        let mut current = self.current();
        let call = current.as_mut().ok_or(CallError::NoCall)?;
        call.muted = muted;
        if let Some(running) = &call.media {
            running.media.switches().set_muted(muted);
        }
        self.context.emit(call.update());
        Ok(())
    }

    /// Turns our camera on or off mid-call (or, before the media starts, decides whether it
    /// starts with video).
    pub fn set_camera(&self, on: bool) -> Result<(), CallError> {
        let id = self
            .current()
            .as_ref()
            .map(|call| call.id)
            .ok_or(CallError::NoCall)?;
        // Opening a camera blocks; not under the lock.
        let source = if on {
            Some(self.devices().video_input()?)
        } else {
            None
        };
        let mut current = self.current();
        let call = current
            .as_mut()
            .filter(|call| call.id == id)
            .ok_or(CallError::NoCall)?;
        call.camera_on = on;
        if let Some(running) = &call.media {
            running.media.replace_video_source(source);
        }
        self.context.emit(call.update());
        Ok(())
    }

    /// Other devices, mid-call or for the next call: the microphone (and the camera, if on)
    /// are reopened at once, the speaker switches.
    pub fn switch_devices(&self, choice: DeviceChoice) -> Result<(), CallError> {
        let devices = self.devices();
        devices.choose(choice)?;
        let (id, camera_on) = match self.current().as_ref() {
            Some(call) if call.media.is_some() => (call.id, call.camera_on),
            _ => return Ok(()),
        };
        // Opening devices blocks; not under the lock.
        let audio = devices.audio_input()?;
        let video = if camera_on {
            Some(devices.video_input()?)
        } else {
            None
        };
        let mut current = self.current();
        let Some(running) = current
            .as_mut()
            .filter(|call| call.id == id)
            .and_then(|call| call.media.as_mut())
        else {
            return Ok(());
        };
        running.media.replace_audio_input(audio.frames);
        running.microphone = audio.keep;
        if camera_on {
            running.media.replace_video_source(video);
        }
        Ok(())
    }

    /// Keyframes both ways (a window starts showing the video).
    pub async fn request_keyframes(&self) {
        let transport = match self.current().as_ref().and_then(|call| call.media.as_ref()) {
            Some(running) => {
                running.media.request_keyframes_here();
                Arc::clone(&running.transport)
            }
            None => return,
        };
        if let Err(error) = transport.request_keyframe().await {
            tracing::debug!(%error, "no keyframe asked of the peer");
        }
    }

    /// The running call's counters and whether it cancels echo; `None` before media runs.
    pub fn media_status(&self) -> Option<(TransportStats, bool)> {
        self.current()
            .as_ref()
            .and_then(|call| call.media.as_ref())
            .map(|running| {
                (
                    running.transport.stats(),
                    running.media.echo_cancellation_available(),
                )
            })
    }

    // ---- What the server tells ----

    pub fn on_server_event(self: &Arc<Self>, event: ServerEvent) {
        match event {
            ServerEvent::IncomingCall(ring) => self.rung(ring),
            ServerEvent::CallAnswered(answered) => self.answered(&answered.chatid),
            ServerEvent::CallEnded(end) => self.ended(end),
            ServerEvent::CallSignal(signal) => self.signal(signal),
            _ => {}
        }
    }

    fn rung(&self, ring: IncomingCall) {
        let mut current = self.current();
        if current.is_some() {
            drop(current);
            // One call at a time: any other ring is answered busy.
            let context = Arc::clone(&self.context);
            tokio::spawn(async move {
                let body = DeclineCallReq {
                    chatid: ring.chatid,
                    busy: true,
                };
                if let Err(error) = context.session.call::<DeclineCall>(&(), &body).await {
                    tracing::debug!(%error, "a ring while busy was not declined");
                }
            });
            return;
        }
        let call = self.new_call(
            &ring.chatid,
            &ring.from.userid,
            false,
            CallPhase::IncomingRinging,
        );
        self.context.emit(call.update());
        *current = Some(call);
    }

    fn answered(self: &Arc<Self>, chatid: &str) {
        let mut current = self.current();
        let Some(call) = current.as_mut().filter(|call| call.chatid == chatid) else {
            return;
        };
        match call.phase {
            CallPhase::OutgoingRinging => self.connect(call, PeerRole::Offerer),
            CallPhase::IncomingRinging => {
                let id = call.id;
                drop(current);
                self.end(id, CallEndReason::AnsweredElsewhere);
            }
            _ => {}
        }
    }

    fn ended(&self, end: CallEnd) {
        let (id, phase) = match self.current().as_ref() {
            Some(call) if call.chatid == end.chatid => (call.id, call.phase),
            _ => return,
        };
        let reason = match end.reason {
            Some(reason) => CallEndReason::from_server(reason),
            // A server of the index alone says no more than that it ended.
            None if matches!(
                phase,
                CallPhase::OutgoingRinging | CallPhase::IncomingRinging
            ) =>
            {
                CallEndReason::Missed
            }
            None => CallEndReason::HungUp,
        };
        self.end(id, reason);
    }

    fn signal(&self, event: CallSignalEvent) {
        if let Some(call) = self
            .current()
            .as_ref()
            .filter(|call| call.chatid == event.chatid)
        {
            let _ = call.signals.send(from_wire(event.signal));
        }
    }

    // ---- Media ----

    /// Answered: makes the peer-to-peer connection and starts the media.
    fn connect(self: &Arc<Self>, call: &mut Call, role: PeerRole) {
        call.phase = CallPhase::Connecting;
        self.context.emit(call.update());
        let Some(signals) = call.signals_rx.take() else {
            return;
        };
        let settings = self.settings();
        let peer_settings = PeerSettings {
            rtc: call.rtc.clone().unwrap_or(RTCConfiguration {
                ice_servers: Vec::new(),
            }),
            udp_addrs: settings.udp_addrs.clone(),
        };
        let hub = Arc::clone(self);
        let (id, chatid, camera_on) = (call.id, call.chatid.clone(), call.camera_on);
        call.task = Some(tokio::spawn(async move {
            let signaling = ServerSignaling::new(Arc::clone(&hub.context), chatid.clone(), signals);
            let started = hub
                .start_media(&peer_settings, &settings, role, signaling, camera_on)
                .await;
            let (running, state) = match started {
                Ok(started) => started,
                Err(error) => {
                    tracing::warn!(%error, "the call's media did not start");
                    hub.fail(id, chatid).await;
                    return;
                }
            };
            if !hub.install(id, running) {
                return;
            }
            hub.follow(id, chatid, state).await;
        }));
    }

    async fn start_media(
        &self,
        peer_settings: &PeerSettings,
        settings: &CallSettings,
        role: PeerRole,
        signaling: ServerSignaling,
        camera_on: bool,
    ) -> Result<(RunningMedia, mpsc::Receiver<MediaState>), MediaError> {
        let devices = self.devices();
        let (transport, events) =
            PeerTransport::connect(peer_settings, role, Box::new(signaling)).await?;
        let audio = devices.audio_input()?;
        let video = if camera_on {
            match devices.video_input() {
                Ok(source) => Some(source),
                Err(error) => {
                    tracing::warn!(%error, "no camera: the call starts without video");
                    None
                }
            }
        } else {
            None
        };
        let switches = AudioSwitches::new(settings.noise_suppression, settings.echo_cancellation);
        let (media, outputs) = CallMedia::start(
            Arc::clone(&transport) as Arc<dyn MediaTransport>,
            events,
            audio.frames,
            video,
            switches,
        )?;
        media.set_video_taps(devices.video_taps());
        let outputs_kept = devices.output(outputs.audio, outputs.video)?;
        Ok((
            RunningMedia {
                media,
                transport,
                microphone: audio.keep,
                _outputs: outputs_kept,
            },
            outputs.state,
        ))
    }

    /// Hands the started media to the call; false (and the media closed) when the call ended
    /// meanwhile.
    fn install(&self, id: u64, running: RunningMedia) -> bool {
        let mut current = self.current();
        match current.as_mut().filter(|call| call.id == id) {
            Some(call) => {
                running.media.switches().set_muted(call.muted);
                if !call.camera_on {
                    running.media.replace_video_source(None);
                }
                call.media = Some(running);
                true
            }
            None => {
                drop(current);
                close(running);
                false
            }
        }
    }

    /// Follows the media: connected makes the call active; the connection's end fails it.
    async fn follow(&self, id: u64, chatid: String, mut state: mpsc::Receiver<MediaState>) {
        while let Some(media_state) = state.recv().await {
            match media_state {
                MediaState::Connected => {
                    let mut current = self.current();
                    if let Some(call) = current
                        .as_mut()
                        .filter(|call| call.id == id && call.phase == CallPhase::Connecting)
                    {
                        call.phase = CallPhase::Active;
                        self.context.emit(call.update());
                    }
                }
                MediaState::Closed { reason } => {
                    tracing::info!(%reason, "the call's connection closed");
                    self.fail(id, chatid).await;
                    return;
                }
            }
        }
    }

    /// The call failed here: it ends, and the server and the peer are told (hung up).
    async fn fail(&self, id: u64, chatid: String) {
        if !self.end(id, CallEndReason::Failed) {
            return;
        }
        // On a task of its own: `end` aborted the media task this may run on.
        let context = Arc::clone(&self.context);
        tokio::spawn(async move {
            let body = CallRef { chatid };
            if let Err(error) = context.session.call::<HangUpCall>(&(), &body).await {
                tracing::debug!(%error, "a failed call was not hung up on the server");
            }
        });
    }

    /// Ends call `id` if it is still the current one: reports it ended and closes its media.
    /// False when it was over already.
    fn end(&self, id: u64, reason: CallEndReason) -> bool {
        let Some(mut call) = self.current().take_if(|call| call.id == id) else {
            return false;
        };
        call.phase = CallPhase::Ended { reason };
        self.context.emit(call.update());
        if let Some(running) = call.media.take() {
            close(running);
        }
        // Last: `end` may run on this very task (a failure it noticed).
        if let Some(task) = call.task.take() {
            task.abort();
        }
        true
    }
}

/// Closes a call's connection (the peer sees it close) and stops its media.
fn close(running: RunningMedia) {
    tokio::spawn(async move {
        running.transport.close().await;
        drop(running);
    });
}

//! The shell's part in calls: the devices each engine is given, the call's encoded video to
//! the window, the incoming call's notification, and the connection's quality while a call is
//! active. The commands (`commands/calls.rs`) and the event forwarder (`events.rs`) both use it;
//! it uses neither.
//!
//! The window decodes the video itself with WebCodecs (WebKitGTK has no WebRTC): the partner's
//! frames and our own preview go as raw bytes over a Tauri channel (`watch_call_video`),
//! never as JSON. A packet is a 12-byte header and one VP8 frame:
//! `[source: 0 partner, 1 preview][keyframe: 0 or 1][0][0][timestamp, µs, u64 little-endian]`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chatenium_core::calls::{
    quality, CallPhase, CallUpdate, EncodedVideo, SystemDevices, VideoTaps,
};
use tauri::ipc::{Channel, InvokeResponseBody, IpcResponse};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::mpsc;

use crate::dto::call::{CallChanged, CallDeviceChoice, CallInfo, CallQualityChanged};
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// How often the connection's quality is assessed during a call.
const QUALITY_INTERVAL: Duration = Duration::from_secs(2);
/// Encoded frames queued for the window per source; beyond this it is behind and frames drop.
const TAP_QUEUE: usize = 32;

/// One encoded frame for the window, as raw bytes (see the module docs for the layout). The
/// generated TypeScript names it `number[]`; the window receives an `ArrayBuffer`.
#[derive(specta::Type)]
pub struct CallVideoPacket(Vec<u8>);

impl IpcResponse for CallVideoPacket {
    fn body(self) -> tauri::Result<InvokeResponseBody> {
        Ok(InvokeResponseBody::Raw(self.0))
    }
}

/// The app's side of calls: the devices it hands each engine, and the window's video channel.
pub struct CallMedia {
    devices: Arc<SystemDevices>,
    choice: Mutex<CallDeviceChoice>,
    window: Arc<Mutex<Option<Channel<CallVideoPacket>>>>,
    /// Takes the ringing call's notification away (once the ring stops).
    ring_notification: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    /// Whether a task follows the running call's quality (one per call, however many
    /// updates say it is active).
    following_quality: AtomicBool,
}

impl CallMedia {
    pub fn set_choice(&self, choice: CallDeviceChoice) {
        *self.choice.lock().unwrap_or_else(|p| p.into_inner()) = choice;
    }

    /// Where the call's encoded video goes from now on.
    pub fn set_window(&self, channel: Channel<CallVideoPacket>) {
        *self.window.lock().unwrap_or_else(|p| p.into_inner()) = Some(channel);
    }

    pub fn choice(&self) -> CallDeviceChoice {
        self.choice
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Sets up the devices and the video path; called once at start.
pub fn manage(app: &AppHandle) {
    let (partner_tx, partner) = mpsc::channel(TAP_QUEUE);
    let (preview_tx, preview) = mpsc::channel(TAP_QUEUE);
    let devices = SystemDevices::default();
    devices.set_video_taps(VideoTaps {
        partner: Some(partner_tx),
        preview: Some(preview_tx),
    });
    let window = Arc::new(Mutex::new(None));
    let started = Instant::now();
    tauri::async_runtime::spawn(to_window(partner, 0, started, Arc::clone(&window)));
    tauri::async_runtime::spawn(to_window(preview, 1, started, Arc::clone(&window)));
    app.manage(CallMedia {
        devices: Arc::new(devices),
        choice: Mutex::new(CallDeviceChoice::default()),
        window,
        ring_notification: Mutex::new(None),
        following_quality: AtomicBool::new(false),
    });
}

async fn to_window(
    mut frames: mpsc::Receiver<EncodedVideo>,
    source: u8,
    started: Instant,
    window: Arc<Mutex<Option<Channel<CallVideoPacket>>>>,
) {
    while let Some(frame) = frames.recv().await {
        let Some(channel) = window.lock().unwrap_or_else(|p| p.into_inner()).clone() else {
            continue;
        };
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let mut packet = Vec::with_capacity(12 + frame.data.len());
        packet.extend_from_slice(&[source, u8::from(frame.keyframe), 0, 0]);
        packet.extend_from_slice(&micros.to_le_bytes());
        packet.extend_from_slice(&frame.data);
        if channel.send(CallVideoPacket(packet)).is_err() {
            tracing::debug!("the window's call video channel is gone");
        }
    }
}

/// This engine uses the app's devices (done before a call's media starts).
pub fn use_app_devices(app: &AppHandle, client: &chatenium_core::Client) {
    let media = app.state::<CallMedia>();
    client.set_call_devices(Arc::clone(&media.devices) as _);
}

pub fn call_error(error: chatenium_core::calls::CallError) -> CommandError {
    use chatenium_core::calls::CallError;
    match error {
        CallError::Client(error) => error.into(),
        other => CommandError::Local {
            detail: other.to_string(),
        },
    }
}

pub async fn accept(app: &AppHandle, state: &AppState, video: bool) -> CommandResult<()> {
    let client = state.client().await?;
    use_app_devices(app, &client);
    client.accept_call(video).await.map_err(call_error)
}

/// The shell's part in a call's change (from `events.rs`): tell the window, ring the user
/// through a notification, and follow the connection's quality while the call is active.
pub fn on_call_update(app: &AppHandle, call: CallUpdate) {
    match call.phase {
        CallPhase::IncomingRinging => notify_incoming(app, &call),
        CallPhase::Active => follow_quality(app),
        _ => {}
    }
    if call.phase != CallPhase::IncomingRinging {
        stop_ringing(app);
    }
    if let Err(error) = (CallChanged {
        call: CallInfo::from(call),
    })
    .emit(app)
    {
        tracing::warn!(%error, "the window did not hear the call's change");
    }
}

fn notify_incoming(app: &AppHandle, call: &CallUpdate) {
    let app = app.clone();
    let (chatid, peer) = (call.chatid.clone(), call.peer.clone());
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let caller = match state.client().await {
            Ok(client) => client
                .chat_list()
                .await
                .ok()
                .and_then(|contacts| contacts.into_iter().find(|c| c.chatid == chatid))
                .map(|contact| contact.user.display_name),
            Err(_) => return,
        };
        let answered = app.clone();
        let dismiss = crate::notifications::show_incoming_call(
            &app,
            caller.as_deref().unwrap_or(&peer),
            Box::new(move |accepted| answer_from_notification(answered, accepted)),
        );
        let media = app.state::<CallMedia>();
        *media
            .ring_notification
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(dismiss);
        // The ring may have stopped while the name was looked up.
        let ringing = match state.client().await {
            Ok(client) => client
                .current_call()
                .is_some_and(|call| call.phase == CallPhase::IncomingRinging),
            Err(_) => false,
        };
        if !ringing {
            stop_ringing(&app);
        }
    });
}

/// Takes the ring's notification away: the call was answered, declined or ended.
fn stop_ringing(app: &AppHandle) {
    let dismiss = app
        .state::<CallMedia>()
        .ring_notification
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(dismiss) = dismiss {
        dismiss();
    }
}

/// Accept or Decline on the notification: as in the window; accepting brings it forward.
fn answer_from_notification(app: AppHandle, accepted: bool) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let answered = if accepted {
            crate::windows::show_main(&app);
            accept(&app, &state, false).await
        } else {
            match state.client().await {
                Ok(client) => client.decline_call().await.map_err(call_error),
                Err(error) => Err(error),
            }
        };
        if let Err(error) = answered {
            tracing::info!(?error, "the call was not answered from its notification");
        }
    });
}

/// Tells the window the connection's quality every few seconds until the call's media stops.
fn follow_quality(app: &AppHandle) {
    let media = app.state::<CallMedia>();
    if media.following_quality.swap(true, Ordering::SeqCst) {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let media = app.state::<CallMedia>();
        let mut last: Option<(chatenium_core::calls::TransportStats, Instant)> = None;
        loop {
            let status = match state.client().await {
                Ok(client) => client.call_media_status(),
                Err(_) => None,
            };
            let Some((stats, echo_cancellation)) = status else {
                media.following_quality.store(false, Ordering::SeqCst);
                return;
            };
            let now = Instant::now();
            if let Some((before, at)) = last {
                let quality = quality::assess(&before, &stats, now - at).into();
                let sent = CallQualityChanged {
                    quality,
                    echo_cancellation,
                }
                .emit(&app);
                if let Err(error) = sent {
                    tracing::debug!(%error, "the window did not hear the call's quality");
                }
            }
            last = Some((stats, now));
            tokio::time::sleep(QUALITY_INTERVAL).await;
        }
    });
}

//! 1:1 voice and video calls: ring a direct chat's partner, answer, decline, hang up, mute,
//! camera, devices. The core runs the call (state machine, media, devices); this module only
//! translates, and carries the call's encoded video to the window, which decodes it with
//! WebCodecs (WebKitGTK has no WebRTC): the partner's frames and our own preview go as raw
//! bytes over a Tauri channel (`watch_call_video`), never as JSON.
//!
//! A packet on the channel is a 12-byte header and one VP8 frame:
//! `[source: 0 partner, 1 preview][keyframe: 0 or 1][0][0][timestamp, µs, u64 little-endian]`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chatenium_core::calls::{
    available_devices, quality, CallPhase, CallUpdate, EncodedVideo, SystemDevices, VideoTaps,
};
use tauri::ipc::{Channel, InvokeResponseBody, IpcResponse};
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;
use tokio::sync::mpsc;

use crate::dto::call::{CallDeviceChoice, CallDevices, CallInfo};
use crate::error::{CommandError, CommandResult};
use crate::events::{CallChanged, CallQualityChanged};
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
    /// Whether a task follows the running call's quality (one per call, however many
    /// updates say it is active).
    following_quality: AtomicBool,
}

impl CallMedia {
    fn choice(&self) -> CallDeviceChoice {
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
fn use_app_devices(app: &AppHandle, client: &chatenium_core::Client) {
    let media = app.state::<CallMedia>();
    client.set_call_devices(Arc::clone(&media.devices) as _);
}

fn call_error(error: chatenium_core::calls::CallError) -> CommandError {
    use chatenium_core::calls::CallError;
    match error {
        CallError::Client(error) => error.into(),
        other => CommandError::Local {
            detail: other.to_string(),
        },
    }
}

/// Rings the partner of the direct chat `chatid`, with the camera on if `video`.
#[tauri::command]
#[specta::specta]
pub async fn start_call(
    app: AppHandle,
    state: State<'_, AppState>,
    chatid: String,
    video: bool,
) -> CommandResult<()> {
    let client = state.client().await?;
    use_app_devices(&app, &client);
    client.start_call(&chatid, video).await.map_err(call_error)
}

/// Answers the call ringing here, with the camera on if `video`.
#[tauri::command]
#[specta::specta]
pub async fn accept_call(
    app: AppHandle,
    state: State<'_, AppState>,
    video: bool,
) -> CommandResult<()> {
    accept(&app, &state, video).await
}

async fn accept(app: &AppHandle, state: &AppState, video: bool) -> CommandResult<()> {
    let client = state.client().await?;
    use_app_devices(app, &client);
    client.accept_call(video).await.map_err(call_error)
}

#[tauri::command]
#[specta::specta]
pub async fn decline_call(state: State<'_, AppState>) -> CommandResult<()> {
    state
        .client()
        .await?
        .decline_call()
        .await
        .map_err(call_error)
}

/// Ends the call in any stage (cancels our ring, declines theirs, hangs up).
#[tauri::command]
#[specta::specta]
pub async fn hang_up(state: State<'_, AppState>) -> CommandResult<()> {
    state.client().await?.hang_up().await.map_err(call_error)
}

#[tauri::command]
#[specta::specta]
pub async fn set_call_muted(state: State<'_, AppState>, muted: bool) -> CommandResult<()> {
    state
        .client()
        .await?
        .set_call_muted(muted)
        .map_err(call_error)
}

#[tauri::command]
#[specta::specta]
pub async fn set_call_camera(state: State<'_, AppState>, on: bool) -> CommandResult<()> {
    let client = state.client().await?;
    // Opening a camera blocks.
    tokio::task::block_in_place(|| client.set_call_camera(on)).map_err(call_error)
}

/// The call now, if any (for a window that starts listening late).
#[tauri::command]
#[specta::specta]
pub async fn current_call(state: State<'_, AppState>) -> CommandResult<Option<CallInfo>> {
    Ok(state.client().await?.current_call().map(CallInfo::from))
}

/// The microphones, speakers and cameras to pick from, and what is picked.
#[tauri::command]
#[specta::specta]
pub async fn call_devices(media: State<'_, CallMedia>) -> CommandResult<CallDevices> {
    let available = tokio::task::spawn_blocking(available_devices)
        .await
        .map_err(|error| CommandError::Local {
            detail: error.to_string(),
        })?;
    Ok(CallDevices::new(available, media.choice()))
}

/// Picks devices: mid-call they switch at once, else from the next call on.
#[tauri::command]
#[specta::specta]
pub async fn choose_call_devices(
    app: AppHandle,
    state: State<'_, AppState>,
    media: State<'_, CallMedia>,
    choice: CallDeviceChoice,
) -> CommandResult<()> {
    *media.choice.lock().unwrap_or_else(|p| p.into_inner()) = choice.clone();
    let client = state.client().await?;
    use_app_devices(&app, &client);
    tokio::task::block_in_place(|| client.switch_call_devices(choice.into())).map_err(call_error)
}

/// Sends the call's encoded video (the partner's and the preview) to `channel` from now on,
/// starting with keyframes both ways.
#[tauri::command]
#[specta::specta]
pub async fn watch_call_video(
    state: State<'_, AppState>,
    media: State<'_, CallMedia>,
    channel: Channel<CallVideoPacket>,
) -> CommandResult<()> {
    *media.window.lock().unwrap_or_else(|p| p.into_inner()) = Some(channel);
    if let Ok(client) = state.client().await {
        client.request_call_keyframes().await;
    }
    Ok(())
}

/// The shell's part in a call's change (from `events.rs`): tell the window, ring the user
/// through a notification, and follow the connection's quality while the call is active.
pub fn on_call_update(app: &AppHandle, call: CallUpdate) {
    match call.phase {
        CallPhase::IncomingRinging => notify_incoming(app, &call),
        CallPhase::Active => follow_quality(app),
        _ => {}
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
        crate::notifications::show_incoming_call(
            &app,
            caller.as_deref().unwrap_or(&peer),
            Box::new(move |accepted| answer_from_notification(answered, accepted)),
        );
    });
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

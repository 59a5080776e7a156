//! A second user for the desktop app's end-to-end tests, driven through this core (the app's
//! own engine) rather than over bare HTTP, because a peer-to-peer transfer needs a real WebRTC
//! peer on the other end.
//!
//! `e2e_peer <server-url> <identity> <password> <data-dir>` signs in (tokens in the OS
//! keyring, under a service name of its own), then reads one JSON command per line on stdin
//! and writes one JSON line per event on stdout:
//!
//! - in: `{"send": {"userid": "...", "path": "..."}}`, `{"accept": {"transferId": "...",
//!   "folder": "..."}}`, `{"decline": {"transferId": "..."}}`; for cascades and threads
//!   `{"createCascade": {"name", "public"}}`, `{"joinInvite": {"code"}}`, `{"threads":
//!   {"cascadeId", "parentId"}}`, `{"createThread":
//!   {"cascadeId", "parentId", "name"}}`, `{"openThread": {"cascadeId", "threadId"}}`,
//!   `{"sendThread": {"cascadeId", "threadId", "text", "replyToId"}}`, `{"editThread":
//!   {"cascadeId", "threadId", "msgid", "text"}}`, `{"deleteThread": {"cascadeId", "threadId",
//!   "msgids"}}`, `{"pinThread": {"cascadeId", "threadId", "msgid", "pinned"}}`; for calls
//!   `{"startCall": {"chatid", "video"}}`, `{"acceptCall": {"video"}}`, `{"declineCall": {}}`,
//!   `{"hangUp": {}}`. Calls send a 440 Hz tone and the test pattern (320x240, mean luma
//!   [`PATTERN_BRIGHTNESS`]) instead of a microphone and a camera;
//!   for galleries `{"uploadPicture": {"path", "albumId"}}`, `{"likePicture": {"pictureId",
//!   "like"}}`, `{"commentPicture": {"pictureId", "text"}}`.
//! - out: `{"ready": {"userid": "..."}}` once online, `{"transfer": <TransferUpdate>}` for
//!   each change of a transfer, `{"cascades": [<Cascade>]}` whenever the cascade list
//!   changes, `{"threadTimeline": {"cascadeId", "threadId", "items": [...]}}` when a thread is
//!   opened and whenever an open
//!   thread's timeline changes (all of it, so a test reads state, not diffs), `{"done":
//!   {"command": "...", "result": ...}}` when a command succeeded, `{"error": "..."}` when one
//!   fails; `{"call": <CallUpdate>}` for each change of a call, and once a call's media runs,
//!   `{"callMedia": {"videoFrames": n, "audioRms": x}}` each second: frames of the partner's
//!   video decoded so far and the level of the partner's audio over the last second.
//!
//! It exits when stdin closes. Built by `./dev test` (`cargo build -p chatenium-core
//! --example e2e_peer`) and started by `ui/e2e/peer.mjs`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chatenium_api::schemas::cascade::CreateCascadeReq;
use chatenium_core::calls::{
    AudioInput, CallDevices, CallSettings, KeepAlive, MediaError, ReceivedAudio, ReceivedVideo,
    TestPattern, ToneSource, VideoFormat, VideoSource,
};
use chatenium_core::device::Device;
use chatenium_core::tokens::KeyringTokenStore;
use chatenium_core::transfer::TransferSettings;
use chatenium_core::{ConnectionState, CoreEvent};
use serde::Deserialize;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum Command {
    Send {
        userid: String,
        path: PathBuf,
    },
    #[serde(rename_all = "camelCase")]
    Accept {
        transfer_id: String,
        folder: PathBuf,
    },
    #[serde(rename_all = "camelCase")]
    Decline {
        transfer_id: String,
    },
    CreateCascade {
        name: String,
        public: bool,
    },
    JoinInvite {
        code: String,
    },
    #[serde(rename_all = "camelCase")]
    Threads {
        cascade_id: String,
        parent_id: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    CreateThread {
        cascade_id: String,
        parent_id: Option<String>,
        name: String,
    },
    #[serde(rename_all = "camelCase")]
    OpenThread {
        cascade_id: String,
        thread_id: String,
    },
    #[serde(rename_all = "camelCase")]
    SendThread {
        cascade_id: String,
        thread_id: String,
        text: String,
        reply_to_id: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    EditThread {
        cascade_id: String,
        thread_id: String,
        msgid: String,
        text: String,
    },
    #[serde(rename_all = "camelCase")]
    DeleteThread {
        cascade_id: String,
        thread_id: String,
        msgids: Vec<String>,
    },
    #[serde(rename_all = "camelCase")]
    PinThread {
        cascade_id: String,
        thread_id: String,
        msgid: String,
        pinned: bool,
    },
    StartCall {
        chatid: String,
        video: bool,
    },
    AcceptCall {
        video: bool,
    },
    DeclineCall {},
    HangUp {},
    // Galleries (issue 12)
    #[serde(rename_all = "camelCase")]
    UploadPicture {
        path: PathBuf,
        album_id: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    LikePicture {
        picture_id: String,
        like: bool,
    },
    #[serde(rename_all = "camelCase")]
    CommentPicture {
        picture_id: String,
        text: String,
    },
}

/// The mean luma of the test pattern this peer sends in a video call.
const PATTERN_BRIGHTNESS: u8 = 160;
const TONE_HZ: f32 = 440.0;

/// A call's media for a test: a tone and the test pattern out; what comes in is counted.
#[derive(Default)]
struct PeerDevices {
    video_frames: Arc<AtomicU64>,
    /// Sum of squares and count of the partner's audio samples since the last report.
    audio: Arc<Mutex<(f64, u64)>>,
}

impl CallDevices for PeerDevices {
    fn audio_input(&self) -> Result<AudioInput, MediaError> {
        Ok(AudioInput {
            frames: ToneSource::new(TONE_HZ, 0.5).spawn_paced(),
            keep: None,
        })
    }

    fn video_input(&self) -> Result<Box<dyn VideoSource>, MediaError> {
        let format = VideoFormat {
            width: 320,
            height: 240,
            frames_per_second: 15,
        };
        Ok(Box::new(TestPattern::new(format, PATTERN_BRIGHTNESS)?))
    }

    fn output(
        &self,
        mut audio: tokio::sync::mpsc::Receiver<ReceivedAudio>,
        mut video: tokio::sync::mpsc::Receiver<ReceivedVideo>,
    ) -> Result<Option<KeepAlive>, MediaError> {
        let frames = Arc::clone(&self.video_frames);
        let level = Arc::clone(&self.audio);
        let count_video = tokio::spawn(async move {
            while video.recv().await.is_some() {
                frames.fetch_add(1, Ordering::Relaxed);
            }
        });
        let measure_audio = tokio::spawn(async move {
            while let Some(received) = audio.recv().await {
                let mut level = level.lock().unwrap_or_else(|p| p.into_inner());
                level.0 += received
                    .samples
                    .iter()
                    .map(|s| f64::from(s * s))
                    .sum::<f64>();
                level.1 += received.samples.len() as u64;
            }
        });
        Ok(Some(Box::new(AbortOnDrop([count_video, measure_audio]))))
    }
}

struct AbortOnDrop([tokio::task::JoinHandle<()>; 2]);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

impl PeerDevices {
    /// Frames decoded so far, and the RMS of the audio since the last call (0 if none came).
    fn report(&self) -> serde_json::Value {
        let (sum, count) =
            std::mem::take(&mut *self.audio.lock().unwrap_or_else(|p| p.into_inner()));
        let rms = if count == 0 {
            0.0
        } else {
            (sum / count as f64).sqrt()
        };
        json!({ "videoFrames": self.video_frames.load(Ordering::Relaxed), "audioRms": rms })
    }
}

/// Runs one command; answers its result as JSON.
async fn run(
    client: &chatenium_core::Client,
    command: Command,
) -> Result<serde_json::Value, String> {
    let value = |v: serde_json::Value| Ok(v);
    let failed = |e: chatenium_core::ClientError| e.to_string();
    let call_failed = |e: chatenium_core::calls::CallError| e.to_string();
    match command {
        Command::StartCall { chatid, video } => client
            .start_call(&chatid, video)
            .await
            .map(|()| json!(null))
            .map_err(call_failed),
        Command::AcceptCall { video } => client
            .accept_call(video)
            .await
            .map(|()| json!(null))
            .map_err(call_failed),
        Command::DeclineCall {} => client
            .decline_call()
            .await
            .map(|()| json!(null))
            .map_err(call_failed),
        Command::HangUp {} => client
            .hang_up()
            .await
            .map(|()| json!(null))
            .map_err(call_failed),
        Command::Send { userid, path } => client
            .send_file(&userid, &path)
            .await
            .map(|_| json!(null))
            .map_err(failed),
        Command::Accept {
            transfer_id,
            folder,
        } => client
            .accept_transfer(&transfer_id, &folder)
            .await
            .map(|()| json!(null))
            .map_err(failed),
        Command::Decline { transfer_id } => client
            .decline_transfer(&transfer_id)
            .await
            .map(|()| json!(null))
            .map_err(failed),
        Command::CreateCascade { name, public } => {
            let request = CreateCascadeReq {
                name,
                public,
                picture_file_id: None,
                invite_max_uses: None,
                invite_expires_in_secs: None,
            };
            let cascade = client.create_cascade(&request).await.map_err(failed)?;
            value(json!(cascade))
        }
        Command::JoinInvite { code } => {
            let cascade = client
                .join_cascade_from_invite(&code)
                .await
                .map_err(failed)?;
            value(json!(cascade))
        }
        Command::Threads {
            cascade_id,
            parent_id,
        } => {
            let threads = client
                .threads(&cascade_id, parent_id.as_deref())
                .await
                .map_err(failed)?;
            value(json!(threads))
        }
        Command::CreateThread {
            cascade_id,
            parent_id,
            name,
        } => {
            let thread = client
                .create_thread(&cascade_id, parent_id.as_deref(), &name, None)
                .await
                .map_err(failed)?;
            value(json!(thread))
        }
        Command::OpenThread {
            cascade_id,
            thread_id,
        } => {
            let items = client
                .open_thread(&cascade_id, &thread_id)
                .await
                .map_err(failed)?;
            // Opening is the timeline's first state: reported as every later one is, so a test
            // waiting on the timeline also sees what the opening snapshot already held.
            say(
                json!({ "threadTimeline": { "cascadeId": cascade_id, "threadId": thread_id, "items": items } }),
            );
            value(json!({ "cascadeId": cascade_id, "threadId": thread_id, "items": items }))
        }
        Command::SendThread {
            cascade_id,
            thread_id,
            text,
            reply_to_id,
        } => client
            .send_thread_message(&cascade_id, &thread_id, &text, reply_to_id, Vec::new())
            .await
            .map(|key| json!(key))
            .map_err(failed),
        Command::EditThread {
            cascade_id,
            thread_id,
            msgid,
            text,
        } => client
            .edit_thread_message(&cascade_id, &thread_id, &msgid, &text)
            .await
            .map(|()| json!(null))
            .map_err(failed),
        Command::DeleteThread {
            cascade_id,
            thread_id,
            msgids,
        } => client
            .delete_thread_messages(&cascade_id, &thread_id, msgids)
            .await
            .map(|()| json!(null))
            .map_err(failed),
        Command::PinThread {
            cascade_id,
            thread_id,
            msgid,
            pinned,
        } => client
            .set_thread_message_pinned(&cascade_id, &thread_id, &msgid, pinned)
            .await
            .map(|()| json!(null))
            .map_err(failed),
        // Galleries (issue 12)
        Command::UploadPicture { path, album_id } => {
            let cancel = chatenium_core::uploads::CancelUpload::new();
            let picture = client
                .upload_picture(&path, album_id, "e2e-peer-upload", &cancel)
                .await
                .map_err(failed)?;
            value(json!(picture))
        }
        Command::LikePicture { picture_id, like } => {
            let picture = client
                .like_picture(&picture_id, like)
                .await
                .map_err(failed)?;
            value(json!(picture))
        }
        Command::CommentPicture { picture_id, text } => {
            let comment = client
                .post_comment(&picture_id, &text)
                .await
                .map_err(failed)?;
            value(json!(comment))
        }
    }
}

/// The command's name as the JSON line spells it.
fn name_of(line: &str) -> String {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.as_object()?.keys().next().cloned())
        .unwrap_or_default()
}

fn say(line: serde_json::Value) {
    println!("{line}");
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, identity, password, data_dir] = args.as_slice() else {
        return Err("usage: e2e_peer <server-url> <identity> <password> <data-dir>".into());
    };
    let keyring = Arc::new(KeyringTokenStore::with_service(format!(
        "chatenium-e2e-peer-{}",
        std::process::id()
    )));
    let device = Device::new(server, data_dir, keyring)?;
    let done = device
        .auth("en")
        .sign_in_with_password(identity, password)
        .await?;
    let client = device.start(&done).await?;
    // The app's embedded server is on loopback, so both parties are on this machine.
    client.set_transfer_settings(TransferSettings {
        udp_addrs: vec!["127.0.0.1:0".into()],
        ..Default::default()
    });
    let devices = Arc::new(PeerDevices::default());
    client.set_call_devices(Arc::clone(&devices) as Arc<dyn CallDevices>);
    client.set_call_settings(CallSettings {
        udp_addrs: vec!["127.0.0.1:0".into()],
        // The tone is what the other side hears; nothing to clean up.
        noise_suppression: false,
        echo_cancellation: false,
    });
    let mut media_reports = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut events = client.events();
    client
        .connection()
        .wait_for(|state| *state == ConnectionState::Online)
        .await?;
    say(json!({ "ready": { "userid": client.userid() } }));

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        tokio::select! {
            line = lines.next_line() => {
                let Some(line) = line? else { break };
                if line.trim().is_empty() {
                    continue;
                }
                let outcome = match serde_json::from_str::<Command>(&line) {
                    Err(error) => Err(format!("unreadable command: {error}")),
                    Ok(command) => run(&client, command).await,
                };
                match outcome {
                    Ok(result) => say(json!({ "done": { "command": name_of(&line), "result": result } })),
                    Err(error) => say(json!({ "error": error })),
                }
            }
            _ = media_reports.tick() => {
                if client.call_media_status().is_some() {
                    say(json!({ "callMedia": devices.report() }));
                }
            }
            event = events.recv() => match event {
                Ok(CoreEvent::Transfer { transfer }) => say(json!({ "transfer": transfer })),
                Ok(CoreEvent::Call { call }) => say(json!({ "call": call })),
                Ok(CoreEvent::CascadeList { .. }) => {
                    if let Ok(cascades) = client.cascades().await {
                        say(json!({ "cascades": cascades }));
                    }
                }
                Ok(CoreEvent::ThreadTimeline { cascade_id, thread_id, .. }) => {
                    if let Some(items) = client.thread_snapshot(&cascade_id, &thread_id) {
                        say(json!({ "threadTimeline": { "cascadeId": cascade_id, "threadId": thread_id, "items": items } }));
                    }
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    client.shut_down().await;
    Ok(())
}

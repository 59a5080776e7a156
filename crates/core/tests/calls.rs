//! 1:1 calls between real clients through the real local server (ringing and the relayed
//! signaling) and real WebRTC on loopback (the media): the call becomes active on both sides,
//! each hears the other's tone at its frequency and sees the other's test pattern at its
//! brightness, mute silences the sent audio, and hanging up ends both sides. Declined,
//! cancelled, missed and busy calls end with their reason, and a second device of the callee
//! stops ringing when the first answers.

mod common;
mod media_support;
#[path = "common/transfer.rs"]
mod transfer;

use std::sync::{Arc, Mutex};

use chatenium_api::schemas::auth::SignInReq;
use chatenium_api::schemas::dm::SendMessageReq;
use chatenium_api::{DmSendMessage, SignIn};
use chatenium_core::api::ApiClient;
use chatenium_core::calls::{
    AudioInput, CallDevices, CallEndReason, CallPhase, CallSettings, CallUpdate, KeepAlive,
    MediaError, ReceivedAudio, ReceivedVideo, TestPattern, ToneSource, VideoFormat, VideoSource,
};
use chatenium_core::{Client, CoreEvent};
use media_support::{dominant_frequency, rms};
use tokio::sync::{broadcast, mpsc, Notify};
use transfer::{IceServer, PATIENCE};

/// A tone and a test pattern in; what the peer sends out to the test.
struct TestDevices {
    tone_hz: f32,
    brightness: u8,
    outputs: Mutex<Option<Outputs>>,
    outputs_ready: Notify,
}

struct Outputs {
    audio: mpsc::Receiver<ReceivedAudio>,
    video: mpsc::Receiver<ReceivedVideo>,
}

impl TestDevices {
    fn new(tone_hz: f32, brightness: u8) -> Arc<TestDevices> {
        Arc::new(TestDevices {
            tone_hz,
            brightness,
            outputs: Mutex::new(None),
            outputs_ready: Notify::new(),
        })
    }

    /// What the call delivers, once its media started.
    async fn outputs(&self) -> Outputs {
        tokio::time::timeout(PATIENCE, async {
            loop {
                if let Some(outputs) = self.outputs.lock().unwrap().take() {
                    return outputs;
                }
                self.outputs_ready.notified().await;
            }
        })
        .await
        .expect("the call's media starts")
    }
}

impl CallDevices for TestDevices {
    fn audio_input(&self) -> Result<AudioInput, MediaError> {
        Ok(AudioInput {
            frames: ToneSource::new(self.tone_hz, 0.5).spawn_paced(),
            keep: None,
        })
    }

    fn video_input(&self) -> Result<Box<dyn VideoSource>, MediaError> {
        let format = VideoFormat {
            width: 320,
            height: 240,
            frames_per_second: 30,
        };
        Ok(Box::new(TestPattern::new(format, self.brightness)?))
    }

    fn output(
        &self,
        audio: mpsc::Receiver<ReceivedAudio>,
        video: mpsc::Receiver<ReceivedVideo>,
    ) -> Result<Option<KeepAlive>, MediaError> {
        *self.outputs.lock().unwrap() = Some(Outputs { audio, video });
        self.outputs_ready.notify_one();
        Ok(None)
    }
}

/// Loopback only, and the tone untouched: echo cancellation and noise suppression have their
/// own tests in calls_codecs.
fn loopback() -> CallSettings {
    CallSettings {
        udp_addrs: vec!["127.0.0.1:0".into()],
        noise_suppression: false,
        echo_cancellation: false,
    }
}

struct World {
    server: IceServer,
    dir: tempfile::TempDir,
    api: ApiClient,
}

impl World {
    fn start(ring_timeout_secs: u64) -> World {
        let dir = tempfile::tempdir().unwrap();
        let server = IceServer::start(&dir.path().join("server"), move |config| {
            config.calls.ring_timeout_secs = ring_timeout_secs;
        });
        let api = ApiClient::new(server.base_url()).unwrap();
        World { server, dir, api }
    }

    /// A registered user's running client with `devices`.
    async fn user(&self, name: &str, devices: Arc<TestDevices>) -> Client {
        let auth = common::register(&self.api, name).await;
        self.client(name, &auth, devices).await
    }

    async fn client(
        &self,
        name: &str,
        auth: &chatenium_api::schemas::auth::SuccessfulAuthResp,
        devices: Arc<TestDevices>,
    ) -> Client {
        let store = self
            .dir
            .path()
            .join(format!("{name}-{}.sqlite", rand_suffix()));
        let client = common::client(&self.server.base_url(), auth, &store).await;
        client.set_call_settings(loopback());
        client.set_call_devices(devices);
        common::wait_online(&client).await;
        client
    }

    /// `name`'s second device: a session and a client of its own.
    async fn second_device(&self, name: &str, devices: Arc<TestDevices>) -> Client {
        let sign_in = SignInReq {
            identity: name.into(),
            password: Some(format!("{name}-password-1")),
            challenge_id: None,
            os: "test".into(),
            language: "en".into(),
        };
        let auth = self
            .api
            .send::<SignIn>(None, &(), &sign_in)
            .await
            .expect("sign-in");
        self.client(name, &auth, devices).await
    }
}

fn rand_suffix() -> u64 {
    rand::random()
}

/// Makes `a` and `b` contacts (a asks, b replies) and waits until both chat lists hold the
/// chat. Answers the chat id.
async fn befriend(a: &Client, b: &Client) -> String {
    let chatid = common::befriend(a, b.userid()).await;
    let reply = SendMessageReq {
        chatid: chatid.clone(),
        message: "hi".into(),
        reply_to_id: None,
        file_ids: vec![],
        client_key: format!("befriend-{}", a.userid()),
    };
    b.session()
        .call::<DmSendMessage>(&(), &reply)
        .await
        .expect("the reply");
    for client in [a, b] {
        let mut events = client.events();
        common::wait_until(&mut events, || async {
            client
                .chat_list()
                .await
                .unwrap()
                .iter()
                .any(|c| c.chatid == chatid)
        })
        .await;
    }
    chatid
}

type Events = broadcast::Receiver<CoreEvent>;

/// The next call update in `phase`, skipping the others; a call that ends otherwise fails the
/// test with how it ended.
async fn reaches(events: &mut Events, phase: CallPhase) -> CallUpdate {
    loop {
        let CoreEvent::Call { call } =
            common::wait_for(events, |event| matches!(event, CoreEvent::Call { .. })).await
        else {
            unreachable!("wait_for answers a call event");
        };
        if call.phase == phase {
            return call;
        }
        assert!(
            !matches!(call.phase, CallPhase::Ended { .. }),
            "wanted {phase:?}, the call ended: {call:?}"
        );
    }
}

fn ended(reason: CallEndReason) -> CallPhase {
    CallPhase::Ended { reason }
}

/// The next `frames` audio frames from the peer, back to back.
async fn hear(outputs: &mut Outputs, frames: usize) -> Vec<f32> {
    let mut samples = Vec::new();
    for _ in 0..frames {
        let audio = tokio::time::timeout(PATIENCE, outputs.audio.recv())
            .await
            .expect("audio in time")
            .expect("audio flowing");
        samples.extend(audio.samples);
    }
    samples
}

async fn check_hears(outputs: &mut Outputs, expected_hz: f32) {
    // Two seconds; the last second is measured (the codec has settled by then).
    let samples = hear(outputs, 100).await;
    let last_second = &samples[samples.len() - 48_000..];
    let frequency = dominant_frequency(last_second);
    assert!(
        (frequency - expected_hz).abs() < 2.0,
        "heard {frequency} Hz, the peer sent {expected_hz} Hz"
    );
    assert!(rms(last_second) > 0.2);
}

async fn check_sees(outputs: &mut Outputs, brightness: u8) {
    for _ in 0..30 {
        let video = tokio::time::timeout(PATIENCE, outputs.video.recv())
            .await
            .expect("video in time")
            .expect("video flowing");
        assert_eq!((video.frame.width(), video.frame.height()), (320, 240));
        let luma = video.frame.mean_luma();
        assert!(
            (luma - f64::from(brightness)).abs() < 4.0,
            "mean luma {luma}, the peer sent {brightness}"
        );
    }
}

/// Reads audio until `frames` frames in a row satisfy `wanted`; fails after `limit`.
async fn hear_until(
    outputs: &mut Outputs,
    frames: usize,
    limit: usize,
    wanted: impl Fn(f32) -> bool,
) {
    let mut in_a_row = 0;
    for _ in 0..limit {
        let level = rms(&hear(outputs, 1).await);
        in_a_row = if wanted(level) { in_a_row + 1 } else { 0 };
        if in_a_row == frames {
            return;
        }
    }
    panic!("{frames} frames in a row never came within {limit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_call_through_the_server_carries_both_ways_and_hangs_up_on_both_sides() {
    let world = World::start(45);
    let anna_devices = TestDevices::new(440.0, 70);
    let bela_devices = TestDevices::new(660.0, 180);
    let anna = world.user("anna", Arc::clone(&anna_devices)).await;
    let bela = world.user("bela", Arc::clone(&bela_devices)).await;
    let chatid = befriend(&anna, &bela).await;
    let bela_desk = world
        .second_device("bela", TestDevices::new(880.0, 120))
        .await;
    let (mut anna_events, mut bela_events, mut desk_events) =
        (anna.events(), bela.events(), bela_desk.events());

    anna.start_call(&chatid, true)
        .await
        .expect("the call starts");
    let ringing = reaches(&mut anna_events, CallPhase::OutgoingRinging).await;
    assert_eq!(
        (ringing.peer.as_str(), ringing.outgoing),
        (bela.userid(), true)
    );
    // Both of bela's devices ring.
    let rung = reaches(&mut bela_events, CallPhase::IncomingRinging).await;
    assert_eq!(
        (rung.chatid.as_str(), rung.peer.as_str()),
        (chatid.as_str(), anna.userid())
    );
    reaches(&mut desk_events, CallPhase::IncomingRinging).await;

    // Bela answers on one device: the other stops ringing.
    bela.accept_call(true).await.expect("bela answers");
    reaches(&mut desk_events, ended(CallEndReason::AnsweredElsewhere)).await;
    assert_eq!(bela_desk.current_call(), None);

    reaches(&mut anna_events, CallPhase::Active).await;
    reaches(&mut bela_events, CallPhase::Active).await;
    let mut anna_hears = anna_devices.outputs().await;
    let mut bela_hears = bela_devices.outputs().await;
    tokio::join!(
        check_hears(&mut anna_hears, 660.0),
        check_hears(&mut bela_hears, 440.0)
    );
    tokio::join!(
        check_sees(&mut anna_hears, 180),
        check_sees(&mut bela_hears, 70)
    );

    // Anna mutes: bela hears silence; she unmutes: the tone is back.
    anna.set_call_muted(true).unwrap();
    assert!(reaches(&mut anna_events, CallPhase::Active).await.muted);
    hear_until(&mut bela_hears, 10, 150, |level| level < 1e-3).await;
    anna.set_call_muted(false).unwrap();
    hear_until(&mut bela_hears, 10, 150, |level| level > 0.2).await;

    // Bela hangs up: both sides end, hung up.
    bela.hang_up().await.expect("bela hangs up");
    reaches(&mut bela_events, ended(CallEndReason::HungUp)).await;
    reaches(&mut anna_events, ended(CallEndReason::HungUp)).await;
    assert_eq!((anna.current_call(), bela.current_call()), (None, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_cancelled_and_busy_calls_end_with_their_reason() {
    let world = World::start(45);
    let anna = world.user("anna", TestDevices::new(440.0, 70)).await;
    let bela = world.user("bela", TestDevices::new(660.0, 180)).await;
    let cili = world.user("cili", TestDevices::new(550.0, 100)).await;
    let anna_bela = befriend(&anna, &bela).await;
    let cili_bela = befriend(&cili, &bela).await;
    let (mut anna_events, mut bela_events, mut cili_events) =
        (anna.events(), bela.events(), cili.events());

    // Declined.
    anna.start_call(&anna_bela, false).await.unwrap();
    reaches(&mut bela_events, CallPhase::IncomingRinging).await;
    bela.decline_call().await.unwrap();
    reaches(&mut bela_events, ended(CallEndReason::Declined)).await;
    reaches(&mut anna_events, ended(CallEndReason::Declined)).await;

    // Cancelled: the caller hangs up while it rings.
    anna.start_call(&anna_bela, false).await.unwrap();
    reaches(&mut bela_events, CallPhase::IncomingRinging).await;
    anna.hang_up().await.unwrap();
    reaches(&mut anna_events, ended(CallEndReason::Cancelled)).await;
    reaches(&mut bela_events, ended(CallEndReason::Cancelled)).await;

    // Busy: bela is in a call with anna when cili calls him.
    anna.start_call(&anna_bela, false).await.unwrap();
    reaches(&mut bela_events, CallPhase::IncomingRinging).await;
    bela.accept_call(false).await.unwrap();
    reaches(&mut anna_events, CallPhase::Active).await;
    reaches(&mut bela_events, CallPhase::Active).await;
    cili.start_call(&cili_bela, false).await.unwrap();
    reaches(&mut cili_events, ended(CallEndReason::Busy)).await;
    // Bela's call goes on, and he cannot start another one meanwhile.
    let still = bela.current_call().expect("bela's call goes on");
    assert_eq!(
        (still.chatid, still.phase),
        (anna_bela.clone(), CallPhase::Active)
    );
    assert!(matches!(
        bela.start_call(&cili_bela, false).await,
        Err(chatenium_core::calls::CallError::Busy)
    ));

    anna.hang_up().await.unwrap();
    reaches(&mut bela_events, ended(CallEndReason::HungUp)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_nobody_answers_is_missed_on_both_sides() {
    // The server's ring timeout, short; the test waits on the ended event, not on time.
    let world = World::start(1);
    let anna = world.user("anna", TestDevices::new(440.0, 70)).await;
    let bela = world.user("bela", TestDevices::new(660.0, 180)).await;
    let chatid = befriend(&anna, &bela).await;
    let (mut anna_events, mut bela_events) = (anna.events(), bela.events());

    anna.start_call(&chatid, true).await.unwrap();
    reaches(&mut bela_events, CallPhase::IncomingRinging).await;
    reaches(&mut anna_events, ended(CallEndReason::Missed)).await;
    reaches(&mut bela_events, ended(CallEndReason::Missed)).await;
}

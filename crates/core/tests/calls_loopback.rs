//! Two call peers in one process on loopback, each through the whole engine: a tone and the
//! test pattern captured, processed, encoded, carried over a real WebRTC connection
//! (webrtc-rs, signaling through a channel), decoded and checked on the other side.

mod media_support;

use std::sync::Arc;

use chatenium_core::calls::{
    AudioSwitches, CallMedia, ChannelSignaling, MediaOutputs, MediaState, MediaTransport, PeerRole,
    PeerSettings, PeerTransport, ReceivedVideo, TestPattern, ToneSource, VideoFormat, VideoTaps,
    Vp8Decoder,
};
use media_support::{dominant_frequency, rms, PATIENCE};
use tokio::time::timeout;

struct Peer {
    media: CallMedia,
    outputs: MediaOutputs,
    transport: Arc<PeerTransport>,
}

async fn start_peer(
    role: PeerRole,
    signaling: ChannelSignaling,
    tone_hz: f32,
    brightness: u8,
) -> Peer {
    let settings = PeerSettings {
        udp_addrs: vec!["127.0.0.1:0".into()],
        ..Default::default()
    };
    let (transport, events) = PeerTransport::connect(&settings, role, Box::new(signaling))
        .await
        .expect("peer connection");
    let pattern = TestPattern::new(
        VideoFormat {
            width: 320,
            height: 240,
            frames_per_second: 30,
        },
        brightness,
    )
    .unwrap();
    let (media, outputs) = CallMedia::start(
        Arc::clone(&transport) as Arc<dyn MediaTransport>,
        events,
        ToneSource::new(tone_hz, 0.5).spawn_paced(),
        Some(Box::new(pattern)),
        // The tone is what is measured; echo cancellation and noise suppression have their
        // own tests in calls_codecs.
        AudioSwitches::new(false, false),
    )
    .unwrap();
    Peer {
        media,
        outputs,
        transport,
    }
}

async fn connected(peer: &mut Peer) {
    let state = timeout(PATIENCE, peer.outputs.state.recv())
        .await
        .expect("in time");
    assert_eq!(state, Some(MediaState::Connected));
}

/// The next `frames` audio frames from the peer, back to back.
async fn hear(peer: &mut Peer, frames: usize) -> Vec<f32> {
    let mut samples = Vec::new();
    for _ in 0..frames {
        let audio = timeout(PATIENCE, peer.outputs.audio.recv())
            .await
            .expect("audio in time")
            .expect("audio open");
        samples.extend(audio.samples);
    }
    samples
}

async fn see(peer: &mut Peer) -> ReceivedVideo {
    timeout(PATIENCE, peer.outputs.video.recv())
        .await
        .expect("video in time")
        .expect("video open")
}

/// Reads audio until `frames` frames in a row satisfy `quiet_or_loud`; fails after `limit`.
async fn hear_until(peer: &mut Peer, frames: usize, limit: usize, wanted: impl Fn(f32) -> bool) {
    let mut in_a_row = 0;
    for _ in 0..limit {
        let samples = hear(peer, 1).await;
        in_a_row = if wanted(rms(&samples)) {
            in_a_row + 1
        } else {
            0
        };
        if in_a_row == frames {
            return;
        }
    }
    panic!("{frames} frames in a row never came within {limit}");
}

async fn check_hears(peer: &mut Peer, expected_hz: f32) {
    // Two seconds; the last second is measured (the codec has settled by then).
    let samples = hear(peer, 100).await;
    let frequency = dominant_frequency(&samples[samples.len() - 48_000..]);
    assert!(
        (frequency - expected_hz).abs() < 2.0,
        "heard {frequency} Hz, the peer sent {expected_hz} Hz"
    );
    assert!(rms(&samples[samples.len() - 48_000..]) > 0.2);
}

async fn check_sees(peer: &mut Peer, brightness: u8) {
    for _ in 0..30 {
        let video = see(peer).await;
        assert_eq!((video.frame.width(), video.frame.height()), (320, 240));
        let luma = video.frame.mean_luma();
        assert!(
            (luma - f64::from(brightness)).abs() < 4.0,
            "mean luma {luma}, the peer sent {brightness}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_peers_hear_and_see_each_other_and_mute_silences() {
    let (signaling_a, signaling_b) = ChannelSignaling::pair();
    let (mut a, mut b) = tokio::join!(
        start_peer(PeerRole::Offerer, signaling_a, 440.0, 70),
        start_peer(PeerRole::Answerer, signaling_b, 660.0, 180),
    );
    tokio::join!(connected(&mut a), connected(&mut b));

    // Each side hears the other's tone and sees the other's pattern.
    tokio::join!(check_hears(&mut a, 660.0), check_hears(&mut b, 440.0));
    tokio::join!(check_sees(&mut a, 180), check_sees(&mut b, 70));

    // A keyframe request from B reaches A through the interceptor chain, and A's next frame
    // is a keyframe.
    b.transport.request_keyframe().await.unwrap();
    let mut waited = 0;
    while !see(&mut b).await.keyframe {
        waited += 1;
        assert!(waited < 60, "no keyframe within 60 frames of the request");
    }
    assert!(a.transport.stats().keyframe_requests_received >= 1);
    assert!(b.transport.stats().keyframe_requests_sent >= 1);

    // A mutes: B hears silence (and still gets packets, so its playback keeps pace); A
    // unmutes: the tone is back.
    a.media.switches().set_muted(true);
    hear_until(&mut b, 10, 150, |level| level < 1e-3).await;
    a.media.switches().set_muted(false);
    hear_until(&mut b, 10, 150, |level| level > 0.2).await;
    // B was never muted.
    assert!(rms(&hear(&mut a, 10).await) > 0.2);

    let stats = a.transport.stats();
    assert!(stats.audio_packets_sent > 0 && stats.audio_packets_received > 0);
    assert!(stats.video_frames_sent > 0 && stats.video_frames_received > 0);

    // Hanging up closes the connection on both sides.
    a.transport.close().await;
    let state = timeout(PATIENCE, b.outputs.state.recv())
        .await
        .expect("in time");
    assert!(
        matches!(state, Some(MediaState::Closed { .. })),
        "{state:?}"
    );
}

/// The taps a window decodes from: the peer's encoded frames (a keyframe first, as WebCodecs
/// needs) and our own sent ones (the preview); a keyframe asked for mid-stream comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_encoded_video_taps_carry_the_partners_frames_and_the_preview() {
    let (signaling_a, signaling_b) = ChannelSignaling::pair();
    let (mut a, mut b) = tokio::join!(
        start_peer(PeerRole::Offerer, signaling_a, 440.0, 70),
        start_peer(PeerRole::Answerer, signaling_b, 660.0, 180),
    );
    let (partner_tx, mut partner) = tokio::sync::mpsc::channel(64);
    let (preview_tx, mut preview) = tokio::sync::mpsc::channel(64);
    a.media.set_video_taps(VideoTaps {
        partner: Some(partner_tx),
        preview: Some(preview_tx),
    });
    tokio::join!(connected(&mut a), connected(&mut b));

    let first = timeout(PATIENCE, partner.recv())
        .await
        .expect("in time")
        .expect("open");
    assert!(first.keyframe, "the partner tap starts at a keyframe");
    let mut decoder = Vp8Decoder::new().unwrap();
    let frame = decoder.decode(&first.data).unwrap().expect("a picture");
    assert!((frame.mean_luma() - 180.0).abs() < 4.0);

    let own = timeout(PATIENCE, preview.recv())
        .await
        .expect("in time")
        .expect("open");
    assert!(!own.data.is_empty());

    a.media.request_keyframes_here();
    let mut waited = 0;
    loop {
        let own = timeout(PATIENCE, preview.recv())
            .await
            .expect("in time")
            .expect("open");
        if own.keyframe {
            break;
        }
        waited += 1;
        assert!(
            waited < 60,
            "no keyframe in the preview within 60 frames of the request"
        );
    }
    a.transport.close().await;
}

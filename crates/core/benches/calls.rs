//! `cargo bench -p chatenium-core --bench calls`: the call media engine on loopback, each
//! number next to a baseline measured in the same run.
//!
//! 1. Audio latency, send to decode: a 20 ms frame handed to one peer's `CallMedia` until the
//!    other peer has decoded it (processing, Opus, RTP over a real WebRTC connection on
//!    127.0.0.1, depacketizing, Opus again), p50 and p99 over `CHATENIUM_BENCH_FRAMES` (500)
//!    frames at the microphone's pace. Baseline: the same frames through Opus encode and
//!    decode alone.
//! 2. CPU of a two-way 640x480@30 video call with audio, both peers in this process, over
//!    `CHATENIUM_BENCH_SECONDS` (10) seconds, in percent of one core (user + system time of the
//!    process over wall time). Baseline: the same frames VP8-encoded and decoded both ways at
//!    the same pace with no transport.
//!
//! The machine's other load shows in both numbers of a pair alike.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chatenium_core::calls::frame::FRAME_DURATION;
use chatenium_core::calls::{
    AudioFrame, AudioSwitches, CallMedia, ChannelSignaling, MediaOutputs, MediaState,
    MediaTransport, OpusDecoder, OpusEncoder, PeerRole, PeerSettings, PeerTransport, TestPattern,
    ToneSource, VideoFormat, VideoSource, Vp8Decoder, Vp8Encoder, Vp8Settings,
};
use tokio::sync::mpsc;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

/// User plus system CPU time of this process.
fn cpu_time() -> Duration {
    // SAFETY: getrusage writes one rusage struct we own.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

struct Peer {
    media: CallMedia,
    outputs: MediaOutputs,
    transport: Arc<PeerTransport>,
    microphone: mpsc::Sender<AudioFrame>,
}

async fn peer(role: PeerRole, signaling: ChannelSignaling, video: Option<TestPattern>) -> Peer {
    let settings = PeerSettings {
        udp_addrs: vec!["127.0.0.1:0".into()],
        ..Default::default()
    };
    let (transport, events) = PeerTransport::connect(&settings, role, Box::new(signaling))
        .await
        .expect("peer connection");
    let (microphone, audio) = mpsc::channel(64);
    let (media, outputs) = CallMedia::start(
        Arc::clone(&transport) as Arc<dyn MediaTransport>,
        events,
        audio,
        video.map(|pattern| Box::new(pattern) as Box<dyn VideoSource>),
        AudioSwitches::new(true, true),
    )
    .expect("call media");
    Peer {
        media,
        outputs,
        transport,
        microphone,
    }
}

async fn call(video: Option<VideoFormat>) -> (Peer, Peer) {
    let (signaling_a, signaling_b) = ChannelSignaling::pair();
    let pattern = |brightness| video.map(|format| TestPattern::new(format, brightness).unwrap());
    let (mut a, mut b) = tokio::join!(
        peer(PeerRole::Offerer, signaling_a, pattern(80)),
        peer(PeerRole::Answerer, signaling_b, pattern(170)),
    );
    for side in [&mut a, &mut b] {
        assert_eq!(side.outputs.state.recv().await, Some(MediaState::Connected));
    }
    (a, b)
}

/// Waits until everything `from` sent has been received by `to` (polling counters: this is
/// a benchmark's settling, not a test's synchronisation).
async fn settle(from: &Peer, to: &mut Peer) {
    loop {
        while to.outputs.audio.try_recv().is_ok() {}
        let sent = from.transport.stats().audio_packets_sent;
        let received = to.transport.stats().audio_packets_received;
        if sent > 0 && received == sent {
            while to.outputs.audio.try_recv().is_ok() {}
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn audio_latency(frames: usize) -> Vec<Duration> {
    let (a, mut b) = call(None).await;
    let mut tone = ToneSource::new(440.0, 0.5);
    // Warm up until audio flows and every packet sent so far has arrived.
    for _ in 0..25 {
        a.microphone.send(tone.next_frame()).await.unwrap();
        tokio::time::sleep(FRAME_DURATION).await;
    }
    settle(&a, &mut b).await;
    let baseline_received = b.transport.stats().audio_packets_received;

    let mut sent_at = Vec::with_capacity(frames);
    let receiver = tokio::spawn(async move {
        let mut decoded_at = Vec::with_capacity(frames);
        while decoded_at.len() < frames {
            let audio = b.outputs.audio.recv().await.expect("audio");
            decoded_at.push(audio.decoded_at);
        }
        (decoded_at, b)
    });
    let mut ticks = tokio::time::interval(FRAME_DURATION);
    for _ in 0..frames {
        ticks.tick().await;
        let frame = tone.next_frame();
        sent_at.push(Instant::now());
        a.microphone.send(frame).await.unwrap();
    }
    let (decoded_at, b) = receiver.await.unwrap();
    let received = b.transport.stats().audio_packets_received - baseline_received;
    assert_eq!(received as usize, frames, "audio packets lost on loopback");
    drop(a.media);
    let mut latencies: Vec<Duration> = sent_at
        .iter()
        .zip(&decoded_at)
        .map(|(sent, decoded)| decoded.duration_since(*sent))
        .collect();
    latencies.sort();
    latencies
}

fn codec_latency(frames: usize) -> Vec<Duration> {
    let mut tone = ToneSource::new(440.0, 0.5);
    let mut encoder = OpusEncoder::new(32_000).unwrap();
    let mut decoder = OpusDecoder::new().unwrap();
    let mut latencies: Vec<Duration> = (0..frames)
        .map(|_| {
            let frame = tone.next_frame();
            let started = Instant::now();
            let packet = encoder.encode(&frame).unwrap();
            decoder.decode(&packet).unwrap();
            started.elapsed()
        })
        .collect();
    latencies.sort();
    latencies
}

/// CPU of a two-way video call, and the frames each side decoded.
async fn video_call_cpu(format: VideoFormat, seconds: u64) -> (f64, u64, u64) {
    let (mut a, mut b) = call(Some(format)).await;
    let audio_a = ToneSource::new(440.0, 0.5).spawn_paced();
    let audio_b = ToneSource::new(660.0, 0.5).spawn_paced();
    a.media.replace_audio_input(audio_a);
    b.media.replace_audio_input(audio_b);
    // Let both streams start (first keyframes), then measure.
    for side in [&mut a, &mut b] {
        side.outputs.video.recv().await.expect("video");
    }
    let count = |peer: &mut Peer| {
        let mut frames = 0;
        while peer.outputs.video.try_recv().is_ok() {
            frames += 1;
        }
        while peer.outputs.audio.try_recv().is_ok() {}
        frames
    };
    count(&mut a);
    count(&mut b);
    let (wall, cpu) = (Instant::now(), cpu_time());
    let (mut frames_a, mut frames_b) = (0, 0);
    while wall.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        frames_a += count(&mut a);
        frames_b += count(&mut b);
    }
    let percent = (cpu_time() - cpu).as_secs_f64() / wall.elapsed().as_secs_f64() * 100.0;
    (percent, frames_a, frames_b)
}

/// The same frames, VP8 both ways at the same pace, without a transport.
fn codec_cpu(format: VideoFormat, seconds: u64) -> f64 {
    let stream = |brightness| {
        let pattern = TestPattern::new(format, brightness).unwrap();
        let settings = Vp8Settings::for_call(format.width, format.height, format.frames_per_second);
        (
            pattern,
            Vp8Encoder::new(settings).unwrap(),
            Vp8Decoder::new().unwrap(),
        )
    };
    let mut streams = [stream(80), stream(170)];
    let mut tone = ToneSource::new(440.0, 0.5);
    let mut opus = (
        OpusEncoder::new(32_000).unwrap(),
        OpusDecoder::new().unwrap(),
    );
    let frame_time = Duration::from_secs_f64(1.0 / f64::from(format.frames_per_second));
    let (wall, cpu) = (Instant::now(), cpu_time());
    let mut index = 0;
    while wall.elapsed() < Duration::from_secs(seconds) {
        for (pattern, encoder, decoder) in &mut streams {
            let frame = pattern.render(index).unwrap();
            for encoded in encoder.encode(&frame, false).unwrap() {
                decoder.decode(&encoded.data).unwrap();
            }
        }
        // Audio both ways: 1.5 frames of 20 ms per video frame at 30 fps.
        for _ in 0..3 {
            let packet = opus.0.encode(&tone.next_frame()).unwrap();
            opus.1.decode(&packet).unwrap();
        }
        index += 1;
        let due = wall + frame_time * index as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    (cpu_time() - cpu).as_secs_f64() / wall.elapsed().as_secs_f64() * 100.0
}

fn main() {
    let frames = env_number("CHATENIUM_BENCH_FRAMES", 500) as usize;
    let seconds = env_number("CHATENIUM_BENCH_SECONDS", 10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    println!("audio send-to-decode latency, {frames} frames of 20 ms at real-time pace");
    let engine = runtime.block_on(audio_latency(frames));
    let codec = codec_latency(frames);
    println!(
        "  engine over WebRTC on loopback:  p50 {:.2} ms  p99 {:.2} ms",
        millis(percentile(&engine, 0.5)),
        millis(percentile(&engine, 0.99))
    );
    println!(
        "  baseline, Opus encode+decode:    p50 {:.2} ms  p99 {:.2} ms",
        millis(percentile(&codec, 0.5)),
        millis(percentile(&codec, 0.99))
    );

    let format = VideoFormat {
        width: 640,
        height: 480,
        frames_per_second: 30,
    };
    println!("two-way 640x480@30 video call with audio, {seconds} s, CPU in % of one core");
    let (engine, frames_a, frames_b) = runtime.block_on(video_call_cpu(format, seconds));
    let expected = seconds * 30;
    println!(
        "  engine, both peers:              {engine:.0}%  (frames decoded: {frames_a} and {frames_b} of ~{expected} each)"
    );
    let baseline = codec_cpu(format, seconds);
    println!("  baseline, VP8+Opus both ways:    {baseline:.0}%");
}

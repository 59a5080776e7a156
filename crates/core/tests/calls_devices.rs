//! Real audio devices: a tone played through cpal to a PulseAudio null sink and recorded back
//! through cpal from that sink's monitor. No fake device: `./dev test` starts PulseAudio
//! headless with a null sink (the default sink, its monitor the default source) before the
//! Rust tests, and ALSA's `pulse` device (libasound2-plugins) is the path cpal takes.

mod media_support;

use chatenium_core::calls::devices::{microphones, speakers};
use chatenium_core::calls::{Microphone, Speaker, ToneSource};
use media_support::{dominant_frequency, rms, PATIENCE};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// The ALSA device the PulseAudio plugin provides.
const PULSE_DEVICE: &str = "pulse";

/// Whether a PulseAudio server answers. Under CI (`CI=true`) a missing one fails the test:
/// CI must exercise the real device path. Elsewhere the test says loudly that it did not run.
fn pulseaudio_running() -> bool {
    let answers = std::process::Command::new("pactl")
        .arg("info")
        .output()
        .is_ok_and(|output| output.status.success());
    if !answers {
        let message = "NO PULSEAUDIO SERVER: the cpal device test needs one \
                       (./dev test starts it headless with a null sink)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("\n*** {message}; this test did NOT check the device path ***\n");
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tone_played_to_the_null_sink_is_recorded_from_its_monitor() {
    if !pulseaudio_running() {
        return;
    }
    let inputs = microphones().unwrap();
    let outputs = speakers().unwrap();
    assert!(
        inputs.iter().any(|device| device.name == PULSE_DEVICE),
        "no ALSA `pulse` input among {inputs:?} (is libasound2-plugins installed?)"
    );
    assert!(
        outputs.iter().any(|device| device.name == PULSE_DEVICE),
        "no ALSA `pulse` output among {outputs:?}"
    );

    let (microphone, mut recorded) = Microphone::open(Some(PULSE_DEVICE)).unwrap();
    assert_eq!(microphone.name(), PULSE_DEVICE);
    let (playback_tx, playback_rx) = mpsc::channel(8);
    let speaker = Speaker::open(Some(PULSE_DEVICE), playback_rx).unwrap();
    assert_eq!(speaker.name(), PULSE_DEVICE);
    let mut tone = ToneSource::new(523.0, 0.5).spawn_paced();
    tokio::spawn(async move {
        while let Some(frame) = tone.recv().await {
            if playback_tx.send(frame.0).await.is_err() {
                return;
            }
        }
    });

    // Record until the last second holds the tone; a device path that delivers silence or
    // something else fails after 500 frames (10 s of audio).
    let mut samples = Vec::new();
    let mut heard = None;
    for _ in 0..500 {
        let frame = timeout(PATIENCE, recorded.recv())
            .await
            .expect("the microphone delivers frames")
            .expect("the microphone stays open");
        samples.extend(frame.0);
        if samples.len() >= 48_000 {
            let last_second = &samples[samples.len() - 48_000..];
            let level = rms(last_second);
            let frequency = dominant_frequency(last_second);
            if level > 0.1 && (frequency - 523.0).abs() < 3.0 {
                heard = Some((frequency, level));
                break;
            }
        }
    }
    let (frequency, level) = heard.expect("the 523 Hz tone came back through the null sink");
    eprintln!("recorded {frequency:.1} Hz at RMS {level:.3} through PulseAudio");
    drop((microphone, speaker));
}

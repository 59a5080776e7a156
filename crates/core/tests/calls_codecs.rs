//! The call codecs and audio processing on their own: Opus and VP8 round trips through
//! Debian's libopus and libvpx, corrupt input as errors (never a crash), noise suppression
//! and mute.

mod media_support;

use chatenium_core::calls::frame::{AudioFrame, VideoFrame, FRAME_SAMPLES};
use chatenium_core::calls::vp8::is_keyframe;
use chatenium_core::calls::{
    AudioProcessor, AudioSwitches, EchoCanceller, MediaError, OpusDecoder, OpusEncoder,
    TestPattern, ToneSource, VideoFormat, Vp8Decoder, Vp8Encoder, Vp8Settings,
};
use media_support::{dominant_frequency, rms};

#[test]
fn opus_carries_a_tone_at_its_frequency() {
    let mut tone = ToneSource::new(440.0, 0.5);
    let mut encoder = OpusEncoder::new(32_000).unwrap();
    let mut decoder = OpusDecoder::new().unwrap();
    let mut decoded = Vec::new();
    for _ in 0..100 {
        let packet = encoder.encode(&tone.next_frame()).unwrap();
        assert!(
            packet.len() < 400,
            "a 20 ms packet of {} bytes",
            packet.len()
        );
        let samples = decoder.decode(&packet).unwrap();
        assert_eq!(samples.len(), FRAME_SAMPLES);
        decoded.extend(samples);
    }
    // The last second, after the codec settled.
    let frequency = dominant_frequency(&decoded[decoded.len() - 48_000..]);
    assert!((frequency - 440.0).abs() < 2.0, "decoded {frequency} Hz");
    assert!(rms(&decoded[48_000..]) > 0.2);
}

#[test]
fn a_corrupt_opus_packet_is_an_error_and_the_decoder_goes_on() {
    let mut encoder = OpusEncoder::new(32_000).unwrap();
    let mut decoder = OpusDecoder::new().unwrap();
    assert!(matches!(decoder.decode(&[]), Err(MediaError::Corrupt(_))));
    // A TOC byte announcing a code-3 packet with an impossible frame count.
    assert!(matches!(
        decoder.decode(&[0xff, 0xff]),
        Err(MediaError::Corrupt(_))
    ));
    let concealed = decoder.conceal_loss().unwrap();
    assert_eq!(concealed.0.len(), FRAME_SAMPLES);
    let packet = encoder
        .encode(&ToneSource::new(300.0, 0.5).next_frame())
        .unwrap();
    assert_eq!(decoder.decode(&packet).unwrap().len(), FRAME_SAMPLES);
    assert!(matches!(
        encoder.encode(&AudioFrame(vec![0.0; 100])),
        Err(MediaError::BadFrame(_))
    ));
}

fn format(width: u32, height: u32) -> VideoFormat {
    VideoFormat {
        width,
        height,
        frames_per_second: 30,
    }
}

#[test]
fn vp8_round_trip_keeps_the_patterns_brightness() {
    for (width, height, brightness) in [(640, 480, 90), (320, 240, 160), (160, 120, 60)] {
        let pattern = TestPattern::new(format(width, height), brightness).unwrap();
        let mut encoder = Vp8Encoder::new(Vp8Settings::for_call(width, height, 30)).unwrap();
        let mut decoder = Vp8Decoder::new().unwrap();
        for index in 0..30 {
            let input = pattern.render(index).unwrap();
            assert_eq!(input.mean_luma(), f64::from(brightness));
            let encoded = encoder.encode(&input, false).unwrap();
            assert_eq!(encoded.len(), 1, "one packet per frame in realtime mode");
            let frame = &encoded[0];
            assert_eq!(frame.keyframe, index == 0, "frame {index}");
            assert_eq!(is_keyframe(&frame.data), frame.keyframe);
            let decoded = decoder.decode(&frame.data).unwrap().expect("a picture");
            assert_eq!((decoded.width(), decoded.height()), (width, height));
            let luma = decoded.mean_luma();
            assert!(
                (luma - f64::from(brightness)).abs() < 4.0,
                "{width}x{height} frame {index}: mean luma {luma}, sent {brightness}"
            );
        }
    }
}

#[test]
fn a_forced_keyframe_is_a_keyframe() {
    let pattern = TestPattern::new(format(320, 240), 128).unwrap();
    let mut encoder = Vp8Encoder::new(Vp8Settings::for_call(320, 240, 30)).unwrap();
    for index in 0..5 {
        encoder
            .encode(&pattern.render(index).unwrap(), false)
            .unwrap();
    }
    let forced = encoder.encode(&pattern.render(5).unwrap(), true).unwrap();
    assert!(forced[0].keyframe && is_keyframe(&forced[0].data));
}

#[test]
fn corrupt_vp8_is_an_error_not_a_crash() {
    let pattern = TestPattern::new(format(320, 240), 128).unwrap();
    let mut encoder = Vp8Encoder::new(Vp8Settings::for_call(320, 240, 30)).unwrap();
    let keyframe = encoder
        .encode(&pattern.render(0).unwrap(), false)
        .unwrap()
        .remove(0);
    let delta = encoder
        .encode(&pattern.render(1).unwrap(), false)
        .unwrap()
        .remove(0);

    let mut decoder = Vp8Decoder::new().unwrap();
    assert!(matches!(decoder.decode(&[]), Err(MediaError::Corrupt(_))));
    // A keyframe cut short, a keyframe header claiming a huge size, and noise: each refused.
    assert!(decoder.decode(&keyframe.data[..12]).is_err());
    let mut huge = keyframe.data.clone();
    huge[6..10].copy_from_slice(&[0xff, 0x3f, 0xff, 0x3f]);
    let _ = decoder.decode(&huge);
    let mut state = 0x2545_f491_u32;
    for length in [1usize, 3, 10, 100, 1_000, 10_000] {
        let noise: Vec<u8> = (0..length)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect();
        let _ = decoder.decode(&noise);
    }
    // A delta frame with no keyframe before it, in a fresh decoder.
    assert!(Vp8Decoder::new().unwrap().decode(&delta.data).is_err());

    // The same decoder recovers at the next keyframe.
    let decoded = decoder.decode(&keyframe.data).unwrap().expect("a picture");
    assert!((decoded.mean_luma() - 128.0).abs() < 4.0);
    assert!(decoder.decode(&delta.data).unwrap().is_some());
}

#[test]
fn frames_of_the_wrong_size_are_refused() {
    assert!(matches!(
        VideoFrame::new(640, 480, vec![0; 10]),
        Err(MediaError::BadFrame(_))
    ));
    assert!(VideoFrame::filled(641, 480, 0).is_err());
    assert!(Vp8Encoder::new(Vp8Settings::for_call(0, 480, 30)).is_err());
    let mut encoder = Vp8Encoder::new(Vp8Settings::for_call(320, 240, 30)).unwrap();
    let wrong = VideoFrame::filled(160, 120, 0).unwrap();
    assert!(matches!(
        encoder.encode(&wrong, false),
        Err(MediaError::BadFrame(_))
    ));
}

#[test]
fn noise_suppression_quiets_noise_and_can_be_turned_off() {
    let noise = |seed: u32| {
        let mut state = seed;
        let mut frames = Vec::new();
        for _ in 0..100 {
            let samples = (0..FRAME_SAMPLES)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    (state as f32 / u32::MAX as f32 - 0.5) * 0.2
                })
                .collect();
            frames.push(AudioFrame(samples));
        }
        frames
    };
    let level_after = |switches: AudioSwitches| {
        let mut processor = AudioProcessor::new(switches, None);
        let mut out = Vec::new();
        for mut frame in noise(7) {
            processor.process(&mut frame);
            out.extend(frame.0);
        }
        rms(&out[48_000..])
    };
    let input_level = rms(&noise(7)
        .into_iter()
        .flat_map(|frame| frame.0)
        .collect::<Vec<_>>()[48_000..]);
    let off = level_after(AudioSwitches::new(false, false));
    let on = level_after(AudioSwitches::new(true, false));
    assert!(
        (off - input_level).abs() < 1e-6,
        "off must not touch the audio"
    );
    // At least 6 dB quieter (measured: about 8 dB on this full-band noise).
    assert!(
        on < input_level / 2.0,
        "suppressed {on}, noise {input_level}"
    );
}

#[test]
fn mute_sends_silence() {
    let switches = AudioSwitches::new(false, false);
    let mut processor = AudioProcessor::new(switches.clone(), None);
    let mut tone = ToneSource::new(440.0, 0.5);
    let mut frame = tone.next_frame();
    processor.process(&mut frame);
    assert!(frame.rms() > 0.3);
    switches.set_muted(true);
    let mut frame = tone.next_frame();
    processor.process(&mut frame);
    assert_eq!(frame, AudioFrame::silence());
}

/// What the speaker plays comes back into the microphone 40 ms later at half the level; with
/// echo cancellation on, it is taken out; off, it passes untouched.
#[test]
fn echo_cancellation_removes_the_speakers_echo_and_can_be_turned_off() {
    let run = |on: bool| {
        let switches = AudioSwitches::new(false, on);
        let canceller = EchoCanceller::new().unwrap();
        let mut far_end_side = canceller.clone();
        let mut processor = AudioProcessor::new(switches, Some(canceller));
        let mut state = 0x1234_5678_u32;
        let mut played: Vec<AudioFrame> = Vec::new();
        let (mut echo_in, mut echo_out) = (Vec::new(), Vec::new());
        for index in 0..250_usize {
            // The far end: noise-like speech stand-in, as it reaches the speaker.
            let far = AudioFrame(
                (0..FRAME_SAMPLES)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 17;
                        state ^= state << 5;
                        (state as f32 / u32::MAX as f32 - 0.5) * 0.5
                    })
                    .collect(),
            );
            far_end_side.far_end(&far.0);
            played.push(far);
            // The microphone hears it two frames (40 ms) later, at half the level.
            let mut captured = match index.checked_sub(2) {
                Some(earlier) => AudioFrame(played[earlier].0.iter().map(|s| s * 0.5).collect()),
                None => AudioFrame::silence(),
            };
            let level_in = captured.rms();
            processor.process(&mut captured);
            // The last two seconds, after the canceller converged.
            if index >= 150 {
                echo_in.push(level_in);
                echo_out.push(captured.rms());
            }
        }
        let mean = |levels: &[f32]| levels.iter().sum::<f32>() / levels.len() as f32;
        (mean(&echo_in), mean(&echo_out))
    };
    let (echo, left_on) = run(true);
    assert!(
        left_on < echo / 10.0,
        "echo {echo}, left with cancellation {left_on}"
    );
    let (echo, left_off) = run(false);
    assert!(
        (left_off - echo).abs() < 1e-6,
        "off must not touch the audio"
    );
}

#[test]
fn yuyv_from_a_camera_becomes_i420() {
    use chatenium_core::calls::camera::yuyv_to_i420;
    // 4x2: luma 10, 20, 30, 40 on both rows; U 100 on top and 120 below, V 200 and 220.
    let row = |u: u8, v: u8| [10, u, 20, v, 30, u, 40, v];
    let yuyv: Vec<u8> = row(100, 200).into_iter().chain(row(120, 220)).collect();
    let frame = yuyv_to_i420(4, 2, &yuyv).unwrap();
    assert_eq!(
        frame.data(),
        &[10, 20, 30, 40, 10, 20, 30, 40, 110, 110, 210, 210]
    );
    assert!(matches!(
        yuyv_to_i420(4, 2, &yuyv[..7]),
        Err(MediaError::BadFrame(_))
    ));
}

#[test]
fn a_missing_camera_is_a_device_error() {
    use chatenium_core::calls::camera::cameras;
    use chatenium_core::calls::CameraSource;
    let names = cameras().unwrap();
    let result = CameraSource::open(Some("no such camera"), format(640, 480));
    assert!(matches!(result, Err(MediaError::Device(_))), "{names:?}");
}

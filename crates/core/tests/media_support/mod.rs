//! Helpers the call-media tests share: finding a tone's frequency in received audio.

#![allow(dead_code)]

use rustfft::{num_complex::Complex, FftPlanner};

/// The strongest frequency in `samples` (48 kHz), in Hz, to within a fraction of a bin:
/// a Hann window, an FFT, and a parabola through the peak bin and its neighbours.
pub fn dominant_frequency(samples: &[f32]) -> f32 {
    let n = samples.len();
    assert!(n >= 1024, "need at least 1024 samples, got {n}");
    let mut buffer: Vec<Complex<f32>> = samples
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let window = 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / (n - 1) as f32).cos();
            Complex::new(s * window, 0.0)
        })
        .collect();
    FftPlanner::new().plan_fft_forward(n).process(&mut buffer);
    let magnitudes: Vec<f32> = buffer[..n / 2].iter().map(|c| c.norm()).collect();
    let peak = (1..magnitudes.len() - 1)
        .max_by(|&a, &b| magnitudes[a].total_cmp(&magnitudes[b]))
        .expect("a spectrum with bins");
    let (left, centre, right) = (magnitudes[peak - 1], magnitudes[peak], magnitudes[peak + 1]);
    let denominator = left - 2.0 * centre + right;
    let offset = if denominator.abs() > f32::EPSILON {
        0.5 * (left - right) / denominator
    } else {
        0.0
    };
    (peak as f32 + offset) * 48_000.0 / n as f32
}

pub fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

/// Longest wait for something that must happen; only a guard against hanging.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

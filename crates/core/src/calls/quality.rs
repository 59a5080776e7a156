//! How well a running call's connection carries it, from the transport's counters: the
//! share of the peer's audio (one Opus packet every 20 ms, muted or not) that arrived over an
//! interval. Video is left out: a camera may be off.

use std::time::Duration;

use serde::Serialize;

use super::frame::FRAME_DURATION;
use super::transport::TransportStats;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionQuality {
    /// 90 % or more of the expected audio arrived.
    Good,
    /// 60 to 90 %: gaps are heard.
    Fair,
    /// Less: the call breaks up (or the peer's audio stopped).
    Poor,
}

/// The quality over `elapsed`, between two snapshots of the same transport's counters.
pub fn assess(
    before: &TransportStats,
    after: &TransportStats,
    elapsed: Duration,
) -> ConnectionQuality {
    let expected = elapsed.as_secs_f64() / FRAME_DURATION.as_secs_f64();
    if expected < 1.0 {
        return ConnectionQuality::Good;
    }
    let arrived = after
        .audio_packets_received
        .saturating_sub(before.audio_packets_received) as f64;
    match arrived / expected {
        share if share >= 0.9 => ConnectionQuality::Good,
        share if share >= 0.6 => ConnectionQuality::Fair,
        _ => ConnectionQuality::Poor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(packets: u64) -> TransportStats {
        TransportStats {
            audio_packets_received: packets,
            ..Default::default()
        }
    }

    #[test]
    fn the_share_of_audio_that_arrived_decides() {
        let second = Duration::from_secs(1);
        let start = received(100);
        assert_eq!(
            assess(&start, &received(150), second),
            ConnectionQuality::Good
        );
        assert_eq!(
            assess(&start, &received(140), second),
            ConnectionQuality::Fair
        );
        assert_eq!(
            assess(&start, &received(110), second),
            ConnectionQuality::Poor
        );
        // Too short to expect a packet: nothing to hold against the connection.
        assert_eq!(
            assess(&start, &start, Duration::from_millis(5)),
            ConnectionQuality::Good
        );
    }
}

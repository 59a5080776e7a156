//! The data-channel protocol (written down for other implementations in
//! `docs/p2p-transfer-protocol.md`): control messages are JSON text messages, file bytes are
//! binary messages, in order, on one reliable ordered channel. Decoding never panics: a
//! message that breaks the protocol is a [`ProtocolError`].

use serde::{Deserialize, Serialize};

/// The data channel's label; a browser peer creates or expects this one.
pub const CHANNEL_LABEL: &str = "chatenium-file";
/// The data channel's sub-protocol: the version of this protocol.
pub const CHANNEL_PROTOCOL: &str = "chatenium-transfer/1";
/// The largest control message accepted. Real ones are under 600 bytes (a 255-character name).
pub const MAX_CONTROL_BYTES: usize = 4096;
/// The largest binary message (file chunk) sent when the peer's SDP allows it: 256 KiB is
/// webrtc-rs's and Chromium's ceiling and measured fastest (platform-facts.md).
pub const MAX_CHUNK_BYTES: usize = 256 * 1024;
/// What RFC 8841 lets a peer assume when the SDP names no `max-message-size`.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// The receiver acknowledges at least this often (in bytes written), so the sender's progress
/// follows what really arrived and a resume loses little.
pub const ACK_EVERY_BYTES: u64 = 1024 * 1024;

/// A control message. `type` names it; fields are camelCase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Control {
    /// Sender, first on every channel: what is coming (the receiver checks it against the
    /// offer it accepted).
    Meta {
        transfer_id: String,
        name: String,
        size: u64,
        mime: String,
    },
    /// Receiver, after `meta`: send from this byte on (0 the first time; after a reconnect,
    /// the bytes it already wrote and hashed).
    Resume { offset: u64 },
    /// Receiver: this many bytes of the file are written and hashed.
    Ack { offset: u64 },
    /// Sender, after the last byte: the SHA-256 of the whole file, lowercase hex.
    End { sha256: String },
    /// Receiver: the hash matched and the file is saved. The transfer is complete.
    Done { sha256: String },
    /// Either side: the transfer failed for good (`code` is machine-readable, e.g.
    /// `hashMismatch`, `tooMuchData`, `diskFull`).
    Error { code: String, message: String },
    /// Either side: the user cancelled.
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("a control message is larger than {MAX_CONTROL_BYTES} bytes")]
    TooLarge,
    #[error("a control message is not valid: {0}")]
    Invalid(String),
}

impl Control {
    pub fn encode(&self) -> String {
        // Serializing these plain structs cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(bytes: &[u8]) -> Result<Control, ProtocolError> {
        if bytes.len() > MAX_CONTROL_BYTES {
            return Err(ProtocolError::TooLarge);
        }
        serde_json::from_slice(bytes).map_err(|e| ProtocolError::Invalid(e.to_string()))
    }
}

/// The chunk size to send to a peer whose SDP is `remote_sdp`: its `max-message-size`, capped
/// at [`MAX_CHUNK_BYTES`]; 64 KiB when it names none (RFC 8841 §6); `0` there means "no
/// limit".
pub fn chunk_size(remote_sdp: &str) -> usize {
    let announced = remote_sdp.lines().find_map(|line| {
        line.trim()
            .strip_prefix("a=max-message-size:")
            .and_then(|value| value.trim().parse::<u64>().ok())
    });
    match announced {
        None => DEFAULT_MAX_MESSAGE_BYTES,
        Some(0) => MAX_CHUNK_BYTES,
        Some(size) => (size.min(MAX_CHUNK_BYTES as u64) as usize).max(1024),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_the_documented_shape() {
        let meta = Control::Meta {
            transfer_id: "t1".into(),
            name: "a.txt".into(),
            size: 5,
            mime: "text/plain".into(),
        };
        assert_eq!(
            meta.encode(),
            r#"{"type":"meta","transferId":"t1","name":"a.txt","size":5,"mime":"text/plain"}"#
        );
        assert_eq!(Control::Cancel.encode(), r#"{"type":"cancel"}"#);
        assert_eq!(
            Control::decode(br#"{"type":"resume","offset":42}"#).unwrap(),
            Control::Resume { offset: 42 }
        );
    }

    #[test]
    fn hostile_messages_are_errors() {
        let long = vec![b' '; MAX_CONTROL_BYTES + 1];
        let cases: [&[u8]; 8] = [
            b"",
            b"\xff\xfe",
            b"null",
            br#"{"type":"nope"}"#,
            br#"{"type":"resume"}"#,
            br#"{"type":"resume","offset":-1}"#,
            br#"{"type":"ack","offset":1e99}"#,
            &long,
        ];
        for case in cases {
            assert!(Control::decode(case).is_err(), "{case:?}");
        }
    }

    #[test]
    fn chunk_size_follows_the_peers_max_message_size() {
        assert_eq!(chunk_size("v=0\r\n"), 65536);
        assert_eq!(chunk_size("a=max-message-size:262144\r\n"), 262144);
        assert_eq!(chunk_size("a=max-message-size:1073741823\r\n"), 262144);
        assert_eq!(chunk_size("a=max-message-size:0\r\n"), 262144);
        assert_eq!(chunk_size("a=max-message-size:16384\r\n"), 16384);
        assert_eq!(chunk_size("a=max-message-size:junk\r\n"), 65536);
    }
}

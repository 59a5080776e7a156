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

/// A broken rule of the protocol, said as a sentence: it is the text of the `error` message
/// sent to the peer and of the transfer's failure reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("{0}")]
    Unreadable(ProtocolError),
    #[error("{} {message} message came {when}", article(.message))]
    Unexpected {
        message: &'static str,
        when: &'static str,
    },
    #[error("meta names transfer {got:?}, but this is transfer {expected:?}")]
    OtherTransfer { got: String, expected: String },
    #[error("meta gives the file's {field} as {got}, but the accepted offer gives {expected}")]
    MetaDiffers {
        field: &'static str,
        got: String,
        expected: String,
    },
    #[error("resume asks for byte {offset} of a file of {size} bytes")]
    ResumePastEnd { offset: u64, size: u64 },
    #[error("ack of {offset} bytes goes back from the {acked} already acknowledged")]
    AckBackwards { offset: u64, acked: u64 },
    #[error("ack of {offset} bytes is past the file's {size} bytes")]
    AckPastEnd { offset: u64, size: u64 },
    #[error("file data came before meta")]
    DataBeforeMeta,
    #[error("more file data came than the file's {size} bytes")]
    TooMuchData { size: u64 },
    #[error("end came after {written} of the file's {size} bytes")]
    EarlyEnd { written: u64, size: u64 },
    #[error("the receiver sent file data")]
    DataFromReceiver,
}

/// "a" or "an" before a message's type.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

impl Violation {
    /// The `error {code: "protocol"}` message that tells the peer.
    pub fn message(&self) -> Control {
        Control::Error {
            code: "protocol".into(),
            message: self.to_string(),
        }
    }
}

impl Control {
    /// The message's `type`, as the document names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Control::Meta { .. } => "meta",
            Control::Resume { .. } => "resume",
            Control::Ack { .. } => "ack",
            Control::End { .. } => "end",
            Control::Done { .. } => "done",
            Control::Error { .. } => "error",
            Control::Cancel => "cancel",
        }
    }

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

/// The sender's check of `resume`: any offset from 0 to the size is where to go on. One
/// below the last acknowledged offset means the receiver started over (it lost its partial
/// file and its hash state), so the sender sends from there; one equal to the size means the
/// receiver has every byte and waits for `end`.
pub fn resume_offset(offset: u64, size: u64) -> Result<u64, Violation> {
    if offset > size {
        return Err(Violation::ResumePastEnd { offset, size });
    }
    Ok(offset)
}

/// The sender's check of `ack`: acknowledgements never go back (on one channel: a new
/// channel starts again from its `resume`) and never pass the size.
pub fn ack_offset(offset: u64, acked: u64, size: u64) -> Result<u64, Violation> {
    if offset > size {
        return Err(Violation::AckPastEnd { offset, size });
    }
    if offset < acked {
        return Err(Violation::AckBackwards { offset, acked });
    }
    Ok(offset)
}

/// The receiver's check of `meta` against the `expected` one, made from the offer it
/// accepted: the transfer id, the name, the size and the MIME type must all be the offer's
/// (the sender announces the name exactly as the server relayed it: see `offered_name`).
pub fn check_meta(got: &Control, expected: &Control) -> Result<(), Violation> {
    let (
        Control::Meta {
            transfer_id,
            name,
            size,
            mime,
        },
        Control::Meta {
            transfer_id: expected_id,
            name: expected_name,
            size: expected_size,
            mime: expected_mime,
        },
    ) = (got, expected)
    else {
        return Err(Violation::Unexpected {
            message: got.kind(),
            when: "instead of meta",
        });
    };
    if transfer_id != expected_id {
        return Err(Violation::OtherTransfer {
            got: transfer_id.clone(),
            expected: expected_id.clone(),
        });
    }
    let differs = |field, got: String, expected: String| {
        Err(Violation::MetaDiffers {
            field,
            got,
            expected,
        })
    };
    if name != expected_name {
        return differs("name", format!("{name:?}"), format!("{expected_name:?}"));
    }
    if size != expected_size {
        return differs(
            "size",
            format!("{size} bytes"),
            format!("{expected_size} bytes"),
        );
    }
    if mime != expected_mime {
        return differs("type", format!("{mime:?}"), format!("{expected_mime:?}"));
    }
    Ok(())
}

/// Longest name the server takes at Start, in characters.
pub const MAX_OFFERED_NAME_CHARS: usize = 255;

/// The name a sender offers for a file called `name`, following the server's rules at Start
/// (trimmed, not empty, no control characters, at most [`MAX_OFFERED_NAME_CHARS`]
/// characters): control characters become `_`, an over-long name is cut keeping a short
/// extension, and nothing left becomes `file`. The server relays the name trimmed, so a
/// sender that offered it untrimmed would announce a `meta` that differs from the offer.
pub fn offered_name(name: &str) -> String {
    let replaced: String = name
        .trim()
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    let trimmed = replaced.as_str();
    if trimmed.is_empty() {
        return "file".into();
    }
    if trimmed.chars().count() <= MAX_OFFERED_NAME_CHARS {
        return trimmed.to_owned();
    }
    let extension = trimmed
        .rfind('.')
        .map(|dot| &trimmed[dot..])
        .filter(|extension| extension.chars().count() <= 16)
        .unwrap_or("");
    let keep = MAX_OFFERED_NAME_CHARS - extension.chars().count();
    let stem: String = trimmed.chars().take(keep).collect();
    format!("{}{extension}", stem.trim_end())
}

/// The ICE username fragment a session description names (`a=ice-ufrag:`): it changes with
/// every new connection, so it tells candidates of a replaced connection apart.
pub fn description_ufrag(sdp: &str) -> Option<&str> {
    sdp.lines()
        .find_map(|line| line.trim().strip_prefix("a=ice-ufrag:"))
        .map(str::trim)
}

/// The username fragment a candidate line names in its `ufrag` extension attribute (browsers
/// write it; this core adds it, see [`with_ufrag`]); `None` when it names none.
pub fn candidate_ufrag(candidate: &str) -> Option<&str> {
    let line = candidate.strip_prefix("candidate:").unwrap_or(candidate);
    // foundation, component, transport, priority, address, port, "typ", type; then pairs.
    let attributes: Vec<&str> = line.split_whitespace().skip(8).collect();
    attributes
        .chunks(2)
        .find(|pair| pair.len() == 2 && pair[0] == "ufrag")
        .map(|pair| pair[1])
}

/// `candidate` with the `ufrag` attribute of its connection added, unless it names one.
pub fn with_ufrag(candidate: &str, ufrag: &str) -> String {
    if candidate.is_empty() || candidate_ufrag(candidate).is_some() {
        candidate.to_owned()
    } else {
        format!("{candidate} ufrag {ufrag}")
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

    fn meta(id: &str, name: &str, size: u64, mime: &str) -> Control {
        Control::Meta {
            transfer_id: id.into(),
            name: name.into(),
            size,
            mime: mime.into(),
        }
    }

    #[test]
    fn meta_must_repeat_the_offer_in_every_field() {
        let offer = meta("t1", "a.txt", 5, "text/plain");
        assert_eq!(check_meta(&offer.clone(), &offer), Ok(()));
        let refusals = [
            (
                meta("t2", "a.txt", 5, "text/plain"),
                r#"meta names transfer "t2", but this is transfer "t1""#,
            ),
            (
                meta("t1", "b.exe", 5, "text/plain"),
                r#"meta gives the file's name as "b.exe", but the accepted offer gives "a.txt""#,
            ),
            (
                meta("t1", "a.txt", 6, "text/plain"),
                "meta gives the file's size as 6 bytes, but the accepted offer gives 5 bytes",
            ),
            (
                meta("t1", "a.txt", 5, "text/html"),
                r#"meta gives the file's type as "text/html", but the accepted offer gives "text/plain""#,
            ),
            (
                Control::Resume { offset: 0 },
                "a resume message came instead of meta",
            ),
        ];
        for (got, sentence) in refusals {
            assert_eq!(check_meta(&got, &offer).unwrap_err().to_string(), sentence);
        }
    }

    #[test]
    fn resume_goes_anywhere_in_the_file_but_not_past_it() {
        assert_eq!(resume_offset(0, 10), Ok(0));
        assert_eq!(resume_offset(10, 10), Ok(10));
        // Below what was acknowledged: the receiver started over, and so does the sender.
        assert_eq!(resume_offset(3, 10), Ok(3));
        let past = resume_offset(11, 10).unwrap_err();
        assert_eq!(
            past.to_string(),
            "resume asks for byte 11 of a file of 10 bytes"
        );
    }

    #[test]
    fn acks_never_go_back_or_past_the_end() {
        assert_eq!(ack_offset(5, 5, 10), Ok(5));
        assert_eq!(ack_offset(10, 5, 10), Ok(10));
        assert_eq!(
            ack_offset(4, 5, 10).unwrap_err().to_string(),
            "ack of 4 bytes goes back from the 5 already acknowledged"
        );
        assert_eq!(
            ack_offset(11, 5, 10).unwrap_err().to_string(),
            "ack of 11 bytes is past the file's 10 bytes"
        );
    }

    #[test]
    fn violations_are_sentences_without_debug_dumps() {
        let unreadable = Violation::Unreadable(Control::decode(b"{").unwrap_err());
        let message = unreadable.message();
        let Control::Error { code, message } = message else {
            panic!("not an error message");
        };
        assert_eq!(code, "protocol");
        assert!(
            message.starts_with("a control message is not valid"),
            "{message}"
        );
        for violation in [
            unreadable.clone(),
            Violation::DataBeforeMeta,
            Violation::TooMuchData { size: 3 },
            Violation::EarlyEnd {
                written: 1,
                size: 3,
            },
        ] {
            let text = violation.to_string();
            assert!(!text.contains("Ok(") && !text.contains('{'), "{text}");
        }
    }

    #[test]
    fn offered_names_follow_the_servers_rules() {
        assert_eq!(offered_name("report.pdf"), "report.pdf");
        assert_eq!(offered_name("  spaced.txt  "), "spaced.txt");
        assert_eq!(offered_name("a\nb\u{7}.txt"), "a_b_.txt");
        assert_eq!(offered_name(" \t "), "file");
        let long = format!("{}.tar.gz", "é".repeat(300));
        let cut = offered_name(&long);
        assert_eq!(cut.chars().count(), MAX_OFFERED_NAME_CHARS);
        assert!(cut.ends_with("é.gz"), "{cut}");
    }

    #[test]
    fn candidates_name_the_connection_they_belong_to() {
        let sdp = "v=0\r\na=ice-ufrag:AbCd\r\na=ice-pwd:x\r\n";
        assert_eq!(description_ufrag(sdp), Some("AbCd"));
        let ours = "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host";
        assert_eq!(candidate_ufrag(ours), None);
        let tagged = with_ufrag(ours, "AbCd");
        assert_eq!(tagged, format!("{ours} ufrag AbCd"));
        assert_eq!(candidate_ufrag(&tagged), Some("AbCd"));
        assert_eq!(with_ufrag(&tagged, "Other"), tagged);
        let chromium = "candidate:8 1 udp 1 x.local 5 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Zz9 network-cost 999";
        assert_eq!(candidate_ufrag(chromium), Some("Zz9"));
        assert_eq!(with_ufrag("", "AbCd"), "");
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

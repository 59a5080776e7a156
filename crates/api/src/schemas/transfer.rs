//! Peer-to-peer file transfer signaling. The server only relays: the sender starts a transfer,
//! the receiver accepts or declines, then SDP and ICE candidates travel through these endpoints
//! and arrive at the other party as WebSocket events. The bytes go over a WebRTC data channel.

use super::call::RTCConfiguration;
use super::upload::FileMetadata;
use crate::macros::contract_types;

contract_types! {
    /// Offers one file to a contact.
    pub struct StartNewReq {
        pub userid: String,
        pub file: FileMetadata,
    }

    pub struct StartNewResp {
        pub transfer_id: String,
        pub rtc: RTCConfiguration,
        /// Unix seconds after which an unanswered transfer expires.
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub expires_at: i64,
    }

    /// Names a transfer (accept, decline).
    pub struct TransferIdReq {
        pub transfer_id: String,
    }

    pub struct RTCSendOfferReq {
        pub transfer_id: String,
        pub sdp: String,
    }

    pub struct RTCSendAnswerReq {
        pub transfer_id: String,
        pub sdp: String,
    }

    /// Shaped like the browser's `RTCIceCandidateInit`.
    pub struct RTCSendCandidateReq {
        pub transfer_id: String,
        pub candidate: String,
        #[serde(default)]
        pub sdp_mid: Option<String>,
        #[serde(default)]
        pub sdp_m_line_index: Option<u16>,
    }
}

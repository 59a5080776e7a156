//! Calls: ICE servers and a LiveKit token, and ringing a chat partner. The same ICE servers
//! serve peer-to-peer file transfers.

use crate::macros::contract_types;

contract_types! {
    /// The part of the browser's `RTCConfiguration` the server decides: which ICE servers to use.
    pub struct RTCConfiguration {
        pub ice_servers: Vec<IceServer>,
    }

    /// A STUN or TURN server, shaped like the browser's `RTCIceServer`. TURN credentials are
    /// time-limited (coturn's `use-auth-secret` scheme: username `<expiry>:<userid>`).
    pub struct IceServer {
        pub urls: Vec<String>,
        #[serde(default)]
        pub username: Option<String>,
        #[serde(default)]
        pub credential: Option<String>,
    }

    pub struct GetAccessResp {
        pub rtc: RTCConfiguration,
        /// The LiveKit server's WebSocket URL.
        pub livekit_url: String,
        /// A LiveKit access token: identity is the user, room is the chat.
        pub livekit_token: String,
    }

    /// Query: the chat the call belongs to.
    pub struct CallAccessQuery {
        pub chatid: String,
    }

    pub struct InvitePartnerReq {
        pub chatid: String,
    }
}

// ---- Call signaling: an extension of the index (docs/call-signaling.md) ----
//
// The index rings a partner and hands out access to a LiveKit room. A call carried peer to
// peer also needs an answer, a decline, a hang-up and its SDP and ICE candidates relayed;
// these endpoints and the `callAnswered`, `callSignal` events (with the reason added to
// `callEnded`) do that, as the file-transfer rows do for transfers.

contract_types! {
    /// Names the call of a direct chat: at most one call per chat rings or runs at a time.
    pub struct CallRef {
        pub chatid: String,
    }

    /// The callee declines a ringing call; `busy` says they are in another call.
    pub struct DeclineCallReq {
        pub chatid: String,
        #[serde(default)]
        pub busy: bool,
    }

    /// One signaling message of an answered call, for the other party.
    pub struct CallSignalReq {
        pub chatid: String,
        pub signal: CallSignal,
    }

    /// An offer (the caller's), an answer (the callee's) or an ICE candidate (either's), with
    /// the field names of the browser's `RTCSessionDescriptionInit` and `RTCIceCandidateInit`.
    #[serde(tag = "type")]
    pub enum CallSignal {
        Offer {
            sdp: String,
        },
        Answer {
            sdp: String,
        },
        #[serde(rename_all = "camelCase")]
        Candidate {
            candidate: String,
            #[serde(default)]
            sdp_mid: Option<String>,
            #[serde(default, rename = "sdpMLineIndex")]
            sdp_m_line_index: Option<u16>,
            #[serde(default)]
            username_fragment: Option<String>,
        },
    }

    /// Why a call ended, as `callEnded` tells it.
    pub enum CallEndReason {
        /// Nobody answered within the ring timeout.
        Missed,
        /// The callee declined.
        Declined,
        /// The callee was in another call.
        Busy,
        /// The caller hung up before anyone answered.
        Cancelled,
        /// A party hung up an answered call.
        HungUp,
    }
}

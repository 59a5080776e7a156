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

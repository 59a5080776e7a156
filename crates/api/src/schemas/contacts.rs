//! Contacts: the chat list. A contact is a direct chat with one partner.

use super::common::{PublicUserData, Timestamp};
use crate::macros::contract_types;

contract_types! {
    /// The newest message of a chat, for the list.
    pub struct LatestMessage {
        pub msgid: String,
        pub message: String,
        pub is_author: bool,
        pub sent_at: Timestamp,
    }

    pub struct Contact {
        pub chatid: String,
        pub user: PublicUserData,
        pub muted: bool,
        /// Unread messages from the partner.
        pub notifications: u32,
        /// `false` while the partner has not answered the contact request.
        pub accepted: bool,
        #[serde(default)]
        pub latest_message: Option<LatestMessage>,
    }

    pub struct AddContactReq {
        #[schemars(length(min = 1))]
        pub userid: String,
    }

    pub struct SetMuteReq {
        pub chatid: String,
        pub muted: bool,
    }

    pub struct DeleteContactReq {
        pub chatid: String,
    }
}

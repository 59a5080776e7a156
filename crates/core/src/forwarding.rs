//! Forwarding a message into another chat (the contract's extension
//! `chatenium_api::DmForwardMessage`). Kept apart from `dm_actions` while the core is being
//! restructured; it belongs with the other message actions.

use chatenium_api::schemas::dm::{ForwardMessageReq, Message};
use chatenium_api::DmForwardMessage;

use crate::error::ClientError;
use crate::Client;

impl Client {
    /// Forwards message `msgid` of chat `chatid`, with its attachments, into chat `to_chatid`.
    /// The server tells the other connections; this one takes the new message into its cache
    /// as live sync would.
    pub async fn forward_message(
        &self,
        chatid: &str,
        msgid: &str,
        to_chatid: &str,
    ) -> Result<Message, ClientError> {
        let request = ForwardMessageReq {
            chatid: chatid.to_owned(),
            msgid: msgid.to_owned(),
            forward_to: to_chatid.to_owned(),
        };
        let forwarded = self
            .shared
            .session
            .call::<DmForwardMessage>(&(), &request)
            .await?;
        self.shared.ingest_messages(vec![forwarded.clone()]).await?;
        Ok(forwarded)
    }
}

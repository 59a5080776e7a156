//! Forwarding a message into another chat (the contract's extension
//! `chatenium_api::DmForwardMessage`), an extension of the published index that the real
//! service offers.

use chatenium_api::schemas::dm::{ForwardMessageReq, Message};
use chatenium_api::DmForwardMessage;

use crate::conversations;
use crate::error::ClientError;
use crate::feed::DmFeed;
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
            .ctx
            .session
            .call::<DmForwardMessage>(&(), &request)
            .await?;
        let feed = DmFeed::new(to_chatid);
        conversations::ingest(&self.ctx, &feed, vec![forwarded.clone()]).await?;
        Ok(forwarded)
    }
}

//! Forwarding a message into a chat or a thread (the contract's extensions
//! `chatenium_api::DmForwardMessage` and `chatenium_api::TmForwardMessage`), an extension of the
//! published index that the real service offers. The message forwarded may be a chat's or a
//! thread's; the server checks that the caller reads it and may write the target.

use chatenium_api::schemas::dm::{ForwardMessageReq, Message};
use chatenium_api::schemas::thread::{TMForwardMessageReq, ThreadMessage, ThreadQuery};
use chatenium_api::{DmForwardMessage, TmForwardMessage};

use crate::conversation::ConversationId;
use crate::conversations;
use crate::error::ClientError;
use crate::feed::{DmFeed, ThreadFeed};
use crate::Client;

/// The new message a forward made, in the target's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Forwarded {
    Dm(Message),
    Thread(ThreadMessage),
}

/// The source as the contract's requests name it: `chatid`, or `fromThread`.
fn source(from: &ConversationId) -> (String, Option<ThreadQuery>) {
    match from {
        ConversationId::Dm { chatid } => (chatid.clone(), None),
        ConversationId::Thread {
            cascade_id,
            thread_id,
        } => (
            String::new(),
            Some(ThreadQuery {
                cascade_id: cascade_id.clone(),
                thread_id: thread_id.clone(),
            }),
        ),
    }
}

impl Client {
    /// Forwards message `msgid` of conversation `from`, with its attachments, into conversation
    /// `to`. The server tells the target's other connections; this one takes the new message
    /// into its cache and open timeline as live sync would.
    pub async fn forward(
        &self,
        from: &ConversationId,
        msgid: &str,
        to: &ConversationId,
    ) -> Result<Forwarded, ClientError> {
        match to {
            ConversationId::Dm { chatid } => self
                .forward_to_chat(from, msgid, chatid)
                .await
                .map(Forwarded::Dm),
            ConversationId::Thread {
                cascade_id,
                thread_id,
            } => self
                .forward_to_thread(from, msgid, cascade_id, thread_id)
                .await
                .map(Forwarded::Thread),
        }
    }

    /// Forwards message `msgid` of chat `chatid`, with its attachments, into chat `to_chatid`
    /// (the direct-chat case of [`Client::forward`]).
    pub async fn forward_message(
        &self,
        chatid: &str,
        msgid: &str,
        to_chatid: &str,
    ) -> Result<Message, ClientError> {
        self.forward_to_chat(&ConversationId::dm(chatid), msgid, to_chatid)
            .await
    }

    async fn forward_to_chat(
        &self,
        from: &ConversationId,
        msgid: &str,
        to_chatid: &str,
    ) -> Result<Message, ClientError> {
        let (chatid, from_thread) = source(from);
        let request = ForwardMessageReq {
            chatid,
            from_thread,
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

    async fn forward_to_thread(
        &self,
        from: &ConversationId,
        msgid: &str,
        cascade_id: &str,
        thread_id: &str,
    ) -> Result<ThreadMessage, ClientError> {
        let (chatid, from_thread) = source(from);
        let request = TMForwardMessageReq {
            cascade_id: cascade_id.to_owned(),
            thread_id: thread_id.to_owned(),
            chatid,
            from_thread,
            msgid: msgid.to_owned(),
        };
        let forwarded = self
            .ctx
            .session
            .call::<TmForwardMessage>(&(), &request)
            .await?;
        let feed = ThreadFeed::new(cascade_id, thread_id);
        conversations::ingest(&self.ctx, &feed, vec![forwarded.clone()]).await?;
        Ok(forwarded)
    }
}

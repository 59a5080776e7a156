//! [`Feed`]: the one trait through which the engine handles a conversation's messages,
//! whatever kind it is. [`DmFeed`] (a direct chat) and [`ThreadFeed`] (a thread of a cascade)
//! say how each kind is fetched, sent, changed on the server and cached; catch-up (`catchup`),
//! the outbox (`outbox`) and the timelines (`conversations`) are written once against it.

use async_trait::async_trait;
use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::dm::{
    DeleteMessagesReq, EditMessageReq, GetMessagesQuery, Message, MessagePositionQuery,
    PinMessageReq, SendMessageReq,
};
use chatenium_api::schemas::thread::{
    TMDeleteMessagesReq, TMEditMessageReq, TMGetMessagesQuery, TMPinMessageReq, TMPositionQuery,
    TMSendMessageReq, ThreadMessage,
};
use chatenium_api::{
    DmDeleteMessages, DmEditMessage, DmGetMessages, DmGetPosition, DmPinMessage, DmSendMessage,
    DmUnpinMessage, TmDeleteMessages, TmEditMessage, TmGetMessages, TmGetPosition, TmPinMessage,
    TmSendMessage, TmUnpinMessage,
};

use crate::context::Context;
use crate::conversation::ConversationId;
use crate::diff::ListDiff;
use crate::error::ClientError;
use crate::events::CoreEvent;
use crate::store::{OutgoingMessage, Store, StoreResult};
use crate::timeline::{OpenTimeline, Timeline, TimelineItem, TimelineMessage};

/// A conversation as the engine drives it. Cheap to clone (its ids), as cache work takes it
/// onto a blocking thread.
#[async_trait]
pub(crate) trait Feed: Clone + Send + Sync + 'static {
    type Message: TimelineMessage + Send + Sync + 'static;

    fn id(&self) -> ConversationId;

    // The server.
    /// A page, oldest first: the one starting `from` messages back from the newest, or the
    /// messages after `after`.
    async fn fetch(
        &self,
        ctx: &Context,
        from: Option<u32>,
        limit: u32,
        after: Option<String>,
    ) -> Result<Vec<Self::Message>, ClientError>;
    /// The `from` of the page that holds `msgid`.
    async fn position(&self, ctx: &Context, msgid: &str) -> Result<u32, ClientError>;
    /// Sends a queued message (idempotent by its client key); answers the stored message.
    async fn send(
        &self,
        ctx: &Context,
        outgoing: &OutgoingMessage,
    ) -> Result<Self::Message, ClientError>;
    async fn edit(
        &self,
        ctx: &Context,
        msgid: &str,
        text: &str,
    ) -> Result<Self::Message, ClientError>;
    async fn delete(&self, ctx: &Context, msgids: &[String]) -> Result<(), ClientError>;
    async fn pin(&self, ctx: &Context, msgid: &str, pinned: bool) -> Result<(), ClientError>;

    // The cache (blocking: run through `ctx.store`).
    fn cache(&self, store: &dyn Store, messages: &[Self::Message]) -> StoreResult<()>;
    fn cached_latest(&self, store: &dyn Store, limit: u32) -> StoreResult<Vec<Self::Message>>;
    fn cached_before(
        &self,
        store: &dyn Store,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Self::Message>>;
    fn cache_edit(&self, store: &dyn Store, msgid: &str, text: &str) -> StoreResult<bool>;
    fn cache_remove(&self, store: &dyn Store, msgids: &[String]) -> StoreResult<()>;
    fn cache_pin(&self, store: &dyn Store, msgid: &str, pinned: bool) -> StoreResult<bool>;

    // The open timeline.
    fn timeline(open: &mut OpenTimeline) -> Option<&mut Timeline<Self::Message>>;
    fn open(timeline: Timeline<Self::Message>) -> OpenTimeline;
    fn event(&self, diff: ListDiff<TimelineItem<Self::Message>>) -> CoreEvent;
    /// Tells the app about newly stored messages beyond the timeline (the chat list follows
    /// direct messages on its own; a thread announces each message).
    fn announce(&self, _ctx: &Context, _messages: &[Self::Message]) {}
}

#[derive(Debug, Clone)]
pub(crate) struct DmFeed {
    pub chatid: String,
}

impl DmFeed {
    pub fn new(chatid: &str) -> DmFeed {
        DmFeed {
            chatid: chatid.to_owned(),
        }
    }
}

#[async_trait]
impl Feed for DmFeed {
    type Message = Message;

    fn id(&self) -> ConversationId {
        ConversationId::dm(&self.chatid)
    }

    async fn fetch(
        &self,
        ctx: &Context,
        from: Option<u32>,
        limit: u32,
        after: Option<String>,
    ) -> Result<Vec<Message>, ClientError> {
        let query = GetMessagesQuery {
            chatid: self.chatid.clone(),
            from,
            limit: Some(limit),
            after,
        };
        ctx.session.call::<DmGetMessages>(&query, &()).await
    }

    async fn position(&self, ctx: &Context, msgid: &str) -> Result<u32, ClientError> {
        let query = MessagePositionQuery {
            chatid: self.chatid.clone(),
            msgid: msgid.to_owned(),
        };
        Ok(ctx.session.call::<DmGetPosition>(&query, &()).await?.from)
    }

    async fn send(
        &self,
        ctx: &Context,
        outgoing: &OutgoingMessage,
    ) -> Result<Message, ClientError> {
        let request = SendMessageReq {
            chatid: self.chatid.clone(),
            message: outgoing.text.clone(),
            reply_to_id: outgoing.reply_to_id.clone(),
            file_ids: outgoing.file_ids.clone(),
            client_key: outgoing.client_key.clone(),
        };
        ctx.session.call::<DmSendMessage>(&(), &request).await
    }

    async fn edit(&self, ctx: &Context, msgid: &str, text: &str) -> Result<Message, ClientError> {
        let request = EditMessageReq {
            chatid: self.chatid.clone(),
            msgid: msgid.to_owned(),
            message: text.to_owned(),
        };
        ctx.session.call::<DmEditMessage>(&(), &request).await
    }

    async fn delete(&self, ctx: &Context, msgids: &[String]) -> Result<(), ClientError> {
        let request = DeleteMessagesReq {
            chatid: self.chatid.clone(),
            msgids: msgids.to_vec(),
        };
        ctx.session.call::<DmDeleteMessages>(&(), &request).await?;
        Ok(())
    }

    async fn pin(&self, ctx: &Context, msgid: &str, pinned: bool) -> Result<(), ClientError> {
        let request = PinMessageReq {
            chatid: self.chatid.clone(),
            msgid: msgid.to_owned(),
        };
        if pinned {
            ctx.session.call::<DmPinMessage>(&(), &request).await?;
        } else {
            ctx.session.call::<DmUnpinMessage>(&(), &request).await?;
        }
        Ok(())
    }

    fn cache(&self, store: &dyn Store, messages: &[Message]) -> StoreResult<()> {
        store.upsert_messages(messages)
    }

    fn cached_latest(&self, store: &dyn Store, limit: u32) -> StoreResult<Vec<Message>> {
        store.latest_messages(&self.chatid, limit)
    }

    fn cached_before(
        &self,
        store: &dyn Store,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        store.messages_before(&self.chatid, before, limit)
    }

    fn cache_edit(&self, store: &dyn Store, msgid: &str, text: &str) -> StoreResult<bool> {
        store.edit_message(&self.chatid, msgid, text)
    }

    fn cache_remove(&self, store: &dyn Store, msgids: &[String]) -> StoreResult<()> {
        store.remove_messages(&self.chatid, msgids)
    }

    fn cache_pin(&self, store: &dyn Store, msgid: &str, pinned: bool) -> StoreResult<bool> {
        store.set_pinned(&self.chatid, msgid, pinned)
    }

    fn timeline(open: &mut OpenTimeline) -> Option<&mut Timeline<Message>> {
        match open {
            OpenTimeline::Dm(timeline) => Some(timeline),
            OpenTimeline::Thread(_) => None,
        }
    }

    fn open(timeline: Timeline<Message>) -> OpenTimeline {
        OpenTimeline::Dm(timeline)
    }

    fn event(&self, diff: ListDiff<TimelineItem<Message>>) -> CoreEvent {
        CoreEvent::Timeline {
            chatid: self.chatid.clone(),
            diff,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ThreadFeed {
    pub cascade_id: String,
    pub thread_id: String,
}

impl ThreadFeed {
    pub fn new(cascade_id: &str, thread_id: &str) -> ThreadFeed {
        ThreadFeed {
            cascade_id: cascade_id.to_owned(),
            thread_id: thread_id.to_owned(),
        }
    }
}

#[async_trait]
impl Feed for ThreadFeed {
    type Message = ThreadMessage;

    fn id(&self) -> ConversationId {
        ConversationId::thread(&self.cascade_id, &self.thread_id)
    }

    async fn fetch(
        &self,
        ctx: &Context,
        from: Option<u32>,
        limit: u32,
        after: Option<String>,
    ) -> Result<Vec<ThreadMessage>, ClientError> {
        let query = TMGetMessagesQuery {
            cascade_id: self.cascade_id.clone(),
            thread_id: self.thread_id.clone(),
            from,
            limit: Some(limit),
            after,
        };
        ctx.session.call::<TmGetMessages>(&query, &()).await
    }

    async fn position(&self, ctx: &Context, msgid: &str) -> Result<u32, ClientError> {
        let query = TMPositionQuery {
            cascade_id: self.cascade_id.clone(),
            thread_id: self.thread_id.clone(),
            msgid: msgid.to_owned(),
        };
        Ok(ctx.session.call::<TmGetPosition>(&query, &()).await?.from)
    }

    async fn send(
        &self,
        ctx: &Context,
        outgoing: &OutgoingMessage,
    ) -> Result<ThreadMessage, ClientError> {
        let request = TMSendMessageReq {
            cascade_id: self.cascade_id.clone(),
            thread_id: self.thread_id.clone(),
            message: outgoing.text.clone(),
            reply_to_id: outgoing.reply_to_id.clone(),
            file_ids: outgoing.file_ids.clone(),
            client_key: outgoing.client_key.clone(),
        };
        ctx.session.call::<TmSendMessage>(&(), &request).await
    }

    async fn edit(
        &self,
        ctx: &Context,
        msgid: &str,
        text: &str,
    ) -> Result<ThreadMessage, ClientError> {
        let request = TMEditMessageReq {
            cascade_id: self.cascade_id.clone(),
            thread_id: self.thread_id.clone(),
            msgid: msgid.to_owned(),
            message: text.to_owned(),
        };
        ctx.session.call::<TmEditMessage>(&(), &request).await
    }

    async fn delete(&self, ctx: &Context, msgids: &[String]) -> Result<(), ClientError> {
        let request = TMDeleteMessagesReq {
            cascade_id: self.cascade_id.clone(),
            thread_id: self.thread_id.clone(),
            msgids: msgids.to_vec(),
        };
        ctx.session.call::<TmDeleteMessages>(&(), &request).await?;
        Ok(())
    }

    async fn pin(&self, ctx: &Context, msgid: &str, pinned: bool) -> Result<(), ClientError> {
        let request = TMPinMessageReq {
            cascade_id: self.cascade_id.clone(),
            thread_id: self.thread_id.clone(),
            msgid: msgid.to_owned(),
        };
        if pinned {
            ctx.session.call::<TmPinMessage>(&(), &request).await?;
        } else {
            ctx.session.call::<TmUnpinMessage>(&(), &request).await?;
        }
        Ok(())
    }

    fn cache(&self, store: &dyn Store, messages: &[ThreadMessage]) -> StoreResult<()> {
        store.upsert_thread_messages(messages)
    }

    fn cached_latest(&self, store: &dyn Store, limit: u32) -> StoreResult<Vec<ThreadMessage>> {
        store.latest_thread_messages(&self.cascade_id, &self.thread_id, limit)
    }

    fn cached_before(
        &self,
        store: &dyn Store,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ThreadMessage>> {
        store.thread_messages_before(&self.cascade_id, &self.thread_id, before, limit)
    }

    fn cache_edit(&self, store: &dyn Store, msgid: &str, text: &str) -> StoreResult<bool> {
        store.edit_thread_message(&self.cascade_id, &self.thread_id, msgid, text)
    }

    fn cache_remove(&self, store: &dyn Store, msgids: &[String]) -> StoreResult<()> {
        store.remove_thread_messages(&self.cascade_id, &self.thread_id, msgids)
    }

    fn cache_pin(&self, store: &dyn Store, msgid: &str, pinned: bool) -> StoreResult<bool> {
        store.set_thread_pinned(&self.cascade_id, &self.thread_id, msgid, pinned)
    }

    fn timeline(open: &mut OpenTimeline) -> Option<&mut Timeline<ThreadMessage>> {
        match open {
            OpenTimeline::Thread(timeline) => Some(timeline),
            OpenTimeline::Dm(_) => None,
        }
    }

    fn open(timeline: Timeline<ThreadMessage>) -> OpenTimeline {
        OpenTimeline::Thread(timeline)
    }

    fn event(&self, diff: ListDiff<TimelineItem<ThreadMessage>>) -> CoreEvent {
        CoreEvent::ThreadTimeline {
            cascade_id: self.cascade_id.clone(),
            thread_id: self.thread_id.clone(),
            diff,
        }
    }

    fn announce(&self, ctx: &Context, messages: &[ThreadMessage]) {
        for message in messages {
            ctx.emit(CoreEvent::ThreadMessage {
                message: message.clone(),
            });
        }
    }
}

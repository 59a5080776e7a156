//! A thread's messages, as `dm_actions` does a direct chat's: open and page its timeline,
//! jump to a message, send (queued, echoed, exactly once), retry or discard a refused send,
//! edit, delete, pin. Each action applies its own result as the diffs live sync would (the
//! server does not echo a change to the connection that made it).

use chatenium_api::schemas::thread::{ThreadMessage, ThreadQuery};
use chatenium_api::TmPinnedMessages;

use crate::conversation::ConversationId;
use crate::conversations;
use crate::error::ClientError;
use crate::feed::{Feed, ThreadFeed};
use crate::timeline::TimelineItem;
use crate::Client;

/// A row of a thread's timeline.
pub type ThreadTimelineItem = TimelineItem<ThreadMessage>;

impl Client {
    /// Opens a thread's timeline: the snapshot to render now. Its changes arrive as
    /// [`crate::CoreEvent::ThreadTimeline`] events.
    pub async fn open_thread(
        &self,
        cascade_id: &str,
        thread_id: &str,
    ) -> Result<Vec<ThreadTimelineItem>, ClientError> {
        conversations::open(&self.ctx, &ThreadFeed::new(cascade_id, thread_id)).await
    }

    /// What an open thread timeline shows now (`None` when it is not open).
    pub fn thread_snapshot(
        &self,
        cascade_id: &str,
        thread_id: &str,
    ) -> Option<Vec<ThreadTimelineItem>> {
        conversations::snapshot(&self.ctx, &ThreadFeed::new(cascade_id, thread_id))
    }

    pub fn close_thread_timeline(&self, cascade_id: &str, thread_id: &str) {
        conversations::close(&self.ctx, &ConversationId::thread(cascade_id, thread_id));
    }

    /// Loads older messages of an open thread timeline; answers how many arrived.
    pub async fn load_older_in_thread(
        &self,
        cascade_id: &str,
        thread_id: &str,
    ) -> Result<usize, ClientError> {
        conversations::load_older(&self.ctx, &ThreadFeed::new(cascade_id, thread_id)).await
    }

    /// After a jump far back, loads the page after the newest message shown (0: the timeline
    /// is at the newest messages and follows live ones).
    pub async fn load_newer_in_thread(
        &self,
        cascade_id: &str,
        thread_id: &str,
    ) -> Result<usize, ClientError> {
        conversations::load_newer(&self.ctx, &ThreadFeed::new(cascade_id, thread_id)).await
    }

    /// Jumps an open thread timeline to the page holding `msgid` (a `Reset` diff).
    pub async fn jump_to_thread_message(
        &self,
        cascade_id: &str,
        thread_id: &str,
        msgid: &str,
    ) -> Result<(), ClientError> {
        conversations::jump(&self.ctx, &ThreadFeed::new(cascade_id, thread_id), msgid).await
    }

    /// Queues a message to a thread: echoed at once, sent exactly once by the outbox (also
    /// after a restart). Answers its client key.
    pub async fn send_thread_message(
        &self,
        cascade_id: &str,
        thread_id: &str,
        text: &str,
        reply_to_id: Option<String>,
        file_ids: Vec<String>,
    ) -> Result<String, ClientError> {
        let feed = ThreadFeed::new(cascade_id, thread_id);
        conversations::queue(&self.ctx, &feed, text, reply_to_id, file_ids).await
    }

    /// Queues a refused thread message again (same client key, so still sent once).
    pub async fn retry_thread_send(
        &self,
        cascade_id: &str,
        thread_id: &str,
        client_key: &str,
    ) -> Result<(), ClientError> {
        let id = ConversationId::thread(cascade_id, thread_id);
        conversations::retry(&self.ctx, &id, client_key).await
    }

    /// Gives up on a refused thread message: it leaves the outbox and the timeline.
    pub async fn discard_thread_send(
        &self,
        cascade_id: &str,
        thread_id: &str,
        client_key: &str,
    ) -> Result<(), ClientError> {
        let id = ConversationId::thread(cascade_id, thread_id);
        conversations::discard(&self.ctx, &id, client_key).await
    }

    pub async fn edit_thread_message(
        &self,
        cascade_id: &str,
        thread_id: &str,
        msgid: &str,
        text: &str,
    ) -> Result<(), ClientError> {
        let feed = ThreadFeed::new(cascade_id, thread_id);
        let edited = feed.edit(&self.ctx, msgid, text).await?;
        conversations::ingest(&self.ctx, &feed, vec![edited]).await
    }

    /// Deletes several messages of a thread at once.
    pub async fn delete_thread_messages(
        &self,
        cascade_id: &str,
        thread_id: &str,
        msgids: Vec<String>,
    ) -> Result<(), ClientError> {
        let feed = ThreadFeed::new(cascade_id, thread_id);
        feed.delete(&self.ctx, &msgids).await?;
        conversations::removed(&self.ctx, &feed, &msgids).await
    }

    pub async fn set_thread_message_pinned(
        &self,
        cascade_id: &str,
        thread_id: &str,
        msgid: &str,
        pinned: bool,
    ) -> Result<(), ClientError> {
        let feed = ThreadFeed::new(cascade_id, thread_id);
        feed.pin(&self.ctx, msgid, pinned).await?;
        conversations::pinned(&self.ctx, &feed, msgid, pinned).await
    }

    pub async fn pinned_thread_messages(
        &self,
        cascade_id: &str,
        thread_id: &str,
    ) -> Result<Vec<ThreadMessage>, ClientError> {
        let query = ThreadQuery {
            cascade_id: cascade_id.to_owned(),
            thread_id: thread_id.to_owned(),
        };
        self.ctx.session.call::<TmPinnedMessages>(&query, &()).await
    }
}

//! Helpers of the cascade and thread tests: cascade and thread requests, threads and thread
//! messages. Cascades, joins, roles and subscriptions are set up with [`super::fixture`].

use chatenium_api::schemas::cascade::{CreateCascadeReq, ThreadsQuery};
use chatenium_api::schemas::thread::{
    StartNewThreadReq, TMGetMessagesQuery, TMSendMessageReq, Thread, ThreadMessage,
};
use chatenium_api::{GetThreads, StartThread, TmGetMessages, TmSendMessage};

use super::chat::fresh_key;
use super::{As, TestServer, User};

/// A cascade request with an invite without limits.
pub fn new_cascade(name: &str, public: bool) -> CreateCascadeReq {
    CreateCascadeReq {
        name: name.to_owned(),
        public,
        picture_file_id: None,
        invite_max_uses: None,
        invite_expires_in_secs: None,
    }
}

/// A plain text thread message with a fresh client key.
pub fn tm_text(cascade_id: &str, thread_id: &str, message: &str) -> TMSendMessageReq {
    TMSendMessageReq {
        cascade_id: cascade_id.to_owned(),
        thread_id: thread_id.to_owned(),
        message: message.to_owned(),
        reply_to_id: None,
        file_ids: Vec::new(),
        client_key: fresh_key(),
    }
}

/// A page query of a thread: `from` and `limit` as given, no `after`.
pub fn tm_page(
    cascade_id: &str,
    thread_id: &str,
    from: Option<u32>,
    limit: Option<u32>,
) -> TMGetMessagesQuery {
    TMGetMessagesQuery {
        cascade_id: cascade_id.to_owned(),
        thread_id: thread_id.to_owned(),
        from,
        limit,
        after: None,
    }
}

pub fn thread_request(cascade_id: &str, parent: Option<&str>, name: &str) -> StartNewThreadReq {
    StartNewThreadReq {
        cascade_id: cascade_id.to_owned(),
        parent_id: parent.map(str::to_owned),
        name: name.to_owned(),
        description: None,
    }
}

impl TestServer {
    pub async fn start_thread(
        &self,
        who: As<'_>,
        cascade_id: &str,
        parent: Option<&str>,
        name: &str,
    ) -> Thread {
        self.call::<StartThread>(who, &(), &thread_request(cascade_id, parent, name))
            .await
            .expect("the thread is started")
    }

    pub async fn threads(&self, who: &User, cascade_id: &str, parent: Option<&str>) -> Vec<Thread> {
        let query = ThreadsQuery {
            cascade_id: cascade_id.to_owned(),
            parent_id: parent.map(str::to_owned),
        };
        self.call::<GetThreads>(who.auth(), &query, &())
            .await
            .expect("the threads")
    }

    pub async fn send_tm(
        &self,
        who: As<'_>,
        cascade_id: &str,
        thread_id: &str,
        message: &str,
    ) -> ThreadMessage {
        self.call::<TmSendMessage>(who, &(), &tm_text(cascade_id, thread_id, message))
            .await
            .expect("the thread message is sent")
    }

    pub async fn tm_messages(&self, who: &User, query: &TMGetMessagesQuery) -> Vec<ThreadMessage> {
        self.call::<TmGetMessages>(who.auth(), query, &())
            .await
            .expect("a page of thread messages")
    }
}

//! Helpers of the cascade and thread tests: cascades, joins, threads, thread messages, socket
//! subscriptions, and roles the contract has no endpoint for.

use chatenium_api::schemas::cascade::{
    Cascade, CascadeRole, CreateCascadeReq, JoinFromInviteReq, ThreadsQuery,
};
use chatenium_api::schemas::thread::{
    StartNewThreadReq, TMGetMessagesQuery, TMSendMessageReq, Thread, ThreadMessage,
};
use chatenium_api::ws::{ClientCommand, Subscription};
use chatenium_api::{
    CreateCascade, GetThreads, JoinFromInvite, StartThread, TmGetMessages, TmSendMessage,
};

use super::chat::fresh_key;
use super::{As, Socket, TestServer, User};

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

/// Follows the cascades' thread events on this connection; the ping barrier makes sure the
/// server has taken the subscription before the test goes on.
pub async fn subscribe(socket: &mut Socket, cascade_ids: &[&str]) {
    let subscription = Subscription {
        cascade_ids: cascade_ids.iter().map(|&id| id.to_owned()).collect(),
    };
    socket.send(&ClientCommand::Subscribe(subscription)).await;
    assert_eq!(socket.drain().await, vec![], "nothing was pending");
}

impl TestServer {
    pub async fn create_cascade(&self, owner: &User, name: &str, public: bool) -> Cascade {
        self.call::<CreateCascade>(owner.auth(), &(), &new_cascade(name, public))
            .await
            .expect("the cascade is created")
    }

    /// `owner` creates a cascade that `members` join with its invite.
    pub async fn cascade_with(&self, owner: &User, members: &[&User]) -> Cascade {
        let cascade = self.create_cascade(owner, "Klub", false).await;
        let code = cascade
            .invite
            .clone()
            .expect("the owner sees the invite")
            .code;
        for member in members {
            self.join_with_invite(member, &code).await;
        }
        cascade
    }

    pub async fn join_with_invite(&self, user: &User, code: &str) -> Cascade {
        self.call::<JoinFromInvite>(
            user.auth(),
            &(),
            &JoinFromInviteReq {
                code: code.to_owned(),
            },
        )
        .await
        .expect("the invite admits")
    }

    /// Gives a member a role; the contract has no endpoint for making admins.
    pub async fn set_role(&self, cascade_id: &str, user: &User, role: CascadeRole) {
        let role = match role {
            CascadeRole::Owner => "owner",
            CascadeRole::Admin => "admin",
            CascadeRole::Member => "member",
        };
        self.sql(&format!(
            "UPDATE cascade_members SET role = '{role}' WHERE cascade_id = '{cascade_id}' AND user_id = '{}'",
            user.userid
        ))
        .await;
    }

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

    /// One number from the database, e.g. a `COUNT(*)`.
    pub async fn count(&self, sql: &str) -> i64 {
        let sql = sql.to_owned();
        self.server
            .state()
            .db
            .call(move |c| Ok(c.query_row(&sql, [], |row| row.get(0))?))
            .await
            .expect("the query runs")
    }
}

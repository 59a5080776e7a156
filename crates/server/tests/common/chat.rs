//! Helpers of the contacts and direct messaging tests: sends, pages, the contact list, and a
//! complete upload made without the upload endpoints. Contacts are set up with
//! [`super::fixture`].

use std::sync::atomic::{AtomicU64, Ordering};

use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::{GetMessagesQuery, Message, SendMessageReq};
use chatenium_api::ws::ServerEvent;
use chatenium_api::{DmGetMessages, DmSendMessage, GetContacts};

use super::{As, Socket, TestServer, User};

/// A client key no other send of the test run uses.
pub fn fresh_key() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("key-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A plain text send with a fresh client key.
pub fn text(chatid: &str, message: &str) -> SendMessageReq {
    SendMessageReq {
        chatid: chatid.to_owned(),
        message: message.to_owned(),
        reply_to_id: None,
        file_ids: Vec::new(),
        client_key: fresh_key(),
    }
}

/// A page query: `from` and `limit` as given, no `after`.
pub fn page(chatid: &str, from: Option<u32>, limit: Option<u32>) -> GetMessagesQuery {
    GetMessagesQuery {
        chatid: chatid.to_owned(),
        from,
        limit,
        after: None,
    }
}

/// What each socket received so far, in order: the ping barrier of [`Socket::drain`] for each.
pub async fn drain_all<'a>(
    sockets: impl IntoIterator<Item = &'a mut Socket>,
) -> Vec<Vec<ServerEvent>> {
    let mut received = Vec::new();
    for socket in sockets {
        received.push(socket.drain().await);
    }
    received
}

impl TestServer {
    pub async fn send_text(&self, who: As<'_>, chatid: &str, message: &str) -> Message {
        self.call::<DmSendMessage>(who, &(), &text(chatid, message))
            .await
            .expect("the message is sent")
    }

    pub async fn contacts(&self, who: &User) -> Vec<Contact> {
        self.call::<GetContacts>(who.auth(), &(), &())
            .await
            .expect("the contacts")
    }

    pub async fn messages(&self, who: &User, query: &GetMessagesQuery) -> Vec<Message> {
        self.call::<DmGetMessages>(who.auth(), query, &())
            .await
            .expect("a page of messages")
    }

    /// Test setup only: the upload endpoints are not part of these tests, so this writes a
    /// file's bytes where storage keeps them and inserts its `files` row in `state` ("complete"
    /// or "pending") directly, as a finished (or unfinished) upload would leave them.
    pub async fn stored_file(
        &self,
        owner: &User,
        name: &str,
        mime: &str,
        bytes: &[u8],
        state: &'static str,
    ) -> String {
        let app = self.server.state();
        let id = chatenium_server::ids::new_id();
        std::fs::write(app.storage.file_path(&id), bytes).expect("the file's bytes are written");
        let (file_id, owner, name, mime) = (
            id.clone(),
            owner.userid.clone(),
            name.to_owned(),
            mime.to_owned(),
        );
        let size = bytes.len() as i64;
        app.db
            .call(move |c| {
                c.execute(
                    "INSERT INTO files (id, owner, name, size, mime, width, height, state, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, 640, 480, ?6, 0)",
                    rusqlite::params![file_id, owner, name, size, mime, state],
                )?;
                Ok(())
            })
            .await
            .expect("the file's row is inserted");
        id
    }
}

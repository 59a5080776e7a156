//! What a user does to chats and messages beyond sending: read, edit, delete, pin, jump to a
//! message, and manage contacts (add, delete, mute).
//!
//! The server tells every *other* connection about a change (it skips the one named by
//! `X-WS-ID`), so each action applies its own result to the cache and the open timeline here,
//! as the same diffs live sync would produce.

use std::sync::Arc;

use chatenium_api::schemas::auth::IdentityQuery;
use chatenium_api::schemas::contacts::{AddContactReq, Contact, DeleteContactReq, SetMuteReq};
use chatenium_api::schemas::dm::{
    ChatQuery, DeleteMessagesReq, EditMessageReq, GetMessagesQuery, Message, MessagePositionQuery,
    PinMessageReq, PinnedMessage, DEFAULT_PAGE_SIZE,
};
use chatenium_api::{
    CreateContact, DeleteContact, DmDeleteMessages, DmEditMessage, DmGetMessages, DmGetPosition,
    DmPinMessage, DmPinnedMessages, DmUnpinMessage, FetchUserId, GetContacts, MuteContact,
};

use crate::client::{blocking, Shared};
use crate::diff::ListDiff;
use crate::error::ClientError;
use crate::events::CoreEvent;
use crate::timeline::{Timeline, TimelineItem};
use crate::Client;

impl Client {
    /// Marks a chat read up to its newest message: the server counts a chat as read when its
    /// newest page is fetched. The unread count in the chat list follows as a diff.
    pub async fn mark_read(&self, chatid: &str) -> Result<(), ClientError> {
        let page = fetch_page(&self.shared, chatid, 0).await?;
        self.shared.ingest_messages(page).await?;
        refresh_chat_list(&self.shared).await
    }

    pub async fn edit_message(
        &self,
        chatid: &str,
        msgid: &str,
        text: &str,
    ) -> Result<(), ClientError> {
        let request = EditMessageReq {
            chatid: chatid.to_owned(),
            msgid: msgid.to_owned(),
            message: text.to_owned(),
        };
        let edited = self
            .shared
            .session
            .call::<DmEditMessage>(&(), &request)
            .await?;
        self.shared.ingest_messages(vec![edited]).await
    }

    /// Deletes several messages at once.
    pub async fn delete_messages(
        &self,
        chatid: &str,
        msgids: Vec<String>,
    ) -> Result<(), ClientError> {
        let request = DeleteMessagesReq {
            chatid: chatid.to_owned(),
            msgids: msgids.clone(),
        };
        self.shared
            .session
            .call::<DmDeleteMessages>(&(), &request)
            .await?;
        let store = Arc::clone(&self.shared.store);
        let (id, ids) = (chatid.to_owned(), msgids.clone());
        blocking(move || store.remove_messages(&id, &ids)).await?;
        self.shared.timeline_change(chatid, |t| t.remove(&msgids));
        refresh_chat_list(&self.shared).await
    }

    pub async fn set_pinned(
        &self,
        chatid: &str,
        msgid: &str,
        pinned: bool,
    ) -> Result<(), ClientError> {
        let request = PinMessageReq {
            chatid: chatid.to_owned(),
            msgid: msgid.to_owned(),
        };
        if pinned {
            self.shared
                .session
                .call::<DmPinMessage>(&(), &request)
                .await?;
        } else {
            self.shared
                .session
                .call::<DmUnpinMessage>(&(), &request)
                .await?;
        }
        let store = Arc::clone(&self.shared.store);
        let (id, mid) = (chatid.to_owned(), msgid.to_owned());
        blocking(move || store.set_pinned(&id, &mid, pinned)).await?;
        self.shared
            .timeline_change(chatid, |t| t.set_pinned(msgid, pinned));
        Ok(())
    }

    pub async fn pinned_messages(&self, chatid: &str) -> Result<Vec<PinnedMessage>, ClientError> {
        let query = ChatQuery {
            chatid: chatid.to_owned(),
        };
        self.shared
            .session
            .call::<DmPinnedMessages>(&query, &())
            .await
    }

    /// Jumps an open timeline to the page holding `msgid` (a `Reset` diff), so a message far
    /// back (a reply's original, a pinned one) can be shown without paging through everything
    /// in between. Back-paging continues from there.
    pub async fn jump_to_message(&self, chatid: &str, msgid: &str) -> Result<(), ClientError> {
        let position = MessagePositionQuery {
            chatid: chatid.to_owned(),
            msgid: msgid.to_owned(),
        };
        let from = self
            .shared
            .session
            .call::<DmGetPosition>(&position, &())
            .await?
            .from;
        let page = fetch_page(&self.shared, chatid, from).await?;
        let store = Arc::clone(&self.shared.store);
        let (cached, id) = (page.clone(), chatid.to_owned());
        let outbox = blocking(move || {
            store.upsert_messages(&cached)?;
            Ok(store
                .outbox()?
                .into_iter()
                .filter(|m| m.chatid == id)
                .collect::<Vec<_>>())
        })
        .await?;
        // A page from the newest one on shows the live end; an older one is detached from it.
        let timeline = if from == 0 {
            Timeline::new(page, outbox)
        } else {
            Timeline::detached(page, outbox)
        };
        let items: Vec<TimelineItem> = timeline.items().to_vec();
        let mut timelines = self.shared.lock_timelines();
        if !timelines.contains_key(chatid) {
            return Ok(());
        }
        timelines.insert(chatid.to_owned(), timeline);
        drop(timelines);
        self.shared.emit(CoreEvent::Timeline {
            chatid: chatid.to_owned(),
            diff: ListDiff::Reset { items },
        });
        Ok(())
    }

    /// After a jump far back, loads the page of messages after the newest one shown; answers
    /// how many arrived (0: the timeline shows the newest messages and follows live ones).
    pub async fn load_newer(&self, chatid: &str) -> Result<usize, ClientError> {
        let newest = {
            let timelines = self.shared.lock_timelines();
            match timelines.get(chatid) {
                Some(timeline) if timeline.is_detached() => timeline.newest_message().cloned(),
                _ => return Ok(0),
            }
        };
        let query = GetMessagesQuery {
            chatid: chatid.to_owned(),
            from: None,
            limit: Some(DEFAULT_PAGE_SIZE),
            after: newest.map(|m| m.msgid),
        };
        let newer = self
            .shared
            .session
            .call::<DmGetMessages>(&query, &())
            .await?;
        let reached_newest = newer.len() < DEFAULT_PAGE_SIZE as usize;
        let store = Arc::clone(&self.shared.store);
        let cached = newer.clone();
        blocking(move || store.upsert_messages(&cached)).await?;
        let count = newer.len();
        self.shared
            .timeline_change(chatid, |t| t.append_newer(newer, reached_newest));
        Ok(count)
    }

    /// Adds a contact by username, e-mail address or phone number.
    pub async fn add_contact(&self, identity: &str) -> Result<Contact, ClientError> {
        let query = IdentityQuery {
            identity: identity.trim().to_owned(),
        };
        let userid = match self.shared.session.call::<FetchUserId>(&query, &()).await {
            Ok(found) => found.userid,
            // Said the way the real service says it for the contact screen.
            Err(ClientError::Api { status: 404, .. }) => {
                return Err(ClientError::Api {
                    status: 404,
                    code: chatenium_api::ErrorCode::AddUserUnk,
                })
            }
            Err(other) => return Err(other),
        };
        let contact = self
            .shared
            .session
            .call::<CreateContact>(&(), &AddContactReq { userid })
            .await?;
        refresh_chat_list(&self.shared).await?;
        Ok(contact)
    }

    /// Deletes a contact and every message with them.
    pub async fn delete_contact(&self, chatid: &str) -> Result<(), ClientError> {
        let request = DeleteContactReq {
            chatid: chatid.to_owned(),
        };
        self.shared
            .session
            .call::<DeleteContact>(&(), &request)
            .await?;
        self.close_timeline(chatid);
        let store = Arc::clone(&self.shared.store);
        let id = chatid.to_owned();
        blocking(move || store.remove_contact(&id)).await?;
        refresh_chat_list(&self.shared).await
    }

    pub async fn set_muted(&self, chatid: &str, muted: bool) -> Result<(), ClientError> {
        let request = SetMuteReq {
            chatid: chatid.to_owned(),
            muted,
        };
        self.shared
            .session
            .call::<MuteContact>(&(), &request)
            .await?;
        refresh_chat_list(&self.shared).await
    }
}

/// The page of a chat that starts `from` messages back from the newest, oldest first.
async fn fetch_page(shared: &Shared, chatid: &str, from: u32) -> Result<Vec<Message>, ClientError> {
    let query = GetMessagesQuery {
        chatid: chatid.to_owned(),
        from: Some(from),
        limit: Some(DEFAULT_PAGE_SIZE),
        after: None,
    };
    shared.session.call::<DmGetMessages>(&query, &()).await
}

/// Takes the server's chat list and publishes what changed against the cached one.
pub(crate) async fn refresh_chat_list(shared: &Shared) -> Result<(), ClientError> {
    let contacts = shared.session.call::<GetContacts>(&(), &()).await?;
    let store = Arc::clone(&shared.store);
    let fresh = contacts.clone();
    let previous = blocking(move || {
        let previous = store.contacts()?;
        store.replace_contacts(&fresh)?;
        Ok(previous)
    })
    .await?;
    for diff in crate::listdiff::between(&previous, &contacts, |c| c.chatid.clone()) {
        shared.emit(CoreEvent::ChatList { diff });
    }
    Ok(())
}

//! What a user does to chats and messages beyond sending: read, edit, delete, pin, jump to a
//! message, and manage contacts (add, delete, mute).
//!
//! The server tells every *other* connection about a change (it skips the one named by
//! `X-WS-ID`), so each action applies its own result to the cache and the open timeline here,
//! as the same diffs live sync would produce ([`crate::conversations`]).

use chatenium_api::schemas::auth::IdentityQuery;
use chatenium_api::schemas::contacts::{AddContactReq, Contact, DeleteContactReq, SetMuteReq};
use chatenium_api::schemas::dm::{ChatQuery, PinnedMessage, DEFAULT_PAGE_SIZE};
use chatenium_api::{
    CreateContact, DeleteContact, DmPinnedMessages, FetchUserId, GetContacts, MuteContact,
};

use crate::context::Context;
use crate::conversations;
use crate::error::ClientError;
use crate::events::CoreEvent;
use crate::feed::{DmFeed, Feed};
use crate::Client;

impl Client {
    /// Marks a chat read up to its newest message: the server counts a chat as read when its
    /// newest page is fetched. The unread count in the chat list follows as a diff.
    pub async fn mark_read(&self, chatid: &str) -> Result<(), ClientError> {
        let feed = DmFeed::new(chatid);
        let page = feed
            .fetch(&self.ctx, Some(0), DEFAULT_PAGE_SIZE, None)
            .await?;
        conversations::ingest(&self.ctx, &feed, page).await?;
        refresh_chat_list(&self.ctx).await
    }

    pub async fn edit_message(
        &self,
        chatid: &str,
        msgid: &str,
        text: &str,
    ) -> Result<(), ClientError> {
        let feed = DmFeed::new(chatid);
        let edited = feed.edit(&self.ctx, msgid, text).await?;
        conversations::ingest(&self.ctx, &feed, vec![edited]).await
    }

    /// Deletes several messages at once.
    pub async fn delete_messages(
        &self,
        chatid: &str,
        msgids: Vec<String>,
    ) -> Result<(), ClientError> {
        let feed = DmFeed::new(chatid);
        feed.delete(&self.ctx, &msgids).await?;
        conversations::removed(&self.ctx, &feed, &msgids).await?;
        refresh_chat_list(&self.ctx).await
    }

    pub async fn set_pinned(
        &self,
        chatid: &str,
        msgid: &str,
        pinned: bool,
    ) -> Result<(), ClientError> {
        let feed = DmFeed::new(chatid);
        feed.pin(&self.ctx, msgid, pinned).await?;
        conversations::pinned(&self.ctx, &feed, msgid, pinned).await
    }

    pub async fn pinned_messages(&self, chatid: &str) -> Result<Vec<PinnedMessage>, ClientError> {
        let query = ChatQuery {
            chatid: chatid.to_owned(),
        };
        self.ctx.session.call::<DmPinnedMessages>(&query, &()).await
    }

    /// Jumps an open timeline to the page holding `msgid` (a `Reset` diff), so a message far
    /// back (a reply's original, a pinned one) can be shown without paging through everything
    /// in between. Back-paging continues from there; newer pages come by [`Client::load_newer`].
    pub async fn jump_to_message(&self, chatid: &str, msgid: &str) -> Result<(), ClientError> {
        conversations::jump(&self.ctx, &DmFeed::new(chatid), msgid).await
    }

    /// After a jump far back, loads the page of messages after the newest one shown; answers
    /// how many arrived (0: the timeline shows the newest messages and follows live ones).
    pub async fn load_newer(&self, chatid: &str) -> Result<usize, ClientError> {
        conversations::load_newer(&self.ctx, &DmFeed::new(chatid)).await
    }

    /// Adds a contact by username, e-mail address or phone number.
    pub async fn add_contact(&self, identity: &str) -> Result<Contact, ClientError> {
        let query = IdentityQuery {
            identity: identity.trim().to_owned(),
        };
        let userid = match self.ctx.session.call::<FetchUserId>(&query, &()).await {
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
            .ctx
            .session
            .call::<CreateContact>(&(), &AddContactReq { userid })
            .await?;
        refresh_chat_list(&self.ctx).await?;
        Ok(contact)
    }

    /// Deletes a contact and every message with them.
    pub async fn delete_contact(&self, chatid: &str) -> Result<(), ClientError> {
        let request = DeleteContactReq {
            chatid: chatid.to_owned(),
        };
        self.ctx
            .session
            .call::<DeleteContact>(&(), &request)
            .await?;
        self.close_timeline(chatid);
        let id = chatid.to_owned();
        self.ctx.store.run(move |s| s.remove_contact(&id)).await?;
        refresh_chat_list(&self.ctx).await
    }

    pub async fn set_muted(&self, chatid: &str, muted: bool) -> Result<(), ClientError> {
        let request = SetMuteReq {
            chatid: chatid.to_owned(),
            muted,
        };
        self.ctx.session.call::<MuteContact>(&(), &request).await?;
        refresh_chat_list(&self.ctx).await
    }
}

/// Takes the server's chat list and publishes what changed against the cached one.
async fn refresh_chat_list(ctx: &Context) -> Result<(), ClientError> {
    let contacts = ctx.session.call::<GetContacts>(&(), &()).await?;
    let fresh = contacts.clone();
    let previous = ctx
        .store
        .run(move |s| {
            let previous = s.contacts()?;
            s.replace_contacts(&fresh)?;
            Ok(previous)
        })
        .await?;
    for diff in crate::listdiff::between(&previous, &contacts, |c| c.chatid.clone()) {
        ctx.emit(CoreEvent::ChatList { diff });
    }
    Ok(())
}

//! Demo data for `chatenium-server --demo`: a few accounts with a known password, contacts
//! between them and short conversations, so that a person can sign in and see chats at once.
//!
//! The demo accounts, all with the password `demo-password` ([`PASSWORD`]):
//!
//! | username | display name  | e-mail                       |
//! |----------|---------------|------------------------------|
//! | `anna`   | Anna Kovács   | `anna@demo.chatenium.local`  |
//! | `bela`   | Béla Nagy     | `bela@demo.chatenium.local`  |
//! | `cili`   | Cili Szabó    | `cili@demo.chatenium.local`  |
//!
//! What they share:
//! - `anna` and `bela`: an accepted contact with a conversation in Hungarian;
//! - `cili` and `anna`: an accepted contact with a conversation in English;
//! - `cili` asked `bela` to be a contact, and `bela` has not answered yet.
//!
//! Whoever writes a message has read the chat up to it, so `anna` finds one unread message
//! in each of her chats.
//!
//! Seeding goes through the same functions as the endpoints ([`insert_user`],
//! [`passwords::hash`], [`chats::create`], [`messages::insert`], ...). It is idempotent: a user,
//! contact or conversation is made only when it is missing, so seeding again (or after an
//! interrupted first run) adds nothing twice. An existing account that holds a demo username
//! or e-mail but is not the demo's stops the seeding with [`DemoError::Clash`]: the demo
//! never takes over, or prints a password for, someone's account. Seeding runs right after
//! start, before any client can have listened, so it tells no live connection.

use rusqlite::{params, Connection, OptionalExtension};

use crate::chats::{self, Chat};
use crate::error::{ApiError, ApiResult};
use crate::messages::{self, NewMessage};
use crate::passwords;
use crate::state::AppState;
use crate::users::{insert_user, NewUser};

/// The password of every demo account.
pub const PASSWORD: &str = "demo-password";

/// A demo account as seeded.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub email: &'static str,
}

/// The demo accounts; [`CONVERSATIONS`] names them by their index here.
pub const USERS: [DemoUser; 3] = [
    DemoUser {
        username: "anna",
        display_name: "Anna Kovács",
        email: "anna@demo.chatenium.local",
    },
    DemoUser {
        username: "bela",
        display_name: "Béla Nagy",
        email: "bela@demo.chatenium.local",
    },
    DemoUser {
        username: "cili",
        display_name: "Cili Szabó",
        email: "cili@demo.chatenium.local",
    },
];

const ANNA: usize = 0;
const BELA: usize = 1;
const CILI: usize = 2;

/// A contact `requester` added, and the messages of its chat in order: (author, text). The
/// first message of the member who did not ask accepts the contact, as a send does.
pub struct Conversation {
    pub requester: usize,
    pub partner: usize,
    pub lines: &'static [(usize, &'static str)],
}

pub const CONVERSATIONS: [Conversation; 3] = [
    Conversation {
        requester: ANNA,
        partner: BELA,
        lines: &[
            (ANNA, "Szia Béla! Ráérsz szombaton?"),
            (BELA, "Szia Anna! Igen, délelőtt szabad vagyok."),
            (
                ANNA,
                "Szuper! Akkor menjünk ki a Margitszigetre, ha jó idő lesz.",
            ),
            (BELA, "Benne vagyok. Viszem a frizbit is. 🙂"),
        ],
    },
    Conversation {
        requester: CILI,
        partner: ANNA,
        lines: &[
            (
                CILI,
                "Hi Anna! Did you get the slides for Monday's meeting?",
            ),
            (ANNA, "Yes, thanks! I'll go through them tonight."),
            (CILI, "Great, let me know if anything needs changing."),
        ],
    },
    Conversation {
        requester: CILI,
        partner: BELA,
        lines: &[],
    },
];

/// A demo account and how to sign in to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub userid: String,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
}

/// What seeding found and made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// Every demo account, in the order of [`USERS`].
    pub accounts: Vec<DemoAccount>,
    pub users_created: usize,
    pub contacts_created: usize,
    pub messages_created: usize,
}

impl DemoSummary {
    /// `false` when the demo data was all there already.
    pub fn created_anything(&self) -> bool {
        self.users_created + self.contacts_created + self.messages_created > 0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0}; --demo needs a fresh data folder or one it seeded before")]
    Clash(String),
    #[error("demo seeding failed: {0}")]
    Failed(String),
}

impl From<ApiError> for DemoError {
    fn from(error: ApiError) -> Self {
        use chatenium_api::ErrorCode;
        match error.code {
            ErrorCode::UsernameTaken | ErrorCode::EmailTaken => DemoError::Clash(format!(
                "a demo username or e-mail is taken ({})",
                error.code
            )),
            _ => DemoError::Failed(error.detail.unwrap_or_else(|| error.code.to_string())),
        }
    }
}

/// Adds whatever of the demo data is missing (see the module's documentation) and answers
/// the demo accounts.
pub async fn seed(state: &AppState) -> Result<DemoSummary, DemoError> {
    let existing = state.db.call(|c| existing_users(c)).await?;
    for (user, found) in USERS.iter().zip(&existing) {
        if let Some((_, email)) = found {
            if email.as_deref() != Some(user.email) {
                return Err(DemoError::Clash(format!(
                    "an account named {} exists that is not the demo's",
                    user.username
                )));
            }
        }
    }
    let missing: Vec<DemoUser> = USERS
        .iter()
        .zip(&existing)
        .filter(|(_, found)| found.is_none())
        .map(|(user, _)| *user)
        .collect();
    let users_created = missing.len();
    if !missing.is_empty() {
        // Each account gets its own salt; hashing is slow on purpose, so off the async workers.
        let hashes = tokio::task::spawn_blocking(move || {
            missing
                .into_iter()
                .map(|user| passwords::hash(PASSWORD).map(|hash| (user, hash)))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await
        .map_err(|e| DemoError::Failed(e.to_string()))??;
        state
            .db
            .call(move |c| {
                // All missing accounts or none, so that a failure leaves no half set.
                let transaction = c.transaction()?;
                for (user, hash) in &hashes {
                    let new = NewUser {
                        username: user.username,
                        display_name: user.display_name,
                        email: Some(user.email),
                        phone: None,
                        password_hash: Some(hash),
                    };
                    insert_user(&transaction, &new)?;
                }
                transaction.commit()?;
                Ok(())
            })
            .await?;
    }
    let userids: Vec<String> = state
        .db
        .call(|c| existing_users(c))
        .await?
        .into_iter()
        .map(|found| found.map(|(id, _)| id))
        .collect::<Option<_>>()
        .ok_or_else(|| DemoError::Failed("a demo account vanished while seeding".into()))?;
    let mut contacts_created = 0;
    let mut messages_created = 0;
    for conversation in &CONVERSATIONS {
        let (made_contact, made_messages) = state
            .db
            .call({
                let state = state.clone();
                let userids = userids.clone();
                move |c| ensure_conversation(c, &state, &userids, conversation)
            })
            .await?;
        contacts_created += usize::from(made_contact);
        messages_created += made_messages;
    }
    let accounts = USERS
        .iter()
        .zip(userids)
        .map(|(user, userid)| DemoAccount {
            userid,
            username: user.username.to_owned(),
            display_name: user.display_name.to_owned(),
            email: user.email.to_owned(),
            password: PASSWORD.to_owned(),
        })
        .collect();
    Ok(DemoSummary {
        accounts,
        users_created,
        contacts_created,
        messages_created,
    })
}

/// An account's id and e-mail.
type Found = (String, Option<String>);

/// For each of [`USERS`], the id and e-mail of the account with its username, if any.
fn existing_users(connection: &Connection) -> ApiResult<Vec<Option<Found>>> {
    USERS
        .iter()
        .map(|user| {
            Ok(connection
                .query_row(
                    "SELECT id, email FROM users WHERE username = ?1",
                    [user.username],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?)
        })
        .collect()
}

/// Makes the conversation's contact if it is missing, and its messages if the chat has
/// none. Answers whether the contact was made and how many messages were.
fn ensure_conversation(
    connection: &mut Connection,
    state: &AppState,
    userids: &[String],
    conversation: &Conversation,
) -> ApiResult<(bool, usize)> {
    let requester = &userids[conversation.requester];
    let partner = &userids[conversation.partner];
    let (chat, made_contact) = match chat_between(connection, requester, partner)? {
        Some(chat) => (chat, false),
        None => (chats::create(connection, state, requester, partner)?, true),
    };
    if conversation.lines.is_empty() || messages::latest(connection, &chat)?.is_some() {
        return Ok((made_contact, 0));
    }
    let transaction = connection.transaction()?;
    let mut chat = chat;
    for (number, (author, text)) in conversation.lines.iter().enumerate() {
        let author = &userids[*author];
        messages::check_text(text, false)?;
        let client_key = format!("demo:{}:{number}", chat.id);
        let new = NewMessage {
            author,
            body: text,
            reply_to_id: None,
            file_ids: &[],
            client_key: &client_key,
            sent: state.clock.tick(),
        };
        let msgid = messages::insert(&transaction, &chat, &new)?;
        chats::refresh_last_message(&transaction, &chat)?;
        // As a send does: the first answer of the member who did not ask accepts the contact.
        if !chat.accepted && *author != chat.requested_by {
            chats::accept(&transaction, &chat)?;
            chat.accepted = true;
        }
        // Whoever writes has read the chat up to their own message.
        let seq = messages::find(&transaction, &chat, &msgid)?.seq;
        chats::mark_read(&transaction, &chat, author, seq)?;
    }
    transaction.commit()?;
    Ok((made_contact, conversation.lines.len()))
}

/// The direct chat of two users, whichever of them asked.
fn chat_between(connection: &Connection, one: &str, other: &str) -> ApiResult<Option<Chat>> {
    let (user_a, user_b) = if one < other {
        (one, other)
    } else {
        (other, one)
    };
    let chatid: Option<String> = connection
        .query_row(
            "SELECT id FROM chats WHERE user_a = ?1 AND user_b = ?2",
            params![user_a, user_b],
            |row| row.get(0),
        )
        .optional()?;
    chatid
        .map(|chatid| chats::member_chat(connection, &chatid, one))
        .transpose()
}

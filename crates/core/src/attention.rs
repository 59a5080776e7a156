//! What deserves the user's attention: which arriving message is news, whether it should
//! become a notification, and how many messages are unread. A pure state machine: the shell
//! feeds it the core's events ([`Attention::observe`]) and what only the shell knows (is the
//! window focused, which conversation it shows: [`Attention::set_view`]); it answers
//! [`Notice`]s, which the shell routes to the tray, the notification daemon and the window
//! without deciding anything itself.
//!
//! Direct chats: the server's chat list carries each chat's newest message, mute flag and
//! unread count. A chat's newest message changing to another one is an arrival; a chat seen
//! for the first time (the first snapshot after start, a new contact) is not news, only what
//! arrives while the app runs is.
//!
//! Cascades muted on this device (`CoreEvent::MutedCascades`) behave as muted chats: their
//! threads' news is counted unread on its row but notifies nobody and is not in the tray's total.
//!
//! Threads: no unread count comes from the server, so it is kept here: news from others since
//! the thread was last shown in the focused window. Catch-up replays history through the same
//! event as live messages, so history is told apart by when it arrives: everything before the
//! first time the engine is online (the first catch-up), and, for a cascade joined while
//! online, what was sent before the newest moment the engine had seen when it joined (its
//! catch-up brings the recent past, which is not news).

use std::collections::{HashMap, HashSet};

use chatenium_api::schemas::cascade::Cascade;
use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::thread::ThreadMessage;
use serde::Serialize;

use crate::events::{ConnectionState, CoreEvent};

/// How many characters of a message a notification shows.
pub const PREVIEW_CHARS: usize = 200;

/// Where a message was written: a direct chat or a cascade's thread.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Conversation {
    Chat {
        chatid: String,
    },
    #[serde(rename_all = "camelCase")]
    Thread {
        cascade_id: String,
        thread_id: String,
    },
}

impl Conversation {
    pub fn chat(chatid: impl Into<String>) -> Self {
        Conversation::Chat {
            chatid: chatid.into(),
        }
    }

    pub fn thread(cascade_id: impl Into<String>, thread_id: impl Into<String>) -> Self {
        Conversation::Thread {
            cascade_id: cascade_id.into(),
            thread_id: thread_id.into(),
        }
    }
}

/// What the window shows, as the shell knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    /// The window has the input focus: the user is looking at the app.
    pub focused: bool,
    /// The conversation the window shows, if any.
    pub open: Option<Conversation>,
}

/// Why an arrived message stays quiet (no notification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Quiet {
    /// The user muted the conversation.
    Muted,
    /// The user wrote it (on this device or another).
    Own,
    /// The server already counts it read (read on another device).
    AlreadyRead,
    /// The conversation is open in the focused window: the user sees it arrive.
    OpenInFocusedWindow,
    /// The window is focused: the user is in the app, whose list shows the unread count.
    WindowFocused,
    /// The user turned notifications off (Do Not Disturb); the message still counts unread.
    DoNotDisturb,
}

/// A message arrived while the app runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Incoming {
    pub conversation: Conversation,
    pub msgid: String,
    /// The sender's display name.
    pub sender: String,
    /// The text, cut to [`PREVIEW_CHARS`] characters.
    pub preview: String,
    /// `None`: show a notification; otherwise why not.
    pub quiet: Option<Quiet>,
}

impl Incoming {
    pub fn should_notify(&self) -> bool {
        self.quiet.is_none()
    }
}

/// Unread messages, per conversation and in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unread {
    /// Conversations with unread messages (muted ones too: their rows still show a count).
    pub conversations: Vec<(Conversation, u32)>,
    /// What the tray shows: the unread messages of the conversations that are not muted.
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Notice {
    Incoming(Incoming),
    /// The unread counts changed (sent only when they did).
    Unread(Unread),
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct Attention {
    own_userid: String,
    view: View,
    chats: Vec<Contact>,
    cascades: Vec<Cascade>,
    /// The engine finished its first catch-up: thread messages from now on may be news.
    live: bool,
    /// The newest server time stamped on anything seen (the engine's sense of "now").
    newest_seen: Option<Timestamp>,
    /// Cascades joined while online: their messages up to this moment are history.
    joined_at: HashMap<String, Option<Timestamp>>,
    /// Thread messages already seen, by id (catch-up and the socket may both bring one).
    seen_thread_messages: HashSet<String>,
    /// Unread news per thread.
    thread_unread: HashMap<Conversation, u32>,
    /// Cascades muted on this device.
    muted_cascades: HashSet<String>,
    last_unread: Unread,
    /// Do Not Disturb: nothing notifies.
    do_not_disturb: bool,
}

impl Attention {
    /// The machine of the signed-in user `own_userid`.
    pub fn new(own_userid: impl Into<String>) -> Self {
        Self {
            own_userid: own_userid.into(),
            view: View::default(),
            chats: Vec::new(),
            cascades: Vec::new(),
            live: false,
            newest_seen: None,
            joined_at: HashMap::new(),
            seen_thread_messages: HashSet::new(),
            thread_unread: HashMap::new(),
            muted_cascades: HashSet::new(),
            last_unread: Unread::default(),
            do_not_disturb: false,
        }
    }

    /// Do Not Disturb on or off (the user's setting, which only the shell knows).
    pub fn set_do_not_disturb(&mut self, on: bool) {
        self.do_not_disturb = on;
    }

    /// The window's focus or shown conversation changed. Showing a thread in the focused
    /// window reads it.
    pub fn set_view(&mut self, view: View) -> Vec<Notice> {
        self.view = view;
        if let Some(open @ Conversation::Thread { .. }) = self.seen_conversation() {
            self.thread_unread.remove(&open);
        }
        self.unread_if_changed().into_iter().collect()
    }

    pub fn view(&self) -> &View {
        &self.view
    }

    /// Applies one event of the core; answers what the shell should route.
    pub fn observe(&mut self, event: &CoreEvent) -> Vec<Notice> {
        let mut notices = Vec::new();
        match event {
            CoreEvent::ChatList { diff } => {
                let before = std::mem::take(&mut self.chats);
                let mut after = before.clone();
                diff.apply(&mut after);
                self.chats = after;
                for contact in &self.chats {
                    if let Some(incoming) = self.chat_arrival(&before, contact) {
                        notices.push(Notice::Incoming(incoming));
                    }
                }
                let newest = self
                    .chats
                    .iter()
                    .filter_map(|c| c.latest_message.as_ref().map(|m| m.sent_at))
                    .max();
                if let Some(newest) = newest {
                    self.saw_time(newest);
                }
            }
            CoreEvent::CascadeList { diff } => {
                let mut after = self.cascades.clone();
                diff.apply(&mut after);
                for cascade in &after {
                    let known = self
                        .cascades
                        .iter()
                        .any(|c| c.cascade_id == cascade.cascade_id);
                    if self.live && !known {
                        self.joined_at
                            .insert(cascade.cascade_id.clone(), self.newest_seen);
                    }
                }
                // A cascade left takes its threads' counts with it.
                self.thread_unread.retain(|conversation, _| {
                    matches!(conversation, Conversation::Thread { cascade_id, .. }
                        if after.iter().any(|c| &c.cascade_id == cascade_id))
                });
                self.cascades = after;
            }
            CoreEvent::MutedCascades { cascade_ids } => {
                self.muted_cascades = cascade_ids.iter().cloned().collect();
            }
            CoreEvent::ThreadMessage { message } => {
                if let Some(incoming) = self.thread_arrival(message) {
                    notices.push(Notice::Incoming(incoming));
                }
                self.saw_time(message.sent_at);
            }
            CoreEvent::Connection {
                state: ConnectionState::Online,
            } => self.live = true,
            _ => {}
        }
        notices.extend(self.unread_if_changed());
        notices
    }

    /// The conversation the user is looking at: open in the focused window.
    fn seen_conversation(&self) -> Option<Conversation> {
        self.view.open.clone().filter(|_| self.view.focused)
    }

    fn saw_time(&mut self, at: Timestamp) {
        self.newest_seen = self.newest_seen.max(Some(at));
    }

    /// A known chat whose newest message changed: the message that arrived in it.
    fn chat_arrival(&self, before: &[Contact], now: &Contact) -> Option<Incoming> {
        let latest = now.latest_message.as_ref()?;
        let was = before.iter().find(|was| was.chatid == now.chatid)?;
        if was.latest_message.as_ref().map(|m| &m.msgid) == Some(&latest.msgid) {
            return None;
        }
        let conversation = Conversation::chat(&now.chatid);
        let quiet = if latest.is_author {
            Some(Quiet::Own)
        } else if now.muted {
            Some(Quiet::Muted)
        } else if now.notifications == 0 {
            Some(Quiet::AlreadyRead)
        } else {
            self.quiet_for_view(&conversation)
        };
        Some(Incoming {
            conversation,
            msgid: latest.msgid.clone(),
            sender: now.user.display_name.clone(),
            preview: preview(&latest.message),
            quiet,
        })
    }

    /// A thread message that is news (see the module documentation); counts it unread.
    fn thread_arrival(&mut self, message: &ThreadMessage) -> Option<Incoming> {
        if !self.seen_thread_messages.insert(message.msgid.clone()) || !self.live {
            return None;
        }
        let cascade = self
            .cascades
            .iter()
            .find(|c| c.cascade_id == message.cascade_id)?;
        if let Some(joined) = self.joined_at.get(&message.cascade_id) {
            if joined.is_some_and(|joined| message.sent_at <= joined) {
                return None;
            }
        }
        let conversation = Conversation::thread(&message.cascade_id, &message.thread_id);
        let quiet = if message.author == self.own_userid {
            Some(Quiet::Own)
        } else if self.muted_cascades.contains(&message.cascade_id) {
            Some(Quiet::Muted)
        } else {
            self.quiet_for_view(&conversation)
        };
        if !matches!(quiet, Some(Quiet::Own | Quiet::OpenInFocusedWindow)) {
            *self.thread_unread.entry(conversation.clone()).or_default() += 1;
        }
        let sender = cascade
            .members
            .iter()
            .find(|m| m.user.userid == message.author)
            .map_or_else(|| message.author.clone(), |m| m.user.display_name.clone());
        Some(Incoming {
            conversation,
            msgid: message.msgid.clone(),
            sender,
            preview: preview(&message.message),
            quiet,
        })
    }

    fn quiet_for_view(&self, conversation: &Conversation) -> Option<Quiet> {
        if self.seen_conversation().as_ref() == Some(conversation) {
            Some(Quiet::OpenInFocusedWindow)
        } else if self.view.focused {
            Some(Quiet::WindowFocused)
        } else if self.do_not_disturb {
            Some(Quiet::DoNotDisturb)
        } else {
            None
        }
    }

    /// The unread counts now.
    pub fn unread(&self) -> Unread {
        let mut conversations: Vec<(Conversation, u32)> = self
            .chats
            .iter()
            .filter(|c| c.notifications > 0)
            .map(|c| (Conversation::chat(&c.chatid), c.notifications))
            .chain(
                self.thread_unread
                    .iter()
                    .filter(|(_, count)| **count > 0)
                    .map(|(conversation, count)| (conversation.clone(), *count)),
            )
            .collect();
        conversations.sort();
        let muted_chats: u32 = self
            .chats
            .iter()
            .filter(|c| c.muted)
            .map(|c| c.notifications)
            .sum();
        let muted_threads: u32 = self
            .thread_unread
            .iter()
            .filter(|(conversation, _)| {
                matches!(conversation, Conversation::Thread { cascade_id, .. }
                    if self.muted_cascades.contains(cascade_id))
            })
            .map(|(_, count)| *count)
            .sum();
        let total = conversations
            .iter()
            .map(|(_, count)| *count)
            .sum::<u32>()
            .saturating_sub(muted_chats + muted_threads);
        Unread {
            conversations,
            total,
        }
    }

    fn unread_if_changed(&mut self) -> Option<Notice> {
        let unread = self.unread();
        if unread == self.last_unread {
            return None;
        }
        self.last_unread = unread.clone();
        Some(Notice::Unread(unread))
    }
}

/// The first [`PREVIEW_CHARS`] characters of `text`, with an ellipsis when cut.
fn preview(text: &str) -> String {
    match text.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use chatenium_api::schemas::cascade::{CascadeMember, CascadeRole};
    use chatenium_api::schemas::common::PublicUserData;
    use chatenium_api::schemas::contacts::LatestMessage;

    use super::*;
    use crate::diff::ListDiff;

    const ME: &str = "u-me";

    fn user(userid: &str, name: &str) -> PublicUserData {
        PublicUserData {
            userid: userid.into(),
            username: name.to_lowercase(),
            display_name: name.into(),
            pfp: None,
        }
    }

    /// A chat with `name`; `latest`: (msgid, written by me, text); `unread`: the server's count.
    fn chat(id: &str, latest: Option<(&str, bool)>, muted: bool, unread: u32) -> Contact {
        Contact {
            chatid: id.into(),
            user: user(&format!("u-{id}"), &id.to_uppercase()),
            muted,
            notifications: unread,
            accepted: true,
            latest_message: latest.map(|(msgid, is_author)| LatestMessage {
                msgid: msgid.into(),
                message: format!("text of {msgid}"),
                is_author,
                sent_at: Timestamp::new(100, 0),
            }),
        }
    }

    fn cascade(id: &str) -> Cascade {
        Cascade {
            cascade_id: id.into(),
            name: format!("Cascade {id}"),
            owner_id: ME.into(),
            public: false,
            picture: None,
            role: CascadeRole::Owner,
            members: vec![
                CascadeMember {
                    user: user(ME, "Me"),
                    role: CascadeRole::Owner,
                },
                CascadeMember {
                    user: user("u-ann", "Ann"),
                    role: CascadeRole::Member,
                },
            ],
            invite: None,
            created_at: Timestamp::new(1, 0),
        }
    }

    fn thread_message(msgid: &str, cascade: &str, thread: &str, author: &str, t: i64) -> CoreEvent {
        CoreEvent::ThreadMessage {
            message: ThreadMessage {
                msgid: msgid.into(),
                cascade_id: cascade.into(),
                thread_id: thread.into(),
                author: author.into(),
                message: format!("text of {msgid}"),
                sent_at: Timestamp::new(t, 0),
                is_edited: false,
                pinned: false,
                reply_to_id: None,
                reply_to: None,
                files: vec![],
                client_key: None,
                forwarded_from: None,
                forwarded_from_name: None,
            },
        }
    }

    fn chats(items: Vec<Contact>) -> CoreEvent {
        CoreEvent::ChatList {
            diff: ListDiff::Reset { items },
        }
    }

    fn cascades(items: Vec<Cascade>) -> CoreEvent {
        CoreEvent::CascadeList {
            diff: ListDiff::Reset { items },
        }
    }

    const ONLINE: CoreEvent = CoreEvent::Connection {
        state: ConnectionState::Online,
    };

    fn incoming(notices: &[Notice]) -> Vec<&Incoming> {
        notices
            .iter()
            .filter_map(|n| match n {
                Notice::Incoming(incoming) => Some(incoming),
                Notice::Unread(_) => None,
            })
            .collect()
    }

    fn unread(notices: &[Notice]) -> Option<&Unread> {
        notices.iter().rev().find_map(|n| match n {
            Notice::Unread(unread) => Some(unread),
            Notice::Incoming(_) => None,
        })
    }

    fn unfocused() -> View {
        View {
            focused: false,
            open: None,
        }
    }

    #[test]
    fn the_first_chat_list_is_not_news_but_counts_unread() {
        let mut attention = Attention::new(ME);
        let notices = attention.observe(&chats(vec![
            chat("a", Some(("m1", false)), false, 2),
            chat("b", None, false, 0),
        ]));
        assert!(incoming(&notices).is_empty());
        assert_eq!(
            unread(&notices),
            Some(&Unread {
                conversations: vec![(Conversation::chat("a"), 2)],
                total: 2
            })
        );
    }

    #[test]
    fn only_a_partners_new_message_in_an_unmuted_known_chat_is_news() {
        let mut attention = Attention::new(ME);
        attention.observe(&chats(vec![
            chat("a", Some(("m1", false)), false, 1),
            chat("b", Some(("m1", false)), false, 0),
            chat("c", None, true, 0),
            chat("e", Some(("m5", false)), false, 0),
        ]));
        let notices = attention.observe(&chats(vec![
            chat("a", Some(("m2", false)), false, 2), // news
            chat("b", Some(("m2", true)), false, 0),  // my own message
            chat("c", Some(("m3", false)), true, 1),  // muted
            chat("d", Some(("m4", false)), false, 1), // first seen
            chat("e", Some(("m6", false)), false, 0), // read elsewhere already
        ]));
        let arrived: Vec<_> = incoming(&notices)
            .iter()
            .map(|i| (i.conversation.clone(), i.quiet))
            .collect();
        assert_eq!(
            arrived,
            vec![
                (Conversation::chat("a"), None),
                (Conversation::chat("b"), Some(Quiet::Own)),
                (Conversation::chat("c"), Some(Quiet::Muted)),
                (Conversation::chat("e"), Some(Quiet::AlreadyRead)),
            ]
        );
        let news = incoming(&notices)[0];
        assert!(news.should_notify());
        assert_eq!(news.sender, "A");
        assert_eq!(news.preview, "text of m2");
        assert_eq!(news.msgid, "m2");
        // The muted chat's count shows on its row but not in the total.
        assert_eq!(
            unread(&notices),
            Some(&Unread {
                conversations: vec![
                    (Conversation::chat("a"), 2),
                    (Conversation::chat("c"), 1),
                    (Conversation::chat("d"), 1),
                ],
                total: 3
            })
        );
        // What was news once is not news again.
        let again = attention.observe(&chats(vec![
            chat("a", Some(("m2", false)), false, 2),
            chat("b", Some(("m2", true)), false, 0),
            chat("c", Some(("m3", false)), true, 1),
            chat("d", Some(("m4", false)), false, 1),
            chat("e", Some(("m6", false)), false, 0),
        ]));
        assert!(again.is_empty());
    }

    #[test]
    fn the_same_list_again_is_neither_news_nor_a_count_change() {
        let mut attention = Attention::new(ME);
        let list = vec![chat("a", Some(("m1", false)), false, 1)];
        attention.observe(&chats(list.clone()));
        attention.observe(&chats(vec![chat("a", Some(("m2", false)), false, 2)]));
        assert!(attention
            .observe(&chats(vec![chat("a", Some(("m2", false)), false, 2)]))
            .is_empty());
    }

    #[test]
    fn list_diffs_are_applied_like_the_window_applies_them() {
        let mut attention = Attention::new(ME);
        attention.observe(&chats(vec![
            chat("a", Some(("m1", false)), false, 0),
            chat("b", Some(("m1", false)), false, 0),
        ]));
        let notices = attention.observe(&CoreEvent::ChatList {
            diff: ListDiff::Set {
                index: 1,
                item: chat("b", Some(("m9", false)), false, 1),
            },
        });
        assert_eq!(incoming(&notices)[0].conversation, Conversation::chat("b"));
        assert_eq!(unread(&notices).map(|u| u.total), Some(1));
        // Reading it (on any device) brings the count back to zero.
        let notices = attention.observe(&CoreEvent::ChatList {
            diff: ListDiff::Set {
                index: 1,
                item: chat("b", Some(("m9", false)), false, 0),
            },
        });
        assert!(incoming(&notices).is_empty());
        assert_eq!(unread(&notices), Some(&Unread::default()));
    }

    #[test]
    fn a_focused_window_keeps_arrivals_quiet() {
        let mut attention = Attention::new(ME);
        attention.observe(&chats(vec![
            chat("a", Some(("m1", false)), false, 0),
            chat("b", Some(("m1", false)), false, 0),
        ]));
        attention.set_view(View {
            focused: true,
            open: Some(Conversation::chat("a")),
        });
        let notices = attention.observe(&chats(vec![
            chat("a", Some(("m2", false)), false, 1),
            chat("b", Some(("m2", false)), false, 1),
        ]));
        let quiet: Vec<_> = incoming(&notices).iter().map(|i| i.quiet).collect();
        assert_eq!(
            quiet,
            [Some(Quiet::OpenInFocusedWindow), Some(Quiet::WindowFocused)]
        );

        // The same chat open but the window in the background: the user does not see it.
        attention.set_view(View {
            focused: false,
            open: Some(Conversation::chat("a")),
        });
        let notices = attention.observe(&chats(vec![
            chat("a", Some(("m3", false)), false, 2),
            chat("b", Some(("m2", false)), false, 1),
        ]));
        assert!(incoming(&notices)[0].should_notify());
    }

    #[test]
    fn a_long_message_is_previewed_cut_on_a_character() {
        assert_eq!(preview("short"), "short");
        let long: String = "é".repeat(PREVIEW_CHARS + 5);
        let cut = preview(&long);
        assert_eq!(cut.chars().count(), PREVIEW_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(
            preview(&"x".repeat(PREVIEW_CHARS)),
            "x".repeat(PREVIEW_CHARS)
        );
    }

    /// Start-up as the engine runs it: the chat list, the cascades, the threads' catch-up,
    /// then online.
    fn started() -> Attention {
        let mut attention = Attention::new(ME);
        attention.observe(&chats(vec![]));
        attention.observe(&cascades(vec![cascade("c1")]));
        attention.observe(&thread_message("old", "c1", "t1", "u-ann", 10));
        attention.observe(&ONLINE);
        attention.set_view(unfocused());
        attention
    }

    #[test]
    fn thread_history_caught_up_at_start_is_not_news() {
        let mut attention = Attention::new(ME);
        attention.observe(&cascades(vec![cascade("c1")]));
        for (i, t) in [10, 11, 12].into_iter().enumerate() {
            let notices =
                attention.observe(&thread_message(&format!("h{i}"), "c1", "t1", "u-ann", t));
            assert!(notices.is_empty());
        }
        assert_eq!(attention.unread(), Unread::default());
    }

    #[test]
    fn a_live_thread_message_from_another_member_notifies_and_counts() {
        let mut attention = started();
        let notices = attention.observe(&thread_message("n1", "c1", "t1", "u-ann", 20));
        let news = incoming(&notices)[0];
        assert_eq!(news.conversation, Conversation::thread("c1", "t1"));
        assert_eq!(news.sender, "Ann");
        assert_eq!(news.preview, "text of n1");
        assert!(news.should_notify());
        assert_eq!(
            unread(&notices),
            Some(&Unread {
                conversations: vec![(Conversation::thread("c1", "t1"), 1)],
                total: 1
            })
        );

        // The same message again (catch-up after a reconnect and the socket) is not news twice.
        assert!(attention
            .observe(&thread_message("n1", "c1", "t1", "u-ann", 20))
            .is_empty());

        // My own message is an arrival but quiet and not unread.
        let notices = attention.observe(&thread_message("n2", "c1", "t1", ME, 21));
        assert_eq!(incoming(&notices)[0].quiet, Some(Quiet::Own));
        assert!(unread(&notices).is_none());
        assert_eq!(attention.unread().total, 1);
    }

    #[test]
    fn a_muted_cascade_notifies_nobody_but_still_counts_unread_off_the_tray() {
        let mut attention = started();
        let muted = |ids: &[&str]| CoreEvent::MutedCascades {
            cascade_ids: ids.iter().map(|&id| id.to_owned()).collect(),
        };
        attention.observe(&muted(&["c1"]));
        let notices = attention.observe(&thread_message("n1", "c1", "t1", "u-ann", 20));
        assert_eq!(incoming(&notices)[0].quiet, Some(Quiet::Muted));
        assert!(!incoming(&notices)[0].should_notify());
        // Counted on the thread's row, left out of the tray's total.
        assert_eq!(
            unread(&notices),
            Some(&Unread {
                conversations: vec![(Conversation::thread("c1", "t1"), 1)],
                total: 0
            })
        );

        // Unmuted: the count it kept joins the total, and the next message notifies.
        let notices = attention.observe(&muted(&[]));
        assert_eq!(unread(&notices).map(|u| u.total), Some(1));
        let notices = attention.observe(&thread_message("n2", "c1", "t1", "u-ann", 21));
        assert!(incoming(&notices)[0].should_notify());
        assert_eq!(attention.unread().total, 2);
    }

    #[test]
    fn showing_a_thread_in_the_focused_window_reads_it() {
        let mut attention = started();
        attention.observe(&thread_message("n1", "c1", "t1", "u-ann", 20));
        attention.observe(&thread_message("n2", "c1", "t2", "u-ann", 21));
        assert_eq!(attention.unread().total, 2);

        // Open but in the background: still unread.
        let open_t1 = Some(Conversation::thread("c1", "t1"));
        let notices = attention.set_view(View {
            focused: false,
            open: open_t1.clone(),
        });
        assert!(notices.is_empty());

        let notices = attention.set_view(View {
            focused: true,
            open: open_t1,
        });
        assert_eq!(
            unread(&notices),
            Some(&Unread {
                conversations: vec![(Conversation::thread("c1", "t2"), 1)],
                total: 1
            })
        );

        // While it is shown, its messages are seen as they arrive.
        let notices = attention.observe(&thread_message("n3", "c1", "t1", "u-ann", 22));
        assert_eq!(
            incoming(&notices)[0].quiet,
            Some(Quiet::OpenInFocusedWindow)
        );
        assert!(unread(&notices).is_none());
    }

    #[test]
    fn a_cascade_joined_while_online_brings_history_then_news() {
        let mut attention = started();
        attention.observe(&thread_message("n1", "c1", "t1", "u-ann", 50));
        attention.observe(&cascades(vec![cascade("c1"), cascade("c2")]));
        // Its catch-up: messages from before the join.
        for (msgid, t) in [("c2-old1", 30), ("c2-old2", 50)] {
            assert!(
                incoming(&attention.observe(&thread_message(msgid, "c2", "t9", "u-ann", t)))
                    .is_empty()
            );
        }
        let notices = attention.observe(&thread_message("c2-new", "c2", "t9", "u-ann", 51));
        assert!(incoming(&notices)[0].should_notify());
    }

    #[test]
    fn thread_messages_of_an_unknown_cascade_are_ignored_and_leaving_drops_counts() {
        let mut attention = started();
        assert!(attention
            .observe(&thread_message("x", "nowhere", "t1", "u-ann", 20))
            .is_empty());
        attention.observe(&thread_message("n1", "c1", "t1", "u-ann", 20));
        assert_eq!(attention.unread().total, 1);
        let notices = attention.observe(&cascades(vec![]));
        assert_eq!(unread(&notices), Some(&Unread::default()));
    }

    #[test]
    fn chats_and_threads_add_up() {
        let mut attention = started();
        attention.observe(&chats(vec![chat("a", Some(("m1", false)), false, 0)]));
        attention.observe(&thread_message("n1", "c1", "t1", "u-ann", 20));
        let notices = attention.observe(&chats(vec![chat("a", Some(("m2", false)), false, 3)]));
        assert_eq!(
            unread(&notices),
            Some(&Unread {
                conversations: vec![
                    (Conversation::chat("a"), 3),
                    (Conversation::thread("c1", "t1"), 1)
                ],
                total: 4
            })
        );
    }

    #[test]
    fn do_not_disturb_keeps_news_quiet_but_counts_it() {
        let mut attention = started();
        attention.set_do_not_disturb(true);
        attention.observe(&chats(vec![chat("a", Some(("m1", false)), false, 0)]));
        let notices = attention.observe(&chats(vec![chat("a", Some(("m2", false)), false, 1)]));
        assert_eq!(incoming(&notices)[0].quiet, Some(Quiet::DoNotDisturb));
        assert_eq!(unread(&notices).map(|u| u.total), Some(1));

        let notices = attention.observe(&thread_message("t1", "c1", "th", "u-ann", 200));
        assert_eq!(incoming(&notices)[0].quiet, Some(Quiet::DoNotDisturb));
        assert_eq!(unread(&notices).map(|u| u.total), Some(2));

        attention.set_do_not_disturb(false);
        let notices = attention.observe(&chats(vec![chat("a", Some(("m3", false)), false, 2)]));
        assert!(incoming(&notices)[0].should_notify());
    }

    #[test]
    fn other_events_change_nothing() {
        let mut attention = started();
        let offline = CoreEvent::Connection {
            state: ConnectionState::Offline,
        };
        assert!(attention.observe(&offline).is_empty());
        assert!(attention.observe(&CoreEvent::SessionRevoked).is_empty());
    }
}

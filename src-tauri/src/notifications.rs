//! Native notifications (notify-rust: the desktop's notification daemon over D-Bus on Linux)
//! for a new message or an offered file. Which message deserves one is the core's decision
//! (`chatenium_core::attention`); this module only shows it and hands a click or an action
//! ("Mark as read", "Reply") back to the caller, who knows where it leads.
//!
//! A conversation's messages are one notification: each new one replaces it (the daemon's
//! `replaces_id`) with a count and the latest lines, rather than adding another.

use std::collections::HashMap;
use std::sync::Mutex;

use chatenium_core::attention::{Conversation, Incoming};
use tauri::{AppHandle, Manager};

/// What a click on a notification does (bring the window forward, open the conversation).
pub type OnClick = Box<dyn FnOnce() + Send + 'static>;

/// A button on a notification: the key the daemon reports back, its label, what it does.
pub struct Action {
    pub key: &'static str,
    pub label: String,
    pub run: OnClick,
}

/// What a message's notification offers besides a click.
pub struct MessageActions {
    pub open: OnClick,
    /// Direct chats only: the server keeps their read state.
    pub mark_read: Option<OnClick>,
    /// Opens the conversation with the composer focused.
    pub reply: OnClick,
}

/// How many of a conversation's latest messages its notification shows.
const LINES_SHOWN: usize = 4;

/// A message the core decided to notify about: the sender and a preview of the text, grouped
/// with the conversation's earlier ones; `unread`: the conversation's unread count with it
/// (messages arriving together are one notice, so the count is not the notices').
pub fn show_message(app: &AppHandle, incoming: &Incoming, unread: u32, actions: MessageActions) {
    let hungarian = language(app) == "hu";
    let mut buttons = Vec::new();
    if let Some(mark_read) = actions.mark_read {
        buttons.push(Action {
            key: "mark-read",
            label: if hungarian {
                "Olvasottnak jelöl"
            } else {
                "Mark as read"
            }
            .into(),
            run: mark_read,
        });
    }
    buttons.push(Action {
        key: "reply",
        label: if hungarian { "Válasz" } else { "Reply" }.into(),
        run: actions.reply,
    });
    show_grouped(
        app,
        incoming.sender.clone(),
        (
            incoming.conversation.clone(),
            incoming.preview.clone(),
            unread,
        ),
        actions.open,
        buttons,
    );
}

/// The unread counts changed: a conversation no longer among them was read (here, on another
/// device, or by "Mark as read"), so its notification goes and its next message starts afresh.
pub fn unread_now(unread: &[(Conversation, u32)]) {
    let mut groups = groups().lock().unwrap_or_else(|p| p.into_inner());
    let read: Vec<Conversation> = groups
        .by_conversation
        .keys()
        .filter(|c| !unread.iter().any(|(u, count)| u == *c && *count > 0))
        .cloned()
        .collect();
    let closing: Vec<u32> = read.iter().filter_map(|c| groups.read(c)).collect();
    drop(groups);
    if !closing.is_empty() {
        std::thread::spawn(move || closing.into_iter().for_each(close_on_daemon));
    }
}

/// Asks the daemon to close a notification (gone already: the daemon says so, nothing to do).
#[cfg(all(unix, not(target_os = "macos")))]
fn close_on_daemon(id: u32) {
    let closed = dbus::blocking::Connection::new_session().and_then(|connection| {
        connection
            .with_proxy(
                "org.freedesktop.Notifications",
                "/org/freedesktop/Notifications",
                std::time::Duration::from_secs(2),
            )
            .method_call::<(), _, _, _>("org.freedesktop.Notifications", "CloseNotification", (id,))
    });
    if let Err(error) = closed {
        tracing::debug!(%error, id, "notification not closed");
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn close_on_daemon(_id: u32) {}

/// A contact offers a file: the window lists it for an answer.
pub fn show_offer(app: &AppHandle, offer: &crate::dto::transfer::TransferEntry) {
    let from = offer.peer_name.as_deref().unwrap_or(&offer.peer);
    let hungarian = language(app) == "hu";
    let summary = if hungarian {
        format!("{from} fájlt küld")
    } else {
        format!("{from} sends you a file")
    };
    // The engine decides about messages (`attention`); an offer is the shell's own news.
    if !window_focused(app) && !crate::desktop_settings::do_not_disturb(app) {
        let shown = app.clone();
        notify(
            app,
            &summary,
            &offer.name,
            Box::new(move || crate::windows::show_main(&shown)),
        );
    }
}

/// The window was closed to the tray for the first time: say where the app went.
pub fn show_hidden_to_tray(app: &AppHandle) {
    let (summary, body) = if language(app) == "hu" {
        (
            "A Chatenium tovább fut",
            "A tálcán találod: onnan nyitható meg újra, vagy onnan léphetsz ki.",
        )
    } else {
        (
            "Chatenium is still running",
            "It is in the tray: open it again or quit from there.",
        )
    };
    let shown = app.clone();
    notify(
        app,
        summary,
        body,
        Box::new(move || crate::windows::show_main(&shown)),
    );
}

/// Whether the user is in the app already (the window has the input focus).
pub fn window_focused(app: &AppHandle) -> bool {
    app.get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false)
}

fn language(app: &AppHandle) -> String {
    app.try_state::<crate::state::AppState>()
        .map(|state| state.language())
        .unwrap_or_default()
}

/// Shows a notification; `on_click` runs when the user invokes it.
fn notify(app: &AppHandle, summary: &str, body: &str, on_click: OnClick) {
    show_with_actions(app, summary, body, on_click, Vec::new());
}

/// Shows a notification with action buttons besides the click.
pub fn show_with_actions(
    app: &AppHandle,
    summary: &str,
    body: &str,
    on_click: OnClick,
    actions: Vec<Action>,
) {
    let mut notification = base(app, summary, &actions);
    notification.body(body);
    // Showing and waiting for the click both block on D-Bus: off the async runtime.
    std::thread::spawn(move || match notification.show() {
        Ok(handle) => wait_for_action(handle, on_click, actions, None),
        Err(error) => tracing::warn!(%error, "notification not shown"),
    });
}

/// A conversation's notification: `(conversation, preview, unread count)` of the new message.
fn show_grouped(
    app: &AppHandle,
    sender: String,
    (conversation, preview, unread): (Conversation, String, u32),
    on_click: OnClick,
    actions: Vec<Action>,
) {
    let mut notification = base(app, &sender, &actions);
    std::thread::spawn(move || {
        let groups = groups();
        // Held while showing, so that two messages of one conversation cannot both start a
        // notification before the first one's id is known.
        let mut locked = groups.lock().unwrap_or_else(|p| p.into_inner());
        let added = locked.add(&conversation, preview, unread);
        notification
            .summary(&added.summary(&sender))
            .body(&added.body);
        if let Some(id) = added.replaces {
            notification.id(id);
        }
        match notification.show() {
            Ok(handle) => {
                locked.shown(&conversation, added.generation, handle.id());
                drop(locked);
                let mine = Some((conversation, added.generation));
                wait_for_action(handle, on_click, actions, mine);
            }
            Err(error) => tracing::warn!(%error, "notification not shown"),
        }
    });
}

fn base(app: &AppHandle, summary: &str, actions: &[Action]) -> notify_rust::Notification {
    let open = if language(app) == "hu" {
        "Megnyitás"
    } else {
        "Open"
    };
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Chatenium")
        .summary(summary)
        .action("default", open);
    for action in actions {
        notification.action(action.key, &action.label);
    }
    notification
}

/// Runs what the user chose. A grouped notification's waiter acts only while its message is
/// the group's latest: the older waiters of a replaced notification hear the same signals.
#[cfg(all(unix, not(target_os = "macos")))]
fn wait_for_action(
    handle: notify_rust::NotificationHandle,
    on_click: OnClick,
    mut actions: Vec<Action>,
    group: Option<(Conversation, u64)>,
) {
    let daemon_id = handle.id();
    handle.wait_for_action(move |chosen| {
        if let Some((conversation, generation)) = &group {
            let mut groups = groups().lock().unwrap_or_else(|p| p.into_inner());
            if !groups.is_current(conversation, *generation) {
                return;
            }
            // Chosen or closed, the notification is done.
            groups.closed(conversation, *generation);
        }
        if chosen == "__closed" {
            return;
        }
        // The daemon may keep a notification whose action was chosen (dunst does, from its
        // context menu): it has done its work.
        close_on_daemon(daemon_id);
        if chosen == "default" {
            on_click();
        } else if let Some(index) = actions.iter().position(|a| a.key == chosen) {
            (actions.swap_remove(index).run)();
        }
    });
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn wait_for_action(
    _handle: notify_rust::NotificationHandle,
    _on_click: OnClick,
    _actions: Vec<Action>,
    _group: Option<(Conversation, u64)>,
) {
    // Other platforms bring the app forward themselves on a click.
}

/// A call rings: Accept and Decline on the notification (`on_answer(true)` for Accept),
/// a click brings the window forward, where the call rings too. Answers what takes the
/// notification away once the ring stops (answered, declined or ended anywhere); it also goes
/// by itself after a minute (the server's ring timeout is shorter).
pub fn show_incoming_call(
    app: &AppHandle,
    caller: &str,
    on_answer: Box<dyn FnOnce(bool) + Send>,
) -> Box<dyn FnOnce() + Send> {
    let hungarian = language(app) == "hu";
    let (summary, accept, decline) = if hungarian {
        (format!("{caller} hív"), "Fogadás", "Elutasítás")
    } else {
        (format!("{caller} is calling"), "Accept", "Decline")
    };
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Chatenium")
        .summary(&summary)
        .action("accept", accept)
        .action("decline", decline)
        .action("default", caller)
        .timeout(notify_rust::Timeout::Milliseconds(60_000));
    // The shown notification's id, and whether it should go already (dismissed before shown).
    let shown: std::sync::Arc<std::sync::Mutex<(Option<u32>, bool)>> = Default::default();
    // notify-rust closes a notification only through its handle, which waiting for the answer
    // holds: a second one with the same id replaces it, and closing that closes it.
    let closer = notification.clone();
    let close = move |id: u32| {
        if let Ok(handle) = closer.clone().id(id).show() {
            handle.close();
        }
    };
    let dismiss = {
        let shown = std::sync::Arc::clone(&shown);
        let close = close.clone();
        Box::new(move || {
            let id = {
                let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
                shown.1 = true;
                shown.0
            };
            if let Some(id) = id {
                // D-Bus blocks: off the caller's thread.
                std::thread::spawn(move || close(id));
            }
        })
    };
    let app = app.clone();
    // Showing and waiting for the answer both block on D-Bus: off the async runtime.
    std::thread::spawn(move || {
        let handle = match notification.show() {
            Ok(handle) => handle,
            Err(error) => {
                tracing::warn!(%error, "call notification not shown");
                return;
            }
        };
        let dismissed = {
            let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
            shown.0 = Some(handle.id());
            shown.1
        };
        if dismissed {
            close(handle.id());
            return;
        }
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            let mut on_answer = Some(on_answer);
            handle.wait_for_action(|action| match action {
                "accept" | "decline" => {
                    if let Some(on_answer) = on_answer.take() {
                        on_answer(action == "accept");
                    }
                }
                "default" => crate::windows::show_main(&app),
                _ => {}
            });
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            // Elsewhere notifications carry no actions here: the window answers.
            let _ = (handle, on_answer, app);
        }
    });
    dismiss
}

/// The notifications on screen, one per conversation (the daemon is one per desktop session).
fn groups() -> &'static Mutex<Groups> {
    static GROUPS: std::sync::OnceLock<Mutex<Groups>> = std::sync::OnceLock::new();
    GROUPS.get_or_init(Default::default)
}

/// The notification each conversation has on screen.
#[derive(Debug, Default)]
struct Groups {
    by_conversation: HashMap<Conversation, Group>,
    generations: u64,
}

#[derive(Debug, Default)]
struct Group {
    /// The daemon's id of the notification on screen.
    daemon_id: Option<u32>,
    /// Which message's notification is the latest (see `wait_for_action`).
    generation: u64,
    /// The latest previews, oldest first.
    previews: Vec<String>,
    /// Unread messages in the conversation.
    count: u32,
}

/// What to show for a conversation's newest message.
#[derive(Debug, PartialEq, Eq)]
struct Added {
    generation: u64,
    replaces: Option<u32>,
    count: u32,
    body: String,
}

impl Added {
    fn summary(&self, sender: &str) -> String {
        if self.count > 1 {
            format!("{sender} ({})", self.count)
        } else {
            sender.to_owned()
        }
    }
}

impl Groups {
    /// `unread`: the conversation's count as the core has it (0 when it keeps none: then the
    /// notifications are counted).
    fn add(&mut self, conversation: &Conversation, preview: String, unread: u32) -> Added {
        self.generations += 1;
        let group = self
            .by_conversation
            .entry(conversation.clone())
            .or_default();
        group.generation = self.generations;
        group.count = if unread > 0 { unread } else { group.count + 1 };
        group.previews.push(preview);
        let excess = group.previews.len().saturating_sub(LINES_SHOWN);
        group.previews.drain(..excess);
        Added {
            generation: group.generation,
            replaces: group.daemon_id,
            count: group.count,
            body: group.previews.join("\n"),
        }
    }

    fn shown(&mut self, conversation: &Conversation, generation: u64, daemon_id: u32) {
        if let Some(group) = self.by_conversation.get_mut(conversation) {
            if group.generation == generation {
                group.daemon_id = Some(daemon_id);
            }
        }
    }

    fn is_current(&self, conversation: &Conversation, generation: u64) -> bool {
        self.by_conversation
            .get(conversation)
            .is_some_and(|g| g.generation == generation)
    }

    fn closed(&mut self, conversation: &Conversation, generation: u64) {
        if self.is_current(conversation, generation) {
            self.by_conversation.remove(conversation);
        }
    }

    /// Read: the group is gone; answers the daemon's id of its notification, to close.
    fn read(&mut self, conversation: &Conversation) -> Option<u32> {
        self.by_conversation.remove(conversation)?.daemon_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_messages_of_one_conversation_are_one_notification_replaced() {
        let mut groups = Groups::default();
        let bruno = Conversation::chat("c1");
        let first = groups.add(&bruno, "m1".into(), 0);
        assert_eq!(first.replaces, None);
        assert_eq!(first.summary("Bruno"), "Bruno");
        groups.shown(&bruno, first.generation, 7);
        let mut last = first;
        for n in 2..=10 {
            last = groups.add(&bruno, format!("m{n}"), 0);
            assert_eq!(last.replaces, Some(7));
        }
        assert_eq!(last.summary("Bruno"), "Bruno (10)");
        assert_eq!(last.body, "m7\nm8\nm9\nm10");

        // Another conversation has its own.
        let ann = Conversation::chat("c2");
        assert_eq!(groups.add(&ann, "hi".into(), 0).replaces, None);
    }

    #[test]
    fn the_count_is_the_cores_unread_count_when_it_has_one() {
        let mut groups = Groups::default();
        let chat = Conversation::chat("c1");
        groups.add(&chat, "a".into(), 1);
        // Two messages arrived together: one notice, the count says both.
        let added = groups.add(&chat, "c".into(), 3);
        assert_eq!(
            (added.count, added.summary("Bruno").as_str()),
            (3, "Bruno (3)")
        );
    }

    #[test]
    fn only_the_latest_message_acts_and_a_closed_group_starts_again() {
        let mut groups = Groups::default();
        let chat = Conversation::chat("c1");
        let older = groups.add(&chat, "a".into(), 0);
        groups.shown(&chat, older.generation, 3);
        let newer = groups.add(&chat, "b".into(), 0);
        assert!(!groups.is_current(&chat, older.generation));
        assert!(groups.is_current(&chat, newer.generation));

        groups.closed(&chat, older.generation);
        assert!(
            groups.is_current(&chat, newer.generation),
            "an old waiter closes nothing"
        );
        groups.closed(&chat, newer.generation);
        let again = groups.add(&chat, "c".into(), 0);
        assert_eq!((again.replaces, again.count), (None, 1));
    }

    #[test]
    fn a_read_conversation_closes_its_notification_and_counts_afresh() {
        let mut groups = Groups::default();
        let chat = Conversation::chat("c1");
        let first = groups.add(&chat, "a".into(), 0);
        groups.shown(&chat, first.generation, 5);
        let second = groups.add(&chat, "b".into(), 0);
        assert_eq!(groups.read(&chat), Some(5));
        assert!(!groups.is_current(&chat, second.generation));
        let after = groups.add(&chat, "c".into(), 0);
        assert_eq!(
            (after.replaces, after.count, after.body.as_str()),
            (None, 1, "c")
        );
    }
}

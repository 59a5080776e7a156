//! Native notifications (notify-rust: the desktop's notification daemon over D-Bus on Linux)
//! for a new message or an offered file while the window is not focused. Clicking one brings
//! the window forward (and, for a message, opens that chat).

use chatenium_api::schemas::contacts::Contact;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::events::OpenChatRequested;

/// Unread messages of the chats that are not muted: the tray's count.
pub fn unread(chats: &[Contact]) -> u32 {
    chats
        .iter()
        .filter(|c| !c.muted)
        .map(|c| c.notifications)
        .sum()
}

/// The chats whose newest message changed to one from the partner, in an unmuted chat the
/// list already had. A chat seen for the first time (the first snapshot after start) is not
/// news: only what arrives while the app runs is.
pub fn incoming<'a>(before: &[Contact], after: &'a [Contact]) -> Vec<&'a Contact> {
    after
        .iter()
        .filter(|now| !now.muted)
        .filter(|now| {
            let Some(latest) = now.latest_message.as_ref().filter(|m| !m.is_author) else {
                return false;
            };
            before
                .iter()
                .find(|was| was.chatid == now.chatid)
                .is_some_and(|was| {
                    was.latest_message.as_ref().map(|m| &m.msgid) != Some(&latest.msgid)
                })
        })
        .collect()
}

/// A partner's new message, unless the window is focused (the user is looking already).
pub fn show(app: &AppHandle, contact: &Contact) {
    let Some(latest) = &contact.latest_message else {
        return;
    };
    notify(
        app,
        &contact.user.display_name,
        &latest.message,
        Some(contact.chatid.clone()),
    );
}

/// A contact offers a file: the window lists it for an answer.
pub fn show_offer(app: &AppHandle, offer: &crate::dto::transfer::TransferEntry) {
    let from = offer.peer_name.as_deref().unwrap_or(&offer.peer);
    let hungarian = language(app) == "hu";
    let summary = if hungarian {
        format!("{from} fájlt küld")
    } else {
        format!("{from} sends you a file")
    };
    notify(app, &summary, &offer.name, None);
}

fn language(app: &AppHandle) -> String {
    app.try_state::<crate::state::AppState>()
        .map(|state| state.language())
        .unwrap_or_default()
}

/// Shows a notification unless the window is focused; a click brings the window forward and
/// opens `chatid` if given.
fn notify(app: &AppHandle, summary: &str, body: &str, chatid: Option<String>) {
    let focused = app
        .get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    if focused {
        return;
    }
    let open = if language(app) == "hu" {
        "Megnyitás"
    } else {
        "Open"
    };
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Chatenium")
        .summary(summary)
        .body(body)
        .action("default", open);
    let app = app.clone();
    // Showing and waiting for the click both block on D-Bus: off the async runtime.
    std::thread::spawn(move || match notification.show() {
        Ok(handle) => wait_for_click(app, chatid, handle),
        Err(error) => eprintln!("chatenium-desktop: notification not shown: {error}"),
    });
}

#[cfg(all(unix, not(target_os = "macos")))]
fn wait_for_click(app: AppHandle, chatid: Option<String>, handle: notify_rust::NotificationHandle) {
    handle.wait_for_action(|action| {
        if action == "default" {
            crate::windows::show_main(&app);
            if let Some(chatid) = chatid {
                let _ = OpenChatRequested { chatid }.emit(&app);
            }
        }
    });
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn wait_for_click(
    _app: AppHandle,
    _chatid: Option<String>,
    _handle: notify_rust::NotificationHandle,
) {
    // Other platforms bring the app forward themselves on a click.
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatenium_api::schemas::common::{PublicUserData, Timestamp};
    use chatenium_api::schemas::contacts::LatestMessage;

    fn chat(id: &str, latest: Option<(&str, bool)>, muted: bool, unread: u32) -> Contact {
        Contact {
            chatid: id.into(),
            user: PublicUserData {
                userid: format!("u-{id}"),
                username: id.into(),
                display_name: id.into(),
                pfp: None,
            },
            muted,
            notifications: unread,
            accepted: true,
            latest_message: latest.map(|(msgid, is_author)| LatestMessage {
                msgid: msgid.into(),
                message: "hi".into(),
                is_author,
                sent_at: Timestamp::new(1, 0),
            }),
        }
    }

    #[test]
    fn only_a_partners_new_message_in_an_unmuted_known_chat_is_news() {
        let before = [
            chat("a", Some(("m1", false)), false, 1),
            chat("b", Some(("m1", false)), false, 0),
            chat("c", None, true, 0),
        ];
        let after = [
            chat("a", Some(("m2", false)), false, 2), // news
            chat("b", Some(("m2", true)), false, 0),  // my own message
            chat("c", Some(("m3", false)), true, 1),  // muted
            chat("d", Some(("m4", false)), false, 1), // first seen
        ];
        let news: Vec<_> = incoming(&before, &after)
            .iter()
            .map(|c| &c.chatid)
            .collect();
        assert_eq!(news, ["a"]);
        assert_eq!(unread(&after), 3);
        assert!(incoming(&after, &after).is_empty());
    }
}

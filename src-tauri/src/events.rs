//! Events to the window: the core's typed snapshots and diffs, forwarded as they happen (the
//! UI never polls). The same stream feeds the core's attention machine
//! (`chatenium_core::attention`), whose decisions are routed here to the tray (the unread
//! count), the notification daemon and the window (a click opens the conversation).

use chatenium_api::schemas::cascade::Cascade;
use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::pictures::{Album, Comment, Creator};
use chatenium_api::schemas::thread::Thread;
use chatenium_core::attention::{Attention, Conversation, Incoming, Notice, View};
use chatenium_core::CoreEvent;
use serde::Serialize;
use tauri::AppHandle;
use tauri_specta::Event;
use tokio::sync::broadcast;

use crate::dto::gallery::{GalleryFeed, GalleryPicture};
use crate::dto::transfer::{TransferEntry, TransferPhase, TransferSide};
use crate::dto::{CatchUp, Connection, ListDiff, TimelineEntry, UnreadCounts, UploadProgress};
use crate::state::AppState;

/// The chat list changed (newest activity first).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct ChatListChanged {
    pub diff: ListDiff<Contact>,
}

/// An open chat's timeline changed.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct TimelineChanged {
    pub chatid: String,
    pub diff: ListDiff<TimelineEntry>,
}

#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct ConnectionChanged {
    pub state: Connection,
}

/// Catching up after a connect came further (the connection shows `connecting` meanwhile; its
/// next change ends it). The snapshot: `connection_status`.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct CatchingUp {
    pub progress: CatchUp,
}

#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct UploadProgressed {
    pub progress: UploadProgress,
}

/// The server ended the session (signed out elsewhere, password reset, account deleted).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct SessionEnded {
    pub reason: String,
}

/// The user asked to see a chat from outside the window (a notification was clicked).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct OpenChatRequested {
    pub chatid: String,
    /// Put the cursor in the composer ("Reply" on a notification).
    pub compose: bool,
}

/// The cascades the user belongs to changed (joined, left, kicked, renamed, members).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct CascadeListChanged {
    pub diff: ListDiff<Cascade>,
}

/// An open thread's timeline changed.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct ThreadTimelineChanged {
    pub cascade_id: String,
    pub thread_id: String,
    pub diff: ListDiff<TimelineEntry>,
}

/// A cascade's threads under `parent_id` (`null`: the root threads), as they are now.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct ThreadsChanged {
    pub cascade_id: String,
    pub parent_id: Option<String>,
    pub threads: Vec<Thread>,
}

/// The user asked to see a thread from outside the window (a notification was clicked).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct OpenThreadRequested {
    pub cascade_id: String,
    pub thread_id: String,
}

/// The unread counts changed (threads' counts are kept by the core's attention machine).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct UnreadChanged {
    pub unread: UnreadCounts,
}

/// An invite link was opened (`chatenium://invite/<code>`, from the desktop or a second start).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct InviteOpened {
    pub code: String,
}

/// A moderator removed the user from a cascade: kicked, or banned with the reason given, if
/// any. Sent before the cascade leaves the list.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct RemovedFromCascade {
    pub cascade_id: String,
    pub banned: bool,
    pub reason: Option<String>,
}

/// A peer-to-peer transfer changed (offered, progressed, ended).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct TransferChanged {
    pub transfer: TransferEntry,
}

// The call events are defined beside the call's types, so that the call commands, which send
// some of them, need not import this module (which hands them the core's call updates).
pub use crate::dto::call::{CallChanged, CallQualityChanged};

/// An open gallery feed changed (a like, a comment count, an edit, a new or deleted picture,
/// the next page).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct GalleryFeedChanged {
    pub feed: GalleryFeed,
    pub diff: ListDiff<GalleryPicture>,
}

/// An open comment thread changed.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct GalleryCommentsChanged {
    pub picture_id: String,
    pub diff: ListDiff<Comment>,
}

/// A creator's open album list changed.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct GalleryAlbumsChanged {
    pub userid: String,
    pub diff: ListDiff<Album>,
}

/// A creator's details changed (followed or unfollowed).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct GalleryCreatorChanged {
    pub creator: Creator,
}

/// Forwards one engine's events until it stops (its event stream closes); then the tray's
/// count goes back to zero. `own_userid`: the signed-in user, whose own messages are no news.
pub fn forward(app: AppHandle, mut events: broadcast::Receiver<CoreEvent>, own_userid: String) {
    use tauri::Manager;
    tauri::async_runtime::spawn(async move {
        let mut attention = Attention::new(own_userid);
        let state = app.state::<AppState>();
        loop {
            tokio::select! {
                received = events.recv() => match received {
                    Ok(event) => handle(&app, &mut attention, event),
                    // Fell behind: the next reset (reconnect, catch-up) brings the list back.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                // A conversation was opened or closed: showing a thread reads it now, not at
                // the next event.
                () = state.view_changed.notified() => {
                    for notice in attention.set_view(view(&app)) {
                        route(&app, notice, &attention);
                    }
                }
            }
        }
        state.set_unread(UnreadCounts::default());
        crate::tray::show_unread(&app, 0);
    });
}

fn handle(app: &AppHandle, attention: &mut Attention, event: CoreEvent) {
    // The attention machine decides about Do Not Disturb too; the setting is the shell's.
    attention.set_do_not_disturb(crate::desktop_settings::do_not_disturb(app));
    if matches!(
        event,
        CoreEvent::ChatList { .. }
            | CoreEvent::ThreadMessage { .. }
            | CoreEvent::CascadeList { .. }
            | CoreEvent::MutedCascades { .. }
    ) {
        let mut notices = attention.set_view(view(app));
        notices.extend(attention.observe(&event));
        for notice in notices {
            route(app, notice, attention);
        }
    } else {
        // Connection changes mark when catch-up ends; nothing else concerns attention.
        attention.observe(&event);
    }
    let sent = match event {
        CoreEvent::ChatList { diff } => ChatListChanged {
            diff: ListDiff::from_core(diff, |c| c),
        }
        .emit(app),
        CoreEvent::Timeline { chatid, diff } => TimelineChanged {
            chatid,
            diff: ListDiff::from_core(diff, TimelineEntry::from),
        }
        .emit(app),
        CoreEvent::Connection { state } => ConnectionChanged {
            state: state.into(),
        }
        .emit(app),
        CoreEvent::CatchingUp { progress } => CatchingUp {
            progress: progress.into(),
        }
        .emit(app),
        CoreEvent::Upload { progress } => UploadProgressed {
            progress: progress.into(),
        }
        .emit(app),
        CoreEvent::SessionRevoked => SessionEnded {
            reason: "revoked".into(),
        }
        .emit(app),
        CoreEvent::Transfer { transfer } => {
            let transfer = TransferEntry::from(transfer);
            after_transfer_change(app, &transfer);
            TransferChanged { transfer }.emit(app)
        }
        CoreEvent::CascadeList { diff } => CascadeListChanged {
            diff: ListDiff::from_core(diff, |c| c),
        }
        .emit(app),
        CoreEvent::ThreadTimeline {
            cascade_id,
            thread_id,
            diff,
        } => ThreadTimelineChanged {
            cascade_id,
            thread_id,
            diff: ListDiff::from_core(diff, TimelineEntry::from_thread),
        }
        .emit(app),
        CoreEvent::Threads {
            cascade_id,
            parent_id,
            threads,
        } => ThreadsChanged {
            cascade_id,
            parent_id,
            threads,
        }
        .emit(app),
        // Its arrival is in the thread's timeline (when open) and in attention's counts.
        CoreEvent::ThreadMessage { .. } => Ok(()),
        CoreEvent::Call { call } => {
            crate::calls::on_call_update(app, call);
            Ok(())
        }
        CoreEvent::RemovedFromCascade {
            cascade_id,
            banned,
            reason,
        } => RemovedFromCascade {
            cascade_id,
            banned,
            reason,
        }
        .emit(app),
        // Attention's to decide; the window asks `muted_cascades` for its switch.
        CoreEvent::MutedCascades { .. } => Ok(()),
        // The catching up that follows says so (its stage is `resync`).
        CoreEvent::FullResync => Ok(()),
        CoreEvent::GalleryFeed { feed, diff } => GalleryFeedChanged {
            feed: feed.into(),
            diff: ListDiff::from_core(diff, GalleryPicture::from),
        }
        .emit(app),
        CoreEvent::GalleryComments { picture_id, diff } => GalleryCommentsChanged {
            picture_id,
            diff: ListDiff::from_core(diff, |c| c),
        }
        .emit(app),
        CoreEvent::GalleryAlbums { userid, diff } => GalleryAlbumsChanged {
            userid,
            diff: ListDiff::from_core(diff, |a| a),
        }
        .emit(app),
        CoreEvent::GalleryCreator { creator } => GalleryCreatorChanged { creator }.emit(app),
    };
    if let Err(error) = sent {
        tracing::warn!(%error, "an event did not reach the window");
    }
}

/// What the window shows now: whether it has the focus and which conversation is open.
fn view(app: &AppHandle) -> View {
    use tauri::Manager;
    View {
        focused: crate::notifications::window_focused(app),
        open: app.state::<AppState>().shown(),
    }
}

/// Hands one decision of the attention machine to where it shows.
/// `attention`: the machine after the notice, for the conversation's unread count.
fn route(app: &AppHandle, notice: Notice, attention: &Attention) {
    match notice {
        Notice::Unread(unread) => {
            crate::tray::show_unread(app, unread.total);
            crate::notifications::unread_now(&unread.conversations);
            let unread = UnreadCounts::from(unread);
            use tauri::Manager;
            app.state::<AppState>().set_unread(unread.clone());
            if let Err(error) = (UnreadChanged { unread }).emit(app) {
                tracing::warn!(%error, "the window did not hear the unread counts");
            }
        }
        Notice::Incoming(incoming) if incoming.should_notify() => {
            let actions = crate::notifications::MessageActions {
                open: open_on_click(app, &incoming, false),
                mark_read: mark_read_on_action(app, &incoming),
                reply: open_on_click(app, &incoming, true),
            };
            let unread = attention
                .unread()
                .conversations
                .into_iter()
                .find_map(|(c, count)| (c == incoming.conversation).then_some(count))
                .unwrap_or(0);
            crate::notifications::show_message(app, &incoming, unread, actions);
        }
        Notice::Incoming(_) => {}
    }
}

/// A click on a message's notification brings the window forward and opens its chat or thread;
/// "Reply" (`compose`) also puts the cursor in the chat's composer.
fn open_on_click(
    app: &AppHandle,
    incoming: &Incoming,
    compose: bool,
) -> crate::notifications::OnClick {
    let app = app.clone();
    let conversation = incoming.conversation.clone();
    Box::new(move || {
        crate::windows::show_main(&app);
        let sent = match conversation {
            Conversation::Chat { chatid } => (OpenChatRequested { chatid, compose }).emit(&app),
            Conversation::Thread {
                cascade_id,
                thread_id,
            } => (OpenThreadRequested {
                cascade_id,
                thread_id,
            })
            .emit(&app),
        };
        if let Err(error) = sent {
            tracing::warn!(%error, "the window did not hear which conversation to open");
        }
    })
}

/// "Mark as read" on a direct chat's notification: the server keeps the read state, and the
/// chat list's diff brings the count down. Threads' counts are read by showing the thread.
fn mark_read_on_action(
    app: &AppHandle,
    incoming: &Incoming,
) -> Option<crate::notifications::OnClick> {
    let Conversation::Chat { chatid } = &incoming.conversation else {
        return None;
    };
    let (app, chatid) = (app.clone(), chatid.clone());
    Some(Box::new(move || {
        tauri::async_runtime::spawn(async move {
            use tauri::Manager;
            let state = app.state::<AppState>();
            let marked = match state.client().await {
                Ok(client) => client.mark_read(&chatid).await.map_err(|e| e.to_string()),
                Err(_) => Err("signed out".to_owned()),
            };
            if let Err(error) = marked {
                tracing::warn!(%error, "Mark as read from a notification failed");
            }
        });
    }))
}

/// The shell's part in a transfer's change: remember where a received file went (for "show in
/// folder"), free a sent file's staged copy once its transfer is over, and tell an unfocused
/// user that a file is offered.
fn after_transfer_change(app: &AppHandle, transfer: &TransferEntry) {
    use tauri::Manager;
    let state = app.state::<AppState>();
    match (transfer.side, transfer.phase) {
        (TransferSide::Incoming, TransferPhase::Completed) => {
            if let Some(path) = &transfer.saved_path {
                state
                    .received
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(transfer.transfer_id.clone(), path.into());
            }
        }
        (TransferSide::Incoming, TransferPhase::Offered) => {
            crate::notifications::show_offer(app, transfer);
        }
        (TransferSide::Outgoing, phase) if phase.is_final() => {
            state.staged.release_transfer(&transfer.transfer_id);
        }
        _ => {}
    }
}

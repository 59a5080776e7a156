//! Events to the window: the core's typed snapshots and diffs, forwarded as they happen (the
//! UI never polls). The same stream feeds the core's attention machine
//! (`chatenium_core::attention`), whose decisions are routed here to the tray (the unread
//! count), the notification daemon and the window (a click opens the conversation).

use chatenium_api::schemas::contacts::Contact;
use chatenium_core::attention::{Attention, Conversation, Incoming, Notice, View};
use chatenium_core::CoreEvent;
use serde::Serialize;
use tauri::AppHandle;
use tauri_specta::Event;
use tokio::sync::broadcast;

use crate::dto::transfer::{TransferEntry, TransferPhase, TransferSide};
use crate::dto::{Connection, ListDiff, TimelineEntry, UploadProgress};
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
}

/// A peer-to-peer transfer changed (offered, progressed, ended).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct TransferChanged {
    pub transfer: TransferEntry,
}

/// Forwards one engine's events until it stops (its event stream closes); then the tray's
/// count goes back to zero. `own_userid`: the signed-in user, whose own messages are no news.
pub fn forward(app: AppHandle, mut events: broadcast::Receiver<CoreEvent>, own_userid: String) {
    tauri::async_runtime::spawn(async move {
        let mut attention = Attention::new(own_userid);
        loop {
            match events.recv().await {
                Ok(event) => handle(&app, &mut attention, event),
                // Fell behind: the next reset (reconnect, catch-up) brings the list back.
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
        crate::tray::show_unread(&app, 0);
    });
}

fn handle(app: &AppHandle, attention: &mut Attention, event: CoreEvent) {
    if matches!(
        event,
        CoreEvent::ChatList { .. }
            | CoreEvent::ThreadMessage { .. }
            | CoreEvent::CascadeList { .. }
    ) {
        let mut notices = attention.set_view(view(app));
        notices.extend(attention.observe(&event));
        for notice in notices {
            route(app, notice);
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
        // Cascades and threads have no screens yet (see ARCHITECTURE.md): the core keeps them
        // cached until the UI that shows them subscribes.
        CoreEvent::CascadeList { .. }
        | CoreEvent::ThreadMessage { .. }
        | CoreEvent::ThreadTimeline { .. }
        | CoreEvent::Threads { .. } => Ok(()),
        // The gallery screens are not built yet: their commands read snapshots meanwhile.
        CoreEvent::GalleryFeed { .. }
        | CoreEvent::GalleryComments { .. }
        | CoreEvent::GalleryAlbums { .. }
        | CoreEvent::GalleryCreator { .. } => Ok(()),
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
fn route(app: &AppHandle, notice: Notice) {
    match notice {
        Notice::Unread(unread) => crate::tray::show_unread(app, unread.total),
        Notice::Incoming(incoming) if incoming.should_notify() => {
            let on_click = open_on_click(app, &incoming);
            crate::notifications::show_message(app, &incoming, on_click);
        }
        Notice::Incoming(_) => {}
    }
}

/// A click on a message's notification brings the window forward and opens its chat (threads
/// have no screen yet: the window only comes forward).
fn open_on_click(app: &AppHandle, incoming: &Incoming) -> crate::notifications::OnClick {
    let app = app.clone();
    let chatid = match &incoming.conversation {
        Conversation::Chat { chatid } => Some(chatid.clone()),
        Conversation::Thread { .. } => None,
    };
    Box::new(move || {
        crate::windows::show_main(&app);
        if let Some(chatid) = chatid {
            if let Err(error) = (OpenChatRequested { chatid }).emit(&app) {
                tracing::warn!(%error, "the window did not hear which chat to open");
            }
        }
    })
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

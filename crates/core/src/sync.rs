//! Live sync: keep a WebSocket to the server, and after every (re)connect catch up on what was
//! missed, so that nothing is lost and nothing doubled.
//!
//! The order on each connect: open the socket and take the connection id first, then catch up
//! over HTTP ([`crate::catchup`]), then apply the frames that queued up meanwhile. Messages are
//! stored by `msgid` and timelines dedupe by it, so an event seen both in the catch-up and on
//! the socket is applied once.

use std::sync::Arc;
use std::time::Duration;

use chatenium_api::schemas::dm::{GetMessagesQuery, Message, DEFAULT_PAGE_SIZE};
use chatenium_api::ws::{ClientCommand, Frame, ServerEvent};
use chatenium_api::{DmGetMessages, GetContacts};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::client::{blocking, Shared};
use crate::error::ClientError;
use crate::events::{ConnectionState, CoreEvent};
use crate::store::SyncCursor;

/// How often the client pings; three beats without any frame mean the connection is dead.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn run(shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    let mut failures = 0u32;
    while !*stop.borrow() {
        shared.set_connection(ConnectionState::Connecting).await;
        let mut reached_online = false;
        let outcome = tokio::select! {
            outcome = connect_and_follow(&shared, &mut reached_online) => outcome,
            _ = stop.changed() => break,
        };
        shared.session.api().set_ws_id(None);
        // A connection that got online was a success however it ended: the next attempt after
        // losing it comes quickly, and the backoff grows only over attempts that fail in a row.
        if reached_online {
            failures = 0;
        }
        match outcome {
            Err(ClientError::SignedOut) => {
                shared.set_connection(ConnectionState::Offline).await;
                shared.emit(CoreEvent::SessionRevoked);
                return;
            }
            Err(error) => {
                tracing::debug!(%error, "live sync interrupted");
                failures += 1;
            }
            Ok(()) => {}
        }
        shared.set_connection(ConnectionState::Offline).await;
        if failures > 0 {
            tokio::select! {
                _ = tokio::time::sleep(crate::backoff::delay(failures)) => {}
                _ = stop.changed() => break,
            }
        }
    }
    shared.set_connection(ConnectionState::Offline).await;
}

/// One connection's life: connect, catch up, follow until it drops.
async fn connect_and_follow(
    shared: &Arc<Shared>,
    reached_online: &mut bool,
) -> Result<(), ClientError> {
    let token = shared.session.access_token().await?;
    let url = shared.session.api().websocket_url(&token);
    let (mut socket, _) =
        tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(url))
            .await
            .map_err(|_| ClientError::Network("connecting the WebSocket timed out".into()))?
            .map_err(|e| websocket_error(&e))?;
    let first = tokio::time::timeout(CONNECT_TIMEOUT, next_event(&mut socket))
        .await
        .map_err(|_| ClientError::Network("no connectionId from the server".into()))??;
    match first {
        Some(ServerEvent::ConnectionId(id)) => shared.session.api().set_ws_id(Some(id.conn_id)),
        other => {
            return Err(ClientError::Decode(format!(
                "the first frame was not connectionId: {other:?}"
            )))
        }
    }
    tracing::debug!("connected; catching up");
    crate::catchup::catch_up(shared).await?;
    // Subscribed first, so that a thread event from now on arrives live; then the threads
    // catch up on what came before.
    let (subscribe, _) = crate::cascade_sync::reload(shared).await?;
    send_command(&mut socket, &subscribe).await?;
    crate::cascade_sync::catch_up_threads(shared).await?;
    *reached_online = true;
    shared.set_connection(ConnectionState::Online).await;
    shared.outbox_wake.notify_one();

    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.tick().await;
    let mut silent_beats = 0;
    loop {
        tokio::select! {
            event = next_event(&mut socket) => match event? {
                Some(event) => {
                    silent_beats = 0;
                    if let Some(command) = apply(shared, event).await? {
                        send_command(&mut socket, &command).await?;
                    }
                }
                None => return Ok(()),
            },
            _ = beat.tick() => {
                silent_beats += 1;
                if silent_beats >= 3 {
                    return Err(ClientError::Network("the server stopped answering".into()));
                }
                send_command(&mut socket, &ClientCommand::Ping).await?;
            }
        }
    }
}

async fn send_command(socket: &mut Socket, command: &ClientCommand) -> Result<(), ClientError> {
    let text = command.to_frame().to_text();
    socket
        .send(WsMessage::Text(text.into()))
        .await
        .map_err(|e| websocket_error(&e))
}

/// The next event, skipping frames this build cannot read (a newer server's); `None` when the
/// socket closed.
async fn next_event(socket: &mut Socket) -> Result<Option<ServerEvent>, ClientError> {
    while let Some(message) = socket.next().await {
        match message.map_err(|e| websocket_error(&e))? {
            WsMessage::Text(text) => match Frame::parse(text.as_str())
                .and_then(|frame| ServerEvent::from_frame(&frame))
            {
                Ok(event) => return Ok(Some(event)),
                Err(error) => tracing::debug!(%error, "skipped a frame"),
            },
            WsMessage::Close(_) => return Ok(None),
            _ => {}
        }
    }
    Ok(None)
}

fn websocket_error(error: &tokio_tungstenite::tungstenite::Error) -> ClientError {
    use tokio_tungstenite::tungstenite::Error;
    match error {
        // The upgrade was refused with 401: the token is no good; the session decides.
        Error::Http(response) if response.status() == 401 => ClientError::Api {
            status: 401,
            code: chatenium_api::ErrorCode::Unauthorized,
        },
        other => ClientError::Network(other.to_string()),
    }
}

/// Applies one server event to the store, the chat list and the open timelines. Answers a
/// command for the socket when the event calls for one.
async fn apply(
    shared: &Arc<Shared>,
    event: ServerEvent,
) -> Result<Option<ClientCommand>, ClientError> {
    let store = Arc::clone(&shared.store);
    match event {
        ServerEvent::NewMessage(message) => {
            tracing::debug!(msgid = %message.msgid, "live message");
            shared.ingest_messages(vec![message.clone()]).await?;
            let cursor = SyncCursor::After(message.msgid.clone());
            let feed = crate::catchup::Feed::Chat(&message.chatid);
            crate::catchup::set_cursor(shared, feed, cursor).await?;
            refresh_contact(shared, &message).await?;
        }
        ServerEvent::EditedMessage(edit) => {
            let (chatid, msgid, text) = (
                edit.chatid.clone(),
                edit.msgid.clone(),
                edit.message.clone(),
            );
            blocking(move || store.edit_message(&chatid, &msgid, &text)).await?;
            shared.timeline_change(&edit.chatid, |t| t.edit(&edit.msgid, &edit.message));
        }
        ServerEvent::DeletedMessage(deleted) => {
            let (chatid, msgids) = (deleted.chatid.clone(), deleted.msgids.clone());
            blocking(move || store.remove_messages(&chatid, &msgids)).await?;
            shared.timeline_change(&deleted.chatid, |t| t.remove(&deleted.msgids));
        }
        ServerEvent::PinnedMessage(pin) => {
            let (chatid, msgid) = (pin.chatid.clone(), pin.msgid.clone());
            blocking(move || store.set_pinned(&chatid, &msgid, pin.pinned)).await?;
            shared.timeline_change(&pin.chatid, |t| t.set_pinned(&pin.msgid, pin.pinned));
        }
        ServerEvent::ContactRequest(_)
        | ServerEvent::ContactDeleted(_)
        | ServerEvent::ProfileChanged(_) => {
            reload_chat_list(shared).await?;
        }
        ServerEvent::SessionRevoked => return Err(ClientError::SignedOut),
        // Peer-to-peer transfers: their module routes the signaling to each transfer.
        ServerEvent::TransferRequest(_)
        | ServerEvent::TransferAccepted(_)
        | ServerEvent::TransferDeclined(_)
        | ServerEvent::TransferExpired(_)
        | ServerEvent::TransferOffer(_)
        | ServerEvent::TransferAnswer(_)
        | ServerEvent::TransferCandidate(_) => crate::transfer::on_server_event(shared, event),
        // Cascades and threads are followed by their own module; calls too.
        other => return crate::cascade_sync::apply(shared, other).await,
    }
    Ok(None)
}

/// After a new message the list's order and counts change: take the server's list.
async fn refresh_contact(shared: &Arc<Shared>, _message: &Message) -> Result<(), ClientError> {
    reload_chat_list(shared).await
}

async fn reload_chat_list(shared: &Arc<Shared>) -> Result<(), ClientError> {
    let contacts = shared.session.call::<GetContacts>(&(), &()).await?;
    let previous = crate::catchup::replace_chat_list(shared, &contacts).await?;
    for diff in crate::listdiff::between(&previous, &contacts, |c| c.chatid.clone()) {
        shared.emit(CoreEvent::ChatList { diff });
    }
    // A chat that just appeared may already hold messages sent before we heard of it.
    for contact in &contacts {
        if !previous.iter().any(|p| p.chatid == contact.chatid) {
            crate::catchup::catch_up_chat(shared, &contact.chatid).await?;
        }
    }
    Ok(())
}

/// Back-paging: the page before the oldest message of the open timeline.
pub(crate) async fn load_older(shared: &Arc<Shared>, chatid: &str) -> Result<usize, ClientError> {
    let oldest = shared
        .lock_timelines()
        .get(chatid)
        .and_then(|t| t.oldest_message().cloned());
    let store = Arc::clone(&shared.store);
    let id = chatid.to_owned();
    // Cached first; the server when the cache has nothing older.
    let older = match &oldest {
        Some(oldest) => {
            let before = oldest.sent_at;
            blocking(move || store.messages_before(&id, before, DEFAULT_PAGE_SIZE)).await?
        }
        None => Vec::new(),
    };
    let older = if older.is_empty() {
        fetch_older(shared, chatid, oldest.as_ref()).await?
    } else {
        older
    };
    let count = older.len();
    shared.timeline_change(chatid, |t| t.prepend(older));
    Ok(count)
}

async fn fetch_older(
    shared: &Arc<Shared>,
    chatid: &str,
    oldest: Option<&Message>,
) -> Result<Vec<Message>, ClientError> {
    let from = match oldest {
        None => 0,
        Some(oldest) => {
            let position = chatenium_api::schemas::dm::MessagePositionQuery {
                chatid: chatid.to_owned(),
                msgid: oldest.msgid.clone(),
            };
            let page_start = shared
                .session
                .call::<chatenium_api::DmGetPosition>(&position, &())
                .await?
                .from;
            // The page holding the oldest shown message, then the one before it.
            page_start + DEFAULT_PAGE_SIZE
        }
    };
    let query = GetMessagesQuery {
        chatid: chatid.to_owned(),
        from: Some(from),
        limit: Some(DEFAULT_PAGE_SIZE),
        after: None,
    };
    let page = shared.session.call::<DmGetMessages>(&query, &()).await?;
    let store = Arc::clone(&shared.store);
    let cached = page.clone();
    blocking(move || store.upsert_messages(&cached)).await?;
    Ok(match oldest {
        Some(oldest) => page
            .into_iter()
            .filter(|m| m.sent_at < oldest.sent_at)
            .collect(),
        None => page,
    })
}

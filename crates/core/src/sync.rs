//! Live sync: keep a WebSocket to the server, and after every (re)connect catch up on what was
//! missed, so that nothing is lost and nothing doubled.
//!
//! The order on each connect: open the socket and take the connection id first, then catch up
//! over HTTP ([`crate::catchup`]), then apply the frames that queued up meanwhile. Messages are
//! stored by `msgid` and timelines dedupe by it, so an event seen both in the catch-up and on
//! the socket is applied once.
//!
//! With a server that keeps a change feed ([`crate::change_feed`]), the catch-up first replays
//! the feed from the last position applied (or resyncs what the cache holds when that is not
//! possible), and each live frame's position is checked: a gap is fetched and applied before
//! the frame, a repeat is skipped, and the position is stored once its batch is applied.
//!
//! While catching up, the connection stays `Connecting` and the window is told how far it has
//! come ([`crate::catchup_progress`]): the feed's positions, then the conversations.
//!
//! Frames that arrive together are applied together: after each frame, whatever else the
//! socket already holds is taken without waiting (up to `MAX_BATCH`), and each run of new
//! messages in it is one store transaction, one timeline diff per chat and one chat-list
//! reload, while every other event keeps its place in the order.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use chatenium_api::schemas::dm::Message;
use chatenium_api::ws::{AccessRefresh, ClientCommand, Frame, ServerEvent};
use chatenium_api::GetContacts;
use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::calls::manager::CallHub;
use crate::catchup_progress::Meter;
use crate::change_feed::{Live, Plan};
use crate::context::Context;
use crate::conversations;
use crate::error::ClientError;
use crate::events::{CatchUpStage, ConnectionState, CoreEvent};
use crate::feed::{DmFeed, Feed};
use crate::store::SyncCursor;
use crate::transfer::TransferHub;

/// How often the client pings; three beats without any frame mean the connection is dead.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The sync task; transfer signaling it reads is handed to `transfers`, call events to `calls`.
pub(crate) async fn run(ctx: Arc<Context>, transfers: Arc<TransferHub>, calls: Arc<CallHub>) {
    let mut stop = ctx.stop.subscribe();
    let mut failures = 0u32;
    while !*stop.borrow() {
        ctx.set_connection(ConnectionState::Connecting).await;
        let mut reached_online = false;
        let outcome = tokio::select! {
            outcome = connect_and_follow(&ctx, &transfers, &calls, &mut reached_online) => outcome,
            _ = stop.changed() => break,
        };
        ctx.session.api().set_ws_id(None);
        // A connection that got online was a success however it ended: the next attempt after
        // losing it comes quickly, and the backoff grows only over attempts that fail in a row.
        if reached_online {
            failures = 0;
        }
        match outcome {
            Err(ClientError::SignedOut) => {
                ctx.set_connection(ConnectionState::Offline).await;
                ctx.emit(CoreEvent::SessionRevoked);
                return;
            }
            Err(error) => {
                tracing::debug!(%error, "live sync interrupted");
                failures += 1;
            }
            Ok(()) => {}
        }
        ctx.set_connection(ConnectionState::Offline).await;
        if failures > 0 {
            tokio::select! {
                _ = tokio::time::sleep(crate::backoff::delay(failures)) => {}
                _ = stop.changed() => break,
            }
        }
    }
    ctx.set_connection(ConnectionState::Offline).await;
}

/// One connection's life: connect, catch up, follow until it drops.
async fn connect_and_follow(
    ctx: &Context,
    transfers: &TransferHub,
    calls: &Arc<CallHub>,
    reached_online: &mut bool,
) -> Result<(), ClientError> {
    // Watched from before the token is read, so no refresh after it goes unsent.
    let mut refreshes = ctx.session.refreshes();
    let token = ctx.session.access_token().await?;
    let mut socket = match open_socket(ctx, &token).await {
        // The token expired (a session restored from the keyring does not know when it
        // would): refreshed, then one more try.
        Err(error) if error.needs_refresh() => {
            let token = ctx.session.access_token_after_refusal(&token).await?;
            open_socket(ctx, &token).await?
        }
        other => other?,
    };
    let first = tokio::time::timeout(CONNECT_TIMEOUT, next_event(&mut socket))
        .await
        .map_err(|_| ClientError::Network("no connectionId from the server".into()))??;
    match first {
        Some((ServerEvent::ConnectionId(id), _)) => ctx.session.api().set_ws_id(Some(id.conn_id)),
        other => {
            return Err(ClientError::Decode(format!(
                "the first frame was not connectionId: {other:?}"
            )))
        }
    }
    tracing::debug!("connected; catching up");
    let plan = crate::change_feed::plan(ctx).await?;
    match plan {
        Plan::Replay { since, head } => replay(ctx, transfers, calls, since, head).await?,
        Plan::Resync { head } => crate::change_feed::begin_resync(ctx, head).await?,
        Plan::NoFeed => {}
    }
    let stage = match plan {
        Plan::Resync { .. } => CatchUpStage::Resync,
        _ => CatchUpStage::Conversations,
    };
    catch_up_conversations(ctx, &mut socket, stage).await?;
    if let Plan::Resync { head } = plan {
        crate::change_feed::end_resync(ctx, head).await?;
    }
    *reached_online = true;
    ctx.set_connection(ConnectionState::Online).await;
    ctx.outbox_wake.notify_one();

    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.tick().await;
    let mut silent_beats = 0;
    // The pings in flight, oldest first, each with the subscription request it confirms: the
    // server handles a connection's frames in order, so its pong means the subscription sent
    // before the ping is applied.
    let mut pings: VecDeque<Option<u64>> = VecDeque::new();
    loop {
        tokio::select! {
            event = next_event(&mut socket) => {
                let Some(first) = event? else { return Ok(()) };
                silent_beats = 0;
                // What else already arrived is applied with it: a burst costs one store
                // transaction and one timeline diff per conversation, not one per frame.
                let mut received = vec![first];
                let drained = drain_ready(&mut socket, &mut received);
                let batch = in_feed_order(ctx, received).await?;
                for step in in_steps(batch) {
                    match step {
                        Step::Pong => {
                            if let Some(Some(request)) = pings.pop_front() {
                                ctx.subscribed.send_if_modified(|done| {
                                    let newer = request > *done;
                                    *done = (*done).max(request);
                                    newer
                                });
                            }
                        }
                        Step::NewMessages(messages) => ingest_new_messages(ctx, messages).await?,
                        Step::Other(event) => {
                            if let Some(follow) = apply(ctx, transfers, calls, *event).await? {
                                send_command(&mut socket, &follow.subscribe).await?;
                                for cascade_id in follow.added {
                                    crate::cascade_sync::catch_up_threads_of(ctx, &cascade_id).await?;
                                }
                            }
                        }
                    }
                }
                if let Some(position) = crate::change_feed::applied(ctx) {
                    crate::change_feed::store_position(ctx, position).await?;
                }
                if !drained? {
                    return Ok(());
                }
            },
            _ = ctx.resubscribe.notified() => {
                let request = ctx.subscribe_requested();
                let subscribe = crate::cascade_sync::cached_subscription(ctx).await?;
                send_command(&mut socket, &subscribe).await?;
                send_command(&mut socket, &ClientCommand::Ping).await?;
                pings.push_back(Some(request));
            }
            // The server closes the socket when the token it knows expires: each new token
            // goes to it, and the token is refreshed when due even if no request needs it.
            Ok(()) = refreshes.changed() => {
                let access_token = ctx.session.access_token().await?;
                send_command(&mut socket, &ClientCommand::Refresh(AccessRefresh { access_token })).await?;
            }
            () = refresh_due(ctx) => {
                ctx.session.access_token().await?;
            }
            _ = beat.tick() => {
                silent_beats += 1;
                if silent_beats >= 3 {
                    return Err(ClientError::Network("the server stopped answering".into()));
                }
                send_command(&mut socket, &ClientCommand::Ping).await?;
                pings.push_back(None);
            }
        }
    }
}

async fn open_socket(ctx: &Context, token: &str) -> Result<Socket, ClientError> {
    let url = ctx.session.api().websocket_url(token);
    let (socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(url))
        .await
        .map_err(|_| ClientError::Network("connecting the WebSocket timed out".into()))?
        .map_err(|e| websocket_error(&e))?;
    Ok(socket)
}

/// Ready when the access token is due to be refreshed; never when that is not known.
async fn refresh_due(ctx: &Context) {
    match ctx.session.refresh_due().await {
        Some(due) => tokio::time::sleep_until(due.into()).await,
        None => std::future::pending().await,
    }
}

async fn send_command(socket: &mut Socket, command: &ClientCommand) -> Result<(), ClientError> {
    let text = command.to_frame().to_text();
    socket
        .send(WsMessage::Text(text.into()))
        .await
        .map_err(|e| websocket_error(&e))
}

/// An event as it arrived, with its position in the change feed (a server with the feed).
type Received = (ServerEvent, Option<u64>);

/// The next event, skipping frames this build cannot read (a newer server's); `None` when the
/// socket closed.
async fn next_event(socket: &mut Socket) -> Result<Option<Received>, ClientError> {
    while let Some(message) = socket.next().await {
        match message.map_err(|e| websocket_error(&e))? {
            WsMessage::Text(text) => match Frame::parse(text.as_str()).and_then(|frame| {
                ServerEvent::from_frame(&frame).map(|event| (event, frame.position))
            }) {
                Ok(received) => return Ok(Some(received)),
                Err(error) => tracing::debug!(%error, "skipped a frame"),
            },
            WsMessage::Close(_) => return Ok(None),
            _ => {}
        }
    }
    Ok(None)
}

/// The most frames one batch takes, so that a firehose still lets pings and commands through.
const MAX_BATCH: usize = 1024;

/// Adds to `batch` the events already received, without waiting for more. Answers whether the
/// socket is still open. Cancel-safe: a frame is either taken whole or left on the socket.
fn drain_ready(socket: &mut Socket, batch: &mut Vec<Received>) -> Result<bool, ClientError> {
    while batch.len() < MAX_BATCH {
        match next_event(socket).now_or_never() {
            None => break,
            Some(Ok(Some(event))) => batch.push(event),
            Some(Ok(None)) => return Ok(false),
            Some(Err(error)) => return Err(error),
        }
    }
    Ok(true)
}

/// The events of a live batch in the feed's order: a repeat of what was applied is dropped,
/// and before a frame that skips positions, the changes it skipped are fetched.
async fn in_feed_order(
    ctx: &Context,
    received: Vec<Received>,
) -> Result<Vec<ServerEvent>, ClientError> {
    let mut batch = Vec::with_capacity(received.len());
    for (event, position) in received {
        match crate::change_feed::place(ctx, position) {
            Live::Apply => batch.push(event),
            Live::Seen => {}
            Live::Gap { mut last } => {
                let until = position.map(|p| p - 1);
                tracing::debug!(last, ?until, "a gap in the change feed: fetching it");
                loop {
                    let page = crate::change_feed::next_page(ctx, last, until).await?;
                    if page.reached == last {
                        break;
                    }
                    batch.extend(page.events);
                    last = page.reached;
                }
                batch.push(event);
            }
        }
    }
    Ok(batch)
}

/// Replays the change feed after `since` a page at a time, each page as one batch (as live
/// frames are), storing the position after each and telling the progress towards the head
/// (which may move on meanwhile). The socket's subscription is sent once the catch-up is done,
/// for every cascade the list then holds, so what a page's cascade change asks of the socket
/// is left to that.
async fn replay(
    ctx: &Context,
    transfers: &TransferHub,
    calls: &Arc<CallHub>,
    from: u64,
    head: u64,
) -> Result<(), ClientError> {
    let mut meter = Meter::start(ctx, CatchUpStage::Changes, head.saturating_sub(from));
    let mut since = from;
    loop {
        let page = crate::change_feed::next_page(ctx, since, None).await?;
        let reached = page.reached;
        if reached == since {
            // At the head: whatever the head was, all of it is applied.
            meter.finish();
            return Ok(());
        }
        tracing::debug!(
            count = page.events.len(),
            since,
            reached,
            "replaying the change feed"
        );
        for step in in_steps(page.events) {
            match step {
                Step::Pong => {}
                Step::NewMessages(messages) => ingest_new_messages(ctx, messages).await?,
                Step::Other(event) => {
                    apply(ctx, transfers, calls, *event).await?;
                }
            }
        }
        crate::change_feed::store_position(ctx, reached).await?;
        meter.reached(reached - from, page.head.max(reached) - from);
        since = reached;
    }
}

/// The per-conversation catch-up (see [`crate::catchup`]): every chat, then every cascade's
/// threads, one step of the progress each. The total counts the cascades cached until the
/// list is reloaded (after the chats), then the list's.
async fn catch_up_conversations(
    ctx: &Context,
    socket: &mut Socket,
    stage: CatchUpStage,
) -> Result<(), ClientError> {
    let contacts = crate::catchup::chat_list(ctx).await?;
    let chats = contacts.len() as u64;
    let cached = ctx.store.run(|s| s.cascades()).await?.len() as u64;
    let mut meter = Meter::start(ctx, stage, chats + cached);
    for contact in contacts {
        crate::catchup::catch_up_feed(ctx, &DmFeed::new(&contact.chatid)).await?;
        meter.step();
    }
    // Subscribed first, so that a thread event from now on arrives live; then the threads
    // catch up on what came before.
    let (subscribe, _) = crate::cascade_sync::reload(ctx).await?;
    send_command(socket, &subscribe).await?;
    let cascades = ctx.store.run(|s| s.cascades()).await?;
    meter.reached(chats, chats + cascades.len() as u64);
    for cascade in cascades {
        crate::cascade_sync::catch_up_threads_of(ctx, &cascade.cascade_id).await?;
        meter.step();
    }
    // A cascade left meanwhile counted in the total and was never caught up.
    meter.finish();
    Ok(())
}

/// A batch of events in the order they are applied.
#[derive(Debug)]
enum Step {
    Pong,
    /// New direct messages that arrived one after another, possibly in several chats.
    NewMessages(Vec<Message>),
    /// Boxed: the largest event is hundreds of bytes and most steps are small.
    Other(Box<ServerEvent>),
}

/// Groups runs of new messages; every other event keeps its place between them, so an edit
/// or a deletion never overtakes the message it is about.
fn in_steps(batch: Vec<ServerEvent>) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for event in batch {
        match (event, steps.last_mut()) {
            (ServerEvent::NewMessage(message), Some(Step::NewMessages(run))) => run.push(message),
            (ServerEvent::NewMessage(message), _) => steps.push(Step::NewMessages(vec![message])),
            (ServerEvent::Pong, _) => steps.push(Step::Pong),
            (other, _) => steps.push(Step::Other(Box::new(other))),
        }
    }
    steps
}

/// New direct messages: stored in one transaction, then each chat's open timeline changed
/// once and its sync cursor moved to its newest message; the chat list is fetched once.
async fn ingest_new_messages(ctx: &Context, messages: Vec<Message>) -> Result<(), ClientError> {
    tracing::debug!(count = messages.len(), "live messages");
    let mut by_chat: Vec<(String, Vec<Message>)> = Vec::new();
    for message in &messages {
        match by_chat
            .iter_mut()
            .find(|(chatid, _)| *chatid == message.chatid)
        {
            Some((_, run)) => run.push(message.clone()),
            None => by_chat.push((message.chatid.clone(), vec![message.clone()])),
        }
    }
    ctx.store.run(move |s| s.upsert_messages(&messages)).await?;
    for (chatid, run) in by_chat {
        let feed = DmFeed::new(&chatid);
        let newest = run.last().map(|m| SyncCursor::After(m.msgid.clone()));
        conversations::show_stored(ctx, &feed, run);
        if let Some(cursor) = newest {
            crate::catchup::set_cursor(ctx, &feed.id(), cursor).await?;
        }
    }
    // The list's order and counts change: take the server's list.
    reload_chat_list(ctx).await
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
    ctx: &Context,
    transfers: &TransferHub,
    calls: &Arc<CallHub>,
    event: ServerEvent,
) -> Result<Option<crate::cascade_sync::Follow>, ClientError> {
    match event {
        ServerEvent::NewMessage(message) => ingest_new_messages(ctx, vec![message]).await?,
        ServerEvent::EditedMessage(edit) => {
            let feed = DmFeed::new(&edit.chatid);
            conversations::edited(ctx, &feed, &edit.msgid, &edit.message).await?;
        }
        ServerEvent::DeletedMessage(deleted) => {
            let feed = DmFeed::new(&deleted.chatid);
            conversations::removed(ctx, &feed, &deleted.msgids).await?;
        }
        ServerEvent::PinnedMessage(pin) => {
            let feed = DmFeed::new(&pin.chatid);
            conversations::pinned(ctx, &feed, &pin.msgid, pin.pinned).await?;
        }
        ServerEvent::ChatRead(mark) => {
            let (chatid, reader, msgid) = (mark.chatid.clone(), mark.userid.clone(), mark.msgid);
            let seen = ctx
                .store
                .run(move |s| s.mark_seen(&chatid, &reader, &msgid))
                .await?;
            let feed = DmFeed::new(&mark.chatid);
            conversations::timeline_change(ctx, &feed, |t| t.upsert_all(seen));
            // Read on another device of this user: the chat's unread count changed.
            if mark.userid == ctx.session.userid() {
                reload_chat_list(ctx).await?;
            }
        }
        ServerEvent::ContactRequest(_)
        | ServerEvent::ContactDeleted(_)
        | ServerEvent::ProfileChanged(_) => {
            reload_chat_list(ctx).await?;
        }
        ServerEvent::SessionRevoked => return Err(ClientError::SignedOut),
        // Peer-to-peer transfers: their module routes the signaling to each transfer.
        ServerEvent::TransferRequest(_)
        | ServerEvent::TransferAccepted(_)
        | ServerEvent::TransferDeclined(_)
        | ServerEvent::TransferExpired(_)
        | ServerEvent::TransferOffer(_)
        | ServerEvent::TransferAnswer(_)
        | ServerEvent::TransferCandidate(_) => crate::transfer::on_server_event(transfers, event),
        // Calls: the state machine takes the ringing and the relayed signaling.
        ServerEvent::IncomingCall(_)
        | ServerEvent::CallAnswered(_)
        | ServerEvent::CallEnded(_)
        | ServerEvent::CallSignal(_) => calls.on_server_event(event),
        ServerEvent::PictureChanged(_)
        | ServerEvent::PictureDeleted(_)
        | ServerEvent::CommentChanged(_)
        | ServerEvent::CommentDeleted(_) => crate::gallery_sync::apply(ctx, event),
        // Cascades and threads are followed by their own module; calls too.
        other => return crate::cascade_sync::apply(ctx, other).await,
    }
    Ok(None)
}

async fn reload_chat_list(ctx: &Context) -> Result<(), ClientError> {
    let contacts = ctx.session.call::<GetContacts>(&(), &()).await?;
    let previous = crate::catchup::replace_chat_list(ctx, &contacts).await?;
    for diff in crate::listdiff::between(&previous, &contacts, |c| c.chatid.clone()) {
        ctx.emit(CoreEvent::ChatList { diff });
    }
    // A chat that just appeared may already hold messages sent before we heard of it.
    for contact in &contacts {
        if !previous.iter().any(|p| p.chatid == contact.chatid) {
            crate::catchup::catch_up_feed(ctx, &DmFeed::new(&contact.chatid)).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{in_steps, Step};
    use chatenium_api::ws::{EditedMessage, ServerEvent};

    fn new(chatid: &str, msgid: &str) -> ServerEvent {
        ServerEvent::NewMessage(crate::store::conformance::message(chatid, msgid, 1, 0))
    }

    #[test]
    fn a_batch_groups_runs_of_new_messages_and_keeps_every_other_event_in_place() {
        let edit = ServerEvent::EditedMessage(EditedMessage {
            chatid: "a".into(),
            msgid: "m2".into(),
            message: "edited".into(),
        });
        let steps = in_steps(vec![
            new("a", "m1"),
            new("b", "m2"),
            edit,
            new("a", "m3"),
            ServerEvent::Pong,
        ]);
        let shape: Vec<String> = steps
            .iter()
            .map(|step| match step {
                Step::Pong => "pong".to_owned(),
                Step::NewMessages(run) => run
                    .iter()
                    .map(|m| m.msgid.as_str())
                    .collect::<Vec<_>>()
                    .join("+"),
                Step::Other(_) => "other".to_owned(),
            })
            .collect();
        assert_eq!(shape, ["m1+m2", "other", "m3", "pong"]);
    }
}

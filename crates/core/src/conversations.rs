//! What happens to a conversation's messages, for either kind ([`Feed`]): its timeline opened,
//! paged back and forward, jumped; stored messages, edits, removals and pins applied to the
//! cache and the open timeline (the same diffs whether they came from live sync, catch-up or
//! this client's own action); sends queued with a local echo, retried or discarded.

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::dm::DEFAULT_PAGE_SIZE;

use crate::context::{new_client_key, Context};
use crate::conversation::ConversationId;
use crate::diff::ListDiff;
use crate::error::ClientError;
use crate::feed::{DmFeed, Feed, ThreadFeed};
use crate::store::OutgoingMessage;
use crate::timeline::{Timeline, TimelineItem, TimelineMessage};

type Diffs<M> = Vec<ListDiff<TimelineItem<M>>>;

/// Applies a change to the conversation's timeline, if it is open, and publishes its diffs.
pub(crate) fn timeline_change<F: Feed>(
    ctx: &Context,
    feed: &F,
    change: impl FnOnce(&mut Timeline<F::Message>) -> Diffs<F::Message>,
) {
    let diffs = match ctx.timelines().get_mut(&feed.id()).and_then(F::timeline) {
        Some(timeline) if timeline.holds_diffs() => {
            // Being opened: the change lands in the snapshot the opener hands out.
            change(timeline);
            return;
        }
        Some(timeline) => change(timeline),
        None => return,
    };
    for diff in diffs {
        ctx.emit(feed.event(diff));
    }
}

/// Stores messages of the conversation (one store transaction) and shows them in its open
/// timeline (one diff when they are new and in order).
pub(crate) async fn ingest<F: Feed>(
    ctx: &Context,
    feed: &F,
    messages: Vec<F::Message>,
) -> Result<(), ClientError> {
    if messages.is_empty() {
        return Ok(());
    }
    let (cache, cached) = (feed.clone(), messages.clone());
    ctx.store.run(move |s| cache.cache(s, &cached)).await?;
    show_stored(ctx, feed, messages);
    Ok(())
}

/// Shows messages already stored (live sync stores a burst of several chats at once).
pub(crate) fn show_stored<F: Feed>(ctx: &Context, feed: &F, messages: Vec<F::Message>) {
    feed.announce(ctx, &messages);
    timeline_change(ctx, feed, |t| t.upsert_all(messages));
}

pub(crate) async fn edited<F: Feed>(
    ctx: &Context,
    feed: &F,
    msgid: &str,
    text: &str,
) -> Result<(), ClientError> {
    let (cache, id, new) = (feed.clone(), msgid.to_owned(), text.to_owned());
    ctx.store
        .run(move |s| cache.cache_edit(s, &id, &new))
        .await?;
    timeline_change(ctx, feed, |t| t.edit(msgid, text));
    Ok(())
}

pub(crate) async fn removed<F: Feed>(
    ctx: &Context,
    feed: &F,
    msgids: &[String],
) -> Result<(), ClientError> {
    let (cache, ids) = (feed.clone(), msgids.to_vec());
    ctx.store.run(move |s| cache.cache_remove(s, &ids)).await?;
    timeline_change(ctx, feed, |t| t.remove(msgids));
    Ok(())
}

pub(crate) async fn pinned<F: Feed>(
    ctx: &Context,
    feed: &F,
    msgid: &str,
    pinned: bool,
) -> Result<(), ClientError> {
    let (cache, id) = (feed.clone(), msgid.to_owned());
    ctx.store
        .run(move |s| cache.cache_pin(s, &id, pinned))
        .await?;
    timeline_change(ctx, feed, |t| t.set_pinned(msgid, pinned));
    Ok(())
}

/// Empties every open timeline of its stored messages (a full resync dropped them from the
/// cache; the catch-up that follows shows each conversation's newest page again). Pending
/// sends stay.
pub(crate) async fn forget_open(ctx: &Context) -> Result<(), ClientError> {
    let open: Vec<ConversationId> = ctx.timelines().keys().cloned().collect();
    for id in open {
        match &id {
            ConversationId::Dm { chatid } => forget_shown(ctx, &DmFeed::new(chatid)),
            ConversationId::Thread {
                cascade_id,
                thread_id,
            } => forget_shown(ctx, &ThreadFeed::new(cascade_id, thread_id)),
        }
    }
    Ok(())
}

fn forget_shown<F: Feed>(ctx: &Context, feed: &F) {
    timeline_change(ctx, feed, |t| {
        let shown: Vec<String> = t
            .items()
            .iter()
            .filter_map(|item| match item {
                TimelineItem::Message { message } => Some(message.msgid().to_owned()),
                TimelineItem::Pending { .. } => None,
            })
            .collect();
        t.remove(&shown)
    });
}

/// The conversation's queued sends, in the order they were queued.
async fn queued(ctx: &Context, id: ConversationId) -> Result<Vec<OutgoingMessage>, ClientError> {
    ctx.store
        .run(move |s| {
            Ok(s.outbox()?
                .into_iter()
                .filter(|m| m.conversation == id)
                .collect())
        })
        .await
}

/// Opens the conversation's timeline from the cache: the snapshot to render now.
pub(crate) async fn open<F: Feed>(
    ctx: &Context,
    feed: &F,
) -> Result<Vec<TimelineItem<F::Message>>, ClientError> {
    let cache = feed.clone();
    let messages = ctx
        .store
        .run(move |s| cache.cached_latest(s, DEFAULT_PAGE_SIZE))
        .await?;
    let outbox = queued(ctx, feed.id()).await?;
    let mut timeline = Timeline::new(messages, outbox);
    let first_snapshot = timeline.items().to_vec();
    timeline.hold_diffs(true);
    ctx.timelines().insert(feed.id(), F::open(timeline));
    // Live sync may have stored a message while the cache was being read and found no open
    // timeline to show it in. Now that changes land in this timeline, read the newest page
    // again: what it adds goes into the snapshot, as do live changes until it is handed out.
    let cache = feed.clone();
    let latest = ctx
        .store
        .run(move |s| cache.cached_latest(s, DEFAULT_PAGE_SIZE))
        .await;
    let mut timelines = ctx.timelines();
    let Some(timeline) = timelines.get_mut(&feed.id()).and_then(F::timeline) else {
        // Closed meanwhile.
        return Ok(first_snapshot);
    };
    if let Ok(latest) = &latest {
        // Its diffs are in the snapshot.
        let _ = timeline.upsert_all(latest.clone());
    }
    timeline.hold_diffs(false);
    let snapshot = timeline.items().to_vec();
    drop(timelines);
    latest?;
    Ok(snapshot)
}

/// What an open timeline shows now (`None` when it is not open).
pub(crate) fn snapshot<F: Feed>(ctx: &Context, feed: &F) -> Option<Vec<TimelineItem<F::Message>>> {
    ctx.timelines()
        .get_mut(&feed.id())
        .and_then(F::timeline)
        .map(|t| t.items().to_vec())
}

pub(crate) fn close(ctx: &Context, id: &ConversationId) {
    ctx.timelines().remove(id);
}

/// Where an open timeline's stored messages end, for paging on from there.
struct Ends<M> {
    oldest: Option<M>,
    newest: Option<M>,
    detached: bool,
}

fn ends<F: Feed>(ctx: &Context, feed: &F) -> Option<Ends<F::Message>> {
    ctx.timelines()
        .get_mut(&feed.id())
        .and_then(F::timeline)
        .map(|t| Ends {
            oldest: t.oldest_message().cloned(),
            newest: t.newest_message().cloned(),
            detached: t.is_detached(),
        })
}

/// Back-paging: the page before the oldest message of the open timeline, from the cache
/// first and the server when the cache has nothing older. Answers how many arrived.
pub(crate) async fn load_older<F: Feed>(ctx: &Context, feed: &F) -> Result<usize, ClientError> {
    let oldest = ends(ctx, feed).and_then(|ends| ends.oldest);
    let older = match &oldest {
        Some(oldest) => {
            let (cache, before) = (feed.clone(), oldest.sent_at());
            ctx.store
                .run(move |s| cache.cached_before(s, before, DEFAULT_PAGE_SIZE))
                .await?
        }
        None => Vec::new(),
    };
    let older = if older.is_empty() {
        fetch_older(ctx, feed, oldest.as_ref()).await?
    } else {
        older
    };
    let count = older.len();
    timeline_change(ctx, feed, |t| t.prepend(older));
    Ok(count)
}

async fn fetch_older<F: Feed>(
    ctx: &Context,
    feed: &F,
    oldest: Option<&F::Message>,
) -> Result<Vec<F::Message>, ClientError> {
    let from = match oldest {
        None => 0,
        // The page holding the oldest shown message, then the one before it.
        Some(oldest) => feed.position(ctx, oldest.msgid()).await? + DEFAULT_PAGE_SIZE,
    };
    let page = feed.fetch(ctx, Some(from), DEFAULT_PAGE_SIZE, None).await?;
    let (cache, cached) = (feed.clone(), page.clone());
    ctx.store.run(move |s| cache.cache(s, &cached)).await?;
    let before: Option<Timestamp> = oldest.map(|m| m.sent_at());
    Ok(match before {
        Some(before) => page.into_iter().filter(|m| m.sent_at() < before).collect(),
        None => page,
    })
}

/// After a jump far back, loads the page after the newest message shown; answers how many
/// arrived (0: the timeline shows the newest messages and follows live ones).
pub(crate) async fn load_newer<F: Feed>(ctx: &Context, feed: &F) -> Result<usize, ClientError> {
    let newest = match ends(ctx, feed) {
        Some(ends) if ends.detached => ends.newest,
        _ => return Ok(0),
    };
    let after = newest.map(|m| m.msgid().to_owned());
    let newer = feed.fetch(ctx, None, DEFAULT_PAGE_SIZE, after).await?;
    let reached_newest = newer.len() < DEFAULT_PAGE_SIZE as usize;
    let (cache, cached) = (feed.clone(), newer.clone());
    ctx.store.run(move |s| cache.cache(s, &cached)).await?;
    let count = newer.len();
    timeline_change(ctx, feed, |t| t.append_newer(newer, reached_newest));
    Ok(count)
}

/// Jumps an open timeline to the page holding `msgid` (a `Reset` diff), so a message far back
/// can be shown without paging through everything in between. A page other than the newest
/// is detached from the live end: newer messages come by [`load_newer`].
pub(crate) async fn jump<F: Feed>(ctx: &Context, feed: &F, msgid: &str) -> Result<(), ClientError> {
    let from = feed.position(ctx, msgid).await?;
    let page = feed.fetch(ctx, Some(from), DEFAULT_PAGE_SIZE, None).await?;
    let (cache, cached) = (feed.clone(), page.clone());
    ctx.store.run(move |s| cache.cache(s, &cached)).await?;
    let outbox = queued(ctx, feed.id()).await?;
    let timeline = if from == 0 {
        Timeline::new(page, outbox)
    } else {
        Timeline::detached(page, outbox)
    };
    let items = timeline.items().to_vec();
    {
        let mut timelines = ctx.timelines();
        let Some(open) = timelines.get_mut(&feed.id()) else {
            return Ok(());
        };
        if F::timeline(open).is_none() {
            return Ok(());
        }
        *open = F::open(timeline);
    }
    ctx.emit(feed.event(ListDiff::Reset { items }));
    Ok(())
}

/// Queues a message: it shows at once as a pending echo and the outbox sends it (exactly
/// once, by its client key) as soon as the server can be reached, also after a restart.
/// Answers its client key.
pub(crate) async fn queue<F: Feed>(
    ctx: &Context,
    feed: &F,
    text: &str,
    reply_to_id: Option<String>,
    file_ids: Vec<String>,
) -> Result<String, ClientError> {
    let outgoing = OutgoingMessage {
        client_key: new_client_key(),
        conversation: feed.id(),
        text: text.to_owned(),
        reply_to_id,
        file_ids,
        queued_at: Timestamp::new(crate::clock::unix_now(), 0),
        failure: None,
    };
    let queued = outgoing.clone();
    ctx.store.run(move |s| s.enqueue(&queued)).await?;
    let key = outgoing.client_key.clone();
    timeline_change(ctx, feed, |t| t.push_pending(outgoing));
    ctx.outbox_wake.notify_one();
    Ok(key)
}

/// A change to a local echo; the same for either kind of conversation.
pub(crate) enum EchoChange<'a> {
    /// Refused by the server for good (`Some`), or queued again (`None`).
    Failed(&'a str, Option<&'a str>),
    Discarded(&'a str),
}

impl EchoChange<'_> {
    fn apply<M: TimelineMessage>(&self, timeline: &mut Timeline<M>) -> Diffs<M> {
        match *self {
            EchoChange::Failed(key, reason) => timeline.fail_pending(key, reason),
            EchoChange::Discarded(key) => timeline.remove_pending(key),
        }
    }
}

/// Applies an echo change to the conversation `id` names, whichever kind it is.
pub(crate) fn echo_change(ctx: &Context, id: &ConversationId, change: EchoChange<'_>) {
    match id {
        ConversationId::Dm { chatid } => {
            timeline_change(ctx, &DmFeed::new(chatid), |t| change.apply(t))
        }
        ConversationId::Thread {
            cascade_id,
            thread_id,
        } => timeline_change(ctx, &ThreadFeed::new(cascade_id, thread_id), |t| {
            change.apply(t)
        }),
    }
}

/// Queues a failed message again, in its old place; the outbox sends it (once: its client key
/// stays the same).
pub(crate) async fn retry(
    ctx: &Context,
    id: &ConversationId,
    client_key: &str,
) -> Result<(), ClientError> {
    let key = client_key.to_owned();
    ctx.store.run(move |s| s.clear_failure(&key)).await?;
    echo_change(ctx, id, EchoChange::Failed(client_key, None));
    ctx.outbox_wake.notify_one();
    Ok(())
}

/// Gives up on a failed message: it leaves the outbox and the timeline. A message still being
/// sent is not discarded (it may already be on the server).
pub(crate) async fn discard(
    ctx: &Context,
    id: &ConversationId,
    client_key: &str,
) -> Result<(), ClientError> {
    let key = client_key.to_owned();
    let discarded = ctx
        .store
        .run(move |s| {
            let failed = s
                .outbox()?
                .into_iter()
                .any(|m| m.client_key == key && m.failure.is_some());
            if failed {
                s.dequeue(&key)?;
            }
            Ok(failed)
        })
        .await?;
    if discarded {
        echo_change(ctx, id, EchoChange::Discarded(client_key));
    }
    Ok(())
}

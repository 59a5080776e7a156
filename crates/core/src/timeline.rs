//! A conversation's timeline — a direct chat's or a thread's: the cached messages in order,
//! then the local echoes of sends still in the outbox. Every change is computed here as a
//! [`ListDiff`]; the UI only applies diffs. Pure: no I/O (fetching and caching are the `feed` module's).
//!
//! Order is the server's `sent_at`; a message is in the list once (by `msgid`). A confirmed
//! send replaces its echo (matched by `clientKey`), so a message never shows twice.
//!
//! A timeline holds at most [`WINDOW`] stored messages, whatever the conversation's length:
//! paging one way drops as many from the other end (a `RemoveRange` diff), and paging back there
//! brings them again from the cache or the server. Dropping the newest detaches the timeline
//! from the live end, as a jump does. So an open chat costs the same in the core and in the
//! window at 1,000 messages as at 1,000,000.

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::dm::{Message, DEFAULT_PAGE_SIZE};
use chatenium_api::schemas::thread::ThreadMessage;
use serde::Serialize;

use crate::conversation::ConversationId;
use crate::diff::ListDiff;
use crate::store::OutgoingMessage;

/// How many stored messages an open timeline keeps: five pages, a few on either side of what a
/// reader sees (a window shows a dozen or two rows). Pending echoes do not count.
pub const WINDOW: usize = 5 * DEFAULT_PAGE_SIZE as usize;

/// What a timeline needs of a message: a direct message and a thread message both are one.
pub trait TimelineMessage: Clone + PartialEq {
    fn msgid(&self) -> &str;
    fn sent_at(&self) -> Timestamp;
    fn client_key(&self) -> Option<&str>;
    fn conversation(&self) -> ConversationId;
    fn set_text(&mut self, text: &str);
    fn set_pinned(&mut self, pinned: bool);
}

impl TimelineMessage for Message {
    fn msgid(&self) -> &str {
        &self.msgid
    }
    fn sent_at(&self) -> Timestamp {
        self.sent_at
    }
    fn client_key(&self) -> Option<&str> {
        self.client_key.as_deref()
    }
    fn conversation(&self) -> ConversationId {
        ConversationId::dm(&self.chatid)
    }
    fn set_text(&mut self, text: &str) {
        self.message = text.to_owned();
        self.is_edited = true;
    }
    fn set_pinned(&mut self, pinned: bool) {
        self.pinned = pinned;
    }
}

impl TimelineMessage for ThreadMessage {
    fn msgid(&self) -> &str {
        &self.msgid
    }
    fn sent_at(&self) -> Timestamp {
        self.sent_at
    }
    fn client_key(&self) -> Option<&str> {
        self.client_key.as_deref()
    }
    fn conversation(&self) -> ConversationId {
        ConversationId::thread(&self.cascade_id, &self.thread_id)
    }
    fn set_text(&mut self, text: &str) {
        self.message = text.to_owned();
        self.is_edited = true;
    }
    fn set_pinned(&mut self, pinned: bool) {
        self.pinned = pinned;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TimelineItem<M = Message> {
    /// A message the server stored.
    Message { message: M },
    /// A send not yet confirmed; `failure` is set when the server refused it for good.
    Pending { outgoing: OutgoingMessage },
}

impl<M: TimelineMessage> TimelineItem<M> {
    fn msgid(&self) -> Option<&str> {
        match self {
            TimelineItem::Message { message } => Some(message.msgid()),
            TimelineItem::Pending { .. } => None,
        }
    }

    fn client_key(&self) -> Option<&str> {
        match self {
            TimelineItem::Message { message } => message.client_key(),
            TimelineItem::Pending { outgoing } => Some(&outgoing.client_key),
        }
    }
}

/// An open timeline of either kind, as a client keeps them by [`ConversationId`].
#[derive(Debug)]
pub enum OpenTimeline {
    Dm(Timeline<Message>),
    Thread(Timeline<ThreadMessage>),
}

#[derive(Debug)]
pub struct Timeline<M = Message> {
    items: Vec<TimelineItem<M>>,
    /// After a jump far back: the newest messages are not shown, and newer ones come only by
    /// forward paging (`append_newer`), so a live message does not land after a gap.
    detached: bool,
    /// Opened, but its snapshot not handed out yet: a change goes into the snapshot, not out as
    /// a diff (the window has nothing to apply a diff to before it has the snapshot).
    holding_diffs: bool,
}

impl<M> Default for Timeline<M> {
    fn default() -> Self {
        Timeline {
            items: Vec::new(),
            detached: false,
            holding_diffs: false,
        }
    }
}

impl<M: TimelineMessage> Timeline<M> {
    /// A timeline from the cache: messages oldest first, then the conversation's queued sends.
    pub fn new(messages: Vec<M>, outbox: Vec<OutgoingMessage>) -> Timeline<M> {
        let mut items: Vec<TimelineItem<M>> = messages
            .into_iter()
            .map(|message| TimelineItem::Message { message })
            .collect();
        items.extend(
            outbox
                .into_iter()
                .map(|outgoing| TimelineItem::Pending { outgoing }),
        );
        Timeline {
            items,
            detached: false,
            holding_diffs: false,
        }
    }

    /// While `true`, changes are kept for the snapshot being made and publish no diff.
    pub(crate) fn hold_diffs(&mut self, hold: bool) {
        self.holding_diffs = hold;
    }

    pub(crate) fn holds_diffs(&self) -> bool {
        self.holding_diffs
    }

    /// A timeline of an older page (a jump to a message), cut off from the newest messages.
    pub fn detached(messages: Vec<M>, outbox: Vec<OutgoingMessage>) -> Timeline<M> {
        Timeline {
            detached: true,
            ..Timeline::new(messages, outbox)
        }
    }

    pub fn items(&self) -> &[TimelineItem<M>] {
        &self.items
    }

    /// Whether newer messages than those shown exist but are not loaded (after a jump).
    pub fn is_detached(&self) -> bool {
        self.detached
    }

    /// The newest stored message shown: where forward paging continues.
    pub fn newest_message(&self) -> Option<&M> {
        self.items[..self.stored_len()]
            .last()
            .and_then(|item| match item {
                TimelineItem::Message { message } => Some(message),
                TimelineItem::Pending { .. } => None,
            })
    }

    /// Newer messages loaded by forward paging; `reached_newest` when they were the last, after
    /// which live messages show again as they arrive.
    pub fn append_newer(
        &mut self,
        newer: Vec<M>,
        reached_newest: bool,
    ) -> Vec<ListDiff<TimelineItem<M>>> {
        let was_detached = std::mem::replace(&mut self.detached, false);
        // A page is one `Append` when it can be: each diff is a message to the window.
        let mut diffs = self.upsert_batch(newer);
        self.detached = was_detached && !reached_newest;
        diffs.extend(self.drop_oldest_beyond_window());
        diffs
    }

    /// The oldest stored message shown: where back-paging continues.
    pub fn oldest_message(&self) -> Option<&M> {
        match self.items.first() {
            Some(TimelineItem::Message { message }) => Some(message),
            _ => None,
        }
    }

    /// How many stored messages come before the pending ones. Counted from the end: the few
    /// echoes are there, and a long timeline is not walked for every live message.
    fn stored_len(&self) -> usize {
        let pending = self
            .items
            .iter()
            .rev()
            .take_while(|item| matches!(item, TimelineItem::Pending { .. }))
            .count();
        self.items.len() - pending
    }

    fn position_of_msgid(&self, msgid: &str) -> Option<usize> {
        self.items
            .iter()
            .position(|item| item.msgid() == Some(msgid))
    }

    /// Adds or updates a stored message, replacing its local echo if there is one. A detached
    /// timeline takes no message newer than those it shows (forward paging brings those).
    pub fn upsert(&mut self, message: M) -> Vec<ListDiff<TimelineItem<M>>> {
        let mut diffs = self.upsert_one(message);
        diffs.extend(self.drop_oldest_beyond_window());
        diffs
    }

    /// [`Timeline::upsert`] without keeping to the window: a batch is trimmed once, after it.
    fn upsert_one(&mut self, message: M) -> Vec<ListDiff<TimelineItem<M>>> {
        let mut diffs = Vec::new();
        // A message newer than every one shown (the live case) cannot be among them: the list
        // is not searched for it.
        let newest = self.newest_message().map(TimelineMessage::sent_at);
        let known = if newest.is_some_and(|newest| message.sent_at() <= newest) {
            self.position_of_msgid(message.msgid())
        } else {
            None
        };
        if let Some(index) = known {
            let item = TimelineItem::Message { message };
            if self.items[index] != item {
                self.items[index] = item.clone();
                diffs.push(ListDiff::Set { index, item });
            }
            return diffs;
        }
        if self.detached
            && self
                .newest_message()
                .is_some_and(|newest| message.sent_at() > newest.sent_at())
        {
            return diffs;
        }
        if let Some(key) = message.client_key().map(str::to_owned) {
            if let Some(index) = self.items.iter().position(|item| {
                matches!(item, TimelineItem::Pending { .. }) && item.client_key() == Some(&key)
            }) {
                self.items.remove(index);
                diffs.push(ListDiff::Remove { index });
            }
        }
        let stored = self.stored_len();
        let index = self.items[..stored]
            .iter()
            .rposition(|item| matches!(item, TimelineItem::Message { message: m } if m.sent_at() <= message.sent_at()))
            .map_or(0, |i| i + 1);
        let item = TimelineItem::Message { message };
        self.items.insert(index, item.clone());
        diffs.push(ListDiff::Insert { index, item });
        diffs
    }

    /// Messages that arrived together (one batch from the socket), as few diffs as they allow:
    /// brand-new messages, in order, newer than all shown, with no echo to replace, are one
    /// `Append`; anything else is applied message by message as [`Timeline::upsert`] does.
    pub fn upsert_all(&mut self, messages: Vec<M>) -> Vec<ListDiff<TimelineItem<M>>> {
        let mut diffs = self.upsert_batch(messages);
        diffs.extend(self.drop_oldest_beyond_window());
        diffs
    }

    /// [`Timeline::upsert_all`] without keeping to the window.
    fn upsert_batch(&mut self, messages: Vec<M>) -> Vec<ListDiff<TimelineItem<M>>> {
        let newest = self.newest_message().map(TimelineMessage::sent_at);
        let no_echoes = self.stored_len() == self.items.len();
        let in_order = messages
            .iter()
            .try_fold(newest, |previous, message| {
                let later = previous.is_none_or(|previous| message.sent_at() > previous);
                later.then_some(Some(message.sent_at()))
            })
            .is_some();
        if !self.detached && no_echoes && in_order && messages.len() > 1 {
            let items: Vec<TimelineItem<M>> = messages
                .into_iter()
                .map(|message| TimelineItem::Message { message })
                .collect();
            self.items.extend(items.iter().cloned());
            return vec![ListDiff::Append { items }];
        }
        messages
            .into_iter()
            .flat_map(|message| self.upsert_one(message))
            .collect()
    }

    /// Older messages loaded by back-paging; those already shown are skipped.
    pub fn prepend(&mut self, older: Vec<M>) -> Vec<ListDiff<TimelineItem<M>>> {
        let fresh: Vec<TimelineItem<M>> = older
            .into_iter()
            .filter(|m| self.position_of_msgid(m.msgid()).is_none())
            .map(|message| TimelineItem::Message { message })
            .collect();
        if fresh.is_empty() {
            return Vec::new();
        }
        self.items.splice(0..0, fresh.iter().cloned());
        let mut diffs = vec![ListDiff::PushFront { items: fresh }];
        diffs.extend(self.drop_newest_beyond_window());
        diffs
    }

    /// Paged or grown at the newest end past the window: the oldest go (back-paging brings them
    /// again).
    fn drop_oldest_beyond_window(&mut self) -> Option<ListDiff<TimelineItem<M>>> {
        let excess = self.stored_len().saturating_sub(WINDOW);
        if excess == 0 {
            return None;
        }
        self.items.drain(..excess);
        Some(ListDiff::RemoveRange {
            start: 0,
            end: excess,
        })
    }

    /// Paged back past the window: the newest stored messages go, and the timeline is detached
    /// from the live end until forward paging reaches it again. Pending echoes stay.
    fn drop_newest_beyond_window(&mut self) -> Option<ListDiff<TimelineItem<M>>> {
        let stored = self.stored_len();
        if stored <= WINDOW {
            return None;
        }
        self.items.drain(WINDOW..stored);
        self.detached = true;
        Some(ListDiff::RemoveRange {
            start: WINDOW,
            end: stored,
        })
    }

    pub fn edit(&mut self, msgid: &str, text: &str) -> Vec<ListDiff<TimelineItem<M>>> {
        let Some(index) = self.position_of_msgid(msgid) else {
            return Vec::new();
        };
        if let TimelineItem::Message { message } = &mut self.items[index] {
            message.set_text(text);
        }
        vec![ListDiff::Set {
            index,
            item: self.items[index].clone(),
        }]
    }

    pub fn set_pinned(&mut self, msgid: &str, pinned: bool) -> Vec<ListDiff<TimelineItem<M>>> {
        let Some(index) = self.position_of_msgid(msgid) else {
            return Vec::new();
        };
        if let TimelineItem::Message { message } = &mut self.items[index] {
            message.set_pinned(pinned);
        }
        vec![ListDiff::Set {
            index,
            item: self.items[index].clone(),
        }]
    }

    pub fn remove(&mut self, msgids: &[String]) -> Vec<ListDiff<TimelineItem<M>>> {
        let mut diffs = Vec::new();
        for msgid in msgids {
            if let Some(index) = self.position_of_msgid(msgid) {
                self.items.remove(index);
                diffs.push(ListDiff::Remove { index });
            }
        }
        diffs
    }

    /// A new local echo, at the end; none when the send was confirmed already (the outbox can
    /// send and store a message before its echo is pushed).
    pub fn push_pending(&mut self, outgoing: OutgoingMessage) -> Vec<ListDiff<TimelineItem<M>>> {
        if self
            .items
            .iter()
            .any(|item| item.client_key() == Some(outgoing.client_key.as_str()))
        {
            return Vec::new();
        }
        let item = TimelineItem::Pending { outgoing };
        self.items.push(item.clone());
        vec![ListDiff::Append { items: vec![item] }]
    }

    /// Marks an echo as refused by the server (`Some`), or as queued again (`None`).
    pub fn fail_pending(
        &mut self,
        client_key: &str,
        reason: Option<&str>,
    ) -> Vec<ListDiff<TimelineItem<M>>> {
        let Some(index) = self.position_of_pending(client_key) else {
            return Vec::new();
        };
        if let TimelineItem::Pending { outgoing } = &mut self.items[index] {
            outgoing.failure = reason.map(str::to_owned);
        }
        vec![ListDiff::Set {
            index,
            item: self.items[index].clone(),
        }]
    }

    /// Drops an echo the user discarded.
    pub fn remove_pending(&mut self, client_key: &str) -> Vec<ListDiff<TimelineItem<M>>> {
        let Some(index) = self.position_of_pending(client_key) else {
            return Vec::new();
        };
        self.items.remove(index);
        vec![ListDiff::Remove { index }]
    }

    fn position_of_pending(&self, client_key: &str) -> Option<usize> {
        self.items.iter().position(|item| {
            matches!(item, TimelineItem::Pending { .. }) && item.client_key() == Some(client_key)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatenium_api::schemas::common::Timestamp;

    fn message(msgid: &str, t: i64, key: Option<&str>) -> Message {
        let mut m = crate::store::conformance::message("c", msgid, t, 0);
        m.client_key = key.map(str::to_owned);
        m
    }

    fn pending(key: &str) -> OutgoingMessage {
        OutgoingMessage {
            client_key: key.into(),
            conversation: ConversationId::dm("c"),
            text: "hi".into(),
            reply_to_id: None,
            file_ids: vec![],
            queued_at: Timestamp::new(0, 0),
            failure: None,
        }
    }

    /// Every diff, applied to a copy of the old list, must give the new list.
    fn check<M: TimelineMessage + std::fmt::Debug>(
        timeline: &mut Timeline<M>,
        change: impl FnOnce(&mut Timeline<M>) -> Vec<ListDiff<TimelineItem<M>>>,
    ) {
        let mut mirror = timeline.items().to_vec();
        for diff in change(timeline) {
            diff.apply(&mut mirror);
        }
        assert_eq!(mirror, timeline.items());
    }

    #[test]
    fn messages_arriving_together_are_one_append_when_they_can_be() {
        let mut timeline = Timeline::new(vec![message("m1", 1, None)], vec![]);
        let batch = vec![message("m2", 2, None), message("m3", 3, None)];
        let diffs = timeline.upsert_all(batch.clone());
        assert!(matches!(diffs.as_slice(), [ListDiff::Append { items }] if items.len() == 2));
        // Again (a replay): nothing changes, nothing doubles.
        check(&mut timeline, |t| t.upsert_all(batch));
        assert_eq!(timeline.items().len(), 3);
        // Out of order, or with an echo to replace: message by message, still right.
        check(&mut timeline, |t| {
            t.upsert_all(vec![message("m5", 5, None), message("m4", 4, None)])
        });
        check(&mut timeline, |t| t.push_pending(pending("k")));
        check(&mut timeline, |t| {
            t.upsert_all(vec![message("m6", 6, Some("k")), message("m7", 7, None)])
        });
        let ids: Vec<_> = timeline.items().iter().map(|i| i.msgid()).collect();
        assert_eq!(
            ids,
            ["m1", "m2", "m3", "m4", "m5", "m6", "m7"]
                .map(Some)
                .to_vec()
        );
    }

    #[test]
    fn a_confirmed_send_replaces_its_echo_and_never_shows_twice() {
        let mut timeline = Timeline::new(vec![message("m1", 1, None)], vec![]);
        check(&mut timeline, |t| t.push_pending(pending("k")));
        check(&mut timeline, |t| t.upsert(message("m2", 2, Some("k"))));
        check(&mut timeline, |t| t.upsert(message("m2", 2, Some("k"))));
        check(&mut timeline, |t| t.push_pending(pending("k")));
        let ids: Vec<_> = timeline.items().iter().map(|i| i.msgid()).collect();
        assert_eq!(ids, [Some("m1"), Some("m2")]);
    }

    #[test]
    fn late_messages_land_in_order_before_pending_echoes() {
        let mut timeline = Timeline::new(
            vec![message("m1", 1, None), message("m3", 3, None)],
            vec![pending("k")],
        );
        check(&mut timeline, |t| t.upsert(message("m2", 2, None)));
        check(&mut timeline, |t| t.upsert(message("m4", 4, None)));
        check(&mut timeline, |t| {
            t.prepend(vec![message("m0", 0, None), message("m1", 1, None)])
        });
        check(&mut timeline, |t| t.edit("m2", "changed"));
        check(&mut timeline, |t| t.set_pinned("m3", true));
        check(&mut timeline, |t| {
            t.remove(&["m1".into(), "missing".into()])
        });
        check(&mut timeline, |t| {
            t.fail_pending("k", Some("messageTooLong"))
        });
        let ids: Vec<_> = timeline.items().iter().map(|i| i.msgid()).collect();
        assert_eq!(ids, [Some("m0"), Some("m2"), Some("m3"), Some("m4"), None]);
        check(&mut timeline, |t| t.fail_pending("k", None));
        let mut jumped = Timeline::detached(vec![message("m1", 1, None)], vec![]);
        check(&mut jumped, |t| t.upsert(message("m9", 9, None)));
        assert_eq!(
            jumped.items().len(),
            1,
            "a live message waits for forward paging"
        );
        check(&mut jumped, |t| {
            t.append_newer(vec![message("m2", 2, None)], false)
        });
        assert!(jumped.is_detached());
        check(&mut jumped, |t| {
            t.append_newer(vec![message("m3", 3, None), message("m9", 9, None)], true)
        });
        assert!(!jumped.is_detached());
        check(&mut jumped, |t| t.upsert(message("m10", 10, None)));
        let ids: Vec<_> = jumped.items().iter().map(|i| i.msgid()).collect();
        assert_eq!(
            ids,
            [Some("m1"), Some("m2"), Some("m3"), Some("m9"), Some("m10")]
        );
        check(&mut timeline, |t| t.remove_pending("k"));
        check(&mut timeline, |t| t.remove_pending("k"));
        assert_eq!(timeline.items().len(), 4);
    }

    fn stored_ids<M: TimelineMessage>(timeline: &Timeline<M>) -> Vec<String> {
        timeline
            .items()
            .iter()
            .filter_map(|item| item.msgid().map(str::to_owned))
            .collect()
    }

    /// Messages `from..to` of a conversation whose message `n` was sent at `n`.
    fn history(from: usize, to: usize) -> Vec<Message> {
        (from..to)
            .map(|n| message(&format!("m{n}"), n as i64, None))
            .collect()
    }

    #[test]
    fn a_timeline_keeps_a_window_of_messages_however_far_it_is_paged() {
        let page = DEFAULT_PAGE_SIZE as usize;
        let total = WINDOW * 4;
        // Opened at the newest page, with a send still queued.
        let mut timeline = Timeline::new(history(total - page, total), vec![pending("k")]);
        let mut oldest = total - page;
        while oldest > 0 {
            check(&mut timeline, |t| t.prepend(history(oldest - page, oldest)));
            oldest -= page;
            assert!(timeline.stored_len() <= WINDOW);
        }
        let expected: Vec<_> = history(0, WINDOW).iter().map(|m| m.msgid.clone()).collect();
        assert_eq!(
            stored_ids(&timeline),
            expected,
            "the oldest window, in order"
        );
        assert_eq!(timeline.items().len(), WINDOW + 1, "the echo stays");
        assert!(
            timeline.is_detached(),
            "the newest were dropped: live messages wait for forward paging"
        );
        check(&mut timeline, |t| {
            t.upsert(message("live", total as i64, None))
        });
        assert_eq!(timeline.stored_len(), WINDOW);

        // Paging forward again drops the oldest, until the newest end is reached (the echo
        // discarded: with none, a page is one append).
        check(&mut timeline, |t| t.remove_pending("k"));
        let mut newest = WINDOW;
        while newest < total {
            let next = (newest + page).min(total);
            let mut mirror = timeline.items().to_vec();
            let diffs = timeline.append_newer(history(newest, next), next == total);
            assert!(
                matches!(
                    diffs.as_slice(),
                    [
                        ListDiff::Append { .. },
                        ListDiff::RemoveRange { start: 0, .. }
                    ]
                ),
                "a page forward is one append and one removal"
            );
            for diff in diffs {
                diff.apply(&mut mirror);
            }
            assert_eq!(mirror, timeline.items());
            newest = next;
            assert!(timeline.stored_len() <= WINDOW);
        }
        assert!(!timeline.is_detached());
        let expected: Vec<_> = history(total - WINDOW, total)
            .iter()
            .map(|m| m.msgid.clone())
            .collect();
        assert_eq!(stored_ids(&timeline), expected);

        // At the live end, new messages push the oldest out, one at a time or in a batch.
        check(&mut timeline, |t| {
            t.upsert(message("live1", total as i64 + 1, None))
        });
        check(&mut timeline, |t| {
            t.upsert_all(vec![
                message("live2", total as i64 + 2, None),
                message("live3", total as i64 + 3, None),
            ])
        });
        assert_eq!(timeline.stored_len(), WINDOW);
        assert_eq!(
            stored_ids(&timeline).last().map(String::as_str),
            Some("live3")
        );
        // A new echo does not count against the window.
        check(&mut timeline, |t| t.push_pending(pending("k2")));
        assert_eq!(timeline.items().len(), WINDOW + 1);
    }
}

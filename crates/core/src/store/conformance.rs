//! The one test suite every [`Store`] implementation passes. An implementation's tests say
//! `store_conformance_tests!(name, <expression making a fresh, empty store>)`, which makes one
//! `#[test]` per behaviour below.

use chatenium_api::schemas::common::{PublicUserData, Timestamp};
use chatenium_api::schemas::contacts::{Contact, LatestMessage};
use chatenium_api::schemas::dm::Message;
use chatenium_api::schemas::thread::ThreadMessage;

use super::{OutgoingMessage, SearchQuery, Store, SyncCursor};
use crate::conversation::ConversationId;

/// A message fixture.
pub fn message(chatid: &str, msgid: &str, t: i64, i: u32) -> Message {
    Message {
        msgid: msgid.into(),
        chatid: chatid.into(),
        author: "u1".into(),
        message: format!("text of {msgid}"),
        sent_at: Timestamp::new(t, i),
        is_edited: false,
        seen: false,
        pinned: false,
        reply_to_id: None,
        reply_to: None,
        files: vec![],
        client_key: None,
        forwarded_from: None,
        forwarded_from_name: None,
        meta_data: None,
    }
}

/// A thread message fixture, in thread `t` of cascade `k`.
pub fn thread_message(msgid: &str, t: i64) -> ThreadMessage {
    ThreadMessage {
        msgid: msgid.into(),
        cascade_id: "k".into(),
        thread_id: "t".into(),
        author: "u1".into(),
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
    }
}

/// A contact fixture whose newest message was sent at `t`.
pub fn contact(chatid: &str, t: Option<i64>) -> Contact {
    Contact {
        chatid: chatid.into(),
        user: PublicUserData {
            userid: format!("partner-{chatid}"),
            username: "p".into(),
            display_name: "P".into(),
            pfp: None,
        },
        muted: false,
        notifications: 0,
        accepted: true,
        latest_message: t.map(|t| LatestMessage {
            msgid: "m".into(),
            message: "hi".into(),
            is_author: false,
            sent_at: Timestamp::new(t, 0),
        }),
    }
}

fn outgoing(client_key: &str) -> OutgoingMessage {
    OutgoingMessage {
        client_key: client_key.into(),
        conversation: crate::conversation::ConversationId::dm("c1"),
        text: format!("queued {client_key}"),
        reply_to_id: None,
        file_ids: vec![],
        queued_at: Timestamp::new(1, 0),
        failure: None,
    }
}

pub fn contacts_are_ordered_by_newest_activity(store: &dyn Store) {
    store
        .replace_contacts(&[
            contact("old", Some(10)),
            contact("none", None),
            contact("new", Some(20)),
        ])
        .unwrap();
    let order: Vec<String> = store
        .contacts()
        .unwrap()
        .into_iter()
        .map(|c| c.chatid)
        .collect();
    assert_eq!(order, ["new", "old", "none"]);
    store.upsert_contact(&contact("old", Some(30))).unwrap();
    assert_eq!(store.contacts().unwrap()[0].chatid, "old");
    store.replace_contacts(&[contact("only", None)]).unwrap();
    assert_eq!(store.contacts().unwrap().len(), 1);
}

pub fn messages_page_oldest_first_within_a_chat(store: &dyn Store) {
    let mut all: Vec<Message> = (0..10)
        .map(|n| message("c1", &format!("m{n}"), 100, n))
        .collect();
    all.push(message("c2", "other", 100, 5));
    store.upsert_messages(&all).unwrap();
    let latest = store.latest_messages("c1", 3).unwrap();
    assert_eq!(
        latest.iter().map(|m| m.msgid.as_str()).collect::<Vec<_>>(),
        ["m7", "m8", "m9"]
    );
    let before = store
        .messages_before("c1", Timestamp::new(100, 7), 2)
        .unwrap();
    assert_eq!(
        before.iter().map(|m| m.msgid.as_str()).collect::<Vec<_>>(),
        ["m5", "m6"]
    );
    assert_eq!(store.last_message("c1").unwrap().unwrap().msgid, "m9");
    assert_eq!(store.last_message("empty").unwrap(), None);
}

pub fn upserting_a_message_twice_keeps_one(store: &dyn Store) {
    let mut first = message("c1", "m1", 1, 0);
    store.upsert_messages(std::slice::from_ref(&first)).unwrap();
    first.seen = true;
    store
        .upsert_messages(&[first.clone(), first.clone()])
        .unwrap();
    assert_eq!(store.latest_messages("c1", 10).unwrap(), vec![first]);
}

pub fn edits_pins_and_removals_change_the_cache(store: &dyn Store) {
    store
        .upsert_messages(&[message("c1", "m1", 1, 0), message("c1", "m2", 2, 0)])
        .unwrap();
    assert!(store.edit_message("c1", "m1", "edited").unwrap());
    assert!(store.set_pinned("c1", "m2", true).unwrap());
    assert!(!store.edit_message("c1", "missing", "x").unwrap());
    assert!(!store.edit_message("other-chat", "m1", "x").unwrap());
    let cached = store.latest_messages("c1", 10).unwrap();
    assert_eq!(
        (cached[0].message.as_str(), cached[0].is_edited),
        ("edited", true)
    );
    assert!(cached[1].pinned);
    store.remove_messages("c1", &["m1".into()]).unwrap();
    assert_eq!(store.latest_messages("c1", 10).unwrap().len(), 1);
    store.upsert_contact(&contact("c1", Some(2))).unwrap();
    store.remove_contact("c1").unwrap();
    assert!(store.contacts().unwrap().is_empty());
    assert!(
        store.latest_messages("c1", 10).unwrap().is_empty(),
        "removing a contact removes its messages"
    );
}

pub fn the_outbox_keeps_order_and_each_key_once(store: &dyn Store) {
    for key in ["k1", "k2", "k3"] {
        store.enqueue(&outgoing(key)).unwrap();
    }
    store
        .enqueue(&OutgoingMessage {
            text: "a second press".into(),
            ..outgoing("k2")
        })
        .unwrap();
    let queued = store.outbox().unwrap();
    assert_eq!(
        queued
            .iter()
            .map(|m| m.client_key.as_str())
            .collect::<Vec<_>>(),
        ["k1", "k2", "k3"]
    );
    assert_eq!(queued[1].text, "queued k2");
    store.mark_failed("k1", "messageTooLong").unwrap();
    store.dequeue("k2").unwrap();
    let queued = store.outbox().unwrap();
    assert_eq!(queued.len(), 2);
    assert_eq!(queued[0].failure.as_deref(), Some("messageTooLong"));
    assert_eq!(queued[1].failure, None);
    store.clear_failure("k1").unwrap();
    let queued = store.outbox().unwrap();
    assert_eq!(
        queued[0].client_key, "k1",
        "a retried message keeps its place"
    );
    assert_eq!(queued[0].failure, None);
}

pub fn threads_and_pictures_are_kept_per_parent(store: &dyn Store) {
    use chatenium_api::schemas::pictures::Picture;
    use chatenium_api::schemas::thread::Thread;
    let thread = |id: &str, parent: Option<&str>| Thread {
        thread_id: id.into(),
        cascade_id: "k".into(),
        parent_id: parent.map(str::to_owned),
        name: id.into(),
        description: None,
        created_by: "u1".into(),
        created_at: Timestamp::new(1, 0),
    };
    store
        .replace_threads("k", None, &[thread("root-b", None), thread("root-a", None)])
        .unwrap();
    store
        .replace_threads("k", Some("root-a"), &[thread("child", Some("root-a"))])
        .unwrap();
    let roots: Vec<String> = store
        .threads("k", None)
        .unwrap()
        .into_iter()
        .map(|t| t.thread_id)
        .collect();
    assert_eq!(roots, ["root-b", "root-a"]);
    assert_eq!(store.threads("k", Some("root-a")).unwrap().len(), 1);
    store
        .replace_threads("k", None, &[thread("root-a", None)])
        .unwrap();
    assert_eq!(store.threads("k", None).unwrap().len(), 1);

    let picture = |id: &str, album: Option<&str>, t: i64| Picture {
        picture_id: id.into(),
        owner: "u1".into(),
        album_id: album.map(str::to_owned),
        title: None,
        description: None,
        path: "https://files/p".into(),
        width: None,
        height: None,
        placeholder: None,
        has_thumbnail: false,
        thumbnails: Vec::new(),
        likes: 0,
        liked: false,
        comment_count: 0,
        uploaded_at: Timestamp::new(t, 0),
    };
    store
        .upsert_pictures(&[
            picture("p1", None, 1),
            picture("p2", None, 2),
            picture("p3", Some("a"), 3),
        ])
        .unwrap();
    let loose: Vec<String> = store
        .pictures("u1", None)
        .unwrap()
        .into_iter()
        .map(|p| p.picture_id)
        .collect();
    assert_eq!(loose, ["p2", "p1"]);
    assert_eq!(store.pictures("u1", Some("a")).unwrap().len(), 1);
    assert!(store.pictures("someone-else", None).unwrap().is_empty());
}

pub fn interrupted_uploads_are_kept_until_removed(store: &dyn Store) {
    use chatenium_api::schemas::upload::{CompletedPart, PresignedPart};
    let mut upload = super::PendingUpload {
        id: "u1".into(),
        path: "/tmp/big.bin".into(),
        name: "big.bin".into(),
        size: 30,
        file_id: "f".into(),
        upload_id: "up".into(),
        part_size: 10,
        parts: (1..=3)
            .map(|n| PresignedPart {
                part_number: n,
                upload_url: format!("https://s/{n}"),
            })
            .collect(),
        done: vec![],
    };
    store.save_pending_upload(&upload).unwrap();
    upload.done.push(CompletedPart {
        part_number: 1,
        etag: "e1".into(),
    });
    store.save_pending_upload(&upload).unwrap();
    assert_eq!(store.pending_uploads().unwrap(), vec![upload]);
    store.remove_pending_upload("u1").unwrap();
    assert!(store.pending_uploads().unwrap().is_empty());
}

pub fn sync_cursors_are_kept_per_chat_until_the_chat_goes(store: &dyn Store) {
    use super::SyncCursor::{After, Start};
    assert_eq!(store.sync_cursor("c1").unwrap(), None);
    store.set_sync_cursor("c1", &Start).unwrap();
    assert_eq!(store.sync_cursor("c1").unwrap(), Some(Start));
    store.set_sync_cursor("c1", &After("m1".into())).unwrap();
    store.set_sync_cursor("c1", &After("m2".into())).unwrap();
    store.set_sync_cursor("c2", &After("m7".into())).unwrap();
    assert_eq!(store.sync_cursor("c1").unwrap(), Some(After("m2".into())));
    // A newer cached message (our own send) does not move the cursor.
    store
        .upsert_messages(&[message("c1", "m3", 30, 0)])
        .unwrap();
    assert_eq!(store.sync_cursor("c1").unwrap(), Some(After("m2".into())));
    store.remove_contact("c1").unwrap();
    assert_eq!(store.sync_cursor("c1").unwrap(), None);
    assert_eq!(store.sync_cursor("c2").unwrap(), Some(After("m7".into())));
}

pub fn thread_messages_page_edit_pin_and_go_like_direct_ones(store: &dyn Store) {
    let mut elsewhere = thread_message("x1", 5);
    elsewhere.thread_id = "other".into();
    store
        .upsert_thread_messages(&[
            thread_message("m3", 3),
            thread_message("m1", 1),
            thread_message("m2", 2),
            elsewhere,
        ])
        .unwrap();
    let ids = |messages: Vec<ThreadMessage>| -> Vec<String> {
        messages.into_iter().map(|m| m.msgid).collect()
    };
    assert_eq!(
        ids(store.latest_thread_messages("k", "t", 2).unwrap()),
        ["m2", "m3"]
    );
    assert_eq!(
        ids(store
            .thread_messages_before("k", "t", Timestamp::new(3, 0), 10)
            .unwrap()),
        ["m1", "m2"]
    );
    assert!(store
        .edit_thread_message("k", "t", "m2", "changed")
        .unwrap());
    assert!(store.set_thread_pinned("k", "t", "m2", true).unwrap());
    assert!(!store.edit_thread_message("k", "other", "m2", "no").unwrap());
    let m2 = store.latest_thread_messages("k", "t", 2).unwrap().remove(0);
    assert_eq!(
        (m2.message.as_str(), m2.is_edited, m2.pinned),
        ("changed", true, true)
    );
    store
        .remove_thread_messages("k", "t", &["m1".into(), "m3".into()])
        .unwrap();
    assert_eq!(
        ids(store.latest_thread_messages("k", "t", 10).unwrap()),
        ["m2"]
    );
    assert_eq!(
        ids(store.latest_thread_messages("k", "other", 10).unwrap()),
        ["x1"]
    );
}

pub fn the_outbox_keeps_each_send_s_conversation(store: &dyn Store) {
    use crate::conversation::ConversationId;
    let mut to_thread = outgoing("k2");
    to_thread.conversation = ConversationId::thread("k", "t");
    store.enqueue(&outgoing("k1")).unwrap();
    store.enqueue(&to_thread).unwrap();
    let queued: Vec<ConversationId> = store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|m| m.conversation)
        .collect();
    assert_eq!(
        queued,
        [ConversationId::dm("c1"), ConversationId::thread("k", "t")]
    );
}

fn said(chatid: &str, msgid: &str, t: i64, author: &str, text: &str) -> Message {
    Message {
        author: author.into(),
        message: text.into(),
        ..message(chatid, msgid, t, 0)
    }
}

fn found(store: &dyn Store, query: &SearchQuery) -> Vec<String> {
    store
        .search_messages(query)
        .unwrap()
        .into_iter()
        .map(|hit| hit.msgid)
        .collect()
}

pub fn search_ignores_accents_and_case_and_matches_prefixes(store: &dyn Store) {
    store
        .upsert_messages(&[
            said("c1", "coffee", 10, "u1", "Kérsz egy KÁVÉT a szünetben?"),
            said("c1", "plain", 11, "u2", "Nem, köszönöm, inkább teát"),
            said("c1", "long-o", 12, "u2", "Az ŐSZ szép"),
        ])
        .unwrap();
    assert_eq!(found(store, &SearchQuery::text("kave")), ["coffee"]);
    assert_eq!(found(store, &SearchQuery::text("kávét")), ["coffee"]);
    // The user's accent where the text has none, and a double acute folded as well.
    assert_eq!(found(store, &SearchQuery::text("téá")), ["plain"]);
    assert_eq!(found(store, &SearchQuery::text("osz")), ["long-o"]);
    // Each word a prefix, and every word required.
    assert_eq!(found(store, &SearchQuery::text("szün kér")), ["coffee"]);
    assert!(found(store, &SearchQuery::text("kave nem")).is_empty());
    // What FTS5 would read as syntax is a word like any other.
    assert!(found(store, &SearchQuery::text("NEAR( \"kave OR")).is_empty());
    assert!(found(store, &SearchQuery::text(" *** ")).is_empty());
}

pub fn search_answers_a_plain_snippet_with_match_ranges(store: &dyn Store) {
    store
        .upsert_messages(&[said(
            "c1",
            "m1",
            10,
            "u1",
            "<b>Hello</b> \u{1}fake\u{2} world: a kávé is ready",
        )])
        .unwrap();
    let hits = store.search_messages(&SearchQuery::text("kave")).unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.conversation, ConversationId::dm("c1"));
    assert_eq!(hit.author, "u1");
    assert_eq!(hit.sent_at, Timestamp::new(10, 0));
    // The markup stays text; the control characters a message held mark nothing.
    assert!(hit.snippet.contains("<b>Hello</b>"), "{}", hit.snippet);
    let marked: Vec<String> = hit
        .matches
        .iter()
        .map(|r| {
            hit.snippet
                .chars()
                .skip(r.start as usize)
                .take((r.end - r.start) as usize)
                .collect()
        })
        .collect();
    assert_eq!(marked, ["kávé"]);
}

pub fn search_ranks_the_better_match_first(store: &dyn Store) {
    store
        .upsert_messages(&[
            said(
                "c1",
                "once",
                10,
                "u1",
                "tea and a long talk about many other things entirely",
            ),
            said("c1", "twice", 11, "u1", "tea tea"),
        ])
        .unwrap();
    assert_eq!(found(store, &SearchQuery::text("tea")), ["twice", "once"]);
    let limited = SearchQuery {
        limit: Some(1),
        ..SearchQuery::text("tea")
    };
    assert_eq!(found(store, &limited), ["twice"]);
}

pub fn search_filters_by_conversation_author_attachment_and_date(store: &dyn Store) {
    let mut with_file = said("c2", "file", 30, "u2", "lunch photo");
    with_file.files = vec![chatenium_api::schemas::dm::Attachment {
        file_id: "f".into(),
        file_name: "lunch.png".into(),
        format: "png".into(),
        kind: chatenium_api::schemas::dm::AttachmentKind::Image,
        path: "p".into(),
        size: 1,
        height: None,
        width: None,
        has_thumbnail: false,
    }];
    store
        .upsert_messages(&[
            said("c1", "early", 10, "u1", "lunch early"),
            said("c1", "late", 20, "u2", "lunch late"),
            with_file,
        ])
        .unwrap();
    let mut in_thread = thread_message("thread", 25);
    in_thread.message = "lunch in the thread".into();
    store.upsert_thread_messages(&[in_thread]).unwrap();
    let lunch = SearchQuery::text("lunch");
    let mut everything = found(store, &lunch);
    everything.sort();
    assert_eq!(everything, ["early", "file", "late", "thread"]);
    let chat = SearchQuery {
        conversation: Some(ConversationId::dm("c1")),
        ..lunch.clone()
    };
    let mut in_chat = found(store, &chat);
    in_chat.sort();
    assert_eq!(in_chat, ["early", "late"]);
    let thread = SearchQuery {
        conversation: Some(ConversationId::thread("k", "t")),
        ..lunch.clone()
    };
    assert_eq!(found(store, &thread), ["thread"]);
    let hits = store.search_messages(&thread).unwrap();
    assert_eq!(hits[0].conversation, ConversationId::thread("k", "t"));
    let by_u2 = SearchQuery {
        author: Some("u2".into()),
        ..chat.clone()
    };
    assert_eq!(found(store, &by_u2), ["late"]);
    let files = SearchQuery {
        has_attachment: Some(true),
        ..lunch.clone()
    };
    assert_eq!(found(store, &files), ["file"]);
    let between = SearchQuery {
        since: Some(Timestamp::new(20, 0)),
        until: Some(Timestamp::new(30, 0)),
        ..lunch.clone()
    };
    let mut dated = found(store, &between);
    dated.sort();
    assert_eq!(dated, ["late", "thread"]);
}

pub fn search_follows_edits_and_removals(store: &dyn Store) {
    store
        .upsert_messages(&[
            said("c1", "m1", 10, "u1", "első szöveg"),
            said("c1", "m2", 11, "u1", "marad"),
        ])
        .unwrap();
    let mut in_thread = thread_message("t1", 12);
    in_thread.message = "szál üzenet".into();
    store.upsert_thread_messages(&[in_thread]).unwrap();

    assert!(store.edit_message("c1", "m1", "második").unwrap());
    assert!(found(store, &SearchQuery::text("elso")).is_empty());
    assert_eq!(found(store, &SearchQuery::text("masodik")), ["m1"]);
    // A pin changes the row but not the text: still found once.
    assert!(store.set_pinned("c1", "m1", true).unwrap());
    assert_eq!(found(store, &SearchQuery::text("masodik")), ["m1"]);
    // The same message arriving again (a catch-up page) is not indexed twice.
    store
        .upsert_messages(&[said("c1", "m2", 11, "u1", "marad")])
        .unwrap();
    assert_eq!(found(store, &SearchQuery::text("marad")), ["m2"]);

    store.remove_messages("c1", &["m1".into()]).unwrap();
    assert!(found(store, &SearchQuery::text("masodik")).is_empty());
    store.remove_contact("c1").unwrap();
    assert!(found(store, &SearchQuery::text("marad")).is_empty());

    assert!(store
        .edit_thread_message("k", "t", "t1", "új szöveg")
        .unwrap());
    assert!(found(store, &SearchQuery::text("uzenet")).is_empty());
    assert_eq!(found(store, &SearchQuery::text("uj")), ["t1"]);
    store
        .remove_thread_messages("k", "t", &["t1".into()])
        .unwrap();
    assert!(found(store, &SearchQuery::text("uj")).is_empty());

    // One message twice in one batch (sent, then edited, in one burst): its last text, once.
    store
        .upsert_messages(&[
            said("c3", "twice", 20, "u1", "korai"),
            said("c3", "twice", 20, "u1", "végső"),
        ])
        .unwrap();
    assert!(found(store, &SearchQuery::text("korai")).is_empty());
    assert_eq!(found(store, &SearchQuery::text("vegso")), ["twice"]);
}

pub fn muting_a_cascade_is_kept_until_unmuted(store: &dyn Store) {
    assert!(store.muted_cascades().unwrap().is_empty());
    store.set_cascade_muted("k2", true).unwrap();
    store.set_cascade_muted("k1", true).unwrap();
    store.set_cascade_muted("k1", true).unwrap();
    assert_eq!(store.muted_cascades().unwrap(), ["k1", "k2"]);
    store.set_cascade_muted("k2", false).unwrap();
    store.set_cascade_muted("k3", false).unwrap();
    assert_eq!(store.muted_cascades().unwrap(), ["k1"]);
}

pub fn a_read_mark_sees_the_other_members_messages_up_to_it(store: &dyn Store) {
    let mut mine = message("c1", "m2", 11, 0);
    mine.author = "reader".into();
    store
        .upsert_messages(&[
            message("c1", "m1", 10, 0),
            mine,
            message("c1", "m3", 12, 0),
            message("c1", "m4", 13, 0),
        ])
        .unwrap();
    let changed = store.mark_seen("c1", "reader", "m3").unwrap();
    let ids: Vec<&str> = changed.iter().map(|m| m.msgid.as_str()).collect();
    assert_eq!(ids, ["m1", "m3"]);
    let seen: Vec<bool> = store
        .latest_messages("c1", 10)
        .unwrap()
        .iter()
        .map(|m| m.seen)
        .collect();
    assert_eq!(seen, [true, false, true, false]);
    assert!(store.mark_seen("c1", "reader", "m3").unwrap().is_empty());
    assert!(store.mark_seen("c1", "reader", "gone").unwrap().is_empty());
}

pub fn the_change_position_is_kept_and_a_resync_forgets_messages(store: &dyn Store) {
    assert_eq!(store.change_position().unwrap(), None);
    store.set_change_position(7).unwrap();
    store.set_change_position(9).unwrap();
    assert_eq!(store.change_position().unwrap(), Some(9));
    store
        .upsert_messages(&[message("c1", "m1", 10, 0)])
        .unwrap();
    store
        .set_sync_cursor("c1", &SyncCursor::After("m1".into()))
        .unwrap();
    store.forget_messages().unwrap();
    assert!(store.latest_messages("c1", 10).unwrap().is_empty());
    assert_eq!(store.sync_cursor("c1").unwrap(), None);
    assert_eq!(store.change_position().unwrap(), Some(9));
}

#[macro_export]
#[doc(hidden)]
macro_rules! store_conformance_tests {
    ($name:ident, $make:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn fresh() -> impl $crate::store::Store {
                $make
            }

            #[test]
            fn a_read_mark_sees_the_other_members_messages_up_to_it() {
                $crate::store::conformance::a_read_mark_sees_the_other_members_messages_up_to_it(&fresh());
            }
            #[test]
            fn the_change_position_is_kept_and_a_resync_forgets_messages() {
                $crate::store::conformance::the_change_position_is_kept_and_a_resync_forgets_messages(&fresh());
            }
            #[test]
            fn contacts_are_ordered_by_newest_activity() {
                $crate::store::conformance::contacts_are_ordered_by_newest_activity(&fresh());
            }
            #[test]
            fn messages_page_oldest_first_within_a_chat() {
                $crate::store::conformance::messages_page_oldest_first_within_a_chat(&fresh());
            }
            #[test]
            fn upserting_a_message_twice_keeps_one() {
                $crate::store::conformance::upserting_a_message_twice_keeps_one(&fresh());
            }
            #[test]
            fn edits_pins_and_removals_change_the_cache() {
                $crate::store::conformance::edits_pins_and_removals_change_the_cache(&fresh());
            }
            #[test]
            fn threads_and_pictures_are_kept_per_parent() {
                $crate::store::conformance::threads_and_pictures_are_kept_per_parent(&fresh());
            }
            #[test]
            fn muting_a_cascade_is_kept_until_unmuted() {
                $crate::store::conformance::muting_a_cascade_is_kept_until_unmuted(&fresh());
            }
            #[test]
            fn interrupted_uploads_are_kept_until_removed() {
                $crate::store::conformance::interrupted_uploads_are_kept_until_removed(&fresh());
            }
            #[test]
            fn sync_cursors_are_kept_per_chat_until_the_chat_goes() {
                $crate::store::conformance::sync_cursors_are_kept_per_chat_until_the_chat_goes(
                    &fresh(),
                );
            }
            #[test]
            fn thread_messages_page_edit_pin_and_go_like_direct_ones() {
                $crate::store::conformance::thread_messages_page_edit_pin_and_go_like_direct_ones(
                    &fresh(),
                );
            }
            #[test]
            fn the_outbox_keeps_each_send_s_conversation() {
                $crate::store::conformance::the_outbox_keeps_each_send_s_conversation(&fresh());
            }
            #[test]
            fn search_ignores_accents_and_case_and_matches_prefixes() {
                $crate::store::conformance::search_ignores_accents_and_case_and_matches_prefixes(
                    &fresh(),
                );
            }
            #[test]
            fn search_answers_a_plain_snippet_with_match_ranges() {
                $crate::store::conformance::search_answers_a_plain_snippet_with_match_ranges(
                    &fresh(),
                );
            }
            #[test]
            fn search_ranks_the_better_match_first() {
                $crate::store::conformance::search_ranks_the_better_match_first(&fresh());
            }
            #[test]
            fn search_filters_by_conversation_author_attachment_and_date() {
                $crate::store::conformance::search_filters_by_conversation_author_attachment_and_date(
                    &fresh(),
                );
            }
            #[test]
            fn search_follows_edits_and_removals() {
                $crate::store::conformance::search_follows_edits_and_removals(&fresh());
            }
            #[test]
            fn the_outbox_keeps_order_and_each_key_once() {
                $crate::store::conformance::the_outbox_keeps_order_and_each_key_once(&fresh());
            }
        }
    };
}

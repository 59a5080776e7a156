//! Catching up from the server's change feed: what changed while a client was away (edits,
//! deletions, pins and unpins, a profile, a member kicked from a cascade, a thread message
//! edited) reaches its cache exactly, after a reconnect and after a restart; and a live event
//! that never arrived is noticed by the next frame's position and fetched.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use chatenium_api::schemas::account::ChangeDisplayNameReq;
use chatenium_api::schemas::auth::SuccessfulAuthResp;
use chatenium_api::schemas::cascade::{
    CreateCascadeReq, JoinFromInviteReq, KickMemberReq, ThreadsQuery,
};
use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::{
    DeleteMessagesReq, EditMessageReq, GetMessagesQuery, Message, PinMessageReq, SendMessageReq,
};
use chatenium_api::schemas::thread::{
    StartNewThreadReq, TMEditMessageReq, TMGetMessagesQuery, TMSendMessageReq, ThreadMessage,
};
use chatenium_api::ws::{ChangesQuery, EditedMessage, ServerEvent};
use chatenium_api::{
    ChangeDisplayName, CreateCascade, DmDeleteMessages, DmEditMessage, DmGetMessages, DmPinMessage,
    DmSendMessage, DmUnpinMessage, Endpoint, GetCascades, GetChanges, GetContacts, GetThreads,
    JoinFromInvite, KickMember, StartThread, TmEditMessage, TmGetMessages, TmSendMessage,
};
use chatenium_core::api::ApiClient;
use chatenium_core::store::{SqliteStore, Store};
use chatenium_core::{Client, CoreEvent};
use common::{register, wait_until, LocalServer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP relay in front of the server that can cut the client behind it off (and let it back)
/// while everyone else still reaches the server: the client is offline, the server is not.
struct Gate {
    addr: SocketAddr,
    open: watch::Sender<bool>,
}

impl Gate {
    async fn to(server: SocketAddr) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open = watch::channel(true).0;
        let state = open.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut closed = state.subscribe();
                if !*closed.borrow() {
                    continue; // dropped: the connection fails at once
                }
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(server).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = closed.wait_for(|open| !*open) => {}
                    }
                });
            }
        });
        Gate { addr, open }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn close(&self) {
        self.open.send_replace(false);
    }

    fn reopen(&self) {
        self.open.send_replace(true);
    }
}

/// Calls an endpoint as a user, straight to the server.
async fn call<E: Endpoint>(
    api: &ApiClient,
    who: &SuccessfulAuthResp,
    query: &E::Query,
    body: &E::Body,
) -> E::Response {
    api.send::<E>(Some(&who.access_token), query, body)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", E::META.name))
}

/// A message as the comparison sees it. `seen` is the reader's mark, which reading the chat
/// to compare moves (reading the newest page is reading the chat), so it is left out.
fn unseen(mut messages: Vec<Message>) -> Vec<Message> {
    for message in &mut messages {
        message.seen = false;
    }
    messages
}

/// The chat list without the unread counts (which reading the chats to compare changes).
fn uncounted(mut contacts: Vec<Contact>) -> Vec<Contact> {
    for contact in &mut contacts {
        contact.notifications = 0;
    }
    contacts
}

/// Bela's cache holds exactly what the server answers Bela: the chat list, the chat's
/// messages, the cascades, the thread tree and the thread's messages.
async fn assert_cache_is_the_servers(
    store: &SqliteStore,
    api: &ApiClient,
    bela: &SuccessfulAuthResp,
    chatid: &str,
    cascade_id: &str,
    thread_id: &str,
) {
    let page = GetMessagesQuery {
        chatid: chatid.into(),
        from: Some(0),
        limit: Some(200),
        after: None,
    };
    assert_eq!(
        unseen(store.latest_messages(chatid, 200).unwrap()),
        unseen(call::<DmGetMessages>(api, bela, &page, &()).await),
        "the chat's messages"
    );
    assert_eq!(
        uncounted(store.contacts().unwrap()),
        uncounted(call::<GetContacts>(api, bela, &(), &()).await),
        "the chat list"
    );
    assert_eq!(
        store.cascades().unwrap(),
        call::<GetCascades>(api, bela, &(), &()).await,
        "the cascades"
    );
    let tree = ThreadsQuery {
        cascade_id: cascade_id.into(),
        parent_id: None,
    };
    assert_eq!(
        store.threads(cascade_id, None).unwrap(),
        call::<GetThreads>(api, bela, &tree, &()).await,
        "the thread tree"
    );
    let thread_page = TMGetMessagesQuery {
        cascade_id: cascade_id.into(),
        thread_id: thread_id.into(),
        from: Some(0),
        limit: Some(200),
        after: None,
    };
    let cached: Vec<ThreadMessage> = store
        .latest_thread_messages(cascade_id, thread_id, 200)
        .unwrap();
    assert_eq!(
        cached,
        call::<TmGetMessages>(api, bela, &thread_page, &()).await,
        "the thread's messages"
    );
}

fn dm(chatid: &str, text: &str) -> SendMessageReq {
    SendMessageReq {
        chatid: chatid.into(),
        message: text.into(),
        reply_to_id: None,
        file_ids: vec![],
        client_key: fresh_key(),
    }
}

fn fresh_key() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("key-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Anna, Bela and Cili: Anna's chat with Bela (four messages, the third pinned) and Anna's
/// cascade with Bela and Cili in it, one thread with one message. Bela's client runs behind
/// a [`Gate`] and has all of it cached.
struct Cast {
    _dir: tempfile::TempDir,
    server: LocalServer,
    api: ApiClient,
    gate: Gate,
    anna: SuccessfulAuthResp,
    bela: SuccessfulAuthResp,
    cili: SuccessfulAuthResp,
    bela_path: std::path::PathBuf,
    bela_client: Option<Client>,
    bela_store: Arc<SqliteStore>,
    chatid: String,
    msgids: Vec<String>,
    cascade_id: String,
    thread_id: String,
    thread_msgid: String,
}

impl Cast {
    async fn new() -> Cast {
        Cast::with(|_| {}).await
    }

    /// The cast on a server whose settings `edit` changed.
    async fn with(edit: impl FnOnce(&mut chatenium_server::Config)) -> Cast {
        let dir = tempfile::tempdir().unwrap();
        let server = LocalServer::start_with(
            "127.0.0.1:0".parse().unwrap(),
            &dir.path().join("server"),
            edit,
        );
        let api = ApiClient::new(server.base_url()).unwrap();
        let [anna, bela, cili] = [
            register(&api, "anna").await,
            register(&api, "bela").await,
            register(&api, "cili").await,
        ];
        let gate = Gate::to(server.addr).await;
        let bela_path = dir.path().join("bela.sqlite");
        let bela_client = common::client(&gate.url(), &bela, &bela_path).await;
        let bela_store = Arc::new(SqliteStore::open(&bela_path).unwrap());
        common::wait_online(&bela_client).await;

        let chatid = call::<chatenium_api::CreateContact>(
            &api,
            &anna,
            &(),
            &chatenium_api::schemas::contacts::AddContactReq {
                userid: bela.userid.clone(),
            },
        )
        .await
        .chatid;
        let mut msgids = Vec::new();
        for text in ["egy", "kettő", "három", "négy"] {
            msgids.push(
                call::<DmSendMessage>(&api, &anna, &(), &dm(&chatid, text))
                    .await
                    .msgid,
            );
        }
        let pin = PinMessageReq {
            chatid: chatid.clone(),
            msgid: msgids[2].clone(),
        };
        call::<DmPinMessage>(&api, &anna, &(), &pin).await;

        let cascade = call::<CreateCascade>(
            &api,
            &anna,
            &(),
            &CreateCascadeReq {
                name: "Klub".into(),
                public: false,
                picture_file_id: None,
                invite_max_uses: None,
                invite_expires_in_secs: None,
            },
        )
        .await;
        let cascade_id = cascade.cascade_id.clone();
        let code = cascade.invite.expect("the owner sees the invite").code;
        for member in [&bela, &cili] {
            let join = JoinFromInviteReq { code: code.clone() };
            call::<JoinFromInvite>(&api, member, &(), &join).await;
        }
        let thread = call::<StartThread>(
            &api,
            &anna,
            &(),
            &StartNewThreadReq {
                cascade_id: cascade_id.clone(),
                parent_id: None,
                name: "hírek".into(),
                description: None,
            },
        )
        .await;
        let thread_msgid = call::<TmSendMessage>(
            &api,
            &anna,
            &(),
            &TMSendMessageReq {
                cascade_id: cascade_id.clone(),
                thread_id: thread.thread_id.clone(),
                message: "szia".into(),
                reply_to_id: None,
                file_ids: vec![],
                client_key: fresh_key(),
            },
        )
        .await
        .msgid;

        let cast = Cast {
            _dir: dir,
            server,
            api,
            gate,
            anna,
            bela,
            cili,
            bela_path,
            bela_client: Some(bela_client),
            bela_store,
            chatid,
            msgids,
            cascade_id,
            thread_id: thread.thread_id,
            thread_msgid,
        };
        // Everything reached Bela's cache live.
        let mut events = cast.bela().events();
        let (store, chatid) = (&cast.bela_store, &cast.chatid);
        let (cascade_id, thread_id) = (&cast.cascade_id, &cast.thread_id);
        wait_until(&mut events, move || async move {
            let messages = store.latest_messages(chatid, 10).unwrap_or_default();
            let threads = store
                .latest_thread_messages(cascade_id, thread_id, 10)
                .unwrap_or_default();
            messages.len() == 4 && messages[2].pinned && threads.len() == 1
        })
        .await;
        cast
    }

    fn bela(&self) -> &Client {
        self.bela_client.as_ref().expect("Bela's client runs")
    }

    /// While Bela is away: Anna edits, deletes, pins and unpins messages, renames herself,
    /// kicks Cili from the cascade, edits the thread message and writes once more.
    async fn change_everything(&self) {
        let (api, anna, chatid) = (&self.api, &self.anna, &self.chatid);
        let edit = EditMessageReq {
            chatid: chatid.clone(),
            msgid: self.msgids[0].clone(),
            message: "egy, javítva".into(),
        };
        call::<DmEditMessage>(api, anna, &(), &edit).await;
        let delete = DeleteMessagesReq {
            chatid: chatid.clone(),
            msgids: vec![self.msgids[1].clone()],
        };
        call::<DmDeleteMessages>(api, anna, &(), &delete).await;
        let pin = |n: usize| PinMessageReq {
            chatid: chatid.clone(),
            msgid: self.msgids[n].clone(),
        };
        call::<DmPinMessage>(api, anna, &(), &pin(3)).await;
        call::<DmUnpinMessage>(api, anna, &(), &pin(2)).await;
        let rename = ChangeDisplayNameReq {
            display_name: "Anna Kovács".into(),
        };
        call::<ChangeDisplayName>(api, anna, &(), &rename).await;
        let kick = KickMemberReq {
            cascade_id: self.cascade_id.clone(),
            userid: self.cili.userid.clone(),
            ban: false,
            reason: None,
        };
        call::<KickMember>(api, anna, &(), &kick).await;
        let thread_edit = TMEditMessageReq {
            cascade_id: self.cascade_id.clone(),
            thread_id: self.thread_id.clone(),
            msgid: self.thread_msgid.clone(),
            message: "szia, mindenki".into(),
        };
        call::<TmEditMessage>(api, anna, &(), &thread_edit).await;
        call::<DmSendMessage>(api, anna, &(), &dm(chatid, "öt")).await;
    }

    async fn assert_bela_has_the_servers_state(&self) {
        assert_cache_is_the_servers(
            &self.bela_store,
            &self.api,
            &self.bela,
            &self.chatid,
            &self.cascade_id,
            &self.thread_id,
        )
        .await;
        // Spelled out, what the comparison covers.
        let messages = self.bela_store.latest_messages(&self.chatid, 10).unwrap();
        let texts: Vec<&str> = messages.iter().map(|m| m.message.as_str()).collect();
        assert_eq!(texts, ["egy, javítva", "három", "négy", "öt"]);
        let pinned: Vec<bool> = messages.iter().map(|m| m.pinned).collect();
        assert_eq!(pinned, [false, false, true, false]);
        let contacts = self.bela_store.contacts().unwrap();
        assert_eq!(contacts[0].user.display_name, "Anna Kovács");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_changed_while_offline_reaches_the_cache_exactly_after_a_reconnect() {
    let cast = Cast::new().await;
    cast.gate.close();
    common::wait_disconnected(cast.bela()).await;
    cast.change_everything().await;
    cast.gate.reopen();
    common::wait_online(cast.bela()).await;
    cast.assert_bela_has_the_servers_state().await;
    cast.bela().session().forget().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_changed_while_the_app_was_closed_reaches_the_cache_exactly_after_a_restart() {
    let mut cast = Cast::new().await;
    let account = cast.bela().session().account().clone();
    if let Some(closed) = cast.bela_client.take() {
        closed.shut_down().await;
    }
    cast.change_everything().await;

    // The app starts again on the same data.
    let api = Arc::new(ApiClient::new(cast.gate.url()).unwrap());
    let session = chatenium_core::session::Session::restore(api, common::test_keyring(), account)
        .await
        .unwrap()
        .expect("the session is restored from the keyring");
    let store = Arc::new(SqliteStore::open(&cast.bela_path).unwrap());
    cast.bela_client = Some(Client::start(session, store as Arc<dyn Store>));
    common::wait_online(cast.bela()).await;
    cast.assert_bela_has_the_servers_state().await;
    cast.bela().session().forget().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_further_behind_than_the_kept_window_resyncs_visibly_and_exactly() {
    // The server keeps only the last five changes of each feed: Bela's absence is longer.
    let cast = Cast::with(|config| config.change_feed.keep_entries = 5).await;
    let shown = cast.bela().open_timeline(&cast.chatid).await.unwrap();
    assert_eq!(shown.len(), 4);
    cast.gate.close();
    common::wait_disconnected(cast.bela()).await;
    cast.change_everything().await;
    let mut events = cast.bela().events();
    cast.gate.reopen();
    common::wait_for(&mut events, |event| matches!(event, CoreEvent::FullResync)).await;
    // The window is told the resync as such, to its end.
    common::wait_for(&mut events, |event| {
        matches!(event, CoreEvent::CatchingUp { progress }
            if progress.stage == chatenium_core::CatchUpStage::Resync
                && progress.done == progress.total)
    })
    .await;
    common::wait_online(cast.bela()).await;
    cast.assert_bela_has_the_servers_state().await;
    // The open timeline shows what the cache holds: no deleted message, the new text.
    let cached = unseen(cast.bela_store.latest_messages(&cast.chatid, 10).unwrap());
    let timeline: Vec<Message> = cast
        .bela()
        .timeline_snapshot(&cast.chatid)
        .expect("the timeline is open")
        .into_iter()
        .filter_map(|item| match item {
            chatenium_core::timeline::TimelineItem::Message { message } => Some(message),
            chatenium_core::timeline::TimelineItem::Pending { .. } => None,
        })
        .collect();
    assert_eq!(unseen(timeline), cached);
    cast.bela().session().forget().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_event_that_never_arrived_is_noticed_by_the_next_position_and_fetched() {
    let cast = Cast::new().await;
    let (api, bela) = (&cast.api, &cast.bela);
    let head = call::<GetChanges>(
        api,
        bela,
        &ChangesQuery {
            since: None,
            limit: None,
        },
        &(),
    )
    .await
    .head;

    // The server stored an edit and recorded it in Bela's feed, but its frame was lost on the
    // way (written here as the server would have, without the frame).
    let msgid = &cast.msgids[3];
    let lost = ServerEvent::EditedMessage(EditedMessage {
        chatid: cast.chatid.clone(),
        msgid: msgid.clone(),
        message: "négy, elveszett".into(),
    })
    .to_frame(Some(&cast.anna.userid));
    let quoted = |text: &str| format!("'{}'", text.replace('\'', "''"));
    cast.server.sql(&format!(
        "UPDATE messages SET body = {text}, edited = 1 WHERE id = {msgid};
         UPDATE change_heads SET head = head + 1 WHERE userid = {bela};
         INSERT INTO changes (userid, position, action, data, sender, created_at)
         VALUES ({bela}, {position}, {action}, {data}, {anna}, strftime('%s','now'));",
        text = quoted("négy, elveszett"),
        msgid = quoted(msgid),
        bela = quoted(&bela.userid),
        anna = quoted(&cast.anna.userid),
        position = head + 1,
        action = quoted(&lost.action),
        data = quoted(&lost.data),
    ));
    let mut events = cast.bela().events();
    // The next frame Bela's client gets is one position further than it expects.
    call::<DmSendMessage>(api, &cast.anna, &(), &dm(&cast.chatid, "öt")).await;
    let (store, chatid) = (&cast.bela_store, &cast.chatid);
    // Applied, and the position stored past both: the lost change and the frame after it.
    wait_until(&mut events, move || async move {
        store.change_position().ok().flatten() == Some(head + 2)
    })
    .await;
    let messages = store.latest_messages(chatid, 10).unwrap();
    let texts: Vec<&str> = messages.iter().map(|m| m.message.as_str()).collect();
    assert_eq!(texts, ["egy", "kettő", "három", "négy, elveszett", "öt"]);
    assert_cache_is_the_servers(
        &cast.bela_store,
        api,
        bela,
        &cast.chatid,
        &cast.cascade_id,
        &cast.thread_id,
    )
    .await;
    cast.bela().session().forget().await.unwrap();
}

/// The catching-up progress a client told while it came back, and the connection events after
/// it, in order, until it was online.
async fn progress_until_online(
    events: &mut tokio::sync::broadcast::Receiver<CoreEvent>,
) -> Vec<chatenium_core::CatchUpProgress> {
    let mut told = Vec::new();
    tokio::time::timeout(common::PATIENCE, async {
        loop {
            match events.recv().await.expect("no event was missed") {
                CoreEvent::CatchingUp { progress } => told.push(progress),
                CoreEvent::Connection {
                    state: chatenium_core::ConnectionState::Online,
                } => return,
                _ => {}
            }
        }
    })
    .await
    .expect("the client comes back online");
    told
}

/// Within one stage, `done` never goes back and the last report is the whole of it.
fn assert_rises_to_the_end(stage: &[chatenium_core::CatchUpProgress]) {
    assert!(!stage.is_empty(), "the stage was told");
    for pair in stage.windows(2) {
        assert!(pair[0].done <= pair[1].done, "done went back: {pair:?}");
        assert!(
            pair[0].total <= pair[1].total,
            "the total went back: {pair:?}"
        );
    }
    let last = stage.last().expect("not empty");
    assert_eq!(
        last.done, last.total,
        "the stage ends at its total: {stage:?}"
    );
}

/// Sends `count` messages from `who` in `chatid`, one after another.
async fn write_many(api: &ApiClient, who: &SuccessfulAuthResp, chatid: &str, count: usize) {
    for n in 0..count {
        call::<DmSendMessage>(api, who, &(), &dm(chatid, &format!("üzenet {n}"))).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_back_to_many_missed_changes_tells_its_catching_up_rising_to_the_end_then_online()
{
    let cast = Cast::new().await;
    let (api, bela) = (&cast.api, &cast.bela);
    // A second chat, with Cili, started while Bela was online.
    let cili_chat = call::<chatenium_api::CreateContact>(
        api,
        &cast.cili,
        &(),
        &chatenium_api::schemas::contacts::AddContactReq {
            userid: bela.userid.clone(),
        },
    )
    .await
    .chatid;
    cast.gate.close();
    common::wait_disconnected(cast.bela()).await;
    // While Bela is away, a third chat starts, and 1,200 messages arrive across the three:
    // more than one page of the feed.
    let dora = register(api, "dora").await;
    let dora_chat = call::<chatenium_api::CreateContact>(
        api,
        &dora,
        &(),
        &chatenium_api::schemas::contacts::AddContactReq {
            userid: bela.userid.clone(),
        },
    )
    .await
    .chatid;
    tokio::join!(
        write_many(api, &cast.anna, &cast.chatid, 400),
        write_many(api, &cast.cili, &cili_chat, 400),
        write_many(api, &dora, &dora_chat, 400),
    );

    let mut events = cast.bela().events();
    cast.gate.reopen();
    let told = progress_until_online(&mut events).await;

    // The feed first, then the conversations: each stage rises to its end, then Online.
    use chatenium_core::CatchUpStage;
    let changes: Vec<_> = told
        .iter()
        .take_while(|p| p.stage == CatchUpStage::Changes)
        .copied()
        .collect();
    let conversations: Vec<_> = told[changes.len()..].to_vec();
    assert!(
        conversations
            .iter()
            .all(|p| p.stage == CatchUpStage::Conversations),
        "the conversations follow the feed: {told:?}"
    );
    assert_rises_to_the_end(&changes);
    assert!(
        changes.last().expect("told").total >= 1_200,
        "every missed message is counted: {changes:?}"
    );
    assert!(
        changes.len() >= 3,
        "told at the start and after each of the pages: {changes:?}"
    );
    assert!(
        changes.len() <= 102,
        "told a percent at a time at most, not per change: {}",
        changes.len()
    );
    assert_rises_to_the_end(&conversations);
    // Three chats and the cascade.
    assert_eq!(conversations.last().expect("told").total, 4);
    assert_eq!(cast.bela().catch_up_progress(), None, "online: caught up");

    for (chatid, count) in [(&cast.chatid, 404), (&cili_chat, 400), (&dora_chat, 400)] {
        assert_eq!(
            cast.bela_store
                .latest_messages(chatid, 1_000)
                .unwrap()
                .len(),
            count,
            "every message of {chatid} is cached"
        );
    }
    cast.bela().session().forget().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_feed_the_catching_up_counts_conversations_to_the_end_then_online() {
    let cast = Cast::with(|config| config.change_feed.offered = false).await;
    cast.gate.close();
    common::wait_disconnected(cast.bela()).await;
    write_many(&cast.api, &cast.anna, &cast.chatid, 120).await;
    let mut events = cast.bela().events();
    cast.gate.reopen();
    let told = progress_until_online(&mut events).await;
    assert!(
        told.iter()
            .all(|p| p.stage == chatenium_core::CatchUpStage::Conversations),
        "no feed to replay: {told:?}"
    );
    assert_rises_to_the_end(&told);
    // The chat and the cascade.
    assert_eq!(told.last().expect("told").total, 2);
    assert_eq!(
        cast.bela_store
            .latest_messages(&cast.chatid, 1_000)
            .unwrap()
            .len(),
        124
    );
    cast.bela().session().forget().await.unwrap();
}

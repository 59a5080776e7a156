//! Sessions against the real server and the real Secret Service: tokens only in the keyring,
//! single-flight refresh, a revoked session ending cleanly.

mod common;

use std::sync::Arc;

use chatenium_api::schemas::account::LogoutSessionReq;
use chatenium_api::schemas::auth::SignInReq;
use chatenium_api::{GetContacts, GetSessions, LogoutSession, SignIn};
use chatenium_core::accounts::{AccountDirectory, KnownAccount};
use chatenium_core::api::ApiClient;
use chatenium_core::session::{Session, SessionState};
use chatenium_core::store::SqliteStore;
use chatenium_core::timeline::TimelineItem;
use chatenium_core::{Client, ClientError};
use common::{register, test_keyring, LocalServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_live_in_the_keyring_and_never_under_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let api = Arc::new(ApiClient::new(server.base_url()).unwrap());
    let auth = register(&api, "keyring").await;
    let keyring = test_keyring();
    let session = Session::from_auth(Arc::clone(&api), Arc::clone(&keyring), &auth)
        .await
        .unwrap();

    // Everything the app keeps on disk for this account: its profile and its cache.
    let app_data = dir.path().join("app");
    let accounts = AccountDirectory::new(&app_data);
    accounts
        .remember(KnownAccount {
            key: session.account().clone(),
            user: auth.user.clone(),
        })
        .unwrap();
    let store =
        Arc::new(SqliteStore::open(&accounts.store_path(session.account()).unwrap()).unwrap());
    let client = Client::start(session, store);
    client
        .session()
        .call::<GetContacts>(&(), &())
        .await
        .unwrap();
    client.shut_down().await;

    // A restart finds the session through the keyring alone.
    let known = accounts.list().unwrap();
    assert_eq!(known.len(), 1);
    let restored = Session::restore(Arc::clone(&api), Arc::clone(&keyring), known[0].key.clone())
        .await
        .unwrap()
        .expect("restored");
    assert!(restored
        .call::<GetSessions>(&(), &())
        .await
        .unwrap()
        .iter()
        .any(|s| s.current));

    let secrets = [auth.access_token.as_bytes(), auth.refresh_token.as_bytes()];
    for entry in walk(&app_data) {
        let bytes = std::fs::read(&entry).unwrap();
        for secret in secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "a token is written in {}",
                entry.display()
            );
        }
    }
    restored.forget().await.unwrap();
    assert!(Session::restore(api, keyring, known[0].key.clone())
        .await
        .unwrap()
        .is_none());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    assert!(!files.is_empty() || !dir.exists());
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_requests_at_expiry_cause_exactly_one_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), dir.path());
    let api = Arc::new(ApiClient::new(server.base_url()).unwrap());
    let auth = register(&api, "expiry").await;
    let session = Arc::new(
        Session::from_auth(api, test_keyring(), &auth)
            .await
            .unwrap(),
    );
    session.call::<GetContacts>(&(), &()).await.unwrap();
    assert_eq!(session.refresh_count(), 0);

    // Setup: the server now considers the access token expired.
    server.sql("UPDATE tokens SET expires_at = 0 WHERE kind = 'access'");
    let calls: Vec<_> = (0..32)
        .map(|_| {
            let session = Arc::clone(&session);
            tokio::spawn(async move { session.call::<GetContacts>(&(), &()).await })
        })
        .collect();
    for call in calls {
        call.await
            .unwrap()
            .expect("every request succeeds after the refresh");
    }
    assert_eq!(session.refresh_count(), 1);
    session.forget().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_logged_out_elsewhere_ends_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), dir.path());
    let api = Arc::new(ApiClient::new(server.base_url()).unwrap());
    let auth = register(&api, "revoked").await;
    let keyring = test_keyring();
    let session = Session::from_auth(Arc::clone(&api), Arc::clone(&keyring), &auth)
        .await
        .unwrap();
    let mut state = session.state();

    // A second device signs in and logs the first one out.
    let sign_in = SignInReq {
        identity: "revoked".into(),
        password: Some("revoked-password-1".into()),
        challenge_id: None,
        os: "other".into(),
        language: "en".into(),
    };
    let other = api.send::<SignIn>(None, &(), &sign_in).await.unwrap();
    let sessions = api
        .send::<GetSessions>(Some(&other.access_token), &(), &())
        .await
        .unwrap();
    let first = sessions
        .iter()
        .find(|s| !s.current)
        .unwrap()
        .session_id
        .clone();
    api.send::<LogoutSession>(
        Some(&other.access_token),
        &(),
        &LogoutSessionReq { session_id: first },
    )
    .await
    .unwrap();

    assert_eq!(
        session.call::<GetContacts>(&(), &()).await,
        Err(ClientError::SignedOut)
    );
    state.changed().await.unwrap();
    assert_eq!(*state.borrow(), SessionState::Revoked);
    assert!(
        Session::restore(api, keyring, session.account().clone())
            .await
            .unwrap()
            .is_none(),
        "the keyring entry is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_socket_outlives_its_access_token_by_sending_each_refreshed_one() {
    // The server closes a socket when its access token expires, unless the client sends the
    // refreshed token on it; the client refreshes at half a short token's life.
    const LIFETIME_SECS: u64 = 4;
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start_with(
        "127.0.0.1:0".parse().unwrap(),
        &dir.path().join("server"),
        |config| config.access_token_ttl_secs = LIFETIME_SECS,
    );
    let url = server.base_url();
    let api = ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let anna = common::client(&url, &anna_auth, &dir.path().join("anna.sqlite")).await;
    let bela = common::client(&url, &bela_auth, &dir.path().join("bela.sqlite")).await;
    let chatid = common::befriend(&anna, &bela_auth.userid).await;
    common::wait_online(&anna).await;
    let mut connection_events = anna.events();
    let connection_id = anna.session().api().ws_id().expect("connected");
    let refreshed_before = anna.session().refresh_count();

    // Three refreshes later, the token the socket was opened with expired long ago.
    let mut refreshes = anna.session().refreshes();
    tokio::time::timeout(
        common::PATIENCE,
        refreshes.wait_for(|count| *count >= refreshed_before + 3),
    )
    .await
    .expect("the idle client refreshes its token when due")
    .unwrap();

    // The same connection still delivers live.
    anna.open_timeline(&chatid).await.unwrap();
    let mut events = anna.events();
    bela.send_message(&chatid, "after expiry", None, vec![])
        .await
        .unwrap();
    common::wait_until(&mut events, || async {
        anna.timeline_snapshot(&chatid)
            .unwrap_or_default()
            .iter()
            .any(|item| matches!(item, TimelineItem::Message { message } if message.message == "after expiry"))
    })
    .await;
    assert_eq!(
        anna.session().api().ws_id().as_deref(),
        Some(connection_id.as_str()),
        "the socket was never replaced"
    );
    while let Ok(event) = connection_events.try_recv() {
        assert!(
            !matches!(event, chatenium_core::CoreEvent::Connection { .. }),
            "the connection changed state: {event:?}"
        );
    }
    for client in [anna, bela] {
        client.session().forget().await.unwrap();
        client.shut_down().await;
    }
}

//! `--demo` seeding: the demo accounts sign in over HTTP and find their contacts and
//! conversations, seeding again changes nothing, and someone else's account is never taken.

mod common;

use chatenium_api::schemas::contacts::Contact;
use chatenium_api::schemas::dm::Message;
use chatenium_server::demo::{self, DemoError, CONVERSATIONS, PASSWORD, USERS};
use common::chat::page;
use common::{TestServer, User};

/// Signs a demo account in by its e-mail and the demo password.
async fn sign_in(server: &TestServer, username: &str) -> User {
    let user = USERS
        .iter()
        .find(|user| user.username == username)
        .expect("a demo user");
    let auth = server
        .sign_in(user.email, PASSWORD)
        .await
        .expect("the demo account signs in");
    User {
        userid: auth.userid,
        username: username.to_owned(),
        email: user.email.to_owned(),
        password: PASSWORD.to_owned(),
        token: auth.access_token,
        refresh: auth.refresh_token,
    }
}

/// The user's contacts and, for each, the newest page of its messages.
async fn everything_seen_by(server: &TestServer, user: &User) -> Vec<(Contact, Vec<Message>)> {
    let mut seen = Vec::new();
    for contact in server.contacts(user).await {
        let messages = server
            .messages(user, &page(&contact.chatid, None, None))
            .await;
        seen.push((contact, messages));
    }
    seen
}

async fn counts(server: &TestServer) -> [i64; 4] {
    [
        server.count("SELECT COUNT(*) FROM users", &[]).await,
        server.count("SELECT COUNT(*) FROM chats", &[]).await,
        server.count("SELECT COUNT(*) FROM messages", &[]).await,
        server.count("SELECT COUNT(*) FROM chat_members", &[]).await,
    ]
}

#[tokio::test]
async fn demo_users_sign_in_and_find_their_chats() {
    let server = TestServer::start().await;
    let summary = demo::seed(server.server.state()).await.expect("seeding");
    assert_eq!(summary.users_created, 3);
    assert_eq!(summary.contacts_created, 3);
    let lines: usize = CONVERSATIONS.iter().map(|c| c.lines.len()).sum();
    assert_eq!(summary.messages_created, lines);
    let names: Vec<&str> = summary
        .accounts
        .iter()
        .map(|a| a.username.as_str())
        .collect();
    assert_eq!(names, ["anna", "bela", "cili"]);

    let anna = sign_in(&server, "anna").await;
    assert_eq!(anna.userid, summary.accounts[0].userid);
    // A username signs in too, as the printed accounts suggest.
    server
        .sign_in("bela", PASSWORD)
        .await
        .expect("sign-in by username");

    let contacts = server.contacts(&anna).await;
    let partners: Vec<&str> = contacts.iter().map(|c| c.user.username.as_str()).collect();
    // The most recently active first: cili's conversation was seeded last.
    assert_eq!(partners, ["cili", "bela"]);
    for contact in &contacts {
        assert!(contact.accepted, "{contact:?}");
        // The partner wrote last, and anna has read up to her own message before it.
        assert_eq!(contact.notifications, 1, "{contact:?}");
        let latest = contact.latest_message.as_ref().expect("a latest message");
        assert!(!latest.is_author);
    }

    let with_bela = server
        .messages(&anna, &page(&contacts[1].chatid, None, None))
        .await;
    let texts: Vec<&str> = with_bela.iter().map(|m| m.message.as_str()).collect();
    assert_eq!(
        texts,
        CONVERSATIONS[0]
            .lines
            .iter()
            .map(|l| l.1)
            .collect::<Vec<_>>()
    );
    assert!(texts[0].starts_with("Szia Béla"));
    assert_eq!(with_bela[0].author, anna.userid);
    assert_eq!(with_bela[1].author, summary.accounts[1].userid);
    let with_cili = server
        .messages(&anna, &page(&contacts[0].chatid, None, None))
        .await;
    assert!(with_cili[0].message.starts_with("Hi Anna!"));
    assert_eq!(with_cili.len(), CONVERSATIONS[1].lines.len());
    // Reading the chats cleared anna's unread counts.
    assert!(server
        .contacts(&anna)
        .await
        .iter()
        .all(|c| c.notifications == 0));

    // bela has anna's accepted contact and cili's unanswered request.
    let bela = sign_in(&server, "bela").await;
    let of_bela: Vec<(String, bool, bool)> = server
        .contacts(&bela)
        .await
        .into_iter()
        .map(|c| (c.user.username, c.accepted, c.latest_message.is_some()))
        .collect();
    assert_eq!(
        of_bela,
        [
            ("cili".to_owned(), false, false),
            ("anna".to_owned(), true, true)
        ]
    );
}

#[tokio::test]
async fn seeding_twice_leaves_the_same_data() {
    let server = TestServer::start().await;
    let first = demo::seed(server.server.state()).await.expect("seeding");
    assert!(first.created_anything());
    let anna = sign_in(&server, "anna").await;
    let cili = sign_in(&server, "cili").await;
    // Read once, so that the read marks are where a second look leaves them.
    everything_seen_by(&server, &anna).await;
    everything_seen_by(&server, &cili).await;
    let before = (
        counts(&server).await,
        everything_seen_by(&server, &anna).await,
        everything_seen_by(&server, &cili).await,
    );

    let second = demo::seed(server.server.state())
        .await
        .expect("seeding again");
    assert!(!second.created_anything(), "{second:?}");
    assert_eq!(second.accounts, first.accounts);
    let after = (
        counts(&server).await,
        everything_seen_by(&server, &anna).await,
        everything_seen_by(&server, &cili).await,
    );
    assert_eq!(after, before);
    assert_eq!(after.0[0], 3);
}

#[tokio::test]
async fn seeding_completes_what_an_interrupted_run_left() {
    let server = TestServer::start().await;
    demo::seed(server.server.state()).await.expect("seeding");
    let full = counts(&server).await;
    // As if the first run had stopped after making the accounts.
    server.sql("DELETE FROM chats").await;
    let repaired = demo::seed(server.server.state())
        .await
        .expect("seeding again");
    assert_eq!(repaired.users_created, 0);
    assert_eq!(repaired.contacts_created, 3);
    assert_eq!(counts(&server).await, full);
}

#[tokio::test]
async fn an_account_that_is_not_the_demo_s_stops_seeding() {
    let server = TestServer::start().await;
    // Someone signed up as anna with their own e-mail and password.
    let anna = server.register("anna").await;
    let refused = demo::seed(server.server.state()).await;
    assert!(matches!(&refused, Err(DemoError::Clash(_))), "{refused:?}");
    // Nothing was added, and anna's own password still works.
    assert_eq!(server.count("SELECT COUNT(*) FROM users", &[]).await, 1);
    assert_eq!(server.count("SELECT COUNT(*) FROM chats", &[]).await, 0);
    server
        .sign_in("anna", &anna.password)
        .await
        .expect("anna's own password");
    assert!(server.sign_in("anna", PASSWORD).await.is_err());
}

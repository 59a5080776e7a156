//! Local search against the real server: what the other user writes is searchable as soon as
//! it arrives live, without its accents, and the index follows their edits and deletions.

mod common;

use chatenium_core::store::{SearchHit, SearchQuery};
use chatenium_core::{Client, ConversationId};
use common::{befriend, client, register, wait_until, LocalServer};

async fn search(client: &Client, text: &str) -> Vec<SearchHit> {
    client.search(SearchQuery::text(text)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_arrives_live_is_searchable_and_follows_edits_and_deletions() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let anna = client(&url, &anna_auth, &dir.path().join("anna.sqlite")).await;
    let bela = client(&url, &bela_auth, &dir.path().join("bela.sqlite")).await;
    common::wait_online(&anna).await;
    common::wait_online(&bela).await;
    let chatid = befriend(&anna, &bela_auth.userid).await;
    let mut events = bela.events();

    anna.send_message(&chatid, "Hozok egy kávét, kérsz?", None, vec![])
        .await
        .unwrap();
    wait_until(&mut events, || async {
        search(&bela, "kave").await.len() == 1
    })
    .await;
    let hit = search(&bela, "KÉR").await.pop().unwrap();
    assert_eq!(hit.conversation, ConversationId::dm(&chatid));
    assert_eq!(hit.author, anna.userid());
    assert_eq!(hit.snippet, "Hozok egy kávét, kérsz?");
    let matched: String = hit
        .snippet
        .chars()
        .skip(hit.matches[0].start as usize)
        .take((hit.matches[0].end - hit.matches[0].start) as usize)
        .collect();
    assert_eq!(matched, "kérsz");

    anna.edit_message(&chatid, &hit.msgid, "Hozok egy teát inkább")
        .await
        .unwrap();
    wait_until(&mut events, || async {
        search(&bela, "tea").await.len() == 1 && search(&bela, "kave").await.is_empty()
    })
    .await;

    anna.delete_messages(&chatid, vec![hit.msgid.clone()])
        .await
        .unwrap();
    wait_until(&mut events, || async {
        search(&bela, "tea").await.is_empty()
    })
    .await;

    for client in [anna, bela] {
        client.session().forget().await.unwrap();
        client.shut_down().await;
    }
}

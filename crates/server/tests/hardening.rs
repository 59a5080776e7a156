//! The server under abuse (issue 16): one section per finding of the audit. Timeouts are
//! configured short and the tests wait for the connection's close as an event, bounded by
//! [`common::PATIENCE`].

mod common;

use chatenium_api::ws::{ClientCommand, Subscription};
use common::TestServer;

// ---- 1. WebSocket subscriptions: members' cascades only, capped, gone with the connection ----

#[tokio::test]
async fn a_subscription_keeps_only_the_callers_cascades_up_to_the_cap() {
    let server = TestServer::start_with(|c| c.connections.max_subscriptions = 2).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let first = server.cascade_with(&anna, &[]).await;
    let second = server.cascade_with(&anna, &[]).await;
    let third = server.cascade_with(&anna, &[]).await;
    let strangers = server.cascade_with(&bela, &[]).await;
    let [mut socket] = server.sockets([&anna]).await;
    let mut sent = vec![strangers.cascade_id.clone(), "no-such-cascade".to_owned()];
    sent.extend((0..1_000).map(|n| format!("made-up-{n}")));
    sent.push(first.cascade_id.clone());
    socket
        .send(&ClientCommand::Subscribe(Subscription {
            cascade_ids: sent,
        }))
        .await;
    socket.drain().await;
    let mut kept = server
        .server
        .state()
        .hub
        .subscriptions(&anna.userid, &socket.conn_id);
    assert_eq!(kept, vec![first.cascade_id.clone()], "only a cascade anna belongs to");

    let more = vec![second.cascade_id.clone(), third.cascade_id.clone()];
    socket
        .send(&ClientCommand::Subscribe(Subscription { cascade_ids: more }))
        .await;
    socket.drain().await;
    kept = server
        .server
        .state()
        .hub
        .subscriptions(&anna.userid, &socket.conn_id);
    assert_eq!(kept.len(), 2, "the cap holds: {kept:?}");
    assert!(kept.contains(&first.cascade_id), "what was followed stays followed");
}

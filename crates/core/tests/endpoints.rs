//! Every endpoint of the contract, driven through the core against the real local server on a
//! loopback port, with the real Secret Service holding the tokens. Each group of the index has
//! a flow of its own (under `endpoints/`) that checks what the endpoints do, not only that they
//! answer; every request goes through the [`Recorder`], and the test ends by proving that each
//! of the table's rows answered with success at least once. An endpoint added to the table
//! without a flow here fails this test.
//!
//! Token endpoints go through `Session::call`, the open auth endpoints through
//! `ApiClient::send`, the signed storage URL through `ApiClient::put_signed` (as the core's
//! uploads do), and the WebSocket upgrade is a running `Client` getting online.

mod common;

#[path = "endpoints/account.rs"]
mod account;
#[path = "endpoints/auth.rs"]
mod auth;
#[path = "endpoints/calls.rs"]
mod calls;
#[path = "endpoints/cascades.rs"]
mod cascades;
#[path = "endpoints/contacts.rs"]
mod contacts;
#[path = "endpoints/dm.rs"]
mod dm;
#[path = "endpoints/pictures.rs"]
mod pictures;
#[path = "endpoints/threads.rs"]
mod threads;
#[path = "endpoints/transfers.rs"]
mod transfers;
#[path = "endpoints/uploads.rs"]
mod uploads;

use chatenium_api::ENDPOINTS;
use common::coverage::World;

/// Settings the flows rely on: OAuth providers whose keys the test serves, ICE servers and a
/// LiveKit key to check credentials against, and small multipart parts.
fn configure(config: &mut chatenium_server::Config, provider: &auth::Provider) {
    // One client address makes every account and request of the tour: the server's abuse
    // limits (tested in the server's own suite) would stop it.
    config.rate_limits = chatenium_server::config::RateLimits::off();
    provider.configure(config);
    calls::configure(config);
    uploads::configure(config);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_of_the_contract_works_through_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let provider = auth::Provider::serve().await;
    let world = World::start(dir.path(), |config| configure(config, &provider));

    auth::flow(&world, &provider).await;
    account::flow(&world).await;
    contacts::flow(&world).await;
    dm::flow(&world).await;
    uploads::flow(&world).await;
    calls::flow(&world).await;
    transfers::flow(&world).await;
    cascades::flow(&world).await;
    threads::flow(&world).await;
    pictures::flow(&world).await;

    let missing = world.rec.missing();
    assert!(
        missing.is_empty(),
        "endpoints of the table no flow drove to success: {missing:?}"
    );
    assert_eq!(world.rec.count(), ENDPOINTS.len());
    world.forget_all().await;
}

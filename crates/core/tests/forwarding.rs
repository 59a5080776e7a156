//! Forwarding a message into another chat (`Client::forward_message`), against the real local
//! server and the real Secret Service: the forward names the original's author and reaches the
//! other chat's partner live.

mod common;

use chatenium_core::device::Device;
use chatenium_core::signin::NewAccount;
use common::{test_keyring, wait_online, wait_until, LocalServer};

fn new_account(name: &str) -> NewAccount {
    NewAccount {
        username: name.into(),
        display_name: format!("{name} display"),
        email: format!("{name}@example.test"),
        phone: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_names_the_author_and_reaches_the_other_chat() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let mut clients = Vec::new();
    for name in ["erik", "fanni", "gizi"] {
        let device =
            Device::new(&server.base_url(), dir.path().join(name), test_keyring()).unwrap();
        let account = device
            .auth("en")
            .register(&new_account(name), &format!("{name}-password-1"))
            .await
            .unwrap();
        let client = device.start(&account).await.unwrap();
        wait_online(&client).await;
        clients.push(client);
    }
    let [erik, fanni, gizi] = <[_; 3]>::try_from(clients).unwrap_or_else(|_| unreachable!());

    let with_fanni = erik.add_contact("fanni").await.unwrap();
    let with_gizi = erik.add_contact("gizi").await.unwrap();
    let mut erik_events = erik.events();
    fanni
        .send_message(&with_fanni.chatid, "forward me", None, vec![])
        .await
        .unwrap();
    let latest_of = |contacts: Vec<chatenium_api::schemas::contacts::Contact>, chatid: &str| {
        contacts
            .into_iter()
            .find(|c| c.chatid == chatid)
            .and_then(|c| c.latest_message)
    };
    wait_until(&mut erik_events, || async {
        latest_of(erik.chat_list().await.unwrap(), &with_fanni.chatid)
            .is_some_and(|latest| latest.message == "forward me")
    })
    .await;
    let original = latest_of(erik.chat_list().await.unwrap(), &with_fanni.chatid).unwrap();

    let mut gizi_events = gizi.events();
    let forwarded = erik
        .forward_message(&with_fanni.chatid, &original.msgid, &with_gizi.chatid)
        .await
        .unwrap();
    assert_eq!(forwarded.chatid, with_gizi.chatid);
    assert_eq!(forwarded.message, "forward me");
    assert_eq!(
        forwarded.forwarded_from.as_deref(),
        Some(with_fanni.user.userid.as_str())
    );
    assert_eq!(
        forwarded.forwarded_from_name.as_deref(),
        Some("fanni display")
    );
    wait_until(&mut gizi_events, || async {
        latest_of(gizi.chat_list().await.unwrap(), &with_gizi.chatid)
            .is_some_and(|latest| latest.msgid == forwarded.msgid)
    })
    .await;
}

//! Cascade actions through `Client`, against the real local server: one member acts, and the
//! other member's cascade list (rebuilt only from the `CascadeList` diffs it receives) and
//! thread tree follow.

mod common;

use chatenium_api::schemas::cascade::{Cascade, CascadeRole, CreateCascadeReq};
use chatenium_api::ErrorCode;
use chatenium_core::cascade_actions::Removal;
use chatenium_core::{Client, ClientError, CoreEvent};
use common::{client, register, wait_online, LocalServer, PATIENCE};
use tokio::sync::broadcast;

/// A client's cascade list as its events tell it: a snapshot, then every diff applied.
struct CascadeMirror {
    events: broadcast::Receiver<CoreEvent>,
    cascades: Vec<Cascade>,
}

impl CascadeMirror {
    async fn of(client: &Client) -> CascadeMirror {
        let events = client.events();
        let cascades = client.cascades().await.unwrap();
        CascadeMirror { events, cascades }
    }

    /// Applies diffs as they arrive until `condition` holds of the list.
    async fn until(&mut self, what: &str, condition: impl Fn(&[Cascade]) -> bool) {
        let waited = tokio::time::timeout(PATIENCE, async {
            while !condition(&self.cascades) {
                match self.events.recv().await {
                    Ok(CoreEvent::CascadeList { diff }) => diff.apply(&mut self.cascades),
                    Ok(_) => {}
                    Err(error) => panic!("the event stream broke: {error}"),
                }
            }
        })
        .await;
        assert!(waited.is_ok(), "the cascade list shows {what}");
    }
}

fn members(cascades: &[Cascade], cascade_id: &str) -> Vec<String> {
    cascades
        .iter()
        .find(|c| c.cascade_id == cascade_id)
        .map(|c| c.members.iter().map(|m| m.user.userid.clone()).collect())
        .unwrap_or_default()
}

fn has(cascades: &[Cascade], cascade_id: &str) -> bool {
    cascades.iter().any(|c| c.cascade_id == cascade_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_invite_join_kick_ban_unban_leave_as_the_other_member_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let url = server.base_url();
    let api = chatenium_core::api::ApiClient::new(&url).unwrap();
    let (anna_auth, bela_auth) = (register(&api, "anna").await, register(&api, "bela").await);
    let anna = client(&url, &anna_auth, &dir.path().join("anna.sqlite")).await;
    let bela = client(&url, &bela_auth, &dir.path().join("bela.sqlite")).await;
    wait_online(&anna).await;
    wait_online(&bela).await;
    let bela_id = bela_auth.userid.clone();
    let mut anna_list = CascadeMirror::of(&anna).await;
    let mut bela_list = CascadeMirror::of(&bela).await;

    // Anna creates a cascade: her own list shows it at once (the server does not echo it).
    let created = anna
        .create_cascade(&CreateCascadeReq {
            name: "Klub".into(),
            public: false,
            picture_file_id: None,
            invite_max_uses: None,
            invite_expires_in_secs: None,
        })
        .await
        .unwrap();
    let id = created.cascade_id.clone();
    anna_list.until("the new cascade", |l| has(l, &id)).await;
    assert_eq!(anna_list.cascades[0].role, CascadeRole::Owner);

    // Bela previews the invite, then joins: both lists show him as a member.
    let code = anna
        .cascade_invite(&id)
        .await
        .unwrap()
        .expect("an invite")
        .code;
    let preview = bela.cascade_from_invite(&code).await.unwrap();
    assert_eq!(
        (preview.cascade_id.as_str(), preview.name.as_str()),
        (id.as_str(), "Klub")
    );
    assert!(
        bela.discover_cascades(None, None).await.unwrap().is_empty(),
        "not public yet"
    );
    bela.join_cascade_from_invite(&code).await.unwrap();
    bela_list.until("the joined cascade", |l| has(l, &id)).await;
    anna_list
        .until("Bela among the members", |l| {
            members(l, &id).contains(&bela_id)
        })
        .await;
    assert!(anna
        .cascade_members(&id)
        .await
        .unwrap()
        .iter()
        .any(|m| m.user.userid == bela_id));

    // A rename, a public cascade and a new thread reach Bela.
    anna.rename_cascade(&id, "Klub 2").await.unwrap();
    anna.set_cascade_public(&id, true).await.unwrap();
    bela_list
        .until("the new name and visibility", |l| {
            l.iter()
                .any(|c| c.cascade_id == id && c.name == "Klub 2" && c.public)
        })
        .await;
    let found = bela.discover_cascades(None, None).await.unwrap();
    assert!(found.iter().any(|c| c.cascade_id == id));
    let mut bela_events = bela.events();
    let thread = anna
        .create_thread(&id, None, "general", None)
        .await
        .unwrap();
    let sub = anna
        .create_thread(&id, Some(&thread.thread_id), "sub", Some("below".into()))
        .await
        .unwrap();
    assert_eq!(
        anna.threads(&id, Some(&thread.thread_id)).await.unwrap(),
        vec![sub.clone()]
    );
    common::wait_until(&mut bela_events, || async {
        bela.threads(&id, Some(&thread.thread_id)).await.unwrap() == vec![sub.clone()]
    })
    .await;
    let renamed = anna
        .update_thread(&id, &sub.thread_id, Some("renamed".into()), None)
        .await
        .unwrap();
    assert_eq!(renamed.name, "renamed");
    anna.close_thread(&id, &sub.thread_id).await.unwrap();
    assert!(anna
        .threads(&id, Some(&thread.thread_id))
        .await
        .unwrap()
        .is_empty());
    common::wait_until(&mut bela_events, || async {
        bela.threads(&id, Some(&thread.thread_id))
            .await
            .unwrap()
            .is_empty()
    })
    .await;

    // A kick: Bela hears it was a kick, the cascade leaves Bela's list, and Bela leaves
    // Anna's members.
    let mut bela_removals = bela.events();
    anna.remove_member(&id, &bela_id, Removal::Kick, None)
        .await
        .unwrap();
    common::wait_for(&mut bela_removals, |e| {
        matches!(e, chatenium_core::CoreEvent::RemovedFromCascade { cascade_id, banned: false, reason: None }
            if cascade_id == &id)
    })
    .await;
    bela_list
        .until("the cascade gone after a kick", |l| !has(l, &id))
        .await;
    anna_list
        .until("Bela gone from the members", |l| {
            !members(l, &id).contains(&bela_id)
        })
        .await;

    // A kicked member may join again (it is public now); a banned one may not, until unbanned.
    bela.join_public_cascade(&id).await.unwrap();
    bela_list.until("the cascade back", |l| has(l, &id)).await;
    let mut bela_removals = bela.events();
    anna.remove_member(&id, &bela_id, Removal::Ban, Some("spam".into()))
        .await
        .unwrap();
    common::wait_for(&mut bela_removals, |e| {
        matches!(e, chatenium_core::CoreEvent::RemovedFromCascade { cascade_id, banned: true, reason: Some(reason) }
            if cascade_id == &id && reason == "spam")
    })
    .await;
    bela_list
        .until("the cascade gone after a ban", |l| !has(l, &id))
        .await;
    let refused = bela.join_cascade_from_invite(&code).await.unwrap_err();
    assert!(
        matches!(
            refused,
            ClientError::Api {
                code: ErrorCode::Banned,
                ..
            }
        ),
        "{refused:?}"
    );
    let bans = anna.cascade_bans(&id).await.unwrap();
    assert_eq!(bans.len(), 1);
    assert_eq!(
        (bans[0].user.userid.as_str(), bans[0].reason.as_deref()),
        (bela_id.as_str(), Some("spam"))
    );
    anna.unban_member(&id, &bela_id).await.unwrap();
    assert!(anna.cascade_bans(&id).await.unwrap().is_empty());
    bela.join_cascade_from_invite(&code).await.unwrap();
    bela_list
        .until("the cascade back after the unban", |l| has(l, &id))
        .await;
    anna_list
        .until("Bela a member again", |l| {
            members(l, &id).contains(&bela_id)
        })
        .await;

    // Bela leaves: his list loses it at once, Anna's members follow.
    bela.leave_cascade(&id).await.unwrap();
    bela_list.until("the cascade left", |l| !has(l, &id)).await;
    anna_list
        .until("Bela gone after leaving", |l| {
            !members(l, &id).contains(&bela_id)
        })
        .await;

    // The owner leaving deletes it, for her too.
    anna.leave_cascade(&id).await.unwrap();
    anna_list
        .until("the deleted cascade gone", |l| !has(l, &id))
        .await;
}

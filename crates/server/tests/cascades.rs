//! Cascades (rows 54 to 68) over real HTTP and WebSocket: the picture upload, creating and
//! listing, invites that expire or run out, public joins and discovery, roles in kicks and
//! bans, leaving and deleting, renames and visibility in each member's view, a parent's
//! threads, profile changes reaching co-members, and account deletion.

mod common;

use chatenium_api::schemas::account::{ChangeDisplayNameReq, DeleteAccountReq};
use chatenium_api::schemas::cascade::*;
use chatenium_api::schemas::thread::ThreadQuery;
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::ws::{
    CascadeRef, CascadeRemoval, DeletedThreadMessages, MemberChange, ServerEvent,
};
use chatenium_api::*;
use common::cascade::{new_cascade, thread_request};
use common::chat::drain_all;
use common::fixture::subscribe;
use common::{As, TestServer, User};

fn cascade_id(id: &str) -> CascadeIdReq {
    CascadeIdReq {
        cascade_id: id.to_owned(),
    }
}

fn kick_req(cascade_id: &str, user: &User, ban: bool, reason: Option<&str>) -> KickMemberReq {
    KickMemberReq {
        cascade_id: cascade_id.to_owned(),
        userid: user.userid.clone(),
        ban,
        reason: reason.map(str::to_owned),
    }
}

fn unban_req(cascade_id: &str, user: &User) -> UnbanReq {
    UnbanReq {
        cascade_id: cascade_id.to_owned(),
        userid: user.userid.clone(),
    }
}

fn invite(code: &str) -> InviteQuery {
    InviteQuery {
        code: code.to_owned(),
    }
}

fn join_code(code: &str) -> JoinFromInviteReq {
    JoinFromInviteReq {
        code: code.to_owned(),
    }
}

fn join_public(cascade_id: &str) -> JoinPublicReq {
    JoinPublicReq {
        cascade_id: cascade_id.to_owned(),
    }
}

fn bans_of(cascade_id: &str) -> CascadeQuery {
    CascadeQuery {
        cascade_id: cascade_id.to_owned(),
    }
}

fn image(name: &str, size: u64) -> FileMetadata {
    FileMetadata {
        name: name.to_owned(),
        size,
        mime: "image/png".into(),
        width: Some(64),
        height: Some(64),
    }
}

fn member_ids(cascade: &Cascade) -> Vec<(String, CascadeRole)> {
    cascade
        .members
        .iter()
        .map(|m| (m.user.userid.clone(), m.role))
        .collect()
}

fn discovery_page(from: Option<u32>, limit: Option<u32>) -> DiscoveryQuery {
    DiscoveryQuery { from, limit }
}

async fn cascades_of(server: &TestServer, user: &User) -> Vec<Cascade> {
    server
        .call::<GetCascades>(user.auth(), &(), &())
        .await
        .expect("the cascades")
}

#[tokio::test]
async fn a_cascade_is_created_with_its_picture_owner_and_invite() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let [mut a0, mut a1, mut b0] = server.sockets([&anna, &anna, &bela]).await;

    // Row 54: one image, within the picture's limits.
    let register = |files: Vec<FileMetadata>| S3PresignedFileReq { files };
    for (files, code) in [
        (
            vec![FileMetadata {
                mime: "application/pdf".into(),
                ..image("logo.pdf", 10)
            }],
            ErrorCode::BadRequest,
        ),
        (
            vec![image("a.png", 10), image("b.png", 10)],
            ErrorCode::BadRequest,
        ),
        (
            vec![image("huge.png", 10 * 1024 * 1024 + 1)],
            ErrorCode::UploadTooLarge,
        ),
        (vec![], ErrorCode::BadRequest),
    ] {
        server
            .refused::<RegisterCascadePictureUpload>(anna.auth(), &(), &register(files), code)
            .await;
    }
    let bytes = b"\x89PNG not really".to_vec();
    let registered = server
        .call::<RegisterCascadePictureUpload>(
            anna.auth(),
            &(),
            &register(vec![image("logo.png", bytes.len() as u64)]),
        )
        .await
        .unwrap();
    let [upload] = registered.as_slice() else {
        panic!("{registered:?}");
    };
    let complete = CompletePicUploadReq {
        file_id: upload.file_id.clone(),
    };
    // Row 55: not before the bytes are there, and only the uploader's.
    server
        .refused::<CompleteCascadePictureUpload>(
            anna.auth(),
            &(),
            &complete,
            ErrorCode::UploadIncomplete,
        )
        .await;
    server
        .refused::<CreateCascade>(
            anna.auth(),
            &(),
            &CreateCascadeReq {
                picture_file_id: Some(upload.file_id.clone()),
                ..new_cascade("Klub", false)
            },
            ErrorCode::UploadIncomplete,
        )
        .await;
    server
        .put_bytes(&upload.upload_url, bytes.clone())
        .await
        .unwrap();
    server
        .refused::<CompleteCascadePictureUpload>(
            bela.auth(),
            &(),
            &complete,
            ErrorCode::UploadNotFound,
        )
        .await;
    let done = server
        .call::<CompleteCascadePictureUpload>(anna.auth(), &(), &complete)
        .await
        .unwrap();
    assert_eq!(done.response, "Picture upload completed");

    // Row 56: names follow the rules; the picture is a complete image of the caller's.
    for name in ["", "   ", &"x".repeat(65), "line\nbreak"] {
        server
            .refused::<CreateCascade>(
                anna.auth(),
                &(),
                &new_cascade(name, false),
                ErrorCode::InvalidName,
            )
            .await;
    }
    let pdf = server
        .stored_file(&anna, "rules.pdf", "application/pdf", b"%PDF", "complete")
        .await;
    for (file_id, who, code) in [
        (upload.file_id.as_str(), &bela, ErrorCode::UploadNotFound),
        ("no-such-file", &anna, ErrorCode::UploadNotFound),
        (pdf.as_str(), &anna, ErrorCode::BadRequest),
    ] {
        let request = CreateCascadeReq {
            picture_file_id: Some(file_id.to_owned()),
            ..new_cascade("Klub", false)
        };
        server
            .refused::<CreateCascade>(who.auth(), &(), &request, code)
            .await;
    }
    assert_eq!(drain_all([&mut a0, &mut a1, &mut b0]).await, [[], [], []]);

    let request = CreateCascadeReq {
        picture_file_id: Some(upload.file_id.clone()),
        invite_max_uses: Some(5),
        invite_expires_in_secs: Some(3600),
        ..new_cascade("  Kovács klub ", true)
    };
    let created = server
        .call::<CreateCascade>(anna.via(&a0), &(), &request)
        .await
        .unwrap();
    assert_eq!(created.name, "Kovács klub");
    assert_eq!(created.owner_id, anna.userid);
    assert!(created.public);
    assert_eq!(created.role, CascadeRole::Owner);
    assert_eq!(
        member_ids(&created),
        [(anna.userid.clone(), CascadeRole::Owner)]
    );
    assert_eq!(created.members[0].user.username, "anna");
    let invite = created.invite.clone().expect("the owner sees the invite");
    assert_eq!((invite.max_uses, invite.uses), (Some(5), 0));
    let expires = invite.expires_at.expect("an expiry");
    let now = chatenium_server::clock::unix_now();
    assert!((now + 3590..=now + 3600).contains(&expires), "{expires}");
    let picture = created.picture.clone().expect("a picture URL");
    assert!(picture.starts_with(&server.url(STORAGE_OBJECT_PATH)));
    assert_eq!(server.get_bytes(&picture).await.unwrap(), bytes);

    // The creator's other device lists it; the creating one and strangers hear nothing.
    let heard = drain_all([&mut a0, &mut a1, &mut b0]).await;
    assert_eq!(heard[0], vec![]);
    assert_eq!(heard[1], vec![ServerEvent::CascadeChanged(created.clone())]);
    assert_eq!(heard[2], vec![]);

    // Row 57: owned or joined, in the order joined; a stranger has none.
    let second = server.create_cascade(&bela, "Bela's", false).await;
    assert_eq!(cascades_of(&server, &bela).await, vec![second.clone()]);
    let listed = cascades_of(&server, &anna).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        Cascade {
            picture: None,
            ..listed[0].clone()
        },
        Cascade {
            picture: None,
            ..created.clone()
        }
    );
    server
        .join_with_invite(&anna, &second.invite.clone().unwrap().code)
        .await;
    let listed = cascades_of(&server, &anna).await;
    assert_eq!(
        listed
            .iter()
            .map(|c| (c.cascade_id.clone(), c.role, c.invite.is_some()))
            .collect::<Vec<_>>(),
        [
            (created.cascade_id.clone(), CascadeRole::Owner, true),
            (second.cascade_id.clone(), CascadeRole::Member, false)
        ]
    );
    let cili = server.register("cili").await;
    assert_eq!(cascades_of(&server, &cili).await, vec![]);
}

#[tokio::test]
async fn invites_admit_until_they_expire_or_run_out() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let [bela, cili, dora, ede] = server.users(["bela", "cili", "dora", "ede"]).await;
    let [mut a0, mut b0, mut b1] = server.sockets([&anna, &bela, &bela]).await;
    let cascade = server
        .call::<CreateCascade>(
            anna.auth(),
            &(),
            &CreateCascadeReq {
                invite_max_uses: Some(2),
                ..new_cascade("Klub", false)
            },
        )
        .await
        .unwrap();
    let code = cascade.invite.clone().unwrap().code;
    a0.drain().await;

    // Row 63: the card, with insights, before joining.
    let card = server
        .call::<GetCascadeFromInvite>(bela.auth(), &invite(&code), &())
        .await
        .unwrap();
    assert_eq!(
        card,
        DiscoveryCascade {
            cascade_id: cascade.cascade_id.clone(),
            name: "Klub".into(),
            picture: None,
            public: false,
            member_count: 1,
            thread_count: 0,
            recent_messages: 0,
        }
    );

    // Row 64: a join counts a use and answers the joiner's view, without the invite.
    let joined = server
        .call::<JoinFromInvite>(bela.via(&b0), &(), &join_code(&code))
        .await
        .unwrap();
    assert_eq!(joined.role, CascadeRole::Member);
    assert_eq!(joined.invite, None);
    assert_eq!(
        member_ids(&joined),
        [
            (anna.userid.clone(), CascadeRole::Owner),
            (bela.userid.clone(), CascadeRole::Member)
        ]
    );
    let heard = drain_all([&mut a0, &mut b0, &mut b1]).await;
    assert_eq!(
        heard[0],
        vec![ServerEvent::MemberJoined(MemberChange {
            cascade_id: cascade.cascade_id.clone(),
            userid: bela.userid.clone(),
        })]
    );
    assert_eq!(heard[1], vec![]);
    assert_eq!(heard[2], vec![ServerEvent::CascadeChanged(joined.clone())]);
    let owners = cascades_of(&server, &anna).await;
    assert_eq!(owners[0].invite.as_ref().unwrap().uses, 1);

    server
        .refused::<JoinFromInvite>(
            bela.auth(),
            &(),
            &join_code(&code),
            ErrorCode::AlreadyMember,
        )
        .await;
    server.join_with_invite(&cili, &code).await;
    // Used up: it admits nobody, and a refused join counts no use.
    for _ in 0..2 {
        server
            .refused::<GetCascadeFromInvite>(
                dora.auth(),
                &invite(&code),
                &(),
                ErrorCode::InviteInvalid,
            )
            .await;
        server
            .refused::<JoinFromInvite>(
                dora.auth(),
                &(),
                &join_code(&code),
                ErrorCode::InviteInvalid,
            )
            .await;
    }
    assert_eq!(
        cascades_of(&server, &anna).await[0]
            .invite
            .as_ref()
            .unwrap()
            .uses,
        2
    );
    for code in ["no-such-code", ""] {
        server
            .refused::<GetCascadeFromInvite>(
                dora.auth(),
                &invite(code),
                &(),
                ErrorCode::InviteInvalid,
            )
            .await;
        server
            .refused::<JoinFromInvite>(dora.auth(), &(), &join_code(code), ErrorCode::InviteInvalid)
            .await;
    }

    // A 0-second invite has expired when it is made.
    let fleeting = server
        .call::<CreateCascade>(
            anna.auth(),
            &(),
            &CreateCascadeReq {
                invite_expires_in_secs: Some(0),
                ..new_cascade("Fleeting", false)
            },
        )
        .await
        .unwrap();
    let fleeting_code = fleeting.invite.unwrap().code;
    server
        .refused::<GetCascadeFromInvite>(
            dora.auth(),
            &invite(&fleeting_code),
            &(),
            ErrorCode::InviteInvalid,
        )
        .await;
    server
        .refused::<JoinFromInvite>(
            dora.auth(),
            &(),
            &join_code(&fleeting_code),
            ErrorCode::InviteInvalid,
        )
        .await;

    // An hour's invite works until its expiry passes.
    let hourly = server
        .call::<CreateCascade>(
            anna.auth(),
            &(),
            &CreateCascadeReq {
                invite_expires_in_secs: Some(3600),
                ..new_cascade("Hourly", false)
            },
        )
        .await
        .unwrap();
    let hourly_code = hourly.invite.unwrap().code;
    server.join_with_invite(&dora, &hourly_code).await;
    server
        .sql(&format!(
            "UPDATE cascades SET invite_expires_at = invite_expires_at - 7200 WHERE id = '{}'",
            hourly.cascade_id
        ))
        .await;
    server
        .refused::<GetCascadeFromInvite>(
            ede.auth(),
            &invite(&hourly_code),
            &(),
            ErrorCode::InviteInvalid,
        )
        .await;
    server
        .refused::<JoinFromInvite>(
            ede.auth(),
            &(),
            &join_code(&hourly_code),
            ErrorCode::InviteInvalid,
        )
        .await;

    // A banned user is refused even with a valid invite.
    let open = server.create_cascade(&anna, "Open", false).await;
    let open_code = open.invite.unwrap().code;
    server.join_with_invite(&ede, &open_code).await;
    server
        .call::<KickMember>(
            anna.auth(),
            &(),
            &kick_req(&open.cascade_id, &ede, true, None),
        )
        .await
        .unwrap();
    server
        .refused::<JoinFromInvite>(ede.auth(), &(), &join_code(&open_code), ErrorCode::Banned)
        .await;
}

#[tokio::test]
async fn public_cascades_are_joined_and_discovered_with_insights() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let quiet = server.create_cascade(&anna, "Quiet", true).await;
    let private = server.create_cascade(&anna, "Private", false).await;
    let busy = server.create_cascade(&bela, "Busy", true).await;

    // Row 65.
    let joined = server
        .call::<JoinPublicCascade>(cili.auth(), &(), &join_public(&busy.cascade_id))
        .await
        .unwrap();
    assert_eq!(
        (joined.role, joined.members.len()),
        (CascadeRole::Member, 2)
    );
    for (cascade, code) in [
        (busy.cascade_id.as_str(), ErrorCode::AlreadyMember),
        (private.cascade_id.as_str(), ErrorCode::NotPublic),
        ("no-such-cascade", ErrorCode::NotFound),
    ] {
        server
            .refused::<JoinPublicCascade>(cili.auth(), &(), &join_public(cascade), code)
            .await;
    }

    // Activity: two threads in the busy cascade, three messages, one of them old.
    let general = server
        .start_thread(bela.auth(), &busy.cascade_id, None, "General")
        .await;
    server
        .start_thread(
            cili.auth(),
            &busy.cascade_id,
            Some(&general.thread_id),
            "Sub",
        )
        .await;
    let mut sent = Vec::new();
    for text in ["one", "two", "three"] {
        sent.push(
            server
                .send_tm(cili.auth(), &busy.cascade_id, &general.thread_id, text)
                .await,
        );
    }
    server
        .sql(&format!(
            "UPDATE thread_messages SET sent_t = sent_t - 8 * 24 * 3600 WHERE id = '{}'",
            sent[0].msgid
        ))
        .await;

    // Row 62: public ones only, the most recently active first, with insights.
    let found = server
        .call::<CascadeDiscovery>(anna.auth(), &discovery_page(None, None), &())
        .await
        .unwrap();
    assert_eq!(
        found,
        vec![
            DiscoveryCascade {
                cascade_id: busy.cascade_id.clone(),
                name: "Busy".into(),
                picture: None,
                public: true,
                member_count: 2,
                thread_count: 2,
                recent_messages: 2,
            },
            DiscoveryCascade {
                cascade_id: quiet.cascade_id.clone(),
                name: "Quiet".into(),
                picture: None,
                public: true,
                member_count: 1,
                thread_count: 0,
                recent_messages: 0,
            },
        ]
    );
    let page = async |from, limit| {
        server
            .call::<CascadeDiscovery>(anna.auth(), &discovery_page(from, limit), &())
            .await
            .unwrap()
            .into_iter()
            .map(|card| card.cascade_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(page(Some(0), Some(1)).await, vec![busy.cascade_id.clone()]);
    assert_eq!(page(Some(1), Some(1)).await, vec![quiet.cascade_id.clone()]);
    assert_eq!(page(Some(2), None).await, Vec::<String>::new());

    // A newer public cascade without messages comes first until the busy one speaks again.
    let fresh = server.create_cascade(&cili, "Fresh", true).await;
    assert_eq!(page(None, Some(1)).await, vec![fresh.cascade_id.clone()]);
    server
        .send_tm(bela.auth(), &busy.cascade_id, &general.thread_id, "again")
        .await;
    assert_eq!(page(None, Some(1)).await, vec![busy.cascade_id.clone()]);

    for query in ["limit=0", "from=-1", "limit=x"] {
        let path = format!("{}?{query}", CascadeDiscovery::META.path);
        let (status, _) = server
            .raw(reqwest::Method::GET, &path, Some(&anna.token), vec![])
            .await;
        assert_eq!(status, 400, "{query}");
    }
    server
        .refused::<CascadeDiscovery>(
            As::default(),
            &discovery_page(None, None),
            &(),
            ErrorCode::Unauthorized,
        )
        .await;
}

/// anna owns a cascade; bela is its admin; cili and dora are members.
async fn moderated_cascade(server: &TestServer) -> (Cascade, [User; 4]) {
    let [anna, bela, cili, dora] = server.users(["anna", "bela", "cili", "dora"]).await;
    let cascade = server.cascade_with(&anna, &[&bela, &cili, &dora]).await;
    server
        .set_role(&cascade.cascade_id, &bela, CascadeRole::Admin)
        .await;
    (cascade, [anna, bela, cili, dora])
}

#[tokio::test]
async fn kicks_and_bans_follow_roles() {
    let server = TestServer::start().await;
    let (cascade, [anna, bela, cili, dora]) = moderated_cascade(&server).await;
    let id = cascade.cascade_id.as_str();
    let code = cascade.invite.clone().unwrap().code;
    let [ede, eva, admin2] = server.users(["ede", "eva", "admin2"]).await;
    server.join_with_invite(&admin2, &code).await;
    server.set_role(id, &admin2, CascadeRole::Admin).await;

    let refusals = [
        (&cili, &dora, ErrorCode::Forbidden),
        (&cili, &bela, ErrorCode::Forbidden),
        (&bela, &anna, ErrorCode::CannotKickOwner),
        (&anna, &anna, ErrorCode::CannotKickOwner),
        (&bela, &admin2, ErrorCode::Forbidden),
        (&bela, &bela, ErrorCode::Forbidden),
        (&bela, &ede, ErrorCode::NotFound),
        (&ede, &cili, ErrorCode::NotFound),
    ];
    for (who, target, code) in refusals {
        for ban in [false, true] {
            server
                .refused::<KickMember>(who.auth(), &(), &kick_req(id, target, ban, None), code)
                .await;
        }
    }
    server
        .refused::<KickMember>(
            anna.auth(),
            &(),
            &kick_req(id, &cili, true, Some(&"x".repeat(513))),
            ErrorCode::BadRequest,
        )
        .await;
    assert_eq!(
        cascades_of(&server, &anna).await[0].members.len(),
        5,
        "nobody left"
    );

    // An admin kicks a member, who may come back; the owner kicks an admin.
    server
        .call::<KickMember>(
            bela.auth(),
            &(),
            &kick_req(id, &cili, false, Some("calm down")),
        )
        .await
        .unwrap();
    assert_eq!(cascades_of(&server, &cili).await, vec![]);
    server.join_with_invite(&cili, &code).await;
    server
        .call::<KickMember>(anna.auth(), &(), &kick_req(id, &admin2, false, None))
        .await
        .unwrap();

    // Bans keep them out until lifted.
    server
        .call::<KickMember>(
            bela.auth(),
            &(),
            &kick_req(id, &cili, true, Some("  spam  ")),
        )
        .await
        .unwrap();
    server
        .call::<KickMember>(anna.auth(), &(), &kick_req(id, &dora, true, None))
        .await
        .unwrap();
    server
        .refused::<JoinFromInvite>(cili.auth(), &(), &join_code(&code), ErrorCode::Banned)
        .await;
    server
        .call::<ChangeCascadeVisibility>(
            anna.auth(),
            &(),
            &ChangeVisibility {
                cascade_id: id.to_owned(),
                public: true,
            },
        )
        .await
        .unwrap();
    server
        .refused::<JoinPublicCascade>(dora.auth(), &(), &join_public(id), ErrorCode::Banned)
        .await;

    // Row 60: the most recent first, for the owner and admins only.
    let bans = server
        .call::<GetBans>(bela.auth(), &bans_of(id), &())
        .await
        .unwrap();
    assert_eq!(
        bans.iter()
            .map(|b| (b.user.userid.clone(), b.banned_by.clone(), b.reason.clone()))
            .collect::<Vec<_>>(),
        [
            (dora.userid.clone(), anna.userid.clone(), None),
            (
                cili.userid.clone(),
                bela.userid.clone(),
                Some("spam".into())
            ),
        ]
    );
    assert!(bans[0].banned_at > bans[1].banned_at);
    assert_eq!(bans[0].user.username, "dora");
    server.join_with_invite(&eva, &code).await;
    for (who, code) in [
        (&eva, ErrorCode::Forbidden),
        (&ede, ErrorCode::NotFound),
        (&cili, ErrorCode::NotFound),
    ] {
        server
            .refused::<GetBans>(who.auth(), &bans_of(id), &(), code)
            .await;
        server
            .refused::<UnbanMember>(who.auth(), &(), &unban_req(id, &dora), code)
            .await;
    }

    // Row 61: an admin lifts a ban; lifting it twice is notFound.
    server
        .call::<UnbanMember>(bela.auth(), &(), &unban_req(id, &cili))
        .await
        .unwrap();
    server
        .refused::<UnbanMember>(anna.auth(), &(), &unban_req(id, &cili), ErrorCode::NotFound)
        .await;
    server
        .refused::<UnbanMember>(anna.auth(), &(), &unban_req(id, &eva), ErrorCode::NotFound)
        .await;
    let left = server
        .call::<GetBans>(anna.auth(), &bans_of(id), &())
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].user.userid, dora.userid);
    let back = server.join_with_invite(&cili, &code).await;
    assert_eq!(back.role, CascadeRole::Member);
}

#[tokio::test]
async fn a_kicked_member_stops_receiving_thread_events_at_once() {
    let server = TestServer::start().await;
    let (cascade, [anna, bela, cili, _dora]) = moderated_cascade(&server).await;
    let id = cascade.cascade_id.as_str();
    let thread = server.start_thread(anna.auth(), id, None, "General").await;
    let [mut a0, mut b0, mut c0, mut c1] = server.sockets([&anna, &bela, &cili, &cili]).await;
    for socket in [&mut a0, &mut b0, &mut c0] {
        subscribe(socket, &[id]).await;
    }

    let before = server
        .send_tm(anna.auth(), id, &thread.thread_id, "before")
        .await;
    let heard = drain_all([&mut b0, &mut c0, &mut c1]).await;
    assert_eq!(
        heard[0],
        vec![ServerEvent::NewThreadMessage(before.clone())]
    );
    assert_eq!(heard[1], vec![ServerEvent::NewThreadMessage(before)]);
    assert_eq!(heard[2], vec![], "not subscribed");
    a0.drain().await;

    server
        .call::<KickMember>(bela.via(&b0), &(), &kick_req(id, &cili, false, None))
        .await
        .unwrap();
    let kicked = ServerEvent::KickedFromCascade(CascadeRemoval {
        cascade_id: id.to_owned(),
        banned: false,
        reason: None,
    });
    let left = ServerEvent::MemberLeft(MemberChange {
        cascade_id: id.to_owned(),
        userid: cili.userid.clone(),
    });
    let heard = drain_all([&mut a0, &mut b0, &mut c0, &mut c1]).await;
    assert_eq!(
        heard,
        [vec![left], vec![], vec![kicked.clone()], vec![kicked]]
    );

    // Nothing of the cascade reaches the kicked user, even if their client subscribes again.
    subscribe(&mut c1, &[id]).await;
    let after = server
        .send_tm(bela.auth(), id, &thread.thread_id, "after")
        .await;
    server.start_thread(anna.auth(), id, None, "Another").await;
    let heard = drain_all([&mut a0, &mut c0, &mut c1]).await;
    assert_eq!(heard[0].len(), 2, "{:?}", heard[0]);
    assert_eq!(heard[0][0], ServerEvent::NewThreadMessage(after));
    assert_eq!(heard[1], vec![]);
    assert_eq!(heard[2], vec![]);
    let pinned = ThreadQuery {
        cascade_id: id.to_owned(),
        thread_id: thread.thread_id.clone(),
    };
    server
        .refused::<TmPinnedMessages>(cili.auth(), &pinned, &(), ErrorCode::NotFound)
        .await;

    // Back through the invite, a connection follows the threads again only once it asks to.
    server
        .join_with_invite(&cili, &cascade.invite.clone().unwrap().code)
        .await;
    assert!(matches!(
        c0.drain().await.as_slice(),
        [ServerEvent::CascadeChanged(_)]
    ));
    let unheard = server
        .send_tm(anna.auth(), id, &thread.thread_id, "welcome back")
        .await;
    assert_eq!(c0.drain().await, vec![]);
    subscribe(&mut c0, &[id]).await;
    let heard = server
        .send_tm(anna.auth(), id, &thread.thread_id, "now you hear")
        .await;
    assert_eq!(
        c0.drain().await,
        vec![ServerEvent::NewThreadMessage(heard.clone())]
    );
    let page = common::cascade::tm_page(id, &thread.thread_id, None, Some(2));
    assert_eq!(server.tm_messages(&cili, &page).await, [unheard, heard]);
}

#[tokio::test]
async fn members_leave_and_the_owner_deletes() {
    let server = TestServer::start().await;
    let (cascade, [anna, bela, cili, dora]) = moderated_cascade(&server).await;
    let id = cascade.cascade_id.as_str();
    let ede = server.register("ede").await;
    let root = server.start_thread(anna.auth(), id, None, "Root").await;
    let sub = server
        .start_thread(cili.auth(), id, Some(&root.thread_id), "Sub")
        .await;
    server
        .send_tm(cili.auth(), id, &sub.thread_id, "in the sub-thread")
        .await;
    let [mut a0, mut c0, mut c1, mut d0] = server.sockets([&anna, &cili, &cili, &dora]).await;
    subscribe(&mut c1, &[id]).await;

    server
        .refused::<LeaveOrDeleteCascade>(ede.auth(), &(), &cascade_id(id), ErrorCode::NotFound)
        .await;
    let left = server
        .call::<LeaveOrDeleteCascade>(cili.via(&c0), &(), &cascade_id(id))
        .await
        .unwrap();
    assert_eq!(left.response, "Cascade left");
    let event = ServerEvent::MemberLeft(MemberChange {
        cascade_id: id.to_owned(),
        userid: cili.userid.clone(),
    });
    let heard = drain_all([&mut a0, &mut c0, &mut c1, &mut d0]).await;
    assert_eq!(
        heard,
        [
            vec![event.clone()],
            vec![],
            vec![event.clone()],
            vec![event]
        ]
    );
    assert_eq!(cascades_of(&server, &cili).await, vec![]);
    assert_eq!(server.threads(&bela, id, None).await, vec![root.clone()]);
    server
        .refused::<GetThreads>(
            cili.auth(),
            &ThreadsQuery {
                cascade_id: id.to_owned(),
                parent_id: None,
            },
            &(),
            ErrorCode::NotFound,
        )
        .await;
    // The leaver no longer hears the cascade's threads.
    server
        .send_tm(anna.auth(), id, &root.thread_id, "still here")
        .await;
    assert_eq!(c1.drain().await, vec![]);

    // The owner's leave deletes the cascade with its threads and messages.
    let deleted = server
        .call::<LeaveOrDeleteCascade>(anna.via(&a0), &(), &cascade_id(id))
        .await
        .unwrap();
    assert_eq!(deleted.response, "Cascade deleted");
    let event = ServerEvent::CascadeDeleted(CascadeRef {
        cascade_id: id.to_owned(),
    });
    let heard = drain_all([&mut a0, &mut c1, &mut d0]).await;
    assert_eq!(heard, [vec![], vec![], vec![event]]);
    for user in [&anna, &bela, &dora] {
        assert_eq!(cascades_of(&server, user).await, vec![]);
    }
    for table in ["cascade_members", "threads", "thread_messages"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE cascade_id = '{id}'");
        assert_eq!(server.count(&sql, &[]).await, 0, "{table}");
    }
    server
        .refused::<LeaveOrDeleteCascade>(anna.auth(), &(), &cascade_id(id), ErrorCode::NotFound)
        .await;
}

#[tokio::test]
async fn renames_and_visibility_reach_each_member_in_their_own_view() {
    let server = TestServer::start().await;
    let (cascade, [anna, bela, cili, _dora]) = moderated_cascade(&server).await;
    let id = cascade.cascade_id.as_str();
    let ede = server.register("ede").await;
    let [mut a0, mut b0, mut b1, mut c0, mut e0] =
        server.sockets([&anna, &bela, &bela, &cili, &ede]).await;
    let rename = |name: &str| EditNameReq {
        cascade_id: id.to_owned(),
        name: name.to_owned(),
    };

    for (who, name, code) in [
        (&cili, "Mine now", ErrorCode::Forbidden),
        (&ede, "Mine now", ErrorCode::NotFound),
        (&anna, " ", ErrorCode::InvalidName),
        (&bela, &"n".repeat(65), ErrorCode::InvalidName),
    ] {
        server
            .refused::<EditCascadeName>(who.auth(), &(), &rename(name), code)
            .await;
    }
    let renamed = server
        .call::<EditCascadeName>(bela.via(&b0), &(), &rename("Új név"))
        .await
        .unwrap();
    assert_eq!(renamed.response, "Cascade renamed");
    let heard = drain_all([&mut a0, &mut b0, &mut b1, &mut c0, &mut e0]).await;
    let views: Vec<_> = heard
        .iter()
        .map(|events| match events.as_slice() {
            [ServerEvent::CascadeChanged(view)] => {
                Some((view.name.clone(), view.role, view.invite.is_some()))
            }
            [] => None,
            other => panic!("{other:?}"),
        })
        .collect();
    let named = |role, invite| Some(("Új név".to_owned(), role, invite));
    assert_eq!(
        views,
        [
            named(CascadeRole::Owner, true),
            None,
            named(CascadeRole::Admin, true),
            named(CascadeRole::Member, false),
            None
        ]
    );

    // Row 67: visibility; discovery follows it.
    let visibility = |public| ChangeVisibility {
        cascade_id: id.to_owned(),
        public,
    };
    server
        .refused::<ChangeCascadeVisibility>(
            cili.auth(),
            &(),
            &visibility(true),
            ErrorCode::Forbidden,
        )
        .await;
    server
        .refused::<ChangeCascadeVisibility>(ede.auth(), &(), &visibility(true), ErrorCode::NotFound)
        .await;
    let discovered = async || {
        server
            .call::<CascadeDiscovery>(ede.auth(), &discovery_page(None, None), &())
            .await
            .unwrap()
            .len()
    };
    assert_eq!(discovered().await, 0);
    server
        .call::<ChangeCascadeVisibility>(anna.via(&a0), &(), &visibility(true))
        .await
        .unwrap();
    assert_eq!(discovered().await, 1);
    let heard = drain_all([&mut a0, &mut b0, &mut c0, &mut e0]).await;
    match heard[2].as_slice() {
        [ServerEvent::CascadeChanged(view)] => assert!(view.public && view.invite.is_none()),
        other => panic!("{other:?}"),
    }
    assert_eq!((heard[0].len(), heard[1].len(), heard[3].len()), (0, 1, 0));
    server
        .call::<JoinPublicCascade>(ede.auth(), &(), &join_public(id))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_parents_threads_are_for_members() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let cascade = server.cascade_with(&anna, &[&bela]).await;
    let other = server.create_cascade(&bela, "Other", true).await;
    let id = cascade.cascade_id.as_str();
    let first = server.start_thread(anna.auth(), id, None, "First").await;
    let second = server.start_thread(bela.auth(), id, None, "Second").await;
    let child = server
        .start_thread(bela.auth(), id, Some(&first.thread_id), "Child")
        .await;
    let grandchild = server
        .start_thread(anna.auth(), id, Some(&child.thread_id), "Grandchild")
        .await;
    let elsewhere = server
        .start_thread(bela.auth(), &other.cascade_id, None, "Elsewhere")
        .await;
    assert_eq!(child.parent_id.as_deref(), Some(first.thread_id.as_str()));
    assert_eq!(first.parent_id, None);

    assert_eq!(
        server.threads(&bela, id, None).await,
        [first.clone(), second]
    );
    assert_eq!(
        server.threads(&anna, id, Some(&first.thread_id)).await,
        vec![child.clone()]
    );
    assert_eq!(
        server.threads(&anna, id, Some(&child.thread_id)).await,
        vec![grandchild.clone()]
    );
    assert_eq!(
        server.threads(&anna, id, Some(&grandchild.thread_id)).await,
        []
    );

    let query = |cascade: &str, parent: Option<&str>| ThreadsQuery {
        cascade_id: cascade.to_owned(),
        parent_id: parent.map(str::to_owned),
    };
    let cili = server.register("cili").await;
    for (who, query) in [
        (&anna, query(id, Some(&elsewhere.thread_id))),
        (&anna, query(id, Some("no-such-thread"))),
        (&cili, query(id, None)),
        (&anna, query("no-such-cascade", None)),
    ] {
        server
            .refused::<GetThreads>(who.auth(), &query, &(), ErrorCode::NotFound)
            .await;
    }
    server
        .refused::<GetThreads>(
            As::default(),
            &query(id, None),
            &(),
            ErrorCode::Unauthorized,
        )
        .await;
}

#[tokio::test]
async fn profile_changes_reach_cascade_co_members() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    server.cascade_with(&anna, &[&bela]).await;
    let [mut b0, mut c0] = server.sockets([&bela, &cili]).await;

    let changed = server
        .call::<ChangeDisplayName>(
            anna.auth(),
            &(),
            &ChangeDisplayNameReq {
                display_name: "Anna K.".into(),
            },
        )
        .await
        .unwrap();
    let heard = drain_all([&mut b0, &mut c0]).await;
    assert_eq!(heard, [vec![ServerEvent::ProfileChanged(changed)], vec![]]);
}

#[tokio::test]
async fn deleting_an_account_takes_its_cascades_memberships_and_thread_messages() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    // anna owns a cascade with nested threads; she is a member of bela's and wrote there.
    let owned = server.cascade_with(&anna, &[&bela]).await;
    let root = server
        .start_thread(anna.auth(), &owned.cascade_id, None, "Root")
        .await;
    let sub = server
        .start_thread(bela.auth(), &owned.cascade_id, Some(&root.thread_id), "Sub")
        .await;
    server
        .send_tm(bela.auth(), &owned.cascade_id, &sub.thread_id, "bela's")
        .await;
    let belas = server.cascade_with(&bela, &[&anna, &cili]).await;
    let thread = server
        .start_thread(anna.auth(), &belas.cascade_id, None, "Anna's thread")
        .await;
    let photo = server
        .stored_file(&anna, "photo.png", "image/png", b"png", "complete")
        .await;
    let with_photo = chatenium_api::schemas::thread::TMSendMessageReq {
        file_ids: vec![photo.clone()],
        ..common::cascade::tm_text(&belas.cascade_id, &thread.thread_id, "look")
    };
    let annas = server
        .call::<TmSendMessage>(anna.auth(), &(), &with_photo)
        .await
        .unwrap();
    let kept = server
        .send_tm(cili.auth(), &belas.cascade_id, &thread.thread_id, "cili's")
        .await;
    server
        .call::<KickMember>(
            bela.auth(),
            &(),
            &KickMemberReq {
                cascade_id: belas.cascade_id.clone(),
                userid: cili.userid.clone(),
                ban: true,
                reason: None,
            },
        )
        .await
        .unwrap();
    server
        .join_with_invite(&cili, &owned.invite.clone().unwrap().code)
        .await;
    let [mut b0, mut b1] = server.sockets([&bela, &bela]).await;
    subscribe(&mut b1, &[&belas.cascade_id]).await;

    server
        .call::<DeleteAccount>(
            anna.auth(),
            &(),
            &DeleteAccountReq {
                password: Some(anna.password.clone()),
                challenge_id: None,
            },
        )
        .await
        .unwrap();

    let deleted = ServerEvent::CascadeDeleted(CascadeRef {
        cascade_id: owned.cascade_id.clone(),
    });
    let left = ServerEvent::MemberLeft(MemberChange {
        cascade_id: belas.cascade_id.clone(),
        userid: anna.userid.clone(),
    });
    let gone = ServerEvent::DeletedThreadMessage(DeletedThreadMessages {
        cascade_id: belas.cascade_id.clone(),
        thread_id: thread.thread_id.clone(),
        msgids: vec![annas.msgid.clone()],
    });
    let heard = drain_all([&mut b0, &mut b1]).await;
    assert_eq!(heard[0], vec![deleted.clone(), left.clone()]);
    assert_eq!(heard[1], vec![deleted, left, gone]);

    assert_eq!(cascades_of(&server, &cili).await, vec![]);
    let remaining = cascades_of(&server, &bela).await;
    assert_eq!(
        member_ids(&remaining[0]),
        [(bela.userid.clone(), CascadeRole::Owner)]
    );
    // Her thread stays with its other messages; hers and the owned cascade are gone.
    let page = common::cascade::tm_page(&belas.cascade_id, &thread.thread_id, None, None);
    assert_eq!(server.tm_messages(&bela, &page).await, vec![kept]);
    for sql in [
        format!(
            "SELECT COUNT(*) FROM cascades WHERE id = '{}'",
            owned.cascade_id
        ),
        format!(
            "SELECT COUNT(*) FROM threads WHERE cascade_id = '{}'",
            owned.cascade_id
        ),
        format!(
            "SELECT COUNT(*) FROM thread_messages WHERE author = '{}'",
            anna.userid
        ),
        format!("SELECT COUNT(*) FROM thread_message_files WHERE file_id = '{photo}'"),
        format!(
            "SELECT COUNT(*) FROM cascade_members WHERE user_id = '{}'",
            anna.userid
        ),
    ] {
        assert_eq!(server.count(&sql, &[]).await, 0, "{sql}");
    }
    let bans = server
        .call::<GetBans>(bela.auth(), &bans_of(&belas.cascade_id), &())
        .await
        .unwrap();
    assert_eq!(bans.len(), 1, "cili's ban stays");
    server.register("anna").await;
}

#[tokio::test]
async fn bad_bodies_and_missing_tokens_are_refused_before_anything_happens() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let cascade = server.create_cascade(&anna, "Klub", false).await;
    let cases: [(reqwest::Method, &str, &str); 8] = [
        (reqwest::Method::POST, CreateCascade::META.path, "{}"),
        (
            reqwest::Method::POST,
            CreateCascade::META.path,
            r#"{"name": "x", "public": "yes"}"#,
        ),
        (
            reqwest::Method::POST,
            CreateCascade::META.path,
            r#"{"name": "x", "public": true, "inviteMaxUses": -1}"#,
        ),
        (
            reqwest::Method::PATCH,
            KickMember::META.path,
            r#"{"cascadeId": "x"}"#,
        ),
        (
            reqwest::Method::PATCH,
            LeaveOrDeleteCascade::META.path,
            "[]",
        ),
        (
            reqwest::Method::PATCH,
            EditCascadeName::META.path,
            "not json",
        ),
        (
            reqwest::Method::POST,
            JoinFromInvite::META.path,
            r#"{"code": 5}"#,
        ),
        (reqwest::Method::PATCH, UnbanMember::META.path, "{}"),
    ];
    for (method, path, body) in cases {
        let (status, bytes) = server
            .raw(method, path, Some(&anna.token), body.as_bytes().to_vec())
            .await;
        assert_eq!(status, 400, "{path} {body}");
        let error: ErrorBody = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(error.error, ErrorCode::BadRequest);
    }
    let (status, _) = server
        .raw(
            reqwest::Method::GET,
            GetBans::META.path,
            Some(&anna.token),
            vec![],
        )
        .await;
    assert_eq!(status, 400, "a query without cascadeId");

    let nobody = As::default();
    server
        .refused::<GetCascades>(nobody, &(), &(), ErrorCode::Unauthorized)
        .await;
    server
        .refused::<CreateCascade>(
            nobody,
            &(),
            &new_cascade("x", true),
            ErrorCode::Unauthorized,
        )
        .await;
    server
        .refused::<StartThread>(
            nobody,
            &(),
            &thread_request(&cascade.cascade_id, None, "x"),
            ErrorCode::Unauthorized,
        )
        .await;
    assert_eq!(cascades_of(&server, &anna).await.len(), 1);
}

#[tokio::test]
async fn a_banned_member_hears_that_it_was_a_ban_and_why() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let cascade = server.cascade_with(&anna, &[&bela, &cili]).await;
    let id = cascade.cascade_id.as_str();
    let [mut belas, mut cilis] = server.sockets([&bela, &cili]).await;

    server
        .call::<KickMember>(
            anna.auth(),
            &(),
            &kick_req(id, &bela, true, Some("  spam  ")),
        )
        .await
        .unwrap();
    assert!(belas
        .drain()
        .await
        .contains(&ServerEvent::KickedFromCascade(CascadeRemoval {
            cascade_id: id.to_owned(),
            banned: true,
            reason: Some("spam".into()),
        })));

    // A kick names no reason, even when the moderator wrote one.
    server
        .call::<KickMember>(anna.auth(), &(), &kick_req(id, &cili, false, Some("noise")))
        .await
        .unwrap();
    assert!(cilis
        .drain()
        .await
        .contains(&ServerEvent::KickedFromCascade(CascadeRemoval {
            cascade_id: id.to_owned(),
            banned: false,
            reason: None,
        })));
}

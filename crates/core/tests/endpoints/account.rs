//! Account (rows 19 to 29; the push tokens of rows 17 and 18 are proven by a ring in
//! `calls.rs`): profile changes that partners see, sessions and logging one out, GIF saving, a
//! profile picture through a signed upload, new e-mail and phone proven by codes, deletion.

use chatenium_api::schemas::account::*;
use chatenium_api::schemas::auth::{
    ChallengeDataOverride, ChallengePurpose, FactorKind, IdentityQuery, RegisterAuthAttemptReq,
    UsernameQuery,
};
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::{
    ChangeDisplayName, ChangeEmail, ChangePhone, ChangeUsername, CompletePfpUpload, DeleteAccount,
    ErrorCode, FetchUserId, GetContacts, GetSessions, LogoutSession, RegisterPfpUpload,
    ToggleGifSave, UsernameAvailability,
};
use chatenium_core::session::SessionState;
use chatenium_core::ClientError;

use crate::common::coverage::{User, World};
use crate::common::wait_until;

/// What `viewer` sees of `user` in their contacts.
async fn seen_by(
    world: &World,
    viewer: &User,
    user: &User,
) -> chatenium_api::schemas::common::PublicUserData {
    world
        .rec
        .ok::<GetContacts>(&viewer.session, &(), &())
        .await
        .into_iter()
        .find(|c| c.user.userid == user.id())
        .expect("a contact")
        .user
}

pub async fn flow(world: &World) {
    let (api, rec) = (&world.api, &world.rec);
    let anna = world.user("acct.anna").await;
    let bela = world.user("acct.bela").await;
    world.befriend(&anna, &bela).await;

    // Rows 19 and 20: a new name frees the old one; the partner sees the new display name, and
    // so does his running client's chat list, live.
    let bela_client = world.client(&bela).await;
    rec.online(&bela_client).await;
    let mut events = bela_client.events();
    let changed = rec
        .ok::<ChangeUsername>(
            &anna.session,
            &(),
            &ChangeUsernameReq {
                username: "acct.anni".into(),
            },
        )
        .await;
    assert_eq!(changed.username, "acct.anni");
    let found = rec
        .sent::<FetchUserId>(
            api,
            &IdentityQuery {
                identity: "acct.anni".into(),
            },
            &(),
        )
        .await;
    assert_eq!(found.userid, anna.id());
    let old = rec
        .sent::<UsernameAvailability>(
            api,
            &UsernameQuery {
                username: anna.name.clone(),
            },
            &(),
        )
        .await;
    assert!(old.available);
    let changed = rec
        .ok::<ChangeDisplayName>(
            &anna.session,
            &(),
            &ChangeDisplayNameReq {
                display_name: "Anna Kovács".into(),
            },
        )
        .await;
    assert_eq!(changed.display_name, "Anna Kovács");
    let seen = seen_by(world, &bela, &anna).await;
    assert_eq!(
        (seen.username.as_str(), seen.display_name.as_str()),
        ("acct.anni", "Anna Kovács")
    );
    wait_until(&mut events, || async {
        let list = bela_client.chat_list().await.unwrap();
        list.iter()
            .any(|c| c.user.userid == anna.id() && c.user.display_name == "Anna Kovács")
    })
    .await;
    bela_client.shut_down().await;

    // Rows 23 and 24: a second device is listed; logged out from here, it is signed out.
    let phone = world
        .sign_in("acct.anni", &anna.password, "android")
        .await
        .unwrap();
    let phone = world.session(&phone).await;
    let sessions = rec.ok::<GetSessions>(&anna.session, &(), &()).await;
    assert_eq!(sessions.len(), 2);
    let current: Vec<&str> = sessions
        .iter()
        .filter(|s| s.current)
        .map(|s| s.os.as_str())
        .collect();
    assert_eq!(current, ["test"]);
    let other = sessions.iter().find(|s| !s.current).unwrap();
    assert_eq!(other.os, "android");
    rec.ok::<LogoutSession>(
        &anna.session,
        &(),
        &LogoutSessionReq {
            session_id: other.session_id.clone(),
        },
    )
    .await;
    assert_eq!(
        phone.call::<GetSessions>(&(), &()).await.unwrap_err(),
        ClientError::SignedOut
    );
    assert_eq!(*phone.state().borrow(), SessionState::Revoked);
    let left = rec.ok::<GetSessions>(&anna.session, &(), &()).await;
    assert_eq!(left.len(), 1);
    assert!(left[0].current);

    // Row 25: GIF saving is stored (no endpoint reads it back: the database does).
    let gif_save = "SELECT gif_save FROM users WHERE id = ?1";
    assert_eq!(world.number(gif_save, anna.id()), 1);
    for enabled in [false, true, false] {
        rec.ok::<ToggleGifSave>(&anna.session, &(), &ToggleGifReq { enabled })
            .await;
        assert_eq!(world.number(gif_save, anna.id()), i64::from(enabled));
    }

    // Rows 27, 28 and 29: a profile picture uploaded to its signed URL becomes the pfp, which
    // the partner sees and downloads intact.
    let picture: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let metadata = FileMetadata {
        name: "me.png".into(),
        size: picture.len() as u64,
        mime: "image/png".into(),
        width: Some(128),
        height: Some(128),
    };
    let uploads = rec
        .ok::<RegisterPfpUpload>(
            &anna.session,
            &(),
            &S3PresignedFileReq {
                files: vec![metadata],
            },
        )
        .await;
    let [upload] = uploads.as_slice() else {
        panic!("one upload URL: {uploads:?}");
    };
    rec.put_signed(api, &upload.upload_url, picture.clone())
        .await;
    let profile = rec
        .ok::<CompletePfpUpload>(
            &anna.session,
            &(),
            &CompletePfpUploadReq {
                file_id: upload.file_id.clone(),
            },
        )
        .await;
    let pfp = profile.pfp.expect("a profile picture");
    assert_eq!(api.get_signed(&pfp).await.unwrap(), picture);
    let seen = seen_by(world, &bela, &anna).await;
    let pfp = seen.pfp.expect("the partner sees the picture");
    assert_eq!(api.get_signed(&pfp).await.unwrap(), picture);

    // Row 22: a new address, proven by a code sent to it, replaces the old one.
    let new_email = "acct.anna.new@example.test";
    let challenge = crate::auth::prove(
        world,
        RegisterAuthAttemptReq {
            purpose: ChallengePurpose::ChangeEmail,
            identity: Some("acct.anni".into()),
            data_override: Some(ChallengeDataOverride {
                email: Some(new_email.into()),
                phone: None,
            }),
        },
        FactorKind::Email,
        new_email,
    )
    .await;
    rec.ok::<ChangeEmail>(
        &anna.session,
        &(),
        &ChangeEmailReq {
            email: new_email.into(),
            challenge_id: challenge.challenge_id.clone(),
        },
    )
    .await;
    let by_email = world.sign_in(new_email, &anna.password, "linux").await;
    assert_eq!(by_email.unwrap().userid, anna.id());
    let refused = world.sign_in(&anna.email, &anna.password, "linux").await;
    assert_eq!(refused.unwrap_err().code(), Some(ErrorCode::UserNotFound));

    // Row 26: a phone number proven by a texted code; the account is found by it.
    let phone_number = "+36301112233";
    let challenge = crate::auth::prove(
        world,
        RegisterAuthAttemptReq {
            purpose: ChallengePurpose::ChangePhone,
            identity: Some(new_email.into()),
            data_override: Some(ChallengeDataOverride {
                email: None,
                phone: Some(phone_number.into()),
            }),
        },
        FactorKind::Sms,
        phone_number,
    )
    .await;
    rec.ok::<ChangePhone>(
        &anna.session,
        &(),
        &ChangePhoneReq {
            phone: phone_number.into(),
            challenge_id: challenge.challenge_id.clone(),
        },
    )
    .await;
    let found = rec
        .sent::<FetchUserId>(
            api,
            &IdentityQuery {
                identity: phone_number.into(),
            },
            &(),
        )
        .await;
    assert_eq!(found.userid, anna.id());

    // Row 21: deletion needs the password; the account, its sessions and its chats go.
    rec.refused::<DeleteAccount>(
        &bela.session,
        &(),
        &DeleteAccountReq {
            password: Some("not-bela's-password".into()),
            challenge_id: None,
        },
        ErrorCode::InvalidCredentials,
    )
    .await;
    rec.ok::<DeleteAccount>(
        &bela.session,
        &(),
        &DeleteAccountReq {
            password: Some(bela.password.clone()),
            challenge_id: None,
        },
    )
    .await;
    let refused = world.sign_in(&bela.name, &bela.password, "linux").await;
    assert_eq!(refused.unwrap_err().code(), Some(ErrorCode::UserNotFound));
    assert_eq!(
        bela.session
            .call::<GetSessions>(&(), &())
            .await
            .unwrap_err(),
        ClientError::SignedOut
    );
    let contacts = rec.ok::<GetContacts>(&anna.session, &(), &()).await;
    assert!(
        contacts.iter().all(|c| c.user.userid != bela.id()),
        "the deleted partner is gone from the contacts: {contacts:?}"
    );
}

//! Account endpoints (rows 17 to 29 but 22, 26 and 28) over real HTTP and WebSocket.

mod common;

use chatenium_api::schemas::account::*;
use chatenium_api::schemas::auth::{SignInReq, SuccessfulAuthResp};
use chatenium_api::schemas::common::PublicUserData;
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::ws::{ChatRef, ServerEvent};
use chatenium_api::*;
use chatenium_server::clock::unix_now;
use common::{assert_refused, As, TestServer, User, PATIENCE};

fn sign_in_request(user: &User) -> SignInReq {
    SignInReq {
        identity: user.username.clone(),
        password: Some(user.password.clone()),
        challenge_id: None,
        os: "android".into(),
        language: "hu".into(),
    }
}

/// A second session of `user`.
async fn sign_in(server: &TestServer, user: &User) -> SuccessfulAuthResp {
    server
        .call::<SignIn>(As::default(), &(), &sign_in_request(user))
        .await
        .expect("sign-in")
}

fn with_token(auth: &SuccessfulAuthResp) -> As<'_> {
    As {
        token: Some(&auth.access_token),
        ws_id: None,
    }
}

#[tokio::test]
async fn every_account_endpoint_needs_a_token() {
    let server = TestServer::start().await;
    let token = RegisterFcmTokenReq { token: "t".into() };
    let unauthorized = ErrorCode::Unauthorized;
    let nobody = As::default();
    let forged = As {
        token: Some("not-a-token"),
        ws_id: None,
    };
    for who in [nobody, forged] {
        server
            .refused::<RegisterFcmToken>(who, &(), &token, unauthorized)
            .await;
        server
            .refused::<RegisterApnsToken>(
                who,
                &(),
                &RegisterApnsTokenReq { token: "t".into() },
                unauthorized,
            )
            .await;
        server
            .refused::<ChangeUsername>(
                who,
                &(),
                &ChangeUsernameReq {
                    username: "valid".into(),
                },
                unauthorized,
            )
            .await;
        server
            .refused::<ChangeDisplayName>(
                who,
                &(),
                &ChangeDisplayNameReq {
                    display_name: "x".into(),
                },
                unauthorized,
            )
            .await;
        server
            .refused::<DeleteAccount>(
                who,
                &(),
                &DeleteAccountReq {
                    password: Some("x".into()),
                    challenge_id: None,
                },
                unauthorized,
            )
            .await;
        server
            .refused::<GetSessions>(who, &(), &(), unauthorized)
            .await;
        server
            .refused::<LogoutSession>(
                who,
                &(),
                &LogoutSessionReq {
                    session_id: "s".into(),
                },
                unauthorized,
            )
            .await;
        server
            .refused::<ToggleGifSave>(who, &(), &ToggleGifReq { enabled: false }, unauthorized)
            .await;
        server
            .refused::<RegisterPfpUpload>(
                who,
                &(),
                &S3PresignedFileReq { files: vec![] },
                unauthorized,
            )
            .await;
        server
            .refused::<CompletePfpUpload>(
                who,
                &(),
                &CompletePfpUploadReq {
                    file_id: "f".into(),
                },
                unauthorized,
            )
            .await;
    }
}

#[tokio::test]
async fn push_tokens_are_kept_on_the_calling_session() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let phone = sign_in(&server, &anna).await;
    server
        .call::<RegisterFcmToken>(
            with_token(&phone),
            &(),
            &RegisterFcmTokenReq {
                token: "fcm-1".into(),
            },
        )
        .await
        .unwrap();
    server
        .call::<RegisterApnsToken>(
            anna.auth(),
            &(),
            &RegisterApnsTokenReq {
                token: "apns-1".into(),
            },
        )
        .await
        .unwrap();
    let with_fcm = "SELECT COUNT(*) FROM sessions WHERE fcm_token = 'fcm-1' AND os = ?1";
    assert_eq!(server.count(with_fcm, &["android"]).await, 1);
    assert_eq!(server.count(with_fcm, &["test"]).await, 0);
    let with_apns = "SELECT COUNT(*) FROM sessions WHERE apns_token = 'apns-1' AND os = ?1";
    assert_eq!(server.count(with_apns, &["test"]).await, 1);

    // The device moves to the other session: it is no longer the first one's.
    server
        .call::<RegisterFcmToken>(
            anna.auth(),
            &(),
            &RegisterFcmTokenReq {
                token: "fcm-1".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(server.count(with_fcm, &["android"]).await, 0);
    assert_eq!(server.count(with_fcm, &["test"]).await, 1);

    for bad in ["", "   ", "has space", &"x".repeat(5000)] {
        server
            .refused::<RegisterFcmToken>(
                anna.auth(),
                &(),
                &RegisterFcmTokenReq { token: bad.into() },
                ErrorCode::BadRequest,
            )
            .await;
    }
    let (status, _) = server
        .raw(
            reqwest::Method::POST,
            RegisterApnsToken::META.path,
            Some(&anna.token),
            b"{\"token\": 5}".to_vec(),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_profile_change_reaches_partners_and_other_connections_but_not_its_own() {
    let server = TestServer::start().await;
    let [anna, bela, carl] = server.users(["anna", "bela", "carl"]).await;
    server.befriend(&anna, &bela).await;
    let [mut anna_here, mut anna_there, mut bela_socket, mut carl_socket] =
        server.sockets([&anna, &anna, &bela, &carl]).await;

    let changed = server
        .call::<ChangeUsername>(
            anna.via(&anna_here),
            &(),
            &ChangeUsernameReq {
                username: "anna_k".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.userid, anna.userid);
    assert_eq!(changed.username, "anna_k");
    assert_eq!(changed.display_name, "anna display");
    let expected = vec![ServerEvent::ProfileChanged(changed.clone())];
    assert_eq!(bela_socket.drain().await, expected);
    assert_eq!(anna_there.drain().await, expected);
    assert_eq!(anna_here.drain().await, vec![]);
    assert_eq!(carl_socket.drain().await, vec![]);

    let renamed = server
        .call::<ChangeDisplayName>(
            anna.via(&anna_there),
            &(),
            &ChangeDisplayNameReq {
                display_name: "  Kovács Anna ".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.display_name, "Kovács Anna");
    assert_eq!(renamed.username, "anna_k");
    let expected = vec![ServerEvent::ProfileChanged(renamed.clone())];
    assert_eq!(bela_socket.drain().await, expected);
    assert_eq!(anna_here.drain().await, expected);
    assert_eq!(anna_there.drain().await, vec![]);

    // Naming someone else's connection in X-WS-ID does not keep the change from it.
    let meddling = As {
        token: Some(&anna.token),
        ws_id: Some(&bela_socket.conn_id),
    };
    let again = server
        .call::<ChangeDisplayName>(
            meddling,
            &(),
            &ChangeDisplayNameReq {
                display_name: "Anna".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        bela_socket.drain().await,
        vec![ServerEvent::ProfileChanged(again)]
    );
    assert_eq!(carl_socket.drain().await, vec![]);
}

#[tokio::test]
async fn usernames_and_display_names_are_checked() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    server.register("bela").await;
    let username = |name: &str| ChangeUsernameReq {
        username: name.into(),
    };
    for (name, code) in [
        ("bela", ErrorCode::UsernameTaken),
        ("BELA", ErrorCode::UsernameTaken),
        ("x", ErrorCode::InvalidUsername),
        ("has space", ErrorCode::InvalidUsername),
        ("<script>", ErrorCode::InvalidUsername),
    ] {
        server
            .refused::<ChangeUsername>(anna.auth(), &(), &username(name), code)
            .await;
    }
    // Only the case of one's own name may change too.
    let changed = server
        .call::<ChangeUsername>(anna.auth(), &(), &username("Anna"))
        .await
        .unwrap();
    assert_eq!(changed.username, "Anna");
    for bad in ["", "   ", "tab\there", &"x".repeat(65)] {
        server
            .refused::<ChangeDisplayName>(
                anna.auth(),
                &(),
                &ChangeDisplayNameReq {
                    display_name: bad.into(),
                },
                ErrorCode::InvalidDisplayName,
            )
            .await;
    }
    let (status, _) = server
        .raw(
            reqwest::Method::PATCH,
            ChangeUsername::META.path,
            Some(&anna.token),
            b"{\"name\": \"x\"}".to_vec(),
        )
        .await;
    assert_eq!(status, 400);
    // The new name signs in.
    let renamed = User {
        username: "anna".into(), // Usernames compare without case.
        ..anna.clone()
    };
    assert_eq!(sign_in(&server, &renamed).await.user.username, "Anna");
}

#[tokio::test]
async fn a_logged_out_session_stops_at_once_and_the_other_keeps_working() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let phone = sign_in(&server, &anna).await;
    let mut phone_socket = server.socket(&phone.access_token).await;
    let mut desk_socket = server.socket(&anna.token).await;

    let sessions = server
        .call::<GetSessions>(anna.auth(), &(), &())
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    let current: Vec<&SessionV3> = sessions.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].os, "test");
    let phone_session = sessions.iter().find(|s| !s.current).unwrap();
    assert_eq!(
        (phone_session.os.as_str(), phone_session.language.as_str()),
        ("android", "hu")
    );
    assert!(
        phone_session.created_at <= unix_now()
            && phone_session.last_active >= phone_session.created_at
    );
    let from_phone = server
        .call::<GetSessions>(with_token(&phone), &(), &())
        .await
        .unwrap();
    assert_eq!(
        from_phone.iter().find(|s| s.current).unwrap().session_id,
        phone_session.session_id
    );

    // Another user's session, or one that does not exist, is not found.
    let logout = |session_id: &str| LogoutSessionReq {
        session_id: session_id.into(),
    };
    server
        .refused::<LogoutSession>(
            bela.auth(),
            &(),
            &logout(&phone_session.session_id),
            ErrorCode::NotFound,
        )
        .await;
    server
        .refused::<LogoutSession>(anna.auth(), &(), &logout("nope"), ErrorCode::NotFound)
        .await;
    assert_eq!(phone_socket.drain().await, vec![]);

    server
        .call::<LogoutSession>(anna.auth(), &(), &logout(&phone_session.session_id))
        .await
        .unwrap();
    assert_eq!(phone_socket.next_event().await, ServerEvent::SessionRevoked);
    let after = tokio::time::timeout(PATIENCE, phone_socket.read())
        .await
        .unwrap();
    assert_eq!(after, None, "the revoked connection is closed");
    server
        .refused::<GetSessions>(with_token(&phone), &(), &(), ErrorCode::Unauthorized)
        .await;
    // Its refresh token went with it too.
    assert_eq!(
        server
            .count(
                "SELECT COUNT(*) FROM tokens WHERE session_id = ?1",
                &[&phone_session.session_id]
            )
            .await,
        0
    );

    // The desk session is untouched.
    assert_eq!(desk_socket.drain().await, vec![]);
    let left = server
        .call::<GetSessions>(anna.auth(), &(), &())
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].current);

    // Logging out the current session ends the caller's own tokens.
    server
        .call::<LogoutSession>(anna.auth(), &(), &logout(&left[0].session_id))
        .await
        .unwrap();
    assert_eq!(desk_socket.next_event().await, ServerEvent::SessionRevoked);
    server
        .refused::<GetSessions>(anna.auth(), &(), &(), ErrorCode::Unauthorized)
        .await;
}

#[tokio::test]
async fn gif_saving_is_toggled() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let saving = "SELECT gif_save FROM users WHERE id = ?1";
    assert_eq!(server.count(saving, &[&anna.userid]).await, 1);
    for enabled in [false, true, false] {
        server
            .call::<ToggleGifSave>(anna.auth(), &(), &ToggleGifReq { enabled })
            .await
            .unwrap();
        assert_eq!(
            server.count(saving, &[&anna.userid]).await,
            i64::from(enabled)
        );
    }
    let (status, _) = server
        .raw(
            reqwest::Method::PATCH,
            ToggleGifSave::META.path,
            Some(&anna.token),
            b"{\"enabled\": \"yes\"}".to_vec(),
        )
        .await;
    assert_eq!(status, 400);
}

fn image(size: u64) -> FileMetadata {
    FileMetadata {
        name: "me.png".into(),
        size,
        mime: "image/png".into(),
        width: Some(64),
        height: Some(64),
    }
}

#[tokio::test]
async fn an_uploaded_profile_picture_becomes_the_pfp_and_is_announced() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    server.befriend(&anna, &bela).await;
    let [mut anna_socket, mut bela_socket] = server.sockets([&anna, &bela]).await;

    let register = |files: Vec<FileMetadata>| S3PresignedFileReq { files };
    let pdf = FileMetadata {
        mime: "application/pdf".into(),
        ..image(10)
    };
    for (files, code) in [
        (vec![], ErrorCode::BadRequest),
        (vec![image(10), image(10)], ErrorCode::BadRequest),
        (vec![pdf], ErrorCode::BadRequest),
        (vec![image(0)], ErrorCode::BadRequest),
        (vec![image(10 * 1024 * 1024 + 1)], ErrorCode::UploadTooLarge),
    ] {
        server
            .refused::<RegisterPfpUpload>(anna.auth(), &(), &register(files), code)
            .await;
    }

    let picture: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let upload = server
        .call::<RegisterPfpUpload>(
            anna.auth(),
            &(),
            &register(vec![image(picture.len() as u64)]),
        )
        .await
        .unwrap();
    assert_eq!(upload.len(), 1);
    let complete = CompletePfpUploadReq {
        file_id: upload[0].file_id.clone(),
    };
    server
        .refused::<CompletePfpUpload>(anna.auth(), &(), &complete, ErrorCode::UploadIncomplete)
        .await;
    server
        .put_bytes(&upload[0].upload_url, picture.clone())
        .await
        .unwrap();
    server
        .refused::<CompletePfpUpload>(bela.auth(), &(), &complete, ErrorCode::UploadNotFound)
        .await;

    let profile = server
        .call::<CompletePfpUpload>(anna.via(&anna_socket), &(), &complete)
        .await
        .unwrap();
    let pfp = profile.pfp.clone().expect("a profile picture URL");
    assert_eq!(server.get_bytes(&pfp).await.unwrap(), picture);
    assert_eq!(
        server
            .count(
                "SELECT COUNT(*) FROM users WHERE pfp_file_id = ?1",
                &[&upload[0].file_id]
            )
            .await,
        1
    );
    let announced = bela_socket.drain().await;
    let [ServerEvent::ProfileChanged(seen)] = announced.as_slice() else {
        panic!("bela saw {announced:?}");
    };
    assert_eq!(seen.userid, anna.userid);
    assert!(seen.pfp.is_some());
    assert_eq!(anna_socket.drain().await, vec![]);

    // A sign-in shows the new picture too.
    let signed_in = sign_in(&server, &anna).await;
    let shown = signed_in.user.pfp.expect("a profile picture URL");
    assert_eq!(server.get_bytes(&shown).await.unwrap(), picture);
}

#[tokio::test]
async fn a_non_image_upload_cannot_become_the_pfp() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let upload = server
        .call::<RegisterAttachmentUploads>(
            anna.auth(),
            &(),
            &S3PresignedFileReq {
                files: vec![FileMetadata {
                    mime: "text/plain".into(),
                    ..image(4)
                }],
            },
        )
        .await
        .unwrap();
    server
        .put_bytes(&upload[0].upload_url, b"text".to_vec())
        .await
        .unwrap();
    let complete = CompletePfpUploadReq {
        file_id: upload[0].file_id.clone(),
    };
    server
        .refused::<CompletePfpUpload>(anna.auth(), &(), &complete, ErrorCode::BadRequest)
        .await;
    let profile: PublicUserData = server
        .call::<ChangeDisplayName>(
            anna.auth(),
            &(),
            &ChangeDisplayNameReq {
                display_name: "Anna".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(profile.pfp, None);
}

#[tokio::test]
async fn deleting_an_account_takes_the_user_its_files_and_its_sessions() {
    let server = TestServer::start_with(|config| config.multipart_part_size = 1024).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let chatid = server.befriend(&anna, &bela).await;

    // A complete upload and a multipart one with a part sent.
    let single = server
        .call::<RegisterAttachmentUploads>(
            anna.auth(),
            &(),
            &S3PresignedFileReq {
                files: vec![image(100)],
            },
        )
        .await
        .unwrap()
        .remove(0);
    server
        .put_bytes(&single.upload_url, vec![7; 100])
        .await
        .unwrap();
    let attachment = server
        .call::<CompleteAttachmentUpload>(
            anna.auth(),
            &(),
            &chatenium_api::schemas::upload::CompleteUploadReq {
                file_id: single.file_id.clone(),
            },
        )
        .await
        .unwrap();
    let multi = server
        .call::<RegisterMultipartUpload>(
            anna.auth(),
            &(),
            &chatenium_api::schemas::upload::S3MultipartUploadReq { file: image(3000) },
        )
        .await
        .unwrap();
    server
        .put_bytes(&multi.parts[0].upload_url, vec![1; 1024])
        .await
        .unwrap();
    let storage = &server.server.state().storage;
    assert!(storage.file_path(&single.file_id).exists());
    assert!(storage.part_path(&multi.file_id, 1).exists());

    let phone = sign_in(&server, &anna).await;
    let mut anna_socket = server.socket(&anna.token).await;
    let mut phone_socket = server.socket(&phone.access_token).await;
    let mut bela_socket = server.socket(&bela.token).await;

    let delete = |password: Option<&str>, challenge_id: Option<&str>| DeleteAccountReq {
        password: password.map(str::to_owned),
        challenge_id: challenge_id.map(str::to_owned),
    };
    for (body, code) in [
        (
            delete(Some("wrong-password"), None),
            ErrorCode::InvalidCredentials,
        ),
        (delete(None, None), ErrorCode::PasswordRequired),
        (
            delete(None, Some("no-such-challenge")),
            ErrorCode::ChallengeNotFound,
        ),
    ] {
        server
            .refused::<DeleteAccount>(anna.auth(), &(), &body, code)
            .await;
    }
    assert_eq!(bela_socket.drain().await, vec![]);

    server
        .call::<DeleteAccount>(anna.auth(), &(), &delete(Some(&anna.password), None))
        .await
        .unwrap();

    // Every session is told and closed; the partner loses the chat.
    for socket in [&mut anna_socket, &mut phone_socket] {
        assert_eq!(socket.next_event().await, ServerEvent::SessionRevoked);
        assert_eq!(
            tokio::time::timeout(PATIENCE, socket.read()).await.unwrap(),
            None
        );
    }
    assert_eq!(
        bela_socket.drain().await,
        vec![ServerEvent::ContactDeleted(ChatRef {
            chatid: chatid.clone()
        })]
    );
    server
        .refused::<SignIn>(
            As::default(),
            &(),
            &sign_in_request(&anna),
            ErrorCode::UserNotFound,
        )
        .await;
    for token in [&anna.token, &phone.access_token] {
        let who = As {
            token: Some(token),
            ws_id: None,
        };
        server
            .refused::<GetSessions>(who, &(), &(), ErrorCode::Unauthorized)
            .await;
    }

    // Its rows and bytes are gone.
    for table in ["files", "sessions"] {
        let query = format!(
            "SELECT COUNT(*) FROM {table} WHERE {} = ?1",
            if table == "files" { "owner" } else { "user_id" }
        );
        assert_eq!(server.count(&query, &[&anna.userid]).await, 0, "{table}");
    }
    assert_eq!(
        server
            .count("SELECT COUNT(*) FROM chats WHERE id = ?1", &[&chatid])
            .await,
        0
    );
    assert!(!storage.file_path(&single.file_id).exists());
    assert!(!storage.part_path(&multi.file_id, 1).exists());
    assert_refused(
        server.get_bytes(&attachment.path).await,
        ErrorCode::NotFound,
    );

    // The partner keeps working, and the name is free again.
    assert_eq!(
        server
            .call::<GetSessions>(bela.auth(), &(), &())
            .await
            .unwrap()
            .len(),
        1
    );
    server.register("anna").await;
}

/// Writes a `deleteAccount` challenge whose one factor is verified. Setup only: the challenge
/// endpoints are another change's; this change only spends challenges.
async fn verified_challenge(server: &TestServer, user: &User, purpose: &str) -> String {
    let id = format!("challenge{}{purpose}", user.username);
    server
        .execute(
            "INSERT INTO challenges (id, purpose, user_id, required, created_at, expires_at) VALUES (?1, ?2, ?3, 1, ?4, ?5)",
            &[
                &id,
                purpose,
                &user.userid,
                &unix_now().to_string(),
                &(unix_now() + 600).to_string(),
            ],
        )
        .await;
    server
        .execute(
            "INSERT INTO challenge_factors (challenge_id, kind, target, verified) VALUES (?1, 'email', ?2, 1)",
            &[&id, &user.email],
        )
        .await;
    id
}

#[tokio::test]
async fn a_passwordless_account_is_deleted_with_its_own_challenge() {
    let server = TestServer::start().await;
    let [carl, dora] = server.users(["carl", "dora"]).await;
    // Setup: passwordless registration is another change's, so the password is taken away here.
    server
        .execute(
            "UPDATE users SET password_hash = NULL WHERE id = ?1",
            &[&carl.userid],
        )
        .await;
    let doras = verified_challenge(&server, &dora, "deleteAccount").await;
    let sign_in_purpose = verified_challenge(&server, &carl, "signIn").await;
    let carls = verified_challenge(&server, &carl, "deleteAccount").await;

    let delete = |password: Option<&str>, challenge_id: Option<&str>| DeleteAccountReq {
        password: password.map(str::to_owned),
        challenge_id: challenge_id.map(str::to_owned),
    };
    for (body, code) in [
        (
            delete(Some(&carl.password), None),
            ErrorCode::PasswordlessAccount,
        ),
        (delete(None, None), ErrorCode::BadRequest),
        (delete(None, Some(&doras)), ErrorCode::ChallengeNotFound),
        (
            delete(None, Some(&sign_in_purpose)),
            ErrorCode::ChallengeNotFound,
        ),
    ] {
        server
            .refused::<DeleteAccount>(carl.auth(), &(), &body, code)
            .await;
    }
    server
        .call::<DeleteAccount>(carl.auth(), &(), &delete(None, Some(&carls)))
        .await
        .unwrap();
    assert_eq!(
        server
            .count("SELECT COUNT(*) FROM users WHERE id = ?1", &[&carl.userid])
            .await,
        0
    );
    assert_eq!(
        server
            .count("SELECT COUNT(*) FROM users WHERE id = ?1", &[&dora.userid])
            .await,
        1
    );
}

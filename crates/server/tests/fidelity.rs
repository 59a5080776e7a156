//! What the real service's clients send that our surface also takes (issue 18): the
//! WebSocket's `access_token`, one-time codes sent as integers, and `messageId` for `msgid`.

mod common;

use chatenium_api::schemas::auth::{
    ChallengePurpose, FactorKind, RegisterAuthAttemptReq, RequestFactorCredentialReq, SignInReq,
    VerifyFactorReq,
};
use chatenium_api::schemas::dm::Message;
use chatenium_api::ws::ServerEvent;
use chatenium_api::{
    DmEditMessage, Endpoint, RegisterChallenge, RequestFactorCredential, SignIn, VerifyFactor,
};
use common::{As, Socket, TestServer};
use sha2::{Digest, Sha256};

#[tokio::test]
async fn the_socket_takes_the_token_as_access_token_too() {
    let server = TestServer::start().await;
    let [anna] = server.users(["anna"]).await;
    let url = format!(
        "{}{}?access_token={}",
        server.server.base_url.replacen("http", "ws", 1),
        chatenium_api::WsUpgrade::META.path,
        anna.token
    );
    let (stream, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("WebSocket upgrade with access_token");
    let mut socket = Socket {
        stream,
        conn_id: String::new(),
    };
    assert!(matches!(
        socket.next_event().await,
        ServerEvent::ConnectionId(_)
    ));
    // Ours still works.
    let mut ours = server.socket(&anna.token).await;
    assert!(!ours.conn_id.is_empty());
    assert!(ours.drain().await.is_empty());
}

#[tokio::test]
async fn a_code_sent_as_an_integer_matches_once_zero_padded() {
    let server = TestServer::start().await;
    let [anna] = server.users(["anna"]).await;
    let challenge = server
        .call::<RegisterChallenge>(
            As::default(),
            &(),
            &RegisterAuthAttemptReq {
                purpose: ChallengePurpose::SignIn,
                identity: Some("anna".into()),
                data_override: None,
            },
        )
        .await
        .unwrap();
    server
        .call::<RequestFactorCredential>(
            As::default(),
            &(),
            &RequestFactorCredentialReq {
                challenge_id: challenge.challenge_id.clone(),
                kind: FactorKind::Email,
            },
        )
        .await
        .unwrap();
    assert_eq!(server.secret_sent_to(&anna.email).len(), 6);
    // Codes are random; this one is made to start with zeros, as one in ten does.
    let hash = hex::encode(Sha256::digest(b"004207"));
    server
        .sql(&format!(
            "UPDATE challenge_factors SET code_hash = '{hash}' WHERE challenge_id = '{}'",
            challenge.challenge_id
        ))
        .await;
    let verify = |credential: &str| VerifyFactorReq {
        challenge_id: challenge.challenge_id.clone(),
        kind: FactorKind::Email,
        credential: credential.to_owned(),
    };
    let verified = server
        .call::<VerifyFactor>(As::default(), &(), &verify("4207"))
        .await
        .expect("4207 is 004207");
    assert!(verified.complete);
    let signed_in = server
        .call::<SignIn>(
            As::default(),
            &(),
            &SignInReq {
                identity: "anna".into(),
                password: None,
                challenge_id: Some(challenge.challenge_id.clone()),
                os: "test".into(),
                language: "en".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(signed_in.userid, anna.userid);
}

#[tokio::test]
async fn a_wrong_short_code_is_still_wrong() {
    let server = TestServer::start().await;
    server.users(["anna"]).await;
    let challenge = server
        .call::<RegisterChallenge>(
            As::default(),
            &(),
            &RegisterAuthAttemptReq {
                purpose: ChallengePurpose::SignIn,
                identity: Some("anna".into()),
                data_override: None,
            },
        )
        .await
        .unwrap();
    server
        .call::<RequestFactorCredential>(
            As::default(),
            &(),
            &RequestFactorCredentialReq {
                challenge_id: challenge.challenge_id.clone(),
                kind: FactorKind::Email,
            },
        )
        .await
        .unwrap();
    let hash = hex::encode(Sha256::digest(b"004207"));
    server
        .sql(&format!(
            "UPDATE challenge_factors SET code_hash = '{hash}' WHERE challenge_id = '{}'",
            challenge.challenge_id
        ))
        .await;
    let refused = server
        .call::<VerifyFactor>(
            As::default(),
            &(),
            &VerifyFactorReq {
                challenge_id: challenge.challenge_id.clone(),
                kind: FactorKind::Email,
                credential: "42070".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, chatenium_api::ErrorCode::InvalidCode);
}

#[tokio::test]
async fn an_edit_names_its_message_as_message_id_too() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let chatid = server.befriend(&anna, &bela).await;
    let sent = server.send_text(anna.auth(), &chatid, "first").await;
    let body = serde_json::json!({
        "chatid": chatid,
        "messageId": sent.msgid,
        "message": "edited",
    });
    let (status, answer) = server
        .raw(
            reqwest::Method::PATCH,
            DmEditMessage::META.path,
            Some(&anna.token),
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let edited: Message = serde_json::from_slice(&answer).unwrap();
    assert_eq!(
        (edited.msgid, edited.message),
        (sent.msgid, "edited".into())
    );
}

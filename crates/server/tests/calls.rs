//! Calls (rows 30 and 31) over real HTTP and WebSocket: access for chat members only, with a
//! LiveKit token checked by LiveKit's own verifier and TURN credentials proven on a real coturn;
//! ringing the partner live and by push; a ring ending unanswered, and a ring answered by the
//! partner joining. Then call signaling (rows 98 to 101, an extension of the index): answering
//! on one device stops the others ringing, only the two parties signal, each on its side, and
//! declining, busy, cancelling and hanging up end the call with their reason.

mod common;

use chatenium_api::schemas::account::{RegisterApnsTokenReq, RegisterFcmTokenReq};
use chatenium_api::schemas::call::{
    CallAccessQuery, CallEndReason, CallRef, CallSignal, CallSignalReq, DeclineCallReq,
    GetAccessResp, InvitePartnerReq,
};
use chatenium_api::schemas::contacts::SetMuteReq;
use chatenium_api::ws::{CallEnd, CallSignalEvent, IncomingCall, ServerEvent};
use chatenium_api::{
    AnswerCall, DeclineCall, Endpoint, ErrorCode, GetCallAccess, HangUpCall, InvitePartner,
    MuteContact, RegisterApnsToken, RegisterFcmToken, SendCallSignal,
};
use chatenium_server::push::PushService;
use common::coturn::Coturn;
use common::{As, TestServer, User};
use livekit_api::access_token::TokenVerifier;

const LIVEKIT_URL: &str = "ws://127.0.0.1:7881";
const LIVEKIT_KEY: &str = "chatenium-test-key";
const LIVEKIT_SECRET: &str = "chatenium-test-secret-of-enough-length";

/// A server with its own LiveKit key and the given ring timeout.
async fn server_with(ring_timeout_secs: u64) -> TestServer {
    TestServer::start_with(|config| {
        config.calls.livekit_url = LIVEKIT_URL.into();
        config.calls.livekit_api_key = LIVEKIT_KEY.into();
        config.calls.livekit_api_secret = LIVEKIT_SECRET.into();
        config.calls.ring_timeout_secs = ring_timeout_secs;
    })
    .await
}

fn chat(chatid: &str) -> CallAccessQuery {
    CallAccessQuery {
        chatid: chatid.to_owned(),
    }
}

fn invite(chatid: &str) -> InvitePartnerReq {
    InvitePartnerReq {
        chatid: chatid.to_owned(),
    }
}

/// Whether a ring of `chatid` is going: read from the server's database, since a ring that
/// ended without an event leaves nothing else to observe.
async fn ringing(server: &TestServer, chatid: &str) -> bool {
    let chatid = chatid.to_owned();
    server
        .server
        .state()
        .db
        .call(move |c| {
            let sql = "SELECT EXISTS (SELECT 1 FROM call_rings WHERE chat_id = ?1)";
            Ok(c.query_row(sql, [chatid], |row| row.get(0))?)
        })
        .await
        .expect("the rings")
}

async fn access(server: &TestServer, who: &User, chatid: &str) -> GetAccessResp {
    server
        .call::<GetCallAccess>(who.auth(), &chat(chatid), &())
        .await
        .expect("call access")
}

#[tokio::test]
async fn members_get_a_livekit_token_for_the_chats_room() {
    let server = server_with(45).await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let chatid = server.befriend(&anna, &bela).await;
    server.befriend(&anna, &cili).await;
    let verifier = TokenVerifier::with_api_key(LIVEKIT_KEY, LIVEKIT_SECRET);

    for member in [&anna, &bela] {
        let granted = access(&server, member, &chatid).await;
        assert_eq!(granted.livekit_url, LIVEKIT_URL);
        // Nothing configured: no STUN, no TURN.
        assert!(granted.rtc.ice_servers.is_empty());
        let claims = verifier
            .verify(&granted.livekit_token)
            .expect("LiveKit accepts the token");
        assert_eq!(claims.iss, LIVEKIT_KEY);
        assert_eq!(claims.sub, member.userid);
        assert_eq!(claims.name, format!("{} display", member.username));
        assert_eq!(claims.video.room, chatid);
        assert!(claims.video.room_join);
        assert!(claims.video.can_publish() && claims.video.can_subscribe());
        assert!(!claims.video.room_admin && !claims.video.room_create);
        let lifetime = claims.exp as i64 - chatenium_server::clock::unix_now();
        assert!((5 * 3600..=6 * 3600).contains(&lifetime), "{lifetime}");
        // Signed with the configured secret only.
        let impostor = TokenVerifier::with_api_key(LIVEKIT_KEY, "another-secret-entirely");
        assert!(impostor.verify(&granted.livekit_token).is_err());
    }

    // cili is anna's contact, not a member of this chat.
    let refused = ErrorCode::NotFound;
    server
        .refused::<GetCallAccess>(cili.auth(), &chat(&chatid), &(), refused)
        .await;
    server
        .refused::<GetCallAccess>(anna.auth(), &chat("000000000000000000000000"), &(), refused)
        .await;
    server
        .refused::<GetCallAccess>(As::default(), &chat(&chatid), &(), ErrorCode::Unauthorized)
        .await;
    let (status, _) = server
        .raw(
            reqwest::Method::GET,
            GetCallAccess::META.path,
            Some(&anna.token),
            Vec::new(),
        )
        .await;
    assert_eq!(status, ErrorCode::BadRequest.status(), "no chatid");
}

#[tokio::test]
async fn inviting_rings_the_partner_live_and_on_their_devices() {
    let server = server_with(45).await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let chatid = server.befriend(&anna, &bela).await;
    server.befriend(&anna, &cili).await;
    // bela has a phone (FCM) signed in and a tablet (APNS) on another session.
    server
        .call::<RegisterFcmToken>(
            bela.auth(),
            &(),
            &RegisterFcmTokenReq {
                token: "bela-phone".into(),
            },
        )
        .await
        .unwrap();
    let tablet = server
        .sign_in(&bela.username, &bela.password)
        .await
        .unwrap()
        .access_token;
    server
        .call::<RegisterApnsToken>(
            As {
                token: Some(&tablet),
                ws_id: None,
            },
            &(),
            &RegisterApnsTokenReq {
                token: "bela-tablet".into(),
            },
        )
        .await
        .unwrap();
    let mut anna_sockets = server.sockets([&anna, &anna]).await;
    let mut bela_sockets = [
        server.socket(&bela.token).await,
        server.socket(&tablet).await,
    ];
    let mut cili_socket = server.socket(&cili.token).await;

    server
        .call::<InvitePartner>(anna.via(&anna_sockets[0]), &(), &invite(&chatid))
        .await
        .unwrap();
    let mut rings = Vec::new();
    for socket in &mut bela_sockets {
        let events = socket.drain().await;
        let [ServerEvent::IncomingCall(ring)] = events.as_slice() else {
            panic!("one incomingCall, got {events:?}");
        };
        rings.push(ring.clone());
    }
    let ring = rings[0].clone();
    assert_eq!(rings[1], ring);
    assert_eq!(ring.chatid, chatid);
    assert_eq!(ring.from.userid, anna.userid);
    assert_eq!(ring.from.display_name, "anna display");
    assert!(ring.rang_at.t <= chatenium_server::clock::unix_now());
    for socket in anna_sockets.iter_mut().chain([&mut cili_socket]) {
        assert_eq!(socket.drain().await, vec![], "only the partner is rung");
    }

    // One push to each of bela's devices, carrying the same event.
    let pushes = server.server.pushes().expect("the local push outbox");
    let phone = pushes.pushes_to("bela-phone");
    let tablet_pushes = pushes.pushes_to("bela-tablet");
    assert_eq!((phone.len(), tablet_pushes.len()), (1, 1));
    assert_eq!(pushes.all().len(), 2, "nobody else was pushed to");
    assert_eq!(phone[0].service, PushService::Fcm);
    assert_eq!(tablet_pushes[0].service, PushService::Apns);
    for push in [&phone[0], &tablet_pushes[0]] {
        assert_eq!(push.message.userid, bela.userid);
        assert_eq!(push.message.title, "anna display");
        let event = ServerEvent::from_frame(&push.message.frame).expect("a known event");
        assert_eq!(event, ServerEvent::IncomingCall(ring.clone()));
        assert_eq!(
            push.message.frame.sender.as_deref(),
            Some(anna.userid.as_str())
        );
    }

    // Only members of the chat may ring in it.
    let refused = ErrorCode::NotChatPartner;
    server
        .refused::<InvitePartner>(cili.auth(), &(), &invite(&chatid), refused)
        .await;
    server
        .refused::<InvitePartner>(
            anna.auth(),
            &(),
            &invite("000000000000000000000000"),
            refused,
        )
        .await;
    let malformed = server
        .raw(
            reqwest::Method::POST,
            InvitePartner::META.path,
            Some(&anna.token),
            br#"{"chatid": 7}"#.to_vec(),
        )
        .await;
    assert_eq!(malformed.0, ErrorCode::BadRequest.status());

    // Muted: the ring still reaches bela's open apps, but no device is woken.
    server
        .call::<MuteContact>(
            bela.auth(),
            &(),
            &SetMuteReq {
                chatid: chatid.clone(),
                muted: true,
            },
        )
        .await
        .unwrap();
    server
        .call::<InvitePartner>(anna.auth(), &(), &invite(&chatid))
        .await
        .unwrap();
    let events = bela_sockets[1].drain().await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ServerEvent::IncomingCall(r) if r.chatid == chatid)),
        "{events:?}"
    );
    assert_eq!(pushes.all().len(), 2, "no push while muted");
    assert_eq!(cili_socket.drain().await, vec![]);
}

#[tokio::test]
async fn a_ring_nobody_answers_ends_for_both_members() {
    let server = server_with(1).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let chatid = server.befriend(&anna, &bela).await;
    let [mut anna_socket, mut bela_socket] = server.sockets([&anna, &bela]).await;

    server
        .call::<InvitePartner>(anna.auth(), &(), &invite(&chatid))
        .await
        .unwrap();
    // The caller joining the room herself does not answer her own ring.
    access(&server, &anna, &chatid).await;
    assert!(matches!(
        bela_socket.next_event().await,
        ServerEvent::IncomingCall(IncomingCall { chatid: rung, .. }) if rung == chatid
    ));
    // The wait for the ring's end: each member's next event is it.
    let ended = ServerEvent::CallEnded(CallEnd {
        chatid: chatid.clone(),
        reason: Some(CallEndReason::Missed),
    });
    assert_eq!(anna_socket.next_event().await, ended);
    assert_eq!(bela_socket.next_event().await, ended);
    assert_eq!(anna_socket.drain().await, vec![], "it ends once");
    assert_eq!(bela_socket.drain().await, vec![]);
    assert!(!ringing(&server, &chatid).await);
}

/// Whether an answered ring would end is not waited for: the ring's timer ends only a ring
/// still in the database (see `a_ring_nobody_answers_ends_for_both_members`), and answering
/// removes it. The default timeout keeps this test free of any race with the timer.
#[tokio::test]
async fn the_partner_joining_answers_the_ring() {
    let server = server_with(45).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let chatid = server.befriend(&anna, &bela).await;

    server
        .call::<InvitePartner>(anna.auth(), &(), &invite(&chatid))
        .await
        .unwrap();
    assert!(ringing(&server, &chatid).await);
    // The caller's own access joins her to the room but answers nothing.
    access(&server, &anna, &chatid).await;
    assert!(ringing(&server, &chatid).await);
    access(&server, &bela, &chatid).await;
    assert!(!ringing(&server, &chatid).await, "bela joined");

    // bela rings back: anna answers the same way.
    server
        .call::<InvitePartner>(bela.auth(), &(), &invite(&chatid))
        .await
        .unwrap();
    assert!(ringing(&server, &chatid).await);
    access(&server, &anna, &chatid).await;
    assert!(!ringing(&server, &chatid).await, "anna joined");
}

#[tokio::test]
async fn turn_credentials_from_call_access_allocate_a_relay_on_coturn() {
    let coturn = Coturn::start("chatenium-turn-test-secret").await;
    let stun = format!("stun:127.0.0.1:{}", coturn.port);
    let server = TestServer::start_with(|config| {
        config.calls.stun_urls = vec![stun.clone()];
        config.calls.turn_urls = vec![coturn.url()];
        config.calls.turn_secret = Some(coturn.secret.clone());
    })
    .await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let chatid = server.befriend(&anna, &bela).await;

    let granted = access(&server, &anna, &chatid).await;
    let [stun_server, turn] = granted.rtc.ice_servers.as_slice() else {
        panic!("{:?}", granted.rtc);
    };
    assert_eq!(stun_server.urls, vec![stun]);
    assert_eq!(turn.urls, vec![coturn.url()]);
    let username = turn.username.clone().expect("a TURN username");
    let credential = turn.credential.clone().expect("a TURN credential");
    assert!(
        username.ends_with(&format!(":{}", anna.userid)),
        "{username}"
    );

    let allocation = coturn.allocate(&username, &credential).await;
    assert!(
        allocation.succeeded,
        "uclient: {}\ncoturn: {}",
        allocation.output,
        coturn.log()
    );

    // A wrong credential, and anna's credential under bela's name, are refused.
    let wrong = coturn.allocate(&username, "d3JvbmcgY3JlZGVudGlhbA==").await;
    assert!(!wrong.succeeded, "{}", wrong.output);
    let expiry = username.split(':').next().unwrap_or_default();
    let borrowed = coturn
        .allocate(&format!("{expiry}:{}", bela.userid), &credential)
        .await;
    assert!(!borrowed.succeeded, "{}", borrowed.output);
    drop(coturn);
}

// ---- Call signaling (rows 98 to 101, an extension of the index) ----

fn call_ref(chatid: &str) -> CallRef {
    CallRef {
        chatid: chatid.to_owned(),
    }
}

fn decline(chatid: &str, busy: bool) -> DeclineCallReq {
    DeclineCallReq {
        chatid: chatid.to_owned(),
        busy,
    }
}

fn signal(chatid: &str, signal: CallSignal) -> CallSignalReq {
    CallSignalReq {
        chatid: chatid.to_owned(),
        signal,
    }
}

fn offer() -> CallSignal {
    CallSignal::Offer {
        sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n".into(),
    }
}

fn answer() -> CallSignal {
    CallSignal::Answer {
        sdp: "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n".into(),
    }
}

fn candidate() -> CallSignal {
    CallSignal::Candidate {
        candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: Some("abcd".into()),
    }
}

fn ended(chatid: &str, reason: CallEndReason) -> ServerEvent {
    ServerEvent::CallEnded(CallEnd {
        chatid: chatid.to_owned(),
        reason: Some(reason),
    })
}

#[tokio::test]
async fn an_answered_call_is_signaled_between_its_parties_only() {
    let server = server_with(45).await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let chatid = server.befriend(&anna, &bela).await;
    server.befriend(&bela, &cili).await;
    // anna's one connection, bela's two devices, cili.
    let [mut anna_socket, mut bela_phone, mut bela_desk, mut cili_socket] =
        server.sockets([&anna, &bela, &bela, &cili]).await;

    server
        .call::<InvitePartner>(anna.via(&anna_socket), &(), &invite(&chatid))
        .await
        .unwrap();
    for socket in [&mut bela_phone, &mut bela_desk] {
        assert!(matches!(
            socket.next_event().await,
            ServerEvent::IncomingCall(_)
        ));
    }

    // Before the answer: a stranger finds no call, the caller cannot answer her own call, and
    // nobody signals.
    let not_found = ErrorCode::NotFound;
    let forbidden = ErrorCode::Forbidden;
    server
        .refused::<AnswerCall>(cili.auth(), &(), &call_ref(&chatid), not_found)
        .await;
    server
        .refused::<DeclineCall>(cili.auth(), &(), &decline(&chatid, false), not_found)
        .await;
    server
        .refused::<HangUpCall>(cili.auth(), &(), &call_ref(&chatid), not_found)
        .await;
    server
        .refused::<SendCallSignal>(cili.auth(), &(), &signal(&chatid, offer()), not_found)
        .await;
    server
        .refused::<AnswerCall>(anna.auth(), &(), &call_ref(&chatid), forbidden)
        .await;
    server
        .refused::<DeclineCall>(anna.auth(), &(), &decline(&chatid, false), forbidden)
        .await;
    server
        .refused::<SendCallSignal>(anna.auth(), &(), &signal(&chatid, offer()), forbidden)
        .await;
    server
        .refused::<AnswerCall>(
            anna.auth(),
            &(),
            &call_ref("000000000000000000000000"),
            not_found,
        )
        .await;

    // Row 98: bela answers on his phone; anna and bela's desk hear it (the desk stops ringing).
    let rtc = server
        .call::<AnswerCall>(bela.via(&bela_phone), &(), &call_ref(&chatid))
        .await
        .unwrap();
    // The same ICE servers as call access hands out.
    let urls = |rtc: &chatenium_api::schemas::call::RTCConfiguration| {
        rtc.ice_servers
            .iter()
            .map(|s| s.urls.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(urls(&rtc), urls(&access(&server, &bela, &chatid).await.rtc));
    let answered = ServerEvent::CallAnswered(chatenium_api::ws::ChatRef {
        chatid: chatid.clone(),
    });
    assert_eq!(anna_socket.next_event().await, answered);
    assert_eq!(bela_desk.next_event().await, answered);
    assert_eq!(bela_phone.drain().await, vec![]);
    assert!(!ringing(&server, &chatid).await);
    // One answer per call.
    server
        .refused::<AnswerCall>(bela.via(&bela_desk), &(), &call_ref(&chatid), forbidden)
        .await;

    // Row 101: the wrong side is refused; the right one reaches the other party only.
    server
        .refused::<SendCallSignal>(bela.auth(), &(), &signal(&chatid, offer()), forbidden)
        .await;
    server
        .refused::<SendCallSignal>(anna.auth(), &(), &signal(&chatid, answer()), forbidden)
        .await;
    server
        .refused::<SendCallSignal>(cili.auth(), &(), &signal(&chatid, candidate()), not_found)
        .await;
    let too_large = CallSignal::Offer {
        sdp: "v".repeat(64 * 1024 + 1),
    };
    server
        .refused::<SendCallSignal>(
            anna.auth(),
            &(),
            &signal(&chatid, too_large),
            ErrorCode::PayloadTooLarge,
        )
        .await;
    for (from, socket, message) in [
        (&anna, &anna_socket, offer()),
        (&bela, &bela_phone, answer()),
        (&anna, &anna_socket, candidate()),
        (&bela, &bela_phone, candidate()),
    ] {
        server
            .call::<SendCallSignal>(from.via(socket), &(), &signal(&chatid, message))
            .await
            .unwrap();
    }
    let relayed = |message| {
        ServerEvent::CallSignal(CallSignalEvent {
            chatid: chatid.clone(),
            signal: message,
        })
    };
    // Every connection of the other party gets them: the server does not pick the device; a
    // device not in the call ignores them.
    assert_eq!(
        bela_phone.drain().await,
        vec![relayed(offer()), relayed(candidate())]
    );
    assert_eq!(
        bela_desk.drain().await,
        vec![relayed(offer()), relayed(candidate())]
    );
    assert_eq!(
        anna_socket.drain().await,
        vec![relayed(answer()), relayed(candidate())]
    );
    assert_eq!(cili_socket.drain().await, vec![]);

    // Row 100: bela hangs up; anna and his desk hear why; the call is gone.
    server
        .call::<HangUpCall>(bela.via(&bela_phone), &(), &call_ref(&chatid))
        .await
        .unwrap();
    assert_eq!(
        anna_socket.next_event().await,
        ended(&chatid, CallEndReason::HungUp)
    );
    assert_eq!(
        bela_desk.drain().await,
        vec![ended(&chatid, CallEndReason::HungUp)]
    );
    server
        .refused::<SendCallSignal>(anna.auth(), &(), &signal(&chatid, candidate()), not_found)
        .await;
    server
        .refused::<HangUpCall>(anna.auth(), &(), &call_ref(&chatid), not_found)
        .await;
    assert_eq!(cili_socket.drain().await, vec![]);
}

#[tokio::test]
async fn declining_busy_and_cancelling_end_the_ring_with_their_reason() {
    let server = server_with(45).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let chatid = server.befriend(&anna, &bela).await;
    let [mut anna_socket, mut bela_phone, mut bela_desk] =
        server.sockets([&anna, &bela, &bela]).await;

    for (busy, reason) in [
        (false, CallEndReason::Declined),
        (true, CallEndReason::Busy),
    ] {
        server
            .call::<InvitePartner>(anna.via(&anna_socket), &(), &invite(&chatid))
            .await
            .unwrap();
        server
            .call::<DeclineCall>(bela.via(&bela_phone), &(), &decline(&chatid, busy))
            .await
            .unwrap();
        assert_eq!(
            anna_socket.next_event().await,
            ended(&chatid, reason.clone())
        );
        let desk = bela_desk.drain().await;
        assert!(
            matches!(desk.as_slice(), [ServerEvent::IncomingCall(_), end] if *end == ended(&chatid, reason.clone())),
            "{desk:?}"
        );
        assert!(matches!(
            bela_phone.drain().await.as_slice(),
            [ServerEvent::IncomingCall(_)]
        ));
        assert!(!ringing(&server, &chatid).await);
    }

    // The caller hangs up while it rings: cancelled, on every device of the callee.
    server
        .call::<InvitePartner>(anna.via(&anna_socket), &(), &invite(&chatid))
        .await
        .unwrap();
    server
        .call::<HangUpCall>(anna.via(&anna_socket), &(), &call_ref(&chatid))
        .await
        .unwrap();
    for socket in [&mut bela_phone, &mut bela_desk] {
        let events = socket.drain().await;
        assert!(
            matches!(events.as_slice(), [ServerEvent::IncomingCall(_), end] if *end == ended(&chatid, CallEndReason::Cancelled)),
            "{events:?}"
        );
    }
    assert_eq!(anna_socket.drain().await, vec![]);
    server
        .refused::<DeclineCall>(
            bela.auth(),
            &(),
            &decline(&chatid, false),
            ErrorCode::NotFound,
        )
        .await;
}

//! Calls (rows 30 and 31), with the push tokens of rows 17 and 18 they ring: call access hands
//! out STUN, TURN credentials in coturn's scheme and a LiveKit token for the chat's room; an
//! invitation rings the partner live and on each registered device. Then the call-signaling
//! extension (rows 98 to 101): answer, relayed SDP, hang-up, a busy decline.

use base64::Engine;
use chatenium_api::schemas::account::{RegisterApnsTokenReq, RegisterFcmTokenReq};
use chatenium_api::schemas::call::{
    CallAccessQuery, CallRef, CallSignal, CallSignalReq, DeclineCallReq, IceServer,
    InvitePartnerReq,
};
use chatenium_api::ws::{Frame, ServerEvent};
use chatenium_api::{
    AnswerCall, DeclineCall, ErrorCode, GetCallAccess, HangUpCall, InvitePartner,
    RegisterApnsToken, RegisterFcmToken, SendCallSignal,
};
use hmac::{Hmac, Mac};

use crate::common::coverage::{Observer, World};

pub const STUN: &str = "stun:127.0.0.1:3478";
pub const TURN: &str = "turn:127.0.0.1:3478?transport=udp";
const TURN_SECRET: &str = "endpoints-turn-secret";
const LIVEKIT_URL: &str = "ws://127.0.0.1:7881";
const LIVEKIT_KEY: &str = "endpoints-livekit-key";
const LIVEKIT_SECRET: &str = "endpoints-livekit-secret-of-enough-length";

pub fn configure(config: &mut chatenium_server::Config) {
    config.calls.stun_urls = vec![STUN.into()];
    config.calls.turn_urls = vec![TURN.into()];
    config.calls.turn_secret = Some(TURN_SECRET.into());
    config.calls.livekit_url = LIVEKIT_URL.into();
    config.calls.livekit_api_key = LIVEKIT_KEY.into();
    config.calls.livekit_api_secret = LIVEKIT_SECRET.into();
}

/// STUN as configured, and TURN with a live credential for `userid` that coturn would accept:
/// username `<expiry>:<userid>`, credential base64(HMAC-SHA1(secret, username)).
pub fn assert_ice_for(ice_servers: &[IceServer], userid: &str) {
    let [stun, turn] = ice_servers else {
        panic!("STUN and TURN: {ice_servers:?}");
    };
    assert_eq!(stun.urls, [STUN]);
    assert_eq!((&stun.username, &stun.credential), (&None, &None));
    assert_eq!(turn.urls, [TURN]);
    let username = turn.username.as_deref().expect("a TURN username");
    let (expiry, user) = username.split_once(':').expect("<expiry>:<userid>");
    assert_eq!(user, userid);
    let expiry: i64 = expiry.parse().expect("unix seconds");
    assert!(expiry > chatenium_server::clock::unix_now());
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(TURN_SECRET.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(turn.credential.as_deref(), Some(expected.as_str()));
}

pub async fn flow(world: &World) {
    let rec = &world.rec;
    let anna = world.user("calls.anna").await;
    let bela = world.user("calls.bela").await;
    let cili = world.user("calls.cili").await;
    let chatid = world.befriend(&anna, &bela).await;

    // Row 30: TURN and STUN, and a LiveKit token for this chat's room signed with the key.
    let access = rec
        .ok::<GetCallAccess>(
            &anna.session,
            &CallAccessQuery {
                chatid: chatid.clone(),
            },
            &(),
        )
        .await;
    assert_ice_for(&access.rtc.ice_servers, anna.id());
    assert_eq!(access.livekit_url, LIVEKIT_URL);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_aud = false;
    let token = jsonwebtoken::decode::<serde_json::Value>(
        &access.livekit_token,
        &jsonwebtoken::DecodingKey::from_secret(LIVEKIT_SECRET.as_bytes()),
        &validation,
    )
    .expect("a LiveKit token signed with the configured secret");
    let claims = token.claims;
    assert_eq!(claims["iss"], LIVEKIT_KEY);
    assert_eq!(claims["sub"], anna.id());
    assert_eq!(claims["video"]["room"], chatid.as_str());
    assert_eq!(claims["video"]["roomJoin"], true);
    rec.refused::<GetCallAccess>(
        &cili.session,
        &CallAccessQuery {
            chatid: chatid.clone(),
        },
        &(),
        ErrorCode::NotFound,
    )
    .await;

    // Rows 17 and 18: Bela's phone (FCM) on this session, his tablet (APNS) on another.
    rec.ok::<RegisterFcmToken>(
        &bela.session,
        &(),
        &RegisterFcmTokenReq {
            token: "calls-bela-phone".into(),
        },
    )
    .await;
    let tablet = world
        .sign_in(&bela.name, &bela.password, "ios")
        .await
        .unwrap();
    let tablet = world.session(&tablet).await;
    rec.ok::<RegisterApnsToken>(
        &tablet,
        &(),
        &RegisterApnsTokenReq {
            token: "calls-bela-tablet".into(),
        },
    )
    .await;
    let mut bela_live = Observer::connect(&bela.session).await;

    // Row 31: the ring reaches Bela's open app and each of his devices, nobody else.
    let before = world.pushes().len();
    rec.ok::<InvitePartner>(
        &anna.session,
        &(),
        &InvitePartnerReq {
            chatid: chatid.clone(),
        },
    )
    .await;
    let events = bela_live.drain().await;
    let [ServerEvent::IncomingCall(ring)] = events.as_slice() else {
        panic!("one incomingCall: {events:?}");
    };
    assert_eq!(
        (ring.chatid.as_str(), ring.from.userid.as_str()),
        (chatid.as_str(), anna.id())
    );
    let pushes = world.pushes()[before..].to_vec();
    let mut devices: Vec<(&str, &str)> = pushes
        .iter()
        .map(|p| (p["service"].as_str().unwrap(), p["token"].as_str().unwrap()))
        .collect();
    devices.sort();
    assert_eq!(
        devices,
        [("apns", "calls-bela-tablet"), ("fcm", "calls-bela-phone")]
    );
    for push in &pushes {
        assert_eq!(push["message"]["userid"], bela.id());
        let frame: Frame = serde_json::from_value(push["message"]["frame"].clone()).unwrap();
        assert_eq!(
            ServerEvent::from_frame(&frame).unwrap(),
            ServerEvent::IncomingCall(ring.clone())
        );
    }
    rec.refused::<InvitePartner>(
        &cili.session,
        &(),
        &InvitePartnerReq {
            chatid: chatid.clone(),
        },
        ErrorCode::NotChatPartner,
    )
    .await;

    // Rows 98 to 101, the call-signaling extension: Bela answers (with his ICE servers), the
    // offer and the answer are relayed, Bela hangs up; a new ring is declined busy.
    let call = CallRef {
        chatid: chatid.clone(),
    };
    let rtc = rec.ok::<AnswerCall>(&bela.session, &(), &call).await;
    assert_ice_for(&rtc.ice_servers, bela.id());
    let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n".to_owned();
    for (session, signal) in [
        (&anna.session, CallSignal::Offer { sdp: sdp.clone() }),
        (&bela.session, CallSignal::Answer { sdp }),
    ] {
        let body = CallSignalReq {
            chatid: chatid.clone(),
            signal,
        };
        rec.ok::<SendCallSignal>(session, &(), &body).await;
    }
    rec.refused::<SendCallSignal>(
        &cili.session,
        &(),
        &CallSignalReq {
            chatid: chatid.clone(),
            signal: CallSignal::Offer { sdp: "v=0".into() },
        },
        ErrorCode::NotFound,
    )
    .await;
    rec.ok::<HangUpCall>(&bela.session, &(), &call).await;
    rec.ok::<InvitePartner>(
        &anna.session,
        &(),
        &InvitePartnerReq {
            chatid: chatid.clone(),
        },
    )
    .await;
    let busy = DeclineCallReq { chatid, busy: true };
    rec.ok::<DeclineCall>(&bela.session, &(), &busy).await;
}

//! File transfer signaling (rows 48 to 53) over real HTTP and WebSocket: offering a file to a
//! contact, accepting, declining and calling off, relaying the offer, the answer and ICE
//! candidates to the other party only, expiry, and the refusals (non-contacts, strangers, the
//! wrong side, oversized or malformed signaling).

mod common;

use chatenium_api::schemas::call::RTCConfiguration;
use chatenium_api::schemas::common::PublicUserData;
use chatenium_api::schemas::transfer::*;
use chatenium_api::schemas::upload::FileMetadata;
use chatenium_api::ws::{
    ServerEvent, TransferCandidate, TransferRef, TransferRequest, TransferSdp,
};
use chatenium_api::{
    AcceptTransfer, DeclineTransfer, Endpoint, ErrorBody, ErrorCode, SendTransferAnswer,
    SendTransferCandidate, SendTransferOffer, StartTransfer,
};
use common::chat::drain_all;
use common::{As, TestServer, User};

const STUN: &str = "stun:127.0.0.1:3478";
const TURN: &str = "turn:127.0.0.1:3478?transport=udp";

/// A data-channel offer as a browser writes it.
const OFFER_SDP: &str = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
a=group:BUNDLE 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n\
a=ice-ufrag:Xq3b\r\na=ice-pwd:0bF6m1Kq9N3yS7w2vR8tZ4pL\r\n\
a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:EA:8C:D3:B6:5C:09:5E:D6:BC\r\n\
a=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n";
const ANSWER_SDP: &str = "v=0\r\no=- 7002397140353465011 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
a=group:BUNDLE 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n\
a=ice-ufrag:p7Lk\r\na=ice-pwd:Hc2v9QmT4xW1zR6yB8nJ3sKd\r\n\
a=fingerprint:sha-256 1F:33:A0:7C:92:5E:41:D8:0B:6A:C4:E7:19:2D:88:F5:60:3B:AE:17:94:C2:5D:0E:71:B9:46:8A:2F:E3:D5:0C\r\n\
a=setup:active\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n";
const HOST_CANDIDATE: &str = "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host";
const RELAY_CANDIDATE: &str =
    "candidate:3 1 udp 41885439 127.0.0.1 50123 typ relay raddr 127.0.0.1 rport 50001";

/// A server that hands out STUN and TURN (TURN only proven against coturn in `calls.rs`).
async fn with_ice(edit: impl FnOnce(&mut chatenium_server::Config)) -> TestServer {
    TestServer::start_with(|config| {
        config.calls.stun_urls = vec![STUN.into()];
        config.calls.turn_urls = vec![TURN.into()];
        config.calls.turn_secret = Some("transfer-test-secret".into());
        edit(config);
    })
    .await
}

/// `user` as `viewer` sees them.
async fn public(server: &TestServer, viewer: &User, user: &User) -> PublicUserData {
    server
        .contacts(viewer)
        .await
        .into_iter()
        .find(|contact| contact.user.userid == user.userid)
        .expect("a contact")
        .user
}

fn video() -> FileMetadata {
    FileMetadata {
        name: "holiday.mkv".into(),
        size: 3 * 1024 * 1024 * 1024,
        mime: "video/x-matroska".into(),
        width: Some(1920),
        height: Some(1080),
    }
}

fn to(user: &User) -> StartNewReq {
    StartNewReq {
        userid: user.userid.clone(),
        file: video(),
    }
}

fn id(transfer_id: &str) -> TransferIdReq {
    TransferIdReq {
        transfer_id: transfer_id.to_owned(),
    }
}

fn offer(transfer_id: &str, sdp: &str) -> RTCSendOfferReq {
    RTCSendOfferReq {
        transfer_id: transfer_id.to_owned(),
        sdp: sdp.to_owned(),
    }
}

fn answer(transfer_id: &str, sdp: &str) -> RTCSendAnswerReq {
    RTCSendAnswerReq {
        transfer_id: transfer_id.to_owned(),
        sdp: sdp.to_owned(),
    }
}

fn candidate(transfer_id: &str, line: &str, mid: Option<&str>) -> RTCSendCandidateReq {
    RTCSendCandidateReq {
        transfer_id: transfer_id.to_owned(),
        candidate: line.to_owned(),
        sdp_mid: mid.map(str::to_owned),
        sdp_m_line_index: mid.map(|_| 0),
    }
}

fn reference(transfer_id: &str) -> TransferRef {
    TransferRef {
        transfer_id: transfer_id.to_owned(),
    }
}

fn unix_now() -> i64 {
    chatenium_server::clock::unix_now()
}

/// The configured STUN server, and TURN with a live credential minted for `user`.
fn assert_ice_for(rtc: &RTCConfiguration, user: &User) {
    let [stun, turn] = rtc.ice_servers.as_slice() else {
        panic!("{rtc:?}");
    };
    assert_eq!(stun.urls, vec![STUN.to_owned()]);
    assert_eq!((&stun.username, &stun.credential), (&None, &None));
    assert_eq!(turn.urls, vec![TURN.to_owned()]);
    let username = turn.username.as_deref().expect("a TURN username");
    let (expiry, userid) = username.split_once(':').expect("<expiry>:<userid>");
    assert_eq!(userid, user.userid);
    assert!(expiry.parse::<i64>().expect("unix seconds") > unix_now());
    assert!(turn.credential.as_deref().is_some_and(|c| !c.is_empty()));
}

#[tokio::test]
async fn a_transfer_is_offered_accepted_and_signaled_between_its_two_parties_only() {
    let server = with_ice(|_| {}).await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    server.befriend(&anna, &bela).await;
    // cili is a contact of both, but no party to the transfer.
    server.befriend(&anna, &cili).await;
    server.befriend(&bela, &cili).await;
    // 0 and 1 are anna's connections, 2 and 3 bela's, 4 cili's.
    let mut sockets = server.sockets([&anna, &anna, &bela, &bela, &cili]).await;

    // Row 48: the receiver's connections are offered the file.
    let started = server
        .call::<StartTransfer>(anna.via(&sockets[0]), &(), &to(&bela))
        .await
        .unwrap();
    assert_ice_for(&started.rtc, &anna);
    assert!(started.expires_at > unix_now());
    let tid = started.transfer_id.clone();
    let request = ServerEvent::TransferRequest(TransferRequest {
        transfer_id: tid.clone(),
        from: public(&server, &bela, &anna).await,
        file: video(),
        expires_at: started.expires_at,
    });
    let received = drain_all(sockets.iter_mut()).await;
    assert_eq!(
        received,
        vec![vec![], vec![], vec![request.clone()], vec![request], vec![]]
    );

    // Before acceptance: strangers see nothing, the sender cannot accept, nobody signals.
    server
        .refused::<AcceptTransfer>(cili.auth(), &(), &id(&tid), ErrorCode::NotFound)
        .await;
    server
        .refused::<AcceptTransfer>(anna.auth(), &(), &id(&tid), ErrorCode::Forbidden)
        .await;
    let early_offer = offer(&tid, OFFER_SDP);
    server
        .refused::<SendTransferOffer>(anna.auth(), &(), &early_offer, ErrorCode::Forbidden)
        .await;
    let early_candidate = candidate(&tid, HOST_CANDIDATE, Some("0"));
    server
        .refused::<SendTransferCandidate>(bela.auth(), &(), &early_candidate, ErrorCode::Forbidden)
        .await;

    // Row 49: the receiver accepts on one device; the sender and the receiver's other device hear.
    let rtc = server
        .call::<AcceptTransfer>(bela.via(&sockets[2]), &(), &id(&tid))
        .await
        .unwrap();
    assert_ice_for(&rtc, &bela);
    let accepted = ServerEvent::TransferAccepted(reference(&tid));
    let received = drain_all(sockets.iter_mut()).await;
    assert_eq!(
        received,
        vec![
            vec![accepted.clone()],
            vec![accepted.clone()],
            vec![],
            vec![accepted],
            vec![]
        ]
    );
    server
        .refused::<AcceptTransfer>(bela.auth(), &(), &id(&tid), ErrorCode::Forbidden)
        .await;

    // The wrong side: the receiver offering, the sender answering.
    server
        .refused::<SendTransferOffer>(
            bela.auth(),
            &(),
            &offer(&tid, OFFER_SDP),
            ErrorCode::Forbidden,
        )
        .await;
    server
        .refused::<SendTransferAnswer>(
            anna.auth(),
            &(),
            &answer(&tid, ANSWER_SDP),
            ErrorCode::Forbidden,
        )
        .await;
    // A stranger can do nothing with it, and an unknown transfer is not found.
    let stranger = cili.auth();
    let not_found = ErrorCode::NotFound;
    server
        .refused::<SendTransferOffer>(stranger, &(), &offer(&tid, OFFER_SDP), not_found)
        .await;
    server
        .refused::<SendTransferAnswer>(stranger, &(), &answer(&tid, ANSWER_SDP), not_found)
        .await;
    server
        .refused::<SendTransferCandidate>(stranger, &(), &early_candidate, not_found)
        .await;
    server
        .refused::<DeclineTransfer>(stranger, &(), &id(&tid), not_found)
        .await;
    server
        .refused::<SendTransferOffer>(
            anna.auth(),
            &(),
            &offer("000000000000000000000000", OFFER_SDP),
            not_found,
        )
        .await;
    let received = drain_all(sockets.iter_mut()).await;
    assert!(received.iter().all(Vec::is_empty), "{received:?}");

    // Rows 51 to 53: each step reaches the other party's connections and nobody else.
    server
        .call::<SendTransferOffer>(anna.via(&sockets[0]), &(), &offer(&tid, OFFER_SDP))
        .await
        .unwrap();
    let offered = ServerEvent::TransferOffer(TransferSdp {
        transfer_id: tid.clone(),
        sdp: OFFER_SDP.into(),
    });
    let received = drain_all(sockets.iter_mut()).await;
    assert_eq!(
        received,
        vec![vec![], vec![], vec![offered.clone()], vec![offered], vec![]]
    );

    server
        .call::<SendTransferAnswer>(bela.via(&sockets[2]), &(), &answer(&tid, ANSWER_SDP))
        .await
        .unwrap();
    let answered = ServerEvent::TransferAnswer(TransferSdp {
        transfer_id: tid.clone(),
        sdp: ANSWER_SDP.into(),
    });
    let received = drain_all(sockets.iter_mut()).await;
    assert_eq!(
        received,
        vec![
            vec![answered.clone()],
            vec![answered],
            vec![],
            vec![],
            vec![]
        ]
    );

    // Candidates go both ways; an empty one ("no more candidates") is relayed too.
    let sent = [
        (&anna, 0, candidate(&tid, HOST_CANDIDATE, Some("0"))),
        (&bela, 2, candidate(&tid, RELAY_CANDIDATE, Some("0"))),
        (&anna, 1, candidate(&tid, "", None)),
    ];
    for (who, socket, body) in sent {
        server
            .call::<SendTransferCandidate>(who.via(&sockets[socket]), &(), &body)
            .await
            .unwrap();
        let relayed = ServerEvent::TransferCandidate(TransferCandidate {
            transfer_id: body.transfer_id,
            candidate: body.candidate,
            sdp_mid: body.sdp_mid,
            sdp_m_line_index: body.sdp_m_line_index,
        });
        let others = if who.userid == anna.userid {
            [2, 3]
        } else {
            [0, 1]
        };
        let received = drain_all(sockets.iter_mut()).await;
        for (index, events) in received.into_iter().enumerate() {
            let expected = if others.contains(&index) {
                vec![relayed.clone()]
            } else {
                vec![]
            };
            assert_eq!(events, expected, "connection {index}");
        }
    }

    // Row 50 on an accepted transfer: the receiver ends it; signaling is over.
    server
        .call::<DeclineTransfer>(bela.via(&sockets[3]), &(), &id(&tid))
        .await
        .unwrap();
    let declined = ServerEvent::TransferDeclined(reference(&tid));
    let received = drain_all(sockets.iter_mut()).await;
    assert_eq!(
        received,
        vec![
            vec![declined.clone()],
            vec![declined.clone()],
            vec![declined],
            vec![],
            vec![]
        ]
    );
    let late = candidate(&tid, HOST_CANDIDATE, Some("0"));
    server
        .refused::<SendTransferCandidate>(anna.auth(), &(), &late, ErrorCode::TransferExpired)
        .await;
}

#[tokio::test]
async fn only_mutual_contacts_can_start_a_transfer() {
    let server = with_ice(|_| {}).await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    // anna asked cili, who never replied: a request is not a contact yet, either way round.
    server.add_contact(&anna, &cili).await;
    server.befriend(&anna, &bela).await;
    let [mut bela_socket, mut cili_socket] = server.sockets([&bela, &cili]).await;

    server
        .refused::<StartTransfer>(anna.auth(), &(), &to(&anna), ErrorCode::BadRequest)
        .await;
    server
        .refused::<StartTransfer>(anna.auth(), &(), &to(&cili), ErrorCode::NotContacts)
        .await;
    server
        .refused::<StartTransfer>(cili.auth(), &(), &to(&anna), ErrorCode::NotContacts)
        .await;
    // A stranger and an unknown user get the same answer: nothing is learnt about either.
    server
        .refused::<StartTransfer>(cili.auth(), &(), &to(&bela), ErrorCode::NotContacts)
        .await;
    let nobody = StartNewReq {
        userid: "000000000000000000000000".into(),
        file: video(),
    };
    server
        .refused::<StartTransfer>(anna.auth(), &(), &nobody, ErrorCode::NotContacts)
        .await;
    server
        .refused::<StartTransfer>(As::default(), &(), &to(&bela), ErrorCode::Unauthorized)
        .await;

    // What the receiver would be shown must make sense.
    let bad_files = [
        FileMetadata {
            name: "  ".into(),
            ..video()
        },
        FileMetadata {
            name: "two\nlines.txt".into(),
            ..video()
        },
        FileMetadata {
            size: u64::MAX,
            ..video()
        },
        FileMetadata {
            mime: "video".into(),
            ..video()
        },
    ];
    for file in bad_files {
        let request = StartNewReq {
            userid: bela.userid.clone(),
            file,
        };
        server
            .refused::<StartTransfer>(anna.auth(), &(), &request, ErrorCode::BadRequest)
            .await;
    }

    assert_eq!(bela_socket.drain().await, vec![]);
    assert_eq!(cili_socket.drain().await, vec![]);
}

#[tokio::test]
async fn a_decline_by_either_party_ends_the_transfer_for_both() {
    let server = with_ice(|_| {}).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    server.befriend(&anna, &bela).await;
    let [mut anna_socket, mut bela_socket] = server.sockets([&anna, &bela]).await;

    // The receiver declines a pending transfer: the sender hears.
    let first = server
        .call::<StartTransfer>(anna.auth(), &(), &to(&bela))
        .await
        .unwrap()
        .transfer_id;
    let declined = server
        .call::<DeclineTransfer>(bela.via(&bela_socket), &(), &id(&first))
        .await
        .unwrap();
    assert!(!declined.response.is_empty());
    assert_eq!(
        anna_socket.drain().await,
        vec![ServerEvent::TransferDeclined(reference(&first))]
    );
    let offered = bela_socket.drain().await;
    let [ServerEvent::TransferRequest(request)] = offered.as_slice() else {
        panic!("bela is offered the first transfer only: {offered:?}");
    };
    assert_eq!(request.transfer_id, first);

    // Nothing more can happen to it.
    let over = ErrorCode::TransferExpired;
    server
        .refused::<AcceptTransfer>(bela.auth(), &(), &id(&first), over)
        .await;
    server
        .refused::<DeclineTransfer>(anna.auth(), &(), &id(&first), over)
        .await;
    server
        .refused::<SendTransferOffer>(anna.auth(), &(), &offer(&first, OFFER_SDP), over)
        .await;

    // The sender calls a pending transfer off through the same endpoint: the receiver hears.
    let second = server
        .call::<StartTransfer>(anna.auth(), &(), &to(&bela))
        .await
        .unwrap()
        .transfer_id;
    server
        .call::<DeclineTransfer>(anna.via(&anna_socket), &(), &id(&second))
        .await
        .unwrap();
    assert_eq!(anna_socket.drain().await, vec![]);
    let received = bela_socket.drain().await;
    assert_eq!(received.len(), 2, "{received:?}");
    assert!(matches!(&received[0], ServerEvent::TransferRequest(r) if r.transfer_id == second));
    assert_eq!(
        received[1],
        ServerEvent::TransferDeclined(reference(&second))
    );
    server
        .refused::<AcceptTransfer>(bela.auth(), &(), &id(&second), over)
        .await;
}

#[tokio::test]
async fn a_transfer_nobody_accepts_expires_for_both_parties() {
    let server = with_ice(|config| config.calls.transfer_ttl_secs = 1).await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    server.befriend(&anna, &bela).await;
    let [mut anna_socket, mut bela_socket, mut cili_socket] =
        server.sockets([&anna, &bela, &cili]).await;

    let started = server
        .call::<StartTransfer>(anna.auth(), &(), &to(&bela))
        .await
        .unwrap();
    let tid = started.transfer_id;
    assert!(matches!(
        bela_socket.next_event().await,
        ServerEvent::TransferRequest(request) if request.transfer_id == tid
    ));
    // The wait for the expiry: each party's next event is it.
    let expired = ServerEvent::TransferExpired(reference(&tid));
    assert_eq!(anna_socket.next_event().await, expired);
    assert_eq!(bela_socket.next_event().await, expired);

    let over = ErrorCode::TransferExpired;
    server
        .refused::<AcceptTransfer>(bela.auth(), &(), &id(&tid), over)
        .await;
    server
        .refused::<DeclineTransfer>(bela.auth(), &(), &id(&tid), over)
        .await;
    server
        .refused::<SendTransferOffer>(anna.auth(), &(), &offer(&tid, OFFER_SDP), over)
        .await;
    server
        .refused::<SendTransferAnswer>(bela.auth(), &(), &answer(&tid, ANSWER_SDP), over)
        .await;
    let late = candidate(&tid, HOST_CANDIDATE, Some("0"));
    server
        .refused::<SendTransferCandidate>(bela.auth(), &(), &late, over)
        .await;
    // Expiry is told to the parties only, and once.
    assert_eq!(anna_socket.drain().await, vec![]);
    assert_eq!(bela_socket.drain().await, vec![]);
    assert_eq!(cili_socket.drain().await, vec![]);
}

#[tokio::test]
async fn oversized_or_malformed_signaling_is_refused_with_a_4xx() {
    let server = with_ice(|_| {}).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    server.befriend(&anna, &bela).await;
    let tid = server
        .call::<StartTransfer>(anna.auth(), &(), &to(&bela))
        .await
        .unwrap()
        .transfer_id;
    server
        .call::<AcceptTransfer>(bela.auth(), &(), &id(&tid))
        .await
        .unwrap();
    let mut bela_socket = server.socket(&bela.token).await;

    // An SDP of exactly 64 KiB is relayed whole; one byte more is refused.
    let largest = format!("{OFFER_SDP}{}", "a".repeat(64 * 1024 - OFFER_SDP.len()));
    server
        .call::<SendTransferOffer>(anna.auth(), &(), &offer(&tid, &largest))
        .await
        .unwrap();
    assert_eq!(
        bela_socket.drain().await,
        vec![ServerEvent::TransferOffer(TransferSdp {
            transfer_id: tid.clone(),
            sdp: largest.clone(),
        })]
    );
    let too_large = ErrorCode::PayloadTooLarge;
    server
        .refused::<SendTransferOffer>(anna.auth(), &(), &offer(&tid, &(largest + "a")), too_large)
        .await;
    server
        .refused::<SendTransferAnswer>(
            bela.auth(),
            &(),
            &answer(&tid, &"a".repeat(64 * 1024 + 1)),
            too_large,
        )
        .await;
    let long_line = candidate(&tid, &"a".repeat(4 * 1024 + 1), Some("0"));
    server
        .refused::<SendTransferCandidate>(anna.auth(), &(), &long_line, too_large)
        .await;
    let long_mid = candidate(&tid, HOST_CANDIDATE, Some(&"0".repeat(257)));
    server
        .refused::<SendTransferCandidate>(anna.auth(), &(), &long_mid, too_large)
        .await;
    server
        .refused::<SendTransferOffer>(
            anna.auth(),
            &(),
            &offer(&tid, " \r\n"),
            ErrorCode::BadRequest,
        )
        .await;

    // Bodies no typed client would send.
    let path = SendTransferCandidate::META.path;
    let huge_body = format!(
        r#"{{"transferId":"{tid}","candidate":"{}"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    let cases: [(Vec<u8>, ErrorCode); 5] = [
        (b"not json".to_vec(), ErrorCode::BadRequest),
        (
            br#"{"transferId": 5, "candidate": ""}"#.to_vec(),
            ErrorCode::BadRequest,
        ),
        (br#"{"candidate": ""}"#.to_vec(), ErrorCode::BadRequest),
        (
            format!(r#"{{"transferId":"{tid}","candidate":"","sdpMLineIndex":70000}}"#)
                .into_bytes(),
            ErrorCode::BadRequest,
        ),
        (huge_body.into_bytes(), ErrorCode::PayloadTooLarge),
    ];
    for (body, code) in cases {
        let (status, answer) = server
            .raw(reqwest::Method::POST, path, Some(&anna.token), body)
            .await;
        assert_eq!(status, code.status());
        let error: ErrorBody = serde_json::from_slice(&answer).expect("an error body");
        assert_eq!(error.error, code);
    }
    assert_eq!(bela_socket.drain().await, vec![]);
}

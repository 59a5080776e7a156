//! File transfer signaling (rows 48 to 53): an offered file, accepted, with the offer, the
//! answer and an ICE candidate relayed to the other party's live connection; a second offer
//! declined.

use chatenium_api::schemas::transfer::*;
use chatenium_api::schemas::upload::FileMetadata;
use chatenium_api::ws::{ServerEvent, TransferCandidate, TransferRef, TransferSdp};
use chatenium_api::{
    AcceptTransfer, DeclineTransfer, ErrorCode, SendTransferAnswer, SendTransferCandidate,
    SendTransferOffer, StartTransfer,
};

use crate::calls::assert_ice_for;
use crate::common::coverage::{Observer, World};

/// A data-channel offer and answer as browsers write them.
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
const CANDIDATE: &str = "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host";

fn video() -> FileMetadata {
    FileMetadata {
        name: "holiday.mkv".into(),
        size: 3 * 1024 * 1024 * 1024,
        mime: "video/x-matroska".into(),
        width: Some(1920),
        height: Some(1080),
    }
}

fn transfer(id: &str) -> TransferIdReq {
    TransferIdReq {
        transfer_id: id.to_owned(),
    }
}

pub async fn flow(world: &World) {
    let rec = &world.rec;
    let anna = world.user("transfers.anna").await;
    let bela = world.user("transfers.bela").await;
    world.befriend(&anna, &bela).await;
    let mut anna_live = Observer::connect(&anna.session).await;
    let mut bela_live = Observer::connect(&bela.session).await;
    let offer_to_bela = StartNewReq {
        userid: bela.id().to_owned(),
        file: video(),
    };

    // Row 48: Bela is offered the file, with who offers it.
    let started = rec
        .ok::<StartTransfer>(&anna.session, &(), &offer_to_bela)
        .await;
    assert_ice_for(&started.rtc.ice_servers, anna.id());
    assert!(started.expires_at > chatenium_server::clock::unix_now());
    let tid = started.transfer_id.clone();
    let offered = bela_live.drain().await;
    let [ServerEvent::TransferRequest(request)] = offered.as_slice() else {
        panic!("one transferRequest: {offered:?}");
    };
    assert_eq!(
        (request.transfer_id.as_str(), request.from.userid.as_str()),
        (tid.as_str(), anna.id())
    );
    assert_eq!(
        (request.file.clone(), request.expires_at),
        (video(), started.expires_at)
    );

    // Row 49: accepting gives Bela his own ICE servers; Anna hears, and so do Bela's other
    // connections (the request named none as its own).
    let rtc = rec
        .ok::<AcceptTransfer>(&bela.session, &(), &transfer(&tid))
        .await;
    assert_ice_for(&rtc.ice_servers, bela.id());
    let accepted = ServerEvent::TransferAccepted(TransferRef {
        transfer_id: tid.clone(),
    });
    assert_eq!(anna_live.drain().await, std::slice::from_ref(&accepted));
    assert_eq!(bela_live.drain().await, [accepted]);

    // Rows 51, 52 and 53: each step reaches the other party as sent.
    rec.refused::<SendTransferOffer>(
        &bela.session,
        &(),
        &RTCSendOfferReq {
            transfer_id: tid.clone(),
            sdp: OFFER_SDP.into(),
        },
        ErrorCode::Forbidden,
    )
    .await;
    rec.ok::<SendTransferOffer>(
        &anna.session,
        &(),
        &RTCSendOfferReq {
            transfer_id: tid.clone(),
            sdp: OFFER_SDP.into(),
        },
    )
    .await;
    let offer = ServerEvent::TransferOffer(TransferSdp {
        transfer_id: tid.clone(),
        sdp: OFFER_SDP.into(),
    });
    assert_eq!(bela_live.drain().await, [offer]);
    rec.ok::<SendTransferAnswer>(
        &bela.session,
        &(),
        &RTCSendAnswerReq {
            transfer_id: tid.clone(),
            sdp: ANSWER_SDP.into(),
        },
    )
    .await;
    let answer = ServerEvent::TransferAnswer(TransferSdp {
        transfer_id: tid.clone(),
        sdp: ANSWER_SDP.into(),
    });
    assert_eq!(anna_live.drain().await, [answer]);
    rec.ok::<SendTransferCandidate>(
        &anna.session,
        &(),
        &RTCSendCandidateReq {
            transfer_id: tid.clone(),
            candidate: CANDIDATE.into(),
            sdp_mid: Some("0".into()),
            sdp_m_line_index: Some(0),
        },
    )
    .await;
    let candidate = ServerEvent::TransferCandidate(TransferCandidate {
        transfer_id: tid.clone(),
        candidate: CANDIDATE.into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
    });
    assert_eq!(bela_live.drain().await, [candidate]);
    assert_eq!(anna_live.drain().await, [], "nothing echoes to the sender");

    // Row 50: a second offer declined ends it for both.
    let second = rec
        .ok::<StartTransfer>(&anna.session, &(), &offer_to_bela)
        .await;
    let offered = bela_live.drain().await;
    assert!(
        matches!(offered.as_slice(), [ServerEvent::TransferRequest(r)] if r.transfer_id == second.transfer_id),
        "{offered:?}"
    );
    let declined = rec
        .ok::<DeclineTransfer>(&bela.session, &(), &transfer(&second.transfer_id))
        .await;
    assert!(!declined.response.is_empty());
    let declined = ServerEvent::TransferDeclined(TransferRef {
        transfer_id: second.transfer_id.clone(),
    });
    assert_eq!(anna_live.drain().await, std::slice::from_ref(&declined));
    assert_eq!(bela_live.drain().await, [declined]);
    rec.refused::<AcceptTransfer>(
        &bela.session,
        &(),
        &transfer(&second.transfer_id),
        ErrorCode::TransferExpired,
    )
    .await;
}

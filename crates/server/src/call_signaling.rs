//! Call signaling (rows 98 to 101, an extension of the index: `docs/call-signaling.md`): the
//! callee answers or declines a ring, either party hangs up, and an answered call's SDP and
//! ICE candidates are relayed to the other party as `callSignal`.
//!
//! Live calls are kept in memory ([`crate::live_calls::LiveCalls`]), one per direct chat: a call is ringing or
//! answered, and ends when it is declined, hung up or not answered in time (the ring timer of
//! `calls.rs`). A restart ends every call, as it drops every connection carrying one.
//! The `call_rings` row of the index's ringing is kept in step, so that the index's own rule
//! (the partner asking for access answers the ring) still holds.
//!
//! Who may do what: only the chat's two members act on its call (`notFound` for anyone else
//! and for a call that does not exist); only the callee answers or declines, and only a ringing
//! call; signaling needs an answered call, the caller offers and the callee answers
//! (`forbidden` otherwise).

use std::slice::from_ref;

use chatenium_api::schemas::call::{
    CallEndReason, CallRef, CallSignal, CallSignalReq, DeclineCallReq, RTCConfiguration,
};
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::ws::{CallEnd, CallSignalEvent, ChatRef, ServerEvent};
use chatenium_api::ErrorCode;
use rusqlite::params;

use crate::error::{ensure, ApiResult};
use crate::hub::{Audience, Origin};
use crate::ice;
use crate::live_calls::LiveCall;
use crate::state::AppState;
use crate::transfers::{MAX_CANDIDATE_BYTES, MAX_SDP_BYTES, MAX_SDP_MID_BYTES};

/// The largest ICE username fragment relayed (real ones are 4 to 256 characters).
const MAX_UFRAG_BYTES: usize = 256;

/// Removes the index's ring row, so that *Get access* and the ring timer see it gone.
async fn forget_ring(server: &AppState, chatid: &str) -> ApiResult<()> {
    let chatid = chatid.to_owned();
    server
        .db
        .call(move |c| {
            c.execute("DELETE FROM call_rings WHERE chat_id = ?1", params![chatid])?;
            Ok(())
        })
        .await
}

/// Row 98: the callee answers on this device.
pub async fn answer(
    server: &AppState,
    origin: Origin<'_>,
    body: CallRef,
) -> ApiResult<RTCConfiguration> {
    let caller = origin.userid;
    let call = {
        let mut calls = server.calls.lock();
        let call = calls
            .get_mut(&body.chatid)
            .filter(|call| call.is_party(caller))
            .ok_or(ErrorCode::NotFound)?;
        // One answer per call: a second device answering after the first is refused.
        ensure(
            call.callee == caller && !call.answered,
            ErrorCode::Forbidden,
        )?;
        call.answered = true;
        call.clone()
    };
    forget_ring(server, &body.chatid).await?;
    let event = ServerEvent::CallAnswered(ChatRef {
        chatid: body.chatid,
    });
    server
        .hub
        .fan_out(Audience::users(&call.parties()), &event, Some(origin));
    Ok(ice::rtc_configuration(&server.config.calls, caller))
}

/// Row 99: the callee declines a ringing call, busy or not.
pub async fn decline(
    server: &AppState,
    origin: Origin<'_>,
    body: DeclineCallReq,
) -> ApiResult<GenericSuccessBody> {
    let call = server.calls.party_call(&body.chatid, origin.userid)?;
    ensure(
        call.callee == origin.userid && !call.answered,
        ErrorCode::Forbidden,
    )?;
    let reason = if body.busy {
        CallEndReason::Busy
    } else {
        CallEndReason::Declined
    };
    end(server, origin, &body.chatid, &call, reason).await?;
    Ok(GenericSuccessBody::new("Call declined"))
}

/// Row 100: either party ends the call. The caller before an answer cancels it; the callee
/// before an answer declines it.
pub async fn hang_up(
    server: &AppState,
    origin: Origin<'_>,
    body: CallRef,
) -> ApiResult<GenericSuccessBody> {
    let call = server.calls.party_call(&body.chatid, origin.userid)?;
    let reason = match (call.answered, call.caller == origin.userid) {
        (true, _) => CallEndReason::HungUp,
        (false, true) => CallEndReason::Cancelled,
        (false, false) => CallEndReason::Declined,
    };
    end(server, origin, &body.chatid, &call, reason).await?;
    Ok(GenericSuccessBody::new("Call ended"))
}

/// Ends `call` (still the chat's: a newer one is left alone) and tells both parties' other
/// connections why.
async fn end(
    server: &AppState,
    origin: Origin<'_>,
    chatid: &str,
    call: &LiveCall,
    reason: CallEndReason,
) -> ApiResult<()> {
    {
        let mut calls = server.calls.lock();
        match calls.get(chatid) {
            Some(current) if current.ring_id == call.ring_id => {
                calls.remove(chatid);
            }
            // Ended meanwhile (the other party, the ring timer): nothing left to end.
            _ => return Err(ErrorCode::NotFound.into()),
        }
    }
    forget_ring(server, chatid).await?;
    let event = ServerEvent::CallEnded(CallEnd {
        chatid: chatid.to_owned(),
        reason: Some(reason),
    });
    server
        .hub
        .fan_out(Audience::users(&call.parties()), &event, Some(origin));
    Ok(())
}

/// Row 101: relays an answered call's offer, answer or candidate to the other party.
pub async fn signal(
    server: &AppState,
    origin: Origin<'_>,
    body: CallSignalReq,
) -> ApiResult<GenericSuccessBody> {
    check_signal(&body.signal)?;
    let call = server.calls.party_call(&body.chatid, origin.userid)?;
    ensure(call.answered, ErrorCode::Forbidden)?;
    let is_caller = call.caller == origin.userid;
    match body.signal {
        CallSignal::Offer { .. } => ensure(is_caller, ErrorCode::Forbidden)?,
        CallSignal::Answer { .. } => ensure(!is_caller, ErrorCode::Forbidden)?,
        CallSignal::Candidate { .. } => {}
    }
    let other = call.other_party(origin.userid).to_owned();
    let event = ServerEvent::CallSignal(CallSignalEvent {
        chatid: body.chatid,
        signal: body.signal,
    });
    server
        .hub
        .fan_out(Audience::users(from_ref(&other)), &event, Some(origin));
    Ok(GenericSuccessBody::new("Signal sent"))
}

/// The limits of transfer signaling; an empty candidate is allowed (no more candidates).
fn check_signal(signal: &CallSignal) -> ApiResult<()> {
    match signal {
        CallSignal::Offer { sdp } | CallSignal::Answer { sdp } => {
            ensure(sdp.len() <= MAX_SDP_BYTES, ErrorCode::PayloadTooLarge)?;
            ensure(!sdp.trim().is_empty(), ErrorCode::BadRequest)
        }
        CallSignal::Candidate {
            candidate,
            sdp_mid,
            username_fragment,
            ..
        } => ensure(
            candidate.len() <= MAX_CANDIDATE_BYTES
                && sdp_mid
                    .as_ref()
                    .is_none_or(|mid| mid.len() <= MAX_SDP_MID_BYTES)
                && username_fragment
                    .as_ref()
                    .is_none_or(|ufrag| ufrag.len() <= MAX_UFRAG_BYTES),
            ErrorCode::PayloadTooLarge,
        ),
    }
}

//! Calls (rows 30 and 31). A call is a LiveKit room named after the direct chat; this server
//! hands out what joining takes (ICE servers and a LiveKit token) and rings the partner.
//!
//! Ringing: an invitation sends the partner `incomingCall` on their live connections and a push
//! to every device they registered (unless they muted the chat), and rings for
//! `ringTimeoutSecs`. Nothing in the index declines a call, and this server receives no
//! events from LiveKit, so the server takes the partner asking for access to the chat's call
//! (row 30) as joining: the step every client takes before connecting to the room. A ring that
//! nobody answers ends by itself: both members get `callEnded` (`missed`). A new invitation
//! replaces a ring still going. A call carried peer to peer is answered, declined, hung up and
//! signaled through the extension rows of [`crate::call_signaling`].

use std::slice::from_ref;
use std::time::Duration;

use chatenium_api::schemas::call::{
    CallAccessQuery, CallEndReason, GetAccessResp, InvitePartnerReq,
};
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::ws::{CallEnd, IncomingCall, ServerEvent};
use chatenium_api::ErrorCode;
use livekit_api::access_token::{AccessToken, VideoGrants};
use rusqlite::{params, Connection};

use crate::chats::{self, Chat};
use crate::config::CallSettings;
use crate::error::{ApiError, ApiResult};
use crate::hub::{Audience, Origin};
use crate::ice;
use crate::push::{self, PushMessage};
use crate::state::AppState;
use crate::timers;
use crate::users::public_user;

/// Longest life of a LiveKit token, whatever the settings say: the token's expiry must stay a
/// time the clock can name.
const MAX_TOKEN_TTL_SECS: u64 = 366 * 24 * 3600;

/// Row 30: ICE servers and a LiveKit token for the chat's room; members only (`notFound` for
/// anyone else). The partner asking answers a ring of this chat.
pub async fn access(
    server: &AppState,
    origin: Origin<'_>,
    query: CallAccessQuery,
) -> ApiResult<GetAccessResp> {
    let caller = origin.userid.to_owned();
    let state = server.clone();
    let (chat, display_name) = server
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let chat = chats::member_chat(c, &query.chatid, &caller)?;
                answer_ring(c, &chat, &caller)?;
                let url_ttl = state.config.signed_url_ttl_secs as i64;
                let user = public_user(c, &state.storage, url_ttl, &caller)?;
                Ok((chat, user.display_name))
            }
        })
        .await?;
    server.calls.joined(&chat.id, &caller);
    let settings = &server.config.calls;
    Ok(GetAccessResp {
        rtc: ice::rtc_configuration(settings, &caller),
        livekit_url: settings.livekit_url.clone(),
        livekit_token: livekit_token(settings, &caller, &display_name, &chat.id)?,
    })
}

/// A token to join room `room` as `userid`, publishing and subscribing.
fn livekit_token(
    settings: &CallSettings,
    userid: &str,
    display_name: &str,
    room: &str,
) -> ApiResult<String> {
    let grants = VideoGrants {
        room_join: true,
        room: room.to_owned(),
        can_publish: Some(true),
        can_subscribe: Some(true),
        can_publish_data: Some(true),
        ..VideoGrants::default()
    };
    let ttl = settings.livekit_token_ttl_secs.min(MAX_TOKEN_TTL_SECS);
    AccessToken::with_api_key(&settings.livekit_api_key, &settings.livekit_api_secret)
        .with_identity(userid)
        .with_name(display_name)
        .with_grants(grants)
        .with_ttl(Duration::from_secs(ttl))
        .to_jwt()
        // Only empty keys in the settings fail here: the server's fault, not the caller's.
        .map_err(|error| ApiError::internal(format!("LiveKit token: {error}")))
}

/// Ends a ring of `chat` that someone else started: `userid` is joining.
fn answer_ring(connection: &Connection, chat: &Chat, userid: &str) -> ApiResult<()> {
    connection.execute(
        "DELETE FROM call_rings WHERE chat_id = ?1 AND caller <> ?2",
        params![chat.id, userid],
    )?;
    Ok(())
}

/// Row 31: rings the chat partner. Only a member of the chat may (`notChatPartner` otherwise).
pub async fn invite(
    server: &AppState,
    origin: Origin<'_>,
    body: InvitePartnerReq,
) -> ApiResult<GenericSuccessBody> {
    let caller = origin.userid.to_owned();
    let state = server.clone();
    let rang_at = server.clock.tick();
    let ring_id = crate::ids::new_id();
    let (chat, from, devices) = server
        .db
        .call({
            let (caller, ring_id) = (caller.clone(), ring_id.clone());
            move |c| {
                let chat = chats::member_chat(c, &body.chatid, &caller).map_err(|error| {
                    if error.code == ErrorCode::NotFound {
                        ErrorCode::NotChatPartner.into()
                    } else {
                        error
                    }
                })?;
                c.execute(
                    "INSERT INTO call_rings (chat_id, ring_id, caller, rang_at) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (chat_id) DO UPDATE SET ring_id = excluded.ring_id, caller = excluded.caller, rang_at = excluded.rang_at",
                    params![chat.id, ring_id, caller, rang_at.t],
                )?;
                let url_ttl = state.config.signed_url_ttl_secs as i64;
                let from = public_user(c, &state.storage, url_ttl, &caller)?;
                let partner = chat.partner_of(&caller);
                let devices = if partner_muted(c, &chat, partner)? {
                    Vec::new()
                } else {
                    push::devices_of(c, partner)?
                };
                Ok((chat, from, devices))
            }
        })
        .await?;
    let partner = chat.partner_of(&caller).to_owned();
    server.calls.ring(&chat.id, &ring_id, &caller, &partner);
    let event = ServerEvent::IncomingCall(IncomingCall {
        chatid: chat.id.clone(),
        from: from.clone(),
        rang_at,
    });
    server
        .hub
        .fan_out(Audience::users(from_ref(&partner)), &event, Some(origin));
    let message = PushMessage {
        userid: partner,
        title: from.display_name,
        body: "Incoming call".to_owned(),
        frame: event.to_frame(Some(&caller)),
    };
    server.push.send_to_devices(devices, message).await;
    schedule_ring_end(server.clone(), chat, ring_id);
    Ok(GenericSuccessBody::new("Partner invited"))
}

/// The partner muted the chat: no notifications from it reach their devices.
fn partner_muted(connection: &Connection, chat: &Chat, partner: &str) -> ApiResult<bool> {
    Ok(connection.query_row(
        "SELECT muted FROM chat_members WHERE chat_id = ?1 AND user_id = ?2",
        params![chat.id, partner],
        |row| row.get(0),
    )?)
}

/// Sleeps for the ring timeout, then ends the ring if it is still this one and still ringing
/// (nobody answered or declined, no newer invitation replaced it) and tells both members why:
/// `missed`. The live call ([`crate::call_signaling::LiveCalls`]) decides; the ring's row goes
/// with it.
fn schedule_ring_end(state: AppState, chat: Chat, ring_id: String) {
    let ends_at = timers::from_now(state.config.calls.ring_timeout_secs);
    timers::run_at(ends_at, async move {
        let timed_out = state.calls.ring_timed_out(&chat.id, &ring_id);
        let chatid = chat.id.clone();
        let forgotten = state
            .db
            .call(move |c| {
                c.execute(
                    "DELETE FROM call_rings WHERE chat_id = ?1 AND ring_id = ?2",
                    params![chatid, ring_id],
                )?;
                Ok(())
            })
            .await;
        if let Err(error) = forgotten {
            tracing::error!(detail = ?error.detail, "a ring's row could not go");
        }
        if timed_out.is_some() {
            let event = ServerEvent::CallEnded(CallEnd {
                chatid: chat.id.clone(),
                reason: Some(CallEndReason::Missed),
            });
            state
                .hub
                .fan_out(Audience::users(&chat.members()), &event, None);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use livekit_api::access_token::TokenVerifier;

    #[test]
    fn absurd_token_lifetimes_are_capped_not_a_panic() {
        let settings = CallSettings {
            livekit_token_ttl_secs: u64::MAX,
            ..CallSettings::default()
        };
        let token = livekit_token(&settings, "u1", "U One", "room").unwrap();
        let claims = TokenVerifier::with_api_key("devkey", "secret")
            .verify(&token)
            .unwrap();
        assert_eq!(claims.sub, "u1");
    }

    #[test]
    fn missing_keys_are_an_internal_error() {
        let settings = CallSettings {
            livekit_api_secret: String::new(),
            ..CallSettings::default()
        };
        let error = livekit_token(&settings, "u1", "U One", "room").unwrap_err();
        assert_eq!(error.code, ErrorCode::Internal);
    }
}

//! Peer-to-peer file transfers (rows 48 to 53): the server only signals. The sender offers one
//! file to a contact; the receiver accepts or declines; then the offer SDP, the answer SDP and
//! ICE candidates are relayed to the other party as WebSocket events, and the bytes go over a
//! WebRTC data channel between the two.
//!
//! Who may do what:
//! - only the two parties ever hear of or act on a transfer: anyone else gets `notFound`, the
//!   answer for a transfer that does not exist;
//! - the receiver accepts, the sender offers, the receiver answers, both send candidates; the
//!   wrong side gets `forbidden`, and so does signaling before the transfer is accepted;
//! - a transfer nobody accepts within `transferTtlSecs` expires (both parties get
//!   `transferExpired`), and one that was declined or expired answers `transferExpired` to
//!   every later request.
//!
//! Events go to the other party's connections. The caller's own other connections hear of an
//! acceptance or a decline too, so that every device of theirs stops showing the request. A
//! party's relayed SDP and candidates reach every connection of the other party: the server
//! does not know which device accepted, so a client ignores signaling for a transfer it did not
//! accept itself.

use std::slice::from_ref;

use chatenium_api::schemas::call::RTCConfiguration;
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::schemas::transfer::*;
use chatenium_api::schemas::upload::FileMetadata;
use chatenium_api::ws::{ServerEvent, TransferCandidate, TransferRef, TransferSdp};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::unix_now;
use crate::error::{ensure, ApiResult};
use crate::hub::{Audience, Origin};
use crate::ice;
use crate::state::AppState;
use crate::timers;
use crate::users::public_user;

/// The largest offer or answer SDP relayed. A data-channel-only SDP is about 1 KiB; one with
/// many candidates gathered in advance stays well below this.
pub const MAX_SDP_BYTES: usize = 64 * 1024;
/// The largest ICE candidate line relayed (real ones are under 300 bytes).
pub const MAX_CANDIDATE_BYTES: usize = 4 * 1024;
/// The largest `sdpMid` relayed (a media section's identification tag).
pub const MAX_SDP_MID_BYTES: usize = 256;
const MAX_NAME_CHARS: usize = 255;
const MAX_MIME_CHARS: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Offered, waiting for the receiver.
    Pending,
    /// Accepted: signaling goes through until a party ends the transfer.
    Accepted,
    /// Declined by the receiver or called off by the sender.
    Declined,
    /// Nobody accepted in time.
    Expired,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Accepted => "accepted",
            Phase::Declined => "declined",
            Phase::Expired => "expired",
        }
    }

    fn parse(text: &str) -> Phase {
        match text {
            "pending" => Phase::Pending,
            "accepted" => Phase::Accepted,
            "declined" => Phase::Declined,
            // Only this module writes the column; anything else is over.
            _ => Phase::Expired,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Sender,
    Receiver,
}

#[derive(Debug, Clone)]
struct Transfer {
    id: String,
    sender: String,
    receiver: String,
    phase: Phase,
    expires_at: i64,
}

impl Transfer {
    fn role_of(&self, userid: &str) -> Role {
        if self.sender == userid {
            Role::Sender
        } else {
            Role::Receiver
        }
    }

    fn other_party(&self, userid: &str) -> &str {
        match self.role_of(userid) {
            Role::Sender => &self.receiver,
            Role::Receiver => &self.sender,
        }
    }

    fn parties(&self) -> [String; 2] {
        [self.sender.clone(), self.receiver.clone()]
    }

    /// Declined, expired, or pending past its expiry (its timer may not have run yet).
    fn is_over(&self, now: i64) -> bool {
        match self.phase {
            Phase::Pending => now >= self.expires_at,
            Phase::Accepted => false,
            Phase::Declined | Phase::Expired => true,
        }
    }

    fn reference(&self) -> TransferRef {
        TransferRef {
            transfer_id: self.id.clone(),
        }
    }
}

// ---- Rows ----

const COLUMNS: &str = "id, sender, receiver, state, expires_at";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Transfer> {
    Ok(Transfer {
        id: row.get(0)?,
        sender: row.get(1)?,
        receiver: row.get(2)?,
        phase: Phase::parse(&row.get::<_, String>(3)?),
        expires_at: row.get(4)?,
    })
}

/// The transfer if `userid` is one of its parties; `notFound` for anyone else, so a stranger
/// cannot tell it from a transfer that does not exist.
fn party_transfer(connection: &Connection, id: &str, userid: &str) -> ApiResult<Transfer> {
    connection
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM transfers WHERE id = ?1 AND (sender = ?2 OR receiver = ?2)"
            ),
            params![id, userid],
            from_row,
        )
        .optional()?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

fn set_phase(connection: &Connection, transfer: &mut Transfer, phase: Phase) -> ApiResult<()> {
    connection.execute(
        "UPDATE transfers SET state = ?2 WHERE id = ?1",
        params![transfer.id, phase.as_str()],
    )?;
    transfer.phase = phase;
    Ok(())
}

/// Marks a transfer expired if it is still pending; the transfer when it was.
fn expire_if_pending(connection: &Connection, id: &str) -> ApiResult<Option<Transfer>> {
    let changed = connection.execute(
        "UPDATE transfers SET state = ?2 WHERE id = ?1 AND state = ?3",
        params![id, Phase::Expired.as_str(), Phase::Pending.as_str()],
    )?;
    if changed == 0 {
        return Ok(None);
    }
    let transfer = connection.query_row(
        &format!("SELECT {COLUMNS} FROM transfers WHERE id = ?1"),
        [id],
        from_row,
    )?;
    Ok(Some(transfer))
}

/// Both users have each other as contacts: an accepted direct chat joins them.
fn are_contacts(connection: &Connection, one: &str, other: &str) -> ApiResult<bool> {
    let (user_a, user_b) = if one < other {
        (one, other)
    } else {
        (other, one)
    };
    Ok(connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM chats WHERE user_a = ?1 AND user_b = ?2 AND accepted = 1)",
        params![user_a, user_b],
        |row| row.get(0),
    )?)
}

// ---- Checks of what a client sends ----

/// What the sender says about the file: the receiver is shown it before accepting.
fn check_file(file: &FileMetadata) -> ApiResult<()> {
    let name = file.name.trim();
    ensure(
        !name.is_empty()
            && name.chars().count() <= MAX_NAME_CHARS
            && !name.chars().any(char::is_control),
        ErrorCode::BadRequest,
    )?;
    let mime_ok = file.mime.len() <= MAX_MIME_CHARS
        && file.mime.chars().all(|c| c.is_ascii_graphic())
        && matches!(file.mime.split_once('/'), Some((kind, sub)) if !kind.is_empty() && !sub.is_empty());
    ensure(mime_ok, ErrorCode::BadRequest)?;
    // The bytes never reach the server, so no upload limit applies; the size must only fit
    // the database's integer. An empty file is a file too (its name is what is sent).
    ensure(i64::try_from(file.size).is_ok(), ErrorCode::BadRequest)
}

fn check_sdp(sdp: &str) -> ApiResult<()> {
    ensure(sdp.len() <= MAX_SDP_BYTES, ErrorCode::PayloadTooLarge)?;
    ensure(!sdp.trim().is_empty(), ErrorCode::BadRequest)
}

/// An empty candidate is allowed: it is how WebRTC says "no more candidates".
fn check_candidate(body: &RTCSendCandidateReq) -> ApiResult<()> {
    ensure(
        body.candidate.len() <= MAX_CANDIDATE_BYTES
            && body
                .sdp_mid
                .as_ref()
                .is_none_or(|mid| mid.len() <= MAX_SDP_MID_BYTES),
        ErrorCode::PayloadTooLarge,
    )
}

/// The transfer, checked for a signaling step: the caller's side must be `side` (or either,
/// when `None`), the transfer not over and already accepted.
fn signaling_transfer(
    connection: &Connection,
    id: &str,
    caller: &str,
    side: Option<Role>,
) -> ApiResult<Transfer> {
    let transfer = party_transfer(connection, id, caller)?;
    if let Some(side) = side {
        ensure(transfer.role_of(caller) == side, ErrorCode::Forbidden)?;
    }
    ensure(!transfer.is_over(unix_now()), ErrorCode::TransferExpired)?;
    ensure(transfer.phase == Phase::Accepted, ErrorCode::Forbidden)?;
    Ok(transfer)
}

// ---- The endpoints ----

/// Row 48: offers a file to a contact.
pub async fn start(
    server: &AppState,
    origin: Origin<'_>,
    body: StartNewReq,
) -> ApiResult<StartNewResp> {
    let caller = origin.userid.to_owned();
    ensure(body.userid != caller, ErrorCode::BadRequest)?;
    check_file(&body.file)?;
    let settings = &server.config.calls;
    let expires_at = timers::from_now(settings.transfer_ttl_secs);
    let transfer_id = crate::ids::new_id();
    let state = server.clone();
    let from = server
        .db
        .call({
            let (caller, body, transfer_id) = (caller.clone(), body.clone(), transfer_id.clone());
            move |c| {
                ensure(
                    are_contacts(c, &caller, &body.userid)?,
                    ErrorCode::NotContacts,
                )?;
                let file = &body.file;
                c.execute(
                    "INSERT INTO transfers (id, sender, receiver, file_name, file_size, file_mime, file_width, file_height, state, created_at, expires_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![
                        transfer_id,
                        caller,
                        body.userid,
                        file.name.trim(),
                        file.size as i64,
                        file.mime,
                        file.width,
                        file.height,
                        Phase::Pending.as_str(),
                        unix_now(),
                        expires_at
                    ],
                )?;
                let url_ttl = state.config.signed_url_ttl_secs as i64;
                public_user(c, &state.storage, url_ttl, &caller)
            }
        })
        .await?;
    schedule_expiry(server.clone(), transfer_id.clone(), expires_at);
    let request = ServerEvent::TransferRequest(chatenium_api::ws::TransferRequest {
        transfer_id: transfer_id.clone(),
        from,
        file: FileMetadata {
            name: body.file.name.trim().to_owned(),
            ..body.file
        },
        expires_at,
    });
    server.hub.fan_out(
        Audience::users(from_ref(&body.userid)),
        &request,
        Some(origin),
    );
    Ok(StartNewResp {
        transfer_id,
        rtc: ice::rtc_configuration(settings, &caller),
        expires_at,
    })
}

/// Row 49: the receiver accepts; the sender may now send the offer.
pub async fn accept(
    server: &AppState,
    origin: Origin<'_>,
    body: TransferIdReq,
) -> ApiResult<RTCConfiguration> {
    let caller = origin.userid.to_owned();
    let transfer = server
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let mut transfer = party_transfer(c, &body.transfer_id, &caller)?;
                ensure(
                    transfer.role_of(&caller) == Role::Receiver,
                    ErrorCode::Forbidden,
                )?;
                ensure(!transfer.is_over(unix_now()), ErrorCode::TransferExpired)?;
                // Accepted already (perhaps on another device): one acceptance per transfer.
                ensure(transfer.phase == Phase::Pending, ErrorCode::Forbidden)?;
                set_phase(c, &mut transfer, Phase::Accepted)?;
                Ok(transfer)
            }
        })
        .await?;
    let event = ServerEvent::TransferAccepted(transfer.reference());
    server
        .hub
        .fan_out(Audience::users(&transfer.parties()), &event, Some(origin));
    Ok(ice::rtc_configuration(&server.config.calls, &caller))
}

/// Row 50: the receiver declines. The sender may call the transfer off through this endpoint
/// too, and either party may end an accepted transfer with it; the other party gets
/// `transferDeclined` in every case, and the transfer answers `transferExpired` from then on.
pub async fn decline(
    server: &AppState,
    origin: Origin<'_>,
    body: TransferIdReq,
) -> ApiResult<GenericSuccessBody> {
    let caller = origin.userid.to_owned();
    let transfer = server
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let mut transfer = party_transfer(c, &body.transfer_id, &caller)?;
                ensure(!transfer.is_over(unix_now()), ErrorCode::TransferExpired)?;
                set_phase(c, &mut transfer, Phase::Declined)?;
                Ok(transfer)
            }
        })
        .await?;
    let event = ServerEvent::TransferDeclined(transfer.reference());
    server
        .hub
        .fan_out(Audience::users(&transfer.parties()), &event, Some(origin));
    Ok(GenericSuccessBody::new("Transfer declined"))
}

/// Row 51: the sender's offer SDP, relayed to the receiver.
pub async fn offer(
    server: &AppState,
    origin: Origin<'_>,
    body: RTCSendOfferReq,
) -> ApiResult<GenericSuccessBody> {
    check_sdp(&body.sdp)?;
    let transfer = signaling(server, origin, &body.transfer_id, Some(Role::Sender)).await?;
    let event = ServerEvent::TransferOffer(TransferSdp {
        transfer_id: transfer.id.clone(),
        sdp: body.sdp,
    });
    relay(server, origin, &transfer, &event);
    Ok(GenericSuccessBody::new("Offer sent"))
}

/// Row 52: the receiver's answer SDP, relayed to the sender.
pub async fn answer(
    server: &AppState,
    origin: Origin<'_>,
    body: RTCSendAnswerReq,
) -> ApiResult<GenericSuccessBody> {
    check_sdp(&body.sdp)?;
    let transfer = signaling(server, origin, &body.transfer_id, Some(Role::Receiver)).await?;
    let event = ServerEvent::TransferAnswer(TransferSdp {
        transfer_id: transfer.id.clone(),
        sdp: body.sdp,
    });
    relay(server, origin, &transfer, &event);
    Ok(GenericSuccessBody::new("Answer sent"))
}

/// Row 53: an ICE candidate of either party, relayed to the other.
pub async fn candidate(
    server: &AppState,
    origin: Origin<'_>,
    body: RTCSendCandidateReq,
) -> ApiResult<GenericSuccessBody> {
    check_candidate(&body)?;
    let transfer = signaling(server, origin, &body.transfer_id, None).await?;
    let event = ServerEvent::TransferCandidate(TransferCandidate {
        transfer_id: transfer.id.clone(),
        candidate: body.candidate,
        sdp_mid: body.sdp_mid,
        sdp_m_line_index: body.sdp_m_line_index,
    });
    relay(server, origin, &transfer, &event);
    Ok(GenericSuccessBody::new("Candidate sent"))
}

async fn signaling(
    server: &AppState,
    origin: Origin<'_>,
    transfer_id: &str,
    side: Option<Role>,
) -> ApiResult<Transfer> {
    let (caller, transfer_id) = (origin.userid.to_owned(), transfer_id.to_owned());
    server
        .db
        .call(move |c| signaling_transfer(c, &transfer_id, &caller, side))
        .await
}

/// Signaling goes to the other party only.
fn relay(server: &AppState, origin: Origin<'_>, transfer: &Transfer, event: &ServerEvent) {
    let other = transfer.other_party(origin.userid).to_owned();
    server
        .hub
        .fan_out(Audience::users(from_ref(&other)), event, Some(origin));
}

// ---- Expiry ----

/// Sleeps until the transfer's expiry, then expires it if it is still pending and tells both
/// parties. An accepted or declined transfer is left as it is.
fn schedule_expiry(state: AppState, transfer_id: String, expires_at: i64) {
    timers::run_at(expires_at, async move {
        let expired = state
            .db
            .call(move |c| expire_if_pending(c, &transfer_id))
            .await;
        match expired {
            Ok(Some(transfer)) => {
                let event = ServerEvent::TransferExpired(transfer.reference());
                state
                    .hub
                    .fan_out(Audience::users(&transfer.parties()), &event, None);
            }
            Ok(None) => {}
            Err(error) => tracing::error!(detail = ?error.detail, "a transfer could not expire"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64, mime: &str) -> FileMetadata {
        FileMetadata {
            name: name.into(),
            size,
            mime: mime.into(),
            width: None,
            height: None,
        }
    }

    #[test]
    fn file_descriptions_are_checked() {
        assert!(check_file(&file("a.bin", 1, "application/octet-stream")).is_ok());
        assert!(check_file(&file("empty.txt", 0, "text/plain")).is_ok());
        assert!(check_file(&file(
            "big.iso",
            u64::MAX / 2,
            "application/x-iso9660-image"
        ))
        .is_ok());
        for bad in [
            file(" ", 1, "text/plain"),
            file("a\nb", 1, "text/plain"),
            file(&"x".repeat(256), 1, "text/plain"),
            file("a", u64::MAX, "text/plain"),
            file("a", 1, "text"),
            file("a", 1, "text/ plain"),
        ] {
            assert!(check_file(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_pending_transfer_is_over_at_its_expiry_and_an_accepted_one_never() {
        let mut transfer = Transfer {
            id: "t".into(),
            sender: "s".into(),
            receiver: "r".into(),
            phase: Phase::Pending,
            expires_at: 100,
        };
        assert!(!transfer.is_over(99));
        assert!(transfer.is_over(100));
        transfer.phase = Phase::Accepted;
        assert!(!transfer.is_over(1_000));
        transfer.phase = Phase::Declined;
        assert!(transfer.is_over(0));
    }

    #[test]
    fn only_a_pending_transfer_expires() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("server.sqlite")).unwrap();
        let outcome = db.call_now(|c| {
            c.execute_batch(
                "INSERT INTO users (id, username, display_name, created_at) VALUES ('s', 's', 'S', 0), ('r', 'r', 'R', 0);",
            )?;
            for (id, phase) in [("pending", Phase::Pending), ("accepted", Phase::Accepted), ("declined", Phase::Declined)] {
                c.execute(
                    "INSERT INTO transfers (id, sender, receiver, file_name, file_size, file_mime, state, created_at, expires_at) \
                     VALUES (?1, 's', 'r', 'f', 1, 'a/b', ?2, 0, 0)",
                    params![id, phase.as_str()],
                )?;
            }
            let expired: Vec<Option<Phase>> = ["pending", "accepted", "declined", "missing"]
                .iter()
                .map(|id| expire_if_pending(c, id).map(|t| t.map(|t| t.phase)))
                .collect::<ApiResult<_>>()?;
            // A second run finds nothing left to expire: the parties are told once.
            let again = expire_if_pending(c, "pending")?.is_some();
            Ok((expired, again))
        });
        let (expired, again) = outcome.unwrap();
        assert_eq!(expired, vec![Some(Phase::Expired), None, None, None]);
        assert!(!again);
    }
}

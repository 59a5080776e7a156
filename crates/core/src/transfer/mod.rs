//! Peer-to-peer file transfers over WebRTC: the sender offers a file to a contact through the
//! server, the receiver accepts or declines, and the bytes go straight between the two over a
//! data channel. The server only relays signaling (the offer, the answer, ICE candidates) and
//! hands out STUN/TURN servers.
//!
//! - [`protocol`]: the messages on the data channel (`docs/p2p-transfer-protocol.md`).
//! - `peer`: one WebRTC connection, built with the settings that made it fast.
//! - `send`, `receive`: each side's task; one task per transfer, fed [`Signal`]s.
//! - [`names`]: what a received file is called and where it lands.
//! - `progress`: bytes, rate and time left.
//!
//! A transfer survives a dropped connection: the sender connects again with a new offer, and
//! the receiver answers where it stopped (the bytes it wrote and hashed); the SHA-256 of the
//! whole file decides at the end. Every state change leaves the core as a
//! [`CoreEvent::Transfer`](crate::CoreEvent::Transfer).

mod link;
pub mod names;
mod peer;
mod progress;
pub mod protocol;
mod receive;
mod send;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chatenium_api::schemas::transfer::{StartNewReq, TransferIdReq};
use chatenium_api::schemas::upload::FileMetadata;
use chatenium_api::ws::{ServerEvent, TransferRequest};
use chatenium_api::{AcceptTransfer, DeclineTransfer, StartTransfer};
use tokio::sync::mpsc;
use webrtc::peer_connection::RTCIceCandidateInit;

use crate::context::Context;
use crate::error::ClientError;
use crate::events::CoreEvent;

pub use crate::payloads::{TransferDirection, TransferProgress, TransferState, TransferUpdate};

/// How transfers connect. The defaults suit a desktop: every interface, any path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferSettings {
    /// Local UDP addresses to bind. `0.0.0.0:0` means every interface but loopback (one
    /// socket each); name `127.0.0.1:0` to connect on loopback only.
    pub udp_addrs: Vec<String>,
    /// Connect only through a TURN relay: hides this device's addresses from the peer.
    pub relay_only: bool,
    /// SCTP's packet size budget; `None` keeps webrtc-rs's 1191 bytes, which fits every path
    /// (TURN over IPv6 included). Larger values are faster but only safe where the path's MTU
    /// is known (loopback: see the benchmark).
    pub sctp_mtu: Option<u32>,
}

impl Default for TransferSettings {
    fn default() -> Self {
        TransferSettings {
            udp_addrs: vec!["0.0.0.0:0".into()],
            relay_only: false,
            sctp_mtu: None,
        }
    }
}

/// What a transfer's task hears: relayed signaling and the user's decisions.
pub(crate) enum Signal {
    Accepted,
    Declined,
    Expired,
    Offer(String),
    Answer(String),
    Candidate(RTCIceCandidateInit),
    Cancel,
    /// Drop the current connection as a network failure would (see
    /// [`crate::Client::interrupt_transfer`]).
    Interrupt,
}

/// What both sides' tasks know of their transfer.
#[derive(Debug, Clone)]
pub(crate) struct Ticket {
    pub id: String,
    pub direction: TransferDirection,
    pub peer: String,
    pub file: FileMetadata,
}

impl Ticket {
    /// The `meta` message of this transfer: the sender sends it, the receiver expects it.
    pub fn meta(&self) -> protocol::Control {
        protocol::Control::Meta {
            transfer_id: self.id.clone(),
            name: self.file.name.clone(),
            size: self.file.size,
            mime: self.file.mime.clone(),
        }
    }

    pub fn update(&self, state: TransferState) -> CoreEvent {
        CoreEvent::Transfer {
            transfer: TransferUpdate {
                transfer_id: self.id.clone(),
                direction: self.direction,
                peer: self.peer.clone(),
                name: self.file.name.clone(),
                size: self.file.size,
                state,
            },
        }
    }
}

enum Entry {
    /// Incoming, not yet answered.
    Offered(TransferRequest),
    /// A task runs the transfer.
    Running(mpsc::UnboundedSender<Signal>),
}

/// What transfers need of the engine ([`Context`]: the session and the event sink) and the
/// transfers of this client.
pub(crate) struct TransferHub {
    pub context: Arc<Context>,
    pub transfers: Transfers,
}

impl TransferHub {
    pub fn new(context: Arc<Context>) -> TransferHub {
        TransferHub {
            context,
            transfers: Transfers::default(),
        }
    }
}

/// The transfers of one client.
#[derive(Default)]
pub(crate) struct Transfers {
    settings: Mutex<TransferSettings>,
    entries: Mutex<HashMap<String, Entry>>,
}

impl Transfers {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn settings(&self) -> TransferSettings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_settings(&self, settings: TransferSettings) {
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    /// Hands `signal` to the transfer's task; false when no task runs it.
    fn signal(&self, id: &str, signal: Signal) -> bool {
        match self.entries().get(id) {
            Some(Entry::Running(tx)) => tx.send(signal).is_ok(),
            _ => false,
        }
    }

    fn take_offer(&self, id: &str) -> Option<TransferRequest> {
        let mut entries = self.entries();
        match entries.remove(id) {
            Some(Entry::Offered(request)) => Some(request),
            Some(other) => {
                entries.insert(id.to_owned(), other);
                None
            }
            None => None,
        }
    }

    fn finished(&self, id: &str) {
        self.entries().remove(id);
    }
}

/// The live-sync hook: a transfer event from the server, routed to its transfer. Never waits
/// on a transfer, so the socket keeps being read.
pub(crate) fn on_server_event(hub: &TransferHub, event: ServerEvent) {
    let transfers = &hub.transfers;
    match event {
        ServerEvent::TransferRequest(request) => {
            let ticket = Ticket {
                id: request.transfer_id.clone(),
                direction: TransferDirection::Incoming,
                peer: request.from.userid.clone(),
                file: request.file.clone(),
            };
            let state = TransferState::Offered {
                from_name: request.from.display_name.clone(),
                expires_at: request.expires_at,
            };
            transfers
                .entries()
                .insert(request.transfer_id.clone(), Entry::Offered(request));
            hub.context.emit(ticket.update(state));
        }
        // Accepted on another device of this user: this one stops offering it.
        ServerEvent::TransferAccepted(r) => route(
            hub,
            &r.transfer_id,
            Signal::Accepted,
            TransferState::AcceptedElsewhere,
        ),
        ServerEvent::TransferDeclined(r) => route(
            hub,
            &r.transfer_id,
            Signal::Declined,
            TransferState::Cancelled { by_peer: true },
        ),
        ServerEvent::TransferExpired(r) => {
            route(hub, &r.transfer_id, Signal::Expired, TransferState::Expired)
        }
        ServerEvent::TransferOffer(sdp) => {
            transfers.signal(&sdp.transfer_id, Signal::Offer(sdp.sdp));
        }
        ServerEvent::TransferAnswer(sdp) => {
            transfers.signal(&sdp.transfer_id, Signal::Answer(sdp.sdp));
        }
        ServerEvent::TransferCandidate(candidate) => {
            let init = RTCIceCandidateInit {
                candidate: candidate.candidate,
                sdp_mid: candidate.sdp_mid,
                sdp_mline_index: candidate.sdp_m_line_index,
                ..Default::default()
            };
            transfers.signal(&candidate.transfer_id, Signal::Candidate(init));
        }
        _ => {}
    }
}

/// Hands `signal` to the transfer's task; an offer this device has not answered ends in
/// `otherwise` instead.
fn route(hub: &TransferHub, id: &str, signal: Signal, otherwise: TransferState) {
    if !hub.transfers.signal(id, signal) {
        end_offer(hub, id, otherwise);
    }
}

/// An offer this device did not answer is over.
fn end_offer(hub: &TransferHub, id: &str, state: TransferState) {
    if let Some(request) = hub.transfers.take_offer(id) {
        let ticket = Ticket {
            id: request.transfer_id,
            direction: TransferDirection::Incoming,
            peer: request.from.userid,
            file: request.file,
        };
        hub.context.emit(ticket.update(state));
    }
}

/// Offers the file at `path` to the contact `userid`; answers the transfer's id. The rest
/// happens in the background and is reported as events.
pub(crate) async fn send_file(
    hub: &Arc<TransferHub>,
    userid: &str,
    path: &Path,
) -> Result<String, ClientError> {
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|e| ClientError::Storage(format!("{}: {e}", path.display())))?;
    if !metadata.is_file() {
        return Err(ClientError::Storage(format!(
            "{} is not a file",
            path.display()
        )));
    }
    // Offered as the server will relay it, so that `meta` repeats the offer exactly.
    let name = protocol::offered_name(
        &path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let file = FileMetadata {
        // What the receiver is shown; the bytes decide nothing here.
        mime: crate::uploads::mime_of(&name).to_owned(),
        name,
        size: metadata.len(),
        width: None,
        height: None,
    };
    let started = hub
        .context
        .session
        .call::<StartTransfer>(
            &(),
            &StartNewReq {
                userid: userid.to_owned(),
                file: file.clone(),
            },
        )
        .await?;
    let ticket = Ticket {
        id: started.transfer_id.clone(),
        direction: TransferDirection::Outgoing,
        peer: userid.to_owned(),
        file,
    };
    let (tx, rx) = mpsc::unbounded_channel();
    hub.transfers
        .entries()
        .insert(ticket.id.clone(), Entry::Running(tx));
    let job = send::Job {
        ticket,
        path: path.to_owned(),
        rtc: started.rtc,
        settings: hub.transfers.settings(),
    };
    tokio::spawn(send::run(Arc::clone(hub), job, rx));
    Ok(started.transfer_id)
}

/// Accepts an offered file into `folder`; fails without accepting when the folder lacks the
/// space for it.
pub(crate) async fn accept(
    hub: &Arc<TransferHub>,
    id: &str,
    folder: &Path,
) -> Result<(), ClientError> {
    let request = hub
        .transfers
        .take_offer(id)
        .ok_or_else(|| ClientError::Storage(format!("no offered transfer {id}")))?;
    let size = request.file.size;
    let space = {
        let folder = folder.to_owned();
        tokio::task::spawn_blocking(move || fs4::available_space(folder))
            .await
            .map_err(|e| ClientError::Storage(e.to_string()))?
    };
    let refusal = match space {
        Err(error) => Some(format!("{}: {error}", folder.display())),
        Ok(available) if available < size.saturating_add(receive::SPACE_MARGIN) => Some(format!(
            "not enough free space in {}: {size} bytes needed, {available} available",
            folder.display()
        )),
        Ok(_) => None,
    };
    if let Some(reason) = refusal {
        // Still offered: the user may free space or pick another folder.
        hub.transfers
            .entries()
            .insert(id.to_owned(), Entry::Offered(request));
        return Err(ClientError::Storage(reason));
    }
    let ticket = Ticket {
        id: id.to_owned(),
        direction: TransferDirection::Incoming,
        peer: request.from.userid.clone(),
        file: request.file.clone(),
    };
    // Registered before accepting: the sender's offer may arrive before the reply does.
    let (tx, rx) = mpsc::unbounded_channel();
    hub.transfers
        .entries()
        .insert(id.to_owned(), Entry::Running(tx));
    let body = TransferIdReq {
        transfer_id: id.to_owned(),
    };
    let rtc = match hub.context.session.call::<AcceptTransfer>(&(), &body).await {
        Ok(rtc) => rtc,
        Err(error) => {
            hub.transfers.finished(id);
            return Err(error);
        }
    };
    let job = receive::Job {
        ticket,
        folder: folder.to_owned(),
        rtc,
        settings: hub.transfers.settings(),
    };
    tokio::spawn(receive::run(Arc::clone(hub), job, rx));
    Ok(())
}

/// Declines an offered file.
pub(crate) async fn decline(hub: &Arc<TransferHub>, id: &str) -> Result<(), ClientError> {
    let request = hub
        .transfers
        .take_offer(id)
        .ok_or_else(|| ClientError::Storage(format!("no offered transfer {id}")))?;
    let body = TransferIdReq {
        transfer_id: id.to_owned(),
    };
    hub.context
        .session
        .call::<DeclineTransfer>(&(), &body)
        .await?;
    let ticket = Ticket {
        id: id.to_owned(),
        direction: TransferDirection::Incoming,
        peer: request.from.userid,
        file: request.file,
    };
    hub.context.emit(ticket.update(TransferState::Declined));
    Ok(())
}

/// Cancels a running transfer from either side; false when there is none by that id.
pub(crate) fn cancel(hub: &Arc<TransferHub>, id: &str) -> bool {
    hub.transfers.signal(id, Signal::Cancel)
}

pub(crate) fn interrupt(hub: &Arc<TransferHub>, id: &str) -> bool {
    hub.transfers.signal(id, Signal::Interrupt)
}

/// Tells the server the transfer is over, so it relays nothing more for it. Best effort: the
/// transfer is over for this side whatever the server says.
async fn end_on_server(hub: &TransferHub, id: &str) {
    let body = TransferIdReq {
        transfer_id: id.to_owned(),
    };
    if let Err(error) = hub
        .context
        .session
        .call::<DeclineTransfer>(&(), &body)
        .await
    {
        tracing::debug!(%error, "ending a transfer on the server");
    }
}

/// The temporary file a transfer is received into, inside the download folder so that the
/// final move is a rename on one file system. Named from the id only (the server's, filtered):
/// nothing of the peer's name reaches the disk before [`names::place`].
fn temp_path(folder: &Path, id: &str) -> PathBuf {
    let safe: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    folder.join(format!(".chatenium-{safe}.part"))
}

//! The sender's task: wait for the receiver to accept, connect (the sender makes the offer and
//! the data channel), send `meta`, stream the file from the offset the receiver names, send
//! the SHA-256 at the end and wait for `done`. A dropped connection means connecting again
//! with a new offer; the receiver then names where to go on.

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use chatenium_api::schemas::call::RTCConfiguration;
use chatenium_api::schemas::transfer::RTCSendOfferReq;
use chatenium_api::SendTransferOffer;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use webrtc::data_channel::{DataChannel, RTCDataChannelInit};
use webrtc::peer_connection::RTCSessionDescription;

use super::link::{self, Outcome, Step};
use super::peer::{read_channel, ChannelEvent, Link};
use super::progress::Meter;
use super::protocol::{self, Control};
use super::TransferHub;
use super::{end_on_server, Signal, Ticket, TransferSettings, TransferState};

/// Connections in a row that may fail without any byte getting through before the transfer
/// fails for good.
const MAX_BARREN_LINKS: u32 = 4;
/// Chunks read ahead of the channel.
const READ_AHEAD: usize = 8;
/// A connection that moves no byte for this long while bytes are outstanding (no new `ack`,
/// and nothing leaves the send buffer) is replaced: a new connection starts with fresh SCTP
/// timers, where the stalled one would wait through retransmission back-off (up to 60 s in
/// webrtc-rs).
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection whose receiver has not answered `meta` with `resume` this long after the
/// offer is replaced too (ICE or DTLS that never completes). Connecting takes 1 to 2 s on a
/// LAN and a few through a relay; waiting for webrtc-rs to declare ICE failed takes far longer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the sender looks for progress.
const PROGRESS_CHECK: Duration = Duration::from_secs(1);

pub(crate) struct Job {
    pub ticket: Ticket,
    pub path: PathBuf,
    pub rtc: RTCConfiguration,
    pub settings: TransferSettings,
}

pub(crate) async fn run(
    hub: Arc<TransferHub>,
    job: Job,
    mut signals: mpsc::UnboundedReceiver<Signal>,
) {
    let ticket = job.ticket.clone();
    let state = transfer(&hub, &job, &mut signals).await;
    if !matches!(
        state,
        TransferState::Cancelled { by_peer: true }
            | TransferState::Declined
            | TransferState::Expired
    ) {
        end_on_server(&hub, &ticket.id).await;
    }
    hub.transfers.finished(&ticket.id);
    hub.context.emit(ticket.update(state));
}

async fn transfer(
    hub: &Arc<TransferHub>,
    job: &Job,
    signals: &mut mpsc::UnboundedReceiver<Signal>,
) -> TransferState {
    let ticket = &job.ticket;
    hub.context.emit(ticket.update(TransferState::Waiting));
    loop {
        match signals.recv().await {
            Some(Signal::Accepted) => break,
            Some(Signal::Declined) => return TransferState::Declined,
            Some(Signal::Expired) => return TransferState::Expired,
            Some(Signal::Cancel) | None => return TransferState::Cancelled { by_peer: false },
            Some(_) => {}
        }
    }
    // The hash is needed only at the end; computing it meanwhile costs no waiting.
    // Stopped when the transfer ends (the guard's drop): hashing a large file takes minutes,
    // and a blocking task cannot be aborted.
    let hashing = StopOnDrop::default();
    let hash = {
        let path = job.path.clone();
        let stop = Arc::clone(&hashing.0);
        tokio::task::spawn_blocking(move || hash_file(&path, &stop))
    };
    let mut hash = Some(hash);
    let mut sha256 = None;
    let mut barren = 0;
    let mut acked_before = 0;
    loop {
        hub.context.emit(ticket.update(TransferState::Connecting));
        let mut acked = acked_before;
        let outcome = one_link(hub, job, signals, &mut hash, &mut sha256, &mut acked).await;
        match outcome {
            Outcome::Over(state) => return state,
            Outcome::Lost => {
                barren = if acked > acked_before { 0 } else { barren + 1 };
                acked_before = acked;
                if barren >= MAX_BARREN_LINKS {
                    return TransferState::Failed {
                        reason: "the connection to the receiver failed".into(),
                    };
                }
                hub.context
                    .emit(ticket.update(TransferState::Reconnecting { offset: acked }));
                match link::pause(signals, crate::backoff::delay(barren)).await {
                    Some(state) => return state,
                    None => continue,
                }
            }
        }
    }
}

async fn one_link(
    hub: &Arc<TransferHub>,
    job: &Job,
    signals: &mut mpsc::UnboundedReceiver<Signal>,
    hash: &mut Option<JoinHandle<std::io::Result<String>>>,
    sha256: &mut Option<String>,
    acked: &mut u64,
) -> Outcome {
    let ticket = &job.ticket;
    let mut link = match Link::build(&job.rtc, &job.settings).await {
        Ok(link) => link,
        Err(error) => {
            return Outcome::Over(TransferState::Failed {
                reason: format!("WebRTC: {error}"),
            })
        }
    };
    let init = RTCDataChannelInit {
        protocol: protocol::CHANNEL_PROTOCOL.to_owned(),
        ..Default::default()
    };
    let channel = match link
        .connection
        .create_data_channel(protocol::CHANNEL_LABEL, Some(init))
        .await
    {
        Ok(channel) => channel,
        Err(_) => return Outcome::Lost,
    };
    let mut channel_events = read_channel(Arc::clone(&channel));
    let offer = match link.connection.create_offer(None).await {
        Ok(offer) => offer,
        Err(_) => return Outcome::Lost,
    };
    let sdp = offer.sdp.clone();
    if link.connection.set_local_description(offer).await.is_err() {
        return Outcome::Lost;
    }
    let body = RTCSendOfferReq {
        transfer_id: ticket.id.clone(),
        sdp,
    };
    if let Err(error) = hub
        .context
        .session
        .call::<SendTransferOffer>(&(), &body)
        .await
    {
        return link::refused(error);
    }

    let ufrag = protocol::description_ufrag(&body.sdp).map(str::to_owned);
    let mut remote = link::Remote::default();
    let mut chunk_size = protocol::DEFAULT_MAX_MESSAGE_BYTES;
    let mut pump: Option<Pump> = None;
    let mut meter = Meter::new(ticket.file.size, *acked);
    let mut watch = Watch::new(Instant::now());
    let mut checks = tokio::time::interval(PROGRESS_CHECK);
    loop {
        tokio::select! {
            event = link.events.recv() => {
                if let Step::Lost = link::on_link_event(hub, &ticket.id, ufrag.as_deref(), event).await {
                    return Outcome::Lost;
                }
            }
            _ = checks.tick() => {
                let outstanding = match &pump {
                    Some(_) if *acked < ticket.file.size => channel.outstanding_bytes().await.ok(),
                    _ => None,
                };
                if let Err(stall) = watch.check(Instant::now(), pump.is_some(), *acked, ticket.file.size, outstanding) {
                    tracing::info!(transfer = %ticket.id, "{stall} for {IDLE_TIMEOUT:?}: connecting again");
                    return Outcome::Lost;
                }
            }
            signal = signals.recv() => match signal {
                Some(Signal::Answer(sdp)) => {
                    chunk_size = protocol::chunk_size(&sdp);
                    let Ok(answer) = RTCSessionDescription::answer(sdp.clone()) else {
                        return Outcome::Lost;
                    };
                    if link.connection.set_remote_description(answer).await.is_err() {
                        return Outcome::Lost;
                    }
                    remote.described(&link, &sdp).await;
                }
                Some(Signal::Candidate(candidate)) => remote.candidate(&link, candidate).await,
                Some(Signal::Interrupt) => return Outcome::Lost,
                Some(Signal::Cancel) | None => {
                    link::say(&channel, &Control::Cancel).await;
                    return Outcome::Over(TransferState::Cancelled { by_peer: false });
                }
                Some(Signal::Declined) => {
                    return Outcome::Over(TransferState::Cancelled { by_peer: true })
                }
                Some(_) => {}
            },
            event = channel_events.recv() => match event {
                Some(ChannelEvent::Open) => link::say(&channel, &ticket.meta()).await,
                Some(ChannelEvent::Text(text)) => match Control::decode(&text) {
                    Ok(Control::Resume { offset }) if pump.is_none() => {
                        let offset = match protocol::resume_offset(offset, ticket.file.size) {
                            Ok(offset) => offset,
                            Err(violation) => return link::broken(&channel, violation).await,
                        };
                        *acked = offset;
                        meter = Meter::new(ticket.file.size, offset);
                        hub.context.emit(ticket.update(TransferState::Transferring {
                            progress: meter.progress(offset),
                        }));
                        pump = Some(Pump::start(&job.path, offset, chunk_size, Arc::clone(&channel)));
                    }
                    Ok(Control::Ack { offset }) if pump.is_some() => {
                        *acked = match protocol::ack_offset(offset, *acked, ticket.file.size) {
                            Ok(offset) => offset,
                            Err(violation) => return link::broken(&channel, violation).await,
                        };
                        if let Some(progress) = meter.record(offset) {
                            hub.context.emit(ticket.update(TransferState::Transferring { progress }));
                        }
                    }
                    Ok(Control::Done { sha256: theirs }) if sha256.is_some() => {
                        if Some(&theirs) != sha256.as_ref() {
                            let reason = format!("the receiver saved a file whose SHA-256 is {theirs}, not the sent one's");
                            link::say(&channel, &Control::Error { code: "hashMismatch".into(), message: reason.clone() }).await;
                            return Outcome::Over(TransferState::Failed { reason });
                        }
                        // Closing the channel tells the receiver `done` arrived.
                        let _ = channel.close().await;
                        return Outcome::Over(TransferState::Completed { path: None, sha256: theirs });
                    }
                    Ok(Control::Cancel) => {
                        return Outcome::Over(TransferState::Cancelled { by_peer: true })
                    }
                    Ok(Control::Error { code, message }) => {
                        return Outcome::Over(TransferState::Failed {
                            reason: format!("the receiver reported {code}: {message}"),
                        })
                    }
                    Ok(other) => {
                        let when = if pump.is_none() { "before resume" } else { "out of turn" };
                        let violation = protocol::Violation::Unexpected { message: other.kind(), when };
                        return link::broken(&channel, violation).await;
                    }
                    Err(error) => {
                        return link::broken(&channel, protocol::Violation::Unreadable(error)).await
                    }
                },
                Some(ChannelEvent::Binary(_)) => {
                    return link::broken(&channel, protocol::Violation::DataFromReceiver).await
                }
                Some(ChannelEvent::Closed) | None => return Outcome::Lost,
            },
            sent = Pump::wait(&mut pump) => {
                match sent {
                    Ok(()) => {
                        let digest = match hash.take() {
                            Some(task) => match task.await {
                                Ok(Ok(digest)) => digest,
                                Ok(Err(error)) => return Outcome::Over(TransferState::Failed {
                                    reason: format!("reading the file: {error}"),
                                }),
                                Err(error) => return Outcome::Over(TransferState::Failed {
                                    reason: error.to_string(),
                                }),
                            },
                            None => sha256.clone().unwrap_or_default(),
                        };
                        *sha256 = Some(digest.clone());
                        link::say(&channel, &Control::End { sha256: digest }).await;
                    }
                    Err(PumpError::Read(error)) => return Outcome::Over(TransferState::Failed {
                        reason: format!("reading the file: {error}"),
                    }),
                    Err(PumpError::Channel) => return Outcome::Lost,
                }
            }
        }
    }
}

/// Whether a connection still moves the file: bytes acknowledged, or bytes leaving the send
/// buffer (SCTP acknowledgements come long before the receiver's next `ack` on a slow path).
struct Watch {
    opened: Instant,
    last_progress: Instant,
    acked: u64,
    outstanding: Option<usize>,
}

impl Watch {
    fn new(now: Instant) -> Watch {
        Watch {
            opened: now,
            last_progress: now,
            acked: 0,
            outstanding: None,
        }
    }

    /// Checks progress at `now`; an error says why the connection is given up.
    fn check(
        &mut self,
        now: Instant,
        started: bool,
        acked: u64,
        size: u64,
        outstanding: Option<usize>,
    ) -> Result<(), &'static str> {
        if !started {
            return if now - self.opened >= CONNECT_TIMEOUT {
                Err("the receiver did not answer meta")
            } else {
                Ok(())
            };
        }
        // Every byte is acknowledged: the receiver is checking the hash and saving the file,
        // which takes as long as the disk needs.
        if acked >= size {
            return Ok(());
        }
        if acked != self.acked || outstanding != self.outstanding {
            self.acked = acked;
            self.outstanding = outstanding;
            self.last_progress = now;
            return Ok(());
        }
        if now - self.last_progress >= IDLE_TIMEOUT {
            Err("no byte moved")
        } else {
            Ok(())
        }
    }
}

/// Streams the file into the channel in a task of its own, so that the transfer's task keeps
/// reading acknowledgements while `send` waits for room in the send buffer.
struct Pump {
    task: JoinHandle<Result<(), PumpError>>,
    done: bool,
}

enum PumpError {
    Read(std::io::Error),
    Channel,
}

impl Pump {
    fn start(
        path: &std::path::Path,
        offset: u64,
        chunk: usize,
        channel: Arc<dyn DataChannel>,
    ) -> Pump {
        let (tx, mut rx) = mpsc::channel::<std::io::Result<BytesMut>>(READ_AHEAD);
        let path = path.to_owned();
        // A blocking reader: file reads are blocking calls on every platform.
        tokio::task::spawn_blocking(move || {
            let read = || -> std::io::Result<()> {
                let mut file = std::fs::File::open(&path)?;
                file.seek(SeekFrom::Start(offset))?;
                loop {
                    let mut buffer = BytesMut::zeroed(chunk);
                    let mut filled = 0;
                    while filled < chunk {
                        match file.read(&mut buffer[filled..])? {
                            0 => break,
                            n => filled += n,
                        }
                    }
                    if filled == 0 {
                        return Ok(());
                    }
                    buffer.truncate(filled);
                    if tx.blocking_send(Ok(buffer)).is_err() {
                        return Ok(());
                    }
                }
            };
            if let Err(error) = read() {
                let _ = tx.blocking_send(Err(error));
            }
        });
        let task = tokio::spawn(async move {
            while let Some(chunk) = rx.recv().await {
                let chunk = chunk.map_err(PumpError::Read)?;
                channel.send(chunk).await.map_err(|_| PumpError::Channel)?;
            }
            Ok(())
        });
        Pump { task, done: false }
    }

    /// Resolves once, when the pump has handed the last chunk to the channel; never while
    /// there is no pump.
    async fn wait(pump: &mut Option<Pump>) -> Result<(), PumpError> {
        match pump {
            Some(pump) if !pump.done => {
                let outcome = (&mut pump.task).await;
                pump.done = true;
                outcome.unwrap_or(Err(PumpError::Channel))
            }
            _ => std::future::pending().await,
        }
    }
}

impl Drop for Pump {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A flag set when it is dropped.
#[derive(Default)]
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn hash_file(path: &std::path::Path, stop: &AtomicBool) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "the transfer ended before the file was hashed",
            ));
        }
        match file.read(&mut buffer)? {
            0 => return Ok(hex::encode(hasher.finalize())),
            n => hasher.update(&buffer[..n]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_that_moves_nothing_for_the_idle_timeout_is_given_up() {
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let mut watch = Watch::new(start);
        // Bytes leaving the send buffer count as progress, as do acknowledgements.
        assert_eq!(watch.check(at(1), true, 0, 100, Some(50)), Ok(()));
        assert_eq!(watch.check(at(5), true, 0, 100, Some(40)), Ok(()));
        assert_eq!(watch.check(at(9), true, 10, 100, Some(40)), Ok(()));
        assert_eq!(watch.check(at(13), true, 10, 100, Some(40)), Ok(()));
        assert_eq!(
            watch.check(at(14), true, 10, 100, Some(40)),
            Err("no byte moved")
        );
    }

    #[test]
    fn no_timeout_once_every_byte_is_acknowledged() {
        let start = Instant::now();
        let mut watch = Watch::new(start);
        let later = start + Duration::from_secs(600);
        assert_eq!(watch.check(later, true, 100, 100, None), Ok(()));
    }

    #[test]
    fn a_receiver_that_never_answers_meta_is_given_up() {
        let start = Instant::now();
        let mut watch = Watch::new(start);
        assert_eq!(
            watch.check(
                start + CONNECT_TIMEOUT - Duration::from_secs(1),
                false,
                0,
                100,
                None
            ),
            Ok(())
        );
        assert!(watch
            .check(start + CONNECT_TIMEOUT, false, 0, 100, None)
            .is_err());
    }
}

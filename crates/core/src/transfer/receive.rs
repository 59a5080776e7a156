//! The receiver's task: answer the sender's offer, check `meta` against the accepted offer,
//! name the offset to start from, write and hash every byte into a temporary file, and at
//! `end` compare the SHA-256 before the file is moved into the download folder. A dropped
//! connection keeps the temporary file and the hash state: the next offer resumes there.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use chatenium_api::schemas::call::RTCConfiguration;
use chatenium_api::schemas::transfer::RTCSendAnswerReq;
use chatenium_api::SendTransferAnswer;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use webrtc::data_channel::DataChannel;
use webrtc::peer_connection::RTCSessionDescription;

use super::link::{self, Outcome, Step};
use super::peer::{read_channel, ChannelEvent, Link};
use super::progress::Meter;
use super::protocol::{self, Control, Violation, ACK_EVERY_BYTES};
use super::TransferHub;
use super::{end_on_server, names, temp_path, Signal, Ticket, TransferSettings, TransferState};

/// Free space kept beyond the file's size when accepting.
pub(crate) const SPACE_MARGIN: u64 = 1024 * 1024;
/// How long a receiver whose connection dropped waits for the sender to connect again.
const REJOIN_PATIENCE: Duration = Duration::from_secs(300);
/// How long the receiver keeps the connection after `done`, so the message reaches the
/// sender before the connection closes.
const LINGER: Duration = Duration::from_secs(10);

pub(crate) struct Job {
    pub ticket: Ticket,
    pub folder: PathBuf,
    pub rtc: RTCConfiguration,
    pub settings: TransferSettings,
}

pub(crate) async fn run(
    hub: Arc<TransferHub>,
    job: Job,
    mut signals: mpsc::UnboundedReceiver<Signal>,
) {
    let ticket = job.ticket.clone();
    let temp = temp_path(&job.folder, &ticket.id);
    let state = match Sink::create(&temp) {
        Ok(mut sink) => transfer(&hub, &job, &mut signals, &mut sink).await,
        Err(error) => TransferState::Failed {
            reason: format!("{}: {error}", temp.display()),
        },
    };
    if !matches!(state, TransferState::Completed { .. }) {
        let _ = std::fs::remove_file(&temp);
        if state != (TransferState::Cancelled { by_peer: true }) {
            end_on_server(&hub, &ticket.id).await;
        }
    }
    hub.transfers.finished(&ticket.id);
    hub.context.emit(ticket.update(state));
}

/// How one connection ended, for the receiver.
enum LinkEnd {
    Outcome(Outcome),
    /// The sender made a new offer (it saw the connection drop first).
    NewOffer(String),
}

async fn transfer(
    hub: &Arc<TransferHub>,
    job: &Job,
    signals: &mut mpsc::UnboundedReceiver<Signal>,
    sink: &mut Sink,
) -> TransferState {
    let ticket = &job.ticket;
    hub.context.emit(ticket.update(TransferState::Connecting));
    let mut offer = None;
    loop {
        let sdp = match offer.take() {
            Some(sdp) => sdp,
            None => match next_offer(signals).await {
                Ok(sdp) => sdp,
                Err(state) => return state,
            },
        };
        match one_link(hub, job, signals, sink, sdp).await {
            LinkEnd::Outcome(Outcome::Over(state)) => return state,
            LinkEnd::Outcome(Outcome::Lost) => {}
            LinkEnd::NewOffer(sdp) => offer = Some(sdp),
        }
        hub.context.emit(ticket.update(TransferState::Reconnecting {
            offset: sink.written,
        }));
    }
}

/// Waits for the sender's (next) offer.
async fn next_offer(
    signals: &mut mpsc::UnboundedReceiver<Signal>,
) -> Result<String, TransferState> {
    let wait = async {
        loop {
            match signals.recv().await {
                Some(Signal::Offer(sdp)) => return Ok(sdp),
                Some(Signal::Cancel) | None => {
                    return Err(TransferState::Cancelled { by_peer: false })
                }
                Some(Signal::Declined) => return Err(TransferState::Cancelled { by_peer: true }),
                Some(_) => {}
            }
        }
    };
    tokio::time::timeout(REJOIN_PATIENCE, wait)
        .await
        .unwrap_or_else(|_| {
            Err(TransferState::Failed {
                reason: "the sender did not connect".into(),
            })
        })
}

async fn one_link(
    hub: &Arc<TransferHub>,
    job: &Job,
    signals: &mut mpsc::UnboundedReceiver<Signal>,
    sink: &mut Sink,
    offer: String,
) -> LinkEnd {
    let ticket = &job.ticket;
    let lost = LinkEnd::Outcome(Outcome::Lost);
    let mut link = match Link::build(&job.rtc, &job.settings).await {
        Ok(link) => link,
        Err(error) => {
            return LinkEnd::Outcome(Outcome::Over(TransferState::Failed {
                reason: format!("WebRTC: {error}"),
            }))
        }
    };
    let offer_sdp = offer.clone();
    let Ok(offer) = RTCSessionDescription::offer(offer) else {
        return lost;
    };
    if link.connection.set_remote_description(offer).await.is_err() {
        return lost;
    }
    let mut remote = link::Remote::default();
    remote.described(&link, &offer_sdp).await;
    let answer = match link.connection.create_answer(None).await {
        Ok(answer) => answer,
        Err(_) => return lost,
    };
    let sdp = answer.sdp.clone();
    if link.connection.set_local_description(answer).await.is_err() {
        return lost;
    }
    let ufrag = protocol::description_ufrag(&sdp).map(str::to_owned);
    let body = RTCSendAnswerReq {
        transfer_id: ticket.id.clone(),
        sdp,
    };
    if let Err(error) = hub
        .context
        .session
        .call::<SendTransferAnswer>(&(), &body)
        .await
    {
        return LinkEnd::Outcome(link::refused(error));
    }

    let mut channel: Option<Arc<dyn DataChannel>> = None;
    let mut channel_events: Option<mpsc::Receiver<ChannelEvent>> = None;
    let mut started = false;
    let mut last_ack = sink.written;
    let mut meter = Meter::new(ticket.file.size, sink.written);
    let over = |state| LinkEnd::Outcome(Outcome::Over(state));
    loop {
        tokio::select! {
            event = link.events.recv() => match link::on_link_event(hub, &ticket.id, ufrag.as_deref(), event).await {
                Step::Continue => {}
                Step::Lost => return lost,
                Step::Channel(arrived) => {
                    channel_events = Some(read_channel(Arc::clone(&arrived)));
                    channel = Some(arrived);
                }
            },
            signal = signals.recv() => match signal {
                Some(Signal::Offer(sdp)) => return LinkEnd::NewOffer(sdp),
                Some(Signal::Candidate(candidate)) => remote.candidate(&link, candidate).await,
                Some(Signal::Interrupt) => return lost,
                Some(Signal::Cancel) | None => {
                    if let Some(channel) = &channel {
                        link::say(channel, &Control::Cancel).await;
                    }
                    return over(TransferState::Cancelled { by_peer: false });
                }
                Some(Signal::Declined) => return over(TransferState::Cancelled { by_peer: true }),
                Some(_) => {}
            },
            event = next_channel_event(&mut channel_events) => {
                // A channel event implies the channel.
                let Some(channel) = channel.as_ref() else { return lost };
                match event {
                    Some(ChannelEvent::Open) => {}
                    Some(ChannelEvent::Binary(data)) => {
                        let size = ticket.file.size;
                        let fits = sink.written.checked_add(data.len() as u64).is_some_and(|end| end <= size);
                        if !started {
                            return LinkEnd::Outcome(link::broken(channel, Violation::DataBeforeMeta).await);
                        }
                        if !fits {
                            return LinkEnd::Outcome(link::broken(channel, Violation::TooMuchData { size }).await);
                        }
                        if let Err(error) = sink.write(data).await {
                            let failure = Control::Error { code: "writeFailed".into(), message: error.to_string() };
                            link::say(channel, &failure).await;
                            return over(TransferState::Failed { reason: format!("writing the file: {error}") });
                        }
                        if sink.written - last_ack >= ACK_EVERY_BYTES || sink.written == size {
                            last_ack = sink.written;
                            link::say(channel, &Control::Ack { offset: sink.written }).await;
                        }
                        if let Some(progress) = meter.record(sink.written) {
                            hub.context.emit(ticket.update(TransferState::Transferring { progress }));
                        }
                    }
                    Some(ChannelEvent::Text(text)) => match Control::decode(&text) {
                        Ok(meta @ Control::Meta { .. }) if !started => {
                            if let Err(violation) = protocol::check_meta(&meta, &ticket.meta()) {
                                return LinkEnd::Outcome(link::broken(channel, violation).await);
                            }
                            started = true;
                            link::say(channel, &Control::Resume { offset: sink.written }).await;
                            hub.context.emit(ticket.update(TransferState::Transferring {
                                progress: meter.progress(sink.written),
                            }));
                        }
                        Ok(Control::End { .. }) if started && sink.written < ticket.file.size => {
                            let violation = Violation::EarlyEnd { written: sink.written, size: ticket.file.size };
                            return LinkEnd::Outcome(link::broken(channel, violation).await);
                        }
                        Ok(Control::End { sha256 }) if started => {
                            hub.context.emit(ticket.update(TransferState::Verifying));
                            let state = finish(job, sink, channel, sha256).await;
                            if matches!(state, TransferState::Completed { .. }) {
                                linger(channel_events.as_mut()).await;
                            }
                            return over(state);
                        }
                        Ok(Control::Cancel) => return over(TransferState::Cancelled { by_peer: true }),
                        Ok(Control::Error { code, message }) => {
                            return over(TransferState::Failed {
                                reason: format!("the sender reported {code}: {message}"),
                            })
                        }
                        Ok(other) => {
                            let when = if started { "out of turn" } else { "before meta" };
                            let violation = Violation::Unexpected { message: other.kind(), when };
                            return LinkEnd::Outcome(link::broken(channel, violation).await);
                        }
                        Err(error) => {
                            return LinkEnd::Outcome(link::broken(channel, Violation::Unreadable(error)).await)
                        }
                    },
                    Some(ChannelEvent::Closed) | None => return lost,
                }
            }
        }
    }
}

async fn next_channel_event(
    events: &mut Option<mpsc::Receiver<ChannelEvent>>,
) -> Option<ChannelEvent> {
    match events {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

/// Checks the hash, then saves the file; tells the sender either way.
async fn finish(
    job: &Job,
    sink: &mut Sink,
    channel: &Arc<dyn DataChannel>,
    expected: String,
) -> TransferState {
    let actual = sink.digest();
    if !actual.eq_ignore_ascii_case(&expected) {
        let mismatch = Control::Error {
            code: "hashMismatch".into(),
            message: format!("received {actual}, announced {expected}"),
        };
        link::say(channel, &mismatch).await;
        return TransferState::Failed {
            reason: "hashMismatch: the received file differs from the sent one".into(),
        };
    }
    let folder = job.folder.clone();
    let name = job.ticket.file.name.clone();
    let saved = match sink.save(folder, name).await {
        Ok(path) => path,
        Err(error) => {
            let failure = Control::Error {
                code: "writeFailed".into(),
                message: error.to_string(),
            };
            link::say(channel, &failure).await;
            return TransferState::Failed {
                reason: format!("saving the file: {error}"),
            };
        }
    };
    link::say(
        channel,
        &Control::Done {
            sha256: actual.clone(),
        },
    )
    .await;
    TransferState::Completed {
        path: Some(saved.display().to_string()),
        sha256: actual,
    }
}

/// Keeps the connection until the sender closes the channel (it got `done`), or a while at
/// most: closing first could cut `done` off, and the sender would connect again for nothing.
async fn linger(events: Option<&mut mpsc::Receiver<ChannelEvent>>) {
    let Some(events) = events else { return };
    let closed = async {
        while let Some(event) = events.recv().await {
            if matches!(event, ChannelEvent::Closed) {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, closed).await;
}

/// The temporary file and the hash of what it holds.
struct Sink {
    path: PathBuf,
    file: Option<std::fs::File>,
    hasher: Sha256,
    written: u64,
}

impl Sink {
    fn create(path: &Path) -> std::io::Result<Sink> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        Ok(Sink {
            path: path.to_owned(),
            file: Some(file),
            hasher: Sha256::new(),
            written: 0,
        })
    }

    /// Appends and hashes `data` off the async runtime.
    async fn write(&mut self, data: BytesMut) -> std::io::Result<()> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| std::io::Error::other("the file is closed"))?;
        let mut hasher = std::mem::take(&mut self.hasher);
        let (file, hasher, outcome) = tokio::task::spawn_blocking(move || {
            let outcome = file.write_all(&data).map(|()| data.len());
            if outcome.is_ok() {
                hasher.update(&data);
            }
            (file, hasher, outcome)
        })
        .await
        .map_err(std::io::Error::other)?;
        self.file = Some(file);
        self.hasher = hasher;
        self.written += outcome? as u64;
        Ok(())
    }

    fn digest(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }

    /// Flushes the file to disk and moves it into `folder` under the peer's name, sanitized.
    async fn save(&mut self, folder: PathBuf, name: String) -> std::io::Result<PathBuf> {
        let file = self.file.take();
        let temp = self.path.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(file) = file {
                file.sync_all()?;
            }
            names::place(&temp, &folder, &name)
        })
        .await
        .map_err(std::io::Error::other)?
    }
}

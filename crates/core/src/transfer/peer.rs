//! One WebRTC connection (a "link") between the two parties of a transfer: building the peer
//! connection with the settings that made it fast, and turning its callbacks and the data
//! channel's events into one stream the transfer's task reads.
//!
//! Settings, measured on loopback with 1 GiB (platform-facts.md and `benches/transfer.rs`):
//! - UDP socket buffers of 4 MiB: with the kernel's default (208 KiB) the receiver drops
//!   datagrams and SCTP crawls at about 30 MB/s. webrtc-rs binds its own sockets; the hook is
//!   the runtime's `wrap_udp_socket`, so [`BufferedRuntime`] wraps the Tokio runtime.
//! - An SCTP receive window of 2 MiB, well below the granted socket buffer (a window as large
//!   as the buffer dropped again).
//! - 256 KiB messages, announced as `max-message-size` so a browser peer accepts them too.
//! - A send buffer of 4 MiB per channel: `send` waits while this much is unacknowledged,
//!   which is the flow control on the channel's buffered amount.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chatenium_api::schemas::call::RTCConfiguration;
use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceCandidateInit, RTCIceServer, RTCIceTransportPolicy, RTCPeerConnectionIceEvent,
    RTCPeerConnectionState, SettingEngineBuilder,
};
use webrtc::runtime::{
    AsyncInterval, AsyncTcpListener, AsyncTcpStream, AsyncUdpSocket, JoinHandle, Runtime,
    TokioRuntime,
};

use super::protocol::MAX_CHUNK_BYTES;
use super::TransferSettings;

/// Requested size of each UDP socket's receive and send buffer. Linux caps the request at
/// `net.core.rmem_max` (4 MiB on our machines) and grants twice the capped value.
const SOCKET_BUFFER_BYTES: usize = 4 * 1024 * 1024;
/// SCTP's advertised receive window.
const SCTP_RECEIVE_WINDOW: u32 = 2 * 1024 * 1024;
/// Unacknowledged bytes a channel may hold before `send` waits.
pub const SEND_BUFFER_BYTES: usize = 4 * 1024 * 1024;
/// Data-channel events queued between the channel and the transfer's task; when it is full
/// the channel is not read, so SCTP's window closes and the sender slows down.
const EVENT_QUEUE: usize = 64;

/// What a link reports to its transfer's task.
pub enum LinkEvent {
    /// A local ICE candidate to send to the peer.
    Candidate(RTCIceCandidateInit),
    /// The peer connection's overall state.
    State(RTCPeerConnectionState),
    /// The receiver's side: the sender opened the data channel.
    Channel(Arc<dyn DataChannel>),
}

/// The peer connection and the stream of its events.
pub struct Link {
    pub connection: Arc<dyn PeerConnection>,
    pub events: mpsc::UnboundedReceiver<LinkEvent>,
}

impl Link {
    /// A new peer connection with the ICE servers the server handed out.
    pub async fn build(rtc: &RTCConfiguration, settings: &TransferSettings) -> io::Result<Link> {
        let ice_servers = rtc
            .ice_servers
            .iter()
            .map(|server| RTCIceServer {
                urls: server.urls.clone(),
                username: server.username.clone().unwrap_or_default(),
                credential: server.credential.clone().unwrap_or_default(),
            })
            .collect();
        let policy = if settings.relay_only {
            RTCIceTransportPolicy::Relay
        } else {
            RTCIceTransportPolicy::All
        };
        let configuration = RTCConfigurationBuilder::new()
            .with_ice_servers(ice_servers)
            .with_ice_transport_policy(policy)
            .build();
        let mut engine = SettingEngineBuilder::new()
            .with_sctp_max_message_size(
                rtc::peer_connection::configuration::setting_engine::SctpMaxMessageSize::Bounded(
                    MAX_CHUNK_BYTES as u32,
                ),
            )
            .with_sctp_max_receive_buffer_size(SCTP_RECEIVE_WINDOW);
        if let Some(mtu) = settings.sctp_mtu {
            engine = engine.with_sctp_mtu(mtu);
        }
        let (tx, events) = mpsc::unbounded_channel();
        let connection = PeerConnectionBuilder::new()
            .with_configuration(configuration)
            .with_setting_engine(engine.build())
            .with_runtime(Arc::new(BufferedRuntime(TokioRuntime)))
            .with_handler(Arc::new(Handler { tx }))
            .with_udp_addrs(settings.udp_addrs.clone())
            .with_data_channel_send_buffer_limit(SEND_BUFFER_BYTES)
            .build()
            .await
            .map_err(io::Error::other)?;
        Ok(Link {
            connection: Arc::new(connection),
            events,
        })
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // Closing is async; the connection's driver also stops when the last handle goes,
        // but an explicit close tells the peer at once.
        let connection = Arc::clone(&self.connection);
        tokio::spawn(async move {
            let _ = connection.close().await;
        });
    }
}

struct Handler {
    tx: mpsc::UnboundedSender<LinkEvent>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Ok(init) = event.candidate.to_json() {
            let _ = self.tx.send(LinkEvent::Candidate(init));
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        let _ = self.tx.send(LinkEvent::State(state));
    }

    async fn on_data_channel(&self, channel: Arc<dyn DataChannel>) {
        let _ = self.tx.send(LinkEvent::Channel(channel));
    }
}

/// What the data channel delivered.
pub enum ChannelEvent {
    Open,
    Text(Vec<u8>),
    Binary(bytes::BytesMut),
    Closed,
}

/// Reads `channel` in a task of its own, so that its queue inside webrtc-rs never fills
/// (a full one stalls the whole connection), and hands events on through a bounded queue.
pub fn read_channel(channel: Arc<dyn DataChannel>) -> mpsc::Receiver<ChannelEvent> {
    let (tx, rx) = mpsc::channel(EVENT_QUEUE);
    tokio::spawn(async move {
        while let Some(event) = channel.poll().await {
            let event = match event {
                DataChannelEvent::OnOpen => ChannelEvent::Open,
                DataChannelEvent::OnMessage(message) if message.is_string => {
                    ChannelEvent::Text(message.data.to_vec())
                }
                DataChannelEvent::OnMessage(message) => ChannelEvent::Binary(message.data),
                DataChannelEvent::OnClose => ChannelEvent::Closed,
                _ => continue,
            };
            let closed = matches!(event, ChannelEvent::Closed);
            if tx.send(event).await.is_err() || closed {
                return;
            }
        }
        let _ = tx.send(ChannelEvent::Closed).await;
    });
    rx
}

/// The Tokio runtime, with larger buffers on every UDP socket webrtc-rs binds.
#[derive(Debug)]
struct BufferedRuntime(TokioRuntime);

impl Runtime for BufferedRuntime {
    fn spawn(&self, future: Pin<Box<dyn Future<Output = ()> + Send>>) -> Box<dyn JoinHandle> {
        self.0.spawn(future)
    }

    fn spawn_reactor(
        &self,
        reactor_pool_size: usize,
        future: Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> Box<dyn JoinHandle> {
        self.0.spawn_reactor(reactor_pool_size, future)
    }

    fn wrap_udp_socket(&self, socket: std::net::UdpSocket) -> io::Result<Arc<dyn AsyncUdpSocket>> {
        let reference = socket2::SockRef::from(&socket);
        // Best effort: a smaller buffer is slower, not wrong.
        let _ = reference.set_recv_buffer_size(SOCKET_BUFFER_BYTES);
        let _ = reference.set_send_buffer_size(SOCKET_BUFFER_BYTES);
        self.0.wrap_udp_socket(socket)
    }

    fn wrap_tcp_listener(
        &self,
        listener: std::net::TcpListener,
    ) -> io::Result<Arc<dyn AsyncTcpListener>> {
        self.0.wrap_tcp_listener(listener)
    }

    fn connect_tcp<'a>(
        &'a self,
        remote_addr: SocketAddr,
    ) -> Pin<Box<dyn Future<Output = io::Result<Arc<dyn AsyncTcpStream>>> + Send + 'a>> {
        self.0.connect_tcp(remote_addr)
    }

    fn resolve_host<'a>(
        &'a self,
        host: &'a str,
    ) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send + 'a>> {
        self.0.resolve_host(host)
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.0.sleep(duration)
    }

    fn interval(&self, period: Duration) -> Box<dyn AsyncInterval> {
        self.0.interval(period)
    }

    fn block_on(&self, future: Pin<Box<dyn Future<Output = ()> + '_>>) {
        self.0.block_on(future)
    }

    fn yield_now(&self) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.0.yield_now()
    }

    fn name(&self) -> &'static str {
        "tokio (transfer buffers)"
    }
}

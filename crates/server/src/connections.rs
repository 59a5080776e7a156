//! The accept loop: each TCP connection is served by hyper's HTTP/1 server with a header
//! timeout (which also ends a connection that sends nothing, or idles between requests), and
//! a client address may hold only so many connections at once, WebSockets included. Body
//! timeouts are a layer on the router (see [`crate::router`]).
//!
//! `axum::serve` offers neither setting, so this is its loop with them added: hyper and
//! hyper-util do the HTTP work, a `watch` channel does the graceful shutdown as axum's does.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::Service;

use crate::config::ConnectionLimits;

/// Serves `app` on `listener` until `shutdown` resolves, then lets the open HTTP connections
/// finish their requests. Upgraded connections (WebSockets) live on in their own tasks.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let open = OpenConnections::new(limits.max_per_address);
    let header_timeout = Duration::from_millis(limits.header_timeout_ms);
    let (stop_tx, stop_rx) = watch::channel(());
    let (closed_tx, closed_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: give the open connections a moment
                    // instead of spinning on the same error.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = open.claim(peer.ip()) else {
            tracing::debug!(%peer, "too many connections from one address; closed");
            continue;
        };
        let Ok(service) = make_service.call(peer).await;
        let service = TowerToHyperService::new(service);
        let io = TokioIo::new(Counted {
            stream,
            _slot: slot,
        });
        let mut stop = stop_rx.clone();
        let closed = closed_rx.clone();
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder.timer(TokioTimer::new());
            builder.header_read_timeout(header_timeout);
            let mut connection = pin!(builder.serve_connection(io, service).with_upgrades());
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(error) = served {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                }
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(closed);
        });
    }
    drop(listener);
    let _ = stop_tx.send(());
    drop(closed_rx);
    closed_tx.closed().await;
}

/// How many connections each client address has open.
struct OpenConnections {
    cap: usize,
    by_address: Mutex<HashMap<IpAddr, usize>>,
}

impl OpenConnections {
    fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            cap,
            by_address: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for one more connection from `address`, or `None` when it has `cap` already.
    fn claim(self: &Arc<Self>, address: IpAddr) -> Option<Slot> {
        let mut by_address = self.lock();
        let count = by_address.entry(address).or_insert(0);
        if self.cap != 0 && *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(Slot {
            open: Arc::clone(self),
            address,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.by_address.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One open connection's place in the count; given back when the connection's socket closes.
struct Slot {
    open: Arc<OpenConnections>,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut by_address = self.open.lock();
        if let Some(count) = by_address.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                by_address.remove(&self.address);
            }
        }
    }
}

/// A TCP stream that holds its [`Slot`]: an upgraded connection (a WebSocket) keeps the
/// stream, so it keeps counting until it closes.
struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_cap_and_a_slot_given_back_is_free_again() {
        let open = OpenConnections::new(2);
        let here = IpAddr::from([127, 0, 0, 1]);
        let first = open.claim(here).expect("first");
        let _second = open.claim(here).expect("second");
        assert!(open.claim(here).is_none());
        assert!(open.claim(IpAddr::from([10, 0, 0, 1])).is_some());
        drop(first);
        assert!(open.claim(here).is_some());
    }
}

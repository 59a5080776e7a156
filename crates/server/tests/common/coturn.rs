//! A real coturn (Debian's `coturn` package) as a child process, and Debian's
//! `turnutils_uclient` to prove TURN credentials by allocating a relay on it.
//!
//! coturn runs on 127.0.0.1 only, on a free port, with its relay ports in a free range, in the
//! `use-auth-secret` mode (time-limited credentials from a shared secret), without TLS, DTLS or
//! its telnet CLI, and with its log, pid file and user database in a temporary folder, so
//! nothing of the system's coturn (its service, `/etc/turnserver.conf`, `/var/lib/turn`) is
//! used. It needs no root: every port is above 1024. `--allow-loopback-peers` lets the
//! uclient's two test peers, both on loopback, reach each other through the relay.

use std::net::{TcpListener, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::PATIENCE;

pub struct Coturn {
    child: Child,
    pub port: u16,
    pub secret: String,
    dir: tempfile::TempDir,
}

/// What `turnutils_uclient` did with a pair of credentials.
#[derive(Debug)]
pub struct Allocation {
    /// It allocated relays and exchanged its test messages through them.
    pub succeeded: bool,
    pub output: String,
}

/// A port free on 127.0.0.1 for both UDP and TCP (coturn listens on both).
fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("a UDP port");
        let port = udp.local_addr().expect("its address").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Coturn {
    /// Starts coturn and waits until it answers a STUN binding request.
    pub async fn start(secret: &str) -> Coturn {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let port = free_port();
        // Relays: a hundred ports from a free one. coturn skips any that are taken.
        let relay_min = free_port().min(65_435);
        let path = |name: &str| dir.path().join(name).display().to_string();
        let child = Command::new("turnserver")
            .args([
                "-n".to_owned(), // no configuration file
                "--listening-ip=127.0.0.1".to_owned(),
                format!("--listening-port={port}"),
                "--relay-ip=127.0.0.1".to_owned(),
                format!("--min-port={relay_min}"),
                format!("--max-port={}", relay_min + 100),
                "--use-auth-secret".to_owned(),
                format!("--static-auth-secret={secret}"),
                "--realm=chatenium.test".to_owned(),
                "--no-tls".to_owned(),
                "--no-dtls".to_owned(),
                "--no-cli".to_owned(),
                "--allow-loopback-peers".to_owned(),
                "--simple-log".to_owned(),
                // Logs each allocation with its user, so a test can tell who used the relay.
                "--verbose".to_owned(),
                format!("--log-file={}", path("turn.log")),
                format!("--pidfile={}", path("turn.pid")),
                format!("--userdb={}", path("turndb")),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver starts (Debian package `coturn`)");
        let mut coturn = Coturn {
            child,
            port,
            secret: secret.to_owned(),
            dir,
        };
        coturn.wait_until_listening().await;
        coturn
    }

    /// The URL to configure: TURN over UDP on this coturn.
    pub fn url(&self) -> String {
        format!("turn:127.0.0.1:{}?transport=udp", self.port)
    }

    /// Sends STUN binding requests until one is answered (or patience runs out).
    async fn wait_until_listening(&mut self) {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("a UDP socket");
        // A binding request: type 0x0001, length 0, the magic cookie, a transaction id.
        let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
        request.extend_from_slice(b"chatenium-ok");
        let attempt = async {
            let mut answer = [0u8; 512];
            loop {
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!("turnserver exited with {status}: {}", self.log());
                }
                socket
                    .send_to(&request, ("127.0.0.1", self.port))
                    .await
                    .expect("send a STUN request");
                let reply =
                    tokio::time::timeout(Duration::from_millis(200), socket.recv_from(&mut answer))
                        .await;
                // A binding success response (0x0101) echoing the transaction id.
                if let Ok(Ok((len, _))) = reply {
                    if len >= 20 && answer[..2] == [0x01, 0x01] && answer[8..20] == request[8..20] {
                        return;
                    }
                }
            }
        };
        if tokio::time::timeout(PATIENCE, attempt).await.is_err() {
            panic!("turnserver did not answer STUN: {}", self.log());
        }
    }

    /// Runs `turnutils_uclient` against this coturn over UDP with `username` and
    /// `credential`: two clients each allocate a relay (`-y`) and send a message through it.
    pub async fn allocate(&self, username: &str, credential: &str) -> Allocation {
        let args = [
            // coreutils' timeout: only a guard against hanging.
            PATIENCE.as_secs().saturating_mul(3).to_string(),
            "turnutils_uclient".to_owned(),
            "-v".to_owned(),
            "-c".to_owned(), // no RTCP companion allocation
            "-y".to_owned(),
            "-n".to_owned(),
            "1".to_owned(),
            "-m".to_owned(),
            "1".to_owned(),
            "-u".to_owned(),
            username.to_owned(),
            "-w".to_owned(),
            credential.to_owned(),
            "-p".to_owned(),
            self.port.to_string(),
            "127.0.0.1".to_owned(),
        ];
        let output = tokio::task::spawn_blocking(move || {
            Command::new("timeout")
                .args(args)
                .stdin(Stdio::null())
                .output()
                .expect("turnutils_uclient runs (Debian package `coturn`)")
        })
        .await
        .expect("the uclient task");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Allocation {
            // Exit code 0 alone is not proof enough: it must also report its relay address.
            succeeded: output.status.success() && text.contains("Received relay addr"),
            output: text,
        }
    }

    /// coturn's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("turn.log")).unwrap_or_default()
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

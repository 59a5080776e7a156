//! `cargo bench -p chatenium-core --bench transfer`: one file (1 GiB; `CHATENIUM_BENCH_MIB`
//! sets another size) moved on loopback, in the same run, by
//!
//! 1. ours: two real clients through the local server's signaling and a WebRTC data channel,
//!    from `send_file` to the receiver's verified, saved file (SHA-256 on both ends), with the
//!    shipping settings and again with a loopback-sized SCTP packet (`sctp_mtu`);
//! 2. magic-wormhole (Debian's `magic-wormhole`) with a local mailbox server and transit relay
//!    (`python3-magic-wormhole-mailbox-server`, `magic-wormhole-transit-relay`), from `send` to
//!    the receiver's exit;
//! 3. raw TCP: read the file, send it over one loopback connection, write it to disk.
//!
//! Each is the median of `CHATENIUM_BENCH_RUNS` (3) runs; ratios compare the medians. Needs a
//! Secret Service for the clients' tokens (run it as `./dev bench`, which provides one).

// The tests' harness: both files allow the parts this binary does not use.
#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/transfer.rs"]
mod transfer;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chatenium_core::transfer::{TransferSettings, TransferState};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Ours: from offering the file to the receiver's saved, verified copy.
async fn ours(pair: &transfer::Pair, source: &Path, sha256: &str) -> Duration {
    let mut bela_events = pair.bela.events();
    let started = Instant::now();
    let (id, _) = pair.offer(source, &mut bela_events).await;
    pair.bela
        .accept_transfer(&id, &pair.downloads)
        .await
        .expect("accept");
    let states = transfer::until_final(&mut bela_events, &id).await;
    let elapsed = started.elapsed();
    match states.last() {
        Some(TransferState::Completed {
            path: Some(path),
            sha256: received,
        }) => {
            assert_eq!(received, sha256, "the received file differs");
            std::fs::remove_file(path).expect("remove the received copy");
        }
        other => panic!("the transfer did not complete: {other:?}"),
    }
    elapsed
}

/// Raw TCP on loopback: file to socket to file, no hashing, no encryption.
fn raw_tcp(source: &Path, target: &Path) -> Duration {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let addr = listener.local_addr().expect("address");
    let target = target.to_owned();
    let started = Instant::now();
    let receiver = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut file = std::fs::File::create(&target).expect("create");
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            match stream.read(&mut buffer).expect("read") {
                0 => break,
                n => file.write_all(&buffer[..n]).expect("write"),
            }
        }
        file.flush().expect("flush");
    });
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let mut file = std::fs::File::open(source).expect("open");
    std::io::copy(&mut file, &mut stream).expect("send");
    drop(stream);
    receiver.join().expect("receiver");
    started.elapsed()
}

/// A child process ended (and waited for) when dropped.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A local mailbox server and transit relay, so magic-wormhole needs nothing outside.
struct Wormhole {
    relay_url: String,
    transit: String,
    _services: [Service; 2],
}

impl Wormhole {
    /// Starts both services in `workdir`: the transit relay writes its usage database
    /// (`relay.sqlite`) into its working directory, which must not be the source tree.
    fn start(workdir: &Path) -> Result<Wormhole, String> {
        let (mailbox_port, transit_port) = (free_port(), free_port());
        let spawn = |plugin: &str, port: u16| {
            Command::new("twist3")
                .args([
                    plugin.to_owned(),
                    format!("--port=tcp:{port}:interface=127.0.0.1"),
                ])
                .current_dir(workdir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map(Service)
                .map_err(|e| format!("twist3 {plugin}: {e} (Debian: python3-magic-wormhole-mailbox-server, magic-wormhole-transit-relay)"))
        };
        let services = [
            spawn("wormhole-mailbox", mailbox_port)?,
            spawn("transitrelay", transit_port)?,
        ];
        // Ready once both accept connections.
        let deadline = Instant::now() + Duration::from_secs(30);
        for port in [mailbox_port, transit_port] {
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                if Instant::now() > deadline {
                    return Err(format!("nothing listens on {port}"));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(Wormhole {
            relay_url: format!("ws://127.0.0.1:{mailbox_port}/v1"),
            transit: format!("tcp:127.0.0.1:{transit_port}"),
            _services: services,
        })
    }

    /// From `wormhole send` to the receiver's exit with the file written.
    fn send(&self, source: &Path, into: &Path, run: u64) -> Result<Duration, String> {
        let code = format!("{}-chatenium-bench", run + 2);
        let common = [
            "--relay-url",
            &self.relay_url,
            "--transit-helper",
            &self.transit,
        ];
        let started = Instant::now();
        let sender = Command::new("wormhole")
            .args(common)
            .args(["send", "--hide-progress", "--code", &code])
            .arg(source)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(Service)
            .map_err(|e| format!("wormhole (Debian: magic-wormhole): {e}"))?;
        let status = Command::new("wormhole")
            .args(common)
            .args(["receive", "--hide-progress", "--accept-file", &code])
            .current_dir(into)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        drop(sender);
        if !status.success() {
            return Err(format!("wormhole receive: {status}"));
        }
        Ok(elapsed)
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn rate(bytes: u64, time: Duration) -> f64 {
    bytes as f64 / time.as_secs_f64() / 1e6
}

fn main() {
    let mib = env_number("CHATENIUM_BENCH_MIB", 1024);
    let runs = env_number("CHATENIUM_BENCH_RUNS", 3).max(1);
    let bytes = mib * 1024 * 1024;
    let dir = tempfile::tempdir().expect("temporary folder");
    let source: PathBuf = dir.path().join("bench.bin");
    let sha256 = transfer::random_file(&source, bytes);
    println!("moving {mib} MiB on loopback, median of {runs} runs each");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let loopback_mtu = TransferSettings {
        sctp_mtu: Some(16_000),
        ..transfer::loopback()
    };
    let (shipping, jumbo) = runtime.block_on(async {
        let mut results = Vec::new();
        for settings in [transfer::loopback(), loopback_mtu] {
            let pair = transfer::Pair::start_with(|_| {}, settings).await;
            let mut samples = Vec::new();
            for _ in 0..runs {
                samples.push(ours(&pair, &source, &sha256).await);
            }
            pair.forget().await;
            results.push(median(samples));
        }
        (results[0], results[1])
    });

    let tcp_target = dir.path().join("tcp.bin");
    let tcp = median((0..runs).map(|_| raw_tcp(&source, &tcp_target)).collect());
    let _ = std::fs::remove_file(&tcp_target);

    let wormhole = Wormhole::start(dir.path()).and_then(|wormhole| {
        let mut samples = Vec::new();
        for run in 0..runs {
            let into = dir.path().join(format!("wormhole-{run}"));
            std::fs::create_dir(&into).map_err(|e| e.to_string())?;
            samples.push(wormhole.send(&source, &into, run)?);
            if transfer::sha256_of(&into.join("bench.bin")) != sha256 {
                return Err("magic-wormhole delivered a different file".into());
            }
            let _ = std::fs::remove_dir_all(&into);
        }
        Ok(median(samples))
    });

    let ours_rate = rate(bytes, shipping);
    println!(
        "ours (WebRTC, shipping settings):     {ours_rate:>8.0} MB/s  ({:.2} s)",
        shipping.as_secs_f64()
    );
    println!(
        "ours (WebRTC, sctp_mtu 16000, lo):    {:>8.0} MB/s  ({:.2} s)",
        rate(bytes, jumbo),
        jumbo.as_secs_f64()
    );
    match &wormhole {
        Ok(time) => println!(
            "magic-wormhole (local mailbox):       {:>8.0} MB/s  ({:.2} s)",
            rate(bytes, *time),
            time.as_secs_f64()
        ),
        Err(error) => println!("magic-wormhole: not measured: {error}"),
    }
    println!(
        "raw TCP (baseline):                   {:>8.0} MB/s  ({:.2} s)",
        rate(bytes, tcp),
        tcp.as_secs_f64()
    );
    if let Ok(time) = &wormhole {
        println!(
            "ratio ours / magic-wormhole: {:.2} (loopback MTU {:.2})",
            ours_rate / rate(bytes, *time),
            rate(bytes, jumbo) / rate(bytes, *time)
        );
    }
    println!(
        "ratio ours / raw TCP:        {:.3} (loopback MTU {:.3})",
        ours_rate / rate(bytes, tcp),
        rate(bytes, jumbo) / rate(bytes, tcp)
    );
}

//! `./dev load`: the server under load. Starts the given server binary (a release build) on a
//! loopback port with a throw-away data folder and its abuse limits off, then prints a table:
//!
//! - a ramp of direct-message send rates on a fresh database;
//! - the same ramp with `--seed-messages` (default 1,000,000) more messages stored, written
//!   straight into the database file through SQL (not through the API, which would take hours);
//! - the server's RSS after 1,000 registrations on a second fresh server.
//!
//! Each step offers sends at a fixed rate whatever the answers (an open loop: a slow server
//! builds a backlog instead of slowing the generator down), spread over `--users` accounts in
//! pairs, each pair one accepted chat, each account one WebSocket. Send-to-receive runs from
//! the moment a send was due to the partner's WebSocket frame, so queueing in the generator
//! counts against the server, as it would for a real client.
//!
//! ```text
//! cargo run --release -p chatenium-server --example load -- --server target/release/chatenium-server
//!   [--rates 1000,2000,3000,4000] [--seconds 10] [--users 400] [--seed-messages 1000000]
//!   [--registrations 1000]
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chatenium_api::schemas::auth::{RegisterReq, SuccessfulAuthResp};
use chatenium_api::schemas::contacts::{AddContactReq, Contact};
use chatenium_api::schemas::dm::{Message, SendMessageReq};
use chatenium_api::{CreateContact, DmSendMessage, Endpoint, Method, Register, WsUpgrade};
use futures_util::StreamExt;
use std::io::BufRead;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// What a sent message's text starts with; the step and the microsecond it was due follow.
const MARKER: &str = "load:";
/// The most sends waiting for an answer at once (each holds an HTTP connection); a send due
/// beyond it is not made and counts as an error, as a client giving up would.
const MAX_IN_FLIGHT: u64 = 2_000;

struct Options {
    server: PathBuf,
    rates: Vec<u64>,
    seconds: u64,
    users: usize,
    seed_messages: u64,
    registrations: usize,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        server: PathBuf::new(),
        rates: vec![1_000, 2_000, 3_000, 4_000],
        seconds: 10,
        users: 400,
        seed_messages: 1_000_000,
        registrations: 1_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        let number = |text: String| text.parse::<u64>().map_err(|e| format!("{text}: {e}"));
        match arg.as_str() {
            "--server" => options.server = value()?.into(),
            "--rates" => {
                options.rates = value()?
                    .split(',')
                    .map(|rate| number(rate.to_owned()))
                    .collect::<Result<_, _>>()?
            }
            "--seconds" => options.seconds = number(value()?)?,
            "--users" => options.users = number(value()?)? as usize,
            "--seed-messages" => options.seed_messages = number(value()?)?,
            "--registrations" => options.registrations = number(value()?)? as usize,
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    if options.server.as_os_str().is_empty() {
        return Err("--server <path of the chatenium-server binary> is required".into());
    }
    if options.users < 2 || options.users % 2 != 0 {
        return Err("--users must be an even number, at least 2".into());
    }
    Ok(options)
}

fn main() {
    let options = match options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("load: {error}");
            std::process::exit(2);
        }
    };
    // One thread: the generator takes at most one of the cores it shares with the server.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    if let Err(error) = runtime.block_on(run(options)) {
        eprintln!("load: {error}");
        std::process::exit(1);
    }
}

async fn run(options: Options) -> Result<(), String> {
    println!(
        "machine: {} cores, load average before: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let data = tempfile::tempdir().map_err(|e| e.to_string())?;
    let server = Server::start(&options.server, data.path())?;
    let client = Client::new(&server.base_url);
    let cast = Cast::make(&client, options.users).await?;
    let receiver = Receiver::connect(&server.base_url, &cast).await?;
    print_header();
    let mut step = 0;
    for &rate in &options.rates {
        step += 1;
        let row = ramp_step(
            &server,
            &client,
            &cast,
            &receiver,
            step,
            rate,
            options.seconds,
        )
        .await;
        print_row("fresh database", &row);
    }
    let stored = server.stored_messages()?;
    let seeding = Instant::now();
    seed_messages(&data.path().join("server.sqlite"), options.seed_messages)?;
    println!(
        "seeded {} messages through SQL in {:.1} s ({} were stored before)",
        options.seed_messages,
        seeding.elapsed().as_secs_f64(),
        stored
    );
    let label = format!("{} stored", server.stored_messages()?);
    for &rate in &options.rates {
        step += 1;
        let row = ramp_step(
            &server,
            &client,
            &cast,
            &receiver,
            step,
            rate,
            options.seconds,
        )
        .await;
        print_row(&label, &row);
    }
    drop(receiver);
    server.stop();

    let fresh = tempfile::tempdir().map_err(|e| e.to_string())?;
    let server = Server::start(&options.server, fresh.path())?;
    let before = server.usage();
    let started = Instant::now();
    let client = Client::new(&server.base_url);
    let names: Vec<String> = (0..options.registrations)
        .map(|n| format!("reg{n:05}"))
        .collect();
    let registered = futures_util::stream::iter(names.iter().map(|name| client.register(name)))
        .buffer_unordered(64)
        .filter(|outcome| std::future::ready(outcome.is_ok()))
        .count()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let after = server.usage();
    println!(
        "registrations: {registered} of {} in {elapsed:.1} s ({:.0}/s, 64 at a time); server RSS {} MB before, {} MB after (peak {} MB), CPU {:.0}%, {} threads",
        options.registrations,
        registered as f64 / elapsed,
        before.rss_kb / 1024,
        after.rss_kb / 1024,
        after.peak_rss_kb / 1024,
        after.cpu_percent_since(&before),
        after.threads
    );
    server.stop();
    println!("load average after: {}", load_average());
    Ok(())
}

// ---- The server process ----

struct Server {
    child: Child,
    pid: u32,
    base_url: String,
    data: PathBuf,
}

/// What `/proc` says of a process at one moment.
struct Usage {
    at: Instant,
    cpu_ticks: u64,
    rss_kb: u64,
    peak_rss_kb: u64,
    threads: u64,
}

impl Usage {
    /// CPU used between `earlier` and this, in percent of one core.
    fn cpu_percent_since(&self, earlier: &Usage) -> f64 {
        let seconds = (self.at - earlier.at).as_secs_f64();
        let ticks_per_second = 100.0; // USER_HZ on Linux
        (self.cpu_ticks.saturating_sub(earlier.cpu_ticks)) as f64 / ticks_per_second / seconds
            * 100.0
    }
}

impl Server {
    fn start(binary: &Path, data: &Path) -> Result<Server, String> {
        // Limits meant for strangers on the internet would refuse a load test from one address.
        let config = serde_json::json!({
            "bind": "127.0.0.1:0",
            "dataDir": data,
            "accessTokenTtlSecs": 86_400,
            "rateLimits": {
                "signIn": 0, "signInPerAddress": 0, "codes": 0, "codesPerAddress": 0,
                "codesSent": 0, "registrations": 0, "lookups": 0, "challenges": 0
            },
            "connections": { "maxPerAddress": 0 }
        });
        let config_path = data.join("load-config.json");
        std::fs::write(&config_path, config.to_string()).map_err(|e| e.to_string())?;
        let mut child = Command::new(binary)
            .arg("--config")
            .arg(&config_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let pid = child.id();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        // Start-up only: reading the first lines on this thread holds nothing else up.
        let mut lines = std::io::BufReader::new(stdout).lines();
        let base_url = loop {
            let line = lines
                .next()
                .ok_or("the server exited before listening")?
                .map_err(|e| e.to_string())?;
            if let Some(url) = line.strip_prefix("chatenium-server listening on ") {
                break url.trim().to_owned();
            }
        };
        // Keep reading stdout so that the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Server {
            child,
            pid,
            base_url,
            data: data.to_owned(),
        })
    }

    fn usage(&self) -> Usage {
        let at = Instant::now();
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
        let cpu_ticks = field(14).unwrap_or(0) + field(15).unwrap_or(0);
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let status_kb = |key: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(key))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|value| value.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Usage {
            at,
            cpu_ticks,
            rss_kb: status_kb("VmRSS:"),
            peak_rss_kb: status_kb("VmHWM:"),
            threads: status_kb("Threads:"),
        }
    }

    fn stored_messages(&self) -> Result<i64, String> {
        let connection = rusqlite::Connection::open(self.data.join("server.sqlite"))
            .map_err(|e| e.to_string())?;
        connection
            .query_row("SELECT COUNT(*) FROM messages", [], |row| row.get(0))
            .map_err(|e| e.to_string())
    }

    fn stop(mut self) {
        // SIGINT: the server's own shutdown path.
        let _ = Command::new("kill")
            .args(["-INT", &self.pid.to_string()])
            .status();
        let _ = self.child.wait();
    }
}

// ---- HTTP ----

struct Client {
    http: reqwest::Client,
    base_url: String,
}

impl Client {
    fn new(base_url: &str) -> Client {
        Client {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(1_000)
                // Under the server's 10 s idle timeout, so that a kept connection is never
                // reused as the server closes it (between steps, during seeding).
                .pool_idle_timeout(Duration::from_secs(5))
                .build()
                .expect("an HTTP client"),
            base_url: base_url.to_owned(),
        }
    }

    async fn call<E: Endpoint>(
        &self,
        token: Option<&str>,
        body: &E::Body,
    ) -> Result<E::Response, String> {
        let method = match E::META.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
        };
        let mut request = self
            .http
            .request(method, format!("{}{}", self.base_url, E::META.path))
            .json(body);
        if let Some(token) = token {
            request = request.header("Authorization", token);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!(
                "{} answered {status}: {}",
                E::META.name,
                String::from_utf8_lossy(&bytes)
            ));
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", E::META.name))
    }

    async fn register(&self, name: &String) -> Result<SuccessfulAuthResp, String> {
        let request = RegisterReq {
            username: name.clone(),
            display_name: name.clone(),
            email: format!("{name}@load.test"),
            password: format!("{name}-password"),
            phone: None,
            os: "load".into(),
            language: "en".into(),
        };
        self.call::<Register>(None, &request).await
    }
}

// ---- The cast: users in pairs, a chat each ----

struct Cast {
    /// userid to access token.
    tokens: Vec<(String, String)>,
    /// Each chat and its two members' indexes in `tokens`.
    chats: Vec<(String, usize, usize)>,
}

impl Cast {
    async fn make(client: &Client, users: usize) -> Result<Cast, String> {
        let started = Instant::now();
        let names: Vec<String> = (0..users).map(|n| format!("load{n:05}")).collect();
        let registered: Vec<Result<SuccessfulAuthResp, String>> =
            futures_util::stream::iter(names.iter().map(|name| client.register(name)))
                .buffered(16)
                .collect()
                .await;
        let tokens: Vec<(String, String)> = registered
            .into_iter()
            .map(|auth| auth.map(|auth| (auth.userid, auth.access_token)))
            .collect::<Result<_, _>>()?;
        let mut chats = Vec::with_capacity(users / 2);
        for pair in 0..users / 2 {
            let (one, other) = (2 * pair, 2 * pair + 1);
            let contact: Contact = client
                .call::<CreateContact>(
                    Some(&tokens[one].1),
                    &AddContactReq {
                        userid: tokens[other].0.clone(),
                    },
                )
                .await?;
            // The partner's reply accepts the request.
            let _: Message = client
                .call::<DmSendMessage>(
                    Some(&tokens[other].1),
                    &send_request(&contact.chatid, "hello".into()),
                )
                .await?;
            chats.push((contact.chatid, one, other));
        }
        println!(
            "cast: {users} users, {} chats, made in {:.1} s",
            chats.len(),
            started.elapsed().as_secs_f64()
        );
        Ok(Cast { tokens, chats })
    }
}

fn send_request(chatid: &str, message: String) -> SendMessageReq {
    static NEXT_KEY: AtomicU64 = AtomicU64::new(1);
    SendMessageReq {
        chatid: chatid.to_owned(),
        message,
        reply_to_id: None,
        file_ids: Vec::new(),
        client_key: format!("load-{}", NEXT_KEY.fetch_add(1, Ordering::Relaxed)),
    }
}

// ---- Receiving: one WebSocket per user ----

/// Send-to-receive times, by step.
#[derive(Default)]
struct Received {
    by_step: HashMap<u64, Vec<u32>>,
}

struct Receiver {
    received: Arc<Mutex<Received>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Receiver {
    async fn connect(base_url: &str, cast: &Cast) -> Result<Receiver, String> {
        let received = Arc::new(Mutex::new(Received::default()));
        let mut tasks = Vec::new();
        for (_, token) in &cast.tokens {
            let url = format!(
                "{}{}?accessToken={token}",
                base_url.replacen("http", "ws", 1),
                WsUpgrade::META.path
            );
            let (stream, _) = tokio_tungstenite::connect_async(url)
                .await
                .map_err(|e| format!("WebSocket: {e}"))?;
            let received = Arc::clone(&received);
            tasks.push(tokio::spawn(async move {
                let (_, mut read) = stream.split();
                while let Some(Ok(message)) = read.next().await {
                    if let WsMessage::Text(text) = message {
                        if let Some((step, due)) = marker_in(text.as_str()) {
                            let latency = now_micros().saturating_sub(due);
                            let mut received = received.lock().unwrap_or_else(|p| p.into_inner());
                            received
                                .by_step
                                .entry(step)
                                .or_default()
                                .push(u32::try_from(latency).unwrap_or(u32::MAX));
                        }
                    }
                }
            }));
        }
        Ok(Receiver { received, tasks })
    }

    fn count(&self, step: u64) -> usize {
        let received = self.received.lock().unwrap_or_else(|p| p.into_inner());
        received.by_step.get(&step).map_or(0, Vec::len)
    }

    fn take(&self, step: u64) -> Vec<u32> {
        let mut received = self.received.lock().unwrap_or_else(|p| p.into_inner());
        received.by_step.remove(&step).unwrap_or_default()
    }
}

/// The step and due time in a frame that carries a load message.
fn marker_in(frame: &str) -> Option<(u64, u64)> {
    let start = frame.find(MARKER)? + MARKER.len();
    let mut parts = frame[start..].splitn(3, ':');
    let step = parts.next()?.parse().ok()?;
    let due: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((step, due.parse().ok()?))
}

/// Microseconds on a clock shared by the sender and the receivers (same process).
fn now_micros() -> u64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_micros() as u64
}

// ---- One step of the ramp ----

struct Row {
    offered: u64,
    achieved: f64,
    http: Vec<u32>,
    delivery: Vec<u32>,
    errors: u64,
    /// What the first error was, to print under the table.
    first_error: Option<String>,
    lost: u64,
    cpu_percent: f64,
    rss_mb: u64,
    threads: u64,
    generator_cpu_percent: f64,
}

async fn ramp_step(
    server: &Server,
    client: &Client,
    cast: &Cast,
    receiver: &Receiver,
    step: u64,
    rate: u64,
    seconds: u64,
) -> Row {
    let total = rate * seconds;
    let before = server.usage();
    let generator_before = own_cpu_ticks();
    let http_times = Arc::new(Mutex::new(Vec::with_capacity(total as usize)));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(Mutex::new(None::<String>));
    let in_flight = Arc::new(AtomicU64::new(0));
    let client = Arc::new(Client {
        http: client.http.clone(),
        base_url: client.base_url.clone(),
    });
    let started = Instant::now();
    let mut sent = 0u64;
    let mut tasks = Vec::with_capacity(total as usize);
    let mut ticker = tokio::time::interval(Duration::from_millis(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while sent < total {
        ticker.tick().await;
        let due_now = ((started.elapsed().as_secs_f64() * rate as f64) as u64).min(total);
        while sent < due_now {
            // The moment this send was due, not when the generator got to it.
            let due = now_micros()
                - (started.elapsed().as_micros() as u64).saturating_sub(sent * 1_000_000 / rate);
            let (chatid, one, other) = &cast.chats[(sent as usize) % cast.chats.len()];
            let author = if (sent / cast.chats.len() as u64) % 2 == 0 {
                *one
            } else {
                *other
            };
            let token = cast.tokens[author].1.clone();
            let request = send_request(chatid, format!("{MARKER}{step}:{due}:x"));
            sent += 1;
            if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
                errors.fetch_add(1, Ordering::Relaxed);
                first_error
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert(format!("over {MAX_IN_FLIGHT} sends waiting: not sent"));
                continue;
            }
            in_flight.fetch_add(1, Ordering::Relaxed);
            let (client, http_times, errors, in_flight, first_error) = (
                Arc::clone(&client),
                Arc::clone(&http_times),
                Arc::clone(&errors),
                Arc::clone(&in_flight),
                Arc::clone(&first_error),
            );
            tasks.push(tokio::spawn(async move {
                let began = Instant::now();
                match client.call::<DmSendMessage>(Some(&token), &request).await {
                    Ok(_) => {
                        let took = began.elapsed().as_micros() as u32;
                        http_times
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(took);
                    }
                    Err(error) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        first_error
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(error);
                    }
                }
                in_flight.fetch_sub(1, Ordering::Relaxed);
            }));
        }
    }
    for task in tasks {
        let _ = task.await;
    }
    let answered_in = started.elapsed().as_secs_f64();
    let succeeded = http_times.lock().unwrap_or_else(|p| p.into_inner()).len() as u64;
    // Every answered send must reach its partner: wait for the last frames (a guard of 10 s).
    let waiting = Instant::now();
    while (receiver.count(step) as u64) < succeeded && waiting.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let after = server.usage();
    let generator_after = own_cpu_ticks();
    let delivery = receiver.take(step);
    let first_error_seen = first_error.lock().unwrap_or_else(|p| p.into_inner()).take();
    let http = std::mem::take(&mut *http_times.lock().unwrap_or_else(|p| p.into_inner()));
    Row {
        offered: rate,
        achieved: succeeded as f64 / answered_in,
        lost: succeeded.saturating_sub(delivery.len() as u64),
        http,
        delivery,
        errors: errors.load(Ordering::Relaxed),
        first_error: first_error_seen,
        cpu_percent: after.cpu_percent_since(&before),
        rss_mb: after.rss_kb / 1024,
        threads: after.threads,
        generator_cpu_percent: (generator_after - generator_before) as f64
            / (after.at - before.at).as_secs_f64(),
    }
}

fn own_cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    field(14).unwrap_or(0) + field(15).unwrap_or(0)
}

// ---- Seeding ----

/// Adds `count` messages, spread evenly over the chats, straight into the database: each chat's
/// `seq` continues after its newest, stamped a day in the past (older than anything sent live).
fn seed_messages(database: &Path, count: u64) -> Result<(), String> {
    let mut connection = rusqlite::Connection::open(database).map_err(|e| e.to_string())?;
    connection
        .busy_timeout(Duration::from_secs(30))
        .map_err(|e| e.to_string())?;
    let chats: Vec<(String, String, String, i64)> = {
        let mut statement = connection
            .prepare(
                "SELECT c.id, c.user_a, c.user_b, COALESCE((SELECT MAX(seq) FROM messages m WHERE m.chat_id = c.id), 0)
                 FROM chats c",
            )
            .map_err(|e| e.to_string())?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())?
    };
    if chats.is_empty() {
        return Err("no chats to seed".into());
    }
    let day_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
        - 86_400;
    let transaction = connection.transaction().map_err(|e| e.to_string())?;
    {
        let mut insert = transaction
            .prepare(
                "INSERT INTO messages (id, chat_id, seq, author, body, sent_t, sent_i)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(|e| e.to_string())?;
        for n in 0..count {
            let (chat, user_a, user_b, newest) = &chats[(n as usize) % chats.len()];
            let round = (n / chats.len() as u64) as i64;
            let author = if round % 2 == 0 { user_a } else { user_b };
            insert
                .execute(rusqlite::params![
                    format!("seed{n:020}"),
                    chat,
                    newest + 1 + round,
                    author,
                    format!("seeded message {n}, about as long as a short chat message is"),
                    day_ago,
                    n as i64,
                ])
                .map_err(|e| e.to_string())?;
        }
    }
    transaction.commit().map_err(|e| e.to_string())
}

// ---- Output ----

fn percentile(sorted: &[u32], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index] as f64 / 1000.0
}

fn print_header() {
    println!(
        "| database | offered/s | achieved/s | HTTP p50 ms | HTTP p99 ms | send-to-receive p50 ms | p99 ms | errors | not received | server CPU % (of 200) | server RSS MB | server threads | generator CPU % |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
}

fn print_row(database: &str, row: &Row) {
    let mut http = row.http.clone();
    http.sort_unstable();
    let mut delivery = row.delivery.clone();
    delivery.sort_unstable();
    println!(
        "| {database} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} | {:.0} | {} | {} | {:.0} |",
        row.offered,
        row.achieved,
        percentile(&http, 0.5),
        percentile(&http, 0.99),
        percentile(&delivery, 0.5),
        percentile(&delivery, 0.99),
        row.errors,
        row.lost,
        row.cpu_percent,
        row.rss_mb,
        row.threads,
        row.generator_cpu_percent
    );
    if let Some(error) = &row.first_error {
        println!("|   first error of the step: {error} | | | | | | | | | | | | |");
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

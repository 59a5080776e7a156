//! SMTP delivery against a real SMTP server: aiosmtpd (Debian's `python3-aiosmtpd`) as a child
//! process, whose default handler prints every message it receives to stdout.

mod common;

use std::process::Stdio;

use chatenium_api::schemas::auth::*;
use chatenium_api::{ErrorCode, RegisterChallenge, RequestFactorCredential, VerifyFactor};
use chatenium_server::config::{Delivery, SmtpConfig, SmtpSecurity};
use common::{As, TestServer, PATIENCE};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

/// The interpreter Debian's aiosmtpd is installed for (not whichever python is on PATH).
const PYTHON: &str = "/usr/bin/python3";

struct SmtpServer {
    child: Child,
    port: u16,
    stdout: Lines<BufReader<ChildStdout>>,
    /// Drained by a task, so that the debug log never fills the pipe and stalls the server.
    _stderr_drain: tokio::task::JoinHandle<()>,
}

/// A port that was free a moment ago: aiosmtpd takes a port number, not a listening socket.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

impl SmtpServer {
    /// Starts aiosmtpd and waits until its log says it listens.
    async fn start() -> SmtpServer {
        let port = free_port();
        let mut child = Command::new(PYTHON)
            // Unbuffered, so each received message reaches the pipe as it is printed.
            .args(["-u", "-m", "aiosmtpd", "-n", "-d", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{PYTHON} -m aiosmtpd must run (apt-get install python3-aiosmtpd): {e}")
            });
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let ready = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = stderr.next_line().await.expect("aiosmtpd's log") {
                if line.contains("is listening on") {
                    return;
                }
            }
            panic!("aiosmtpd ended before listening (is python3-aiosmtpd installed?)");
        });
        ready.await.expect("aiosmtpd listens in time");
        let drain = tokio::spawn(drain(stderr));
        SmtpServer {
            child,
            port,
            stdout,
            _stderr_drain: drain,
        }
    }

    /// The next message aiosmtpd prints, its lines between the marker lines.
    async fn next_message(&mut self) -> Vec<String> {
        let read = async {
            let mut message = None;
            while let Some(line) = self.stdout.next_line().await.expect("aiosmtpd's output") {
                if line.contains("MESSAGE FOLLOWS") {
                    message = Some(Vec::new());
                } else if line.contains("END MESSAGE") {
                    return message.expect("a message's start");
                } else if let Some(message) = &mut message {
                    message.push(line);
                }
            }
            panic!("aiosmtpd ended");
        };
        tokio::time::timeout(PATIENCE, read)
            .await
            .expect("a message arrives")
    }

    async fn stop(mut self) {
        self.child.kill().await.expect("aiosmtpd stops");
    }
}

async fn drain(mut lines: Lines<BufReader<ChildStderr>>) {
    while let Ok(Some(_)) = lines.next_line().await {}
}

/// Plain SMTP to a loopback port, as aiosmtpd speaks it here.
fn smtp_config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        username: None,
        password: None,
        from: "Chatenium <no-reply@chatenium.test>".into(),
        security: SmtpSecurity::None,
    }
}

fn smtp(port: u16) -> Delivery {
    Delivery::Smtp(smtp_config(port))
}

async fn sign_in_challenge(server: &TestServer, identity: &str) -> Challenge {
    let request = RegisterAuthAttemptReq {
        purpose: ChallengePurpose::SignIn,
        identity: Some(identity.to_owned()),
        data_override: None,
    };
    server
        .call::<RegisterChallenge>(As::default(), &(), &request)
        .await
        .expect("a challenge")
}

async fn request_code(
    server: &TestServer,
    challenge: &Challenge,
    kind: FactorKind,
) -> Result<(), common::Failure> {
    let request = RequestFactorCredentialReq {
        challenge_id: challenge.challenge_id.clone(),
        kind,
    };
    server
        .call::<RequestFactorCredential>(As::default(), &(), &request)
        .await
        .map(drop)
}

#[tokio::test]
async fn an_e_mail_code_reaches_the_smtp_server_and_verifies() {
    let mut mail = SmtpServer::start().await;
    let server = TestServer::start_with(|config| config.delivery = smtp(mail.port)).await;
    let anna = server.register("anna").await;
    let challenge = sign_in_challenge(&server, &anna.email).await;
    request_code(&server, &challenge, FactorKind::Email)
        .await
        .expect("the code is sent");

    let message = mail.next_message().await;
    let header = |name: &str| {
        message
            .iter()
            .find(|line| line.to_ascii_lowercase().starts_with(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} header in {message:#?}"))
            .clone()
    };
    assert!(header("to").contains(&anna.email), "{message:#?}");
    assert!(header("from").contains("no-reply@chatenium.test"));
    assert!(header("subject").contains("Your Chatenium code"));
    assert!(
        header("message-id").ends_with("@chatenium.test>"),
        "{message:#?}"
    );
    // The body opens with the code: "123456 is your Chatenium code to sign in. ..."
    let code = message
        .iter()
        .find_map(|line| line.split_once(" is your Chatenium code"))
        .map(|(code, _)| code.trim().to_owned())
        .unwrap_or_else(|| panic!("no code in {message:#?}"));
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    // E-mail no longer goes to the local outbox.
    let outbox = server.server.outbox().expect("the outbox is there for SMS");
    assert!(outbox.messages_to(&anna.email).is_empty());

    // The mailed code is the one the server expects.
    let request = VerifyFactorReq {
        challenge_id: challenge.challenge_id.clone(),
        kind: FactorKind::Email,
        credential: code,
    };
    let verified = server
        .call::<VerifyFactor>(As::default(), &(), &request)
        .await
        .expect("the mailed code verifies");
    assert!(verified.complete, "{verified:?}");
    mail.stop().await;
}

#[tokio::test]
async fn sms_still_goes_to_the_local_outbox() {
    let mail = SmtpServer::start().await;
    let server = TestServer::start_with(|config| config.delivery = smtp(mail.port)).await;
    let request = RegisterReq {
        username: "bela".into(),
        display_name: "Béla".into(),
        email: "bela@example.test".into(),
        password: "bela-password-1".into(),
        phone: Some("+36301234567".into()),
        os: "test".into(),
        language: "hu".into(),
    };
    server
        .call::<chatenium_api::Register>(As::default(), &(), &request)
        .await
        .expect("registration");
    let challenge = sign_in_challenge(&server, "bela").await;
    request_code(&server, &challenge, FactorKind::Sms)
        .await
        .expect("the SMS is sent");
    let code = server.secret_sent_to("+36301234567");
    assert_eq!(code.len(), 6);
    mail.stop().await;
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_an_internal_error() {
    // Nothing listens on a port that was free a moment ago: the connection is refused.
    let port = free_port();
    let server = TestServer::start_with(|config| config.delivery = smtp(port)).await;
    let anna = server.register("anna").await;
    let challenge = sign_in_challenge(&server, &anna.email).await;
    let failure = request_code(&server, &challenge, FactorKind::Email)
        .await
        .expect_err("the send fails");
    assert_eq!(failure.code, ErrorCode::Internal);
    assert_eq!(failure.status, 500);
    // The server goes on answering.
    server
        .sign_in("anna", &anna.password)
        .await
        .expect("sign-in still works");
}

#[tokio::test]
async fn a_bad_smtp_setting_stops_the_start() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut config = chatenium_server::Config::in_dir(dir.path());
    config.delivery = Delivery::Smtp(SmtpConfig {
        from: "not an address".into(),
        ..smtp_config(25)
    });
    let error = match chatenium_server::start(config).await {
        Ok(_) => panic!("a server started with a bad sender address"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("delivery.from"), "{error}");
}

#[test]
fn the_smtp_delivery_reads_from_json() {
    let config: chatenium_server::Config = serde_json::from_str(
        r#"{ "delivery": { "kind": "smtp", "host": "mail.example.test", "port": 465,
             "username": "chatenium", "password": "hunter2-smtp", "from": "no-reply@example.test",
             "security": "tls" } }"#,
    )
    .expect("an SMTP config");
    let Delivery::Smtp(smtp) = &config.delivery else {
        panic!("{:?}", config.delivery);
    };
    assert_eq!(smtp.port, 465);
    assert_eq!(smtp.security, SmtpSecurity::Tls);
    assert_eq!(smtp.username.as_deref(), Some("chatenium"));
    // Debug output never shows the password.
    assert!(!format!("{config:?}").contains("hunter2-smtp"));
    // Security defaults to STARTTLS; an unknown field or security is refused.
    let config: chatenium_server::Config = serde_json::from_str(
        r#"{ "delivery": { "kind": "smtp", "host": "h", "port": 587, "from": "a@b.test" } }"#,
    )
    .expect("a minimal SMTP config");
    assert!(matches!(
        config.delivery,
        Delivery::Smtp(SmtpConfig {
            security: SmtpSecurity::StartTls,
            ..
        })
    ));
    for bad in [
        r#"{ "delivery": { "kind": "smtp", "host": "h", "port": 25, "from": "a@b.test", "tls": true } }"#,
        r#"{ "delivery": { "kind": "smtp", "host": "h", "port": 25, "from": "a@b.test", "security": "ssl" } }"#,
        r#"{ "delivery": { "kind": "carrierPigeon" } }"#,
    ] {
        assert!(
            serde_json::from_str::<chatenium_server::Config>(bad).is_err(),
            "{bad}"
        );
    }
}

//! A server as it starts: the `chatenium-server` binary with `--demo` and `--config`, the
//! OpenAPI document it serves, and uploads a crash left half assembled.

mod common;

use std::path::Path;
use std::process::Stdio;

use chatenium_api::schemas::auth::{DataAvailabilityResp, SignInReq, SuccessfulAuthResp};
use chatenium_api::schemas::upload::*;
use chatenium_api::{
    CompleteMultipartUpload, Endpoint, ErrorCode, RegisterMultipartUpload, SignIn,
    UsernameAvailability,
};
use chatenium_server::Config;
use common::{TestServer, PATIENCE};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

// ---- The OpenAPI document -------------------------------------------------------------------

#[tokio::test]
async fn the_served_openapi_document_is_the_contract_s() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let served: serde_json::Value = response.json().await.expect("a JSON document");
    assert_eq!(served, chatenium_api::openapi::document());
    let methods = ["get", "post", "put", "patch", "delete"];
    let operations: usize = served["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| {
            item.as_object()
                .expect("a path item")
                .keys()
                .filter(|key| methods.contains(&key.as_str()))
                .count()
        })
        .sum();
    // The index's 97, the call-signaling extension's 4 (docs/call-signaling.md), the two
    // forwarding extensions and the change feed, without a row (docs/compat-surface.md).
    assert_eq!(operations, 104);
}

// ---- The binary -----------------------------------------------------------------------------

/// The server binary with a clean environment of its own variables.
fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chatenium-server"));
    command
        .env_remove("CHATENIUM_BIND")
        .env_remove("CHATENIUM_DATA_DIR")
        .env_remove("CHATENIUM_PUBLIC_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Runs the binary until it prints `listening on <url>`: the child, its stdout up to that
/// line, and the URL.
async fn run_until_listening(mut command: Command) -> (Child, Vec<String>, String) {
    // Its log is only for reading when a test fails, and must not fill an unread pipe.
    command.stderr(Stdio::inherit());
    let mut child = command.spawn().expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let read = async {
        let mut before = Vec::new();
        while let Some(line) = lines.next_line().await.expect("stdout") {
            if let Some((_, url)) = line.split_once("listening on ") {
                return (before, url.trim().to_owned());
            }
            before.push(line);
        }
        panic!("the server ended without listening; it printed {before:#?}");
    };
    let (before, url) = tokio::time::timeout(PATIENCE, read)
        .await
        .expect("the server listens in time");
    (child, before, url)
}

async fn sign_in(url: &str, identity: &str, password: &str) -> SuccessfulAuthResp {
    let request = SignInReq {
        identity: identity.to_owned(),
        password: Some(password.to_owned()),
        challenge_id: None,
        os: "test".into(),
        language: "en".into(),
    };
    let response = reqwest::Client::new()
        .post(format!("{url}{}", SignIn::META.path))
        .json(&request)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("a token pair")
}

#[tokio::test]
async fn the_binary_seeds_the_demo_and_serves_it() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data = dir.path().join("data");
    let mut command = binary();
    command
        .env("CHATENIUM_BIND", "127.0.0.1:0")
        .env("CHATENIUM_DATA_DIR", &data)
        .arg("--demo");
    let (mut child, printed, url) = run_until_listening(command).await;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let printed = printed.join("\n");
    assert!(printed.contains("demo data added"), "{printed}");
    assert!(
        printed.contains("anna@demo.chatenium.local") && printed.contains("demo-password"),
        "{printed}"
    );
    let auth = sign_in(&url, "anna@demo.chatenium.local", "demo-password").await;
    assert!(!auth.access_token.is_empty());
    child.kill().await.expect("the server stops");
    assert!(data.join("server.sqlite").exists());

    // Again on the same folder: nothing is added, and the same accounts work.
    let mut command = binary();
    command
        .env("CHATENIUM_BIND", "127.0.0.1:0")
        .env("CHATENIUM_DATA_DIR", &data)
        .arg("--demo");
    let (mut child, printed, url) = run_until_listening(command).await;
    assert!(
        printed
            .iter()
            .any(|l| l.contains("demo data already present")),
        "{printed:#?}"
    );
    let again = sign_in(&url, "bela", "demo-password").await;
    assert!(!again.userid.is_empty());
    child.kill().await.expect("the server stops");
}

/// Issue 16, finding 8: the first request the server answers already sees the demo.
#[tokio::test]
async fn the_binary_accepts_no_connection_before_the_demo_is_seeded() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|probe| probe.local_addr())
        .expect("a free port")
        .port();
    let mut command = binary();
    command
        .env("CHATENIUM_BIND", format!("127.0.0.1:{port}"))
        .env("CHATENIUM_DATA_DIR", dir.path().join("data"))
        .arg("--demo")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _child = command.spawn().expect("the binary starts");
    let url = format!(
        "http://127.0.0.1:{port}{}?username=anna",
        UsernameAvailability::META.path
    );
    let http = reqwest::Client::new();
    let first_answer = tokio::time::timeout(PATIENCE, async {
        loop {
            match http.get(&url).send().await {
                Ok(response) => return response,
                // Refused: not listening yet. Ask again shortly.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
            }
        }
    })
    .await
    .expect("the server listens in time");
    let availability: DataAvailabilityResp = first_answer.json().await.expect("an answer");
    assert!(!availability.available, "the demo's anna exists already");
}

#[tokio::test]
async fn the_binary_reads_a_json_config_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data = dir.path().join("from-config");
    let file = dir.path().join("server.json");
    let config = serde_json::json!({ "bind": "127.0.0.1:0", "dataDir": data });
    std::fs::write(&file, config.to_string()).expect("the config is written");
    let mut command = binary();
    command.arg("--config").arg(&file);
    let (mut child, _, url) = run_until_listening(command).await;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    // The data folder is the file's.
    assert!(data.join("server.sqlite").exists());
    child.kill().await.expect("the server stops");
}

/// Runs the binary to its end: exit code and stderr.
async fn run_to_end(mut command: Command) -> (Option<i32>, String) {
    let output = tokio::time::timeout(PATIENCE, command.output())
        .await
        .expect("the binary ends in time")
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn config_command(dir: &Path, name: &str, text: &str) -> Command {
    let file = dir.join(name);
    std::fs::write(&file, text).expect("the config is written");
    let mut command = binary();
    command.arg("--config").arg(&file);
    command
}

#[tokio::test]
async fn a_bad_config_file_stops_the_binary_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let cases = [
        (
            "broken.json",
            "{ not json",
            "broken.json: key must be a string",
        ),
        (
            "unknown.json",
            r#"{ "bind": "127.0.0.1:0", "colour": "blue" }"#,
            "unknown field `colour`",
        ),
        (
            "bind.json",
            r#"{ "bind": "somewhere" }"#,
            "invalid socket address",
        ),
        (
            "smtp.json",
            r#"{ "bind": "127.0.0.1:0", "delivery": { "kind": "smtp", "host": "h", "port": 25, "from": "nobody" } }"#,
            "delivery.from",
        ),
    ];
    for (name, text, expected) in cases {
        let mut command = config_command(dir.path(), name, text);
        command.env("CHATENIUM_DATA_DIR", dir.path().join("data"));
        let (code, stderr) = run_to_end(command).await;
        assert_eq!(code, Some(1), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(stderr.starts_with("chatenium-server: "), "{name}: {stderr}");
    }
    let missing = dir.path().join("missing.json");
    let mut command = binary();
    command.arg("--config").arg(&missing);
    let (code, stderr) = run_to_end(command).await;
    assert_eq!(code, Some(1));
    assert!(stderr.contains("cannot read"), "{stderr}");
    // A flag it does not know is a usage error.
    let mut command = binary();
    command.arg("--colour");
    let (code, stderr) = run_to_end(command).await;
    assert_eq!(code, Some(2));
    assert!(stderr.contains("usage:"), "{stderr}");
}

// ---- Uploads interrupted while assembling ---------------------------------------------------

const PART: u64 = 64 * 1024;

#[tokio::test]
async fn an_upload_left_assembling_by_a_crash_can_be_completed_after_a_restart() {
    let first = TestServer::start_with(|config| config.multipart_part_size = PART).await;
    let anna = first.register("anna").await;
    let bytes: Vec<u8> = (0..PART * 5 / 2).map(|i| (i % 251) as u8).collect();
    let upload = first
        .call::<RegisterMultipartUpload>(
            anna.auth(),
            &(),
            &S3MultipartUploadReq {
                file: FileMetadata {
                    name: "film.mp4".into(),
                    size: bytes.len() as u64,
                    mime: "video/mp4".into(),
                    width: None,
                    height: None,
                },
            },
        )
        .await
        .expect("multipart registration");
    let mut parts = Vec::new();
    for part in &upload.parts {
        let start = (part.part_number as usize - 1) * PART as usize;
        let end = (start + PART as usize).min(bytes.len());
        let etag = first
            .put_bytes(&part.upload_url, bytes[start..end].to_vec())
            .await
            .expect("the part is stored");
        parts.push(CompletedPart {
            part_number: part.part_number,
            etag,
        });
    }
    let finish = S3FinishMultiReq {
        file_id: upload.file_id.clone(),
        upload_id: upload.upload_id.clone(),
        parts,
    };
    // The state a crash while joining the parts leaves: the row says assembling, and the
    // join's temporary file is still beside the final one.
    first
        .sql(&format!(
            "UPDATE files SET state = 'assembling' WHERE id = '{}'",
            upload.file_id
        ))
        .await;
    let storage = &first.server.state().storage;
    let stray = storage
        .file_path(&upload.file_id)
        .with_extension("0123.incoming");
    std::fs::write(&stray, b"half a join").expect("the stray file is written");
    first
        .refused::<CompleteMultipartUpload>(anna.auth(), &(), &finish, ErrorCode::UploadIncomplete)
        .await;

    let TestServer { server, dir, http } = first;
    server.stop().await;
    let mut config = Config::in_dir(dir.path().join("data"));
    config.multipart_part_size = PART;
    let server = chatenium_server::start(config)
        .await
        .expect("the server starts again");
    let second = TestServer { server, dir, http };

    assert!(!stray.exists(), "the half-written join is removed");
    let attachment = second
        .call::<CompleteMultipartUpload>(anna.auth(), &(), &finish)
        .await
        .expect("the upload completes after the restart");
    assert_eq!(attachment.size, bytes.len() as u64);
    let downloaded = second
        .get_bytes(&attachment.path)
        .await
        .expect("the file downloads");
    assert!(downloaded == bytes, "the joined file is the uploaded bytes");
}

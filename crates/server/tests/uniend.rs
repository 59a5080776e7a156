//! Chatenium's own client library, UniEnd (`chatenium-uniend` 0.6 from PyPI), against this
//! server (issue 18): `tests/uniend/drive.py` signs in by password and by e-mailed code, lists
//! and starts chats, reads messages, opens the socket, sends, edits, deletes, uploads a file,
//! forwards it, hears another user's message, edit and deletion live, and logs out.
//!
//! The library is installed from PyPI into a virtual environment (`./dev setup` makes it; this
//! test makes it when missing). When it cannot be installed the test fails, with how to fix
//! it: it never passes without having run the client.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestServer;

const PACKAGE: &str = "chatenium-uniend==0.6";

/// The virtual environment's folder: `CHATENIUM_UNIEND_VENV`, or `.uniend-venv` at the
/// workspace root (where `./dev setup` makes it).
fn venv_dir() -> PathBuf {
    std::env::var_os("CHATENIUM_UNIEND_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.uniend-venv"))
}

fn run(what: &str, command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}); CI={:?}. Install python3-venv and network access to PyPI, or run \
         ./dev setup.\nstdout:\n{}\nstderr:\n{}",
        output.status,
        std::env::var("CI").ok(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The Python of a virtual environment with UniEnd importable, made if needed.
fn uniend_python() -> PathBuf {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    let has_uniend = || {
        Command::new(&python)
            .args(["-c", "import backend.websocket, backend.chat.dm.dm_handler"])
            .output()
            .is_ok_and(|output| output.status.success())
    };
    if !has_uniend() {
        run(
            "creating the virtual environment",
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
        );
        run(
            "installing chatenium-uniend from PyPI",
            Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                PACKAGE,
            ]),
        );
        assert!(has_uniend(), "{PACKAGE} installed but not importable");
    }
    python
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uniend_drives_every_operation_against_the_local_server() {
    let python = uniend_python();
    let server = TestServer::start().await;
    let [user, peer, third] = server.users(["anna", "bela", "cili"]).await;
    let outbox = server.dir.path().join("data").join("outbox.jsonl");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/uniend/drive.py");
    let mut command = tokio::process::Command::new(&python);
    command
        .arg(&script)
        .arg("main")
        .env("UNIEND_API", &server.server.base_url)
        .env("UNIEND_OUTBOX", &outbox)
        .env("PYTHONUNBUFFERED", "1")
        // UniEnd's keyring dependency must not reach for a desktop keyring; the script
        // installs an in-memory one.
        .env("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring");
    for (prefix, who) in [
        ("UNIEND_USER", &user),
        ("UNIEND_PEER", &peer),
        ("UNIEND_THIRD", &third),
    ] {
        command
            .env(format!("{prefix}_USERNAME"), &who.username)
            .env(format!("{prefix}_PASSWORD"), &who.password)
            .env(format!("{prefix}_EMAIL"), &who.email);
    }
    let output = command
        .kill_on_drop(true)
        .output()
        .await
        .expect("the driver starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("UniEnd drove every operation"),
        "the UniEnd driver failed ({}).\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
}

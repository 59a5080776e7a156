//! A second user for the desktop app's end-to-end tests, driven through this core (the app's
//! own engine) rather than over bare HTTP, because a peer-to-peer transfer needs a real WebRTC
//! peer on the other end.
//!
//! `e2e_peer <server-url> <identity> <password> <data-dir>` signs in (tokens in the OS
//! keyring, under a service name of its own), then reads one JSON command per line on stdin
//! and writes one JSON line per event on stdout:
//!
//! - in: `{"send": {"userid": "...", "path": "..."}}`, `{"accept": {"transferId": "...",
//!   "folder": "..."}}`, `{"decline": {"transferId": "..."}}`
//! - out: `{"ready": {"userid": "..."}}` once online, `{"transfer": <TransferUpdate>}` for
//!   each change of a transfer, `{"error": "..."}` when a command fails.
//!
//! It exits when stdin closes. Built by `./dev test` (`cargo build -p chatenium-core
//! --example e2e_peer`) and started by `ui/e2e/peer.mjs`.

use std::path::PathBuf;
use std::sync::Arc;

use chatenium_core::device::Device;
use chatenium_core::tokens::KeyringTokenStore;
use chatenium_core::transfer::TransferSettings;
use chatenium_core::{ConnectionState, CoreEvent};
use serde::Deserialize;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum Command {
    Send {
        userid: String,
        path: PathBuf,
    },
    #[serde(rename_all = "camelCase")]
    Accept {
        transfer_id: String,
        folder: PathBuf,
    },
    #[serde(rename_all = "camelCase")]
    Decline {
        transfer_id: String,
    },
}

fn say(line: serde_json::Value) {
    println!("{line}");
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, identity, password, data_dir] = args.as_slice() else {
        return Err("usage: e2e_peer <server-url> <identity> <password> <data-dir>".into());
    };
    let keyring = Arc::new(KeyringTokenStore::with_service(format!(
        "chatenium-e2e-peer-{}",
        std::process::id()
    )));
    let device = Device::new(server, data_dir, keyring)?;
    let done = device
        .auth("en")
        .sign_in_with_password(identity, password)
        .await?;
    let client = device.start(&done).await?;
    // The app's embedded server is on loopback, so both parties are on this machine.
    client.set_transfer_settings(TransferSettings {
        udp_addrs: vec!["127.0.0.1:0".into()],
        ..Default::default()
    });
    let mut events = client.events();
    client
        .connection()
        .wait_for(|state| *state == ConnectionState::Online)
        .await?;
    say(json!({ "ready": { "userid": client.userid() } }));

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        tokio::select! {
            line = lines.next_line() => {
                let Some(line) = line? else { break };
                if line.trim().is_empty() {
                    continue;
                }
                let outcome = match serde_json::from_str::<Command>(&line) {
                    Err(error) => Err(format!("unreadable command: {error}")),
                    Ok(Command::Send { userid, path }) => client
                        .send_file(&userid, &path)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Ok(Command::Accept { transfer_id, folder }) => client
                        .accept_transfer(&transfer_id, &folder)
                        .await
                        .map_err(|e| e.to_string()),
                    Ok(Command::Decline { transfer_id }) => client
                        .decline_transfer(&transfer_id)
                        .await
                        .map_err(|e| e.to_string()),
                };
                if let Err(error) = outcome {
                    say(json!({ "error": error }));
                }
            }
            event = events.recv() => match event {
                Ok(CoreEvent::Transfer { transfer }) => say(json!({ "transfer": transfer })),
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    client.shut_down().await;
    Ok(())
}

//! The one seam through which push notifications leave the server (FCM and APNS), like
//! [`crate::mailer`] for codes. Pushes go to the tokens a user's sessions registered (rows 17
//! and 18). The default, [`LocalPushOutbox`], keeps them in memory and appends them to a
//! JSON-lines file in the data folder, so tests and the demo can read what a phone would have
//! been sent; a deployment with FCM or APNS credentials puts its own [`PushSender`] here.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chatenium_api::ws::Frame;
use rusqlite::Connection;
use serde::Serialize;

use crate::error::ApiResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PushService {
    Fcm,
    Apns,
}

/// One notification to one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Push {
    pub service: PushService,
    /// The device's token at the service.
    pub token: String,
    pub message: PushMessage,
}

/// What a notification says, the same for each of a user's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushMessage {
    /// The user the devices belong to.
    pub userid: String,
    /// What the notification shows.
    pub title: String,
    pub body: String,
    /// The event the push stands for, as the WebSocket would carry it: a woken app decodes it
    /// like any frame.
    pub frame: Frame,
}

pub trait PushSender: Send + Sync {
    fn send(&self, push: Push) -> std::io::Result<()>;
}

/// The sender in use and, when it is the default, the outbox for tests to read.
pub struct PushSeam {
    pub sender: Arc<dyn PushSender>,
    pub outbox: Option<Arc<LocalPushOutbox>>,
}

impl PushSeam {
    /// The default: a [`LocalPushOutbox`] writing to `file`.
    pub fn local(file: PathBuf) -> Self {
        let outbox = Arc::new(LocalPushOutbox::new(file));
        Self {
            sender: outbox.clone(),
            outbox: Some(outbox),
        }
    }

    /// Sends `message` to each of `devices` (see [`devices_of`]), on a blocking thread since a
    /// sender may do network or file I/O. A device that cannot be reached is logged and
    /// skipped: a push is a courtesy on top of the live event, never a reason to fail the
    /// request that caused it.
    pub async fn send_to_devices(&self, devices: Vec<(PushService, String)>, message: PushMessage) {
        if devices.is_empty() {
            return;
        }
        let sender = Arc::clone(&self.sender);
        let sending = tokio::task::spawn_blocking(move || {
            for (service, token) in devices {
                let push = Push {
                    service,
                    token,
                    message: message.clone(),
                };
                if let Err(error) = sender.send(push) {
                    tracing::warn!(%error, "a push could not be sent");
                }
            }
        });
        if let Err(error) = sending.await {
            tracing::warn!(%error, "the push task failed");
        }
    }
}

/// The push tokens registered on `userid`'s sessions.
pub fn devices_of(connection: &Connection, userid: &str) -> ApiResult<Vec<(PushService, String)>> {
    let mut statement =
        connection.prepare("SELECT fcm_token, apns_token FROM sessions WHERE user_id = ?1")?;
    let rows = statement.query_map([userid], |row| {
        Ok((
            row.get::<_, Option<String>>(0)?,
            row.get::<_, Option<String>>(1)?,
        ))
    })?;
    let mut devices = Vec::new();
    for row in rows {
        let (fcm, apns) = row?;
        devices.extend(fcm.map(|token| (PushService::Fcm, token)));
        devices.extend(apns.map(|token| (PushService::Apns, token)));
    }
    Ok(devices)
}

pub struct LocalPushOutbox {
    file: PathBuf,
    sent: Mutex<Vec<Push>>,
}

impl LocalPushOutbox {
    pub fn new(file: PathBuf) -> Self {
        Self {
            file,
            sent: Mutex::new(Vec::new()),
        }
    }

    /// Everything pushed to the device with `token`, oldest first.
    pub fn pushes_to(&self, token: &str) -> Vec<Push> {
        self.all()
            .into_iter()
            .filter(|p| p.token == token)
            .collect()
    }

    /// Everything pushed, oldest first.
    pub fn all(&self) -> Vec<Push> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl PushSender for LocalPushOutbox {
    fn send(&self, push: Push) -> std::io::Result<()> {
        let mut line = serde_json::to_string(&push).map_err(std::io::Error::other)?;
        line.push('\n');
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)?
            .write_all(line.as_bytes())?;
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(push);
        Ok(())
    }
}

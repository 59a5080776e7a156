//! The one seam through which codes and reset tokens leave the server (e-mail and SMS).
//! The default, [`LocalOutbox`], delivers to a JSON-lines file in the data folder and keeps
//! the messages in memory, so tests and the demo can read what a user would have received.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Channel {
    Email,
    Sms,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingMessage {
    pub channel: Channel,
    /// An e-mail address or a phone number.
    pub to: String,
    pub subject: String,
    pub body: String,
    /// The code or token the message carries, for readers that want just that.
    pub secret: String,
}

pub trait MessageSender: Send + Sync {
    fn send(&self, message: OutgoingMessage) -> std::io::Result<()>;
}

pub struct LocalOutbox {
    file: PathBuf,
    sent: Mutex<Vec<OutgoingMessage>>,
}

impl LocalOutbox {
    pub fn new(file: PathBuf) -> Self {
        Self {
            file,
            sent: Mutex::new(Vec::new()),
        }
    }

    /// Everything sent to `to`, oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<OutgoingMessage> {
        let sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.iter()
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .cloned()
            .collect()
    }

    /// The secret of the newest message to `to`.
    pub fn latest_secret(&self, to: &str) -> Option<String> {
        self.messages_to(to).pop().map(|m| m.secret)
    }
}

impl MessageSender for LocalOutbox {
    fn send(&self, message: OutgoingMessage) -> std::io::Result<()> {
        let mut line = serde_json::to_string(&message).map_err(std::io::Error::other)?;
        line.push('\n');
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)?
            .write_all(line.as_bytes())?;
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message);
        Ok(())
    }
}

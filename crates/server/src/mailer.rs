//! The one seam through which codes and reset tokens leave the server (e-mail and SMS).
//! The default, [`LocalOutbox`], delivers to a JSON-lines file in the data folder and keeps
//! the messages in memory, so tests and the demo can read what a user would have received.
//! [`SmtpSender`] sends e-mail through an SMTP server instead.
//!
//! [`MessageSender::send`] blocks (a file write, an SMTP conversation): callers run it on a
//! blocking thread, never on an async worker.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use serde::Serialize;

use crate::config::{SmtpConfig, SmtpSecurity};

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
    /// Delivers the message or says why it could not; blocks until then.
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

/// How long one SMTP conversation may stall before the send fails: a code request waits for
/// it, so a dead mail server must not hold the request for long.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// A setting of [`SmtpConfig`] that cannot work, found at start rather than at the first send.
#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    #[error("delivery.from {from:?} is not an e-mail address: {reason}")]
    From { from: String, reason: String },
    #[error("delivery: give both username and password, or neither")]
    HalfCredentials,
    #[error("delivery: cannot set up TLS for {host}: {reason}")]
    Tls { host: String, reason: String },
}

/// Sends e-mail through an SMTP server (a new connection for each message: codes are rare).
/// There is no SMS gateway, so SMS messages go to the local outbox given at construction.
pub struct SmtpSender {
    transport: SmtpTransport,
    from: Mailbox,
    sms: Arc<LocalOutbox>,
}

impl SmtpSender {
    /// Checks `config` and prepares the transport; connects only when sending.
    pub fn new(config: &SmtpConfig, sms: Arc<LocalOutbox>) -> Result<Self, SmtpConfigError> {
        let from = config
            .from
            .parse::<Mailbox>()
            .map_err(|e| SmtpConfigError::From {
                from: config.from.clone(),
                reason: e.to_string(),
            })?;
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned()).map_err(|e| SmtpConfigError::Tls {
                host: host.to_owned(),
                reason: e.to_string(),
            })
        };
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            // Required, not opportunistic: a stripped STARTTLS offer must fail the send rather
            // than send codes and the password in the clear.
            SmtpSecurity::StartTls => Tls::Required(tls(&config.host)?),
            SmtpSecurity::Tls => Tls::Wrapper(tls(&config.host)?),
        };
        let mut builder = SmtpTransport::builder_dangerous(config.host.as_str())
            .port(config.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        match (&config.username, &config.password) {
            (Some(username), Some(password)) => {
                builder = builder.credentials(Credentials::new(username.clone(), password.clone()));
            }
            (None, None) => {}
            _ => return Err(SmtpConfigError::HalfCredentials),
        }
        Ok(Self {
            transport: builder.build(),
            from,
            sms,
        })
    }

    fn send_email(&self, message: &OutgoingMessage) -> std::io::Result<()> {
        let to = message.to.parse::<Mailbox>().map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("cannot e-mail {:?}: {e}", message.to),
            )
        })?;
        // A Message-ID in the sender's domain: mail without one looks like spam to many filters.
        let message_id = format!("<{}@{}>", crate::ids::new_id(), self.from.email.domain());
        let email = lettre::Message::builder()
            .message_id(Some(message_id))
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(|e| std::io::Error::other(format!("cannot build the e-mail: {e}")))?;
        self.transport.send(&email).map(drop).map_err(|e| {
            tracing::error!(to = %message.to, error = %e, "SMTP delivery failed");
            std::io::Error::other(format!("SMTP delivery to {} failed: {e}", message.to))
        })
    }
}

impl MessageSender for SmtpSender {
    fn send(&self, message: OutgoingMessage) -> std::io::Result<()> {
        match message.channel {
            Channel::Email => self.send_email(&message),
            Channel::Sms => self.sms.send(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp(from: &str, username: Option<&str>, password: Option<&str>) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            username: username.map(str::to_owned),
            password: password.map(str::to_owned),
            from: from.into(),
            security: SmtpSecurity::None,
        }
    }

    fn outbox() -> Arc<LocalOutbox> {
        Arc::new(LocalOutbox::new(PathBuf::from("unused.jsonl")))
    }

    #[test]
    fn a_bad_sender_address_or_half_credentials_are_refused_up_front() {
        assert!(SmtpSender::new(
            &smtp("Chatenium <no-reply@example.test>", None, None),
            outbox()
        )
        .is_ok());
        assert!(SmtpSender::new(
            &smtp("no-reply@example.test", Some("u"), Some("p")),
            outbox()
        )
        .is_ok());
        assert!(matches!(
            SmtpSender::new(&smtp("not an address", None, None), outbox()),
            Err(SmtpConfigError::From { .. })
        ));
        assert!(matches!(
            SmtpSender::new(&smtp("no-reply@example.test", Some("u"), None), outbox()),
            Err(SmtpConfigError::HalfCredentials)
        ));
    }
}

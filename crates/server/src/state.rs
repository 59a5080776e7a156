//! What every handler can reach: settings, database, hub, files, the message sender, limits
//! and the clock. Cheap to clone.

use std::ops::Deref;
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::hub::Hub;
use crate::images::Imaging;
use crate::mailer::{LocalOutbox, MessageSender};
use crate::push::PushSeam;
use crate::ratelimit::RateLimiters;
use crate::storage::Storage;

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
    pub db: Db,
    pub hub: Hub,
    pub storage: Storage,
    pub sender: Arc<dyn MessageSender>,
    /// The local outbox, for tests and the demo to read: the sender itself by default, the
    /// SMS channel of the SMTP sender.
    pub outbox: Option<Arc<LocalOutbox>>,
    /// How push notifications (FCM, APNS) leave the server.
    pub push: PushSeam,
    pub limits: RateLimiters,
    /// Calls ringing or running (call signaling keeps them in memory).
    pub calls: crate::live_calls::LiveCalls,
    pub clock: Clock,
    /// Where clients reach this server, without a trailing slash.
    pub base_url: String,
    /// HTTP client for fetching OAuth providers' keys.
    pub http: reqwest::Client,
    /// Decoding gallery pictures, a few at a time.
    pub imaging: Imaging,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

//! [`Context`]: what every subsystem of one signed-in account works with — the session, the
//! local store (asynchronously, through [`AsyncStore`]), the event sink, the connection state,
//! the open timelines and the stop signal. Sync, catch-up, the outbox, timelines, uploads,
//! transfers and cascades take a `Context`; [`crate::Client`] only composes them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{broadcast, watch, Notify};

use crate::conversation::ConversationId;
use crate::error::ClientError;
use crate::events::{CatchUpProgress, ConnectionState, CoreEvent};
use crate::session::Session;
use crate::store::{Store, StoreResult};
use crate::timeline::OpenTimeline;

/// Events a slow consumer may fall behind by before it must re-read a snapshot.
const EVENT_BUFFER: usize = 4096;

pub(crate) struct Context {
    pub session: Session,
    pub store: AsyncStore,
    events: broadcast::Sender<CoreEvent>,
    pub connection: watch::Sender<ConnectionState>,
    /// The catching up under way (while `Connecting`), for a window that opens meanwhile.
    pub catching_up: watch::Sender<Option<CatchUpProgress>>,
    /// Timelines of the conversations the UI opened.
    timelines: Mutex<HashMap<ConversationId, OpenTimeline>>,
    /// Wakes the outbox: something was queued, or the connection came back.
    pub outbox_wake: Notify,
    /// Asks the sync task to subscribe the socket to the cached cascades again (this client
    /// created or joined one: the server does not tell the connection that did it). Requests
    /// are numbered; `subscribed` is the number of the last one the server has applied.
    pub resubscribe: Notify,
    subscribe_requests: AtomicU64,
    pub subscribed: watch::Sender<u64>,
    pub stop: watch::Sender<bool>,
    /// Open gallery feeds, comment threads and album lists.
    pub gallery: crate::gallery::Gallery,
    /// Where this client stands in the server's change feed.
    pub change_feed: crate::feed_position::FeedState,
}

impl Context {
    pub fn new(session: Session, store: Arc<dyn Store>) -> Context {
        Context {
            session,
            store: AsyncStore(store),
            events: broadcast::channel(EVENT_BUFFER).0,
            connection: watch::channel(ConnectionState::Offline).0,
            catching_up: watch::channel(None).0,
            timelines: Mutex::new(HashMap::new()),
            outbox_wake: Notify::new(),
            resubscribe: Notify::new(),
            subscribe_requests: AtomicU64::new(0),
            subscribed: watch::channel(0).0,
            stop: watch::channel(false).0,
            gallery: Default::default(),
            change_feed: Default::default(),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.events.subscribe()
    }

    pub fn emit(&self, event: CoreEvent) {
        // No receiver is fine: nobody is looking.
        let _ = self.events.send(event);
    }

    pub fn is_online(&self) -> bool {
        *self.connection.borrow() == ConnectionState::Online
    }

    pub async fn set_connection(&self, state: ConnectionState) {
        if *self.connection.borrow() != state {
            // Whatever the new state, the catching up of the connection before is over.
            self.catching_up.send_replace(None);
            self.connection.send_replace(state);
            self.emit(CoreEvent::Connection { state });
        }
    }

    /// Records and tells how far the catching up has come.
    pub fn report_catch_up(&self, progress: CatchUpProgress) {
        self.catching_up.send_replace(Some(progress));
        self.emit(CoreEvent::CatchingUp { progress });
    }

    /// The newest subscription request (see [`Context::subscribe_cached`]).
    pub fn subscribe_requested(&self) -> u64 {
        self.subscribe_requests.load(Ordering::SeqCst)
    }

    /// Has the socket subscribe to every cached cascade, and waits until the server applied
    /// it, so that a thread event from then on arrives live. Returns early when the connection
    /// is not (or no longer) online: the next connection subscribes to them all anyway.
    pub async fn subscribe_cached(&self) {
        let wanted = self.subscribe_requests.fetch_add(1, Ordering::SeqCst) + 1;
        self.resubscribe.notify_one();
        let mut applied = self.subscribed.subscribe();
        let mut connection = self.connection.subscribe();
        tokio::select! {
            _ = applied.wait_for(|done| *done >= wanted) => {}
            _ = connection.wait_for(|state| *state != ConnectionState::Online) => {}
        }
    }

    /// The open timelines. Held only for pure model work: never across an `.await`.
    pub fn timelines(&self) -> MutexGuard<'_, HashMap<ConversationId, OpenTimeline>> {
        self.timelines.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The store for async callers: every call runs on a blocking thread, so SQLite never stalls
/// the runtime. This is the one place that makes that hop.
#[derive(Clone)]
pub(crate) struct AsyncStore(Arc<dyn Store>);

impl AsyncStore {
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
    ) -> Result<T, ClientError> {
        let store = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || work(store.as_ref()))
            .await
            .map_err(|e| ClientError::Storage(e.to_string()))?
    }
}

/// 128 random bits, hex: a send's idempotency key, or a local id.
pub(crate) fn new_client_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

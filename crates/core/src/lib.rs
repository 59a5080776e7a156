//! The Chatenium client engine, usable without Tauri.
//!
//! - [`api`]: the one request path to a server, for any endpoint of the contract.
//! - [`session`]: a signed-in session: tokens in the OS keyring ([`tokens`]), refresh before
//!   expiry and on a 401 (single-flight), retries for reads.
//! - [`config`]: which server (the embedded local one, or a URL).
//!
//! Live sync, the SQLite cache and outbox, uploads and WebRTC transfers ([`transfer`]) build
//! on these, each over one `context::Context` (the session, the store, the event sink);
//! [`Client`] is the facade that composes them. A direct chat and a thread are both a
//! [`conversation`] with one [`timeline`] model, paged, caught up and sent to the same way.
//! State leaves the core as typed events (a snapshot, then diffs), never by polling.
//!
//! **The sync model.** The cache follows the server through live events and catch-up. With a
//! server that keeps a change feed (ours), every change the user may see has a gap-free
//! position; the store keeps the last one applied, each connect replays the changes after it
//! (the same code as live events, a page per batch), a live frame that skips positions makes
//! the missing range be fetched first, and a cache beyond the server's kept window is resynced
//! in full (`CoreEvent::FullResync`). Without the feed (the real service), each conversation
//! catches up from its own cursor. `docs/sync-model.md` has the whole of it.

pub mod account_actions;
pub mod accounts;
pub mod api;
pub mod attention;
pub mod backoff;
pub mod call_actions;
pub mod call_state;
pub mod calls;
pub mod cascade_actions;
mod cascade_sync;
mod catchup;
mod catchup_progress;
mod change_feed;
pub mod client;
mod clock;
pub mod config;
mod context;
pub mod conversation;
mod conversations;
pub mod device;
pub mod diff;
pub mod dm_actions;
pub mod error;
pub mod events;
mod feed;
mod feed_position;
pub mod forwarding;
pub mod gallery;
pub mod gallery_actions;
mod gallery_sync;
mod gallery_upload;
mod listdiff;
pub mod oauth;
mod outbox;
pub mod payloads;
pub mod search;
pub mod session;
pub mod signin;
pub mod store;
mod sync;
pub mod thread_actions;
pub mod timeline;
pub mod tokens;
pub mod transfer;
pub mod uploads;

pub use client::Client;
pub use conversation::ConversationId;
pub use error::ClientError;
pub use events::{CatchUpProgress, CatchUpStage, ConnectionState, CoreEvent};

//! The Chatenium client engine, usable without Tauri.
//!
//! - [`api`]: the one request path to a server, for any endpoint of the contract.
//! - [`session`]: a signed-in session: tokens in the OS keyring ([`tokens`]), refresh before
//!   expiry and on a 401 (single-flight), retries for reads.
//! - [`config`]: which server (the embedded local one, or a URL).
//!
//! Live sync, the SQLite cache and outbox, uploads and WebRTC transfers ([`transfer`]) build
//! on these. State
//! leaves the core as typed events (a snapshot, then diffs), never by polling.

pub mod account_actions;
pub mod accounts;
pub mod api;
pub mod attention;
pub mod backoff;
mod cascade_sync;
mod catchup;
pub mod client;
mod clock;
pub mod config;
pub mod device;
pub mod diff;
pub mod dm_actions;
pub mod error;
pub mod events;
mod forwarding;
mod listdiff;
pub mod oauth;
mod outbox;
pub mod session;
pub mod signin;
pub mod store;
mod sync;
pub mod timeline;
pub mod tokens;
pub mod transfer;
pub mod uploads;

pub use client::Client;
pub use error::ClientError;
pub use events::{ConnectionState, CoreEvent};

//! The Chatenium client engine, usable without Tauri.
//!
//! Today it holds the connection settings; the session (tokens in the OS keyring), the HTTP
//! client for every endpoint of `chatenium-api`, live sync over the WebSocket, the SQLite cache
//! and outbox, uploads and WebRTC transfers arrive with the client-core issue. State leaves
//! the core as typed events (a snapshot, then diffs), never by polling.

pub mod config;

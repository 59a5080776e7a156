//! The local Chatenium server: the app's embedded default, the target of every end-to-end test,
//! and a backend people can self-host. It implements exactly the contract in `chatenium-api`.
//!
//! Not built yet: the server issues (identity, accounts, contacts, DMs and the WebSocket hub
//! first; then cascades, threads, pictures, transfer signaling and calls) fill this crate.

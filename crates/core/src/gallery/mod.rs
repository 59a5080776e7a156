//! Picture galleries: feeds of pictures (discovery's recent and most liked, a creator's
//! pictures, an album's, those in no album) as a snapshot and then [`ListDiff`]s, the comment
//! thread of a picture the same way, and the disk cache ([`cache`]) that thumbnails and
//! originals reach the window through.
//!
//! The server answers a feed whole (its list endpoints have no paging); the core keeps the
//! whole list and shows it a page at a time (`Client::load_more_gallery`), so that a creator
//! of ten thousand pictures crosses IPC a page at a time. Every change, whether this client's
//! own action (`gallery_actions`) or another's (`gallery_sync`), goes through
//! [`Gallery::upsert`] or [`Gallery::remove`], which answer the diffs of every open feed it
//! touches.
//!
//! This module is the model and the cache only, and knows nothing of the client, the context
//! or the events: those build on it (as `timeline` is to `conversations`).

pub mod cache;
mod model;

pub use model::{FeedDiff, Gallery, GalleryFeedKey, GalleryItem, MediaLinks};

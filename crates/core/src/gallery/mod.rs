//! Picture galleries: feeds of pictures (discovery's recent and most liked, a creator's
//! pictures, an album's, those in no album) as a snapshot and then [`ListDiff`]s, the comment
//! thread of a picture the same way, and the disk cache ([`cache`]) that thumbnails and
//! originals reach the window through.
//!
//! The server answers a feed whole (its list endpoints have no paging); the core keeps the
//! whole list and shows it a page at a time ([`Client::load_more_gallery`]), so that a creator
//! of ten thousand pictures crosses IPC a page at a time. Every change, whether this client's
//! own action ([`actions`]) or another's, goes through [`Gallery::upsert`] or
//! [`Gallery::remove`], which answer the diffs of every open feed it touches.
//!
//! [`Client::load_more_gallery`]: crate::Client::load_more_gallery

pub mod actions;
pub mod cache;
pub(crate) mod live;
mod model;

pub use model::{Gallery, GalleryFeedKey, GalleryItem, MediaLinks};

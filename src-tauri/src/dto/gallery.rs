//! The gallery's types as the window sees them: mirrors of the core's `GalleryFeedKey` and
//! `GalleryItem` (the core stays free of `specta`), made only by `From`.

use chatenium_api::schemas::common::{PublicUserData, Timestamp};
use chatenium_core::gallery::{GalleryFeedKey, GalleryItem};
use serde::{Deserialize, Serialize};

/// Which feed: discovery's recent or most liked, a creator's pictures, an album's, or a
/// creator's pictures in no album.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum GalleryFeed {
    Recent,
    MostLiked,
    Creator {
        userid: String,
    },
    #[serde(rename_all = "camelCase")]
    Album {
        userid: String,
        album_id: String,
    },
    Unsorted {
        userid: String,
    },
}

impl From<GalleryFeed> for GalleryFeedKey {
    fn from(feed: GalleryFeed) -> Self {
        match feed {
            GalleryFeed::Recent => GalleryFeedKey::Recent,
            GalleryFeed::MostLiked => GalleryFeedKey::MostLiked,
            GalleryFeed::Creator { userid } => GalleryFeedKey::Creator { userid },
            GalleryFeed::Album { userid, album_id } => GalleryFeedKey::Album { userid, album_id },
            GalleryFeed::Unsorted { userid } => GalleryFeedKey::Unsorted { userid },
        }
    }
}

impl From<GalleryFeedKey> for GalleryFeed {
    fn from(feed: GalleryFeedKey) -> Self {
        match feed {
            GalleryFeedKey::Recent => GalleryFeed::Recent,
            GalleryFeedKey::MostLiked => GalleryFeed::MostLiked,
            GalleryFeedKey::Creator { userid } => GalleryFeed::Creator { userid },
            GalleryFeedKey::Album { userid, album_id } => GalleryFeed::Album { userid, album_id },
            GalleryFeedKey::Unsorted { userid } => GalleryFeed::Unsorted { userid },
        }
    }
}

/// A picture in a feed: what a grid cell and the viewer need. Its bytes load from
/// `media://localhost/<pictureId>/<width>` (0: the original).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GalleryPicture {
    pub picture_id: String,
    pub owner: String,
    pub author: Option<PublicUserData>,
    pub album_id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// A blurhash to paint before the thumbnail arrives.
    pub placeholder: Option<String>,
    /// The thumbnail widths the media scheme serves, narrowest first.
    pub thumbnail_widths: Vec<u32>,
    pub likes: u32,
    /// `null` where the server did not say (discovery).
    pub liked: Option<bool>,
    pub comment_count: Option<u32>,
    pub uploaded_at: Timestamp,
}

impl From<GalleryItem> for GalleryPicture {
    fn from(item: GalleryItem) -> Self {
        GalleryPicture {
            picture_id: item.picture_id,
            owner: item.owner,
            author: item.author,
            album_id: item.album_id,
            title: item.title,
            description: item.description,
            width: item.width,
            height: item.height,
            placeholder: item.placeholder,
            thumbnail_widths: item.thumbnail_widths,
            likes: item.likes,
            liked: item.liked,
            comment_count: item.comment_count,
            uploaded_at: item.uploaded_at,
        }
    }
}

/// A feed's first page and whether more follow (`loadMoreGallery`).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GalleryPage {
    pub pictures: Vec<GalleryPicture>,
    pub has_more: bool,
}

//! Picture galleries: creators, pictures, likes, comments, albums and discovery.

use super::common::{PublicUserData, Timestamp};
use crate::macros::contract_types;

contract_types! {
    pub struct UnOrFollowCreatorReq {
        pub userid: String,
        pub follow: bool,
    }

    pub struct Creator {
        pub user: PublicUserData,
        pub followers: u32,
        /// The caller follows this creator.
        pub following: bool,
        pub album_count: u32,
        pub picture_count: u32,
        pub discovery_participation: bool,
    }

    pub struct ToggleDiscoveryParticipationReq {
        pub participate: bool,
    }

    pub struct Picture {
        pub picture_id: String,
        pub owner: String,
        #[serde(default)]
        pub album_id: Option<String>,
        #[serde(default)]
        pub title: Option<String>,
        #[serde(default)]
        pub description: Option<String>,
        /// Signed download URL of the original, served without its EXIF location.
        pub path: String,
        /// The picture's size in pixels as shown (its EXIF orientation applied), measured by
        /// the server.
        #[serde(default)]
        pub width: Option<u32>,
        #[serde(default)]
        pub height: Option<u32>,
        /// A blurhash of the picture, to show while its thumbnail loads.
        #[serde(default)]
        pub placeholder: Option<String>,
        /// Thumbnails were made: `thumbnails` lists them.
        #[serde(default)]
        pub has_thumbnail: bool,
        /// Smaller copies, the narrowest first.
        #[serde(default)]
        pub thumbnails: Vec<Thumbnail>,
        pub likes: u32,
        /// The caller likes it.
        pub liked: bool,
        pub comment_count: u32,
        pub uploaded_at: Timestamp,
    }

    /// Registers completed picture uploads as pictures.
    pub struct UploadPicturesReq {
        #[serde(default)]
        pub album_id: Option<String>,
        pub pictures: Vec<NewPicture>,
    }

    pub struct NewPicture {
        #[serde(rename = "fileID")]
        pub file_id: String,
        #[serde(default)]
        pub title: Option<String>,
        #[serde(default)]
        pub description: Option<String>,
    }

    /// Changes only the fields it carries. `moveToAlbum` with `albumId: null` takes the
    /// picture out of its album.
    pub struct EditPictureReq {
        pub picture_id: String,
        #[serde(default)]
        pub title: Option<String>,
        #[serde(default)]
        pub description: Option<String>,
        #[serde(default)]
        pub move_to_album: bool,
        #[serde(default)]
        pub album_id: Option<String>,
    }

    pub struct PictureIdReq {
        pub picture_id: String,
    }

    /// Likes or unlikes; repeating either changes nothing (a like is counted once).
    pub struct LikePictureReq {
        pub picture_id: String,
        pub like: bool,
    }

    /// A smaller copy of a picture: re-encoded, its EXIF orientation applied, no metadata.
    /// Never wider than the original.
    pub struct Thumbnail {
        pub width: u32,
        pub height: u32,
        /// Signed download URL.
        pub path: String,
    }

    /// A picture in discovery.
    pub struct Preview {
        pub picture_id: String,
        pub author: PublicUserData,
        pub path: String,
        /// As in [`Picture`].
        #[serde(default)]
        pub width: Option<u32>,
        #[serde(default)]
        pub height: Option<u32>,
        #[serde(default)]
        pub placeholder: Option<String>,
        #[serde(default)]
        pub has_thumbnail: bool,
        #[serde(default)]
        pub thumbnails: Vec<Thumbnail>,
        pub likes: u32,
        pub uploaded_at: Timestamp,
    }

    pub struct DiscoveryResp {
        pub recent: Vec<Preview>,
        pub most_liked: Vec<Preview>,
    }

    pub struct Comment {
        pub comment_id: String,
        pub picture_id: String,
        pub author: PublicUserData,
        pub content: String,
        pub is_edited: bool,
        pub posted_at: Timestamp,
    }

    pub struct PostCommentReq {
        pub picture_id: String,
        pub content: String,
    }

    pub struct EditCommentReq {
        pub comment_id: String,
        pub content: String,
    }

    pub struct CommentIdReq {
        pub comment_id: String,
    }

    pub struct Album {
        pub album_id: String,
        pub owner: String,
        pub name: String,
        #[serde(default)]
        pub description: Option<String>,
        pub picture_count: u32,
        /// Signed URL of the cover: the picture its owner chose, or else the newest.
        #[serde(default)]
        pub cover: Option<String>,
        /// The id of the picture `cover` shows.
        #[serde(default)]
        pub cover_picture_id: Option<String>,
        pub created_at: Timestamp,
    }

    pub struct CreateAlbumReq {
        pub name: String,
        #[serde(default)]
        pub description: Option<String>,
    }

    /// Changes only the fields it carries.
    pub struct EditAlbumReq {
        pub album_id: String,
        #[serde(default)]
        pub name: Option<String>,
        #[serde(default)]
        pub description: Option<String>,
        /// Makes this picture, one in the album, its cover.
        #[serde(default)]
        pub cover_picture_id: Option<String>,
    }

    pub struct AlbumIdReq {
        pub album_id: String,
    }

    /// Query: a creator.
    pub struct CreatorQuery {
        pub userid: String,
    }

    /// Query: a creator's pictures in an album, or those in no album.
    pub struct PicturesQuery {
        pub userid: String,
        #[serde(default)]
        pub album_id: Option<String>,
    }

    /// Query: a picture.
    pub struct PictureQuery {
        pub picture_id: String,
    }
}

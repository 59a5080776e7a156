//! The gallery as [`Client`] methods: opening feeds, comment threads and album lists, and every
//! action on them. An action applies the server's answer through the same model changes a
//! live event would, so the window sees its own like, comment or edit as diffs too.

use chatenium_api::schemas::pictures::*;
use chatenium_api::{
    CreateAlbum, CreatorDetails, DeleteAlbum, DeleteComment, DeletePicture, EditAlbum, EditComment,
    EditPicture, FollowCreator, GetAlbums, GetComments, GetPictures, LikePicture, PictureDiscovery,
    PostComment, ToggleDiscoveryParticipation,
};

use crate::client::Client;
use crate::context::Context;
use crate::error::ClientError;
use crate::events::CoreEvent;
use crate::gallery::cache::{Media, MediaCache};
use crate::gallery::{GalleryFeedKey, GalleryItem, MediaLinks};
use crate::gallery_sync::{
    comment_changed, comment_deleted, emit_feed_diffs, picture_changed, picture_deleted,
};

/// A creator's pictures in `album_id` (`None`: in no album), newest first.
async fn pictures_in(
    ctx: &Context,
    userid: &str,
    album_id: Option<String>,
) -> Result<Vec<Picture>, ClientError> {
    let query = PicturesQuery {
        userid: userid.to_owned(),
        album_id,
    };
    ctx.session.call::<GetPictures>(&query, &()).await
}

/// The whole list of a feed, from the server.
async fn read_feed(ctx: &Context, feed: &GalleryFeedKey) -> Result<Vec<GalleryItem>, ClientError> {
    let pictures = match feed {
        GalleryFeedKey::Recent | GalleryFeedKey::MostLiked => {
            let discovery = ctx.session.call::<PictureDiscovery>(&(), &()).await?;
            let previews = if *feed == GalleryFeedKey::Recent {
                discovery.recent
            } else {
                discovery.most_liked
            };
            ctx.gallery.learn_previews(&previews);
            return Ok(previews.iter().map(GalleryItem::from).collect());
        }
        GalleryFeedKey::Unsorted { userid } => pictures_in(ctx, userid, None).await?,
        GalleryFeedKey::Album { userid, album_id } => {
            pictures_in(ctx, userid, Some(album_id.clone())).await?
        }
        GalleryFeedKey::Creator { userid } => {
            // The server lists a creator's pictures by album: the feed is their union.
            let query = CreatorQuery {
                userid: userid.clone(),
            };
            let albums = ctx.session.call::<GetAlbums>(&query, &()).await?;
            let mut all = pictures_in(ctx, userid, None).await?;
            for album in albums {
                all.extend(pictures_in(ctx, userid, Some(album.album_id)).await?);
            }
            all.sort_by(|a, b| {
                (b.uploaded_at.t, b.uploaded_at.i, &b.picture_id).cmp(&(
                    a.uploaded_at.t,
                    a.uploaded_at.i,
                    &a.picture_id,
                ))
            });
            all
        }
    };
    ctx.gallery.learn_pictures(&pictures);
    Ok(pictures.iter().map(GalleryItem::from).collect())
}

impl Client {
    /// Opens a gallery feed: answers its first page of `page_size` pictures. Later pages come
    /// with [`Client::load_more_gallery`]; every change arrives as [`CoreEvent::GalleryFeed`].
    pub async fn open_gallery_feed(
        &self,
        feed: GalleryFeedKey,
        page_size: usize,
    ) -> Result<Vec<GalleryItem>, ClientError> {
        let items = read_feed(&self.ctx, &feed).await?;
        Ok(self.ctx.gallery.open(feed, items, page_size))
    }

    /// What an open feed shows now (`None` when it is not open).
    pub fn gallery_feed_snapshot(&self, feed: &GalleryFeedKey) -> Option<Vec<GalleryItem>> {
        self.ctx.gallery.snapshot(feed)
    }

    /// Shows the next page of an open feed (as an `Append` diff). False when there was none.
    pub fn load_more_gallery(&self, feed: &GalleryFeedKey) -> bool {
        match self.ctx.gallery.load_more(feed) {
            Some(diff) => {
                self.ctx.emit(CoreEvent::GalleryFeed {
                    feed: feed.clone(),
                    diff,
                });
                true
            }
            None => false,
        }
    }

    /// Whether an open feed has pages it does not show yet.
    pub fn gallery_has_more(&self, feed: &GalleryFeedKey) -> bool {
        self.ctx.gallery.has_more(feed)
    }

    pub fn close_gallery_feed(&self, feed: &GalleryFeedKey) {
        self.ctx.gallery.close(feed);
    }

    /// Likes or unlikes a picture.
    pub async fn like_picture(
        &self,
        picture_id: &str,
        like: bool,
    ) -> Result<GalleryItem, ClientError> {
        let body = LikePictureReq {
            picture_id: picture_id.to_owned(),
            like,
        };
        let picture = self.ctx.session.call::<LikePicture>(&(), &body).await?;
        Ok(picture_changed(&self.ctx, &picture))
    }

    /// Edits one's own picture: title, description, or its album (`move_to_album`).
    pub async fn edit_picture(&self, edit: EditPictureReq) -> Result<GalleryItem, ClientError> {
        let moved = edit.move_to_album;
        let picture = self.ctx.session.call::<EditPicture>(&(), &edit).await?;
        let item = picture_changed(&self.ctx, &picture);
        if moved {
            self.refresh_own_albums().await;
        }
        Ok(item)
    }

    /// Reads the user's own album list again where the window has it open: a picture that
    /// arrives, moves or leaves changes the albums' counts and covers, which only the server
    /// knows. The action that called this is done already, so a failure here is only logged.
    pub(crate) async fn refresh_own_albums(&self) {
        let userid = self.ctx.session.userid().to_owned();
        if !self.ctx.gallery.albums_open(&userid) {
            return;
        }
        let query = CreatorQuery { userid };
        match self.ctx.session.call::<GetAlbums>(&query, &()).await {
            Ok(albums) => {
                for album in albums {
                    self.album_changed(&album);
                }
            }
            Err(error) => tracing::debug!(%error, "the album list was not read again"),
        }
    }

    /// Deletes one's own picture; it leaves every open feed.
    pub async fn delete_picture(&self, picture_id: &str) -> Result<(), ClientError> {
        let body = PictureIdReq {
            picture_id: picture_id.to_owned(),
        };
        self.ctx.session.call::<DeletePicture>(&(), &body).await?;
        picture_deleted(&self.ctx, picture_id);
        self.refresh_own_albums().await;
        Ok(())
    }

    /// Opens a picture's comment thread, oldest first; changes arrive as
    /// [`CoreEvent::GalleryComments`].
    pub async fn open_comments(&self, picture_id: &str) -> Result<Vec<Comment>, ClientError> {
        let query = PictureQuery {
            picture_id: picture_id.to_owned(),
        };
        let comments = self.ctx.session.call::<GetComments>(&query, &()).await?;
        self.ctx.gallery.open_comments(picture_id, comments.clone());
        Ok(comments)
    }

    pub fn close_comments(&self, picture_id: &str) {
        self.ctx.gallery.close_comments(picture_id);
    }

    /// The picture's comment count moved by `by`, in the feeds that show it.
    fn count_comment(&self, picture_id: &str, by: i64) {
        if let Some(mut item) = self.ctx.gallery.item(picture_id) {
            if let Some(count) = item.comment_count {
                item.comment_count = Some((i64::from(count) + by).max(0) as u32);
                emit_feed_diffs(&self.ctx, self.ctx.gallery.upsert(item));
            }
        }
    }

    pub async fn post_comment(
        &self,
        picture_id: &str,
        content: &str,
    ) -> Result<Comment, ClientError> {
        let body = PostCommentReq {
            picture_id: picture_id.to_owned(),
            content: content.to_owned(),
        };
        let comment = self.ctx.session.call::<PostComment>(&(), &body).await?;
        comment_changed(&self.ctx, &comment);
        self.count_comment(picture_id, 1);
        Ok(comment)
    }

    /// Edits one's own comment.
    pub async fn edit_comment(
        &self,
        comment_id: &str,
        content: &str,
    ) -> Result<Comment, ClientError> {
        let body = EditCommentReq {
            comment_id: comment_id.to_owned(),
            content: content.to_owned(),
        };
        let comment = self.ctx.session.call::<EditComment>(&(), &body).await?;
        comment_changed(&self.ctx, &comment);
        Ok(comment)
    }

    /// Deletes a comment of one's own, or one under one's own picture `picture_id`.
    pub async fn delete_comment(
        &self,
        picture_id: &str,
        comment_id: &str,
    ) -> Result<(), ClientError> {
        let body = CommentIdReq {
            comment_id: comment_id.to_owned(),
        };
        self.ctx.session.call::<DeleteComment>(&(), &body).await?;
        comment_deleted(&self.ctx, comment_id);
        self.count_comment(picture_id, -1);
        Ok(())
    }

    /// A creator's profile, follower count and whether the user follows them.
    pub async fn creator(&self, userid: &str) -> Result<Creator, ClientError> {
        let query = CreatorQuery {
            userid: userid.to_owned(),
        };
        self.ctx.session.call::<CreatorDetails>(&query, &()).await
    }

    /// Follows or unfollows a creator; the new details also arrive as
    /// [`CoreEvent::GalleryCreator`].
    pub async fn follow_creator(&self, userid: &str, follow: bool) -> Result<Creator, ClientError> {
        let body = UnOrFollowCreatorReq {
            userid: userid.to_owned(),
            follow,
        };
        let creator = self.ctx.session.call::<FollowCreator>(&(), &body).await?;
        self.ctx.emit(CoreEvent::GalleryCreator {
            creator: creator.clone(),
        });
        Ok(creator)
    }

    /// Whether the user's pictures show in discovery.
    pub async fn set_discovery_participation(&self, participate: bool) -> Result<(), ClientError> {
        let body = ToggleDiscoveryParticipationReq { participate };
        self.ctx
            .session
            .call::<ToggleDiscoveryParticipation>(&(), &body)
            .await?;
        Ok(())
    }

    /// Opens a creator's album list, newest first; changes arrive as
    /// [`CoreEvent::GalleryAlbums`].
    pub async fn open_albums(&self, userid: &str) -> Result<Vec<Album>, ClientError> {
        let query = CreatorQuery {
            userid: userid.to_owned(),
        };
        let albums = self.ctx.session.call::<GetAlbums>(&query, &()).await?;
        self.ctx.gallery.open_albums(userid, albums.clone());
        Ok(albums)
    }

    pub fn close_albums(&self, userid: &str) {
        self.ctx.gallery.close_albums(userid);
    }

    fn album_changed(&self, album: &Album) {
        if let Some(diff) = self.ctx.gallery.upsert_album(album.clone()) {
            self.ctx.emit(CoreEvent::GalleryAlbums {
                userid: album.owner.clone(),
                diff,
            });
        }
    }

    pub async fn create_album(
        &self,
        name: &str,
        description: Option<String>,
    ) -> Result<Album, ClientError> {
        let body = CreateAlbumReq {
            name: name.to_owned(),
            description,
        };
        let album = self.ctx.session.call::<CreateAlbum>(&(), &body).await?;
        self.album_changed(&album);
        Ok(album)
    }

    /// Renames an album, changes its description and/or chooses its cover, a picture in it (a
    /// field left `None` stays; an empty description clears it).
    pub async fn edit_album(
        &self,
        album_id: &str,
        name: Option<String>,
        description: Option<String>,
        cover_picture_id: Option<String>,
    ) -> Result<Album, ClientError> {
        let body = EditAlbumReq {
            album_id: album_id.to_owned(),
            name,
            description,
            cover_picture_id,
        };
        let album = self.ctx.session.call::<EditAlbum>(&(), &body).await?;
        self.album_changed(&album);
        Ok(album)
    }

    /// Deletes an album; its pictures stay, in no album (as the server moves them), and the
    /// open feeds follow.
    pub async fn delete_album(&self, album_id: &str) -> Result<(), ClientError> {
        let body = AlbumIdReq {
            album_id: album_id.to_owned(),
        };
        self.ctx.session.call::<DeleteAlbum>(&(), &body).await?;
        if let Some((userid, diff)) = self.ctx.gallery.remove_album(album_id) {
            self.ctx.emit(CoreEvent::GalleryAlbums { userid, diff });
        }
        for mut item in self.ctx.gallery.items_in_album(album_id) {
            item.album_id = None;
            emit_feed_diffs(&self.ctx, self.ctx.gallery.upsert(item));
        }
        Ok(())
    }

    /// Where a picture's bytes are, as the server last said (a feed that showed it was open).
    pub fn media_links(&self, picture_id: &str) -> Option<MediaLinks> {
        self.ctx.gallery.links(picture_id)
    }

    /// A picture's bytes at `width` (0: the original) from `cache`, fetched on a miss.
    pub async fn picture_media(
        &self,
        cache: &MediaCache,
        picture_id: &str,
        width: u32,
    ) -> Result<Option<Media>, ClientError> {
        let links = self.media_links(picture_id);
        cache.load(picture_id, width, links.as_ref()).await
    }
}

//! Gallery changes as they arrive: the server's picture and comment events, and this client's
//! own actions' answers, go through the same functions, so both reach the window as the same
//! diffs.

use chatenium_api::schemas::pictures::{Comment, Picture};
use chatenium_api::ws::ServerEvent;

use crate::context::Context;
use crate::events::CoreEvent;
use crate::gallery::{FeedDiff, GalleryItem};

pub(crate) fn emit_feed_diffs(ctx: &Context, diffs: Vec<FeedDiff>) {
    for (feed, diff) in diffs {
        ctx.emit(CoreEvent::GalleryFeed { feed, diff });
    }
}

/// A picture is new or changed: every open feed follows.
pub(crate) fn picture_changed(ctx: &Context, picture: &Picture) -> GalleryItem {
    ctx.gallery.learn_pictures(std::slice::from_ref(picture));
    let item = GalleryItem::from(picture);
    emit_feed_diffs(ctx, ctx.gallery.upsert(item.clone()));
    item
}

pub(crate) fn picture_deleted(ctx: &Context, picture_id: &str) {
    emit_feed_diffs(ctx, ctx.gallery.remove(picture_id));
}

/// A comment is new or changed: its open thread follows.
pub(crate) fn comment_changed(ctx: &Context, comment: &Comment) {
    if let Some(diff) = ctx.gallery.upsert_comment(comment.clone()) {
        ctx.emit(CoreEvent::GalleryComments {
            picture_id: comment.picture_id.clone(),
            diff,
        });
    }
}

pub(crate) fn comment_deleted(ctx: &Context, comment_id: &str) {
    if let Some((picture_id, diff)) = ctx.gallery.remove_comment(comment_id) {
        ctx.emit(CoreEvent::GalleryComments { picture_id, diff });
    }
}

/// Applies one of the server's gallery events (the sync task hands them here).
pub(crate) fn apply(ctx: &Context, event: ServerEvent) {
    match event {
        ServerEvent::PictureChanged(picture) => {
            picture_changed(ctx, &picture);
        }
        ServerEvent::PictureDeleted(deleted) => picture_deleted(ctx, &deleted.picture_id),
        ServerEvent::CommentChanged(comment) => comment_changed(ctx, &comment),
        ServerEvent::CommentDeleted(deleted) => comment_deleted(ctx, &deleted.comment_id),
        _ => {}
    }
}

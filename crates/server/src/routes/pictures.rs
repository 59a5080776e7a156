//! Picture galleries (rows 80 to 97): creators, pictures, comments and albums. Galleries are
//! public to signed-in users; only owners (and, for comments, authors) write. The rules and the
//! SQL live in [`crate::gallery`]; these handlers bind them to the contract.
//!
//! Uploading pictures is the upload flow with gallery rules: row 85 registers up to 20 images
//! and answers a signed PUT URL each; the client PUTs the bytes there and then calls row 84,
//! which completes the uploads, reads them as images (thumbnails, placeholder, metadata
//! removed) and makes them pictures.

use axum::Router;
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::schemas::pictures::*;
use chatenium_api::schemas::upload::{S3PresignedFileReq, S3PresignedFileResponse};
use chatenium_api::{
    CreateAlbum, CreatorDetails, DeleteAlbum, DeleteComment, DeletePicture, EditAlbum, EditComment,
    EditPicture, FollowCreator, GetAlbums, GetComments, GetPictures, LikePicture, PictureDiscovery,
    PostComment, RegisterPictureUploads, ToggleDiscoveryParticipation, UploadPictures,
};
use rusqlite::Connection;

use chatenium_api::ws::ServerEvent;
use rusqlite::OptionalExtension;

use crate::error::ApiResult;
use crate::gallery::{albums, comments, creators, pictures, Viewer};
use crate::http::{add, Ctx};
use crate::hub::Audience;
use crate::state::AppState;
use crate::uploads;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    // Creators
    let router = add::<FollowCreator, _, _>(router, follow_creator);
    let router = add::<CreatorDetails, _, _>(router, creator_details);
    let router = add::<ToggleDiscoveryParticipation, _, _>(router, toggle_discovery);
    // Pictures
    let router = add::<GetPictures, _, _>(router, get_pictures);
    let router = add::<UploadPictures, _, _>(router, upload_pictures);
    let router = add::<RegisterPictureUploads, _, _>(router, register_uploads);
    let router = add::<DeletePicture, _, _>(router, delete_picture);
    let router = add::<EditPicture, _, _>(router, edit_picture);
    let router = add::<LikePicture, _, _>(router, like_picture);
    let router = add::<PictureDiscovery, _, _>(router, discovery);
    // Comments
    let router = add::<PostComment, _, _>(router, post_comment);
    let router = add::<GetComments, _, _>(router, get_comments);
    let router = add::<EditComment, _, _>(router, edit_comment);
    let router = add::<DeleteComment, _, _>(router, delete_comment);
    // Albums
    let router = add::<CreateAlbum, _, _>(router, create_album);
    let router = add::<GetAlbums, _, _>(router, get_albums);
    let router = add::<DeleteAlbum, _, _>(router, delete_album);
    add::<EditAlbum, _, _>(router, edit_album)
}

/// Runs `work` on the database as the signed-in caller.
async fn as_caller<T, F>(ctx: &Ctx, work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection, &Viewer<'_>) -> ApiResult<T> + Send + 'static,
{
    let userid = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| work(c, &Viewer::new(&state, &userid)))
        .await
}

fn ok(response: &str) -> GenericSuccessBody {
    GenericSuccessBody::new(response)
}

async fn follow_creator(ctx: Ctx, _: (), body: UnOrFollowCreatorReq) -> ApiResult<Creator> {
    as_caller(&ctx, move |c, viewer| {
        creators::set_following(c, viewer.userid, &body.userid, body.follow)?;
        creators::details(c, viewer, &body.userid)
    })
    .await
}

async fn creator_details(ctx: Ctx, query: CreatorQuery, _: ()) -> ApiResult<Creator> {
    as_caller(&ctx, move |c, viewer| {
        creators::details(c, viewer, &query.userid)
    })
    .await
}

async fn toggle_discovery(
    ctx: Ctx,
    _: (),
    body: ToggleDiscoveryParticipationReq,
) -> ApiResult<GenericSuccessBody> {
    as_caller(&ctx, move |c, viewer| {
        creators::set_discovery(c, viewer.userid, body.participate)
    })
    .await?;
    Ok(ok("Discovery participation updated"))
}

async fn get_pictures(ctx: Ctx, query: PicturesQuery, _: ()) -> ApiResult<Vec<Picture>> {
    as_caller(&ctx, move |c, viewer| {
        pictures::of_creator(c, viewer, &query.userid, query.album_id.as_deref())
    })
    .await
}

/// Makes the uploads pictures, and tells the creator's followers (and the creator's other
/// connections) of each new one: a followed creator's new pictures show live.
async fn upload_pictures(ctx: Ctx, _: (), body: UploadPicturesReq) -> ApiResult<Vec<Picture>> {
    let userid = ctx.caller()?.userid.clone();
    let made = pictures::upload(&ctx.state, &userid, body).await?;
    let creator = userid.clone();
    let told = ctx
        .state
        .db
        .call(move |c| Ok(creators::followers(c, &creator)?))
        .await;
    match told {
        Ok(mut audience) => {
            audience.push(userid);
            let origin = ctx.origin()?;
            for picture in &made {
                // A new picture has no likes or comments yet: the owner's view is everyone's.
                let event = ServerEvent::PictureChanged(picture.clone());
                crate::changes::publish(
                    &ctx.state,
                    Audience::users(&audience),
                    &event,
                    Some(origin),
                )
                .await;
            }
        }
        // The pictures are made already: a follower misses them live, not for good.
        Err(error) => tracing::debug!(?error, "followers were not told of new pictures"),
    }
    Ok(made)
}

async fn register_uploads(
    ctx: Ctx,
    _: (),
    body: S3PresignedFileReq,
) -> ApiResult<Vec<S3PresignedFileResponse>> {
    as_caller(&ctx, move |c, viewer| {
        let rules = pictures::rules(&viewer.state.config.images);
        uploads::register_single(viewer.state, c, viewer.userid, &body.files, rules)
    })
    .await
}

/// Tells the owner of `picture_id` (on every connection but the one that acted) `first`, if
/// any, and then how the picture is now, as they see it: likes, comments and edits show live
/// in their gallery. The change is made already, so a failure here is only logged.
async fn tell_owner(ctx: &Ctx, picture_id: String, first: Option<ServerEvent>) {
    let state = ctx.state.clone();
    let told = async {
        let (owner, picture) = ctx
            .state
            .db
            .call(move |c| {
                let owner = pictures::owner_of(c, &picture_id)?;
                let picture = pictures::get(c, &Viewer::new(&state, &owner), &picture_id)?;
                Ok((owner, picture))
            })
            .await?;
        let (origin, audience) = (ctx.origin()?, [owner]);
        if let Some(event) = first {
            crate::changes::publish(&ctx.state, Audience::users(&audience), &event, Some(origin))
                .await;
        }
        let changed = ServerEvent::PictureChanged(picture);
        crate::changes::publish(
            &ctx.state,
            Audience::users(&audience),
            &changed,
            Some(origin),
        )
        .await;
        ApiResult::Ok(())
    };
    if let Err(error) = told.await {
        tracing::debug!(?error, "a picture's owner was not told of a change");
    }
}

async fn delete_picture(ctx: Ctx, _: (), body: PictureIdReq) -> ApiResult<GenericSuccessBody> {
    let picture_id = body.picture_id.clone();
    as_caller(&ctx, move |c, viewer| {
        pictures::delete(c, viewer.userid, &body.picture_id)
    })
    .await?;
    let caller = [ctx.caller()?.userid.clone()];
    crate::changes::publish(
        &ctx.state,
        Audience::users(&caller),
        &ServerEvent::PictureDeleted(PictureIdReq { picture_id }),
        Some(ctx.origin()?),
    )
    .await;
    Ok(ok("Picture deleted"))
}

async fn edit_picture(ctx: Ctx, _: (), body: EditPictureReq) -> ApiResult<Picture> {
    let picture = as_caller(&ctx, move |c, viewer| pictures::edit(c, viewer, &body)).await?;
    tell_owner(&ctx, picture.picture_id.clone(), None).await;
    Ok(picture)
}

async fn like_picture(ctx: Ctx, _: (), body: LikePictureReq) -> ApiResult<Picture> {
    let picture = as_caller(&ctx, move |c, viewer| {
        pictures::set_like(c, viewer, &body.picture_id, body.like)
    })
    .await?;
    tell_owner(&ctx, picture.picture_id.clone(), None).await;
    Ok(picture)
}

async fn discovery(ctx: Ctx, _: (), _: ()) -> ApiResult<DiscoveryResp> {
    as_caller(&ctx, |c, viewer| pictures::discovery(c, viewer)).await
}

async fn post_comment(ctx: Ctx, _: (), body: PostCommentReq) -> ApiResult<Comment> {
    let comment = as_caller(&ctx, move |c, viewer| comments::post(c, viewer, &body)).await?;
    let event = ServerEvent::CommentChanged(comment.clone());
    tell_owner(&ctx, comment.picture_id.clone(), Some(event)).await;
    Ok(comment)
}

async fn get_comments(ctx: Ctx, query: PictureQuery, _: ()) -> ApiResult<Vec<Comment>> {
    as_caller(&ctx, move |c, viewer| {
        comments::of_picture(c, viewer, &query.picture_id)
    })
    .await
}

async fn edit_comment(ctx: Ctx, _: (), body: EditCommentReq) -> ApiResult<Comment> {
    let comment = as_caller(&ctx, move |c, viewer| comments::edit(c, viewer, &body)).await?;
    let event = ServerEvent::CommentChanged(comment.clone());
    tell_owner(&ctx, comment.picture_id.clone(), Some(event)).await;
    Ok(comment)
}

async fn delete_comment(ctx: Ctx, _: (), body: CommentIdReq) -> ApiResult<GenericSuccessBody> {
    let event = ServerEvent::CommentDeleted(body.clone());
    let picture_id = as_caller(&ctx, move |c, viewer| {
        let picture_id: Option<String> = c
            .query_row(
                "SELECT picture_id FROM picture_comments WHERE id = ?1",
                [&body.comment_id],
                |row| row.get(0),
            )
            .optional()?;
        comments::delete(c, viewer.userid, &body.comment_id)?;
        Ok(picture_id)
    })
    .await?;
    if let Some(picture_id) = picture_id {
        tell_owner(&ctx, picture_id, Some(event)).await;
    }
    Ok(ok("Comment deleted"))
}

async fn create_album(ctx: Ctx, _: (), body: CreateAlbumReq) -> ApiResult<Album> {
    as_caller(&ctx, move |c, viewer| albums::create(c, viewer, &body)).await
}

async fn get_albums(ctx: Ctx, query: CreatorQuery, _: ()) -> ApiResult<Vec<Album>> {
    as_caller(&ctx, move |c, viewer| {
        albums::of_creator(c, viewer, &query.userid)
    })
    .await
}

/// Deletes an album; its pictures are kept and move to "no album" (see [`albums::delete`]).
async fn delete_album(ctx: Ctx, _: (), body: AlbumIdReq) -> ApiResult<GenericSuccessBody> {
    as_caller(&ctx, move |c, viewer| {
        albums::delete(c, viewer.userid, &body.album_id)
    })
    .await?;
    Ok(ok("Album deleted"))
}

async fn edit_album(ctx: Ctx, _: (), body: EditAlbumReq) -> ApiResult<Album> {
    as_caller(&ctx, move |c, viewer| albums::edit(c, viewer, &body)).await
}

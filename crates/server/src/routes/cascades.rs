//! Cascades (rows 54 to 68): the picture upload, creating, listing, leaving or deleting, kicks
//! and bans, discovery, invites, public joins, renaming, visibility, and a parent's threads.
//!
//! Everything inside a cascade is for its members: anyone else gets `notFound`. Moderation
//! (kick, ban, bans, unban, rename, visibility) is for the owner and admins (`forbidden` for a
//! plain member). Events go to members' connections whether or not they follow the cascade's
//! threads: `cascadeChanged` (each member's own view) when the cascade changes or the caller's
//! other devices should list it, `memberJoined`/`memberLeft` when members come and go,
//! `kickedFromCascade` to whom was kicked, `cascadeDeleted` when the owner deletes it.

use std::slice::from_ref;

use axum::Router;
use chatenium_api::schemas::cascade::*;
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::schemas::thread::Thread;
use chatenium_api::schemas::upload::{S3PresignedFileReq, S3PresignedFileResponse};
use chatenium_api::ws::{CascadeRef, CascadeRemoval, MemberChange, ServerEvent};
use chatenium_api::{
    CascadeDiscovery, ChangeCascadeVisibility, CompleteCascadePictureUpload, CreateCascade,
    EditCascadeName, ErrorCode, GetBans, GetCascadeFromInvite, GetCascades, GetThreads,
    JoinFromInvite, JoinPublicCascade, KickMember, LeaveOrDeleteCascade,
    RegisterCascadePictureUpload, UnbanMember,
};
use rusqlite::Connection;

use crate::cascade_members::{self, NewBan, MAX_REASON_CHARS};
use crate::cascades::{self, NewCascade, Row, Shown, CASCADE_PICTURE};
use crate::clock::unix_now;
use crate::error::{ensure, ApiResult};
use crate::http::{add, Ctx};
use crate::hub::Audience;
use crate::state::AppState;
use crate::{messages, threads, uploads};

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<RegisterCascadePictureUpload, _, _>(router, register_picture);
    let router = add::<CompleteCascadePictureUpload, _, _>(router, complete_picture);
    let router = add::<CreateCascade, _, _>(router, create);
    let router = add::<GetCascades, _, _>(router, list);
    let router = add::<LeaveOrDeleteCascade, _, _>(router, leave_or_delete);
    let router = add::<KickMember, _, _>(router, kick);
    let router = add::<GetBans, _, _>(router, get_bans);
    let router = add::<UnbanMember, _, _>(router, unban);
    let router = add::<CascadeDiscovery, _, _>(router, discovery);
    let router = add::<GetCascadeFromInvite, _, _>(router, from_invite);
    let router = add::<JoinFromInvite, _, _>(router, join_from_invite);
    let router = add::<JoinPublicCascade, _, _>(router, join_public);
    let router = add::<EditCascadeName, _, _>(router, rename);
    let router = add::<ChangeCascadeVisibility, _, _>(router, change_visibility);
    add::<GetThreads, _, _>(router, get_threads)
}

fn ok(response: &str) -> GenericSuccessBody {
    GenericSuccessBody::new(response)
}

async fn register_picture(
    ctx: Ctx,
    _: (),
    body: S3PresignedFileReq,
) -> ApiResult<Vec<S3PresignedFileResponse>> {
    let owner = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| uploads::register_single(&state, c, &owner, &body.files, CASCADE_PICTURE))
        .await
}

/// Completes the upload; its `fileID` can then be a new cascade's `pictureFileID`.
async fn complete_picture(
    ctx: Ctx,
    _: (),
    body: CompletePicUploadReq,
) -> ApiResult<GenericSuccessBody> {
    let owner = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| uploads::complete_single(&state, c, &owner, &body.file_id, CASCADE_PICTURE))
        .await?;
    Ok(ok("Picture upload completed"))
}

async fn create(ctx: Ctx, _: (), body: CreateCascadeReq) -> ApiResult<Cascade> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let cascade = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let new = NewCascade {
                    owner: &caller,
                    name: &body.name,
                    public: body.public,
                    picture_file_id: body.picture_file_id.as_deref(),
                    invite_max_uses: body.invite_max_uses,
                    invite_expires_in_secs: body.invite_expires_in_secs,
                };
                let row = cascades::create(c, &state, &new)?;
                cascades::view(c, &state, row, &caller)
            }
        })
        .await?;
    // The creator's other devices list it too.
    let event = ServerEvent::CascadeChanged(cascade.clone());
    crate::changes::publish(
        &ctx.state,
        Audience::users(from_ref(&caller)),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(cascade)
}

async fn list(ctx: Ctx, _: (), _: ()) -> ApiResult<Vec<Cascade>> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            cascades::of_member(c, &caller)?
                .into_iter()
                .map(|row| cascades::view(c, &state, row, &caller))
                .collect()
        })
        .await
}

/// What leaving did: the cascade is gone (the owner left), or the caller is.
enum Departure {
    Deleted { members: Vec<String> },
    Left { members: Vec<String> },
}

/// The owner deletes the cascade with everything in it; a member leaves it.
async fn leave_or_delete(ctx: Ctx, _: (), body: CascadeIdReq) -> ApiResult<GenericSuccessBody> {
    let caller = ctx.caller()?.userid.clone();
    let cascade_id = body.cascade_id;
    let departure = ctx
        .state
        .db
        .call({
            let (caller, cascade_id) = (caller.clone(), cascade_id.clone());
            move |c| {
                let (row, role) = cascades::membership(c, &cascade_id, &caller)?;
                let members = cascades::member_ids(c, &row.id)?;
                if role == CascadeRole::Owner {
                    cascades::delete(c, &row.id)?;
                    Ok(Departure::Deleted { members })
                } else {
                    cascade_members::remove(c, &row.id, &caller)?;
                    Ok(Departure::Left { members })
                }
            }
        })
        .await?;
    let hub = &ctx.state.hub;
    match departure {
        Departure::Deleted { members } => {
            for member in &members {
                hub.unsubscribe_user(member, &cascade_id);
            }
            let event = ServerEvent::CascadeDeleted(CascadeRef { cascade_id });
            crate::changes::publish(
                &ctx.state,
                Audience::users(&members),
                &event,
                Some(ctx.origin()?),
            )
            .await;
            Ok(ok("Cascade deleted"))
        }
        Departure::Left { members } => {
            hub.unsubscribe_user(&caller, &cascade_id);
            // The caller's other devices learn it from their own userid in the event.
            let event = ServerEvent::MemberLeft(MemberChange {
                cascade_id,
                userid: caller.clone(),
            });
            crate::changes::publish(
                &ctx.state,
                Audience::users(&members),
                &event,
                Some(ctx.origin()?),
            )
            .await;
            Ok(ok("Cascade left"))
        }
    }
}

/// Kicks (or bans) a member. The kicked user's connections stop receiving the cascade's thread
/// events before anyone is told, so nothing of the cascade reaches them after their
/// `kickedFromCascade`.
async fn kick(ctx: Ctx, _: (), body: KickMemberReq) -> ApiResult<GenericSuccessBody> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let (cascade_id, target, ban) = (body.cascade_id.clone(), body.userid.clone(), body.ban);
    let (members, reason) = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let (row, role) = cascades::moderated(c, &body.cascade_id, &caller)?;
                let reason = cascades::optional_text(body.reason.as_deref(), MAX_REASON_CHARS)?;
                cascade_members::check_kick(c, &row.id, role, &body.userid)?;
                let transaction = c.transaction()?;
                cascade_members::remove(&transaction, &row.id, &body.userid)?;
                if body.ban {
                    let ban = NewBan {
                        by: &caller,
                        reason: reason.as_deref(),
                        at: state.clock.tick(),
                    };
                    cascade_members::ban(&transaction, &row.id, &body.userid, &ban)?;
                }
                transaction.commit()?;
                Ok((cascades::member_ids(c, &row.id)?, reason))
            }
        })
        .await?;
    ctx.state.hub.unsubscribe_user(&target, &cascade_id);
    // The removed user learns which it was, and a ban's reason.
    let kicked = ServerEvent::KickedFromCascade(CascadeRemoval {
        cascade_id: cascade_id.clone(),
        banned: ban,
        reason: reason.filter(|_| ban),
    });
    crate::changes::publish(
        &ctx.state,
        Audience::users(from_ref(&target)),
        &kicked,
        Some(ctx.origin()?),
    )
    .await;
    let left = ServerEvent::MemberLeft(MemberChange {
        cascade_id,
        userid: target,
    });
    crate::changes::publish(
        &ctx.state,
        Audience::users(&members),
        &left,
        Some(ctx.origin()?),
    )
    .await;
    Ok(ok(if ban {
        "Member banned"
    } else {
        "Member kicked"
    }))
}

async fn get_bans(ctx: Ctx, query: CascadeQuery, _: ()) -> ApiResult<Vec<Ban>> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let (row, _) = cascades::moderated(c, &query.cascade_id, &caller)?;
            cascade_members::bans(c, &state, &row.id)
        })
        .await
}

async fn unban(ctx: Ctx, _: (), body: UnbanReq) -> ApiResult<GenericSuccessBody> {
    let caller = ctx.caller()?.userid.clone();
    ctx.state
        .db
        .call(move |c| {
            let (row, _) = cascades::moderated(c, &body.cascade_id, &caller)?;
            cascade_members::unban(c, &row.id, &body.userid)
        })
        .await?;
    Ok(ok("Member unbanned"))
}

async fn discovery(ctx: Ctx, query: DiscoveryQuery, _: ()) -> ApiResult<Vec<DiscoveryCascade>> {
    ctx.caller()?;
    let limit = messages::page_limit(query.limit)?;
    let from = query.from.unwrap_or(0);
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| cascades::discovery(c, &state, from, limit))
        .await
}

/// The cascade a usable invite admits to; any other code is `inviteInvalid`.
fn invited(connection: &Connection, code: &str) -> ApiResult<Row> {
    let now = unix_now();
    cascades::by_invite(connection, code)?
        .filter(|row| row.invite_usable(now))
        .ok_or_else(|| ErrorCode::InviteInvalid.into())
}

async fn from_invite(ctx: Ctx, query: InviteQuery, _: ()) -> ApiResult<DiscoveryCascade> {
    ctx.caller()?;
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let row = invited(c, &query.code)?;
            cascades::card(c, &state, &row.id)
        })
        .await
}

async fn join_from_invite(ctx: Ctx, _: (), body: JoinFromInviteReq) -> ApiResult<Cascade> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let shown = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let row = invited(c, &body.code)?;
                let transaction = c.transaction()?;
                cascade_members::join(&transaction, &state, &row, &caller)?;
                cascades::use_invite(&transaction, &row.id)?;
                transaction.commit()?;
                current(c, &state, &row.id)
            }
        })
        .await?;
    announce_join(&ctx, &shown, &caller).await
}

async fn join_public(ctx: Ctx, _: (), body: JoinPublicReq) -> ApiResult<Cascade> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let shown = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let row = cascades::find(c, &body.cascade_id)?.ok_or(ErrorCode::NotFound)?;
                ensure(row.public, ErrorCode::NotPublic)?;
                cascade_members::join(c, &state, &row, &caller)?;
                current(c, &state, &row.id)
            }
        })
        .await?;
    announce_join(&ctx, &shown, &caller).await
}

/// The cascade as it is after a join.
fn current(connection: &Connection, state: &AppState, cascade_id: &str) -> ApiResult<Shown> {
    let row = cascades::find(connection, cascade_id)?.ok_or(ErrorCode::NotFound)?;
    cascades::shown(connection, state, row)
}

/// Members hear `memberJoined`; the joiner's other devices get the cascade to list.
async fn announce_join(ctx: &Ctx, shown: &Shown, caller: &str) -> ApiResult<Cascade> {
    let cascade = shown.for_member(caller).ok_or(ErrorCode::NotFound)?;
    let mut others = shown.member_ids();
    others.retain(|member| member != caller);
    let event = ServerEvent::MemberJoined(MemberChange {
        cascade_id: cascade.cascade_id.clone(),
        userid: caller.to_owned(),
    });
    crate::changes::publish(
        &ctx.state,
        Audience::users(&others),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    let event = ServerEvent::CascadeChanged(cascade.clone());
    crate::changes::publish(
        &ctx.state,
        Audience::users(&[caller.to_owned()]),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(cascade)
}

async fn rename(ctx: Ctx, _: (), body: EditNameReq) -> ApiResult<GenericSuccessBody> {
    let name = body.name;
    moderate(ctx, body.cascade_id, move |c, id| {
        cascades::rename(c, id, &name)
    })
    .await?;
    Ok(ok("Cascade renamed"))
}

async fn change_visibility(
    ctx: Ctx,
    _: (),
    body: ChangeVisibility,
) -> ApiResult<GenericSuccessBody> {
    let public = body.public;
    moderate(ctx, body.cascade_id, move |c, id| {
        cascades::set_public(c, id, public)
    })
    .await?;
    Ok(ok("Visibility changed"))
}

/// Applies an owner's or admin's `change` to the cascade and sends every member their view of
/// the result.
async fn moderate<F>(ctx: Ctx, cascade_id: String, change: F) -> ApiResult<()>
where
    F: FnOnce(&Connection, &str) -> ApiResult<()> + Send + 'static,
{
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let shown = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let (row, _) = cascades::moderated(c, &cascade_id, &caller)?;
                change(c, &row.id)?;
                current(c, &state, &row.id)
            }
        })
        .await?;
    cascades::announce_change(&ctx.state, &shown, ctx.origin()?).await;
    Ok(())
}

async fn get_threads(ctx: Ctx, query: ThreadsQuery, _: ()) -> ApiResult<Vec<Thread>> {
    let caller = ctx.caller()?.userid.clone();
    ctx.state
        .db
        .call(move |c| {
            let (row, _) = cascades::membership(c, &query.cascade_id, &caller)?;
            if let Some(parent) = &query.parent_id {
                threads::find(c, &row.id, parent)?;
            }
            threads::children(c, &row.id, query.parent_id.as_deref())
        })
        .await
}

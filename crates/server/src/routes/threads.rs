//! Threads (rows 69 to 71) and their messages (rows 72 to 79).
//!
//! Every endpoint first finds the cascade among the caller's own and the thread within it, so
//! a caller who is not a member (never was, left, was kicked or banned) gets `notFound`. Thread
//! messages behave as direct messages do (idempotent sends, paging from the newest, positions,
//! pins by any member, edits by the author); deletion is the author's, or the owner's and the
//! admins'. A thread is changed or closed by its starter, the owner or an admin.
//!
//! Every event here is a thread event: it reaches the members' connections that subscribed to
//! the cascade, except the connection that made the change.

use axum::Router;
use chatenium_api::schemas::cascade::CascadeRole;
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::schemas::thread::*;
use chatenium_api::ws::{
    DeletedThreadMessages, EditedThreadMessage, ServerEvent, ThreadPinChange, ThreadRef,
};
use chatenium_api::{
    CloseThread, ErrorCode, StartThread, TmDeleteMessages, TmEditMessage, TmGetMessages,
    TmGetPosition, TmPinMessage, TmPinnedMessages, TmSendMessage, TmUnpinMessage, UpdateThread,
};
use rusqlite::Connection;

use crate::cascades::{self, moderates};
use crate::error::{ensure, ApiError, ApiResult};
use crate::http::{add, Ctx};
use crate::hub::Audience;
use crate::messages::{self, NewMessage};
use crate::state::AppState;
use crate::threads;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<StartThread, _, _>(router, start_thread);
    let router = add::<CloseThread, _, _>(router, close_thread);
    let router = add::<UpdateThread, _, _>(router, update_thread);
    let router = add::<TmDeleteMessages, _, _>(router, delete_messages);
    let router = add::<TmGetMessages, _, _>(router, get_messages);
    let router = add::<TmSendMessage, _, _>(router, send_message);
    let router = add::<TmPinnedMessages, _, _>(router, pinned_messages);
    let router = add::<TmPinMessage, _, _>(router, |ctx, _, body| set_pin(ctx, body, true));
    let router = add::<TmUnpinMessage, _, _>(router, |ctx, _, body| set_pin(ctx, body, false));
    let router = add::<TmEditMessage, _, _>(router, edit_message);
    add::<TmGetPosition, _, _>(router, get_position)
}

/// The caller's role in the cascade and the thread, found within it.
struct Place {
    role: CascadeRole,
    thread: Thread,
}

fn place(
    connection: &Connection,
    cascade_id: &str,
    thread_id: &str,
    caller: &str,
) -> ApiResult<Place> {
    let (row, role) = cascades::membership(connection, cascade_id, caller)?;
    let thread = threads::find(connection, &row.id, thread_id)?;
    Ok(Place { role, thread })
}

/// The outcome of a change and the members to tell of it.
struct Told<T> {
    outcome: T,
    members: Vec<String>,
}

fn told<T>(connection: &Connection, cascade_id: &str, outcome: T) -> ApiResult<Told<T>> {
    Ok(Told {
        members: cascades::member_ids(connection, cascade_id)?,
        outcome,
    })
}

async fn start_thread(ctx: Ctx, _: (), body: StartNewThreadReq) -> ApiResult<Thread> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let told = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let (row, _) = cascades::membership(c, &body.cascade_id, &caller)?;
                if let Some(parent) = &body.parent_id {
                    threads::find(c, &row.id, parent)?;
                }
                let thread = threads::create(
                    c,
                    Thread {
                        thread_id: crate::ids::new_id(),
                        cascade_id: row.id.clone(),
                        parent_id: body.parent_id,
                        name: body.name,
                        description: body.description,
                        created_by: caller,
                        created_at: state.clock.tick(),
                    },
                )?;
                told(c, &row.id, thread)
            }
        })
        .await?;
    let thread = told.outcome;
    let event = ServerEvent::ThreadCreated(thread.clone());
    crate::changes::publish(
        &ctx.state,
        Audience::following(&told.members, &thread.cascade_id),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(thread)
}

/// Closes the thread and everything under it; `threadClosed` for each closed thread.
async fn close_thread(ctx: Ctx, _: (), body: ThreadIdReq) -> ApiResult<GenericSuccessBody> {
    let caller = ctx.caller()?.userid.clone();
    let cascade_id = body.cascade_id.clone();
    let told = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let place = place(c, &body.cascade_id, &body.thread_id, &caller)?;
                ensure(
                    threads::may_manage(place.role, &place.thread, &caller),
                    ErrorCode::Forbidden,
                )?;
                let transaction = c.transaction()?;
                let closed = threads::close(&transaction, &place.thread)?;
                transaction.commit()?;
                told(c, &place.thread.cascade_id, closed)
            }
        })
        .await?;
    for thread_id in told.outcome {
        let event = ServerEvent::ThreadClosed(ThreadRef {
            cascade_id: cascade_id.clone(),
            thread_id,
        });
        crate::changes::publish(
            &ctx.state,
            Audience::following(&told.members, &cascade_id),
            &event,
            Some(ctx.origin()?),
        )
        .await;
    }
    Ok(GenericSuccessBody::new("Thread closed"))
}

async fn update_thread(ctx: Ctx, _: (), body: UpdateThreadReq) -> ApiResult<Thread> {
    let caller = ctx.caller()?.userid.clone();
    let told = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let place = place(c, &body.cascade_id, &body.thread_id, &caller)?;
                ensure(
                    threads::may_manage(place.role, &place.thread, &caller),
                    ErrorCode::Forbidden,
                )?;
                let cascade_id = place.thread.cascade_id.clone();
                let thread = threads::update(
                    c,
                    place.thread,
                    body.name.as_deref(),
                    body.description.as_deref(),
                )?;
                told(c, &cascade_id, thread)
            }
        })
        .await?;
    let thread = told.outcome;
    let event = ServerEvent::ThreadUpdated(thread.clone());
    crate::changes::publish(
        &ctx.state,
        Audience::following(&told.members, &thread.cascade_id),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(thread)
}

/// One page, or what came after a message (a client's catch-up).
async fn get_messages(ctx: Ctx, query: TMGetMessagesQuery, _: ()) -> ApiResult<Vec<ThreadMessage>> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let thread = place(c, &query.cascade_id, &query.thread_id, &caller)?.thread;
            let limit = messages::page_limit(query.limit)?;
            let rows = match &query.after {
                Some(after) => {
                    let anchor = messages::find(c, &thread, after)?;
                    messages::after(c, &thread, anchor.seq, limit)?
                }
                None => messages::page(c, &thread, query.from.unwrap_or(0), limit)?,
            };
            messages::views(c, &state, &thread, rows)
        })
        .await
}

async fn send_message(ctx: Ctx, _: (), body: TMSendMessageReq) -> ApiResult<ThreadMessage> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let told = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| send(c, &state, &caller, &body)
        })
        .await?;
    let (message, is_new) = told.outcome;
    if is_new {
        let cascade_id = message.cascade_id.clone();
        let event = ServerEvent::NewThreadMessage(message.clone());
        crate::changes::publish(
            &ctx.state,
            Audience::following(&told.members, &cascade_id),
            &event,
            Some(ctx.origin()?),
        )
        .await;
    }
    Ok(message)
}

/// Stores the message, or answers the one stored under its `clientKey` before (`false`: nothing
/// new, nobody is told).
fn send(
    connection: &mut Connection,
    state: &AppState,
    author: &str,
    body: &TMSendMessageReq,
) -> ApiResult<Told<(ThreadMessage, bool)>> {
    let thread = place(connection, &body.cascade_id, &body.thread_id, author)?.thread;
    messages::check_client_key(&body.client_key)?;
    if let Some(stored) = messages::by_client_key::<Thread>(connection, author, &body.client_key)? {
        // A key names one send; reusing it in another thread is a client's bug, not a retry.
        if stored.conversation_id != thread.thread_id {
            return Err(ApiError::bad_request(
                "clientKey already used in another thread",
            ));
        }
        let message = messages::view(connection, state, &thread, stored)?;
        return told(connection, &thread.cascade_id, (message, false));
    }
    messages::check_text(&body.message, !body.file_ids.is_empty())?;
    messages::check_files(connection, author, &body.file_ids)?;
    if let Some(reply_to_id) = &body.reply_to_id {
        messages::find(connection, &thread, reply_to_id)?;
    }
    let transaction = connection.transaction()?;
    let new = NewMessage {
        author,
        body: &body.message,
        reply_to_id: body.reply_to_id.as_deref(),
        file_ids: &body.file_ids,
        client_key: &body.client_key,
        // Ticked under the database lock, so that sent_at orders messages as seq does.
        sent: state.clock.tick(),
    };
    let msgid = messages::insert(&transaction, &thread, &new)?;
    cascades::touch(&transaction, &thread.cascade_id, new.sent)?;
    let stored = messages::find(&transaction, &thread, &msgid)?;
    let message = messages::view(&transaction, state, &thread, stored)?;
    transaction.commit()?;
    told(connection, &thread.cascade_id, (message, true))
}

async fn edit_message(ctx: Ctx, _: (), body: TMEditMessageReq) -> ApiResult<ThreadMessage> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let told = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let thread = place(c, &body.cascade_id, &body.thread_id, &caller)?.thread;
                let stored = messages::find(c, &thread, &body.msgid)?;
                ensure(stored.author == caller, ErrorCode::NotAuthor)?;
                messages::check_text(&body.message, messages::has_files(c, &thread, &stored)?)?;
                messages::edit(c, &thread, &stored, &body.message)?;
                let edited = messages::find(c, &thread, &stored.id)?;
                let edited = messages::view(c, &state, &thread, edited)?;
                told(c, &thread.cascade_id, edited)
            }
        })
        .await?;
    let message = told.outcome;
    let event = ServerEvent::EditedThreadMessage(EditedThreadMessage {
        cascade_id: message.cascade_id.clone(),
        thread_id: message.thread_id.clone(),
        msgid: message.msgid.clone(),
        message: message.message.clone(),
    });
    crate::changes::publish(
        &ctx.state,
        Audience::following(&told.members, &message.cascade_id),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(message)
}

/// All or nothing: when any named message is not in the thread (`notFound`), or is someone
/// else's and the caller does not moderate the cascade (`notAuthor`), none is deleted.
async fn delete_messages(
    ctx: Ctx,
    _: (),
    body: TMDeleteMessagesReq,
) -> ApiResult<GenericSuccessBody> {
    let caller = ctx.caller()?.userid.clone();
    let told = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let place = place(c, &body.cascade_id, &body.thread_id, &caller)?;
                let msgids = messages::distinct(body.msgids);
                if msgids.is_empty() {
                    return Err(ApiError::bad_request("no message named"));
                }
                let doomed = msgids
                    .iter()
                    .map(|msgid| messages::find(c, &place.thread, msgid))
                    .collect::<ApiResult<Vec<_>>>()?;
                ensure(
                    moderates(place.role) || doomed.iter().all(|m| m.author == caller),
                    ErrorCode::NotAuthor,
                )?;
                let transaction = c.transaction()?;
                for message in &doomed {
                    messages::delete(&transaction, &place.thread, message)?;
                }
                transaction.commit()?;
                let cascade_id = place.thread.cascade_id.clone();
                told(c, &cascade_id, (place.thread, msgids))
            }
        })
        .await?;
    let (thread, msgids) = told.outcome;
    let event = ServerEvent::DeletedThreadMessage(DeletedThreadMessages {
        cascade_id: thread.cascade_id.clone(),
        thread_id: thread.thread_id,
        msgids,
    });
    crate::changes::publish(
        &ctx.state,
        Audience::following(&told.members, &thread.cascade_id),
        &event,
        Some(ctx.origin()?),
    )
    .await;
    Ok(GenericSuccessBody::new("Messages deleted"))
}

async fn pinned_messages(ctx: Ctx, query: ThreadQuery, _: ()) -> ApiResult<Vec<ThreadMessage>> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            let thread = place(c, &query.cascade_id, &query.thread_id, &caller)?.thread;
            let pinned = messages::pinned(c, &thread)?;
            messages::views(c, &state, &thread, pinned)
        })
        .await
}

/// Pins or unpins; any member may. Pinning a pinned message (or unpinning an unpinned one)
/// changes nothing and tells nobody.
async fn set_pin(ctx: Ctx, body: TMPinMessageReq, pinned: bool) -> ApiResult<GenericSuccessBody> {
    let caller = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    let told = ctx
        .state
        .db
        .call({
            let caller = caller.clone();
            move |c| {
                let thread = place(c, &body.cascade_id, &body.thread_id, &caller)?.thread;
                let stored = messages::find(c, &thread, &body.msgid)?;
                let changed = stored.pinned_by.is_some() != pinned;
                if changed {
                    let pin = pinned.then(|| (caller.as_str(), state.clock.tick()));
                    messages::set_pin(c, &thread, &stored, pin)?;
                }
                let change = changed.then(|| ThreadPinChange {
                    cascade_id: thread.cascade_id.clone(),
                    thread_id: thread.thread_id.clone(),
                    msgid: stored.id,
                    pinned,
                });
                told(c, &thread.cascade_id, change)
            }
        })
        .await?;
    if let Some(change) = told.outcome {
        let audience = Audience::following(&told.members, &change.cascade_id);
        let event = ServerEvent::PinnedThreadMessage(change.clone());
        crate::changes::publish(&ctx.state, audience, &event, Some(ctx.origin()?)).await;
    }
    Ok(GenericSuccessBody::new(if pinned {
        "Message pinned"
    } else {
        "Message unpinned"
    }))
}

/// The `from` of the page holding a message, as for direct messages.
async fn get_position(ctx: Ctx, query: TMPositionQuery, _: ()) -> ApiResult<TMGetPositionResp> {
    let caller = ctx.caller()?.userid.clone();
    let newer = ctx
        .state
        .db
        .call(move |c| {
            let thread = place(c, &query.cascade_id, &query.thread_id, &caller)?.thread;
            let message = messages::find(c, &thread, &query.msgid)?;
            messages::newer_count(c, &thread, message.seq)
        })
        .await?;
    Ok(TMGetPositionResp {
        from: messages::page_start(newer),
    })
}

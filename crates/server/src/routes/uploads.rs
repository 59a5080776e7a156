//! Attachment uploads (rows 44 to 47): the single-PUT flow and the multipart flow. The logic
//! lives in [`crate::uploads`]; these handlers bind it to the contract.

use axum::Router;
use chatenium_api::schemas::dm::Attachment;
use chatenium_api::schemas::upload::*;
use chatenium_api::{
    CompleteAttachmentUpload, CompleteMultipartUpload, RegisterAttachmentUploads,
    RegisterMultipartUpload,
};

use crate::error::ApiResult;
use crate::files;
use crate::http::{add, Ctx};
use crate::state::AppState;
use crate::uploads::{self, Rules};

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<RegisterAttachmentUploads, _, _>(router, register_attachments);
    let router = add::<CompleteAttachmentUpload, _, _>(router, complete_attachment);
    let router = add::<RegisterMultipartUpload, _, _>(router, register_multipart);
    add::<CompleteMultipartUpload, _, _>(router, complete_multipart)
}

pub(crate) async fn register_attachments(
    ctx: Ctx,
    _: (),
    body: S3PresignedFileReq,
) -> ApiResult<Vec<S3PresignedFileResponse>> {
    let owner = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| uploads::register_single(&state, c, &owner, &body.files, Rules::ATTACHMENTS))
        .await
}

pub(crate) async fn complete_attachment(
    ctx: Ctx,
    _: (),
    body: CompleteUploadReq,
) -> ApiResult<Attachment> {
    let owner = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| {
            uploads::complete_single(&state, c, &owner, &body.file_id, Rules::ATTACHMENTS)?;
            attachment(&state, c, &body.file_id)
        })
        .await
}

async fn register_multipart(
    ctx: Ctx,
    _: (),
    body: S3MultipartUploadReq,
) -> ApiResult<S3PresignedMultiResp> {
    let owner = ctx.caller()?.userid.clone();
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| uploads::register_multipart(&state, c, &owner, &body.file))
        .await
}

async fn complete_multipart(ctx: Ctx, _: (), body: S3FinishMultiReq) -> ApiResult<Attachment> {
    let owner = ctx.caller()?.userid.clone();
    uploads::complete_multipart(
        &ctx.state,
        &owner,
        &body.file_id,
        &body.upload_id,
        body.parts,
    )
    .await?;
    let state = ctx.state.clone();
    ctx.state
        .db
        .call(move |c| attachment(&state, c, &body.file_id))
        .await
}

fn attachment(
    state: &AppState,
    connection: &rusqlite::Connection,
    file_id: &str,
) -> ApiResult<Attachment> {
    files::attachment(
        connection,
        &state.storage,
        state.config.signed_url_ttl_secs as i64,
        file_id,
    )
}

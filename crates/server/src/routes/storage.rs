//! Row 28 and its download twin: the signed storage URL. PUT streams the body to disk (never
//! more than the upload registered), GET streams a file back. The signature is the permission:
//! the server hands a URL only to those allowed to read or write that file.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::Router;
use chatenium_api::schemas::upload::SignedUrlQuery;
use chatenium_api::{ErrorCode, Method, STORAGE_OBJECT_PATH};
use futures_util::StreamExt;
use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::clock::unix_now;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::Access;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    router.route(STORAGE_OBJECT_PATH, put(upload).get(download))
}

type SignedQuery = Result<Query<SignedUrlQuery>, axum::extract::rejection::QueryRejection>;

fn signed(query: SignedQuery) -> ApiResult<SignedUrlQuery> {
    query
        .map(|Query(q)| q)
        .map_err(|_| ErrorCode::InvalidSignature.into())
}

/// A pending upload as the database knows it.
struct Pending {
    size: u64,
    part_size: Option<u64>,
    upload_id: Option<String>,
}

async fn upload(State(state): State<AppState>, query: SignedQuery, body: Body) -> Response {
    match store(state, query, body).await {
        Ok(etag) => {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&format!("\"{etag}\"")) {
                headers.insert(header::ETAG, value);
            }
            (StatusCode::OK, headers).into_response()
        }
        Err(error) => error.into_response(),
    }
}

async fn store(state: AppState, query: SignedQuery, body: Body) -> ApiResult<String> {
    let query = signed(query)?;
    let access = state.storage.verify(Method::Put, &query, unix_now())?;
    let file_id = query.file_id.clone();
    let pending = state
        .db
        .call(move |c| {
            Ok(c.query_row(
                "SELECT size, part_size, upload_id FROM files WHERE id = ?1 AND state = 'pending'",
                [&file_id],
                |row| {
                    Ok(Pending {
                        size: row.get::<_, i64>(0)? as u64,
                        part_size: row.get::<_, Option<i64>>(1)?.map(|v| v as u64),
                        upload_id: row.get(2)?,
                    })
                },
            )
            .optional()?)
        })
        .await?
        .ok_or(ErrorCode::UploadNotFound)?;
    let (path, limit) = match access {
        Access::UploadPart { upload_id, part } => {
            let part_size = pending.part_size.ok_or(ErrorCode::UploadNotFound)?;
            crate::error::ensure(
                pending.upload_id.as_deref() == Some(upload_id),
                ErrorCode::UploadNotFound,
            )?;
            (state.storage.part_path(&query.file_id, part), part_size)
        }
        _ => (state.storage.file_path(&query.file_id), pending.size),
    };
    let (written, etag) = write_limited(&path, body, limit).await?;
    if let Access::UploadPart { part, .. } = access {
        let file_id = query.file_id.clone();
        let etag = etag.clone();
        state
            .db
            .call(move |c| {
                c.execute(
                    "INSERT INTO file_parts (file_id, part_number, size, etag) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (file_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag",
                    rusqlite::params![file_id, part, written as i64, etag],
                )?;
                Ok(())
            })
            .await?;
    }
    Ok(etag)
}

/// Streams `body` into `path` through a temporary file; more than `limit` bytes is refused
/// and leaves nothing behind. Answers the byte count and the content's ETag (SHA-256, hex).
async fn write_limited(path: &std::path::Path, body: Body, limit: u64) -> ApiResult<(u64, String)> {
    let temporary = path.with_extension("incoming");
    let mut file = tokio::fs::File::create(&temporary).await?;
    let mut hasher = Sha256::new();
    let mut written = 0u64;
    let mut stream = body.into_data_stream();
    let outcome: ApiResult<()> = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(ApiError::bad_request)?;
            written += chunk.len() as u64;
            if written > limit {
                return Err(ErrorCode::UploadTooLarge.into());
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(())
    }
    .await;
    drop(file);
    if let Err(error) = outcome {
        let _ = tokio::fs::remove_file(&temporary).await;
        return Err(error);
    }
    tokio::fs::rename(&temporary, path).await?;
    Ok((written, hex::encode(hasher.finalize())))
}

async fn download(State(state): State<AppState>, query: SignedQuery) -> Response {
    let served: ApiResult<Response> = async {
        let query = signed(query)?;
        state.storage.verify(Method::Get, &query, unix_now())?;
        let file_id = query.file_id.clone();
        let (name, mime): (String, String) = state
            .db
            .call(move |c| {
                Ok(c.query_row(
                    "SELECT name, mime FROM files WHERE id = ?1 AND state = 'complete'",
                    [&file_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?)
            })
            .await?
            .ok_or(ErrorCode::NotFound)?;
        let file = tokio::fs::File::open(state.storage.file_path(&query.file_id))
            .await
            .map_err(|_| ErrorCode::NotFound)?;
        let length = file.metadata().await?.len();
        let stream = tokio_util_stream(file);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&mime)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        // The name is the uploader's: quote it safely and let the client decide where it goes.
        let safe_name: String = name
            .chars()
            .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\')
            .collect();
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe_name}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        Ok((StatusCode::OK, headers, Body::from_stream(stream)).into_response())
    }
    .await;
    served.unwrap_or_else(IntoResponse::into_response)
}

/// A file as a stream of chunks.
fn tokio_util_stream(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<axum::body::Bytes>> {
    futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 256 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(axum::body::Bytes::from(buffer)), file))
            }
            Err(error) => Some((Err(error), file)),
        }
    })
}

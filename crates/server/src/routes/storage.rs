//! Row 28 and its download twin: the signed storage URL. PUT streams the body to disk (never
//! more than the upload registered), GET streams a file (or one of its thumbnails) back. The signature is the permission:
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
use crate::error::{ensure, ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::Access;
use crate::uploads::{self, TempPath};

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    router.route(STORAGE_OBJECT_PATH, put(upload).get(download))
}

type SignedQuery = Result<Query<SignedUrlQuery>, axum::extract::rejection::QueryRejection>;

fn signed(query: SignedQuery) -> ApiResult<SignedUrlQuery> {
    query
        .map(|Query(q)| q)
        .map_err(|_| ErrorCode::InvalidSignature.into())
}

async fn upload(
    State(state): State<AppState>,
    query: SignedQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match store(state, query, &headers, body).await {
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

async fn store(
    state: AppState,
    query: SignedQuery,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<String> {
    let query = signed(query)?;
    let checker = state.clone();
    let target = state
        .db
        .call(move |c| {
            // Checked here, next to the query the verified access borrows from.
            let access = checker.storage.verify(Method::Put, &query, unix_now())?;
            uploads::put_target(c, &checker.storage, &query.file_id, access)
        })
        .await?;
    // Refuse an announced oversize body before reading any of it.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    ensure(
        announced.is_none_or(|length| length <= target.limit),
        ErrorCode::UploadTooLarge,
    )?;
    let received = TempPath::beside(&target.path);
    let (written, etag) = write_limited(&received.0, body, target.limit).await?;
    // Moved into place under the database lock, after checking the upload is still pending.
    let moved_etag = etag.clone();
    state
        .db
        .call(move |c| uploads::accept_put(c, &target, received, written, &moved_etag))
        .await?;
    Ok(etag)
}

/// Streams `body` into `path`; more than `limit` bytes is refused (the caller's [`TempPath`]
/// then removes what was written). Answers the byte count and the content's ETag (SHA-256, hex).
async fn write_limited(path: &std::path::Path, body: Body, limit: u64) -> ApiResult<(u64, String)> {
    let mut file = tokio::fs::File::create(path).await?;
    let mut hasher = Sha256::new();
    let mut written = 0u64;
    let mut stream = body.into_data_stream();
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
    Ok((written, hex::encode(hasher.finalize())))
}

async fn download(State(state): State<AppState>, query: SignedQuery) -> Response {
    let served: ApiResult<Response> = async {
        let query = signed(query)?;
        let thumbnail = match state.storage.verify(Method::Get, &query, unix_now())? {
            Access::Thumbnail { width } => Some(width),
            _ => None,
        };
        let file_id = query.file_id.clone();
        let (name, mime): (String, String) = state
            .db
            .call(move |c| {
                // A thumbnail has its own type (a PNG picture may have JPEG thumbnails).
                Ok(c.query_row(
                    "SELECT f.name, COALESCE(t.mime, f.mime) FROM files f \
                     LEFT JOIN file_thumbnails t ON t.file_id = f.id AND t.width = ?2 \
                     WHERE f.id = ?1 AND f.state = 'complete' AND (?2 IS NULL OR t.width IS NOT NULL)",
                    rusqlite::params![file_id, thumbnail],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?)
            })
            .await?
            .ok_or(ErrorCode::NotFound)?;
        let path = match thumbnail {
            Some(width) => state.storage.thumbnail_path(&query.file_id, width),
            None => state.storage.file_path(&query.file_id),
        };
        let file = tokio::fs::File::open(path)
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

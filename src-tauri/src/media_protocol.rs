//! Picture bytes reach the window through the `media` URI scheme, never as base64 over IPC:
//! `media://localhost/<picture id>/<width>` (`http://media.localhost/...` on Windows) answers
//! the picture at that width (0: the original; else the narrowest thumbnail at least that
//! wide) from the core's disk cache, fetching it on a miss. The CSP allows the scheme in
//! `img-src` only.
//!
//! [`answer`] is the whole handler as a plain function, so that it is tested without a window.

use std::sync::Arc;

use chatenium_core::gallery::cache::{valid_picture_id, HttpMediaSource, MediaCache};
use chatenium_core::Client;
use tauri::http::{header, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::state::AppState;

pub const SCHEME: &str = "media";

/// The most the picture cache holds on disk.
const CACHE_CAP_BYTES: u64 = 512 * 1024 * 1024;

/// The cache the scheme serves from, in the app's cache folder. Pictures are readable by
/// every signed-in user, so the accounts of one device share it.
pub fn open_cache(cache_dir: &std::path::Path) -> Result<MediaCache, chatenium_core::ClientError> {
    MediaCache::open(
        cache_dir.join("pictures"),
        CACHE_CAP_BYTES,
        Arc::new(HttpMediaSource::new()?),
    )
}

/// The protocol as Tauri calls it: answers on the async runtime, off the webview's thread.
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: tauri::http::Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let path = request.uri().path().to_owned();
    tauri::async_runtime::spawn(async move {
        let (Some(state), Some(cache)) =
            (app.try_state::<AppState>(), app.try_state::<MediaCache>())
        else {
            responder.respond(plain(StatusCode::SERVICE_UNAVAILABLE, "starting"));
            return;
        };
        let signed_in = state.signed_in.read().await;
        let client = signed_in.as_ref().map(|s| &s.client);
        responder.respond(answer(&cache, client, &path).await);
    });
}

/// Answers `path` (`/<picture id>/<width>`): the bytes with their type, 400 for a path that is
/// not of that shape (nothing outside the cache folder is ever named), 404 for a picture
/// neither the cache nor an open feed knows, 502 when fetching it failed.
pub async fn answer(cache: &MediaCache, client: Option<&Client>, path: &str) -> Response<Vec<u8>> {
    let mut segments = path.trim_start_matches('/').split('/');
    let (Some(picture_id), Some(width), None) = (segments.next(), segments.next(), segments.next())
    else {
        return plain(StatusCode::BAD_REQUEST, "expected /<picture id>/<width>");
    };
    let Ok(width) = width.parse::<u32>() else {
        return plain(StatusCode::BAD_REQUEST, "the width is not a number");
    };
    if !valid_picture_id(picture_id) {
        return plain(StatusCode::BAD_REQUEST, "not a picture id");
    }
    let links = client.and_then(|c| c.media_links(picture_id));
    match cache.load(picture_id, width, links.as_ref()).await {
        Ok(Some(media)) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, media.mime)
            // The bytes of a picture at a width never change.
            .header(
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            )
            .body(media.bytes)
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "no response")),
        Ok(None) => plain(StatusCode::NOT_FOUND, "no such picture"),
        Err(error) => {
            tracing::debug!(%error, picture_id, "a picture could not be fetched");
            plain(StatusCode::BAD_GATEWAY, "the picture could not be fetched")
        }
    }
}

fn plain(status: StatusCode, text: &str) -> Response<Vec<u8>> {
    let mut response = Response::new(text.as_bytes().to_vec());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatenium_core::gallery::cache::MediaSource;
    use chatenium_core::ClientError;

    /// Nothing may be fetched in these tests: every answer comes from the cache.
    struct NoNetwork;

    #[async_trait::async_trait]
    impl MediaSource for NoNetwork {
        async fn fetch(&self, url: &str) -> Result<Vec<u8>, ClientError> {
            panic!("fetched {url}")
        }
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\nthumbnail bytes";

    #[test]
    fn serves_cached_thumbnails_404s_unknown_pictures_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let cache =
            MediaCache::open(dir.path().join("pictures"), 1 << 20, Arc::new(NoNetwork)).unwrap();
        cache.put("0a1b2c", 320, PNG).unwrap();
        // A file beside the cache folder that an escaping path would reach.
        std::fs::write(dir.path().join("secret-320"), b"secret").unwrap();

        tauri::async_runtime::block_on(async {
            let hit = answer(&cache, None, "/0a1b2c/320").await;
            assert_eq!(hit.status(), StatusCode::OK);
            assert_eq!(hit.headers()[header::CONTENT_TYPE], "image/png");
            assert_eq!(hit.body(), PNG);

            let unknown = answer(&cache, None, "/ffffff/320").await;
            assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
            assert_eq!(unknown.body(), b"no such picture");

            for escape in [
                "/../secret/320",
                "/..%2Fsecret/320",
                "/0a1b2c/../../secret-320",
                "/%2e%2e/320",
                "/a.b/320",
                "/0a1b2c",
                "/0a1b2c/wide",
            ] {
                let refused = answer(&cache, None, escape).await;
                assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{escape}");
                assert_ne!(refused.body(), b"secret", "{escape}");
            }
        });
    }
}

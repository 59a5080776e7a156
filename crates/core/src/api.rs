//! The one request path to a Chatenium server: any endpoint of the contract's table, sent as
//! the table describes it. This layer knows nothing of sessions: it takes the token to send.
//! [`crate::session::Session`] adds refresh and retries on top.

use std::sync::RwLock;
use std::time::Duration;

use chatenium_api::{Endpoint, ErrorBody, ErrorCode, Method, Payload, WS_ID_HEADER};

use crate::error::ClientError;

/// How long one request may take before it counts as a network failure.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    /// The live connection's id once the WebSocket handed it out; sent as `X-WS-ID`.
    ws_id: RwLock<Option<String>>,
}

impl ApiClient {
    /// A client for the server at `base_url` (no trailing slash), e.g. `https://api.chatenium.hu`.
    pub fn new(base_url: impl Into<String>) -> Result<ApiClient, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok(ApiClient {
            http,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            ws_id: RwLock::new(None),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn set_ws_id(&self, ws_id: Option<String>) {
        *self.ws_id.write().unwrap_or_else(|p| p.into_inner()) = ws_id;
    }

    pub fn ws_id(&self) -> Option<String> {
        self.ws_id.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The WebSocket URL for `access_token`.
    pub fn websocket_url(&self, access_token: &str) -> String {
        let base = if let Some(rest) = self.base_url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.base_url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            self.base_url.clone()
        };
        let query = serde_urlencoded::to_string(chatenium_api::ws::WsQuery {
            access_token: access_token.to_owned(),
        })
        .unwrap_or_default();
        format!("{base}{}?{query}", chatenium_api::WsUpgrade::META.path)
    }

    /// Sends one request for endpoint `E`; no retry, no refresh.
    pub async fn send<E: Endpoint>(
        &self,
        token: Option<&str>,
        query: &E::Query,
        body: &E::Body,
    ) -> Result<E::Response, ClientError> {
        let meta = E::META;
        let method = match meta.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
        };
        let mut request = self
            .http
            .request(method, format!("{}{}", self.base_url, meta.path));
        if meta.query == Payload::Json {
            request = request.query(query);
        }
        if meta.body == Payload::Json {
            request = request.json(body);
        }
        if let Some(token) = token {
            request = request.header(reqwest::header::AUTHORIZATION, token);
        }
        if let Some(ws_id) = self.ws_id() {
            request = request.header(WS_ID_HEADER, ws_id);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        if (200..300).contains(&status) {
            let payload: &[u8] = if meta.response == Payload::None {
                b"null"
            } else {
                &bytes
            };
            serde_json::from_slice(payload)
                .map_err(|e| ClientError::Decode(format!("{}: {e}", meta.name)))
        } else {
            // A reply without a readable code still says what kind of failure it was.
            let code = serde_json::from_slice::<ErrorBody>(&bytes)
                .map(|b| b.error)
                .unwrap_or(match status {
                    401 => ErrorCode::Unauthorized,
                    404 => ErrorCode::NotFound,
                    429 => ErrorCode::RateLimited,
                    400..=499 => ErrorCode::BadRequest,
                    _ => ErrorCode::Internal,
                });
            Err(ClientError::Api { status, code })
        }
    }

    /// PUTs bytes to a signed URL the server handed out; answers the `ETag`.
    pub async fn put_signed(&self, url: &str, bytes: Vec<u8>) -> Result<String, ClientError> {
        let response = self
            .http
            .put(url)
            .body(bytes)
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        etag_of(response).await
    }

    /// PUTs a streamed body of `len` bytes to a signed URL; answers the `ETag`.
    pub async fn put_signed_stream(
        &self,
        url: &str,
        body: reqwest::Body,
        len: u64,
    ) -> Result<String, ClientError> {
        let response = self
            .http
            .put(url)
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(body)
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        etag_of(response).await
    }

    /// GETs a signed download URL.
    pub async fn get_signed(&self, url: &str) -> Result<Vec<u8>, ClientError> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        if (200..300).contains(&status) {
            Ok(bytes.to_vec())
        } else {
            let code = serde_json::from_slice::<ErrorBody>(&bytes)
                .map(|b| b.error)
                .unwrap_or(ErrorCode::Internal);
            Err(ClientError::Api { status, code })
        }
    }
}

/// The `ETag` of a successful PUT, or the error it answered.
async fn etag_of(response: reqwest::Response) -> Result<String, ClientError> {
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_matches('"').to_owned());
    if (200..300).contains(&status) {
        etag.ok_or_else(|| ClientError::Decode("the upload answered no ETag".into()))
    } else {
        let bytes = response.bytes().await.unwrap_or_default();
        let code = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|b| b.error)
            .unwrap_or(ErrorCode::Internal);
        Err(ClientError::Api { status, code })
    }
}

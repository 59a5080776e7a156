//! Google sign-in the desktop way, end to end: the core's loopback redirect and PKCE exchange,
//! and the real server verifying the ID token against the provider's keys. The provider's
//! endpoints (Google's cannot be reached here) are served by the test on loopback, signing
//! with the server tests' test-only key; the test also plays the browser.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect};
use base64::Engine;
use chatenium_api::GetSessions;
use chatenium_core::api::ApiClient;
use chatenium_core::oauth::{self, Provider, ProviderConfig};
use chatenium_server::config::OAuthProvider;
use common::{test_keyring, LocalServer};
use serde_json::json;
use sha2::{Digest, Sha256};

const PROVIDER_KEY: &[u8] = include_bytes!("../../server/tests/keys/provider.der");
const CLIENT_ID: &str = "chatenium-desktop-test";

#[derive(Default)]
struct Issued {
    /// code → (code_challenge, redirect_uri)
    codes: HashMap<String, (String, String)>,
}

#[derive(Clone)]
struct ProviderState {
    issuer: String,
    issued: Arc<Mutex<Issued>>,
}

async fn authorize(
    State(state): State<ProviderState>,
    Query(query): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let code = format!("code-{}", state.issued.lock().unwrap().codes.len());
    let challenge = query.get("code_challenge").cloned().unwrap_or_default();
    let redirect = query.get("redirect_uri").cloned().unwrap_or_default();
    state
        .issued
        .lock()
        .unwrap()
        .codes
        .insert(code.clone(), (challenge, redirect.clone()));
    let back = format!(
        "{redirect}?code={code}&state={}",
        query.get("state").cloned().unwrap_or_default()
    );
    Redirect::to(&back)
}

async fn token(
    State(state): State<ProviderState>,
    Form(form): Form<HashMap<String, String>>,
) -> axum::response::Response {
    let Some((challenge, redirect)) = state
        .issued
        .lock()
        .unwrap()
        .codes
        .remove(form.get("code").map(String::as_str).unwrap_or(""))
    else {
        return (axum::http::StatusCode::BAD_REQUEST, "unknown code").into_response();
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    if computed != challenge
        || form.get("redirect_uri") != Some(&redirect)
        || form.get("client_id").map(String::as_str) != Some(CLIENT_ID)
    {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            "PKCE or redirect mismatch",
        )
            .into_response();
    }
    let now = chatenium_server::clock::unix_now();
    let claims = json!({
        "iss": state.issuer, "aud": CLIENT_ID, "sub": "google-subject-1", "iat": now, "exp": now + 600,
        "email": "oauth.user@example.test", "email_verified": true, "name": "OAuth User",
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("test-key".into());
    let id_token = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_der(PROVIDER_KEY),
    )
    .unwrap();
    axum::Json(json!({ "id_token": id_token, "token_type": "Bearer" })).into_response()
}

async fn jwks() -> impl IntoResponse {
    let key = jsonwebtoken::EncodingKey::from_rsa_der(PROVIDER_KEY);
    let mut jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&key, jsonwebtoken::Algorithm::RS256).unwrap();
    jwk.common.key_id = Some("test-key".into());
    axum::Json(json!({ "keys": [jwk] }))
}

async fn serve_provider() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = ProviderState {
        issuer: base.clone(),
        issued: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/authorize", axum::routing::get(authorize))
        .route("/token", axum::routing::post(token))
        .route("/jwks", axum::routing::get(jwks))
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// What the system browser would do: follow the provider's redirect back to the app.
async fn browse(url: &str) -> reqwest::StatusCode {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap();
    browser.get(url).send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_sign_in_through_the_system_browser_starts_a_session() {
    let provider = serve_provider().await;
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start_with("127.0.0.1:0".parse().unwrap(), dir.path(), |config| {
        config.oauth.google = Some(OAuthProvider {
            jwks_url: format!("{provider}/jwks"),
            issuers: vec![provider.clone()],
            audience: CLIENT_ID.into(),
        });
    });
    let config = ProviderConfig {
        provider: Provider::Google,
        authorization_endpoint: format!("{provider}/authorize"),
        token_endpoint: format!("{provider}/token"),
        client_id: CLIENT_ID.into(),
    };

    let pending = oauth::begin(&config).await.unwrap();
    assert!(pending.url.contains("code_challenge_method=S256"));
    let url = pending.url.clone();
    let (status, id_token) = tokio::join!(browse(&url), pending.finish(Duration::from_secs(30)));
    assert!(
        status.is_success(),
        "the browser lands on the app's page: {status}"
    );
    let api = Arc::new(ApiClient::new(server.base_url()).unwrap());
    let session = oauth::sign_in_with_id_token(
        Arc::clone(&api),
        test_keyring(),
        Provider::Google,
        id_token.unwrap(),
        "linux",
        "en",
    )
    .await
    .unwrap();
    assert_eq!(
        session.call::<GetSessions>(&(), &()).await.unwrap().len(),
        1
    );
    session.forget().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_for_another_sign_in_is_refused() {
    let provider = serve_provider().await;
    let config = ProviderConfig {
        provider: Provider::Google,
        authorization_endpoint: format!("{provider}/authorize"),
        token_endpoint: format!("{provider}/token"),
        client_id: CLIENT_ID.into(),
    };
    let pending = oauth::begin(&config).await.unwrap();
    // A forged redirect straight to the app's listener, with a state it never issued.
    let forged = pending
        .url
        .split("redirect_uri=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let forged = format!("{}?code=stolen&state=forged", urlencoding_decode(&forged));
    let (_, outcome) = tokio::join!(browse(&forged), pending.finish(Duration::from_secs(30)));
    assert!(outcome.is_err());
}

fn urlencoding_decode(text: &str) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("x={text}")).unwrap();
    pairs[0].1.clone()
}

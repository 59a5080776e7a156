//! Sign-in with Google and Apple (rows 4 and 5): the client brings an ID token from the
//! provider; we verify it (RS256) against the provider's published keys (JWKS) and find, link
//! or create the account it names.
//!
//! Every way a token can fail, and a provider this server is not configured for, is
//! `invalidIdToken`: a client cannot do anything different about any of them.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use chatenium_api::ErrorCode;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;

use crate::clock::unix_now;
use crate::config::OAuthProvider;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::state::AppState;
use crate::users::{insert_user, is_taken, Identity, NewUser};
use crate::validate;

/// After this long, cached keys are fetched again even when they know the token's `kid`, so
/// a key the provider withdrew stops working.
const KEYS_MAX_AGE: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Google,
    Apple,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::Google => "google",
            Provider::Apple => "apple",
        }
    }

    fn config(self, state: &AppState) -> Option<&OAuthProvider> {
        match self {
            Provider::Google => state.config.oauth.google.as_ref(),
            Provider::Apple => state.config.oauth.apple.as_ref(),
        }
    }
}

/// Who a verified ID token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    pub provider: Provider,
    /// The provider's stable id of the person (`sub`).
    pub subject: String,
    /// Only an address the provider says it verified.
    pub email: Option<String>,
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    /// Google sends a boolean, Apple sometimes the string `"true"`.
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
}

fn invalid() -> ApiError {
    ErrorCode::InvalidIdToken.into()
}

/// Verifies `id_token`: signature by one of the provider's keys, `iss`, `aud` and `exp`.
pub async fn verify(
    state: &AppState,
    provider: Provider,
    id_token: &str,
) -> ApiResult<VerifiedIdentity> {
    let config = provider.config(state).ok_or_else(invalid)?;
    let header = jsonwebtoken::decode_header(id_token).map_err(|_| invalid())?;
    if header.alg != Algorithm::RS256 {
        return Err(invalid());
    }
    let kid = header.kid.ok_or_else(invalid)?;
    let key = key_for(state, &config.jwks_url, &kid).await?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&config.audience]);
    validation.set_issuer(&config.issuers);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Claims>(id_token, &key, &validation)
        .map_err(|error| {
            tracing::debug!(%error, provider = provider.name(), "ID token refused");
            invalid()
        })?
        .claims;
    let verified = matches!(claims.email_verified, Some(serde_json::Value::Bool(true)))
        || matches!(&claims.email_verified, Some(serde_json::Value::String(s)) if s == "true");
    let email = claims
        .email
        .filter(|email| verified && validate::email(email).is_ok());
    Ok(VerifiedIdentity {
        provider,
        subject: claims.sub,
        email,
        name: claims.name,
    })
}

/// The provider's published keys by `kid`, as last fetched.
struct KeySet {
    keys: HashMap<String, Jwk>,
    fetched: Instant,
}

/// Keys by JWKS URL. Process-wide because the URL already says whose keys they are, and every
/// server in the process may share them.
fn cache() -> &'static Mutex<HashMap<String, KeySet>> {
    static CACHE: OnceLock<Mutex<HashMap<String, KeySet>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn cached(url: &str, kid: &str) -> Option<Jwk> {
    let cache = cache().lock().unwrap_or_else(|p| p.into_inner());
    let set = cache.get(url)?;
    if set.fetched.elapsed() > KEYS_MAX_AGE {
        return None;
    }
    set.keys.get(kid).cloned()
}

/// The key named `kid`: from the cache, else from one fresh fetch of the JWKS (a provider
/// publishes a new key before it signs with it).
async fn key_for(state: &AppState, url: &str, kid: &str) -> ApiResult<DecodingKey> {
    let jwk = match cached(url, kid) {
        Some(jwk) => jwk,
        None => {
            let keys = fetch(state, url).await?;
            let jwk = keys.get(kid).cloned();
            cache().lock().unwrap_or_else(|p| p.into_inner()).insert(
                url.to_owned(),
                KeySet {
                    keys,
                    fetched: Instant::now(),
                },
            );
            jwk.ok_or_else(invalid)?
        }
    };
    match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa) => {
            DecodingKey::from_rsa_components(&rsa.n, &rsa.e).map_err(|_| invalid())
        }
        _ => Err(invalid()),
    }
}

/// Fetches a JWKS. Keys this server cannot read are skipped, not fatal: a provider may
/// publish kinds we never use.
async fn fetch(state: &AppState, url: &str) -> ApiResult<HashMap<String, Jwk>> {
    #[derive(Deserialize)]
    struct Set {
        keys: Vec<serde_json::Value>,
    }
    let failed = |error: reqwest::Error| {
        tracing::warn!(%error, url, "cannot fetch OAuth keys");
        invalid()
    };
    let set: Set = state
        .http
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(failed)?
        .json()
        .await
        .map_err(failed)?;
    Ok(set
        .keys
        .into_iter()
        .filter_map(|key| serde_json::from_value::<Jwk>(key).ok())
        .filter_map(|jwk| Some((jwk.common.key_id.clone()?, jwk)))
        .collect())
}

/// The account a verified identity signs in to: the one linked to it, else the one with its
/// verified e-mail (then linked), else a new passwordless account (then linked).
/// `display_name` is what the client was told on a first Apple sign-in.
pub fn account(
    connection: &mut Connection,
    identity: &VerifiedIdentity,
    display_name: Option<&str>,
) -> ApiResult<String> {
    let provider = identity.provider.name();
    let linked: Option<String> = connection
        .query_row(
            "SELECT user_id FROM oauth_identities WHERE provider = ?1 AND subject = ?2",
            params![provider, identity.subject],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(userid) = linked {
        return Ok(userid);
    }
    // Without a verified address we could neither find nor name an account.
    let email = identity.email.as_deref().ok_or_else(invalid)?;
    let transaction = connection.transaction()?;
    let existing: Option<String> = transaction
        .query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
            r.get(0)
        })
        .optional()?;
    let userid = match existing {
        Some(userid) => userid,
        None => {
            let username = free_username(&transaction, email)?;
            let display_name = [identity.name.as_deref(), display_name]
                .into_iter()
                .flatten()
                .map(str::trim)
                .find(|name| validate::display_name(name).is_ok())
                .unwrap_or(&username)
                .to_owned();
            let user = NewUser {
                username: &username,
                display_name: &display_name,
                email: Some(email),
                phone: None,
                password_hash: None,
            };
            insert_user(&transaction, &user)?
        }
    };
    transaction.execute(
        "INSERT INTO oauth_identities (provider, subject, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![provider, identity.subject, userid, unix_now()],
    )?;
    transaction.commit()?;
    Ok(userid)
}

/// A free username made from the e-mail's local part: the characters the rules allow, then
/// a number when the name is taken.
fn free_username(connection: &Connection, email: &str) -> ApiResult<String> {
    let local = email.split('@').next().unwrap_or_default();
    let mut base: String = local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(32)
        .collect();
    if base.chars().count() < 3 {
        base.push_str("_user");
    }
    let taken = |name: &str| is_taken(connection, Identity::Username, name);
    if !taken(&base)? {
        return Ok(base);
    }
    for number in 2..100 {
        let suffix = number.to_string();
        let name = format!("{}{suffix}", prefix(&base, 32 - suffix.len()));
        if !taken(&name)? {
            return Ok(name);
        }
    }
    // So many namesakes: a random suffix is as good as any.
    Ok(format!("{}{}", prefix(&base, 20), &new_id()[..12]))
}

fn prefix(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection() -> Connection {
        let connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch(
                "CREATE TABLE users (username TEXT NOT NULL UNIQUE COLLATE NOCASE);
                 INSERT INTO users VALUES ('anna'), ('anna2'), ('jo_user');",
            )
            .unwrap();
        connection
    }

    #[test]
    fn usernames_follow_the_rules_and_avoid_taken_ones() {
        let c = connection();
        assert_eq!(
            free_username(&c, "bela.k+news@example.com").unwrap(),
            "bela.knews"
        );
        assert_eq!(free_username(&c, "Anna@example.com").unwrap(), "Anna3");
        assert_eq!(free_username(&c, "jo@example.com").unwrap(), "jo_user2");
        assert_eq!(free_username(&c, "éé@example.com").unwrap(), "_user");
        let long = format!("{}@example.com", "x".repeat(40));
        let name = free_username(&c, &long).unwrap();
        assert!(validate::username(&name).is_ok(), "{name}");
    }
}

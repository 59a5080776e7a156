//! A signed-in session: the token pair, kept only in the keyring, and the request path that
//! every call of the core goes through.
//!
//! - The access token is refreshed shortly before it expires and whenever the server says it
//!   is expired or unknown. Refresh is single-flight: concurrent requests that fail together
//!   wait for one refresh (a generation counter tells a waiter someone else already did it)
//!   and then retry once.
//! - Reads (GET) that fail on the network are retried with backoff; writes are not, since
//!   they may have arrived (the outbox makes sends safe to repeat with their client key).
//! - A refresh the server refuses ends the session cleanly: the state turns `Revoked`, the
//!   keyring entry is removed, and every call answers `SignedOut`.
//! - Each refresh is published ([`Session::refreshes`]): the live socket sends the new access
//!   token on, so the server keeps the connection open past the old token's expiry.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chatenium_api::schemas::auth::{RefreshTokenPairReq, SuccessfulAuthResp};
use chatenium_api::{Endpoint, Method, RotateTokenPair};
use tokio::sync::{watch, Mutex};

use crate::api::ApiClient;
use crate::error::ClientError;
use crate::tokens::{AccountKey, TokenPair, TokenStore};

/// Refresh this long before the access token expires (at most half its lifetime, so that a
/// short-lived token is not refreshed on every call).
const REFRESH_MARGIN: Duration = Duration::from_secs(30);
/// The soonest a new token is refreshed again without the server asking.
const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(1);
/// Tries of a read that fails on the network.
const READ_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Active,
    /// The server refused the session (logged out elsewhere, password reset, deleted).
    Revoked,
}

struct Tokens {
    pair: TokenPair,
    /// When to refresh proactively; `None` when unknown (restored from the keyring).
    refresh_at: Option<Instant>,
    generation: u64,
}

pub struct Session {
    api: Arc<ApiClient>,
    account: AccountKey,
    store: Arc<dyn TokenStore>,
    tokens: Mutex<Tokens>,
    /// How many refreshes this session has made; watched by the live socket.
    refreshes: watch::Sender<u64>,
    state: watch::Sender<SessionState>,
}

impl Session {
    /// A session from a successful sign-in or registration; saves the pair to the keyring.
    pub async fn from_auth(
        api: Arc<ApiClient>,
        store: Arc<dyn TokenStore>,
        auth: &SuccessfulAuthResp,
    ) -> Result<Session, ClientError> {
        let account = AccountKey {
            server: api.base_url().to_owned(),
            userid: auth.userid.clone(),
        };
        let pair = TokenPair {
            access: auth.access_token.clone(),
            refresh: auth.refresh_token.clone(),
        };
        save(&store, &account, &pair).await?;
        Ok(Self::with_tokens(
            api,
            store,
            account,
            pair,
            Some(refresh_deadline(auth.expires_in)),
        ))
    }

    /// The session of `account` if the keyring holds its tokens.
    pub async fn restore(
        api: Arc<ApiClient>,
        store: Arc<dyn TokenStore>,
        account: AccountKey,
    ) -> Result<Option<Session>, ClientError> {
        let loaded = {
            let store = Arc::clone(&store);
            let account = account.clone();
            tokio::task::spawn_blocking(move || store.load(&account))
                .await
                .map_err(|e| ClientError::Storage(e.to_string()))??
        };
        Ok(loaded.map(|pair| Self::with_tokens(api, store, account, pair, None)))
    }

    fn with_tokens(
        api: Arc<ApiClient>,
        store: Arc<dyn TokenStore>,
        account: AccountKey,
        pair: TokenPair,
        refresh_at: Option<Instant>,
    ) -> Session {
        Session {
            api,
            account,
            store,
            tokens: Mutex::new(Tokens {
                pair,
                refresh_at,
                generation: 0,
            }),
            refreshes: watch::channel(0).0,
            state: watch::channel(SessionState::Active).0,
        }
    }

    pub fn account(&self) -> &AccountKey {
        &self.account
    }

    pub fn userid(&self) -> &str {
        &self.account.userid
    }

    pub fn api(&self) -> &Arc<ApiClient> {
        &self.api
    }

    /// Follows the session's state; it turns `Revoked` once, for good.
    pub fn state(&self) -> watch::Receiver<SessionState> {
        self.state.subscribe()
    }

    /// How many refreshes this session has made.
    pub fn refresh_count(&self) -> u64 {
        *self.refreshes.borrow()
    }

    /// Follows the number of refreshes: it changes each time a new access token is in use.
    pub fn refreshes(&self) -> watch::Receiver<u64> {
        self.refreshes.subscribe()
    }

    /// When the access token is due to be refreshed; `None` when unknown (a session restored
    /// from the keyring, until its first refresh).
    pub async fn refresh_due(&self) -> Option<Instant> {
        self.tokens.lock().await.refresh_at
    }

    /// The current access token, refreshed first when it is about to expire (for the socket).
    pub async fn access_token(&self) -> Result<String, ClientError> {
        Ok(self.current().await?.0)
    }

    /// A fresh access token after the server refused `refused` (an expired token at the
    /// socket's upgrade): refreshed unless another caller already replaced it.
    pub async fn access_token_after_refusal(&self, refused: &str) -> Result<String, ClientError> {
        let generation = {
            let tokens = self.tokens.lock().await;
            (tokens.pair.access == refused).then_some(tokens.generation)
        };
        if let Some(generation) = generation {
            self.refresh(generation).await?;
        }
        self.access_token().await
    }

    /// Calls endpoint `E` as this session's user.
    pub async fn call<E: Endpoint>(
        &self,
        query: &E::Query,
        body: &E::Body,
    ) -> Result<E::Response, ClientError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (token, generation) = self.current().await?;
            let outcome = match self.api.send::<E>(Some(&token), query, body).await {
                Err(error) if error.needs_refresh() => {
                    self.refresh(generation).await?;
                    let (token, _) = self.current().await?;
                    self.api.send::<E>(Some(&token), query, body).await
                }
                other => other,
            };
            match outcome {
                Err(error)
                    if error.is_transient()
                        && E::META.method == Method::Get
                        && attempt < READ_ATTEMPTS =>
                {
                    tokio::time::sleep(crate::backoff::delay(attempt)).await;
                }
                other => return other,
            }
        }
    }

    /// Forgets the tokens (the keyring entry goes); the server session stays until it expires
    /// or is logged out from another device.
    pub async fn forget(&self) -> Result<(), ClientError> {
        let store = Arc::clone(&self.store);
        let account = self.account.clone();
        tokio::task::spawn_blocking(move || store.delete(&account))
            .await
            .map_err(|e| ClientError::Storage(e.to_string()))?
    }

    async fn current(&self) -> Result<(String, u64), ClientError> {
        if *self.state.borrow() == SessionState::Revoked {
            return Err(ClientError::SignedOut);
        }
        let (token, generation, due) = {
            let tokens = self.tokens.lock().await;
            let due = tokens.refresh_at.is_some_and(|at| Instant::now() >= at);
            (tokens.pair.access.clone(), tokens.generation, due)
        };
        if due {
            self.refresh(generation).await?;
            let tokens = self.tokens.lock().await;
            return Ok((tokens.pair.access.clone(), tokens.generation));
        }
        Ok((token, generation))
    }

    /// Refreshes unless another caller already did since `seen_generation`.
    async fn refresh(&self, seen_generation: u64) -> Result<(), ClientError> {
        let mut tokens = self.tokens.lock().await;
        if tokens.generation != seen_generation {
            return Ok(());
        }
        let request = RefreshTokenPairReq {
            refresh_token: tokens.pair.refresh.clone(),
        };
        match self.api.send::<RotateTokenPair>(None, &(), &request).await {
            Ok(auth) => {
                let pair = TokenPair {
                    access: auth.access_token,
                    refresh: auth.refresh_token,
                };
                save(&self.store, &self.account, &pair).await?;
                tokens.pair = pair;
                tokens.refresh_at = Some(refresh_deadline(auth.expires_in));
                tokens.generation += 1;
                drop(tokens);
                self.refreshes.send_modify(|count| *count += 1);
                Ok(())
            }
            Err(ClientError::Api {
                status: 400..=499, ..
            }) => {
                drop(tokens);
                self.state.send_replace(SessionState::Revoked);
                let _ = self.forget().await;
                Err(ClientError::SignedOut)
            }
            Err(other) => Err(other),
        }
    }
}

/// When to refresh a token that lives `expires_in` seconds: a second at the earliest, so that a
/// server handing out (nearly) expired tokens cannot make the socket refresh in a busy loop.
fn refresh_deadline(expires_in: u32) -> Instant {
    let lifetime = Duration::from_secs(u64::from(expires_in));
    let refresh_after = lifetime.saturating_sub(REFRESH_MARGIN.min(lifetime / 2));
    Instant::now() + refresh_after.max(MIN_REFRESH_INTERVAL)
}

async fn save(
    store: &Arc<dyn TokenStore>,
    account: &AccountKey,
    pair: &TokenPair,
) -> Result<(), ClientError> {
    let (store, account, pair) = (Arc::clone(store), account.clone(), pair.clone());
    tokio::task::spawn_blocking(move || store.save(&account, &pair))
        .await
        .map_err(|e| ClientError::Storage(e.to_string()))?
}

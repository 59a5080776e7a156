//! This device's side of being signed in: which server, the accounts it knows
//! ([`AccountDirectory`]), where their tokens live (the keyring), and turning a successful
//! sign-in, or a restart, into a running [`Client`].

use std::path::PathBuf;
use std::sync::Arc;

use chatenium_api::schemas::auth::SuccessfulAuthResp;
use chatenium_api::schemas::common::PublicUserData;

use crate::accounts::{AccountDirectory, KnownAccount};
use crate::api::ApiClient;
use crate::error::ClientError;
use crate::session::Session;
use crate::signin::Auth;
use crate::store::SqliteStore;
use crate::tokens::TokenStore;
use crate::Client;

pub struct Device {
    api: Arc<ApiClient>,
    accounts: AccountDirectory,
    tokens: Arc<dyn TokenStore>,
}

impl Device {
    /// The device talking to the server at `server_url`, keeping profiles and caches under
    /// `data_dir` and tokens in `tokens`.
    pub fn new(
        server_url: &str,
        data_dir: impl Into<PathBuf>,
        tokens: Arc<dyn TokenStore>,
    ) -> Result<Device, ClientError> {
        Ok(Device {
            api: Arc::new(ApiClient::new(server_url)?),
            accounts: AccountDirectory::new(data_dir),
            tokens,
        })
    }

    pub fn server_url(&self) -> &str {
        self.api.base_url()
    }

    /// Sign-in and registration calls, sent in `language`.
    pub fn auth(&self, language: &str) -> Auth {
        Auth::new(Arc::clone(&self.api), language)
    }

    /// Starts the engine of a fresh sign-in: tokens to the keyring, profile remembered.
    pub async fn start(&self, auth: &SuccessfulAuthResp) -> Result<Client, ClientError> {
        let session =
            Session::from_auth(Arc::clone(&self.api), Arc::clone(&self.tokens), auth).await?;
        self.remember(&session, auth.user.clone())?;
        self.start_session(session)
    }

    /// The most recently used account of this server whose tokens are still in the keyring.
    pub async fn resume(&self) -> Result<Option<(Client, PublicUserData)>, ClientError> {
        let known = self.accounts.list()?;
        for account in known
            .into_iter()
            .rev()
            .filter(|a| a.key.server == self.api.base_url())
        {
            let restored = Session::restore(
                Arc::clone(&self.api),
                Arc::clone(&self.tokens),
                account.key.clone(),
            )
            .await?;
            if let Some(session) = restored {
                return Ok(Some((self.start_session(session)?, account.user)));
            }
        }
        Ok(None)
    }

    /// Updates the remembered profile (after a name or picture change).
    pub fn update_profile(&self, client: &Client, user: PublicUserData) -> Result<(), ClientError> {
        self.remember(client.session(), user)
    }

    /// Signs out on this device: the engine stops, the tokens leave the keyring and the
    /// profile is forgotten; with `remove_cache` (account deleted) its cache goes too.
    pub async fn sign_out(&self, client: Client, remove_cache: bool) -> Result<(), ClientError> {
        let key = client.session().account().clone();
        let forgotten = client.session().forget().await;
        client.shut_down().await;
        self.accounts.forget(&key, remove_cache)?;
        forgotten
    }

    fn remember(&self, session: &Session, user: PublicUserData) -> Result<(), ClientError> {
        self.accounts.remember(KnownAccount {
            key: session.account().clone(),
            user,
        })
    }

    fn start_session(&self, session: Session) -> Result<Client, ClientError> {
        let path = self.accounts.store_path(session.account())?;
        let store = Arc::new(SqliteStore::open(&path)?);
        Ok(Client::start(session, store))
    }
}

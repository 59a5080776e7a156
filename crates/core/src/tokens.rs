//! Where the token pair lives: only in the OS keyring. [`KeyringTokenStore`] is the real one;
//! [`MemoryTokenStore`] exists for unit tests at this seam. Nothing here writes a file.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::ClientError;

/// The keyring's service name for this app.
pub const KEYRING_SERVICE: &str = "hu.chatenium.desktop";

/// Which account's tokens: the same user id on two servers is two accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountKey {
    pub server: String,
    pub userid: String,
}

impl AccountKey {
    fn keyring_user(&self) -> String {
        format!("{}@{}", self.userid, self.server)
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    pub access: String,
    pub refresh: String,
}

impl std::fmt::Debug for TokenPair {
    // Tokens never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenPair { .. }")
    }
}

/// Blocking: a keyring call may talk to a daemon. Callers use a blocking thread.
pub trait TokenStore: Send + Sync {
    fn load(&self, account: &AccountKey) -> Result<Option<TokenPair>, ClientError>;
    fn save(&self, account: &AccountKey, pair: &TokenPair) -> Result<(), ClientError>;
    fn delete(&self, account: &AccountKey) -> Result<(), ClientError>;
}

/// The OS keyring (Secret Service, Keychain, Credential Manager).
pub struct KeyringTokenStore {
    service: String,
}

impl Default for KeyringTokenStore {
    fn default() -> Self {
        Self {
            service: KEYRING_SERVICE.to_owned(),
        }
    }
}

impl KeyringTokenStore {
    /// A store under another service name (tests use their own, to never touch a user's).
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, account: &AccountKey) -> Result<keyring::Entry, ClientError> {
        keyring::Entry::new(&self.service, &account.keyring_user()).map_err(keyring_error)
    }
}

fn keyring_error(error: keyring::Error) -> ClientError {
    ClientError::Storage(format!("keyring: {error}"))
}

impl TokenStore for KeyringTokenStore {
    fn load(&self, account: &AccountKey) -> Result<Option<TokenPair>, ClientError> {
        match self.entry(account)?.get_password() {
            Ok(secret) => serde_json::from_str(&secret)
                .map(Some)
                .map_err(|e| ClientError::Storage(format!("keyring entry unreadable: {e}"))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(keyring_error(error)),
        }
    }

    fn save(&self, account: &AccountKey, pair: &TokenPair) -> Result<(), ClientError> {
        let secret =
            serde_json::to_string(pair).map_err(|e| ClientError::Storage(e.to_string()))?;
        self.entry(account)?
            .set_password(&secret)
            .map_err(keyring_error)
    }

    fn delete(&self, account: &AccountKey) -> Result<(), ClientError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(keyring_error(error)),
        }
    }
}

/// For unit tests only.
#[derive(Default)]
pub struct MemoryTokenStore {
    pairs: Mutex<HashMap<AccountKey, TokenPair>>,
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, account: &AccountKey) -> Result<Option<TokenPair>, ClientError> {
        Ok(self
            .pairs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
            .cloned())
    }

    fn save(&self, account: &AccountKey, pair: &TokenPair) -> Result<(), ClientError> {
        self.pairs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account.clone(), pair.clone());
        Ok(())
    }

    fn delete(&self, account: &AccountKey) -> Result<(), ClientError> {
        self.pairs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account);
        Ok(())
    }
}

//! The accounts this device knows, side by side: who they are (profile only, no tokens) and
//! where each one's cache lives. Tokens stay in the keyring ([`crate::tokens`]).
//!
//! `accounts.json` is written atomically (a temporary file, then a rename), so a crash never
//! leaves it half-written.

use std::path::{Path, PathBuf};

use chatenium_api::schemas::common::PublicUserData;
use serde::{Deserialize, Serialize};

use crate::error::ClientError;
use crate::tokens::AccountKey;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnownAccount {
    pub key: AccountKey,
    pub user: PublicUserData,
}

pub struct AccountDirectory {
    root: PathBuf,
}

impl AccountDirectory {
    /// The app's data folder.
    pub fn new(root: impl Into<PathBuf>) -> AccountDirectory {
        AccountDirectory { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn list(&self) -> Result<Vec<KnownAccount>, ClientError> {
        match std::fs::read(self.root.join("accounts.json")) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| ClientError::Storage(format!("accounts.json: {e}"))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(error) => Err(ClientError::Storage(error.to_string())),
        }
    }

    /// Adds or updates an account's profile.
    pub fn remember(&self, account: KnownAccount) -> Result<(), ClientError> {
        let mut accounts = self.list()?;
        accounts.retain(|known| known.key != account.key);
        accounts.push(account);
        self.write(&accounts)
    }

    /// Forgets an account's profile; its cache folder stays unless `remove_cache`.
    pub fn forget(&self, key: &AccountKey, remove_cache: bool) -> Result<(), ClientError> {
        let mut accounts = self.list()?;
        accounts.retain(|known| &known.key != key);
        self.write(&accounts)?;
        if remove_cache {
            let _ = std::fs::remove_dir_all(self.account_dir(key));
        }
        Ok(())
    }

    /// The folder of one account's cache; created on demand.
    pub fn account_dir(&self, key: &AccountKey) -> PathBuf {
        let server: String = key
            .server
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let user: String = key
            .userid
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        self.root.join("accounts").join(format!("{server}-{user}"))
    }

    /// The cache file of an account, its folder created.
    pub fn store_path(&self, key: &AccountKey) -> Result<PathBuf, ClientError> {
        let dir = self.account_dir(key);
        std::fs::create_dir_all(&dir).map_err(|e| ClientError::Storage(e.to_string()))?;
        Ok(dir.join("cache.sqlite"))
    }

    fn write(&self, accounts: &[KnownAccount]) -> Result<(), ClientError> {
        let storage = |e: std::io::Error| ClientError::Storage(e.to_string());
        std::fs::create_dir_all(&self.root).map_err(storage)?;
        let json =
            serde_json::to_vec_pretty(accounts).map_err(|e| ClientError::Storage(e.to_string()))?;
        let temporary = self.root.join("accounts.json.tmp");
        std::fs::write(&temporary, json).map_err(storage)?;
        std::fs::rename(&temporary, self.root.join("accounts.json")).map_err(storage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(server: &str, userid: &str) -> KnownAccount {
        KnownAccount {
            key: AccountKey {
                server: server.into(),
                userid: userid.into(),
            },
            user: PublicUserData {
                userid: userid.into(),
                username: "u".into(),
                display_name: "U".into(),
                pfp: None,
            },
        }
    }

    #[test]
    fn accounts_on_two_servers_live_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = AccountDirectory::new(dir.path());
        accounts
            .remember(account("http://127.0.0.1:1", "a"))
            .unwrap();
        accounts
            .remember(account("https://api.chatenium.hu", "a"))
            .unwrap();
        accounts
            .remember(account("http://127.0.0.1:1", "a"))
            .unwrap();
        assert_eq!(accounts.list().unwrap().len(), 2);
        let first = accounts
            .store_path(&account("http://127.0.0.1:1", "a").key)
            .unwrap();
        let second = accounts
            .store_path(&account("https://api.chatenium.hu", "a").key)
            .unwrap();
        assert_ne!(first, second);
        assert!(first.starts_with(dir.path()));
        accounts
            .forget(&account("http://127.0.0.1:1", "a").key, true)
            .unwrap();
        assert_eq!(accounts.list().unwrap().len(), 1);
    }

    #[test]
    fn hostile_ids_stay_inside_the_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = AccountDirectory::new(dir.path());
        let path = accounts.account_dir(&account("../../etc", "../../x").key);
        assert!(path.starts_with(dir.path().join("accounts")));
        assert!(!path.to_string_lossy().contains(".."));
    }
}

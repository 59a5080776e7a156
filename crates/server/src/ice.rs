//! The ICE servers a client gets for a call or a transfer (the `RTCConfiguration`): the
//! configured STUN servers, and TURN with credentials minted for this user.
//!
//! TURN credentials follow coturn's `use-auth-secret` scheme (the "TURN REST API"): the
//! username is `<unix expiry>:<userid>` and the credential is base64(HMAC-SHA1(secret,
//! username)). coturn recomputes the credential from its `static-auth-secret` and refuses a
//! username whose expiry has passed, so nothing is stored and a leaked credential dies alone.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chatenium_api::schemas::call::{IceServer, RTCConfiguration};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::clock::unix_now;
use crate::config::CallSettings;

/// A TURN username and its credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnCredentials {
    pub username: String,
    pub credential: String,
}

/// Credentials that work until `expires_at` (unix seconds) on a TURN server sharing `secret`.
pub fn turn_credentials(secret: &str, userid: &str, expires_at: i64) -> TurnCredentials {
    let username = format!("{expires_at}:{userid}");
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of every length");
    mac.update(username.as_bytes());
    TurnCredentials {
        credential: BASE64.encode(mac.finalize().into_bytes()),
        username,
    }
}

/// The ICE servers for `userid`, now. TURN appears only when both its URLs and its secret are
/// configured: a TURN URL without credentials would only make clients fail to allocate.
pub fn rtc_configuration(settings: &CallSettings, userid: &str) -> RTCConfiguration {
    let mut ice_servers = Vec::new();
    if !settings.stun_urls.is_empty() {
        ice_servers.push(IceServer {
            urls: settings.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    if let Some(secret) = settings.turn_secret.as_deref() {
        if !settings.turn_urls.is_empty() {
            let expires_at = unix_now().saturating_add(settings.turn_ttl_secs as i64);
            let TurnCredentials {
                username,
                credential,
            } = turn_credentials(secret, userid, expires_at);
            ice_servers.push(IceServer {
                urls: settings.turn_urls.clone(),
                username: Some(username),
                credential: Some(credential),
            });
        }
    }
    RTCConfiguration { ice_servers }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_match_the_turn_rest_api_scheme() {
        // Computed independently: printf '%s' '1700000000:u1' | openssl dgst -sha1 -hmac s3cret -binary | base64
        let minted = turn_credentials("s3cret", "u1", 1_700_000_000);
        assert_eq!(minted.username, "1700000000:u1");
        assert_eq!(minted.credential, "4UcptkFZVgURM7k6kAX3uCsw7gE=");
    }

    #[test]
    fn turn_is_offered_only_with_a_secret() {
        let mut settings = CallSettings {
            stun_urls: vec!["stun:127.0.0.1:3478".into()],
            turn_urls: vec!["turn:127.0.0.1:3478".into()],
            ..CallSettings::default()
        };
        let without = rtc_configuration(&settings, "u1");
        assert_eq!(without.ice_servers.len(), 1);
        assert_eq!(without.ice_servers[0].username, None);

        settings.turn_secret = Some("s3cret".into());
        let with = rtc_configuration(&settings, "u1");
        let turn = &with.ice_servers[1];
        assert_eq!(turn.urls, settings.turn_urls);
        let username = turn.username.as_deref().unwrap();
        let (expiry, userid) = username.split_once(':').unwrap();
        assert_eq!(userid, "u1");
        let expiry: i64 = expiry.parse().unwrap();
        assert!(expiry > unix_now());
        assert_eq!(
            turn.credential.as_deref(),
            Some(turn_credentials("s3cret", "u1", expiry).credential.as_str())
        );
    }

    #[test]
    fn nothing_configured_means_no_ice_servers() {
        assert!(rtc_configuration(&CallSettings::default(), "u1")
            .ice_servers
            .is_empty());
    }
}

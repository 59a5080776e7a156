//! Which Chatenium server the client talks to. Moving the app from the embedded local server to
//! the real service is this one setting.

/// Environment variable that points the client at a server, e.g. `https://api.chatenium.hu`.
/// Unset or blank means the embedded local server.
pub const SERVER_URL_ENV: &str = "CHATENIUM_SERVER_URL";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerTarget {
    /// The local server the app starts in-process on loopback (the default: works offline).
    Embedded,
    /// A remote server, by its REST base URL without a trailing slash.
    Remote(String),
}

impl ServerTarget {
    /// Reads [`SERVER_URL_ENV`].
    pub fn from_env() -> Self {
        Self::from_setting(std::env::var(SERVER_URL_ENV).ok().as_deref())
    }

    /// Interprets the setting's raw value: blank means embedded; a URL is kept without its
    /// trailing slashes so that endpoint paths can be appended as they are.
    pub fn from_setting(value: Option<&str>) -> Self {
        match value.map(|url| url.trim().trim_end_matches('/')) {
            Some(url) if !url.is_empty() => Self::Remote(url.to_owned()),
            _ => Self::Embedded,
        }
    }

    /// The real Chatenium service.
    pub fn real_service() -> Self {
        Self::Remote(chatenium_api::REAL_API_BASE.to_owned())
    }

    /// The remote base URL, or `None` for the embedded server.
    pub fn remote_url(&self) -> Option<&str> {
        match self {
            Self::Embedded => None,
            Self::Remote(url) => Some(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_or_blank_means_the_embedded_server() {
        assert_eq!(ServerTarget::from_setting(None), ServerTarget::Embedded);
        assert_eq!(
            ServerTarget::from_setting(Some("  ")),
            ServerTarget::Embedded
        );
        assert_eq!(
            ServerTarget::from_setting(Some("/")),
            ServerTarget::Embedded
        );
    }

    #[test]
    fn a_url_is_kept_without_its_trailing_slash() {
        let target = ServerTarget::from_setting(Some(" https://api.chatenium.hu/ "));
        assert_eq!(target, ServerTarget::real_service());
        assert_eq!(target.remote_url(), Some("https://api.chatenium.hu"));
    }
}

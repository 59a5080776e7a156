//! Invite links opened from the desktop: `chatenium://invite/<code>`, registered for the app's
//! desktop entry by the deep-link plugin (`tauri.conf.json`). The desktop starts the app with
//! the link as an argument; a second start hands its arguments to the running app (the
//! single-instance plugin), which shows the join preview.

use tauri::AppHandle;
use tauri_specta::Event;

use crate::events::InviteOpened;

const PREFIX: &str = "chatenium://invite/";

/// The invite code among a start's arguments, if one is an invite link.
pub fn code_in<S: AsRef<str>>(args: &[S]) -> Option<String> {
    args.iter().find_map(|arg| {
        let rest = arg.as_ref().trim().strip_prefix(PREFIX)?;
        let code = rest.split(['/', '?', '#']).next()?.trim();
        (!code.is_empty() && code.len() <= 256 && code.chars().all(|c| c.is_ascii_graphic()))
            .then(|| code.to_owned())
    })
}

/// A running app was handed an invite link: the window shows its preview.
pub fn opened(app: &AppHandle, code: String) {
    if let Err(error) = (InviteOpened { code }).emit(app) {
        tracing::warn!(%error, "the window did not hear of the opened invite");
    }
}

#[cfg(test)]
mod tests {
    use super::code_in;

    #[test]
    fn finds_the_code_of_an_invite_link_among_the_arguments() {
        assert_eq!(
            code_in(&["chatenium-desktop", "chatenium://invite/abc123"]),
            Some("abc123".into())
        );
        assert_eq!(
            code_in(&["chatenium://invite/abc123/?x=1"]),
            Some("abc123".into())
        );
        assert_eq!(code_in(&["chatenium-desktop", "--flag"]), None);
        assert_eq!(code_in(&["chatenium://invite/"]), None);
        assert_eq!(code_in(&["chatenium://invite/a b"]), None);
        assert_eq!(code_in(&["https://example.com/invite/abc"]), None);
    }
}

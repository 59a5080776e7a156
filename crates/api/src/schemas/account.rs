//! Account: push tokens, profile changes, sessions, GIF saving, profile picture, deletion.

use crate::macros::contract_types;

contract_types! {
    pub struct RegisterFcmTokenReq {
        pub token: String,
    }

    pub struct RegisterApnsTokenReq {
        pub token: String,
    }

    pub struct ChangeUsernameReq {
        #[schemars(length(min = 3, max = 32), regex(pattern = r"^[A-Za-z0-9._-]+$"))]
        pub username: String,
    }

    pub struct ChangeDisplayNameReq {
        #[schemars(length(min = 1, max = 64))]
        pub display_name: String,
    }

    /// Deleting an account needs proof: the password, or a completed `deleteAccount`
    /// challenge for a passwordless account.
    pub struct DeleteAccountReq {
        #[serde(default)]
        pub password: Option<String>,
        #[serde(default)]
        pub challenge_id: Option<String>,
    }

    /// The new address must have been verified by a `changeEmail` challenge whose data
    /// override named it.
    pub struct ChangeEmailReq {
        pub email: String,
        pub challenge_id: String,
    }

    /// Like [`ChangeEmailReq`], with a `changePhone` challenge.
    pub struct ChangePhoneReq {
        pub phone: String,
        pub challenge_id: String,
    }

    /// One signed-in session of the account.
    pub struct SessionV3 {
        pub session_id: String,
        pub os: String,
        pub language: String,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub created_at: i64,
        /// Unix seconds of the last request made with the session's tokens.
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub last_active: i64,
        /// The session whose token made this request.
        pub current: bool,
    }

    pub struct LogoutSessionReq {
        pub session_id: String,
    }

    pub struct ToggleGifReq {
        pub enabled: bool,
    }

    /// Marks the profile picture's upload complete and makes it the profile picture.
    pub struct CompletePfpUploadReq {
        #[serde(rename = "fileID")]
        pub file_id: String,
    }
}

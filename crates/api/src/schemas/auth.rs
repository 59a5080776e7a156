//! Auth: sign-in methods, availability, registration, sign-in, OAuth, challenges with factors,
//! password reset and the token pair.

use super::common::PublicUserData;
use crate::macros::contract_types;

contract_types! {
    /// A signed-in session: the token pair and who it belongs to.
    pub struct SuccessfulAuthResp {
        pub userid: String,
        pub user: PublicUserData,
        /// Short-lived; sent raw in `Authorization`.
        pub access_token: String,
        /// Long-lived; exchanged exactly once for a new pair.
        pub refresh_token: String,
        /// Seconds the access token stays valid from now.
        pub expires_in: u32,
    }

    /// How an identity can sign in: `{email, password, sms}`.
    pub struct AuthMethods {
        /// A one-time code can be sent by e-mail.
        pub email: bool,
        pub password: bool,
        /// A one-time code can be sent by SMS.
        pub sms: bool,
    }

    /// An Apple ID token obtained by the client through the system browser.
    pub struct AppleOAuthReq {
        pub id_token: String,
        /// Apple sends the name only on the first authorization; used for a new account.
        #[serde(default)]
        pub display_name: Option<String>,
        pub os: String,
        pub language: String,
    }

    /// A Google ID token obtained by the client through the system browser.
    pub struct GoogleOAuthReq {
        pub id_token: String,
        pub os: String,
        pub language: String,
    }

    /// Whether a username or an e-mail address is free.
    pub struct DataAvailabilityResp {
        pub available: bool,
    }

    /// Sign in by password, or by a challenge whose factors were verified (one-time codes).
    pub struct SignInReq {
        /// Username, e-mail address or phone number.
        pub identity: String,
        #[serde(default)]
        pub password: Option<String>,
        /// A completed challenge registered for this identity.
        #[serde(default)]
        pub challenge_id: Option<String>,
        pub os: String,
        pub language: String,
    }

    /// A new account without a password: every sign-in needs a one-time code. The challenge
    /// (registered with a data override naming the e-mail or phone) proves the address.
    pub struct PasswordlessRegisterReq {
        #[schemars(length(min = 3, max = 32), regex(pattern = r"^[A-Za-z0-9._-]+$"))]
        pub username: String,
        #[schemars(length(min = 1, max = 64))]
        pub display_name: String,
        #[schemars(length(min = 1))]
        pub challenge_id: String,
        pub os: String,
        pub language: String,
    }

    pub struct RegisterReq {
        #[schemars(length(min = 3, max = 32), regex(pattern = r"^[A-Za-z0-9._-]+$"))]
        pub username: String,
        #[schemars(length(min = 1, max = 64))]
        pub display_name: String,
        #[schemars(email, length(max = 254))]
        pub email: String,
        #[schemars(length(min = 8))]
        pub password: String,
        #[serde(default)]
        #[schemars(regex(pattern = r"^\+[0-9]{7,15}$"))]
        pub phone: Option<String>,
        pub os: String,
        pub language: String,
    }

    /// A new password, with the token the reset e-mail carried (a `passwordReset` challenge).
    pub struct PasswordResetReq {
        pub challenge_id: String,
        pub token: String,
        pub password: String,
    }

    pub struct RefreshTokenPairReq {
        pub refresh_token: String,
    }

    /// Sends the challenge's codes to an address the account does not have yet (registration,
    /// changing the e-mail or phone) instead of the account's own.
    pub struct ChallengeDataOverride {
        #[serde(default)]
        pub email: Option<String>,
        #[serde(default)]
        pub phone: Option<String>,
    }

    /// Registers a challenge: for an existing identity, or for addresses named in the override.
    pub struct RegisterAuthAttemptReq {
        pub purpose: ChallengePurpose,
        /// The account's identity; absent when registering a new account.
        #[serde(default)]
        pub identity: Option<String>,
        #[serde(default)]
        pub data_override: Option<ChallengeDataOverride>,
    }

    /// What a verified challenge may be used for; a challenge is spent by that use.
    pub enum ChallengePurpose {
        SignIn,
        Register,
        PasswordReset,
        ChangeEmail,
        ChangePhone,
        DeleteAccount,
    }

    /// The channel a factor's credential travels on (the real service: 0 is SMS, 1 is e-mail).
    #[derive(Copy, Hash)]
    pub enum FactorKind {
        Sms,
        Email,
    }

    /// One factor of a challenge.
    pub struct Factor {
        pub kind: FactorKind,
        /// Where the code goes, masked (`j***@example.com`, `+36******89`).
        pub target: String,
        pub verified: bool,
    }

    pub struct Challenge {
        pub challenge_id: String,
        pub purpose: ChallengePurpose,
        pub factors: Vec<Factor>,
        /// How many factors must be verified; the challenge is complete at that count.
        pub required: u32,
        pub complete: bool,
        /// Unix seconds after which the challenge is gone.
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub expires_at: i64,
    }

    pub struct VerifyFactorReq {
        pub challenge_id: String,
        pub kind: FactorKind,
        pub credential: String,
    }

    pub struct RequestFactorCredentialReq {
        pub challenge_id: String,
        pub kind: FactorKind,
    }

    pub struct GetIdFromIdentityResp {
        pub userid: String,
    }

    /// Query: one identity (username, e-mail address or phone number).
    pub struct IdentityQuery {
        #[schemars(length(min = 1))]
        pub identity: String,
    }

    /// Query of the username availability check.
    pub struct UsernameQuery {
        #[schemars(length(min = 3, max = 32), regex(pattern = r"^[A-Za-z0-9._-]+$"))]
        pub username: String,
    }

    /// Query of the e-mail availability check.
    pub struct EmailQuery {
        #[schemars(email, length(max = 254))]
        pub email: String,
    }
}

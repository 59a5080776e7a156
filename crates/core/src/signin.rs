//! Signing in and registering, before there is a session: the identity first, then the methods
//! it has (password, e-mail code, SMS code); registration with availability checks, with or
//! without a password; password reset; and challenges, which carry every one-time code. A
//! challenge may need more than one factor (registering an e-mail and a phone proves both):
//! that is the multi-factor case, and [`Challenge::complete`] says when it is done.
//!
//! Every call answers the server's stable [`chatenium_api::ErrorCode`] on refusal, which the UI
//! translates; nothing here keeps state, so a UI can go back and forth freely.

use std::sync::Arc;

use chatenium_api::schemas::auth::{
    AuthMethods, Challenge, ChallengeDataOverride, ChallengePurpose, EmailQuery, FactorKind,
    IdentityQuery, PasswordResetReq, PasswordlessRegisterReq, RegisterAuthAttemptReq, RegisterReq,
    RequestFactorCredentialReq, SignInReq, SuccessfulAuthResp, UsernameQuery, VerifyFactorReq,
};
use chatenium_api::{
    EmailAvailability, PasswordReset, PasswordlessRegister, Register, RegisterChallenge,
    RequestFactorCredential, SignIn, SignInMethods, UsernameAvailability, VerifyFactor,
};

use crate::api::ApiClient;
use crate::error::ClientError;

/// The sign-in and registration calls of one server, sent as this device (`os`, `language`).
#[derive(Clone)]
pub struct Auth {
    api: Arc<ApiClient>,
    os: String,
    language: String,
}

/// A new account's details.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub phone: Option<String>,
}

impl Auth {
    pub fn new(api: Arc<ApiClient>, language: &str) -> Auth {
        Auth {
            api,
            os: std::env::consts::OS.to_owned(),
            language: language.to_owned(),
        }
    }

    /// How `identity` (a username, e-mail address or phone number) can sign in.
    pub async fn methods(&self, identity: &str) -> Result<AuthMethods, ClientError> {
        let query = IdentityQuery {
            identity: identity.trim().to_owned(),
        };
        self.api.send::<SignInMethods>(None, &query, &()).await
    }

    pub async fn username_available(&self, username: &str) -> Result<bool, ClientError> {
        let query = UsernameQuery {
            username: username.trim().to_owned(),
        };
        let answer = self.api.send::<UsernameAvailability>(None, &query, &());
        Ok(answer.await?.available)
    }

    pub async fn email_available(&self, email: &str) -> Result<bool, ClientError> {
        let query = EmailQuery {
            email: email.trim().to_owned(),
        };
        Ok(self
            .api
            .send::<EmailAvailability>(None, &query, &())
            .await?
            .available)
    }

    /// Signs in with a Google or Apple ID token (`oauth`: the desktop's browser flow).
    pub async fn sign_in_with_id_token(
        &self,
        provider: crate::oauth::Provider,
        id_token: String,
    ) -> Result<SuccessfulAuthResp, ClientError> {
        crate::oauth::exchange_id_token(&self.api, provider, id_token, &self.os, &self.language)
            .await
    }

    pub async fn sign_in_with_password(
        &self,
        identity: &str,
        password: &str,
    ) -> Result<SuccessfulAuthResp, ClientError> {
        let request = SignInReq {
            identity: identity.trim().to_owned(),
            password: Some(password.to_owned()),
            challenge_id: None,
            os: self.os.clone(),
            language: self.language.clone(),
        };
        self.api.send::<SignIn>(None, &(), &request).await
    }

    /// Signs in with a `signIn` challenge whose factors were verified.
    pub async fn sign_in_with_challenge(
        &self,
        identity: &str,
        challenge_id: &str,
    ) -> Result<SuccessfulAuthResp, ClientError> {
        let request = SignInReq {
            identity: identity.trim().to_owned(),
            password: None,
            challenge_id: Some(challenge_id.to_owned()),
            os: self.os.clone(),
            language: self.language.clone(),
        };
        self.api.send::<SignIn>(None, &(), &request).await
    }

    /// Starts a challenge for an existing identity (sign-in, password reset), or, with
    /// `new_email`/`new_phone`, for addresses an account does not have yet (registration).
    pub async fn start_challenge(
        &self,
        purpose: ChallengePurpose,
        identity: Option<&str>,
        new_email: Option<&str>,
        new_phone: Option<&str>,
    ) -> Result<Challenge, ClientError> {
        let data_override =
            (new_email.is_some() || new_phone.is_some()).then(|| ChallengeDataOverride {
                email: new_email.map(|e| e.trim().to_owned()),
                phone: new_phone.map(|p| p.trim().to_owned()),
            });
        let request = RegisterAuthAttemptReq {
            purpose,
            identity: identity.map(|i| i.trim().to_owned()),
            data_override,
        };
        self.api
            .send::<RegisterChallenge>(None, &(), &request)
            .await
    }

    /// Sends the one-time code of one factor (by e-mail or SMS).
    pub async fn request_code(
        &self,
        challenge_id: &str,
        kind: FactorKind,
    ) -> Result<(), ClientError> {
        let request = RequestFactorCredentialReq {
            challenge_id: challenge_id.to_owned(),
            kind,
        };
        self.api
            .send::<RequestFactorCredential>(None, &(), &request)
            .await
            .map(drop)
    }

    /// Verifies one factor's code; the answer says whether the challenge is complete.
    pub async fn verify_code(
        &self,
        challenge_id: &str,
        kind: FactorKind,
        code: &str,
    ) -> Result<Challenge, ClientError> {
        let request = VerifyFactorReq {
            challenge_id: challenge_id.to_owned(),
            kind,
            credential: code.trim().to_owned(),
        };
        self.api.send::<VerifyFactor>(None, &(), &request).await
    }

    pub async fn register(
        &self,
        account: &NewAccount,
        password: &str,
    ) -> Result<SuccessfulAuthResp, ClientError> {
        let request = RegisterReq {
            username: account.username.trim().to_owned(),
            display_name: account.display_name.trim().to_owned(),
            email: account.email.trim().to_owned(),
            password: password.to_owned(),
            phone: account.phone.as_ref().map(|p| p.trim().to_owned()),
            os: self.os.clone(),
            language: self.language.clone(),
        };
        self.api.send::<Register>(None, &(), &request).await
    }

    /// Registers without a password, with a completed `register` challenge that proved the
    /// new account's addresses.
    pub async fn register_passwordless(
        &self,
        username: &str,
        display_name: &str,
        challenge_id: &str,
    ) -> Result<SuccessfulAuthResp, ClientError> {
        let request = PasswordlessRegisterReq {
            username: username.trim().to_owned(),
            display_name: display_name.trim().to_owned(),
            challenge_id: challenge_id.to_owned(),
            os: self.os.clone(),
            language: self.language.clone(),
        };
        self.api
            .send::<PasswordlessRegister>(None, &(), &request)
            .await
    }

    /// Sets a new password with the token the reset e-mail carried (a `passwordReset`
    /// challenge whose e-mail code was requested). The user signs in afterwards.
    pub async fn reset_password(
        &self,
        challenge_id: &str,
        token: &str,
        password: &str,
    ) -> Result<(), ClientError> {
        let request = PasswordResetReq {
            challenge_id: challenge_id.to_owned(),
            token: token.trim().to_owned(),
            password: password.to_owned(),
        };
        self.api
            .send::<PasswordReset>(None, &(), &request)
            .await
            .map(drop)
    }
}

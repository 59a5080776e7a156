//! The signed-in user's own account: names, addresses (proved by a challenge first, see
//! [`crate::signin::Auth::start_challenge`]), profile picture, sessions, deletion.

use chatenium_api::schemas::account::{
    ChangeDisplayNameReq, ChangeEmailReq, ChangePhoneReq, ChangeUsernameReq, CompletePfpUploadReq,
    DeleteAccountReq, LogoutSessionReq, SessionV3,
};
use chatenium_api::schemas::common::PublicUserData;
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::{
    ChangeDisplayName, ChangeEmail, ChangePhone, ChangeUsername, CompletePfpUpload, DeleteAccount,
    GetSessions, LogoutSession, RegisterPfpUpload,
};

use crate::error::ClientError;
use crate::Client;

impl Client {
    pub async fn change_username(&self, username: &str) -> Result<PublicUserData, ClientError> {
        let request = ChangeUsernameReq {
            username: username.trim().to_owned(),
        };
        self.session().call::<ChangeUsername>(&(), &request).await
    }

    pub async fn change_display_name(&self, name: &str) -> Result<PublicUserData, ClientError> {
        let request = ChangeDisplayNameReq {
            display_name: name.trim().to_owned(),
        };
        self.session()
            .call::<ChangeDisplayName>(&(), &request)
            .await
    }

    /// `challenge_id`: a completed `changeEmail` challenge that sent a code to `email`.
    pub async fn change_email(&self, email: &str, challenge_id: &str) -> Result<(), ClientError> {
        let request = ChangeEmailReq {
            email: email.trim().to_owned(),
            challenge_id: challenge_id.to_owned(),
        };
        self.session()
            .call::<ChangeEmail>(&(), &request)
            .await
            .map(drop)
    }

    /// `challenge_id`: a completed `changePhone` challenge that sent a code to `phone`.
    pub async fn change_phone(&self, phone: &str, challenge_id: &str) -> Result<(), ClientError> {
        let request = ChangePhoneReq {
            phone: phone.trim().to_owned(),
            challenge_id: challenge_id.to_owned(),
        };
        self.session()
            .call::<ChangePhone>(&(), &request)
            .await
            .map(drop)
    }

    /// Uploads `bytes` as the new profile picture; answers the updated profile.
    pub async fn change_profile_picture(
        &self,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<PublicUserData, ClientError> {
        let request = S3PresignedFileReq {
            files: vec![FileMetadata {
                name: name.to_owned(),
                size: bytes.len() as u64,
                mime: crate::uploads::mime_of(name).to_owned(),
                width: None,
                height: None,
            }],
        };
        let target = self
            .session()
            .call::<RegisterPfpUpload>(&(), &request)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ClientError::Decode("no upload URL".into()))?;
        self.session()
            .api()
            .put_signed(&target.upload_url, bytes)
            .await?;
        let complete = CompletePfpUploadReq {
            file_id: target.file_id,
        };
        self.session()
            .call::<CompletePfpUpload>(&(), &complete)
            .await
    }

    pub async fn sessions(&self) -> Result<Vec<SessionV3>, ClientError> {
        self.session().call::<GetSessions>(&(), &()).await
    }

    /// Ends another device's session (that device is signed out).
    pub async fn log_out_session(&self, session_id: &str) -> Result<(), ClientError> {
        let request = LogoutSessionReq {
            session_id: session_id.to_owned(),
        };
        self.session()
            .call::<LogoutSession>(&(), &request)
            .await
            .map(drop)
    }

    /// Deletes the account for good, proved by the password or a completed `deleteAccount`
    /// challenge. The caller then signs out on this device.
    pub async fn delete_account(
        &self,
        password: Option<String>,
        challenge_id: Option<String>,
    ) -> Result<(), ClientError> {
        let request = DeleteAccountReq {
            password,
            challenge_id,
        };
        self.session()
            .call::<DeleteAccount>(&(), &request)
            .await
            .map(drop)
    }
}

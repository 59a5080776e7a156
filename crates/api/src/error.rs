//! The error body and its stable codes.
//!
//! Every failure is a non-2xx status with `{"error": "<code>"}`. The code is stable and
//! translatable: the UI maps it to a sentence in the user's language, so a code is never
//! renamed once published. A code this build does not know (a newer server) decodes as
//! [`ErrorCode::Unknown`] instead of failing.

use serde::{Deserialize, Serialize};

/// `{"error": "<code>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorBody {
    pub error: ErrorCode,
}

macro_rules! error_codes {
    ($($variant:ident = $wire:literal, $status:literal, $doc:literal;)*) => {
        /// A stable, translatable error code. Its wire spelling is camelCase.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        pub enum ErrorCode {
            $(#[doc = $doc] #[serde(rename = $wire)] $variant,)*
            /// A code this build does not know; only ever produced by decoding.
            #[serde(other, rename = "unknown")]
            Unknown,
        }

        impl ErrorCode {
            /// Every code a server may send, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The HTTP status that goes with the code.
            pub const fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status,)*
                    ErrorCode::Unknown => 500,
                }
            }

            /// The wire spelling, e.g. `"usernameTaken"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $wire,)*
                    ErrorCode::Unknown => "unknown",
                }
            }
        }
    };
}

error_codes! {
    // Requests in general
    BadRequest = "badRequest", 400, "The body or query could not be read as the endpoint's type.";
    PayloadTooLarge = "payloadTooLarge", 413, "The request body is larger than the server accepts.";
    MethodNotAllowed = "methodNotAllowed", 405, "The path exists but not with this HTTP method.";
    UnsupportedMediaType = "unsupportedMediaType", 415, "A JSON body must be sent as Content-Type: application/json.";
    RateLimited = "rateLimited", 429, "Too many attempts; wait and try again.";
    Internal = "internal", 500, "The server failed; nothing was changed.";
    NotFound = "notFound", 404, "The object does not exist or the caller may not see it.";
    Forbidden = "forbidden", 403, "The caller may see the object but not do this to it.";
    // Tokens and sessions
    Unauthorized = "unauthorized", 401, "No token, or a token the server does not know.";
    TokenExpired = "tokenExpired", 401, "The access token has expired: refresh or rotate the pair.";
    InvalidRefreshToken = "invalidRefreshToken", 401, "The refresh token is unknown, used or expired.";
    // Identity and registration
    UserNotFound = "userNotFound", 404, "No account has this username, e-mail or phone number.";
    InvalidCredentials = "invalidCredentials", 401, "The password or code is wrong.";
    UsernameTaken = "usernameTaken", 409, "Another account has this username.";
    EmailTaken = "emailTaken", 409, "Another account has this e-mail address.";
    PhoneTaken = "phoneTaken", 409, "Another account has this phone number.";
    InvalidUsername = "invalidUsername", 400, "3 to 32 characters: letters, digits, '.', '_' or '-'.";
    InvalidDisplayName = "invalidDisplayName", 400, "1 to 64 characters, not only spaces.";
    InvalidEmail = "invalidEmail", 400, "Not an e-mail address.";
    InvalidPhone = "invalidPhone", 400, "Not a phone number in international form (+36...).";
    WeakPassword = "weakPassword", 400, "At least 8 characters.";
    PasswordRequired = "passwordRequired", 400, "This account signs in with a password.";
    PasswordlessAccount = "passwordlessAccount", 400, "This account has no password: sign in with a code.";
    // Challenges and factors
    ChallengeNotFound = "challengeNotFound", 404, "The challenge does not exist or has expired.";
    ChallengeIncomplete = "challengeIncomplete", 403, "Not every factor of the challenge is verified yet.";
    FactorUnavailable = "factorUnavailable", 400, "The account has no such factor (no phone, no e-mail).";
    InvalidCode = "invalidCode", 401, "The code is wrong or expired.";
    InvalidResetToken = "invalidResetToken", 401, "The password reset token is wrong or expired.";
    InvalidIdToken = "invalidIdToken", 401, "The OAuth ID token did not verify.";
    // Contacts and messages
    AddUserUnk = "addUserUnk", 404, "No user to add as a contact (the real service's code).";
    NoStartChatWithSelf = "noStartChatWithSelf", 400, "A contact cannot be oneself (the real service's code).";
    ChatAlreadyExists = "chatAlreadyExists", 409, "The contact exists already (the real service's code).";
    NotContacts = "notContacts", 403, "Both users must have each other as contacts.";
    EmptyMessage = "emptyMessage", 400, "A message needs text or at least one attachment.";
    MessageTooLong = "messageTooLong", 400, "A message is at most 4000 characters.";
    NotAuthor = "notAuthor", 403, "Only the author may do this to the message.";
    // Uploads
    UploadNotFound = "uploadNotFound", 404, "No upload with this id belongs to the caller.";
    UploadIncomplete = "uploadIncomplete", 409, "The upload's bytes have not all arrived.";
    UploadTooLarge = "uploadTooLarge", 413, "The file is larger than the server accepts.";
    StorageQuotaExceeded = "storageQuotaExceeded", 413, "The caller's uploads would pass their storage quota.";
    InvalidSignature = "invalidSignature", 403, "The signed URL is wrong or has expired.";
    InvalidImage = "invalidImage", 400, "The file is not a JPEG, PNG, WebP or GIF image the server can read.";
    ImageTooLarge = "imageTooLarge", 413, "The image has more pixels, or a longer side, than the server accepts.";
    // Cascades, threads, pictures
    Banned = "banned", 403, "The caller is banned from this cascade.";
    AlreadyMember = "alreadyMember", 409, "The caller is a member already.";
    InviteInvalid = "inviteInvalid", 404, "The invite does not exist, has expired or is used up.";
    NotPublic = "notPublic", 403, "The cascade is not public.";
    CannotKickOwner = "cannotKickOwner", 403, "The owner of a cascade cannot be kicked or banned.";
    InvalidName = "invalidName", 400, "1 to 64 characters, not only spaces.";
    NotInAlbum = "notInAlbum", 409, "The picture is not in this album.";
    // Transfers and calls
    TransferExpired = "transferExpired", 410, "The transfer ended or nobody answered in time.";
    NotChatPartner = "notChatPartner", 403, "Only chat partners can be invited to a call.";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<ErrorCode> for ErrorBody {
    fn from(error: ErrorCode) -> Self {
        Self { error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_travel_in_their_wire_spelling() {
        for &code in ErrorCode::ALL {
            let json = serde_json::to_string(&ErrorBody::from(code)).unwrap();
            assert_eq!(json, format!("{{\"error\":\"{}\"}}", code.as_str()));
            let back: ErrorBody = serde_json::from_str(&json).unwrap();
            assert_eq!(back.error, code);
            assert!(
                (400..600).contains(&code.status()),
                "{code} has status {}",
                code.status()
            );
        }
    }

    #[test]
    fn an_unknown_code_decodes_instead_of_failing() {
        let body: ErrorBody = serde_json::from_str(r#"{"error":"somethingNew"}"#).unwrap();
        assert_eq!(body.error, ErrorCode::Unknown);
    }

    #[test]
    fn the_real_services_codes_keep_their_spelling() {
        assert_eq!(ErrorCode::AddUserUnk.as_str(), "addUserUnk");
        assert_eq!(
            ErrorCode::NoStartChatWithSelf.as_str(),
            "noStartChatWithSelf"
        );
        assert_eq!(ErrorCode::ChatAlreadyExists.as_str(), "chatAlreadyExists");
    }
}

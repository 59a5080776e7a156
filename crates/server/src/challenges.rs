//! Challenges with factors (rows 13 to 15) and their single use by the flows that need a
//! verified code: code sign-in, passwordless registration, password reset, changing the
//! e-mail or phone, deleting a passwordless account.

use chatenium_api::schemas::auth::ChallengePurpose;
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::unix_now;
use crate::error::{ensure, ApiResult};

/// What a spent challenge proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spent {
    pub user_id: Option<String>,
    pub override_email: Option<String>,
    pub override_phone: Option<String>,
}

pub fn purpose_name(purpose: ChallengePurpose) -> &'static str {
    match purpose {
        ChallengePurpose::SignIn => "signIn",
        ChallengePurpose::Register => "register",
        ChallengePurpose::PasswordReset => "passwordReset",
        ChallengePurpose::ChangeEmail => "changeEmail",
        ChallengePurpose::ChangePhone => "changePhone",
        ChallengePurpose::DeleteAccount => "deleteAccount",
    }
}

/// Marks a complete, unexpired challenge of `purpose` as spent. With `user_id`, the challenge
/// must have been registered for that user.
pub fn spend(
    connection: &mut Connection,
    challenge_id: &str,
    purpose: ChallengePurpose,
    user_id: Option<&str>,
) -> ApiResult<Spent> {
    let transaction = connection.transaction()?;
    struct Row {
        purpose: String,
        owner: Option<String>,
        override_email: Option<String>,
        override_phone: Option<String>,
        required: i64,
        expires_at: i64,
        spent: bool,
    }
    let row = transaction
        .query_row(
            "SELECT purpose, user_id, override_email, override_phone, required, expires_at, spent
             FROM challenges WHERE id = ?1",
            [challenge_id],
            |r| {
                Ok(Row {
                    purpose: r.get(0)?,
                    owner: r.get(1)?,
                    override_email: r.get(2)?,
                    override_phone: r.get(3)?,
                    required: r.get(4)?,
                    expires_at: r.get(5)?,
                    spent: r.get(6)?,
                })
            },
        )
        .optional()?
        .ok_or(ErrorCode::ChallengeNotFound)?;
    let Row {
        purpose: stored_purpose,
        owner,
        override_email,
        override_phone,
        required,
        expires_at,
        spent,
    } = row;
    ensure(
        !spent && unix_now() <= expires_at && stored_purpose == purpose_name(purpose),
        ErrorCode::ChallengeNotFound,
    )?;
    if let Some(user_id) = user_id {
        ensure(
            owner.as_deref() == Some(user_id),
            ErrorCode::ChallengeNotFound,
        )?;
    }
    let verified: i64 = transaction.query_row(
        "SELECT COUNT(*) FROM challenge_factors WHERE challenge_id = ?1 AND verified = 1",
        [challenge_id],
        |r| r.get(0),
    )?;
    ensure(verified >= required, ErrorCode::ChallengeIncomplete)?;
    transaction.execute(
        "UPDATE challenges SET spent = 1 WHERE id = ?1",
        params![challenge_id],
    )?;
    transaction.commit()?;
    Ok(Spent {
        user_id: owner,
        override_email,
        override_phone,
    })
}

//! A factor's credential: made and sent (row 15), then checked (row 14, and row 11 for a
//! password reset's token). Stored as a hash only; five wrong tries use it up.

use chatenium_api::schemas::auth::{Challenge, ChallengePurpose, FactorKind};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};

use super::{factor_target, kind_name, live, view, CODE_TTL_SECS, MAX_ATTEMPTS};
use crate::clock::unix_now;
use crate::error::{ensure, ApiResult};
use crate::ids::{new_code, new_token, secret_hash};
use crate::mailer::{Channel, OutgoingMessage};

/// A credential to send: where, on which channel, for what.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub kind: FactorKind,
    pub purpose: ChallengePurpose,
    /// The unmasked address.
    pub to: String,
    pub secret: String,
}

/// Makes a new credential for a factor (row 15): the old one stops working and the wrong
/// attempts start over. Answers what to send.
pub fn issue_credential(
    connection: &mut Connection,
    challenge_id: &str,
    kind: FactorKind,
) -> ApiResult<Delivery> {
    let transaction = connection.transaction()?;
    let challenge = live(&transaction, challenge_id)?;
    let to = factor_target(&transaction, challenge_id, kind)?;
    // The reset e-mail carries a long token: it is typed into no form, only pasted or linked.
    let secret = match (&challenge.purpose, kind) {
        (ChallengePurpose::PasswordReset, FactorKind::Email) => new_token(),
        _ => new_code(),
    };
    transaction.execute(
        "UPDATE challenge_factors SET code_hash = ?1, code_expires = ?2, attempts = 0
         WHERE challenge_id = ?3 AND kind = ?4",
        params![
            secret_hash(&secret),
            unix_now() + CODE_TTL_SECS,
            challenge_id,
            kind_name(kind)
        ],
    )?;
    transaction.commit()?;
    Ok(Delivery {
        kind,
        purpose: challenge.purpose,
        to,
        secret,
    })
}

/// Checks a credential against a factor (row 14, and row 11 for a reset token). Right: the
/// factor is verified and the challenge answered. Wrong: `invalidCode`, and the attempt counts.
/// With `purpose`, the challenge must be of that purpose.
pub fn verify(
    connection: &mut Connection,
    challenge_id: &str,
    kind: FactorKind,
    credential: &str,
    purpose: Option<ChallengePurpose>,
) -> ApiResult<Challenge> {
    let transaction = connection.transaction()?;
    let challenge = live(&transaction, challenge_id)?;
    if let Some(purpose) = purpose {
        ensure(challenge.purpose == purpose, ErrorCode::ChallengeNotFound)?;
    }
    let (code_hash, code_expires, attempts): (Option<String>, Option<i64>, i64) = transaction
        .query_row(
            "SELECT code_hash, code_expires, attempts FROM challenge_factors
             WHERE challenge_id = ?1 AND kind = ?2",
            params![challenge_id, kind_name(kind)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(ErrorCode::FactorUnavailable)?;
    let usable =
        code_expires.is_some_and(|expires| unix_now() < expires) && attempts < MAX_ATTEMPTS;
    let Some(code_hash) = code_hash.filter(|_| usable) else {
        return Err(ErrorCode::InvalidCode.into());
    };
    if !same(&code_hash, &secret_hash(&zero_padded(credential.trim()))) {
        // The last allowed miss also forgets the code, so only a new one can verify the factor.
        transaction.execute(
            "UPDATE challenge_factors SET attempts = attempts + 1,
                 code_hash = CASE WHEN attempts + 1 >= ?3 THEN NULL ELSE code_hash END
             WHERE challenge_id = ?1 AND kind = ?2",
            params![challenge_id, kind_name(kind), MAX_ATTEMPTS],
        )?;
        transaction.commit()?;
        return Err(ErrorCode::InvalidCode.into());
    }
    transaction.execute(
        "UPDATE challenge_factors SET verified = 1 WHERE challenge_id = ?1 AND kind = ?2",
        params![challenge_id, kind_name(kind)],
    )?;
    let answer = view(&transaction, challenge_id)?;
    transaction.commit()?;
    Ok(answer)
}

/// A numeric code as the real service's clients send it (an integer, which drops leading
/// zeros), padded back to the length codes are made with: `42` is `000042`. Anything else
/// (a longer code, a reset token) is left as it is.
fn zero_padded(credential: &str) -> String {
    let length = new_code().len();
    if !credential.is_empty()
        && credential.len() < length
        && credential.bytes().all(|b| b.is_ascii_digit())
    {
        format!("{credential:0>length$}")
    } else {
        credential.to_owned()
    }
}

/// Compares two hashes in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The message that carries a credential, in English.
pub fn message(delivery: &Delivery) -> OutgoingMessage {
    let minutes = CODE_TTL_SECS / 60;
    let channel = match delivery.kind {
        FactorKind::Email => Channel::Email,
        FactorKind::Sms => Channel::Sms,
    };
    let (subject, body) = match (&delivery.purpose, delivery.kind) {
        (ChallengePurpose::PasswordReset, FactorKind::Email) => (
            "Reset your Chatenium password".to_owned(),
            format!(
                "Someone asked to reset the password of your Chatenium account.\n\n\
                 Your password reset token: {}\n\n\
                 It works for {minutes} minutes. If it was not you, ignore this message: \
                 your password stays as it is.",
                delivery.secret
            ),
        ),
        (purpose, _) => (
            "Your Chatenium code".to_owned(),
            format!(
                "{} is your Chatenium code to {}. It works for {minutes} minutes. \
                 If you did not ask for it, ignore this message.",
                delivery.secret,
                action(purpose)
            ),
        ),
    };
    OutgoingMessage {
        channel,
        to: delivery.to.clone(),
        subject,
        body,
        secret: delivery.secret.clone(),
    }
}

fn action(purpose: &ChallengePurpose) -> &'static str {
    match purpose {
        ChallengePurpose::SignIn => "sign in",
        ChallengePurpose::Register => "finish signing up",
        ChallengePurpose::PasswordReset => "reset your password",
        ChallengePurpose::ChangeEmail => "confirm your new e-mail address",
        ChallengePurpose::ChangePhone => "confirm your new phone number",
        ChallengePurpose::DeleteAccount => "delete your account",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_codes_get_their_leading_zeros_back() {
        assert_eq!(zero_padded("42"), "000042");
        assert_eq!(zero_padded("123456"), "123456");
        assert_eq!(zero_padded("abc"), "abc");
        assert_eq!(zero_padded(""), "");
    }

    #[test]
    fn hashes_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}

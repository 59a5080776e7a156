//! Challenges with factors (rows 13 to 15) and their single use by the flows that need a
//! verified code: code sign-in, passwordless registration, password reset, changing the
//! e-mail or phone, deleting a passwordless account.
//!
//! A challenge names its factors when it is registered; a factor's credential (a 6-digit code,
//! or for a password reset's e-mail a long token) is made when requested and stored hashed.
//! The HTTP side (rate limits, delivery) is in the auth routes; this module is the database side.

use chatenium_api::schemas::auth::{
    Challenge, ChallengeDataOverride, ChallengePurpose, Factor, FactorKind, RegisterAuthAttemptReq,
};
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::unix_now;
use crate::error::{ensure, ApiError, ApiResult};
use crate::ids::new_id;
use crate::users::{self, Identity};
use crate::validate;

mod credentials;
pub use credentials::{issue_credential, message, verify, Delivery};

/// How long a registered challenge can be verified and spent.
pub const CHALLENGE_TTL_SECS: i64 = 15 * 60;
/// How long a sent code (or reset token) stays valid.
pub const CODE_TTL_SECS: i64 = 10 * 60;
/// Wrong tries a credential survives; after that the factor needs a new one.
pub const MAX_ATTEMPTS: i64 = 5;

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

fn purpose_from_name(name: &str) -> Option<ChallengePurpose> {
    use ChallengePurpose::*;
    [
        SignIn,
        Register,
        PasswordReset,
        ChangeEmail,
        ChangePhone,
        DeleteAccount,
    ]
    .into_iter()
    .find(|purpose| purpose_name(purpose.clone()) == name)
}

fn kind_name(kind: FactorKind) -> &'static str {
    match kind {
        FactorKind::Email => "email",
        FactorKind::Sms => "sms",
    }
}

fn kind_from_name(name: &str) -> Option<FactorKind> {
    [FactorKind::Email, FactorKind::Sms]
        .into_iter()
        .find(|kind| kind_name(*kind) == name)
}

/// What a registration decided: whose challenge it is, the override it carries and its factors.
struct Plan {
    user_id: Option<String>,
    override_email: Option<String>,
    override_phone: Option<String>,
    factors: Vec<(FactorKind, String)>,
}

/// Registers a challenge (row 13) and answers it as the client sees it.
pub fn register(
    connection: &mut Connection,
    request: &RegisterAuthAttemptReq,
) -> ApiResult<Challenge> {
    let plan = plan(connection, request)?;
    ensure(!plan.factors.is_empty(), ErrorCode::FactorUnavailable)?;
    // A registration asks for each address the new account will have; elsewhere one is enough.
    let required = match request.purpose {
        ChallengePurpose::Register => plan.factors.len(),
        _ => 1,
    };
    let now = unix_now();
    let id = new_id();
    let transaction = connection.transaction()?;
    // Expired challenges are useless; dropping them here keeps the table small.
    transaction.execute("DELETE FROM challenges WHERE expires_at < ?1", [now])?;
    transaction.execute(
        "INSERT INTO challenges (id, purpose, user_id, override_email, override_phone, required, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            purpose_name(request.purpose.clone()),
            plan.user_id,
            plan.override_email,
            plan.override_phone,
            required as i64,
            now,
            now + CHALLENGE_TTL_SECS
        ],
    )?;
    for (kind, target) in &plan.factors {
        transaction.execute(
            "INSERT INTO challenge_factors (challenge_id, kind, target) VALUES (?1, ?2, ?3)",
            params![id, kind_name(*kind), target],
        )?;
    }
    let challenge = view(&transaction, &id)?;
    transaction.commit()?;
    Ok(challenge)
}

fn plan(connection: &Connection, request: &RegisterAuthAttemptReq) -> ApiResult<Plan> {
    let empty = ChallengeDataOverride {
        email: None,
        phone: None,
    };
    let data = request.data_override.as_ref().unwrap_or(&empty);
    let (email, phone) = (data.email.as_deref(), data.phone.as_deref());
    let account = || -> ApiResult<(String, Option<String>, Option<String>)> {
        let identity = request
            .identity
            .as_deref()
            .map(str::trim)
            .filter(|identity| !identity.is_empty())
            .ok_or_else(|| ApiError::bad_request("this purpose needs an identity"))?;
        let found = users::addresses_by_identity(connection, identity)?;
        let account = found.ok_or(ErrorCode::UserNotFound)?;
        Ok((account.userid, account.email, account.phone))
    };
    match request.purpose {
        ChallengePurpose::SignIn
        | ChallengePurpose::PasswordReset
        | ChallengePurpose::DeleteAccount => {
            // Codes of an existing account go to its own addresses only.
            ensure_absent(email.or(phone))?;
            let (user_id, email, phone) = account()?;
            let mut factors = Vec::new();
            if let Some(email) = email {
                factors.push((FactorKind::Email, email));
            }
            // A reset's token travels by e-mail (row 11 has no field for a second code).
            if let Some(phone) =
                phone.filter(|_| request.purpose != ChallengePurpose::PasswordReset)
            {
                factors.push((FactorKind::Sms, phone));
            }
            Ok(Plan {
                user_id: Some(user_id),
                override_email: None,
                override_phone: None,
                factors,
            })
        }
        ChallengePurpose::Register => {
            let mut factors = Vec::new();
            if let Some(email) = email {
                factors.push((FactorKind::Email, new_email(connection, email)?));
            }
            if let Some(phone) = phone {
                factors.push((FactorKind::Sms, new_phone(connection, phone)?));
            }
            ensure(!factors.is_empty(), ErrorCode::BadRequest)?;
            Ok(Plan {
                user_id: None,
                override_email: email.map(str::to_owned),
                override_phone: phone.map(str::to_owned),
                factors,
            })
        }
        ChallengePurpose::ChangeEmail => {
            ensure_absent(phone)?;
            let email = email
                .ok_or_else(|| ApiError::bad_request("changeEmail needs dataOverride.email"))?;
            let address = new_email(connection, email)?;
            let (user_id, _, _) = account()?;
            Ok(Plan {
                user_id: Some(user_id),
                override_email: Some(address.clone()),
                override_phone: None,
                factors: vec![(FactorKind::Email, address)],
            })
        }
        ChallengePurpose::ChangePhone => {
            ensure_absent(email)?;
            let phone = phone
                .ok_or_else(|| ApiError::bad_request("changePhone needs dataOverride.phone"))?;
            let number = new_phone(connection, phone)?;
            let (user_id, _, _) = account()?;
            Ok(Plan {
                user_id: Some(user_id),
                override_email: None,
                override_phone: Some(number.clone()),
                factors: vec![(FactorKind::Sms, number)],
            })
        }
    }
}

fn ensure_absent(value: Option<&str>) -> ApiResult<()> {
    match value {
        Some(_) => Err(ApiError::bad_request("no data override for this purpose")),
        None => Ok(()),
    }
}

/// A valid e-mail address no account has.
fn new_email(connection: &Connection, email: &str) -> ApiResult<String> {
    validate::email(email)?;
    let taken = users::is_taken(connection, Identity::Email, email)?;
    ensure(!taken, ErrorCode::EmailTaken)?;
    Ok(email.to_owned())
}

/// A valid phone number no account has.
fn new_phone(connection: &Connection, phone: &str) -> ApiResult<String> {
    validate::phone(phone)?;
    let taken = users::is_taken(connection, Identity::Phone, phone)?;
    ensure(!taken, ErrorCode::PhoneTaken)?;
    Ok(phone.to_owned())
}

/// The stored row of a live (unspent, unexpired) challenge.
struct Live {
    purpose: ChallengePurpose,
    owner: Option<String>,
    override_email: Option<String>,
    override_phone: Option<String>,
    required: i64,
    expires_at: i64,
}

fn live(connection: &Connection, challenge_id: &str) -> ApiResult<Live> {
    type Row = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
        i64,
        bool,
    );
    let row: Option<Row> = connection
        .query_row(
            "SELECT purpose, user_id, override_email, override_phone, required, expires_at, spent
             FROM challenges WHERE id = ?1",
            [challenge_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .optional()?;
    let (purpose, owner, override_email, override_phone, required, expires_at, spent) =
        row.ok_or(ErrorCode::ChallengeNotFound)?;
    ensure(
        !spent && unix_now() < expires_at,
        ErrorCode::ChallengeNotFound,
    )?;
    let purpose = purpose_from_name(&purpose)
        .ok_or_else(|| ApiError::internal(format!("stored challenge purpose {purpose}")))?;
    Ok(Live {
        purpose,
        owner,
        override_email,
        override_phone,
        required,
        expires_at,
    })
}

/// A live challenge as the client sees it: targets masked.
pub fn view(connection: &Connection, challenge_id: &str) -> ApiResult<Challenge> {
    let challenge = live(connection, challenge_id)?;
    let mut statement = connection.prepare(
        "SELECT kind, target, verified FROM challenge_factors WHERE challenge_id = ?1 ORDER BY kind",
    )?;
    let rows: Vec<(String, String, bool)> = statement
        .query_map([challenge_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut factors = Vec::with_capacity(rows.len());
    for (kind, target, verified) in rows {
        let kind = kind_from_name(&kind)
            .ok_or_else(|| ApiError::internal(format!("stored factor kind {kind}")))?;
        factors.push(Factor {
            kind,
            target: mask(kind, &target),
            verified,
        });
    }
    let verified = factors.iter().filter(|f| f.verified).count() as i64;
    Ok(Challenge {
        challenge_id: challenge_id.to_owned(),
        purpose: challenge.purpose,
        factors,
        required: u32::try_from(challenge.required).unwrap_or(u32::MAX),
        complete: verified >= challenge.required,
        expires_at: challenge.expires_at,
    })
}

/// The unmasked address of a live challenge's factor: the key its rate limits count under.
pub fn target(connection: &Connection, challenge_id: &str, kind: FactorKind) -> ApiResult<String> {
    live(connection, challenge_id)?;
    factor_target(connection, challenge_id, kind)
}

fn factor_target(
    connection: &Connection,
    challenge_id: &str,
    kind: FactorKind,
) -> ApiResult<String> {
    connection
        .query_row(
            "SELECT target FROM challenge_factors WHERE challenge_id = ?1 AND kind = ?2",
            params![challenge_id, kind_name(kind)],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| ErrorCode::FactorUnavailable.into())
}

/// What spending a complete, unexpired challenge of `purpose` would prove, without spending
/// it: callers that must do more work first (in the same transaction) call [`mark_spent`]
/// after. With `user_id`, the challenge must have been registered for that user.
pub fn check(
    connection: &Connection,
    challenge_id: &str,
    purpose: ChallengePurpose,
    user_id: Option<&str>,
) -> ApiResult<Spent> {
    let challenge = live(connection, challenge_id)?;
    ensure(challenge.purpose == purpose, ErrorCode::ChallengeNotFound)?;
    if let Some(user_id) = user_id {
        ensure(
            challenge.owner.as_deref() == Some(user_id),
            ErrorCode::ChallengeNotFound,
        )?;
    }
    let verified: i64 = connection.query_row(
        "SELECT COUNT(*) FROM challenge_factors WHERE challenge_id = ?1 AND verified = 1",
        [challenge_id],
        |r| r.get(0),
    )?;
    ensure(
        verified >= challenge.required,
        ErrorCode::ChallengeIncomplete,
    )?;
    Ok(Spent {
        user_id: challenge.owner,
        override_email: challenge.override_email,
        override_phone: challenge.override_phone,
    })
}

/// Marks a challenge used: it can never be spent again.
pub fn mark_spent(connection: &Connection, challenge_id: &str) -> ApiResult<()> {
    connection.execute(
        "UPDATE challenges SET spent = 1 WHERE id = ?1",
        [challenge_id],
    )?;
    Ok(())
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
    let spent = check(&transaction, challenge_id, purpose, user_id)?;
    mark_spent(&transaction, challenge_id)?;
    transaction.commit()?;
    Ok(spent)
}

/// An address as a factor shows it: enough to recognise, not enough to learn.
pub fn mask(kind: FactorKind, target: &str) -> String {
    match kind {
        FactorKind::Email => match target.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".to_owned(),
        },
        FactorKind::Sms => {
            let digits: Vec<char> = target.chars().filter(char::is_ascii_digit).collect();
            if digits.len() < 5 {
                return "+***".to_owned();
            }
            let (head, rest) = digits.split_at(2);
            let (middle, tail) = rest.split_at(rest.len() - 2);
            format!(
                "+{}{}{}",
                head.iter().collect::<String>(),
                "*".repeat(middle.len()),
                tail.iter().collect::<String>()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_masked() {
        assert_eq!(
            mask(FactorKind::Email, "john@example.com"),
            "j***@example.com"
        );
        assert_eq!(mask(FactorKind::Sms, "+36301234567"), "+36*******67");
    }

    #[test]
    fn names_round_trip() {
        for purpose in [
            ChallengePurpose::SignIn,
            ChallengePurpose::Register,
            ChallengePurpose::PasswordReset,
            ChallengePurpose::ChangeEmail,
            ChallengePurpose::ChangePhone,
            ChallengePurpose::DeleteAccount,
        ] {
            assert_eq!(
                purpose_from_name(purpose_name(purpose.clone())),
                Some(purpose)
            );
        }
        for kind in [FactorKind::Email, FactorKind::Sms] {
            assert_eq!(kind_from_name(kind_name(kind)), Some(kind));
        }
    }
}

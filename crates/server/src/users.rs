//! The `users` table: creating an account, finding one by an identity (username, e-mail or
//! phone), whether an identity is taken, the sign-in methods and password of an account,
//! changing its profile and addresses, and reading users as others see them. Shared by the
//! auth, account and identity-change routes, challenges, OAuth and the demo.

use chatenium_api::schemas::auth::AuthMethods;
use chatenium_api::schemas::common::PublicUserData;
use chatenium_api::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::unix_now;
use crate::error::{ensure, ApiResult};
use crate::storage::{Access, Storage};
use crate::validate::{self, IdentityKind};

/// A column of `users` that names one account: each value belongs to one user at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    Username,
    Email,
    Phone,
}

impl Identity {
    /// The column an identity typed by a person (username, e-mail or phone) is looked up in.
    pub fn of(identity: &str) -> Identity {
        match validate::identity_kind(identity) {
            IdentityKind::Email => Identity::Email,
            IdentityKind::Phone => Identity::Phone,
            IdentityKind::Username => Identity::Username,
        }
    }

    pub fn column(self) -> &'static str {
        match self {
            Identity::Username => "username",
            Identity::Email => "email",
            Identity::Phone => "phone",
        }
    }
}

/// Whether an account already has `value` as its username, e-mail or phone.
pub fn is_taken(connection: &Connection, identity: Identity, value: &str) -> ApiResult<bool> {
    let sql = format!("SELECT 1 FROM users WHERE {} = ?1", identity.column());
    Ok(connection
        .query_row(&sql, [value], |_| Ok(()))
        .optional()?
        .is_some())
}

/// A user's id and password hash by username, e-mail or phone.
pub fn find_by_identity(
    connection: &Connection,
    identity: &str,
) -> ApiResult<Option<(String, Option<String>)>> {
    let sql = format!(
        "SELECT id, password_hash FROM users WHERE {} = ?1",
        Identity::of(identity).column()
    );
    Ok(connection
        .query_row(&sql, [identity], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// Where an account's codes may go.
pub struct Addresses {
    pub userid: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A user's id, e-mail and phone by username, e-mail or phone.
pub fn addresses_by_identity(
    connection: &Connection,
    identity: &str,
) -> ApiResult<Option<Addresses>> {
    let sql = format!(
        "SELECT id, email, phone FROM users WHERE {} = ?1",
        Identity::of(identity).column()
    );
    Ok(connection
        .query_row(&sql, [identity], |r| {
            Ok(Addresses {
                userid: r.get(0)?,
                email: r.get(1)?,
                phone: r.get(2)?,
            })
        })
        .optional()?)
}

/// How the account an identity names can sign in, or `userNotFound`.
pub fn sign_in_methods(connection: &Connection, identity: &str) -> ApiResult<AuthMethods> {
    let sql = format!(
        "SELECT password_hash IS NOT NULL, email IS NOT NULL, phone IS NOT NULL
         FROM users WHERE {} = ?1",
        Identity::of(identity).column()
    );
    connection
        .query_row(&sql, [identity], |row| {
            Ok(AuthMethods {
                password: row.get(0)?,
                email: row.get(1)?,
                sms: row.get(2)?,
            })
        })
        .optional()?
        .ok_or_else(|| ErrorCode::UserNotFound.into())
}

/// Who has `value` as their username, e-mail or phone, if anyone (usernames and e-mails
/// compare without case, as their columns do).
pub fn holder(
    connection: &Connection,
    identity: Identity,
    value: &str,
) -> ApiResult<Option<String>> {
    let sql = format!("SELECT id FROM users WHERE {} = ?1", identity.column());
    Ok(connection
        .query_row(&sql, [value], |row| row.get(0))
        .optional()?)
}

/// Sets the user's username, e-mail or phone, checked already. Someone else holding it is
/// `usernameTaken`, `emailTaken` or `phoneTaken`; the user may change only the case of theirs.
pub fn set_identity(
    connection: &Connection,
    userid: &str,
    identity: Identity,
    value: &str,
) -> ApiResult<()> {
    let taken = match identity {
        Identity::Username => ErrorCode::UsernameTaken,
        Identity::Email => ErrorCode::EmailTaken,
        Identity::Phone => ErrorCode::PhoneTaken,
    };
    let holder = holder(connection, identity, value)?;
    ensure(holder.is_none_or(|holder| holder == userid), taken)?;
    connection.execute(
        &format!("UPDATE users SET {} = ?1 WHERE id = ?2", identity.column()),
        params![value, userid],
    )?;
    Ok(())
}

/// Sets the display name, checked already, without its surrounding spaces.
pub fn set_display_name(connection: &Connection, userid: &str, name: &str) -> ApiResult<()> {
    connection.execute(
        "UPDATE users SET display_name = ?1 WHERE id = ?2",
        params![name.trim(), userid],
    )?;
    Ok(())
}

pub fn set_gif_save(connection: &Connection, userid: &str, enabled: bool) -> ApiResult<()> {
    connection.execute(
        "UPDATE users SET gif_save = ?1 WHERE id = ?2",
        params![enabled, userid],
    )?;
    Ok(())
}

/// Makes a complete image upload of the user's their profile picture.
pub fn set_picture(connection: &Connection, userid: &str, file_id: &str) -> ApiResult<()> {
    connection.execute(
        "UPDATE users SET pfp_file_id = ?1 WHERE id = ?2",
        params![file_id, userid],
    )?;
    Ok(())
}

/// The user's password hash (`None` for a passwordless account); `notFound` for no such user.
pub fn password_hash(connection: &Connection, userid: &str) -> ApiResult<Option<String>> {
    connection
        .query_row(
            "SELECT password_hash FROM users WHERE id = ?1",
            [userid],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

pub fn set_password_hash(connection: &Connection, userid: &str, hash: &str) -> ApiResult<()> {
    connection.execute(
        "UPDATE users SET password_hash = ?1 WHERE id = ?2",
        params![hash, userid],
    )?;
    Ok(())
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub password_hash: Option<&'a str>,
}

/// Inserts a validated user; a taken username, e-mail or phone is its own error code.
pub fn insert_user(connection: &Connection, user: &NewUser<'_>) -> ApiResult<String> {
    ensure(
        !is_taken(connection, Identity::Username, user.username)?,
        ErrorCode::UsernameTaken,
    )?;
    if let Some(email) = user.email {
        ensure(
            !is_taken(connection, Identity::Email, email)?,
            ErrorCode::EmailTaken,
        )?;
    }
    if let Some(phone) = user.phone {
        ensure(
            !is_taken(connection, Identity::Phone, phone)?,
            ErrorCode::PhoneTaken,
        )?;
    }
    let userid = crate::ids::new_id();
    connection.execute(
        "INSERT INTO users (id, username, display_name, email, phone, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            userid,
            user.username,
            user.display_name.trim(),
            user.email,
            user.phone,
            user.password_hash,
            unix_now()
        ],
    )?;
    Ok(userid)
}

/// The columns [`public_from_row`] reads, in its order.
pub const PUBLIC_COLUMNS: &str = "id, username, display_name, pfp_file_id";

/// Builds a [`PublicUserData`] from a row selected with [`PUBLIC_COLUMNS`] starting at `at`.
pub fn public_from_row(
    row: &rusqlite::Row<'_>,
    at: usize,
    storage: &Storage,
    url_ttl: i64,
) -> rusqlite::Result<PublicUserData> {
    let pfp: Option<String> = row.get(at + 3)?;
    Ok(PublicUserData {
        userid: row.get(at)?,
        username: row.get(at + 1)?,
        display_name: row.get(at + 2)?,
        pfp: pfp.map(|file_id| storage.url(&file_id, Access::Download, unix_now() + url_ttl)),
    })
}

/// A user by id, or `notFound`.
pub fn public_user(
    connection: &Connection,
    storage: &Storage,
    url_ttl: i64,
    userid: &str,
) -> ApiResult<PublicUserData> {
    connection
        .query_row(
            &format!("SELECT {PUBLIC_COLUMNS} FROM users WHERE id = ?1"),
            [userid],
            |row| public_from_row(row, 0, storage, url_ttl),
        )
        .optional()?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

/// The ids of everyone who shares a direct chat with `userid`: those who see their profile.
pub fn chat_partners(connection: &Connection, userid: &str) -> ApiResult<Vec<String>> {
    let mut statement = connection.prepare(
        "SELECT CASE WHEN user_a = ?1 THEN user_b ELSE user_a END FROM chats WHERE user_a = ?1 OR user_b = ?1",
    )?;
    let partners = statement
        .query_map([userid], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(partners)
}

/// Everyone who sees `userid`'s profile: their chat partners and the members of the cascades
/// they belong to, each once.
pub fn audience_of(connection: &Connection, userid: &str) -> ApiResult<Vec<String>> {
    let mut statement = connection.prepare(
        "SELECT CASE WHEN user_a = ?1 THEN user_b ELSE user_a END FROM chats WHERE user_a = ?1 OR user_b = ?1 \
         UNION \
         SELECT other.user_id FROM cascade_members mine \
         JOIN cascade_members other ON other.cascade_id = mine.cascade_id \
         WHERE mine.user_id = ?1 AND other.user_id <> ?1",
    )?;
    let audience = statement
        .query_map([userid], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(audience)
}

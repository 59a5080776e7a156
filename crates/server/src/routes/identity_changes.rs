//! Changing the account's e-mail address or phone number (rows 22 and 26). The new address
//! must have been proven by a `changeEmail` / `changePhone` challenge registered for the
//! caller whose data override named exactly that address.

use axum::Router;
use chatenium_api::schemas::account::{ChangeEmailReq, ChangePhoneReq};
use chatenium_api::schemas::auth::ChallengePurpose;
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::{ChangeEmail, ChangePhone, ErrorCode};
use rusqlite::{params, Connection, OptionalExtension};

use crate::challenges;
use crate::error::{ensure, ApiResult};
use crate::http::{add, Ctx};
use crate::state::AppState;
use crate::validate;

pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let router = add::<ChangeEmail, _, _>(router, change_email);
    add::<ChangePhone, _, _>(router, change_phone)
}

async fn change_email(ctx: Ctx, _: (), body: ChangeEmailReq) -> ApiResult<GenericSuccessBody> {
    validate::email(&body.email)?;
    let userid = ctx.caller()?.userid.clone();
    ctx.state
        .db
        .call(move |c| {
            let change = Change {
                purpose: ChallengePurpose::ChangeEmail,
                column: Column::Email,
                value: &body.email,
                challenge_id: &body.challenge_id,
            };
            change.apply(c, &userid)
        })
        .await?;
    Ok(GenericSuccessBody::new("emailChanged"))
}

async fn change_phone(ctx: Ctx, _: (), body: ChangePhoneReq) -> ApiResult<GenericSuccessBody> {
    validate::phone(&body.phone)?;
    let userid = ctx.caller()?.userid.clone();
    ctx.state
        .db
        .call(move |c| {
            let change = Change {
                purpose: ChallengePurpose::ChangePhone,
                column: Column::Phone,
                value: &body.phone,
                challenge_id: &body.challenge_id,
            };
            change.apply(c, &userid)
        })
        .await?;
    Ok(GenericSuccessBody::new("phoneChanged"))
}

enum Column {
    Email,
    Phone,
}

struct Change<'a> {
    purpose: ChallengePurpose,
    column: Column,
    value: &'a str,
    challenge_id: &'a str,
}

impl Change<'_> {
    /// Spends the challenge and sets the address, both or neither.
    fn apply(self, connection: &mut Connection, userid: &str) -> ApiResult<()> {
        let transaction = connection.transaction()?;
        let proven =
            challenges::check(&transaction, self.challenge_id, self.purpose, Some(userid))?;
        let (column, proven, taken) = match self.column {
            Column::Email => ("email", proven.override_email, ErrorCode::EmailTaken),
            Column::Phone => ("phone", proven.override_phone, ErrorCode::PhoneTaken),
        };
        // A challenge that proved another address proves nothing about this one. E-mail
        // addresses compare as their column does, without case.
        let same = |proven: &str| match self.column {
            Column::Email => proven.eq_ignore_ascii_case(self.value),
            Column::Phone => proven == self.value,
        };
        ensure(
            proven.is_some_and(|proven| same(&proven)),
            ErrorCode::ChallengeNotFound,
        )?;
        // Someone may have taken the address since the challenge was registered.
        let holder: Option<String> = transaction
            .query_row(
                &format!("SELECT id FROM users WHERE {column} = ?1"),
                [self.value],
                |r| r.get(0),
            )
            .optional()?;
        ensure(holder.is_none_or(|holder| holder == userid), taken)?;
        transaction.execute(
            &format!("UPDATE users SET {column} = ?1 WHERE id = ?2"),
            params![self.value, userid],
        )?;
        challenges::mark_spent(&transaction, self.challenge_id)?;
        transaction.commit()?;
        Ok(())
    }
}

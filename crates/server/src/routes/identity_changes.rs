//! Changing the account's e-mail address or phone number (rows 22 and 26). The new address
//! must have been proven by a `changeEmail` / `changePhone` challenge registered for the
//! caller whose data override named exactly that address.

use axum::Router;
use chatenium_api::schemas::account::{ChangeEmailReq, ChangePhoneReq};
use chatenium_api::schemas::auth::ChallengePurpose;
use chatenium_api::schemas::common::GenericSuccessBody;
use chatenium_api::{ChangeEmail, ChangePhone, ErrorCode};
use rusqlite::Connection;

use crate::challenges;
use crate::error::{ensure, ApiResult};
use crate::http::{add, Ctx};
use crate::state::AppState;
use crate::users::{self, Identity};
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
                identity: Identity::Email,
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
                identity: Identity::Phone,
                value: &body.phone,
                challenge_id: &body.challenge_id,
            };
            change.apply(c, &userid)
        })
        .await?;
    Ok(GenericSuccessBody::new("phoneChanged"))
}

struct Change<'a> {
    purpose: ChallengePurpose,
    /// [`Identity::Email`] or [`Identity::Phone`].
    identity: Identity,
    value: &'a str,
    challenge_id: &'a str,
}

impl Change<'_> {
    /// Spends the challenge and sets the address, both or neither.
    fn apply(self, connection: &mut Connection, userid: &str) -> ApiResult<()> {
        let transaction = connection.transaction()?;
        let proven =
            challenges::check(&transaction, self.challenge_id, self.purpose, Some(userid))?;
        let proven = match self.identity {
            Identity::Email => proven.override_email,
            Identity::Phone => proven.override_phone,
            Identity::Username => None,
        };
        // A challenge that proved another address proves nothing about this one. E-mail
        // addresses compare as their column does, without case.
        let same = |proven: &str| match self.identity {
            Identity::Email => proven.eq_ignore_ascii_case(self.value),
            _ => proven == self.value,
        };
        ensure(
            proven.is_some_and(|proven| same(&proven)),
            ErrorCode::ChallengeNotFound,
        )?;
        // Someone may have taken the address since the challenge was registered.
        users::set_identity(&transaction, userid, self.identity, self.value)?;
        challenges::mark_spent(&transaction, self.challenge_id)?;
        transaction.commit()?;
        Ok(())
    }
}

//! Sign-in, registration, password reset and challenges (`chatenium_core::signin`), and
//! starting or ending the signed-in engine (`chatenium_core::device`).

use chatenium_api::schemas::auth::SuccessfulAuthResp;
use chatenium_api::schemas::auth::{AuthMethods, Challenge, ChallengePurpose, FactorKind};
use chatenium_api::schemas::common::PublicUserData;
use chatenium_core::signin::NewAccount;
use serde::Deserialize;
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::state::{AppState, SignedIn};

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RegisterForm {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub password: String,
}

#[tauri::command]
#[specta::specta]
pub async fn sign_in_methods(
    state: State<'_, AppState>,
    identity: String,
) -> CommandResult<AuthMethods> {
    Ok(state
        .device
        .auth(&state.language())
        .methods(&identity)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn username_available(
    state: State<'_, AppState>,
    username: String,
) -> CommandResult<bool> {
    let auth = state.device.auth(&state.language());
    Ok(auth.username_available(&username).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn email_available(state: State<'_, AppState>, email: String) -> CommandResult<bool> {
    Ok(state
        .device
        .auth(&state.language())
        .email_available(&email)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn sign_in_with_password(
    app: AppHandle,
    state: State<'_, AppState>,
    identity: String,
    password: String,
) -> CommandResult<PublicUserData> {
    let auth = state.device.auth(&state.language());
    let done = auth.sign_in_with_password(&identity, &password).await?;
    begin(&app, &state, done).await
}

#[tauri::command]
#[specta::specta]
pub async fn start_challenge(
    state: State<'_, AppState>,
    purpose: ChallengePurpose,
    identity: Option<String>,
    new_email: Option<String>,
    new_phone: Option<String>,
) -> CommandResult<Challenge> {
    let auth = state.device.auth(&state.language());
    Ok(auth
        .start_challenge(
            purpose,
            identity.as_deref(),
            new_email.as_deref(),
            new_phone.as_deref(),
        )
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn request_code(
    state: State<'_, AppState>,
    challenge_id: String,
    kind: FactorKind,
) -> CommandResult<()> {
    let auth = state.device.auth(&state.language());
    Ok(auth.request_code(&challenge_id, kind).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn verify_code(
    state: State<'_, AppState>,
    challenge_id: String,
    kind: FactorKind,
    code: String,
) -> CommandResult<Challenge> {
    let auth = state.device.auth(&state.language());
    Ok(auth.verify_code(&challenge_id, kind, &code).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn sign_in_with_challenge(
    app: AppHandle,
    state: State<'_, AppState>,
    identity: String,
    challenge_id: String,
) -> CommandResult<PublicUserData> {
    let auth = state.device.auth(&state.language());
    let done = auth
        .sign_in_with_challenge(&identity, &challenge_id)
        .await?;
    begin(&app, &state, done).await
}

#[tauri::command]
#[specta::specta]
pub async fn register(
    app: AppHandle,
    state: State<'_, AppState>,
    form: RegisterForm,
) -> CommandResult<PublicUserData> {
    let account = NewAccount {
        username: form.username,
        display_name: form.display_name,
        email: form.email,
        phone: form.phone.filter(|p| !p.trim().is_empty()),
    };
    let auth = state.device.auth(&state.language());
    let done = auth.register(&account, &form.password).await?;
    begin(&app, &state, done).await
}

#[tauri::command]
#[specta::specta]
pub async fn register_passwordless(
    app: AppHandle,
    state: State<'_, AppState>,
    username: String,
    display_name: String,
    challenge_id: String,
) -> CommandResult<PublicUserData> {
    let auth = state.device.auth(&state.language());
    let done = auth
        .register_passwordless(&username, &display_name, &challenge_id)
        .await?;
    begin(&app, &state, done).await
}

#[tauri::command]
#[specta::specta]
pub async fn reset_password(
    state: State<'_, AppState>,
    challenge_id: String,
    token: String,
    password: String,
) -> CommandResult<()> {
    let auth = state.device.auth(&state.language());
    Ok(auth
        .reset_password(&challenge_id, &token, &password)
        .await?)
}

/// The account signed in when the app last ran, if its tokens are still in the keyring.
#[tauri::command]
#[specta::specta]
pub async fn resume_session(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<Option<PublicUserData>> {
    if let Some(signed_in) = state.signed_in.read().await.as_ref() {
        return Ok(Some(signed_in.user.clone()));
    }
    let Some((client, user)) = state.device.resume().await? else {
        return Ok(None);
    };
    install(&app, &state, client, user.clone()).await;
    Ok(Some(user))
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, AppState>) -> CommandResult<()> {
    let Some(signed_in) = state.signed_in.write().await.take() else {
        return Ok(());
    };
    Ok(state.device.sign_out(signed_in.client, false).await?)
}

pub(crate) async fn begin(
    app: &AppHandle,
    state: &AppState,
    done: SuccessfulAuthResp,
) -> CommandResult<PublicUserData> {
    let client = state.device.start(&done).await?;
    install(app, state, client, done.user.clone()).await;
    Ok(done.user)
}

/// Makes `client` the signed-in engine, replacing (and stopping) any previous one. Its events
/// go to the window until it stops (the forwarder ends with the engine's event stream).
async fn install(
    app: &AppHandle,
    state: &AppState,
    client: chatenium_core::Client,
    user: PublicUserData,
) {
    if state.embedded {
        // The embedded server listens on loopback only, so every account it knows is on this
        // machine: transfers connect over loopback, which also works with no network at all.
        client.set_transfer_settings(chatenium_core::transfer::TransferSettings {
            udp_addrs: vec!["127.0.0.1:0".into()],
            ..Default::default()
        });
    }
    tracing::info!(user = %user.userid, "signed in");
    crate::events::forward(app.clone(), client.events(), user.userid.clone());
    let previous = state
        .signed_in
        .write()
        .await
        .replace(SignedIn { client, user });
    if let Some(previous) = previous {
        previous.client.shut_down().await;
    }
}

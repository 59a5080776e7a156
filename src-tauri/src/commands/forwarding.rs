//! Forwarding a message from a chat or thread into a chat or thread (the Forward action of a
//! message's menu). The forwarder's open timeline of the target shows the new message through
//! the usual timeline events.

use tauri::State;

use crate::dto::ConversationRef;
use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn forward_message(
    state: State<'_, AppState>,
    from: ConversationRef,
    msgid: String,
    to: ConversationRef,
) -> CommandResult<()> {
    state
        .client()
        .await?
        .forward(&from.into(), &msgid, &to.into())
        .await?;
    Ok(())
}

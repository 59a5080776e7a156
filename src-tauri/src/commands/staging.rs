//! Handing a file from the window to Rust (see `staging.rs` for why): begin, raw chunks,
//! then a command of another group (upload, transfer) takes the staged id.

use tauri::ipc::{InvokeBody, Request};
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::staging::StagingError;
use crate::state::AppState;

impl From<StagingError> for CommandError {
    fn from(error: StagingError) -> Self {
        CommandError::Local {
            detail: error.to_string(),
        }
    }
}

/// Starts staging a file of `size` bytes; answers the id its chunks name. (`size` is a
/// JavaScript number: exact up to 2^53 bytes, which no file reaches.)
#[tauri::command]
#[specta::specta]
pub fn begin_staging(state: State<'_, AppState>, name: String, size: f64) -> CommandResult<String> {
    if !(size.is_finite() && size >= 0.0) {
        return Err(CommandError::Local {
            detail: format!("a file size of {size}"),
        });
    }
    Ok(state.staged.begin(&name, size as u64)?)
}

/// Drops a staged file the user gave up on (a removed attachment, a cancelled send).
#[tauri::command]
#[specta::specta]
pub fn discard_staged(state: State<'_, AppState>, stage_id: String) {
    state.staged.discard(&stage_id);
}

/// The header naming the staged file a raw chunk belongs to.
pub const STAGE_ID_HEADER: &str = "x-stage-id";
/// The header giving the chunk's byte offset in the file.
pub const OFFSET_HEADER: &str = "x-offset";

/// One chunk of a staged file as a raw body (bytes, not a JSON array of numbers), its place
/// in the headers. Registered beside the typed commands (see `main.rs`), since a raw request
/// has no TypeScript signature to generate; `ui/src/backend/tauri.ts` calls it by name.
#[tauri::command]
pub async fn stage_chunk(state: State<'_, AppState>, request: Request<'_>) -> CommandResult<()> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| CommandError::Local {
                detail: format!("stage_chunk without a valid {name} header"),
            })
    };
    let id = header(STAGE_ID_HEADER)?;
    let offset: u64 = header(OFFSET_HEADER)?
        .parse()
        .map_err(|_| CommandError::Local {
            detail: format!("stage_chunk with a malformed {OFFSET_HEADER}"),
        })?;
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::Local {
            detail: "stage_chunk takes raw bytes, not JSON".into(),
        });
    };
    Ok(state.staged.append(&id, offset, bytes)?)
}

//! The search box: a search of the cached messages, handed to the core
//! (`chatenium_core::search`), its results as the window shows them. Opening a result is the
//! conversation's own jump command (`jump_to_message`, `jump_to_thread_message`).

use chatenium_api::schemas::common::Timestamp;
use chatenium_core::store::{MatchRange, SearchHit, SearchQuery};
use chatenium_core::ConversationId;
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::dto::ConversationRef;
use crate::error::CommandResult;
use crate::state::AppState;

/// What the search box asks: the text, and the filters the user set.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    pub text: String,
    /// Only this conversation (Ctrl+F in it); `null`: everything (Ctrl+Shift+F).
    pub conversation: Option<ConversationRef>,
    pub author: Option<String>,
    pub has_attachment: Option<bool>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub limit: Option<u32>,
}

/// A part of the snippet that matched, in characters (code points: `Array.from(snippet)`).
#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
pub struct SnippetRange {
    pub start: u32,
    pub end: u32,
}

/// One result, best first. The snippet is plain text: the window builds the highlight from
/// `matches`, as text nodes.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    pub conversation: ConversationRef,
    pub msgid: String,
    pub author: String,
    pub sent_at: Timestamp,
    pub snippet: String,
    pub matches: Vec<SnippetRange>,
}

impl From<SearchHit> for SearchResult {
    fn from(hit: SearchHit) -> Self {
        SearchResult {
            conversation: match hit.conversation {
                ConversationId::Dm { chatid } => ConversationRef::Chat { chatid },
                ConversationId::Thread {
                    cascade_id,
                    thread_id,
                } => ConversationRef::Thread {
                    cascade_id,
                    thread_id,
                },
            },
            msgid: hit.msgid,
            author: hit.author,
            sent_at: hit.sent_at,
            snippet: hit.snippet,
            matches: hit
                .matches
                .into_iter()
                .map(|MatchRange { start, end }| SnippetRange { start, end })
                .collect(),
        }
    }
}

/// Searches every cached message (or one conversation's), best match first.
#[tauri::command]
#[specta::specta]
pub async fn search_messages(
    state: State<'_, AppState>,
    request: SearchRequest,
) -> CommandResult<Vec<SearchResult>> {
    let query = SearchQuery {
        text: request.text,
        conversation: request.conversation.map(ConversationId::from),
        author: request.author,
        has_attachment: request.has_attachment,
        since: request.since,
        until: request.until,
        limit: request.limit,
    };
    let hits = state.client().await?.search(query).await?;
    Ok(hits.into_iter().map(SearchResult::from).collect())
}

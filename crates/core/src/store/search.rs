//! What a search of the cached messages asks ([`SearchQuery`]) and answers ([`SearchHit`]), and
//! the two pieces of text handling every store shares: turning what the user typed into an
//! FTS5 match expression, and reading the snippet's match markers back into ranges.
//!
//! A snippet leaves the core as plain text plus ranges, never as markup: the UI shows message
//! text as text, so a highlight is built from the ranges and cannot be injected by a message.

use chatenium_api::schemas::common::Timestamp;
use serde::{Deserialize, Serialize};

use crate::conversation::ConversationId;

/// Where a match starts in the snippet the store made; stripped from the text it returns.
/// Stored message text never holds it: the index replaces it by a space (see `sqlite.rs`).
pub(crate) const MATCH_START: char = '\u{1}';
/// Where a match ends in the snippet.
pub(crate) const MATCH_END: char = '\u{2}';

/// How many results a search answers when the query names no limit.
pub const DEFAULT_SEARCH_LIMIT: u32 = 50;

/// A search of the cached messages of every conversation (direct chats and threads).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    /// What the user typed. Each word matches as a prefix ("hal" finds "hallo"), accents and
    /// case aside ("kave" finds "kávé" and back); every word must occur.
    pub text: String,
    /// Only this conversation.
    pub conversation: Option<ConversationId>,
    /// Only messages written by this user.
    pub author: Option<String>,
    /// Only messages with (`Some(true)`) or without (`Some(false)`) attachments.
    pub has_attachment: Option<bool>,
    /// Only messages sent at or after this point.
    pub since: Option<Timestamp>,
    /// Only messages sent before this point.
    pub until: Option<Timestamp>,
    /// At most this many results; [`DEFAULT_SEARCH_LIMIT`] when `None`.
    pub limit: Option<u32>,
}

impl SearchQuery {
    /// A query for `text` over everything cached.
    pub fn text(text: &str) -> SearchQuery {
        SearchQuery {
            text: text.to_owned(),
            ..SearchQuery::default()
        }
    }
}

/// A part of a snippet that matched, in Unicode scalar values (chars) from the snippet's start:
/// `Array.from(snippet).slice(start, end)` in the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRange {
    pub start: u32,
    pub end: u32,
}

/// One message that matched, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub conversation: ConversationId,
    pub msgid: String,
    pub author: String,
    pub sent_at: Timestamp,
    /// The part of the message around the matches, as plain text ("…" where it was cut).
    pub snippet: String,
    /// Where the snippet matched, in order.
    pub matches: Vec<MatchRange>,
}

/// The FTS5 match expression for what the user typed: each word a quoted prefix phrase, all of
/// them required. `None` when nothing searchable was typed (only spaces or punctuation).
/// Quoting keeps FTS5's own syntax (`AND`, `NEAR`, `*`, `:`, `"`) out of the user's hands.
pub(crate) fn match_expression(text: &str) -> Option<String> {
    let phrases: Vec<String> = text
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" "))
}

/// The index's token for a conversation, as the store's `scope_of_doc` SQL writes it: a kind
/// letter and the ids' UTF-8 bytes in hex (one token whatever characters an id holds).
pub(crate) fn conversation_token(conversation: &ConversationId) -> String {
    match conversation {
        ConversationId::Dm { chatid } => format!("c{}", hex(chatid)),
        ConversationId::Thread {
            cascade_id,
            thread_id,
        } => format!("t{}x{}", hex(cascade_id), hex(thread_id)),
    }
}

/// The index's token for an author (see [`conversation_token`]).
pub(crate) fn author_token(author: &str) -> String {
    format!("a{}", hex(author))
}

/// Upper-case hex of the text's bytes, as SQLite's `hex()` writes it.
fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02X}")).collect()
}

/// Splits a snippet marked with [`MATCH_START`] and [`MATCH_END`] into its text and the ranges
/// that matched.
pub(crate) fn read_snippet(marked: &str) -> (String, Vec<MatchRange>) {
    let mut text = String::with_capacity(marked.len());
    let mut matches = Vec::new();
    let mut at = 0u32;
    let mut open: Option<u32> = None;
    for c in marked.chars() {
        match c {
            MATCH_START => open = Some(at),
            MATCH_END => {
                if let Some(start) = open.take() {
                    if start < at {
                        matches.push(MatchRange { start, end: at });
                    }
                }
            }
            other => {
                text.push(other);
                at += 1;
            }
        }
    }
    (text, matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_becomes_a_quoted_prefix() {
        assert_eq!(
            match_expression("  kávé  NEAR(\"x\" ").as_deref(),
            Some("\"kávé\"* \"NEAR(\"\"x\"\"\"*")
        );
        assert_eq!(match_expression(" ... - "), None);
        assert_eq!(match_expression(""), None);
    }

    #[test]
    fn scope_tokens_are_one_word_whatever_the_ids_hold() {
        assert_eq!(
            conversation_token(&ConversationId::dm("a b-é")),
            "c6120622DC3A9"
        );
        assert_eq!(
            conversation_token(&ConversationId::Thread {
                cascade_id: "k".into(),
                thread_id: "t".into()
            }),
            "t6Bx74"
        );
        assert_eq!(author_token("ő"), "aC591");
    }

    #[test]
    fn a_marked_snippet_reads_back_as_text_and_ranges() {
        let (text, matches) = read_snippet("…a \u{1}kávé\u{2} és \u{1}tea\u{2}");
        assert_eq!(text, "…a kávé és tea");
        assert_eq!(
            matches,
            [
                MatchRange { start: 3, end: 7 },
                MatchRange { start: 11, end: 14 }
            ]
        );
    }
}

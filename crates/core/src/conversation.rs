//! Which conversation a message, a timeline or a queued send belongs to: a direct chat or a
//! thread of a cascade. Both have the same life in the core (see the `feed` module).

use serde::{Deserialize, Serialize};

/// Serialized flat (`{"chatid"}` or `{"cascadeId", "threadId"}`), so an outbox row written
/// before threads had a timeline (`{"chatid", ...}`) still reads as a direct chat's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum ConversationId {
    Dm {
        chatid: String,
    },
    Thread {
        cascade_id: String,
        thread_id: String,
    },
}

impl ConversationId {
    pub fn dm(chatid: &str) -> ConversationId {
        ConversationId::Dm {
            chatid: chatid.to_owned(),
        }
    }

    pub fn thread(cascade_id: &str, thread_id: &str) -> ConversationId {
        ConversationId::Thread {
            cascade_id: cascade_id.to_owned(),
            thread_id: thread_id.to_owned(),
        }
    }

    /// The direct chat's id; `None` for a thread.
    pub fn chatid(&self) -> Option<&str> {
        match self {
            ConversationId::Dm { chatid } => Some(chatid),
            ConversationId::Thread { .. } => None,
        }
    }

    /// The conversation's key among the store's sync cursors (a chat's is its id, as before
    /// threads; the form of a thread's is kept from then too).
    pub fn cursor_key(&self) -> String {
        match self {
            ConversationId::Dm { chatid } => chatid.clone(),
            ConversationId::Thread {
                cascade_id,
                thread_id,
            } => format!("thread:{cascade_id}/{thread_id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ConversationId;

    #[test]
    fn reads_both_kinds_and_an_outbox_row_from_before_threads() {
        let dm: ConversationId = serde_json::from_str(r#"{"chatid":"c1","text":"x"}"#).unwrap();
        assert_eq!(dm, ConversationId::dm("c1"));
        let thread = ConversationId::thread("k", "t");
        let json = serde_json::to_string(&thread).unwrap();
        assert_eq!(json, r#"{"cascadeId":"k","threadId":"t"}"#);
        assert_eq!(
            serde_json::from_str::<ConversationId>(&json).unwrap(),
            thread
        );
    }
}

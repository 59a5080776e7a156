//! Local full-text search over every cached message, direct chats and threads alike: the
//! store's FTS5 index ([`crate::store::Store::search_messages`]), which triggers keep in step
//! with every write, so a message is searchable as soon as it is cached and an edit or a
//! deletion shows at once. Accents and case are folded ("kave" finds "kávé"), each word
//! matches as a prefix, results come best first (bm25) with a plain-text snippet and the
//! ranges that matched. A word found in very many messages is ranked among its 2,000 most
//! recently cached matches, which keeps such a query within tens of milliseconds over a
//! million cached messages. Opening a result is the conversation's jump to its message
//! ([`Client::jump_to_message`], [`Client::jump_to_thread_message`]).

use crate::error::ClientError;
use crate::store::{SearchHit, SearchQuery};
use crate::Client;

impl Client {
    /// Searches the cached messages; an empty or punctuation-only text finds nothing.
    pub async fn search(&self, query: SearchQuery) -> Result<Vec<SearchHit>, ClientError> {
        self.ctx.store.run(move |s| s.search_messages(&query)).await
    }
}

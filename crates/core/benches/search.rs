//! `cargo bench -p chatenium-core --bench search`: local full-text search over 1,000,000 cached
//! messages in the real store (SQLite FTS5 kept by triggers).
//!
//! 1. Indexing: the million messages stored in batches as live sync stores a burst, with the
//!    index and without it (its triggers dropped in a second store), so the index's share of
//!    the store's work is measured, not assumed.
//! 2. Queries: p50 and p95 of what a user types, over words drawn from the whole vocabulary
//!    (whole words without their accents, and three-letter prefixes), each against everything
//!    and within one conversation; and the worst case, the most common word of the corpus.
//!
//! The text is generated: Hungarian-like words with accents, drawn with a Zipf-like skew so a
//! few words are everywhere and most are rare, as in real chats.

use std::time::{Duration, Instant};

use chatenium_api::schemas::common::Timestamp;
use chatenium_api::schemas::dm::Message;
use chatenium_core::store::{SearchQuery, SqliteStore, Store};
use chatenium_core::ConversationId;

const MESSAGES: usize = 1_000_000;
const BATCH: usize = 1_000;
const CHATS: usize = 200;
const VOCABULARY: usize = 20_000;
const WORDS_PER_MESSAGE: usize = 8;
const QUERIES: usize = 400;

/// A small deterministic generator (xorshift64*): the same corpus every run, no dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A rank with a Zipf-like skew: rank r drawn with probability about 1/(r+1).
    fn skewed(&mut self, n: usize) -> usize {
        (((n as f64 + 1.0).ln() * self.unit()).exp() as usize)
            .saturating_sub(1)
            .min(n - 1)
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "ke", "ká", "ré", "sző", "lő", "ba", "ta", "mé", "gyö", "ör", "ü", "nyo", "tű", "fa",
    "lá", "bo", "ci", "dé", "ha", "ji", "kö", "ma", "ne", "pí", "ró", "sá", "to", "vé", "zu",
];

fn vocabulary(random: &mut Random) -> Vec<String> {
    (0..VOCABULARY)
        .map(|n| {
            let length = 2 + random.below(3);
            let mut word: String = (0..length)
                .map(|_| SYLLABLES[random.below(SYLLABLES.len())])
                .collect();
            // Distinct words however the syllables fell.
            word.push_str(&format!("{}", n % 7));
            word
        })
        .collect()
}

/// The word as a user types it without accents.
fn without_accents(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' | 'ö' | 'ő' => 'o',
            'ú' | 'ü' | 'ű' => 'u',
            other => other,
        })
        .collect()
}

fn message(n: usize, text: String) -> Message {
    Message {
        msgid: format!("m{n:08}"),
        chatid: format!("chat{}", n % CHATS),
        author: format!("user{}", n % 17),
        message: text,
        sent_at: Timestamp::new(1_600_000_000 + (n / 10) as i64, (n % 10) as u32),
        is_edited: false,
        seen: true,
        pinned: false,
        reply_to_id: None,
        reply_to: None,
        files: vec![],
        client_key: None,
        forwarded_from: None,
        forwarded_from_name: None,
        meta_data: None,
    }
}

/// Stores the corpus; answers the time the store took.
fn fill(store: &SqliteStore, words: &[String]) -> Duration {
    let mut random = Random(0x5eed_cafe);
    let mut spent = Duration::ZERO;
    for start in (0..MESSAGES).step_by(BATCH) {
        let batch: Vec<Message> = (start..start + BATCH)
            .map(|n| {
                let text: Vec<&str> = (0..WORDS_PER_MESSAGE)
                    .map(|_| words[random.skewed(words.len())].as_str())
                    .collect();
                message(n, text.join(" "))
            })
            .collect();
        let started = Instant::now();
        store.upsert_messages(&batch).expect("store");
        spent += started.elapsed();
    }
    spent
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn main() {
    let words = vocabulary(&mut Random(42));
    let dir = tempfile::tempdir().expect("temporary folder");

    let bare_path = dir.path().join("without-index.sqlite");
    let bare = SqliteStore::open(&bare_path).expect("store");
    rusqlite::Connection::open(&bare_path)
        .expect("raw connection")
        .execute_batch(
            "DROP TRIGGER messages_search_insert; DROP TRIGGER messages_search_update;
             DROP TRIGGER messages_search_delete;",
        )
        .expect("drop the index's triggers");
    let without_index = fill(&bare, &words);
    drop(bare);
    std::fs::remove_file(&bare_path).ok();

    let store = SqliteStore::open(&dir.path().join("search.sqlite")).expect("store");
    let with_index = fill(&store, &words);
    let rate = |time: Duration| MESSAGES as f64 / time.as_secs_f64();
    println!(
        "search: {MESSAGES} messages stored at {:.0}/s with the index, {:.0}/s without ({BATCH} a transaction)",
        rate(with_index),
        rate(without_index)
    );
    println!(
        "        indexing: {:.0}% of the store's time",
        (with_index.saturating_sub(without_index)).as_secs_f64() / with_index.as_secs_f64() * 100.0
    );

    let mut random = Random(7);
    let mut everywhere = Vec::with_capacity(QUERIES);
    let mut in_chat = Vec::with_capacity(QUERIES);
    let mut found = 0usize;
    for n in 0..QUERIES {
        let word = without_accents(&words[random.below(words.len())]);
        let text = if n % 2 == 0 {
            word
        } else {
            word.chars().take(3).collect()
        };
        let started = Instant::now();
        found += store
            .search_messages(&SearchQuery::text(&text))
            .expect("search")
            .len();
        everywhere.push(started.elapsed());
        let query = SearchQuery {
            conversation: Some(ConversationId::dm(&format!("chat{}", n % CHATS))),
            ..SearchQuery::text(&text)
        };
        let started = Instant::now();
        store.search_messages(&query).expect("search");
        in_chat.push(started.elapsed());
    }
    assert!(found > 0, "the queries found nothing");
    println!(
        "        query everywhere: p50 {:.2} ms, p95 {:.2} ms ({QUERIES} queries, 50 results each at most)",
        ms(percentile(&mut everywhere, 0.5)),
        ms(percentile(&mut everywhere, 0.95))
    );
    println!(
        "        query in one chat: p50 {:.2} ms, p95 {:.2} ms",
        ms(percentile(&mut in_chat, 0.5)),
        ms(percentile(&mut in_chat, 0.95))
    );
    let common = without_accents(&words[0]);
    let mut worst: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            store
                .search_messages(&SearchQuery::text(&common))
                .expect("search");
            started.elapsed()
        })
        .collect();
    println!(
        "        the most common word of the corpus (in about 45% of the messages): median {:.1} ms",
        ms(percentile(&mut worst, 0.5))
    );
}

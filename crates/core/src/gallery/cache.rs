//! The disk cache of picture bytes (thumbnails and originals) with a size cap: past it, the
//! least recently used files go. One file per picture and width in one folder; an index in
//! memory (size and last use of each file) decides what to evict, and is rebuilt on open from
//! the files' modification times, which every hit renews, so recency survives a restart.
//!
//! Why not a crate: `cacache` (the maintained disk cache) is content-addressed with no size cap
//! or eviction, and `lru`/`moka` keep values in memory; what is needed here is a byte cap over
//! files, which is this small index.
//!
//! Bytes the cache lacks come from a [`MediaSource`]: over HTTP from the signed storage URL in
//! the app ([`HttpMediaSource`]), a counting fake in tests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use async_trait::async_trait;

use crate::error::ClientError;
use crate::gallery::MediaLinks;

/// Where bytes the cache lacks come from.
#[async_trait]
pub trait MediaSource: Send + Sync {
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, ClientError>;
}

/// Downloads from a signed storage URL (the URL carries its own authorization).
pub struct HttpMediaSource {
    http: reqwest::Client,
}

impl HttpMediaSource {
    pub fn new() -> Result<HttpMediaSource, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(crate::api::REQUEST_TIMEOUT)
            .build()
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok(HttpMediaSource { http })
    }
}

#[async_trait]
impl MediaSource for HttpMediaSource {
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, ClientError> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(ClientError::Api {
                status,
                code: match status {
                    404 => chatenium_api::ErrorCode::NotFound,
                    400..=499 => chatenium_api::ErrorCode::BadRequest,
                    _ => chatenium_api::ErrorCode::Internal,
                },
            });
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok(bytes.to_vec())
    }
}

/// Whether `picture_id` may name a cache file: the server's ids are hex; anything else (a
/// slash, a dot, a long name) is refused, so no request reaches outside the cache folder.
pub fn valid_picture_id(picture_id: &str) -> bool {
    (1..=64).contains(&picture_id.len())
        && picture_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A picture's bytes and their MIME type (read from the bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
}

/// The image types the server accepts, by their first bytes.
pub fn sniff_mime(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        _ => "application/octet-stream",
    }
}

struct Entry {
    size: u64,
    used: u64,
}

#[derive(Default)]
struct Index {
    entries: HashMap<String, Entry>,
    total: u64,
    /// Increases with every use: the order of last use.
    clock: u64,
}

pub struct MediaCache {
    dir: PathBuf,
    cap: u64,
    source: Arc<dyn MediaSource>,
    index: Mutex<Index>,
}

impl MediaCache {
    /// Opens (creating) the cache in `dir`, holding at most `cap` bytes.
    pub fn open(
        dir: impl Into<PathBuf>,
        cap: u64,
        source: Arc<dyn MediaSource>,
    ) -> Result<MediaCache, ClientError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(storage)?;
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(storage)? {
            let entry = entry.map_err(storage)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else { continue };
            if name.starts_with('.') {
                // A write that was cut short.
                let _ = std::fs::remove_file(entry.path());
            } else if meta.is_file() {
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                found.push((modified, name, meta.len()));
            }
        }
        found.sort();
        let mut index = Index::default();
        for (_, name, size) in found {
            index.clock += 1;
            index.total += size;
            let used = index.clock;
            index.entries.insert(name, Entry { size, used });
        }
        let cache = MediaCache {
            dir,
            cap,
            source,
            index: Mutex::new(index),
        };
        cache.evict(&mut cache.index());
        Ok(cache)
    }

    fn index(&self) -> MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The bytes held now, for tests and a settings screen.
    pub fn total_bytes(&self) -> u64 {
        self.index().total
    }

    fn file_name(picture_id: &str, width: u32) -> Option<String> {
        valid_picture_id(picture_id).then(|| format!("{picture_id}-{width}"))
    }

    /// The cached bytes of `picture_id` at `width` (0: the original), marking them used.
    pub fn get(&self, picture_id: &str, width: u32) -> Option<Vec<u8>> {
        let name = Self::file_name(picture_id, width)?;
        let path = self.dir.join(&name);
        let bytes = std::fs::read(&path).ok();
        let mut index = self.index();
        match &bytes {
            Some(_) => {
                index.clock += 1;
                let clock = index.clock;
                if let Some(entry) = index.entries.get_mut(&name) {
                    entry.used = clock;
                }
                // The modification time is the recency a restart reads back.
                if let Ok(file) = std::fs::File::options().append(true).open(&path) {
                    let _ = file.set_modified(SystemTime::now());
                }
            }
            None => {
                if let Some(entry) = index.entries.remove(&name) {
                    index.total -= entry.size;
                }
            }
        }
        bytes
    }

    /// Stores bytes, then evicts the least recently used files past the cap. Bytes larger
    /// than the whole cap are not kept.
    pub fn put(&self, picture_id: &str, width: u32, bytes: &[u8]) -> Result<(), ClientError> {
        let Some(name) = Self::file_name(picture_id, width) else {
            return Err(ClientError::Storage(format!(
                "not a picture id: {picture_id:?}"
            )));
        };
        if bytes.len() as u64 > self.cap {
            return Ok(());
        }
        // Written aside and renamed, so that a reader never sees half a file.
        let partial = self.dir.join(format!(".{name}"));
        std::fs::write(&partial, bytes).map_err(storage)?;
        std::fs::rename(&partial, self.dir.join(&name)).map_err(storage)?;
        let mut index = self.index();
        index.clock += 1;
        let used = index.clock;
        let size = bytes.len() as u64;
        if let Some(old) = index.entries.insert(name, Entry { size, used }) {
            index.total -= old.size;
        }
        index.total += size;
        self.evict(&mut index);
        Ok(())
    }

    fn evict(&self, index: &mut Index) {
        while index.total > self.cap {
            let Some(oldest) = index
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(name, _)| name.clone())
            else {
                break;
            };
            if let Some(entry) = index.entries.remove(&oldest) {
                index.total -= entry.size;
            }
            let _ = std::fs::remove_file(self.dir.join(oldest));
        }
    }

    /// A picture's bytes at `width` (0: the original; else the narrowest thumbnail at least
    /// that wide, see [`MediaLinks::for_width`]): from the cache, else fetched by `links` and
    /// kept. `None` when neither the cache nor `links` has it.
    pub async fn load(
        &self,
        picture_id: &str,
        width: u32,
        links: Option<&MediaLinks>,
    ) -> Result<Option<Media>, ClientError> {
        let (served, url) = match links {
            Some(links) => {
                let (served, url) = links.for_width(width);
                (served, Some(url))
            }
            None => (width, None),
        };
        if let Some(bytes) = self.get(picture_id, served) {
            return Ok(Some(media(bytes)));
        }
        let Some(url) = url else { return Ok(None) };
        let bytes = self.source.fetch(url).await?;
        self.put(picture_id, served, &bytes)?;
        Ok(Some(media(bytes)))
    }
}

fn media(bytes: Vec<u8>) -> Media {
    let mime = sniff_mime(&bytes);
    Media { bytes, mime }
}

fn storage(error: std::io::Error) -> ClientError {
    ClientError::Storage(error.to_string())
}

/// A cache folder's path for a file name, for tests that look at the disk.
pub fn cached_file(dir: &Path, picture_id: &str, width: u32) -> PathBuf {
    dir.join(format!("{picture_id}-{width}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the fetches: a hit must not reach it.
    #[derive(Default)]
    struct CountingSource {
        fetches: AtomicUsize,
    }

    #[async_trait]
    impl MediaSource for CountingSource {
        async fn fetch(&self, url: &str) -> Result<Vec<u8>, ClientError> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            Ok(url.as_bytes().repeat(10))
        }
    }

    fn links(id: &str) -> MediaLinks {
        MediaLinks {
            original: format!("https://x/{id}/original"),
            thumbnails: vec![
                (320, format!("https://x/{id}/t320")),
                (1280, format!("https://x/{id}/t1280")),
            ],
        }
    }

    #[tokio::test]
    async fn hits_need_no_fetch_and_the_least_recently_used_go_past_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let source = Arc::new(CountingSource::default());
        // Each fetched file is 10 × its URL: 170 bytes here; room for three.
        let cache = MediaCache::open(dir.path(), 520, source.clone()).unwrap();
        let (a, b, c, d) = (links("aa"), links("bb"), links("cc"), links("dd"));

        let first = cache.load("aa", 300, Some(&a)).await.unwrap().unwrap();
        assert_eq!(first.bytes, "https://x/aa/t320".repeat(10).into_bytes());
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
        // Served from disk: no fetch.
        let again = cache.load("aa", 320, Some(&a)).await.unwrap().unwrap();
        assert_eq!(again, first);
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);

        cache.load("bb", 320, Some(&b)).await.unwrap();
        cache.load("cc", 320, Some(&c)).await.unwrap();
        // aa is used again, so bb is now the least recently used.
        cache.load("aa", 320, Some(&a)).await.unwrap();
        assert_eq!(source.fetches.load(Ordering::SeqCst), 3);
        cache.load("dd", 320, Some(&d)).await.unwrap();
        assert!(cache.total_bytes() <= 520);
        assert!(!cached_file(dir.path(), "bb", 320).exists());
        for kept in ["aa", "cc", "dd"] {
            assert!(cached_file(dir.path(), kept, 320).exists(), "{kept}");
        }

        // Reopened, the index is read back from the folder and hits still need no fetch.
        let reopened = MediaCache::open(dir.path(), 520, source.clone()).unwrap();
        assert_eq!(reopened.total_bytes(), cache.total_bytes());
        assert!(reopened.load("cc", 320, None).await.unwrap().is_some());
        assert_eq!(reopened.load("bb", 320, None).await.unwrap(), None);
        assert_eq!(source.fetches.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn names_that_leave_the_folder_are_refused() {
        for bad in ["", "..", "../etc", "a/b", "a\\b", ".hidden", "a.b"] {
            assert!(!valid_picture_id(bad), "{bad:?}");
        }
        assert!(valid_picture_id("0a1b2c3d4e5f"));
    }

    #[test]
    fn widths_pick_the_narrowest_thumbnail_wide_enough() {
        let l = links("p");
        assert_eq!(l.for_width(0).0, 0);
        assert_eq!(l.for_width(200).0, 320);
        assert_eq!(l.for_width(321).0, 1280);
        assert_eq!(l.for_width(4000).0, 0);
    }
}

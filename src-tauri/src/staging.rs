//! Files the window hands to Rust. A web page cannot name a file on disk (a picked, dropped or
//! pasted file is a `File` object, not a path), and the core sends files from disk: uploads
//! stream and resume from a file, a peer-to-peer transfer reads its file while it runs. So the
//! UI copies the file here first, in raw chunks (`stage_chunk`, no JSON), into a folder of its
//! own under the app's cache; then a command turns the staged id into an upload or a transfer.
//! Files chosen in the native dialog need none of this: `commands::transfers::send_chosen_files`
//! sends them from where they are.
//!
//! A staged file is removed when what used it is over: an upload at once, an outgoing
//! transfer when its last event arrives (see `events.rs`). Whatever a crash left behind goes
//! at the next start.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A staged file being written.
struct Staging {
    path: PathBuf,
    size: u64,
    written: u64,
}

pub struct StagedFiles {
    root: PathBuf,
    writing: Mutex<HashMap<String, Staging>>,
    /// Outgoing transfers' files, by transfer id, kept until the transfer ends.
    held: Mutex<HashMap<String, PathBuf>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StagingError {
    #[error("no staged file {0}")]
    Unknown(String),
    #[error("chunk at {offset} for staged file {id}, which has {written} bytes")]
    OutOfOrder {
        id: String,
        offset: u64,
        written: u64,
    },
    #[error("staged file {id} would grow past its announced {size} bytes")]
    TooLong { id: String, size: u64 },
    #[error("staged file {id} has {written} of its {size} bytes")]
    Incomplete { id: String, size: u64, written: u64 },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl StagedFiles {
    /// Staging under `root`, emptied of what an earlier run left.
    pub fn new(root: PathBuf) -> StagedFiles {
        let _ = std::fs::remove_dir_all(&root);
        StagedFiles {
            root,
            writing: Mutex::default(),
            held: Mutex::default(),
        }
    }

    /// Starts a staged file that will hold `size` bytes under the name `name` (made one
    /// harmless file name by the same rules as a name from a peer); answers its id.
    pub fn begin(&self, name: &str, size: u64) -> Result<String, StagingError> {
        let id = unique_id();
        let dir = self.root.join(&id);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(chatenium_core::transfer::names::sanitize(name));
        std::fs::File::create(&path)?;
        lock(&self.writing).insert(
            id.clone(),
            Staging {
                path,
                size,
                written: 0,
            },
        );
        Ok(id)
    }

    /// Writes the chunk that starts at `offset`. Chunks come in order; a repeated chunk (the
    /// UI retrying) is refused rather than written twice.
    pub fn append(&self, id: &str, offset: u64, bytes: &[u8]) -> Result<(), StagingError> {
        let mut writing = lock(&self.writing);
        let staging = writing
            .get_mut(id)
            .ok_or_else(|| StagingError::Unknown(id.to_owned()))?;
        if offset != staging.written {
            return Err(StagingError::OutOfOrder {
                id: id.to_owned(),
                offset,
                written: staging.written,
            });
        }
        let end = staging.written.saturating_add(bytes.len() as u64);
        if end > staging.size {
            return Err(StagingError::TooLong {
                id: id.to_owned(),
                size: staging.size,
            });
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(&staging.path)?
            .write_all(bytes)?;
        staging.written = end;
        Ok(())
    }

    /// The finished file's path; from now on the caller removes it (see [`Self::remove`]).
    pub fn finish(&self, id: &str) -> Result<PathBuf, StagingError> {
        let mut writing = lock(&self.writing);
        let staging = writing
            .get(id)
            .ok_or_else(|| StagingError::Unknown(id.to_owned()))?;
        if staging.written != staging.size {
            return Err(StagingError::Incomplete {
                id: id.to_owned(),
                size: staging.size,
                written: staging.written,
            });
        }
        Ok(writing.remove(id).map(|s| s.path).unwrap_or_default())
    }

    /// Drops a staged file, finished or not.
    pub fn discard(&self, id: &str) {
        if let Some(staging) = lock(&self.writing).remove(id) {
            self.remove(&staging.path);
        }
    }

    /// Removes a finished staged file and its folder.
    pub fn remove(&self, path: &Path) {
        if let Some(dir) = path.parent().filter(|d| d.starts_with(&self.root)) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// Keeps a staged file until the outgoing transfer `transfer_id` ends.
    pub fn hold_for_transfer(&self, transfer_id: &str, path: PathBuf) {
        lock(&self.held).insert(transfer_id.to_owned(), path);
    }

    /// The transfer ended: its staged file goes.
    pub fn release_transfer(&self, transfer_id: &str) {
        if let Some(path) = lock(&self.held).remove(transfer_id) {
            self.remove(&path);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn unique_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos:x}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staging() -> (tempfile::TempDir, StagedFiles) {
        let dir = tempfile::tempdir().unwrap();
        let files = StagedFiles::new(dir.path().join("staged"));
        (dir, files)
    }

    #[test]
    fn chunks_in_order_make_the_file() {
        let (_dir, files) = staging();
        let id = files.begin("notes.txt", 6).unwrap();
        files.append(&id, 0, b"abc").unwrap();
        files.append(&id, 3, b"def").unwrap();
        let path = files.finish(&id).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdef");
        assert_eq!(path.file_name().unwrap(), "notes.txt");
        files.remove(&path);
        assert!(!path.exists());
    }

    #[test]
    fn a_repeated_a_missing_or_an_extra_chunk_is_refused() {
        let (_dir, files) = staging();
        let id = files.begin("a.bin", 4).unwrap();
        files.append(&id, 0, b"ab").unwrap();
        assert!(matches!(
            files.append(&id, 0, b"ab"),
            Err(StagingError::OutOfOrder { written: 2, .. })
        ));
        assert!(matches!(
            files.append(&id, 3, b"d"),
            Err(StagingError::OutOfOrder { .. })
        ));
        assert!(matches!(
            files.append(&id, 2, b"cde"),
            Err(StagingError::TooLong { size: 4, .. })
        ));
        assert!(matches!(
            files.finish(&id),
            Err(StagingError::Incomplete { written: 2, .. })
        ));
        assert!(matches!(
            files.append("nope", 0, b"x"),
            Err(StagingError::Unknown(_))
        ));
    }

    #[test]
    fn a_held_file_goes_when_its_transfer_ends_and_leftovers_go_at_start() {
        let (dir, files) = staging();
        let id = files.begin("big.iso", 1).unwrap();
        files.append(&id, 0, b"x").unwrap();
        let path = files.finish(&id).unwrap();
        files.hold_for_transfer("t1", path.clone());
        files.release_transfer("other");
        assert!(path.exists());
        files.release_transfer("t1");
        assert!(!path.exists());

        let left = files.begin("left.txt", 9).unwrap();
        let again = StagedFiles::new(dir.path().join("staged"));
        assert!(matches!(again.finish(&left), Err(StagingError::Unknown(_))));
        assert!(!dir.path().join("staged").exists());
    }

    #[test]
    fn hostile_file_names_stay_one_path_component() {
        let (dir, files) = staging();
        let staged_name = |name: &str| {
            let id = files.begin(name, 0).unwrap();
            let path = files.finish(&id).unwrap();
            assert_eq!(path.parent().unwrap(), dir.path().join("staged").join(&id));
            path.file_name().unwrap().to_string_lossy().into_owned()
        };
        assert_eq!(staged_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(staged_name(".."), "download");
        assert_eq!(staged_name(""), "download");
        assert_eq!(staged_name("kép.png"), "kép.png");
        assert!(!staged_name("a\\b\0c").contains(['\\', '\0']));
    }
}

//! Password hashing with Argon2id (the crate's defaults: 19 MiB of memory and tens of
//! milliseconds of one core per hash, on purpose).
//!
//! Handlers hash through [`hash_on_pool`] and [`verify_on_pool`]: a few threads of their own, as
//! many as the machine has cores (see [`hashing_threads`]), take the hashes in turn, each in
//! 19 MiB of working memory it keeps from one hash to the next. That bounds both the CPU and the
//! memory a burst of sign-ins or registrations can take. (With a blocking thread per hash and
//! the crate allocating each hash's memory, 1,000 registrations left the server at 13 GB:
//! glibc keeps a freed block in the allocation arena of the thread that freed it, and even one
//! thread's arena kept several.)

use std::cell::RefCell;
use std::sync::OnceLock;

use argon2::password_hash::{self, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;

use crate::error::{ApiError, ApiResult};

/// At most this many hashes run at once, whatever the number of requests waiting: one a core,
/// up to four.
pub fn hashing_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |cores| cores.get())
        .clamp(1, 4)
}

/// A new Argon2id hash of `password` with a random salt, as a PHC string.
pub fn hash(password: &str) -> ApiResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    hash_with_salt(password, &salt).map_err(|e| ApiError::internal(format!("argon2: {e}")))
}

fn hash_with_salt(password: &str, salt: &[u8]) -> password_hash::Result<String> {
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        Ok(hash_into(&argon2, &params, password, salt, out)?)
    })?;
    let salt = SaltString::encode_b64(salt)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` is the one `stored` (a PHC string) was made from, under the algorithm,
/// version and parameters `stored` names.
pub fn verify(password: &str, stored: &str) -> bool {
    matches(password, stored).unwrap_or(false)
}

fn matches(password: &str, stored: &str) -> password_hash::Result<bool> {
    let stored = PasswordHash::new(stored)?;
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(stored.algorithm)?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(&stored)?;
    let mut salt_buffer = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buffer)?;
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let computed = Output::init_with(expected.len(), |out| {
        Ok(hash_into(&argon2, &params, password, salt, out)?)
    })?;
    // Output's equality takes the same time whatever the bytes.
    Ok(computed == expected)
}

thread_local! {
    /// This thread's Argon2 working memory, kept between hashes.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn hash_into(
    argon2: &Argon2<'_>,
    params: &Params,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    MEMORY.with_borrow_mut(|memory| {
        memory.resize(params.block_count(), Block::default());
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..])
    })
}

/// [`hash`] on the hashing threads.
pub async fn hash_on_pool(password: String) -> ApiResult<String> {
    on_pool(move || hash(&password)).await?
}

/// [`verify`] on the hashing threads.
pub async fn verify_on_pool(password: String, stored: String) -> ApiResult<bool> {
    on_pool(move || verify(&password, &stored)).await
}

type Job = Box<dyn FnOnce() + Send>;

/// The queue the hashing threads take work from; they start with the first hash.
fn queue() -> &'static crossbeam_channel::Sender<Job> {
    static QUEUE: OnceLock<crossbeam_channel::Sender<Job>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (sender, receiver) = crossbeam_channel::unbounded::<Job>();
        for n in 0..hashing_threads() {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    for job in receiver {
                        job();
                    }
                });
            if let Err(error) = spawned {
                tracing::error!("cannot start a password hashing thread: {error}");
            }
        }
        sender
    })
}

async fn on_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _running = concurrency::Running::start();
        let _ = reply.send(work());
    });
    queue()
        .send(job)
        .map_err(|_| ApiError::internal("the password hashing threads are gone"))?;
    // A job that panicked drops its reply sender: an internal error, as a failed task was.
    answer
        .await
        .map_err(|_| ApiError::internal("a password hash failed"))
}

/// How many hashes run at once, counted so that a test can check the bound.
mod concurrency {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static RUNNING: AtomicUsize = AtomicUsize::new(0);
    static MOST: AtomicUsize = AtomicUsize::new(0);

    pub struct Running;

    impl Running {
        pub fn start() -> Running {
            let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
            MOST.fetch_max(now, Ordering::SeqCst);
            Running
        }
    }

    impl Drop for Running {
        fn drop(&mut self) {
            RUNNING.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The most hashes that ever ran at once in this process.
    #[cfg(test)]
    pub fn most() -> usize {
        MOST.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_crates_own_hashes_and_ours_verify_each_other() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = argon2::password_hash::SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let theirs = argon2::Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert_eq!(
            super::hash_with_salt("correct horse", b"sixteen byte slt").unwrap(),
            theirs
        );
        assert!(super::verify("correct horse", &theirs));
        let ours = super::hash("correct horse").unwrap();
        let parsed = argon2::password_hash::PasswordHash::new(&ours).unwrap();
        assert!(argon2::Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = super::hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(super::verify("correct horse", &stored));
        assert!(!super::verify("wrong horse", &stored));
        assert!(!super::verify("correct horse", "not a hash"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_hashing_threads() {
        let threads = super::hashing_threads();
        let requests = (0..threads * 4).map(|n| {
            tokio::spawn(async move {
                let password = format!("password {n}");
                let stored = super::hash_on_pool(password.clone()).await.unwrap();
                super::verify_on_pool(password, stored).await.unwrap()
            })
        });
        for request in futures_util::future::join_all(requests).await {
            assert!(request.unwrap(), "each hash verifies its own password");
        }
        assert!(super::concurrency::most() >= 1);
        assert!(
            super::concurrency::most() <= threads,
            "{} hashes ran at once on {threads} threads",
            super::concurrency::most()
        );
    }
}

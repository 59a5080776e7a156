//! Uploads against the real server: a single PUT and a multipart upload that is interrupted
//! and resumed without sending its finished parts again; both download intact.

mod common;

use chatenium_core::uploads::{CancelUpload, UploadState, SINGLE_PUT_LIMIT};
use chatenium_core::CoreEvent;
use common::{client, register, LocalServer};
use rand::RngCore;
use sha2::{Digest, Sha256};

fn random_file(dir: &std::path::Path, name: &str, size: usize) -> (std::path::PathBuf, Vec<u8>) {
    let mut bytes = vec![0u8; size];
    rand::rng().fill_bytes(&mut bytes);
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_file_uploads_in_one_put_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let api = chatenium_core::api::ApiClient::new(server.base_url()).unwrap();
    let auth = register(&api, "uploader").await;
    let anna = client(&server.base_url(), &auth, &dir.path().join("anna.sqlite")).await;
    let mut events = anna.events();
    let (path, bytes) = random_file(dir.path(), "photo.png", 700_000);

    let attachment = anna.upload_file(&path, &CancelUpload::new()).await.unwrap();
    assert_eq!(
        (attachment.file_name.as_str(), attachment.size),
        ("photo.png", 700_000)
    );
    assert_eq!(api.get_signed(&attachment.path).await.unwrap(), bytes);
    let mut last = None;
    while let Ok(event) = events.try_recv() {
        if let CoreEvent::Upload { progress } = event {
            assert!(progress.sent <= progress.total);
            last = Some(progress);
        }
    }
    let last = last.expect("progress was reported");
    assert_eq!(
        (last.state, last.sent, last.total),
        (UploadState::Done, 700_000, 700_000)
    );
    anna.session().forget().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_multipart_upload_resumes_with_the_parts_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.path().join("server"));
    let api = chatenium_core::api::ApiClient::new(server.base_url()).unwrap();
    let auth = register(&api, "multipart").await;
    let anna = client(&server.base_url(), &auth, &dir.path().join("anna.sqlite")).await;
    let size = (SINGLE_PUT_LIMIT * 2 + SINGLE_PUT_LIMIT / 2) as usize;
    let (path, bytes) = random_file(dir.path(), "video.mp4", size);

    // Cut the upload as soon as its first part is through.
    let cancel = CancelUpload::new();
    let mut events = anna.events();
    let watcher = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            while let Ok(event) = events.recv().await {
                if let CoreEvent::Upload { progress } = event {
                    if progress.sent > SINGLE_PUT_LIMIT {
                        cancel.cancel();
                        return;
                    }
                }
            }
        })
    };
    let interrupted = anna.upload_file(&path, &cancel).await;
    assert_eq!(
        interrupted.unwrap_err(),
        chatenium_core::ClientError::Cancelled
    );
    watcher.await.unwrap();

    let pending = anna.interrupted_uploads().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].parts.len(), 3);
    let finished: Vec<u32> = pending[0].done.iter().map(|d| d.part_number).collect();
    assert!(
        !finished.is_empty() && finished.len() < 3,
        "parts done before the cut: {finished:?}"
    );

    let mut events = anna.events();
    let attachment = anna
        .resume_upload(&pending[0].id, &CancelUpload::new())
        .await
        .unwrap();
    // The resumed upload started counting from the parts already sent.
    let first = loop {
        if let Ok(CoreEvent::Upload { progress }) = events.try_recv() {
            break progress;
        }
    };
    assert_eq!(first.sent, finished.len() as u64 * pending[0].part_size);
    assert!(anna.interrupted_uploads().await.unwrap().is_empty());
    let downloaded = api.get_signed(&attachment.path).await.unwrap();
    assert_eq!(Sha256::digest(&downloaded), Sha256::digest(&bytes));
    anna.session().forget().await.unwrap();
}

//! Attachment uploads (rows 44 to 47) and the signed storage URL (row 28) over real HTTP: the
//! single-PUT and multipart flows end to end, and every way a client can get them wrong.

mod common;

use chatenium_api::schemas::dm::AttachmentKind;
use chatenium_api::schemas::upload::*;
use chatenium_api::{
    CompleteAttachmentUpload, CompleteMultipartUpload, Endpoint, ErrorCode,
    RegisterAttachmentUploads, RegisterMultipartUpload,
};
use chatenium_server::clock::unix_now;
use chatenium_server::storage::Access;
use common::{assert_refused, As, TestServer, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

const PART: u64 = 64 * 1024;

fn file(name: &str, size: u64, mime: &str) -> FileMetadata {
    FileMetadata {
        name: name.into(),
        size,
        mime: mime.into(),
        width: None,
        height: None,
    }
}

fn random_bytes(length: u64) -> Vec<u8> {
    let mut bytes = vec![0u8; length as usize];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// `url` with query parameter `key` set to `value` (or removed, with `None`).
fn with_param(url: &str, key: &str, value: Option<&str>) -> String {
    let mut parsed = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != key)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut query = parsed.query_pairs_mut();
        query.clear();
        for (k, v) in &pairs {
            query.append_pair(k, v);
        }
        if let Some(value) = value {
            query.append_pair(key, value);
        }
    }
    parsed.to_string()
}

fn param(url: &str, key: &str) -> String {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

async fn register(
    server: &TestServer,
    user: &User,
    files: Vec<FileMetadata>,
) -> Vec<S3PresignedFileResponse> {
    server
        .call::<RegisterAttachmentUploads>(user.auth(), &(), &S3PresignedFileReq { files })
        .await
        .expect("registration")
}

async fn register_one(server: &TestServer, user: &User, size: u64) -> S3PresignedFileResponse {
    register(
        server,
        user,
        vec![file("data.bin", size, "application/octet-stream")],
    )
    .await
    .remove(0)
}

fn complete(file_id: &str) -> CompleteUploadReq {
    CompleteUploadReq {
        file_id: file_id.into(),
    }
}

/// Files and leftovers in the storage folders (temporary files included).
fn stored_names(server: &TestServer) -> Vec<String> {
    let root = server.server.state().storage.root().to_owned();
    ["files", "parts"]
        .iter()
        .flat_map(|folder| std::fs::read_dir(root.join(folder)).unwrap())
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test]
async fn a_single_put_upload_downloads_intact() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let photo = random_bytes(300_000);
    let notes = b"shopping list".to_vec();
    let mut photo_meta = file("Photo.JPG", photo.len() as u64, "image/jpeg");
    photo_meta.width = Some(640);
    photo_meta.height = Some(480);
    let registered = register(
        &server,
        &anna,
        vec![
            photo_meta,
            file("notes.txt", notes.len() as u64, "text/plain"),
        ],
    )
    .await;
    assert_eq!(registered.len(), 2);
    assert!(registered[0].expires_at > unix_now());
    for (upload, bytes) in registered.iter().zip([&photo, &notes]) {
        let etag = server
            .put_bytes(&upload.upload_url, bytes.clone())
            .await
            .unwrap();
        assert_eq!(etag, format!("\"{}\"", hex::encode(sha256(bytes))));
    }

    let attachment = server
        .call::<CompleteAttachmentUpload>(anna.auth(), &(), &complete(&registered[0].file_id))
        .await
        .unwrap();
    assert_eq!(attachment.file_id, registered[0].file_id);
    assert_eq!(attachment.file_name, "Photo.JPG");
    assert_eq!(attachment.format, "jpg");
    assert_eq!(attachment.kind, AttachmentKind::Image);
    assert_eq!(attachment.size, photo.len() as u64);
    assert_eq!(
        (attachment.width, attachment.height),
        (Some(640), Some(480))
    );
    let downloaded = server.get_bytes(&attachment.path).await.unwrap();
    assert_eq!(sha256(&downloaded), sha256(&photo));

    let text = server
        .call::<CompleteAttachmentUpload>(anna.auth(), &(), &complete(&registered[1].file_id))
        .await
        .unwrap();
    assert_eq!(text.kind, AttachmentKind::File);
    assert_eq!(server.get_bytes(&text.path).await.unwrap(), notes);

    // Completing again answers the same attachment: a client may retry.
    let again = server
        .call::<CompleteAttachmentUpload>(anna.auth(), &(), &complete(&registered[0].file_id))
        .await
        .unwrap();
    assert_eq!(again.file_id, attachment.file_id);
    // A complete file cannot be overwritten through its upload URL.
    assert_refused(
        server
            .put_bytes(&registered[0].upload_url, random_bytes(10))
            .await,
        ErrorCode::UploadNotFound,
    );
    assert_eq!(
        sha256(&server.get_bytes(&attachment.path).await.unwrap()),
        sha256(&photo)
    );
}

#[tokio::test]
async fn registration_refuses_bad_files() {
    let server = TestServer::start_with(|config| config.max_upload_bytes = 1024 * 1024).await;
    let anna = server.register("anna").await;
    let many = (0..11)
        .map(|i| file(&format!("{i}.txt"), 1, "text/plain"))
        .collect();
    let cases = [
        (vec![], ErrorCode::BadRequest),
        (many, ErrorCode::BadRequest),
        (vec![file("", 1, "text/plain")], ErrorCode::BadRequest),
        (vec![file("   ", 1, "text/plain")], ErrorCode::BadRequest),
        (vec![file("a.txt", 0, "text/plain")], ErrorCode::BadRequest),
        (vec![file("a.txt", 1, "not a mime")], ErrorCode::BadRequest),
        (
            vec![
                file("a.txt", 1, "text/plain"),
                file("b.bin", 1024 * 1024 + 1, "application/zip"),
            ],
            ErrorCode::UploadTooLarge,
        ),
    ];
    for (files, code) in cases {
        server
            .refused::<RegisterAttachmentUploads>(
                anna.auth(),
                &(),
                &S3PresignedFileReq { files },
                code,
            )
            .await;
    }
    for (meta, code) in [
        (
            file("big.iso", 1024 * 1024 + 1, "application/x-iso9660-image"),
            ErrorCode::UploadTooLarge,
        ),
        (
            file("empty.iso", 0, "application/x-iso9660-image"),
            ErrorCode::BadRequest,
        ),
        (
            file("", 10, "application/x-iso9660-image"),
            ErrorCode::BadRequest,
        ),
    ] {
        server
            .refused::<RegisterMultipartUpload>(
                anna.auth(),
                &(),
                &S3MultipartUploadReq { file: meta },
                code,
            )
            .await;
    }
    let one = S3PresignedFileReq {
        files: vec![file("a.txt", 1, "text/plain")],
    };
    server
        .refused::<RegisterAttachmentUploads>(As::default(), &(), &one, ErrorCode::Unauthorized)
        .await;
    for body in [
        &b"{}"[..],
        b"{\"files\": [{\"name\": \"a\"}]}",
        b"{\"files\": [{\"name\": \"a\", \"size\": -1, \"mime\": \"a/b\"}]}",
    ] {
        let (status, _) = server
            .raw(
                reqwest::Method::POST,
                RegisterAttachmentUploads::META.path,
                Some(&anna.token),
                body.to_vec(),
            )
            .await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(body));
    }
    // Nothing refused was registered.
    let registered: i64 = server
        .server
        .state()
        .db
        .call(|c| Ok(c.query_row("SELECT COUNT(*) FROM files", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(registered, 0);
}

#[tokio::test]
async fn tampered_or_expired_signed_urls_are_refused() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let first = register_one(&server, &anna, 100).await;
    let second = register_one(&server, &anna, 100).await;
    let url = &first.upload_url;
    let sig = param(url, "sig");
    let flipped = format!(
        "{}{}",
        &sig[..sig.len() - 1],
        if sig.ends_with('0') { '1' } else { '0' }
    );
    let expiry = (param(url, "expires").parse::<i64>().unwrap() + 3600).to_string();
    let expired = server
        .server
        .state()
        .storage
        .url(&first.file_id, Access::Upload, unix_now() - 1);
    let tampered = [
        with_param(url, "sig", Some(&flipped)),
        with_param(url, "sig", Some("not hex")),
        with_param(url, "sig", None),
        with_param(url, "fileID", Some(&second.file_id)),
        with_param(url, "expires", Some(&expiry)),
        with_param(url, "part", Some("1")),
        expired,
    ];
    for bad in tampered {
        let outcome = server.put_bytes(&bad, random_bytes(100)).await;
        assert_refused(outcome, ErrorCode::InvalidSignature);
    }
    // An upload URL is not a download URL.
    assert_refused(server.get_bytes(url).await, ErrorCode::InvalidSignature);
    // The real URL still works.
    server.put_bytes(url, random_bytes(100)).await.unwrap();
    let attachment = server
        .call::<CompleteAttachmentUpload>(anna.auth(), &(), &complete(&first.file_id))
        .await
        .unwrap();
    let stale_download =
        server
            .server
            .state()
            .storage
            .url(&first.file_id, Access::Download, unix_now() - 1);
    assert_refused(
        server.get_bytes(&stale_download).await,
        ErrorCode::InvalidSignature,
    );
    assert_refused(
        server.put_bytes(&attachment.path, random_bytes(100)).await,
        ErrorCode::InvalidSignature,
    );
}

#[tokio::test]
async fn a_put_larger_than_registered_is_refused_and_leaves_nothing() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let upload = register_one(&server, &anna, 1000).await;
    assert_refused(
        server
            .put_bytes(&upload.upload_url, random_bytes(1001))
            .await,
        ErrorCode::UploadTooLarge,
    );
    // Without a length announced, the server counts while it reads.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(vec![1; 600]), Ok(vec![2; 600])];
    let response = server
        .http
        .put(&upload.upload_url)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert!(
        stored_names(&server).is_empty(),
        "{:?}",
        stored_names(&server)
    );
    server
        .refused::<CompleteAttachmentUpload>(
            anna.auth(),
            &(),
            &complete(&upload.file_id),
            ErrorCode::UploadIncomplete,
        )
        .await;
    let bytes = random_bytes(1000);
    server
        .put_bytes(&upload.upload_url, bytes.clone())
        .await
        .unwrap();
    let attachment = server
        .call::<CompleteAttachmentUpload>(anna.auth(), &(), &complete(&upload.file_id))
        .await
        .unwrap();
    assert_eq!(server.get_bytes(&attachment.path).await.unwrap(), bytes);
}

#[tokio::test]
async fn completing_before_the_bytes_arrived_is_incomplete() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    let upload = register_one(&server, &anna, 1000).await;
    let request = complete(&upload.file_id);
    let incomplete = || {
        server.refused::<CompleteAttachmentUpload>(
            anna.auth(),
            &(),
            &request,
            ErrorCode::UploadIncomplete,
        )
    };
    incomplete().await;
    server
        .put_bytes(&upload.upload_url, random_bytes(500))
        .await
        .unwrap();
    incomplete().await;
    // A pending file is not downloadable.
    let early =
        server
            .server
            .state()
            .storage
            .url(&upload.file_id, Access::Download, unix_now() + 60);
    assert_refused(server.get_bytes(&early).await, ErrorCode::NotFound);
    // A second PUT replaces the first.
    server
        .put_bytes(&upload.upload_url, random_bytes(1000))
        .await
        .unwrap();
    server
        .call::<CompleteAttachmentUpload>(anna.auth(), &(), &complete(&upload.file_id))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_upload_belongs_to_its_uploader() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let upload = register_one(&server, &anna, 10).await;
    server
        .put_bytes(&upload.upload_url, random_bytes(10))
        .await
        .unwrap();
    for (who, file_id) in [
        (&bela, upload.file_id.as_str()),
        (&anna, "0123456789abcdef01234567"),
    ] {
        server
            .refused::<CompleteAttachmentUpload>(
                who.auth(),
                &(),
                &complete(file_id),
                ErrorCode::UploadNotFound,
            )
            .await;
    }
    server
        .refused::<CompleteAttachmentUpload>(
            As::default(),
            &(),
            &complete(&upload.file_id),
            ErrorCode::Unauthorized,
        )
        .await;
    // A single upload is not completed as a multipart one, nor the reverse.
    let finish = S3FinishMultiReq {
        file_id: upload.file_id.clone(),
        upload_id: "none".into(),
        parts: vec![],
    };
    server
        .refused::<CompleteMultipartUpload>(anna.auth(), &(), &finish, ErrorCode::UploadNotFound)
        .await;
    let multi = server
        .call::<RegisterMultipartUpload>(
            anna.auth(),
            &(),
            &S3MultipartUploadReq {
                file: file("m.bin", 10, "application/octet-stream"),
            },
        )
        .await
        .unwrap();
    server
        .refused::<CompleteAttachmentUpload>(
            anna.auth(),
            &(),
            &complete(&multi.file_id),
            ErrorCode::UploadNotFound,
        )
        .await;
    server
        .call::<CompleteAttachmentUpload>(anna.auth(), &(), &complete(&upload.file_id))
        .await
        .unwrap();
}

/// Registers a multipart upload of `bytes` with 64 KiB parts.
async fn register_multipart(
    server: &TestServer,
    user: &User,
    bytes: &[u8],
) -> S3PresignedMultiResp {
    server
        .call::<RegisterMultipartUpload>(
            user.auth(),
            &(),
            &S3MultipartUploadReq {
                file: file("video.mp4", bytes.len() as u64, "video/mp4"),
            },
        )
        .await
        .expect("multipart registration")
}

fn part_bytes(bytes: &[u8], part_number: u32) -> Vec<u8> {
    let start = (part_number as usize - 1) * PART as usize;
    let end = (start + PART as usize).min(bytes.len());
    bytes[start..end].to_vec()
}

#[tokio::test]
async fn a_multipart_upload_through_signed_urls_downloads_intact() {
    let server = TestServer::start_with(|config| config.multipart_part_size = PART).await;
    let anna = server.register("anna").await;
    let bytes = random_bytes(PART * 5 / 2);
    let upload = register_multipart(&server, &anna, &bytes).await;
    assert_eq!(upload.part_size, PART);
    let numbers: Vec<u32> = upload.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(numbers, [1, 2, 3]);

    // Parts travel at the same time, as a client sends them.
    let sends = upload.parts.iter().map(|part| async {
        let etag = server
            .put_bytes(&part.upload_url, part_bytes(&bytes, part.part_number))
            .await
            .unwrap();
        CompletedPart {
            part_number: part.part_number,
            etag,
        }
    });
    let mut completed = futures_util::future::join_all(sends).await;
    completed.reverse(); // The server orders them itself.
    let finish = S3FinishMultiReq {
        file_id: upload.file_id.clone(),
        upload_id: upload.upload_id.clone(),
        parts: completed,
    };
    let attachment = server
        .call::<CompleteMultipartUpload>(anna.auth(), &(), &finish)
        .await
        .unwrap();
    assert_eq!(attachment.size, bytes.len() as u64);
    assert_eq!(attachment.kind, AttachmentKind::Video);
    assert_eq!(attachment.format, "mp4");
    let downloaded = server.get_bytes(&attachment.path).await.unwrap();
    assert_eq!(sha256(&downloaded), sha256(&bytes));

    // The parts are gone; only the joined file is left.
    let storage = &server.server.state().storage;
    for part in 1..=3 {
        assert!(!storage.part_path(&upload.file_id, part).exists());
    }
    assert_eq!(stored_names(&server).len(), 1);
    // Completing again answers the same file; its part URLs no longer write.
    let again = server
        .call::<CompleteMultipartUpload>(anna.auth(), &(), &finish)
        .await
        .unwrap();
    assert_eq!(again.file_id, attachment.file_id);
    assert_refused(
        server
            .put_bytes(&upload.parts[0].upload_url, part_bytes(&bytes, 1))
            .await,
        ErrorCode::UploadNotFound,
    );
}

#[tokio::test]
async fn multipart_completion_checks_every_part() {
    let server = TestServer::start_with(|config| config.multipart_part_size = PART).await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let bytes = random_bytes(PART * 5 / 2);
    let upload = register_multipart(&server, &anna, &bytes).await;
    let url = |part: u32| upload.parts[part as usize - 1].upload_url.clone();
    let mut etags = vec![String::new(); 3];
    for part in [1, 3] {
        etags[part as usize - 1] = server
            .put_bytes(&url(part), part_bytes(&bytes, part))
            .await
            .unwrap();
    }
    let finish = |parts: Vec<(u32, String)>| S3FinishMultiReq {
        file_id: upload.file_id.clone(),
        upload_id: upload.upload_id.clone(),
        parts: parts
            .into_iter()
            .map(|(part_number, etag)| CompletedPart { part_number, etag })
            .collect(),
    };
    let all = |etags: &[String]| (1..=3).zip(etags.iter().cloned()).collect::<Vec<_>>();
    // Part 2 has not arrived.
    server
        .refused::<CompleteMultipartUpload>(
            anna.auth(),
            &(),
            &finish(all(&etags)),
            ErrorCode::UploadIncomplete,
        )
        .await;
    // The last part may not be longer than what is left of the file.
    assert_refused(
        server.put_bytes(&url(3), random_bytes(PART)).await,
        ErrorCode::UploadTooLarge,
    );
    // A short middle part arrives but does not complete the file.
    etags[1] = server
        .put_bytes(&url(2), random_bytes(PART - 1))
        .await
        .unwrap();
    server
        .refused::<CompleteMultipartUpload>(
            anna.auth(),
            &(),
            &finish(all(&etags)),
            ErrorCode::UploadIncomplete,
        )
        .await;
    etags[1] = server
        .put_bytes(&url(2), part_bytes(&bytes, 2))
        .await
        .unwrap();

    let mut wrong_etag = all(&etags);
    wrong_etag[1].1 = etags[0].clone();
    let mut missing = all(&etags);
    missing.pop();
    let mut doubled = all(&etags);
    doubled[2] = doubled[1].clone();
    for parts in [wrong_etag, missing, doubled] {
        server
            .refused::<CompleteMultipartUpload>(
                anna.auth(),
                &(),
                &finish(parts),
                ErrorCode::BadRequest,
            )
            .await;
    }
    let mut other_upload = finish(all(&etags));
    other_upload.upload_id = "0123456789abcdef01234567".into();
    server
        .refused::<CompleteMultipartUpload>(
            anna.auth(),
            &(),
            &other_upload,
            ErrorCode::UploadNotFound,
        )
        .await;
    server
        .refused::<CompleteMultipartUpload>(
            bela.auth(),
            &(),
            &finish(all(&etags)),
            ErrorCode::UploadNotFound,
        )
        .await;

    // ETags are accepted quoted, as the PUT answered them, or bare.
    let mut bare = all(&etags);
    bare[0].1 = bare[0].1.trim_matches('"').to_owned();
    let attachment = server
        .call::<CompleteMultipartUpload>(anna.auth(), &(), &finish(bare))
        .await
        .unwrap();
    assert_eq!(
        sha256(&server.get_bytes(&attachment.path).await.unwrap()),
        sha256(&bytes)
    );
}

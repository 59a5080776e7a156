//! Attachment uploads (rows 44 to 47, with the signed storage URL of row 28): a single PUT and
//! a multipart upload, each completed into an attachment that a message carries and the
//! partner downloads intact.

use chatenium_api::schemas::dm::{AttachmentKind, GetMessagesQuery, SendMessageReq};
use chatenium_api::schemas::upload::*;
use chatenium_api::{
    CompleteAttachmentUpload, CompleteMultipartUpload, DmGetMessages, DmSendMessage, ErrorCode,
    RegisterAttachmentUploads, RegisterMultipartUpload,
};

use crate::common::coverage::{client_key, World};

/// Multipart parts this small keep the test quick; the flow is the same as with 8 MiB.
const PART_SIZE: u64 = 64 * 1024;

pub fn configure(config: &mut chatenium_server::Config) {
    config.multipart_part_size = PART_SIZE;
}

fn bytes(seed: u8, length: usize) -> Vec<u8> {
    (0..length)
        .map(|i| (i as u32).wrapping_mul(u32::from(seed) + 7) as u8 ^ seed)
        .collect()
}

pub async fn flow(world: &World) {
    let (api, rec) = (&world.api, &world.rec);
    let anna = world.user("uploads.anna").await;
    let bela = world.user("uploads.bela").await;
    let chatid = world.befriend(&anna, &bela).await;

    // Rows 44, 28 and 45: one PUT.
    let notes = bytes(1, 30_000);
    let registered = rec
        .ok::<RegisterAttachmentUploads>(
            &anna.session,
            &(),
            &S3PresignedFileReq {
                files: vec![FileMetadata {
                    name: "notes.txt".into(),
                    size: notes.len() as u64,
                    mime: "text/plain".into(),
                    width: None,
                    height: None,
                }],
            },
        )
        .await;
    let [single] = registered.as_slice() else {
        panic!("one upload URL: {registered:?}");
    };
    let complete = CompleteUploadReq {
        file_id: single.file_id.clone(),
    };
    rec.refused::<CompleteAttachmentUpload>(
        &anna.session,
        &(),
        &complete,
        ErrorCode::UploadIncomplete,
    )
    .await;
    rec.put_signed(api, &single.upload_url, notes.clone()).await;
    let note = rec
        .ok::<CompleteAttachmentUpload>(&anna.session, &(), &complete)
        .await;
    assert_eq!(
        (
            note.file_name.as_str(),
            note.format.as_str(),
            note.size,
            note.kind
        ),
        ("notes.txt", "txt", notes.len() as u64, AttachmentKind::File)
    );
    assert_eq!(api.get_signed(&note.path).await.unwrap(), notes);

    // Rows 46, 28 and 47: three parts, the last one short, each PUT to its own URL.
    let video = bytes(2, (PART_SIZE * 2 + PART_SIZE / 2) as usize);
    let multipart = rec
        .ok::<RegisterMultipartUpload>(
            &anna.session,
            &(),
            &S3MultipartUploadReq {
                file: FileMetadata {
                    name: "clip.mp4".into(),
                    size: video.len() as u64,
                    mime: "video/mp4".into(),
                    width: Some(640),
                    height: Some(360),
                },
            },
        )
        .await;
    assert_eq!(multipart.part_size, PART_SIZE);
    let numbers: Vec<u32> = multipart.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    let mut done = Vec::new();
    for (part, chunk) in multipart.parts.iter().zip(video.chunks(PART_SIZE as usize)) {
        let etag = rec.put_signed(api, &part.upload_url, chunk.to_vec()).await;
        done.push(CompletedPart {
            part_number: part.part_number,
            etag,
        });
    }
    let clip = rec
        .ok::<CompleteMultipartUpload>(
            &anna.session,
            &(),
            &S3FinishMultiReq {
                file_id: multipart.file_id.clone(),
                upload_id: multipart.upload_id.clone(),
                parts: done,
            },
        )
        .await;
    assert_eq!(
        (clip.file_name.as_str(), clip.size, clip.kind),
        ("clip.mp4", video.len() as u64, AttachmentKind::Video)
    );
    assert_eq!(api.get_signed(&clip.path).await.unwrap(), video);

    // Both go out with a message; Bela downloads what Anna uploaded.
    let message = rec
        .ok::<DmSendMessage>(
            &anna.session,
            &(),
            &SendMessageReq {
                chatid: chatid.clone(),
                message: "the notes and the clip".into(),
                reply_to_id: None,
                file_ids: vec![note.file_id.clone(), clip.file_id.clone()],
                client_key: client_key(),
            },
        )
        .await;
    assert_eq!(message.files.len(), 2);
    let page = GetMessagesQuery {
        chatid,
        from: None,
        limit: None,
        after: None,
    };
    let received = rec.ok::<DmGetMessages>(&bela.session, &page, &()).await;
    let carried = received
        .iter()
        .find(|m| m.msgid == message.msgid)
        .expect("Bela has the message");
    let files: Vec<&str> = carried.files.iter().map(|f| f.file_id.as_str()).collect();
    assert_eq!(files, [note.file_id.as_str(), clip.file_id.as_str()]);
    assert_eq!(api.get_signed(&carried.files[0].path).await.unwrap(), notes);
    assert_eq!(api.get_signed(&carried.files[1].path).await.unwrap(), video);
}

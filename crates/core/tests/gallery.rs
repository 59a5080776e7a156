//! Picture galleries through the core, against the real local server: feeds page, own actions
//! and another user's likes and comments reach an open feed as diffs, and picture bytes go
//! through the disk cache (a hit makes no request).

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chatenium_api::schemas::pictures::{
    Comment, EditPictureReq, NewPicture, Picture, UploadPicturesReq,
};
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::{RegisterPictureUploads, UploadPictures};
use chatenium_core::api::ApiClient;
use chatenium_core::diff::ListDiff;
use chatenium_core::gallery::cache::{HttpMediaSource, MediaCache, MediaSource};
use chatenium_core::gallery::{GalleryFeedKey, GalleryItem};
use chatenium_core::{Client, ClientError, CoreEvent};
use common::{client, register, wait_for, wait_online, LocalServer};
use tokio::sync::broadcast;

/// A small PNG whose colour is `seed`: the server reads every upload as an image.
fn png(seed: u8) -> Vec<u8> {
    let pixels = image::RgbImage::from_pixel(400, 300, image::Rgb([seed, 255 - seed, 7]));
    let mut bytes = Vec::new();
    pixels
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// Uploads `count` pictures as `owner` (register, PUT, make pictures), into `album_id`.
async fn upload(owner: &Client, count: u8, album_id: Option<String>) -> Vec<Picture> {
    let images: Vec<Vec<u8>> = (0..count).map(png).collect();
    let files = images
        .iter()
        .enumerate()
        .map(|(i, bytes)| FileMetadata {
            name: format!("picture-{i}.png"),
            size: bytes.len() as u64,
            mime: "image/png".into(),
            width: Some(400),
            height: Some(300),
        })
        .collect();
    let uploads = owner
        .session()
        .call::<RegisterPictureUploads>(&(), &S3PresignedFileReq { files })
        .await
        .unwrap();
    let http = reqwest::Client::new();
    for (upload, bytes) in uploads.iter().zip(images) {
        let put = http.put(&upload.upload_url).body(bytes).send().await;
        assert!(put.unwrap().status().is_success());
    }
    let pictures = uploads
        .iter()
        .map(|u| NewPicture {
            file_id: u.file_id.clone(),
            title: None,
            description: None,
        })
        .collect();
    owner
        .session()
        .call::<UploadPictures>(&(), &UploadPicturesReq { album_id, pictures })
        .await
        .unwrap()
}

/// What the window would show: the open feeds and comment threads, rebuilt from their
/// snapshots and every diff after them.
#[derive(Default)]
struct Views {
    feeds: HashMap<GalleryFeedKey, Vec<GalleryItem>>,
    threads: HashMap<String, Vec<Comment>>,
}

impl Views {
    fn feed(&self, key: &GalleryFeedKey) -> &[GalleryItem] {
        self.feeds.get(key).map(Vec::as_slice).unwrap_or_default()
    }

    fn thread(&self, picture_id: &str) -> &[Comment] {
        self.threads
            .get(picture_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Applies every gallery event until `done` holds.
    async fn until(
        &mut self,
        events: &mut broadcast::Receiver<CoreEvent>,
        done: impl Fn(&Views) -> bool,
    ) {
        while !done(self) {
            let event = wait_for(events, |e| {
                matches!(
                    e,
                    CoreEvent::GalleryFeed { .. } | CoreEvent::GalleryComments { .. }
                )
            })
            .await;
            match event {
                CoreEvent::GalleryFeed { feed, diff } => {
                    if let Some(list) = self.feeds.get_mut(&feed) {
                        diff.apply(list);
                    }
                }
                CoreEvent::GalleryComments { picture_id, diff } => {
                    if let Some(list) = self.threads.get_mut(&picture_id) {
                        diff.apply(list);
                    }
                }
                _ => {}
            }
        }
    }
}

async fn two_users(dir: &std::path::Path) -> (LocalServer, Client, Client) {
    let server = LocalServer::start("127.0.0.1:0".parse().unwrap(), &dir.join("server"));
    let api = ApiClient::new(server.base_url()).unwrap();
    let (ann, bob) = (register(&api, "ann").await, register(&api, "bob").await);
    let ann = client(&server.base_url(), &ann, &dir.join("ann.db")).await;
    let bob = client(&server.base_url(), &bob, &dir.join("bob.db")).await;
    wait_online(&ann).await;
    wait_online(&bob).await;
    (server, ann, bob)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_likes_and_comments_change_the_open_feed_by_diffs() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, ann, bob) = two_users(dir.path()).await;
    let picture = upload(&ann, 1, None).await.remove(0);
    let id = picture.picture_id.clone();

    let feed = GalleryFeedKey::Unsorted {
        userid: ann.userid().to_owned(),
    };
    let mut events = ann.events();
    let mut anns = Views::default();
    let shown = ann.open_gallery_feed(feed.clone(), 10).await.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!((shown[0].likes, shown[0].comment_count), (0, Some(0)));
    anns.feeds.insert(feed.clone(), shown);
    let thread = ann.open_comments(&id).await.unwrap();
    assert!(thread.is_empty());
    anns.threads.insert(id.clone(), thread);

    // Bob sees his own like in his open feed of Ann's pictures, by a diff too.
    let of_ann = GalleryFeedKey::Creator {
        userid: ann.userid().to_owned(),
    };
    let mut bobs_events = bob.events();
    let mut bobs = Views::default();
    let bobs_view = bob.open_gallery_feed(of_ann.clone(), 10).await.unwrap();
    bobs.feeds.insert(of_ann.clone(), bobs_view);
    bob.like_picture(&id, true).await.unwrap();
    bobs.until(&mut bobs_events, |v| {
        v.feed(&of_ann)[0].liked == Some(true) && v.feed(&of_ann)[0].likes == 1
    })
    .await;

    let comment = bob.post_comment(&id, "Lovely light").await.unwrap();
    anns.until(&mut events, |v| {
        let shown = &v.feed(&feed)[0];
        shown.likes == 1
            && shown.comment_count == Some(1)
            && v.thread(&id).iter().any(|c| c.content == "Lovely light")
    })
    .await;
    assert_eq!(
        anns.feed(&feed)[0].liked,
        Some(false),
        "as Ann sees it: she does not like it"
    );

    bob.edit_comment(&comment.comment_id, "Lovely light!")
        .await
        .unwrap();
    anns.until(&mut events, |v| {
        let t = v.thread(&id);
        t.len() == 1 && t[0].content == "Lovely light!" && t[0].is_edited
    })
    .await;
    bob.delete_comment(&id, &comment.comment_id).await.unwrap();
    anns.until(&mut events, |v| {
        v.thread(&id).is_empty() && v.feed(&feed)[0].comment_count == Some(0)
    })
    .await;
    // What the diffs built is what the feed holds.
    assert_eq!(
        Some(anns.feed(&feed).to_vec()),
        ann.gallery_feed_snapshot(&feed)
    );

    ann.delete_picture(&id).await.unwrap();
    anns.until(&mut events, |v| v.feed(&feed).is_empty()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_creator_feed_pages_and_albums_follow_edits() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, ann, _bob) = two_users(dir.path()).await;
    let userid = ann.userid().to_owned();
    let mut albums = ann.open_albums(&userid).await.unwrap();
    let mut events = ann.events();
    let album = ann.create_album("Trips", None).await.unwrap();
    let diff = wait_for(&mut events, |e| {
        matches!(e, CoreEvent::GalleryAlbums { .. })
    })
    .await;
    if let CoreEvent::GalleryAlbums { diff, .. } = diff {
        diff.apply(&mut albums);
    }
    assert_eq!(albums, vec![album.clone()]);

    let mut uploaded = upload(&ann, 3, None).await;
    uploaded.extend(upload(&ann, 2, Some(album.album_id.clone())).await);
    let mut newest_first: Vec<String> = uploaded.iter().map(|p| p.picture_id.clone()).collect();
    newest_first.reverse();

    // Five pictures, two a page: three pages.
    let creator = GalleryFeedKey::Creator {
        userid: userid.clone(),
    };
    let mut shown = ann.open_gallery_feed(creator.clone(), 2).await.unwrap();
    assert_eq!(shown.len(), 2);
    let mut pages = 1;
    while ann.load_more_gallery(&creator) {
        pages += 1;
        let event = wait_for(&mut events, |e| matches!(e, CoreEvent::GalleryFeed { .. })).await;
        let CoreEvent::GalleryFeed { diff, .. } = event else {
            unreachable!()
        };
        assert!(matches!(diff, ListDiff::Append { .. }));
        diff.apply(&mut shown);
    }
    assert_eq!(pages, 3);
    assert!(!ann.gallery_has_more(&creator));
    let ids: Vec<String> = shown.iter().map(|i| i.picture_id.clone()).collect();
    assert_eq!(ids, newest_first);

    // Choosing the album's older picture as its cover: the open album list shows it.
    let chosen = ann
        .edit_album(&album.album_id, None, None, Some(newest_first[1].clone()))
        .await
        .unwrap();
    assert_eq!(chosen.cover_picture_id.as_ref(), Some(&newest_first[1]));
    wait_for(&mut events, |e| {
        matches!(e, CoreEvent::GalleryAlbums { diff: ListDiff::Set { item, .. }, .. }
            if item.cover_picture_id.as_ref() == Some(&newest_first[1]))
    })
    .await;

    // Moving the newest picture out of the album: it leaves the album's feed and enters the
    // unsorted one, first.
    let in_album = GalleryFeedKey::Album {
        userid: userid.clone(),
        album_id: album.album_id.clone(),
    };
    let unsorted = GalleryFeedKey::Unsorted {
        userid: userid.clone(),
    };
    let mut views = Views::default();
    let album_view = ann.open_gallery_feed(in_album.clone(), 10).await.unwrap();
    let unsorted_view = ann.open_gallery_feed(unsorted.clone(), 10).await.unwrap();
    assert_eq!((album_view.len(), unsorted_view.len()), (2, 3));
    views.feeds.insert(in_album.clone(), album_view);
    views.feeds.insert(unsorted.clone(), unsorted_view);
    ann.edit_picture(EditPictureReq {
        picture_id: newest_first[0].clone(),
        title: Some("Harbour".into()),
        description: None,
        move_to_album: true,
        album_id: None,
    })
    .await
    .unwrap();
    views
        .until(&mut events, |v| {
            let unsorted = v.feed(&unsorted);
            v.feed(&in_album).len() == 1
                && unsorted.len() == 4
                && unsorted[0].title.as_deref() == Some("Harbour")
        })
        .await;

    // Deleting the album leaves its last picture in no album.
    ann.delete_album(&album.album_id).await.unwrap();
    views
        .until(&mut events, |v| {
            v.feed(&unsorted).len() == 5 && v.feed(&in_album).is_empty()
        })
        .await;
}

/// The HTTP source, counting what reaches the network.
struct Counted {
    inner: HttpMediaSource,
    requests: AtomicUsize,
}

#[async_trait::async_trait]
impl MediaSource for Counted {
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, ClientError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.inner.fetch(url).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnails_come_through_the_cache_and_a_hit_makes_no_request() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, ann, _bob) = two_users(dir.path()).await;
    let picture = upload(&ann, 1, None).await.remove(0);
    let feed = GalleryFeedKey::Unsorted {
        userid: ann.userid().to_owned(),
    };
    let shown = ann.open_gallery_feed(feed, 10).await.unwrap();
    let source = Arc::new(Counted {
        inner: HttpMediaSource::new().unwrap(),
        requests: AtomicUsize::new(0),
    });
    let cache = MediaCache::open(dir.path().join("media"), 1 << 20, source.clone()).unwrap();

    // The grid asks for the narrowest width the server made.
    assert_eq!(shown[0].thumbnail_widths.first(), Some(&320));
    let width = 300;
    let first = ann
        .picture_media(&cache, &picture.picture_id, width)
        .await
        .unwrap()
        .expect("the picture is served");
    assert!(first.mime.starts_with("image/"));
    assert_eq!(source.requests.load(Ordering::SeqCst), 1);
    let again = ann
        .picture_media(&cache, &picture.picture_id, width)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(source.requests.load(Ordering::SeqCst), 1);
    // The original is another file; an unknown picture is no request and no bytes.
    let original = ann
        .picture_media(&cache, &picture.picture_id, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(original.mime, "image/png");
    assert_eq!(source.requests.load(Ordering::SeqCst), 2);
    assert_eq!(ann.picture_media(&cache, "ffff", 320).await.unwrap(), None);
    assert_eq!(source.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_picture_reports_progress_enters_its_album_and_reaches_a_follower() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, ann, bob) = two_users(dir.path()).await;
    let album = ann.create_album("Trips", None).await.unwrap();
    let album_feed = GalleryFeedKey::Album {
        userid: ann.userid().to_owned(),
        album_id: album.album_id.clone(),
    };
    let creator_feed = GalleryFeedKey::Creator {
        userid: ann.userid().to_owned(),
    };
    assert!(ann
        .open_gallery_feed(album_feed.clone(), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        ann.open_albums(ann.userid()).await.unwrap()[0].picture_count,
        0
    );
    bob.follow_creator(ann.userid(), true).await.unwrap();
    assert!(bob
        .open_gallery_feed(creator_feed.clone(), 10)
        .await
        .unwrap()
        .is_empty());
    let mut ann_events = ann.events();
    let mut bob_events = bob.events();

    let path = dir.path().join("trip.png");
    std::fs::write(&path, png(40)).unwrap();
    let cancel = chatenium_core::uploads::CancelUpload::new();
    let made = ann
        .upload_picture(&path, Some(album.album_id.clone()), "upload-1", &cancel)
        .await
        .unwrap();
    assert_eq!(made.album_id.as_deref(), Some(album.album_id.as_str()));
    assert_eq!((made.width, made.height), (Some(400), Some(300)));

    // Progress under the caller's id, ending done; the picture in the open album feed.
    wait_for(&mut ann_events, |e| {
        matches!(e, CoreEvent::Upload { progress } if progress.id == "upload-1"
            && progress.state == chatenium_core::uploads::UploadState::Done)
    })
    .await;
    assert_eq!(
        ann.gallery_feed_snapshot(&album_feed).unwrap(),
        vec![made.clone()]
    );
    // The open album list counts it (only the server counts).
    wait_for(&mut ann_events, |e| {
        matches!(e, CoreEvent::GalleryAlbums { diff: ListDiff::Set { item, .. }, .. }
            if item.album_id == album.album_id && item.picture_count == 1)
    })
    .await;
    // The follower's open creator feed gets it live.
    let mut views = Views::default();
    views.feeds.insert(creator_feed.clone(), Vec::new());
    views
        .until(&mut bob_events, |v| v.feed(&creator_feed).len() == 1)
        .await;
    assert_eq!(views.feed(&creator_feed)[0].picture_id, made.picture_id);

    // A cancelled upload answers so, and makes no picture.
    let cancelled = chatenium_core::uploads::CancelUpload::new();
    cancelled.cancel();
    let refused = ann
        .upload_picture(&path, None, "upload-2", &cancelled)
        .await;
    assert!(
        matches!(refused, Err(ClientError::Cancelled)),
        "{refused:?}"
    );
    assert_eq!(ann.gallery_feed_snapshot(&album_feed).unwrap().len(), 1);
}

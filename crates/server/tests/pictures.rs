//! Picture galleries (rows 80 to 97) over real HTTP against a real SQLite file: uploading and
//! downloading pictures, likes, discovery, comments, albums, creators, who may do what, bad
//! input, and deleting an account that has a gallery.

mod common;

use chatenium_api::schemas::account::DeleteAccountReq;
use chatenium_api::schemas::pictures::*;
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::*;
use common::gallery::{image_bytes, new_picture, png};
use common::{assert_refused, As, TestServer, User};

const GALLERY_GROUPS: [Group; 4] = [
    Group::PicturesCreator,
    Group::Pictures,
    Group::PictureComments,
    Group::PictureAlbum,
];

fn pictures_of(user: &User, album_id: Option<&str>) -> PicturesQuery {
    PicturesQuery {
        userid: user.userid.clone(),
        album_id: album_id.map(str::to_owned),
    }
}

fn creator(user: &User) -> CreatorQuery {
    CreatorQuery {
        userid: user.userid.clone(),
    }
}

fn picture_id(picture: &Picture) -> PictureIdReq {
    PictureIdReq {
        picture_id: picture.picture_id.clone(),
    }
}

fn like(picture: &Picture, like: bool) -> LikePictureReq {
    LikePictureReq {
        picture_id: picture.picture_id.clone(),
        like,
    }
}

fn ids(pictures: &[Picture]) -> Vec<&str> {
    pictures.iter().map(|p| p.picture_id.as_str()).collect()
}

fn preview_ids(previews: &[Preview]) -> Vec<&str> {
    previews.iter().map(|p| p.picture_id.as_str()).collect()
}

/// An edit that changes nothing, to fill in.
fn edit(picture: &Picture) -> EditPictureReq {
    EditPictureReq {
        picture_id: picture.picture_id.clone(),
        title: None,
        description: None,
        move_to_album: false,
        album_id: None,
    }
}

async fn gallery(server: &TestServer, viewer: &User, of: &User) -> Vec<Picture> {
    server
        .call::<GetPictures>(viewer.auth(), &pictures_of(of, None), &())
        .await
        .expect("the pictures in no album")
}

async fn create_album(server: &TestServer, owner: &User, name: &str) -> Album {
    server
        .call::<CreateAlbum>(
            owner.auth(),
            &(),
            &CreateAlbumReq {
                name: name.into(),
                description: None,
            },
        )
        .await
        .expect("the album is created")
}

async fn comment(server: &TestServer, author: &User, picture: &Picture, text: &str) -> Comment {
    server
        .call::<PostComment>(
            author.auth(),
            &(),
            &PostCommentReq {
                picture_id: picture.picture_id.clone(),
                content: text.into(),
            },
        )
        .await
        .expect("the comment is posted")
}

#[tokio::test]
async fn uploaded_pictures_download_intact_in_the_creators_gallery() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let first = image_bytes(1, 70_000);
    let second = image_bytes(2, 1234);

    // Row 85 registers; the client PUTs the bytes to the signed URLs.
    let registered = server
        .call::<RegisterPictureUploads>(
            anna.auth(),
            &(),
            &S3PresignedFileReq {
                files: vec![
                    png("first.png", first.len() as u64),
                    png("second.png", second.len() as u64),
                ],
            },
        )
        .await
        .unwrap();
    assert_eq!(registered.len(), 2);
    let upload = |album_id: Option<&str>, pictures: Vec<NewPicture>| UploadPicturesReq {
        album_id: album_id.map(str::to_owned),
        pictures,
    };
    let both = || {
        vec![
            NewPicture {
                title: Some("  Sunrise ".into()),
                description: Some("Over the lake\nat six".into()),
                ..new_picture(&registered[0].file_id)
            },
            new_picture(&registered[1].file_id),
        ]
    };
    // Not all bytes yet: nothing is made, not even the first picture.
    server
        .put_bytes(&registered[0].upload_url, first.clone())
        .await
        .unwrap();
    server
        .refused::<UploadPictures>(
            anna.auth(),
            &(),
            &upload(None, both()),
            ErrorCode::UploadIncomplete,
        )
        .await;
    assert_eq!(gallery(&server, &anna, &anna).await, vec![]);
    server
        .put_bytes(&registered[1].upload_url, second.clone())
        .await
        .unwrap();
    // Another user cannot make pictures of anna's uploads.
    server
        .refused::<UploadPictures>(
            bela.auth(),
            &(),
            &upload(None, both()),
            ErrorCode::UploadNotFound,
        )
        .await;

    let made = server
        .call::<UploadPictures>(anna.auth(), &(), &upload(None, both()))
        .await
        .unwrap();
    assert_eq!(made.len(), 2);
    let (sunrise, untitled) = (&made[0], &made[1]);
    assert_eq!(sunrise.owner, anna.userid);
    assert_eq!(sunrise.title.as_deref(), Some("Sunrise"));
    assert_eq!(
        sunrise.description.as_deref(),
        Some("Over the lake\nat six")
    );
    // The size is measured, not the client's claim (800x600): the noise PNG is 64 wide.
    let measured = image::load_from_memory(&first).unwrap();
    assert_eq!(
        (sunrise.width, sunrise.height),
        (Some(measured.width()), Some(measured.height()))
    );
    assert!(sunrise.has_thumbnail);
    assert_eq!(
        (sunrise.likes, sunrise.liked, sunrise.comment_count),
        (0, false, 0)
    );
    assert_eq!(sunrise.album_id, None);
    assert_eq!(untitled.title, None);
    assert!(untitled.uploaded_at > sunrise.uploaded_at);
    assert_eq!(server.get_bytes(&sunrise.path).await.unwrap(), first);
    assert_eq!(server.get_bytes(&untitled.path).await.unwrap(), second);

    // Any signed-in user sees the gallery, the newest first, with URLs that work for them.
    let seen = gallery(&server, &bela, &anna).await;
    assert_eq!(ids(&seen), vec![&untitled.picture_id, &sunrise.picture_id]);
    assert_eq!(server.get_bytes(&seen[1].path).await.unwrap(), first);
    assert_eq!(gallery(&server, &anna, &bela).await, vec![]);

    // A retry answers the same pictures and makes no new ones.
    let again = server
        .call::<UploadPictures>(anna.auth(), &(), &upload(None, both()))
        .await
        .unwrap();
    assert_eq!(ids(&again), ids(&made));
    assert_eq!(gallery(&server, &anna, &anna).await.len(), 2);
}

#[tokio::test]
async fn picture_uploads_take_only_images_within_the_limits() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let register = |files: Vec<FileMetadata>| S3PresignedFileReq { files };
    let pdf = FileMetadata {
        mime: "application/pdf".into(),
        ..png("doc.pdf", 10)
    };
    let many = (0..21).map(|i| png(&format!("{i}.png"), 10)).collect();
    let twenty = (0..20).map(|i| png(&format!("{i}.png"), 10)).collect();
    for (files, code) in [
        (vec![], ErrorCode::BadRequest),
        (many, ErrorCode::BadRequest),
        (vec![png("a.png", 10), pdf], ErrorCode::BadRequest),
        (vec![png("empty.png", 0)], ErrorCode::BadRequest),
        (
            vec![png("huge.png", 20 * 1024 * 1024 + 1)],
            ErrorCode::UploadTooLarge,
        ),
    ] {
        server
            .refused::<RegisterPictureUploads>(anna.auth(), &(), &register(files), code)
            .await;
    }
    let accepted = server
        .call::<RegisterPictureUploads>(anna.auth(), &(), &register(twenty))
        .await
        .unwrap();
    assert_eq!(accepted.len(), 20);

    // A complete upload that is not an image cannot become a picture.
    let text = server
        .call::<RegisterAttachmentUploads>(
            anna.auth(),
            &(),
            &register(vec![FileMetadata {
                mime: "text/plain".into(),
                ..png("notes.txt", 4)
            }]),
        )
        .await
        .unwrap()
        .remove(0);
    server
        .put_bytes(&text.upload_url, b"text".to_vec())
        .await
        .unwrap();
    let files = server.put_images(&anna, &[image_bytes(3, 100)]).await;
    let upload = |album_id: Option<&str>, pictures: Vec<NewPicture>| UploadPicturesReq {
        album_id: album_id.map(str::to_owned),
        pictures,
    };
    let belas_album = create_album(&server, &bela, "Bela's").await;
    let long_title = NewPicture {
        title: Some("t".repeat(101)),
        ..new_picture(&files[0])
    };
    let control_title = NewPicture {
        title: Some("a\u{0}b".into()),
        ..new_picture(&files[0])
    };
    for (request, code) in [
        (upload(None, vec![]), ErrorCode::BadRequest),
        (
            upload(None, vec![new_picture(&text.file_id)]),
            ErrorCode::BadRequest,
        ),
        (
            upload(None, vec![new_picture(&files[0]), new_picture(&files[0])]),
            ErrorCode::BadRequest,
        ),
        (upload(None, vec![long_title]), ErrorCode::BadRequest),
        (upload(None, vec![control_title]), ErrorCode::BadRequest),
        (
            upload(None, vec![new_picture("no-such-file")]),
            ErrorCode::UploadNotFound,
        ),
        (
            upload(Some("no-such-album"), vec![new_picture(&files[0])]),
            ErrorCode::NotFound,
        ),
        (
            upload(Some(&belas_album.album_id), vec![new_picture(&files[0])]),
            ErrorCode::Forbidden,
        ),
    ] {
        server
            .refused::<UploadPictures>(anna.auth(), &(), &request, code)
            .await;
    }
    assert_eq!(gallery(&server, &anna, &anna).await, vec![]);
    assert_eq!(
        server
            .call::<UploadPictures>(
                anna.auth(),
                &(),
                &upload(None, vec![new_picture(&files[0])])
            )
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_like_counts_once_per_user() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let picture = server
        .picture(&anna, None, "Cat", image_bytes(4, 500))
        .await;

    for _ in 0..2 {
        let liked = server
            .call::<LikePicture>(bela.auth(), &(), &like(&picture, true))
            .await
            .unwrap();
        assert_eq!((liked.likes, liked.liked), (1, true));
    }
    let liked = server
        .call::<LikePicture>(cili.auth(), &(), &like(&picture, true))
        .await
        .unwrap();
    assert_eq!((liked.likes, liked.liked), (2, true));
    // Each viewer sees whether they like it.
    let seen_by_anna = gallery(&server, &anna, &anna).await.remove(0);
    assert_eq!((seen_by_anna.likes, seen_by_anna.liked), (2, false));
    let seen_by_bela = gallery(&server, &bela, &anna).await.remove(0);
    assert_eq!((seen_by_bela.likes, seen_by_bela.liked), (2, true));

    for _ in 0..2 {
        let unliked = server
            .call::<LikePicture>(bela.auth(), &(), &like(&picture, false))
            .await
            .unwrap();
        assert_eq!((unliked.likes, unliked.liked), (1, false));
    }
    let unliked = server
        .call::<LikePicture>(cili.auth(), &(), &like(&picture, false))
        .await
        .unwrap();
    assert_eq!((unliked.likes, unliked.liked), (0, false));

    let unknown = LikePictureReq {
        picture_id: "no-such-picture".into(),
        like: true,
    };
    server
        .refused::<LikePicture>(bela.auth(), &(), &unknown, ErrorCode::NotFound)
        .await;
}

#[tokio::test]
async fn only_the_owner_edits_and_deletes_a_picture() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let picture = server
        .picture(&anna, None, "Draft", image_bytes(5, 300))
        .await;
    let album = create_album(&server, &anna, "Holiday").await;
    let belas_album = create_album(&server, &bela, "Bela's").await;

    let retitled = server
        .call::<EditPicture>(
            anna.auth(),
            &(),
            &EditPictureReq {
                title: Some("Final".into()),
                description: Some("Taken in May".into()),
                ..edit(&picture)
            },
        )
        .await
        .unwrap();
    assert_eq!(retitled.title.as_deref(), Some("Final"));
    assert_eq!(retitled.description.as_deref(), Some("Taken in May"));
    assert_eq!(retitled.uploaded_at, picture.uploaded_at);

    // Fields it does not carry stay; "" clears one.
    let cleared = server
        .call::<EditPicture>(
            anna.auth(),
            &(),
            &EditPictureReq {
                description: Some(String::new()),
                ..edit(&picture)
            },
        )
        .await
        .unwrap();
    assert_eq!(cleared.title.as_deref(), Some("Final"));
    assert_eq!(cleared.description, None);

    // Into the album and out again.
    let moved = server
        .call::<EditPicture>(
            anna.auth(),
            &(),
            &EditPictureReq {
                move_to_album: true,
                album_id: Some(album.album_id.clone()),
                ..edit(&picture)
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.album_id.as_deref(), Some(album.album_id.as_str()));
    assert_eq!(gallery(&server, &anna, &anna).await, vec![]);
    let in_album = server
        .call::<GetPictures>(bela.auth(), &pictures_of(&anna, Some(&album.album_id)), &())
        .await
        .unwrap();
    assert_eq!(ids(&in_album), vec![&picture.picture_id]);
    let out = server
        .call::<EditPicture>(
            anna.auth(),
            &(),
            &EditPictureReq {
                move_to_album: true,
                album_id: None,
                ..edit(&picture)
            },
        )
        .await
        .unwrap();
    assert_eq!(out.album_id, None);
    assert_eq!(
        ids(&gallery(&server, &anna, &anna).await),
        vec![&picture.picture_id]
    );

    for (who, request, code) in [
        (
            &bela,
            EditPictureReq {
                title: Some("Mine now".into()),
                ..edit(&picture)
            },
            ErrorCode::Forbidden,
        ),
        (
            &anna,
            EditPictureReq {
                album_id: Some(album.album_id.clone()),
                ..edit(&picture)
            },
            ErrorCode::BadRequest,
        ),
        (
            &anna,
            EditPictureReq {
                move_to_album: true,
                album_id: Some(belas_album.album_id.clone()),
                ..edit(&picture)
            },
            ErrorCode::Forbidden,
        ),
        (
            &anna,
            EditPictureReq {
                move_to_album: true,
                album_id: Some("no-such-album".into()),
                ..edit(&picture)
            },
            ErrorCode::NotFound,
        ),
        (
            &anna,
            EditPictureReq {
                title: Some("x".repeat(101)),
                ..edit(&picture)
            },
            ErrorCode::BadRequest,
        ),
        (
            &anna,
            EditPictureReq {
                picture_id: "no-such-picture".into(),
                ..edit(&picture)
            },
            ErrorCode::NotFound,
        ),
    ] {
        server
            .refused::<EditPicture>(who.auth(), &(), &request, code)
            .await;
    }
    let unchanged = gallery(&server, &anna, &anna).await.remove(0);
    assert_eq!(unchanged.title.as_deref(), Some("Final"));

    // Deleting takes its likes and comments.
    server
        .call::<LikePicture>(bela.auth(), &(), &like(&picture, true))
        .await
        .unwrap();
    comment(&server, &bela, &picture, "Nice").await;
    server
        .refused::<DeletePicture>(
            bela.auth(),
            &(),
            &picture_id(&picture),
            ErrorCode::Forbidden,
        )
        .await;
    server
        .call::<DeletePicture>(anna.auth(), &(), &picture_id(&picture))
        .await
        .unwrap();
    assert_eq!(gallery(&server, &bela, &anna).await, vec![]);
    for table in ["picture_likes", "picture_comments"] {
        let query = format!("SELECT COUNT(*) FROM {table} WHERE picture_id = ?1");
        assert_eq!(
            server.count(&query, &[&picture.picture_id]).await,
            0,
            "{table}"
        );
    }
    server
        .refused::<DeletePicture>(anna.auth(), &(), &picture_id(&picture), ErrorCode::NotFound)
        .await;
    server
        .refused::<GetComments>(
            anna.auth(),
            &PictureQuery {
                picture_id: picture.picture_id.clone(),
            },
            &(),
            ErrorCode::NotFound,
        )
        .await;
}

#[tokio::test]
async fn discovery_shows_recent_and_most_liked_pictures_of_participants() {
    let server = TestServer::start().await;
    let [anna, bela, cili, dora] = server.users(["anna", "bela", "cili", "dora"]).await;
    let old = server
        .picture(&anna, None, "Old", image_bytes(6, 100))
        .await;
    let middle = server
        .picture(&bela, None, "Middle", image_bytes(7, 100))
        .await;
    let album = create_album(&server, &cili, "Cili's").await;
    let new = server
        .picture(&cili, Some(&album.album_id), "New", image_bytes(8, 100))
        .await;
    // old: 3 likes, new: 1 like, middle: none.
    for fan in [&bela, &cili, &dora] {
        server
            .call::<LikePicture>(fan.auth(), &(), &like(&old, true))
            .await
            .unwrap();
    }
    server
        .call::<LikePicture>(dora.auth(), &(), &like(&new, true))
        .await
        .unwrap();

    let seen = server
        .call::<PictureDiscovery>(dora.auth(), &(), &())
        .await
        .unwrap();
    assert_eq!(
        preview_ids(&seen.recent),
        vec![&new.picture_id, &middle.picture_id, &old.picture_id]
    );
    assert_eq!(
        preview_ids(&seen.most_liked),
        vec![&old.picture_id, &new.picture_id]
    );
    let top = &seen.most_liked[0];
    assert_eq!(top.likes, 3);
    assert_eq!(top.author.userid, anna.userid);
    assert_eq!(top.author.username, "anna");
    assert_eq!(top.uploaded_at, old.uploaded_at);
    assert_eq!(
        server.get_bytes(&top.path).await.unwrap(),
        image_bytes(6, 100)
    );

    // A creator who opts out never appears; opting in again brings the pictures back.
    let participate = |participate| ToggleDiscoveryParticipationReq { participate };
    server
        .call::<ToggleDiscoveryParticipation>(anna.auth(), &(), &participate(false))
        .await
        .unwrap();
    let details = server
        .call::<CreatorDetails>(dora.auth(), &creator(&anna), &())
        .await
        .unwrap();
    assert!(!details.discovery_participation);
    let seen = server
        .call::<PictureDiscovery>(anna.auth(), &(), &())
        .await
        .unwrap();
    assert_eq!(
        preview_ids(&seen.recent),
        vec![&new.picture_id, &middle.picture_id]
    );
    assert_eq!(preview_ids(&seen.most_liked), vec![&new.picture_id]);
    // Opting out hides from discovery only: the gallery stays public.
    assert_eq!(
        ids(&gallery(&server, &dora, &anna).await),
        vec![&old.picture_id]
    );

    server
        .call::<ToggleDiscoveryParticipation>(anna.auth(), &(), &participate(true))
        .await
        .unwrap();
    let seen = server
        .call::<PictureDiscovery>(dora.auth(), &(), &())
        .await
        .unwrap();
    assert_eq!(seen.recent.len(), 3);
    assert_eq!(
        preview_ids(&seen.most_liked),
        vec![&old.picture_id, &new.picture_id]
    );
}

#[tokio::test]
async fn comments_are_edited_by_their_author_and_deleted_by_author_or_owner() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let picture = server
        .picture(&anna, None, "Lake", image_bytes(9, 100))
        .await;
    let query = PictureQuery {
        picture_id: picture.picture_id.clone(),
    };

    let post = |content: String| PostCommentReq {
        picture_id: picture.picture_id.clone(),
        content,
    };
    for content in [
        String::new(),
        "   ".into(),
        "x".repeat(2001),
        "a\u{7}b".into(),
    ] {
        server
            .refused::<PostComment>(bela.auth(), &(), &post(content), ErrorCode::BadRequest)
            .await;
    }
    server
        .refused::<PostComment>(
            bela.auth(),
            &(),
            &PostCommentReq {
                picture_id: "no-such-picture".into(),
                content: "Hi".into(),
            },
            ErrorCode::NotFound,
        )
        .await;

    let first = comment(&server, &bela, &picture, " Lovely!\nWhere is it? ").await;
    assert_eq!(first.content, "Lovely!\nWhere is it?");
    assert_eq!(first.author.userid, bela.userid);
    assert_eq!(first.picture_id, picture.picture_id);
    assert!(!first.is_edited);
    let reply = comment(&server, &anna, &picture, "Lake Balaton").await;
    let long = comment(&server, &cili, &picture, &"y".repeat(2000)).await;
    let listed = server
        .call::<GetComments>(cili.auth(), &query, &())
        .await
        .unwrap();
    assert_eq!(listed, vec![first.clone(), reply.clone(), long.clone()]);
    assert_eq!(gallery(&server, &cili, &anna).await[0].comment_count, 3);

    // Only the author edits, even on the owner's own picture.
    let edit = |comment: &Comment, content: &str| EditCommentReq {
        comment_id: comment.comment_id.clone(),
        content: content.into(),
    };
    server
        .refused::<EditComment>(
            anna.auth(),
            &(),
            &edit(&first, "Spam"),
            ErrorCode::NotAuthor,
        )
        .await;
    server
        .refused::<EditComment>(bela.auth(), &(), &edit(&first, " "), ErrorCode::BadRequest)
        .await;
    server
        .refused::<EditComment>(
            bela.auth(),
            &(),
            &EditCommentReq {
                comment_id: "no-such-comment".into(),
                content: "Hi".into(),
            },
            ErrorCode::NotFound,
        )
        .await;
    let edited = server
        .call::<EditComment>(bela.auth(), &(), &edit(&first, "Lovely!"))
        .await
        .unwrap();
    assert_eq!(edited.content, "Lovely!");
    assert!(edited.is_edited);
    assert_eq!(edited.posted_at, first.posted_at);

    // Deleting: a third user may not; the author and the picture's owner may.
    let delete = |comment: &Comment| CommentIdReq {
        comment_id: comment.comment_id.clone(),
    };
    server
        .refused::<DeleteComment>(cili.auth(), &(), &delete(&first), ErrorCode::Forbidden)
        .await;
    server
        .refused::<DeleteComment>(bela.auth(), &(), &delete(&reply), ErrorCode::Forbidden)
        .await;
    server
        .call::<DeleteComment>(anna.auth(), &(), &delete(&first))
        .await
        .unwrap();
    server
        .call::<DeleteComment>(cili.auth(), &(), &delete(&long))
        .await
        .unwrap();
    server
        .refused::<DeleteComment>(cili.auth(), &(), &delete(&long), ErrorCode::NotFound)
        .await;
    let left = server
        .call::<GetComments>(bela.auth(), &query, &())
        .await
        .unwrap();
    assert_eq!(left, vec![reply]);
    assert_eq!(gallery(&server, &bela, &anna).await[0].comment_count, 1);
}

#[tokio::test]
async fn albums_count_their_pictures_and_show_the_newest_as_cover() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;

    for name in ["", "   ", &"n".repeat(65), "tab\there"] {
        server
            .refused::<CreateAlbum>(
                anna.auth(),
                &(),
                &CreateAlbumReq {
                    name: name.into(),
                    description: None,
                },
                ErrorCode::InvalidName,
            )
            .await;
    }
    let summer = server
        .call::<CreateAlbum>(
            anna.auth(),
            &(),
            &CreateAlbumReq {
                name: " Summer ".into(),
                description: Some("By the sea".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(summer.name, "Summer");
    assert_eq!(summer.description.as_deref(), Some("By the sea"));
    assert_eq!(summer.owner, anna.userid);
    assert_eq!((summer.picture_count, summer.cover.clone()), (0, None));
    let winter = create_album(&server, &anna, "Winter").await;

    let beach = server
        .picture(&anna, Some(&summer.album_id), "Beach", image_bytes(10, 200))
        .await;
    let sunset = server
        .picture(
            &anna,
            Some(&summer.album_id),
            "Sunset",
            image_bytes(11, 200),
        )
        .await;
    let loose = server
        .picture(&anna, None, "Loose", image_bytes(12, 200))
        .await;

    let albums = server
        .call::<GetAlbums>(bela.auth(), &creator(&anna), &())
        .await
        .unwrap();
    let names: Vec<&str> = albums.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["Winter", "Summer"]);
    assert_eq!(
        (albums[0].picture_count, albums[0].cover.clone()),
        (0, None)
    );
    assert_eq!(albums[1].picture_count, 2);
    let cover = albums[1].cover.as_deref().expect("a cover");
    assert_eq!(server.get_bytes(cover).await.unwrap(), image_bytes(11, 200));
    assert_eq!(
        albums[1].cover_picture_id.as_ref(),
        Some(&sunset.picture_id)
    );
    let in_summer = server
        .call::<GetPictures>(
            bela.auth(),
            &pictures_of(&anna, Some(&summer.album_id)),
            &(),
        )
        .await
        .unwrap();
    assert_eq!(ids(&in_summer), vec![&sunset.picture_id, &beach.picture_id]);
    assert_eq!(
        ids(&gallery(&server, &bela, &anna).await),
        vec![&loose.picture_id]
    );
    // An album is read through its own creator's gallery only.
    server
        .refused::<GetPictures>(
            anna.auth(),
            &pictures_of(&bela, Some(&summer.album_id)),
            &(),
            ErrorCode::NotFound,
        )
        .await;

    // Editing: the owner only, with the same name rules.
    let rename = |album: &Album, name: Option<&str>, description: Option<&str>| EditAlbumReq {
        album_id: album.album_id.clone(),
        name: name.map(str::to_owned),
        description: description.map(str::to_owned),
        cover_picture_id: None,
    };
    for (who, request, code) in [
        (
            &bela,
            rename(&summer, Some("Mine"), None),
            ErrorCode::Forbidden,
        ),
        (
            &anna,
            rename(&summer, Some(" "), None),
            ErrorCode::InvalidName,
        ),
        (
            &anna,
            EditAlbumReq {
                album_id: "no-such-album".into(),
                ..rename(&summer, Some("X"), None)
            },
            ErrorCode::NotFound,
        ),
    ] {
        server
            .refused::<EditAlbum>(who.auth(), &(), &request, code)
            .await;
    }
    let renamed = server
        .call::<EditAlbum>(
            anna.auth(),
            &(),
            &rename(&summer, Some("Summer 2026"), None),
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Summer 2026");
    assert_eq!(renamed.description.as_deref(), Some("By the sea"));
    assert_eq!(renamed.picture_count, 2);
    let cleared = server
        .call::<EditAlbum>(anna.auth(), &(), &rename(&summer, None, Some("")))
        .await
        .unwrap();
    assert_eq!(
        (cleared.name.as_str(), cleared.description),
        ("Summer 2026", None)
    );

    // Deleting: the owner only; the pictures move to "no album".
    let delete = |album: &Album| AlbumIdReq {
        album_id: album.album_id.clone(),
    };
    server
        .refused::<DeleteAlbum>(bela.auth(), &(), &delete(&summer), ErrorCode::Forbidden)
        .await;
    server
        .call::<DeleteAlbum>(anna.auth(), &(), &delete(&summer))
        .await
        .unwrap();
    server
        .refused::<DeleteAlbum>(anna.auth(), &(), &delete(&summer), ErrorCode::NotFound)
        .await;
    let loose_now = gallery(&server, &bela, &anna).await;
    assert_eq!(
        ids(&loose_now),
        vec![&loose.picture_id, &sunset.picture_id, &beach.picture_id]
    );
    assert!(loose_now.iter().all(|p| p.album_id.is_none()));
    let albums = server
        .call::<GetAlbums>(anna.auth(), &creator(&anna), &())
        .await
        .unwrap();
    assert_eq!(albums, vec![winter]);
    server
        .refused::<GetAlbums>(
            anna.auth(),
            &CreatorQuery {
                userid: "nobody".into(),
            },
            &(),
            ErrorCode::NotFound,
        )
        .await;
}

fn choose_cover(album: &Album, picture: &Picture) -> EditAlbumReq {
    EditAlbumReq {
        album_id: album.album_id.clone(),
        name: None,
        description: None,
        cover_picture_id: Some(picture.picture_id.clone()),
    }
}

/// The album as its owner's gallery lists it now.
async fn album_now(server: &TestServer, viewer: &User, album: &Album) -> Album {
    server
        .call::<GetAlbums>(viewer.auth(), &creator(viewer), &())
        .await
        .expect("the albums")
        .into_iter()
        .find(|a| a.album_id == album.album_id)
        .expect("the album is listed")
}

#[tokio::test]
async fn the_owner_chooses_a_cover_that_falls_back_to_the_newest() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let summer = create_album(&server, &anna, "Summer").await;
    let winter = create_album(&server, &anna, "Winter").await;
    let beach = server
        .picture(&anna, Some(&summer.album_id), "Beach", image_bytes(20, 200))
        .await;
    let dunes = server
        .picture(&anna, Some(&summer.album_id), "Dunes", image_bytes(21, 200))
        .await;
    let sunset = server
        .picture(
            &anna,
            Some(&summer.album_id),
            "Sunset",
            image_bytes(22, 200),
        )
        .await;
    let snow = server
        .picture(&anna, Some(&winter.album_id), "Snow", image_bytes(23, 200))
        .await;
    let loose = server
        .picture(&anna, None, "Loose", image_bytes(24, 200))
        .await;
    let belas = bela_album_picture(&server, &bela).await;

    // Only the owner chooses, and only a picture of theirs in that album.
    for (who, request, code) in [
        (&bela, choose_cover(&summer, &beach), ErrorCode::Forbidden),
        (&anna, choose_cover(&summer, &snow), ErrorCode::NotInAlbum),
        (&anna, choose_cover(&summer, &loose), ErrorCode::NotInAlbum),
        (&anna, choose_cover(&summer, &belas), ErrorCode::Forbidden),
        (
            &anna,
            EditAlbumReq {
                cover_picture_id: Some("no-such-picture".into()),
                ..choose_cover(&summer, &beach)
            },
            ErrorCode::NotFound,
        ),
    ] {
        server
            .refused::<EditAlbum>(who.auth(), &(), &request, code)
            .await;
    }
    assert_eq!(
        album_now(&server, &anna, &summer).await.cover_picture_id,
        Some(sunset.picture_id.clone())
    );

    // Chosen: the album shows it, to others too, whatever is uploaded after it.
    let chosen = server
        .call::<EditAlbum>(anna.auth(), &(), &choose_cover(&summer, &beach))
        .await
        .unwrap();
    assert_eq!(chosen.cover_picture_id.as_ref(), Some(&beach.picture_id));
    assert_eq!(chosen.name, "Summer");
    let cover = chosen.cover.as_deref().expect("a cover");
    assert_eq!(server.get_bytes(cover).await.unwrap(), image_bytes(20, 200));
    let shells = server
        .picture(
            &anna,
            Some(&summer.album_id),
            "Shells",
            image_bytes(25, 200),
        )
        .await;
    let seen_by_bela = server
        .call::<GetAlbums>(bela.auth(), &creator(&anna), &())
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.album_id == summer.album_id)
        .expect("the album is listed");
    assert_eq!(
        seen_by_bela.cover_picture_id.as_ref(),
        Some(&beach.picture_id)
    );

    // Moved out: the newest again, and moving it back does not bring the choice back.
    let move_to = |picture: &Picture, album: &Album| EditPictureReq {
        move_to_album: true,
        album_id: Some(album.album_id.clone()),
        ..edit(picture)
    };
    server
        .call::<EditPicture>(anna.auth(), &(), &move_to(&beach, &winter))
        .await
        .unwrap();
    assert_eq!(
        album_now(&server, &anna, &summer).await.cover_picture_id,
        Some(shells.picture_id.clone())
    );
    server
        .call::<EditPicture>(anna.auth(), &(), &move_to(&beach, &summer))
        .await
        .unwrap();
    assert_eq!(
        album_now(&server, &anna, &summer).await.cover_picture_id,
        Some(shells.picture_id.clone())
    );

    // Deleted: the newest again.
    server
        .call::<EditAlbum>(anna.auth(), &(), &choose_cover(&summer, &dunes))
        .await
        .unwrap();
    server
        .call::<DeletePicture>(anna.auth(), &(), &picture_id(&dunes))
        .await
        .unwrap();
    let after_delete = album_now(&server, &anna, &summer).await;
    assert_eq!(
        after_delete.cover_picture_id,
        Some(shells.picture_id.clone())
    );
    let cover = after_delete.cover.as_deref().expect("a cover");
    assert_eq!(server.get_bytes(cover).await.unwrap(), image_bytes(25, 200));
}

/// A picture in an album of `bela`'s.
async fn bela_album_picture(server: &TestServer, bela: &User) -> Picture {
    let album = create_album(server, bela, "Bela's").await;
    server
        .picture(bela, Some(&album.album_id), "Bela's", image_bytes(26, 200))
        .await
}

#[tokio::test]
async fn creators_are_followed_once_and_show_their_counts() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let album = create_album(&server, &anna, "Trips").await;
    server
        .picture(&anna, Some(&album.album_id), "One", image_bytes(13, 50))
        .await;
    server
        .picture(&anna, None, "Two", image_bytes(14, 50))
        .await;

    let details = server
        .call::<CreatorDetails>(bela.auth(), &creator(&anna), &())
        .await
        .unwrap();
    assert_eq!(details.user.userid, anna.userid);
    assert_eq!(details.user.display_name, "anna display");
    assert_eq!((details.album_count, details.picture_count), (1, 2));
    assert_eq!((details.followers, details.following), (0, false));
    assert!(details.discovery_participation);

    let follow = |user: &User, follow| UnOrFollowCreatorReq {
        userid: user.userid.clone(),
        follow,
    };
    for _ in 0..2 {
        let followed = server
            .call::<FollowCreator>(bela.auth(), &(), &follow(&anna, true))
            .await
            .unwrap();
        assert_eq!((followed.followers, followed.following), (1, true));
        assert_eq!(followed.user.userid, anna.userid);
    }
    let followed = server
        .call::<FollowCreator>(cili.auth(), &(), &follow(&anna, true))
        .await
        .unwrap();
    assert_eq!((followed.followers, followed.following), (2, true));
    let seen_by_anna = server
        .call::<CreatorDetails>(anna.auth(), &creator(&anna), &())
        .await
        .unwrap();
    assert_eq!((seen_by_anna.followers, seen_by_anna.following), (2, false));

    for _ in 0..2 {
        let unfollowed = server
            .call::<FollowCreator>(bela.auth(), &(), &follow(&anna, false))
            .await
            .unwrap();
        assert_eq!((unfollowed.followers, unfollowed.following), (1, false));
    }

    server
        .refused::<FollowCreator>(
            anna.auth(),
            &(),
            &follow(&anna, true),
            ErrorCode::BadRequest,
        )
        .await;
    let nobody = UnOrFollowCreatorReq {
        userid: "nobody".into(),
        follow: true,
    };
    server
        .refused::<FollowCreator>(anna.auth(), &(), &nobody, ErrorCode::NotFound)
        .await;
    server
        .refused::<CreatorDetails>(
            anna.auth(),
            &CreatorQuery {
                userid: "nobody".into(),
            },
            &(),
            ErrorCode::NotFound,
        )
        .await;
    server
        .refused::<GetPictures>(
            anna.auth(),
            &PicturesQuery {
                userid: "nobody".into(),
                album_id: None,
            },
            &(),
            ErrorCode::NotFound,
        )
        .await;
}

fn reqwest_method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
    }
}

fn gallery_endpoints() -> Vec<&'static EndpointMeta> {
    ENDPOINTS
        .iter()
        .filter(|meta| GALLERY_GROUPS.contains(&meta.group))
        .collect()
}

#[tokio::test]
async fn every_gallery_endpoint_needs_a_token() {
    let server = TestServer::start().await;
    let endpoints = gallery_endpoints();
    let numbers: Vec<u8> = endpoints.iter().map(|meta| meta.number).collect();
    assert_eq!(numbers, (80..=97).collect::<Vec<u8>>());
    for meta in endpoints {
        for token in [None, Some("not-a-token")] {
            let (status, body) = server
                .raw(
                    reqwest_method(meta.method),
                    meta.path,
                    token,
                    b"{}".to_vec(),
                )
                .await;
            let error: ErrorBody = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                (status, error.error),
                (401, ErrorCode::Unauthorized),
                "{}",
                meta.name
            );
        }
    }
    // The typed client agrees for one of them.
    server
        .refused::<PictureDiscovery>(As::default(), &(), &(), ErrorCode::Unauthorized)
        .await;
}

#[tokio::test]
async fn bad_bodies_and_queries_are_bad_requests() {
    let server = TestServer::start().await;
    let anna = server.register("anna").await;
    for meta in gallery_endpoints() {
        let method = reqwest_method(meta.method);
        if meta.body == Payload::Json {
            // Every gallery body has a required field, so `{}` is as bad as garbage.
            for body in [
                &b"{}"[..],
                b"not json",
                b"[1, 2]",
                b"{\"pictureId\": 5, \"albumId\": [], \"userid\": false}",
            ] {
                let (status, response) = server
                    .raw(method.clone(), meta.path, Some(&anna.token), body.to_vec())
                    .await;
                let error: ErrorBody = serde_json::from_slice(&response).unwrap();
                assert_eq!(
                    (status, error.error),
                    (400, ErrorCode::BadRequest),
                    "{} with {}",
                    meta.name,
                    String::from_utf8_lossy(body)
                );
            }
        }
        if meta.query == Payload::Json {
            // Every gallery query names a creator or a picture.
            let (status, response) = server
                .raw(method, meta.path, Some(&anna.token), Vec::new())
                .await;
            let error: ErrorBody = serde_json::from_slice(&response).unwrap();
            assert_eq!(
                (status, error.error),
                (400, ErrorCode::BadRequest),
                "{} without its query",
                meta.name
            );
        }
    }
    // Numbers where text belongs, and a like that is not a boolean.
    let (status, _) = server
        .raw(
            reqwest::Method::PATCH,
            LikePicture::META.path,
            Some(&anna.token),
            br#"{"pictureId": "p", "like": "yes"}"#.to_vec(),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn deleting_an_account_takes_its_gallery_and_its_marks_on_others() {
    let server = TestServer::start().await;
    let [anna, bela] = server.users(["anna", "bela"]).await;
    let album = create_album(&server, &anna, "Mine").await;
    let annas = server
        .picture(&anna, Some(&album.album_id), "Anna's", image_bytes(15, 400))
        .await;
    let belas = server
        .picture(&bela, None, "Bela's", image_bytes(16, 400))
        .await;
    // Anna follows, likes and comments on Bela's; Bela does the same to Anna's.
    for (who, target, picture) in [(&anna, &bela, &belas), (&bela, &anna, &annas)] {
        server
            .call::<FollowCreator>(
                who.auth(),
                &(),
                &UnOrFollowCreatorReq {
                    userid: target.userid.clone(),
                    follow: true,
                },
            )
            .await
            .unwrap();
        server
            .call::<LikePicture>(who.auth(), &(), &like(picture, true))
            .await
            .unwrap();
        comment(&server, who, picture, "Nice one").await;
    }
    let kept_comment = comment(&server, &bela, &belas, "Thanks").await;

    server
        .call::<DeleteAccount>(
            anna.auth(),
            &(),
            &DeleteAccountReq {
                password: Some(anna.password.clone()),
                challenge_id: None,
            },
        )
        .await
        .unwrap();

    // Bela's picture lost Anna's like and comment; Bela lost a follower.
    let seen = gallery(&server, &bela, &bela).await.remove(0);
    assert_eq!((seen.likes, seen.comment_count), (0, 1));
    let left = server
        .call::<GetComments>(
            bela.auth(),
            &PictureQuery {
                picture_id: belas.picture_id.clone(),
            },
            &(),
        )
        .await
        .unwrap();
    assert_eq!(left, vec![kept_comment]);
    let details = server
        .call::<CreatorDetails>(bela.auth(), &creator(&bela), &())
        .await
        .unwrap();
    assert_eq!(details.followers, 0);
    // Anna's gallery is gone, bytes included.
    server
        .refused::<CreatorDetails>(bela.auth(), &creator(&anna), &(), ErrorCode::NotFound)
        .await;
    server
        .refused::<LikePicture>(bela.auth(), &(), &like(&annas, true), ErrorCode::NotFound)
        .await;
    assert_refused(server.get_bytes(&annas.path).await, ErrorCode::NotFound);
    let discovered = server
        .call::<PictureDiscovery>(bela.auth(), &(), &())
        .await
        .unwrap();
    assert_eq!(preview_ids(&discovered.recent), vec![&belas.picture_id]);
    for (query, value) in [
        (
            "SELECT COUNT(*) FROM pictures WHERE owner = ?1",
            &anna.userid,
        ),
        ("SELECT COUNT(*) FROM albums WHERE owner = ?1", &anna.userid),
        (
            "SELECT COUNT(*) FROM creator_follows WHERE follower = ?1 OR creator = ?1",
            &anna.userid,
        ),
        (
            "SELECT COUNT(*) FROM picture_likes WHERE user_id = ?1",
            &anna.userid,
        ),
        (
            "SELECT COUNT(*) FROM picture_comments WHERE author = ?1",
            &anna.userid,
        ),
        (
            "SELECT COUNT(*) FROM picture_comments WHERE picture_id = ?1",
            &annas.picture_id,
        ),
    ] {
        assert_eq!(server.count(query, &[value]).await, 0, "{query}");
    }
}

#[tokio::test]
async fn a_followed_creators_new_picture_reaches_the_followers_live() {
    let server = TestServer::start().await;
    let [anna, bela, cili] = server.users(["anna", "bela", "cili"]).await;
    let follow = UnOrFollowCreatorReq {
        userid: anna.userid.clone(),
        follow: true,
    };
    server
        .call::<FollowCreator>(bela.auth(), &(), &follow)
        .await
        .unwrap();
    let [mut bela_socket, mut cili_socket, mut anna_elsewhere] =
        server.sockets([&bela, &cili, &anna]).await;

    let made = server
        .picture(&anna, None, "New", image_bytes(21, 40))
        .await;

    let expected = vec![chatenium_api::ws::ServerEvent::PictureChanged(made)];
    assert_eq!(bela_socket.drain().await, expected);
    // The creator's other connections hear of it too; one who does not follow does not.
    assert_eq!(anna_elsewhere.drain().await, expected);
    assert_eq!(cili_socket.drain().await, vec![]);
}

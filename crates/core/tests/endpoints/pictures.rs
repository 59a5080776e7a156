//! The picture gallery: pictures (rows 83 to 89), creators (80 to 82), comments (90 to 93) and
//! albums (94 to 97). Uploaded pictures download intact; a like is counted once; a creator who
//! opts out of discovery disappears from it; a follow shows in the creator's details.

use chatenium_api::schemas::pictures::*;
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::{
    CreateAlbum, CreatorDetails, DeleteAlbum, DeleteComment, DeletePicture, EditAlbum, EditComment,
    EditPicture, ErrorCode, FollowCreator, GetAlbums, GetComments, GetPictures, LikePicture,
    PictureDiscovery, PostComment, RegisterPictureUploads, ToggleDiscoveryParticipation,
    UploadPictures,
};

use crate::common::coverage::{User, World};

/// A PNG of noise that differs with `seed`, of about `length` bytes: the server reads every
/// picture as an image, so the bytes must be one.
fn image(seed: u8, length: usize) -> Vec<u8> {
    const WIDTH: u32 = 32;
    let height = (length as u32 / 3).div_ceil(WIDTH).max(1);
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761).max(1);
    let pixels = image::RgbImage::from_fn(WIDTH, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut bytes = Vec::new();
    pixels
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("a PNG is encoded");
    bytes
}

async fn pictures_in(
    world: &World,
    viewer: &User,
    owner: &User,
    album_id: Option<&str>,
) -> Vec<Picture> {
    let query = PicturesQuery {
        userid: owner.id().to_owned(),
        album_id: album_id.map(str::to_owned),
    };
    world
        .rec
        .ok::<GetPictures>(&viewer.session, &query, &())
        .await
}

fn ids(pictures: &[Picture]) -> Vec<&str> {
    pictures.iter().map(|p| p.picture_id.as_str()).collect()
}

pub async fn flow(world: &World) {
    let (api, rec) = (&world.api, &world.rec);
    let anna = world.user("pictures.anna").await;
    let bela = world.user("pictures.bela").await;

    // Rows 85, 28 and 84: two images up to their signed URLs, registered as pictures, one into
    // a new album (row 94).
    let images = [image(1, 5_000), image(2, 7_000)];
    let files = images
        .iter()
        .enumerate()
        .map(|(i, bytes)| FileMetadata {
            name: format!("photo-{i}.png"),
            size: bytes.len() as u64,
            mime: "image/png".into(),
            width: Some(800),
            height: Some(600),
        })
        .collect();
    let uploads = rec
        .ok::<RegisterPictureUploads>(&anna.session, &(), &S3PresignedFileReq { files })
        .await;
    assert_eq!(uploads.len(), 2);
    for (upload, bytes) in uploads.iter().zip(&images) {
        rec.put_signed(api, &upload.upload_url, bytes.clone()).await;
    }
    let album = rec
        .ok::<CreateAlbum>(
            &anna.session,
            &(),
            &CreateAlbumReq {
                name: "Balaton".into(),
                description: None,
            },
        )
        .await;
    assert_eq!((album.name.as_str(), album.picture_count), ("Balaton", 0));
    let new_picture = |i: usize, title: &str| NewPicture {
        file_id: uploads[i].file_id.clone(),
        title: Some(title.into()),
        description: None,
    };
    let loose = rec
        .ok::<UploadPictures>(
            &anna.session,
            &(),
            &UploadPicturesReq {
                album_id: None,
                pictures: vec![new_picture(0, "Sunrise")],
            },
        )
        .await
        .remove(0);
    let in_album = rec
        .ok::<UploadPictures>(
            &anna.session,
            &(),
            &UploadPicturesReq {
                album_id: Some(album.album_id.clone()),
                pictures: vec![new_picture(1, "Pier")],
            },
        )
        .await
        .remove(0);
    assert_eq!(in_album.album_id.as_deref(), Some(album.album_id.as_str()));

    // Row 83: Bela sees each where it belongs, and downloads it intact.
    let outside = pictures_in(world, &bela, &anna, None).await;
    assert_eq!(ids(&outside), [loose.picture_id.as_str()]);
    assert_eq!(api.get_signed(&outside[0].path).await.unwrap(), images[0]);
    let inside = pictures_in(world, &bela, &anna, Some(&album.album_id)).await;
    assert_eq!(ids(&inside), [in_album.picture_id.as_str()]);
    assert_eq!(api.get_signed(&inside[0].path).await.unwrap(), images[1]);

    // Rows 95 and 97: the album counts its picture and shows it as cover; edited, it says so.
    let of_anna = CreatorQuery {
        userid: anna.id().to_owned(),
    };
    let albums = rec.ok::<GetAlbums>(&bela.session, &of_anna, &()).await;
    let [listed] = albums.as_slice() else {
        panic!("one album: {albums:?}");
    };
    assert_eq!(listed.picture_count, 1);
    let cover = listed.cover.as_deref().expect("a cover");
    assert_eq!(api.get_signed(cover).await.unwrap(), images[1]);
    let edited = rec
        .ok::<EditAlbum>(
            &anna.session,
            &(),
            &EditAlbumReq {
                album_id: album.album_id.clone(),
                name: Some("Balaton 2025".into()),
                description: Some("summer".into()),
                cover_picture_id: None,
            },
        )
        .await;
    assert_eq!(
        (edited.name.as_str(), edited.description.as_deref()),
        ("Balaton 2025", Some("summer"))
    );
    let albums = rec.ok::<GetAlbums>(&bela.session, &of_anna, &()).await;
    assert_eq!(albums[0].name, "Balaton 2025");

    // Row 87: retitled and moved into the album.
    let moved = rec
        .ok::<EditPicture>(
            &anna.session,
            &(),
            &EditPictureReq {
                picture_id: loose.picture_id.clone(),
                title: Some("Sunrise at the lake".into()),
                description: None,
                move_to_album: true,
                album_id: Some(album.album_id.clone()),
            },
        )
        .await;
    assert_eq!(moved.title.as_deref(), Some("Sunrise at the lake"));
    assert_eq!(pictures_in(world, &bela, &anna, None).await, []);
    let inside = pictures_in(world, &bela, &anna, Some(&album.album_id)).await;
    assert_eq!(inside.len(), 2);

    // Row 88: a like is counted once however often it is sent, and can be taken back.
    let like = |like: bool| LikePictureReq {
        picture_id: loose.picture_id.clone(),
        like,
    };
    for _ in 0..2 {
        let liked = rec.ok::<LikePicture>(&bela.session, &(), &like(true)).await;
        assert_eq!((liked.likes, liked.liked), (1, true));
    }

    // Row 89: both pictures are recent; the liked one leads the most liked.
    let seen = rec.ok::<PictureDiscovery>(&bela.session, &(), &()).await;
    let recent: Vec<&str> = seen.recent.iter().map(|p| p.picture_id.as_str()).collect();
    assert!(
        recent.contains(&loose.picture_id.as_str())
            && recent.contains(&in_album.picture_id.as_str())
    );
    let top = &seen.most_liked[0];
    assert_eq!(
        (
            top.picture_id.as_str(),
            top.likes,
            top.author.userid.as_str()
        ),
        (loose.picture_id.as_str(), 1, anna.id())
    );
    let unliked = rec
        .ok::<LikePicture>(&bela.session, &(), &like(false))
        .await;
    assert_eq!((unliked.likes, unliked.liked), (0, false));

    // Rows 82 and 81: opting out hides Anna's pictures from discovery, not from her gallery.
    rec.ok::<ToggleDiscoveryParticipation>(
        &anna.session,
        &(),
        &ToggleDiscoveryParticipationReq { participate: false },
    )
    .await;
    let seen = rec.ok::<PictureDiscovery>(&bela.session, &(), &()).await;
    assert!(seen
        .recent
        .iter()
        .chain(&seen.most_liked)
        .all(|p| p.author.userid != anna.id()));
    assert_eq!(
        pictures_in(world, &bela, &anna, Some(&album.album_id))
            .await
            .len(),
        2
    );
    let details = rec.ok::<CreatorDetails>(&bela.session, &of_anna, &()).await;
    assert!(!details.discovery_participation);
    assert_eq!(
        (
            details.album_count,
            details.picture_count,
            details.followers
        ),
        (1, 2, 0)
    );

    // Row 80: a follow counts once and shows for the follower.
    let follow = |follow: bool| UnOrFollowCreatorReq {
        userid: anna.id().to_owned(),
        follow,
    };
    for _ in 0..2 {
        let creator = rec
            .ok::<FollowCreator>(&bela.session, &(), &follow(true))
            .await;
        assert_eq!((creator.followers, creator.following), (1, true));
    }
    let details = rec.ok::<CreatorDetails>(&bela.session, &of_anna, &()).await;
    assert_eq!((details.followers, details.following), (1, true));
    let details = rec.ok::<CreatorDetails>(&anna.session, &of_anna, &()).await;
    assert_eq!((details.followers, details.following), (1, false));

    // Rows 90 to 93: a comment, edited by its author only, then deleted.
    let posted = rec
        .ok::<PostComment>(
            &bela.session,
            &(),
            &PostCommentReq {
                picture_id: loose.picture_id.clone(),
                content: "Gyönyörű!".into(),
            },
        )
        .await;
    assert_eq!(posted.author.userid, bela.id());
    let on_picture = PictureQuery {
        picture_id: loose.picture_id.clone(),
    };
    let comments = rec.ok::<GetComments>(&anna.session, &on_picture, &()).await;
    assert_eq!(comments, std::slice::from_ref(&posted));
    let edit = EditCommentReq {
        comment_id: posted.comment_id.clone(),
        content: "Gyönyörű! 😍".into(),
    };
    rec.refused::<EditComment>(&anna.session, &(), &edit, ErrorCode::NotAuthor)
        .await;
    let edited = rec.ok::<EditComment>(&bela.session, &(), &edit).await;
    assert!(edited.is_edited);
    let comments = rec.ok::<GetComments>(&anna.session, &on_picture, &()).await;
    assert_eq!(comments[0].content, "Gyönyörű! 😍");
    let counted = pictures_in(world, &anna, &anna, Some(&album.album_id)).await;
    let counted = counted
        .iter()
        .find(|p| p.picture_id == loose.picture_id)
        .unwrap();
    assert_eq!(counted.comment_count, 1);
    rec.ok::<DeleteComment>(
        &bela.session,
        &(),
        &CommentIdReq {
            comment_id: posted.comment_id.clone(),
        },
    )
    .await;
    assert_eq!(
        rec.ok::<GetComments>(&anna.session, &on_picture, &()).await,
        []
    );

    // Rows 86 and 96: deleting a picture and then the album.
    rec.ok::<DeletePicture>(
        &anna.session,
        &(),
        &PictureIdReq {
            picture_id: in_album.picture_id.clone(),
        },
    )
    .await;
    let inside = pictures_in(world, &bela, &anna, Some(&album.album_id)).await;
    assert_eq!(ids(&inside), [loose.picture_id.as_str()]);
    rec.ok::<DeleteAlbum>(
        &anna.session,
        &(),
        &AlbumIdReq {
            album_id: album.album_id.clone(),
        },
    )
    .await;
    assert_eq!(rec.ok::<GetAlbums>(&bela.session, &of_anna, &()).await, []);
}

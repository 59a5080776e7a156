//! Cascades (rows 54 to 67; row 68, the thread list, is in `threads.rs`): a cascade with an
//! uploaded picture, joined by invite and, once public, from discovery; renamed; a banned member
//! cannot rejoin until unbanned; leaving, and the owner deleting it.

use chatenium_api::schemas::cascade::*;
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::{
    CascadeDiscovery, ChangeCascadeVisibility, CompleteCascadePictureUpload, CreateCascade,
    EditCascadeName, ErrorCode, GetBans, GetCascadeFromInvite, GetCascades, JoinFromInvite,
    JoinPublicCascade, KickMember, LeaveOrDeleteCascade, RegisterCascadePictureUpload, UnbanMember,
};

use crate::common::coverage::{User, World};

async fn cascades_of(world: &World, user: &User) -> Vec<Cascade> {
    world.rec.ok::<GetCascades>(&user.session, &(), &()).await
}

fn member_ids(cascade: &Cascade) -> Vec<&str> {
    let mut ids: Vec<&str> = cascade
        .members
        .iter()
        .map(|m| m.user.userid.as_str())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<&str>) -> Vec<&str> {
    ids.sort();
    ids
}

pub async fn flow(world: &World) {
    let (api, rec) = (&world.api, &world.rec);
    let anna = world.user("cascades.anna").await;
    let bela = world.user("cascades.bela").await;
    let cili = world.user("cascades.cili").await;

    // Rows 54, 28, 55 and 56: the picture goes up first, then the cascade is made with it.
    let picture: Vec<u8> = (0..12_345u32).map(|i| (i * 7 % 256) as u8).collect();
    let uploads = rec
        .ok::<RegisterCascadePictureUpload>(
            &anna.session,
            &(),
            &S3PresignedFileReq {
                files: vec![FileMetadata {
                    name: "klub.png".into(),
                    size: picture.len() as u64,
                    mime: "image/png".into(),
                    width: Some(256),
                    height: Some(256),
                }],
            },
        )
        .await;
    let [upload] = uploads.as_slice() else {
        panic!("one upload URL: {uploads:?}");
    };
    rec.put_signed(api, &upload.upload_url, picture.clone())
        .await;
    rec.ok::<CompleteCascadePictureUpload>(
        &anna.session,
        &(),
        &CompletePicUploadReq {
            file_id: upload.file_id.clone(),
        },
    )
    .await;
    let cascade = rec
        .ok::<CreateCascade>(
            &anna.session,
            &(),
            &CreateCascadeReq {
                name: "Klub".into(),
                public: false,
                picture_file_id: Some(upload.file_id.clone()),
                invite_max_uses: None,
                invite_expires_in_secs: None,
            },
        )
        .await;
    assert_eq!(
        (cascade.name.as_str(), cascade.role, cascade.public),
        ("Klub", CascadeRole::Owner, false)
    );
    let picture_url = cascade.picture.clone().expect("the cascade's picture");
    assert_eq!(api.get_signed(&picture_url).await.unwrap(), picture);
    let code = cascade
        .invite
        .clone()
        .expect("the owner sees the invite")
        .code;
    let cascade_id = cascade.cascade_id.clone();
    let listed = cascades_of(world, &anna).await;
    assert_eq!(listed, std::slice::from_ref(&cascade));

    // Rows 63 and 64: the invite shows what it is for, and admits.
    let invite = InviteQuery { code: code.clone() };
    let preview = rec
        .ok::<GetCascadeFromInvite>(&bela.session, &invite, &())
        .await;
    assert_eq!(
        (
            preview.cascade_id.as_str(),
            preview.name.as_str(),
            preview.member_count
        ),
        (cascade_id.as_str(), "Klub", 1)
    );
    let join = JoinFromInviteReq { code: code.clone() };
    let joined = rec.ok::<JoinFromInvite>(&bela.session, &(), &join).await;
    assert_eq!(joined.role, CascadeRole::Member);
    assert_eq!(joined.invite, None, "members do not see the invite");
    assert_eq!(member_ids(&joined), sorted(vec![anna.id(), bela.id()]));
    rec.refused::<JoinFromInvite>(&bela.session, &(), &join, ErrorCode::AlreadyMember)
        .await;

    // Rows 62, 67 and 65: a private cascade is not discovered; made public, it is, and Cili
    // joins it from there.
    let discovery = DiscoveryQuery {
        from: None,
        limit: None,
    };
    let public = JoinPublicReq {
        cascade_id: cascade_id.clone(),
    };
    let found = rec
        .ok::<CascadeDiscovery>(&cili.session, &discovery, &())
        .await;
    assert!(found.iter().all(|c| c.cascade_id != cascade_id));
    rec.refused::<JoinPublicCascade>(&cili.session, &(), &public, ErrorCode::NotPublic)
        .await;
    rec.ok::<ChangeCascadeVisibility>(
        &anna.session,
        &(),
        &ChangeVisibility {
            cascade_id: cascade_id.clone(),
            public: true,
        },
    )
    .await;
    let found = rec
        .ok::<CascadeDiscovery>(&cili.session, &discovery, &())
        .await;
    let listed = found
        .iter()
        .find(|c| c.cascade_id == cascade_id)
        .expect("a public cascade is discovered");
    assert_eq!((listed.public, listed.member_count), (true, 2));
    let joined = rec
        .ok::<JoinPublicCascade>(&cili.session, &(), &public)
        .await;
    assert_eq!(
        member_ids(&joined),
        sorted(vec![anna.id(), bela.id(), cili.id()])
    );

    // Row 66: members see the new name.
    rec.ok::<EditCascadeName>(
        &anna.session,
        &(),
        &EditNameReq {
            cascade_id: cascade_id.clone(),
            name: "Klub Kettő".into(),
        },
    )
    .await;
    assert_eq!(cascades_of(world, &bela).await[0].name, "Klub Kettő");

    // Rows 59, 60 and 61: banned, Cili is listed with the reason and cannot come back by either
    // way until unbanned.
    rec.refused::<KickMember>(
        &bela.session,
        &(),
        &KickMemberReq {
            cascade_id: cascade_id.clone(),
            userid: cili.id().to_owned(),
            ban: true,
            reason: None,
        },
        ErrorCode::Forbidden,
    )
    .await;
    rec.ok::<KickMember>(
        &anna.session,
        &(),
        &KickMemberReq {
            cascade_id: cascade_id.clone(),
            userid: cili.id().to_owned(),
            ban: true,
            reason: Some("spam".into()),
        },
    )
    .await;
    assert_eq!(cascades_of(world, &cili).await, []);
    let of_cascade = CascadeQuery {
        cascade_id: cascade_id.clone(),
    };
    let bans = rec.ok::<GetBans>(&anna.session, &of_cascade, &()).await;
    let [ban] = bans.as_slice() else {
        panic!("one ban: {bans:?}");
    };
    assert_eq!(
        (
            ban.user.userid.as_str(),
            ban.banned_by.as_str(),
            ban.reason.as_deref()
        ),
        (cili.id(), anna.id(), Some("spam"))
    );
    rec.refused::<JoinPublicCascade>(&cili.session, &(), &public, ErrorCode::Banned)
        .await;
    rec.refused::<JoinFromInvite>(&cili.session, &(), &join, ErrorCode::Banned)
        .await;
    rec.ok::<UnbanMember>(
        &anna.session,
        &(),
        &UnbanReq {
            cascade_id: cascade_id.clone(),
            userid: cili.id().to_owned(),
        },
    )
    .await;
    assert_eq!(rec.ok::<GetBans>(&anna.session, &of_cascade, &()).await, []);
    let back = rec.ok::<JoinFromInvite>(&cili.session, &(), &join).await;
    assert_eq!(back.members.len(), 3);

    // Row 58: a member leaves; the owner's leaving deletes the cascade for everyone.
    let this = CascadeIdReq {
        cascade_id: cascade_id.clone(),
    };
    rec.ok::<LeaveOrDeleteCascade>(&cili.session, &(), &this)
        .await;
    assert_eq!(cascades_of(world, &cili).await, []);
    let remaining = cascades_of(world, &anna).await;
    assert_eq!(
        member_ids(&remaining[0]),
        sorted(vec![anna.id(), bela.id()])
    );
    rec.ok::<LeaveOrDeleteCascade>(&anna.session, &(), &this)
        .await;
    assert_eq!(cascades_of(world, &anna).await, []);
    assert_eq!(cascades_of(world, &bela).await, []);
    rec.refused::<GetCascadeFromInvite>(&bela.session, &invite, &(), ErrorCode::InviteInvalid)
        .await;
}

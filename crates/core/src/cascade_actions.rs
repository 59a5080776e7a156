//! What a user does to cascades and their threads: create, discover, join (public or by
//! invite), leave or delete, rename, change visibility, manage members (kick, ban, unban), and
//! create, update or close threads.
//!
//! The server does not echo a change to the connection that made it, so each action reloads
//! what it changed here: the cascade list (published as [`CoreEvent::CascadeList`] diffs, and
//! the socket subscribed to a cascade new in it), or the cascade's thread tree
//! ([`CoreEvent::Threads`]) — the same events live sync produces for another member's change.
//!
//! [`CoreEvent::CascadeList`]: crate::CoreEvent::CascadeList
//! [`CoreEvent::Threads`]: crate::CoreEvent::Threads

use chatenium_api::schemas::cascade::{
    Ban, Cascade, CascadeIdReq, CascadeMember, CascadeQuery, ChangeVisibility,
    CompletePicUploadReq, CreateCascadeReq, DiscoveryCascade, DiscoveryQuery, EditNameReq, Invite,
    InviteQuery, JoinFromInviteReq, JoinPublicReq, KickMemberReq, UnbanReq,
};
use chatenium_api::schemas::thread::{StartNewThreadReq, Thread, ThreadIdReq, UpdateThreadReq};
use chatenium_api::schemas::upload::{FileMetadata, S3PresignedFileReq};
use chatenium_api::{
    CascadeDiscovery, ChangeCascadeVisibility, CloseThread, CompleteCascadePictureUpload,
    CreateCascade, EditCascadeName, GetBans, GetCascadeFromInvite, JoinFromInvite,
    JoinPublicCascade, KickMember, LeaveOrDeleteCascade, RegisterCascadePictureUpload, StartThread,
    UnbanMember, UpdateThread,
};

use crate::cascade_sync::{after_own_change, announce_muted, catch_up_threads_of};
use crate::error::ClientError;
use crate::Client;

/// How a member leaves a cascade against their will.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// They may join again.
    Kick,
    /// They may not join again until unbanned.
    Ban,
}

impl Client {
    /// The cascades muted on this device (kept per account; the contract has no cascade mute).
    pub async fn muted_cascades(&self) -> Result<Vec<String>, ClientError> {
        self.ctx.store.run(|s| s.muted_cascades()).await
    }

    /// Mutes or unmutes a cascade on this device: its threads' messages notify nobody, and are
    /// still counted unread. Published as `MutedCascades`.
    pub async fn set_cascade_muted(
        &self,
        cascade_id: &str,
        muted: bool,
    ) -> Result<(), ClientError> {
        let id = cascade_id.to_owned();
        self.ctx
            .store
            .run(move |s| s.set_cascade_muted(&id, muted))
            .await?;
        announce_muted(&self.ctx).await
    }

    /// The cached cascades the user belongs to; changes arrive as `CascadeList` diffs.
    pub async fn cascades(&self) -> Result<Vec<Cascade>, ClientError> {
        self.ctx.store.run(|s| s.cascades()).await
    }

    /// The members of a cached cascade (empty when it is not in the list).
    pub async fn cascade_members(
        &self,
        cascade_id: &str,
    ) -> Result<Vec<CascadeMember>, ClientError> {
        Ok(self
            .cached_cascade(cascade_id)
            .await?
            .map(|c| c.members)
            .unwrap_or_default())
    }

    /// The invite of a cached cascade, to share with whom should join (`None` when it has
    /// none, or the user cannot see it).
    pub async fn cascade_invite(&self, cascade_id: &str) -> Result<Option<Invite>, ClientError> {
        Ok(self
            .cached_cascade(cascade_id)
            .await?
            .and_then(|c| c.invite))
    }

    async fn cached_cascade(&self, cascade_id: &str) -> Result<Option<Cascade>, ClientError> {
        let id = cascade_id.to_owned();
        Ok(self
            .ctx
            .store
            .run(|s| s.cascades())
            .await?
            .into_iter()
            .find(|c| c.cascade_id == id))
    }

    pub async fn create_cascade(&self, request: &CreateCascadeReq) -> Result<Cascade, ClientError> {
        let created = self.ctx.session.call::<CreateCascade>(&(), request).await?;
        after_own_change(&self.ctx).await?;
        Ok(created)
    }

    /// Uploads `bytes` as a cascade picture; answers the file id `create_cascade` takes as
    /// `picture_file_id`.
    pub async fn upload_cascade_picture(
        &self,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<String, ClientError> {
        let request = S3PresignedFileReq {
            files: vec![FileMetadata {
                name: name.to_owned(),
                size: bytes.len() as u64,
                mime: crate::uploads::mime_of(name).to_owned(),
                width: None,
                height: None,
            }],
        };
        let target = self
            .ctx
            .session
            .call::<RegisterCascadePictureUpload>(&(), &request)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ClientError::Decode("no upload URL".into()))?;
        self.ctx
            .session
            .api()
            .put_signed(&target.upload_url, bytes)
            .await?;
        let complete = CompletePicUploadReq {
            file_id: target.file_id.clone(),
        };
        self.ctx
            .session
            .call::<CompleteCascadePictureUpload>(&(), &complete)
            .await?;
        Ok(target.file_id)
    }

    /// Public cascades, a page at a time.
    pub async fn discover_cascades(
        &self,
        from: Option<u32>,
        limit: Option<u32>,
    ) -> Result<Vec<DiscoveryCascade>, ClientError> {
        let query = DiscoveryQuery { from, limit };
        self.ctx.session.call::<CascadeDiscovery>(&query, &()).await
    }

    /// What an invite leads to, before joining.
    pub async fn cascade_from_invite(&self, code: &str) -> Result<DiscoveryCascade, ClientError> {
        let query = InviteQuery {
            code: code.trim().to_owned(),
        };
        self.ctx
            .session
            .call::<GetCascadeFromInvite>(&query, &())
            .await
    }

    pub async fn join_cascade_from_invite(&self, code: &str) -> Result<Cascade, ClientError> {
        let request = JoinFromInviteReq {
            code: code.trim().to_owned(),
        };
        let joined = self
            .ctx
            .session
            .call::<JoinFromInvite>(&(), &request)
            .await?;
        after_own_change(&self.ctx).await?;
        Ok(joined)
    }

    pub async fn join_public_cascade(&self, cascade_id: &str) -> Result<Cascade, ClientError> {
        let request = JoinPublicReq {
            cascade_id: cascade_id.to_owned(),
        };
        let joined = self
            .ctx
            .session
            .call::<JoinPublicCascade>(&(), &request)
            .await?;
        after_own_change(&self.ctx).await?;
        Ok(joined)
    }

    /// Leaves a cascade; its owner deletes it for everyone.
    pub async fn leave_cascade(&self, cascade_id: &str) -> Result<(), ClientError> {
        let request = CascadeIdReq {
            cascade_id: cascade_id.to_owned(),
        };
        self.ctx
            .session
            .call::<LeaveOrDeleteCascade>(&(), &request)
            .await?;
        after_own_change(&self.ctx).await
    }

    pub async fn rename_cascade(&self, cascade_id: &str, name: &str) -> Result<(), ClientError> {
        let request = EditNameReq {
            cascade_id: cascade_id.to_owned(),
            name: name.to_owned(),
        };
        self.ctx
            .session
            .call::<EditCascadeName>(&(), &request)
            .await?;
        after_own_change(&self.ctx).await
    }

    pub async fn set_cascade_public(
        &self,
        cascade_id: &str,
        public: bool,
    ) -> Result<(), ClientError> {
        let request = ChangeVisibility {
            cascade_id: cascade_id.to_owned(),
            public,
        };
        self.ctx
            .session
            .call::<ChangeCascadeVisibility>(&(), &request)
            .await?;
        after_own_change(&self.ctx).await
    }

    /// Removes a member (a kick, or a ban with an optional reason).
    pub async fn remove_member(
        &self,
        cascade_id: &str,
        userid: &str,
        removal: Removal,
        reason: Option<String>,
    ) -> Result<(), ClientError> {
        let request = KickMemberReq {
            cascade_id: cascade_id.to_owned(),
            userid: userid.to_owned(),
            ban: removal == Removal::Ban,
            reason,
        };
        self.ctx.session.call::<KickMember>(&(), &request).await?;
        after_own_change(&self.ctx).await
    }

    pub async fn cascade_bans(&self, cascade_id: &str) -> Result<Vec<Ban>, ClientError> {
        let query = CascadeQuery {
            cascade_id: cascade_id.to_owned(),
        };
        self.ctx.session.call::<GetBans>(&query, &()).await
    }

    pub async fn unban_member(&self, cascade_id: &str, userid: &str) -> Result<(), ClientError> {
        let request = UnbanReq {
            cascade_id: cascade_id.to_owned(),
            userid: userid.to_owned(),
        };
        self.ctx.session.call::<UnbanMember>(&(), &request).await?;
        Ok(())
    }

    /// The cached threads of a cascade under `parent_id` (`None`: the root threads); changes
    /// arrive as `Threads` events.
    pub async fn threads(
        &self,
        cascade_id: &str,
        parent_id: Option<&str>,
    ) -> Result<Vec<Thread>, ClientError> {
        let (id, parent) = (cascade_id.to_owned(), parent_id.map(str::to_owned));
        self.ctx
            .store
            .run(move |s| s.threads(&id, parent.as_deref()))
            .await
    }

    /// Starts a thread, or a subthread when `parent_id` names one.
    pub async fn create_thread(
        &self,
        cascade_id: &str,
        parent_id: Option<&str>,
        name: &str,
        description: Option<String>,
    ) -> Result<Thread, ClientError> {
        let request = StartNewThreadReq {
            cascade_id: cascade_id.to_owned(),
            parent_id: parent_id.map(str::to_owned),
            name: name.to_owned(),
            description,
        };
        let thread = self.ctx.session.call::<StartThread>(&(), &request).await?;
        catch_up_threads_of(&self.ctx, cascade_id).await?;
        Ok(thread)
    }

    /// Renames a thread or changes its description (`None` leaves a field as it is).
    pub async fn update_thread(
        &self,
        cascade_id: &str,
        thread_id: &str,
        name: Option<String>,
        description: Option<String>,
    ) -> Result<Thread, ClientError> {
        let request = UpdateThreadReq {
            cascade_id: cascade_id.to_owned(),
            thread_id: thread_id.to_owned(),
            name,
            description,
        };
        let thread = self.ctx.session.call::<UpdateThread>(&(), &request).await?;
        catch_up_threads_of(&self.ctx, cascade_id).await?;
        Ok(thread)
    }

    /// Closes (deletes) a thread and its subthreads.
    pub async fn close_thread(&self, cascade_id: &str, thread_id: &str) -> Result<(), ClientError> {
        let request = ThreadIdReq {
            cascade_id: cascade_id.to_owned(),
            thread_id: thread_id.to_owned(),
        };
        self.ctx.session.call::<CloseThread>(&(), &request).await?;
        self.close_thread_timeline(cascade_id, thread_id);
        catch_up_threads_of(&self.ctx, cascade_id).await
    }
}

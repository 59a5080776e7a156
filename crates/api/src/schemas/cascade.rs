//! Cascades: community servers with members, roles, bans, invites and nested threads.

use super::common::{PublicUserData, Timestamp};
use crate::macros::contract_types;

contract_types! {
    /// Marks a cascade picture's upload complete; then `pictureFileID` can name it.
    pub struct CompletePicUploadReq {
        #[serde(rename = "fileID")]
        pub file_id: String,
    }

    #[derive(Copy, Hash, PartialOrd, Ord)]
    pub enum CascadeRole {
        Member,
        Admin,
        Owner,
    }

    pub struct CascadeMember {
        pub user: PublicUserData,
        pub role: CascadeRole,
    }

    /// A cascade as one of its members sees it.
    pub struct Cascade {
        pub cascade_id: String,
        pub name: String,
        pub owner_id: String,
        pub public: bool,
        /// Signed download URL of the picture.
        #[serde(default)]
        pub picture: Option<String>,
        /// The caller's role.
        pub role: CascadeRole,
        pub members: Vec<CascadeMember>,
        /// The cascade's invite code; shown to its owner and admins only.
        #[serde(default)]
        pub invite: Option<Invite>,
        pub created_at: Timestamp,
    }

    pub struct Invite {
        pub code: String,
        /// Unix seconds; `null` for an invite that does not expire.
        #[serde(default)]
        #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
        pub expires_at: Option<i64>,
        /// `null` for unlimited uses.
        #[serde(default)]
        pub max_uses: Option<u32>,
        pub uses: u32,
    }

    pub struct CreateCascadeReq {
        #[schemars(length(min = 1, max = 64))]
        pub name: String,
        pub public: bool,
        /// A completed cascade picture upload.
        #[serde(default, rename = "pictureFileID")]
        pub picture_file_id: Option<String>,
        /// Limits of the cascade's invite.
        #[serde(default)]
        pub invite_max_uses: Option<u32>,
        #[serde(default)]
        pub invite_expires_in_secs: Option<u32>,
    }

    pub struct CascadeIdReq {
        pub cascade_id: String,
    }

    /// Kicks a member; with `ban` also keeps them from rejoining.
    pub struct KickMemberReq {
        pub cascade_id: String,
        pub userid: String,
        pub ban: bool,
        #[serde(default)]
        pub reason: Option<String>,
    }

    pub struct Ban {
        pub user: PublicUserData,
        /// The userid of who banned them.
        pub banned_by: String,
        #[serde(default)]
        pub reason: Option<String>,
        pub banned_at: Timestamp,
    }

    pub struct UnbanReq {
        pub cascade_id: String,
        pub userid: String,
    }

    /// A public cascade in discovery, or the cascade an invite is for, with small insights.
    pub struct DiscoveryCascade {
        pub cascade_id: String,
        pub name: String,
        #[serde(default)]
        pub picture: Option<String>,
        pub public: bool,
        pub member_count: u32,
        pub thread_count: u32,
        /// Messages in the cascade's threads over the last seven days.
        pub recent_messages: u32,
    }

    pub struct JoinFromInviteReq {
        pub code: String,
    }

    pub struct JoinPublicReq {
        pub cascade_id: String,
    }

    pub struct EditNameReq {
        pub cascade_id: String,
        pub name: String,
    }

    pub struct ChangeVisibility {
        pub cascade_id: String,
        pub public: bool,
    }

    /// Query: a cascade.
    pub struct CascadeQuery {
        pub cascade_id: String,
    }

    /// Query: an invite code.
    pub struct InviteQuery {
        pub code: String,
    }

    /// Query: a page of discovery, newest activity first.
    pub struct DiscoveryQuery {
        #[serde(default)]
        pub from: Option<u32>,
        #[serde(default)]
        #[schemars(range(min = 1, max = 200))]
        pub limit: Option<u32>,
    }

    /// Query: threads under a parent; no `parentId` for the root threads.
    pub struct ThreadsQuery {
        pub cascade_id: String,
        #[serde(default)]
        pub parent_id: Option<String>,
    }
}

//! The Chatenium API contract: every schema, the table of every endpoint, the WebSocket frame
//! and events, the error codes, and the OpenAPI document generated from them. No I/O.
//!
//! The client (`chatenium-core`) and the server (`chatenium-server`) both speak through these
//! types; no other crate spells a path or a field name.
//!
//! # Decisions the published index leaves open
//!
//! The index (`docs/chatenium-api-index.md`) names 97 endpoints and 82 schemas but not their
//! paths or fields. We follow the real service's house style (`docs/service-conventions.md`)
//! wherever it speaks, and decide the rest here:
//!
//! - **Paths** live under `/v3` (the index's surface is the one with `SessionV3`), one segment
//!   per group: `/v3/auth`, `/v3/account`, `/v3/call`, `/v3/contacts`, `/v3/dm`,
//!   `/v3/transfer`, `/v3/cascade`, `/v3/thread`, `/v3/pictures`. No path has parameters:
//!   reads take query parameters, writes a JSON body, so every path is a constant.
//! - **Methods**: GET reads, POST creates (and the auth exchanges), PATCH edits and deletes, as
//!   the real service does. PUT only for bytes sent to a signed storage URL.
//! - **Fields** are camelCase; identifiers are `userid`, `chatid`, `msgid`, `fileID` as the real
//!   service spells them, and a message's time is `sent_at`. Other ids are camelCase
//!   (`cascadeId`, `threadId`, `pictureId`, `albumId`, `commentId`, `transferId`, `sessionId`).
//!   Times in messages, pins and galleries are `{T, I}` [`Timestamp`](schemas::common::Timestamp)s;
//!   expiries are plain unix seconds.
//! - **Tokens**: a short-lived access token (raw, in `Authorization`) and a refresh token.
//!   "Rotate" (row 2) is for an expired access token and needs only the refresh token;
//!   "Refresh" (row 12) also presents the current access token, which is then blacklisted.
//!   Either way the refresh token is spent: using it twice fails.
//! - **Codes and challenges**: a one-time code is a factor of a challenge (row 13), sent by
//!   row 15 and verified by row 14. A completed challenge is what a code sign-in, a passwordless
//!   registration, a password reset (its e-mail carries the reset token), an e-mail or phone
//!   change, or a passwordless account's deletion presents. `ChallengeDataOverride` sends the
//!   codes to an address the account does not have yet.
//! - **Paging**: a chat's messages are numbered from the newest; `from` (default 0) and `limit`
//!   (default 50, at most 200) choose a page, returned oldest first. "Get position" answers the
//!   `from` of a message's page. `after=<msgid>` returns what came after a message instead: a
//!   client's catch-up after a reconnect.
//! - **Idempotent sends**: a send carries a client-generated `clientKey`; a server stores one
//!   message per author and key and answers a repeat with the stored message.
//! - **Uploads**: rows 44/45 are the single-PUT flow and 46/47 the multipart flow (index
//!   readings in its preamble). An upload belongs to its uploader; its `fileID` is then usable
//!   in a DM, a thread message, a profile, cascade or gallery picture. Row 28 is the signed
//!   storage URL itself (`/v3/storage/object`), also the download URL of any file.
//! - **Pictures** (rows 83 to 89): the server reads every gallery upload as it becomes a
//!   picture (row 84). A file that is not a JPEG, PNG, WebP or GIF is `invalidImage`, one with
//!   more pixels or a longer side than the server's limits is `imageTooLarge` (checked from the
//!   header, before decoding); either way no picture is made. The server then measures `width`
//!   and `height` (as shown: the EXIF orientation applied), computes a blurhash `placeholder`
//!   once, and makes `thumbnails` in a few widths (320 and 1280 by default, never wider than
//!   the picture; of an animation, its first frame), re-encoded without metadata (JPEG, or PNG
//!   where transparent); `hasThumbnail` says they exist. A thumbnail is
//!   downloaded from the storage URL with a signed `thumbnail=<width>` parameter. The original
//!   is served as uploaded but for its metadata: EXIF (location included), XMP, IPTC and text
//!   chunks are removed losslessly when the picture is made, only the orientation tag is kept
//!   so that it still shows upright, and it is served with the MIME type its bytes have.
//! - **Album covers** (rows 94 to 97): an `Album` names the picture its `cover` shows in
//!   `coverPictureId`. The owner chooses it with `coverPictureId` on `EditAlbumReq` (a picture
//!   of theirs in that album, else `notFound`, `forbidden` or `notInAlbum`); without a choice,
//!   or once the chosen picture is deleted or moved out of the album, it is the newest picture.
//!   Older clients neither send nor read it.
//! - **Contacts**: a contact is a direct chat; `chatid` names it. Adding one sends a request
//!   that the partner accepts by replying (`accepted` turns true).
//! - **Cascades** carry their members and, for owners and admins, their invite; an invite is
//!   made with the cascade and may expire or run out of uses.
//! - **Transfers** offer one file each; the signaling endpoints relay to the other party as
//!   WebSocket events (`transferRequest`, `transferOffer`, ...).
//! - **Calls** ring through *Invite partner*; a call carried peer to peer is answered, declined,
//!   hung up and signaled through rows 98 to 101, an extension of the index
//!   (`docs/call-signaling.md`), with `callAnswered`, `callSignal` and `callEnded`'s `reason`.
//! - **WebSocket**: `GET /v3/ws?accessToken=...`; the first frame is `connectionId`. Frames are
//!   `{action, data, sender}` with `data` a JSON string ([`ws`]).
//! - **Errors**: `{"error": "<code>"}` with a stable code ([`ErrorCode`]).
//!
//! # Extensions of the index
//!
//! Endpoints the real service has and the index does not list are in [`extensions`], in the
//! same house style but outside the index's table: forwarding a message into a chat or a
//! thread ([`extensions::DmForwardMessage`], [`extensions::TmForwardMessage`]).

pub mod endpoint;
pub mod error;
pub mod extensions;
mod macros;
pub mod openapi;
pub mod schemas;
mod table;
pub mod ws;

pub use endpoint::{Auth, Endpoint, EndpointMeta, Group, Method, Payload, RawBytes};
pub use error::{ErrorBody, ErrorCode};
pub use extensions::{DmForwardMessage, GetChanges, TmForwardMessage, EXTENSIONS};
pub use table::*;

/// The real Chatenium service's REST base.
pub const REAL_API_BASE: &str = "https://api.chatenium.hu";

/// Header that names the WebSocket connection making a request, so that its change is not
/// echoed back to it.
pub const WS_ID_HEADER: &str = "X-WS-ID";

/// The path of a signed storage URL (row 28): PUT uploads there, GET downloads.
pub const STORAGE_OBJECT_PATH: &str = UploadToSignedUrl::META.path;

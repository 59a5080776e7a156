//! The table of every endpoint: the index's 97 rows with our paths, methods and types, then the
//! rows that extend it (98 on: call signaling, `docs/call-signaling.md`).
//! Read it as the API's reference; `openapi.json` is generated from it.

use crate::endpoint::{endpoint_table, payload_kind, payload_schema, payload_type, query_schema};
use crate::schemas::{
    account::*, auth::*, call::*, cascade::*, common::*, contacts::*, dm::*, pictures::*,
    thread::*, transfer::*, upload::*,
};
use crate::ws::WsQuery;

endpoint_table! {
    // WebSocket
    1 WsUpgrade: WebSocket Get "/v3/ws" QueryToken,
        query (WsQuery), body none, response none,
        "WebSocket upgrade", "Upgrades to the live event stream; the first frame is `connectionId`.";

    // Auth
    2 RotateTokenPair: Auth Post "/v3/auth/rotate" None,
        query none, body (RefreshTokenPairReq), response (SuccessfulAuthResp),
        "Rotate token pair", "Called when the access token expires. Generates a new pair of tokens and returns them to the user.";
    3 SignInMethods: Auth Get "/v3/auth/methods" None,
        query (IdentityQuery), body none, response (AuthMethods),
        "SignIn methods", "Fetch available authentication methods for the specified account.";
    4 AppleOAuth: Auth Post "/v3/auth/oauth/apple" None,
        query none, body (AppleOAuthReq), response (SuccessfulAuthResp),
        "Apple OAuth", "Authenticate using Apple.";
    5 GoogleOAuth: Auth Post "/v3/auth/oauth/google" None,
        query none, body (GoogleOAuthReq), response (SuccessfulAuthResp),
        "Google OAuth", "Authenticate using Google.";
    6 UsernameAvailability: Auth Get "/v3/auth/available/username" None,
        query (UsernameQuery), body none, response (DataAvailabilityResp),
        "Username Availability", "Fetches whether the specified username is available or not.";
    7 EmailAvailability: Auth Get "/v3/auth/available/email" None,
        query (EmailQuery), body none, response (DataAvailabilityResp),
        "Email Availability", "Fetches whether the specified e-mail address is available or not.";
    8 SignIn: Auth Post "/v3/auth/signin" None,
        query none, body (SignInReq), response (SuccessfulAuthResp),
        "Sign In", "Signs in the user and returns an access/refresh token pair + the user's ID.";
    9 PasswordlessRegister: Auth Post "/v3/auth/register/passwordless" None,
        query none, body (PasswordlessRegisterReq), response (SuccessfulAuthResp),
        "Passwordless Registration", "Registers a new user without a password. The user will need to provide a temporary code on every authentication.";
    10 Register: Auth Post "/v3/auth/register" None,
        query none, body (RegisterReq), response (SuccessfulAuthResp),
        "Register", "Validates the provided user data, registers them in the database and signs the user in.";
    11 PasswordReset: Auth Post "/v3/auth/password-reset" None,
        query none, body (PasswordResetReq), response (GenericSuccessBody),
        "Password Reset", "Verifies the provided token and updates the user's password. The user does not get signed in automatically.";
    12 RefreshTokenPair: Auth Post "/v3/auth/refresh" AccessToken,
        query none, body (RefreshTokenPairReq), response (SuccessfulAuthResp),
        "Refresh Token Pair", "Removes the current refresh token, puts the current access token to a blacklist, generates a new pair of tokens and returns them to the user.";
    13 RegisterChallenge: Auth Post "/v3/auth/challenge" None,
        query none, body (RegisterAuthAttemptReq), response (Challenge),
        "Register Challenge", "Registers a new challenge attempt.";
    14 VerifyFactor: Auth Post "/v3/auth/challenge/verify" None,
        query none, body (VerifyFactorReq), response (Challenge),
        "Credential Verification", "With the submitted credential, an attempt will be made to verify one factor.";
    15 RequestFactorCredential: Auth Post "/v3/auth/challenge/request" None,
        query none, body (RequestFactorCredentialReq), response (GenericSuccessBody),
        "Request credential", "Requests a credential for specific factors (SMS, E-Mail).";
    16 FetchUserId: Auth Get "/v3/auth/userid" None,
        query (IdentityQuery), body none, response (GetIdFromIdentityResp),
        "Fetch User ID", "Fetches the user's ID from the provided identity.";

    // Account
    17 RegisterFcmToken: Account Post "/v3/account/push/fcm" AccessToken,
        query none, body (RegisterFcmTokenReq), response (GenericSuccessBody),
        "Register FCM Token", "";
    18 RegisterApnsToken: Account Post "/v3/account/push/apns" AccessToken,
        query none, body (RegisterApnsTokenReq), response (GenericSuccessBody),
        "Register APNS Token", "";
    19 ChangeUsername: Account Patch "/v3/account/username" AccessToken,
        query none, body (ChangeUsernameReq), response (PublicUserData),
        "Change Username", "";
    20 ChangeDisplayName: Account Patch "/v3/account/display-name" AccessToken,
        query none, body (ChangeDisplayNameReq), response (PublicUserData),
        "Change Display Name", "";
    21 DeleteAccount: Account Patch "/v3/account/delete" AccessToken,
        query none, body (DeleteAccountReq), response (GenericSuccessBody),
        "Delete Account", "";
    22 ChangeEmail: Account Patch "/v3/account/email" AccessToken,
        query none, body (ChangeEmailReq), response (GenericSuccessBody),
        "Change Email", "";
    23 GetSessions: Account Get "/v3/account/sessions" AccessToken,
        query none, body none, response (Vec<SessionV3>),
        "Get Sessions", "";
    24 LogoutSession: Account Patch "/v3/account/sessions/logout" AccessToken,
        query none, body (LogoutSessionReq), response (GenericSuccessBody),
        "Logout Session", "";
    25 ToggleGifSave: Account Patch "/v3/account/gif-save" AccessToken,
        query none, body (ToggleGifReq), response (GenericSuccessBody),
        "Toggle GIF Save", "";
    26 ChangePhone: Account Patch "/v3/account/phone" AccessToken,
        query none, body (ChangePhoneReq), response (GenericSuccessBody),
        "Change Phone Number", "";
    27 RegisterPfpUpload: Account Post "/v3/account/pfp/register" AccessToken,
        query none, body (S3PresignedFileReq), response (Vec<S3PresignedFileResponse>),
        "Register PFP Upload", "";
    28 UploadToSignedUrl: Account Put "/v3/storage/object" SignedUrl,
        query (SignedUrlQuery), body bytes, response none,
        "Upload PFP", "This is not the actual URL you should use. Use this for a reference point only. The actual URL is returned in the response.";
    29 CompletePfpUpload: Account Post "/v3/account/pfp/complete" AccessToken,
        query none, body (CompletePfpUploadReq), response (PublicUserData),
        "Complete PFP Upload", "";

    // Call
    30 GetCallAccess: Call Get "/v3/call/access" AccessToken,
        query (CallAccessQuery), body none, response (GetAccessResp),
        "Get access", "Gathers TURN and STUN servers and a LiveKit token for a successful WebRTC connection";
    31 InvitePartner: Call Post "/v3/call/invite" AccessToken,
        query none, body (InvitePartnerReq), response (GenericSuccessBody),
        "Invite partner", "You cannot invite network members, only chat partners! Invites your chat partner to join the call. The user will be notified about the call by various PUSH notification systems.";

    // Contacts
    32 GetContacts: Contacts Get "/v3/contacts" AccessToken,
        query none, body none, response (Vec<Contact>),
        "Get contacts", "Fetches each contact that is associated with the user ordered by the last time a message was sent.";
    33 CreateContact: Contacts Post "/v3/contacts" AccessToken,
        query none, body (AddContactReq), response (Contact),
        "Create new contact", "Sends a request to the specified partner who can either accept the request by sending you a message or ignore it.";
    34 MuteContact: Contacts Patch "/v3/contacts/mute" AccessToken,
        query none, body (SetMuteReq), response (GenericSuccessBody),
        "Mute contact", "When muted, you will not receive notifications from the contact.";
    35 DeleteContact: Contacts Patch "/v3/contacts/delete" AccessToken,
        query none, body (DeleteContactReq), response (GenericSuccessBody),
        "Delete contact", "Deletes the contact from your contacts list and removes all DMs with the contact.";

    // Direct messaging
    36 DmDeleteMessages: DirectMessaging Patch "/v3/dm/messages/delete" AccessToken,
        query none, body (DeleteMessagesReq), response (GenericSuccessBody),
        "Delete message(s)", "Deletes the specified message(s)";
    37 DmGetMessages: DirectMessaging Get "/v3/dm/messages" AccessToken,
        query (GetMessagesQuery), body none, response (Vec<Message>),
        "Get", "Fetches all messages inside the chat";
    38 DmSendMessage: DirectMessaging Post "/v3/dm/messages" AccessToken,
        query none, body (SendMessageReq), response (Message),
        "Send message", "Sends a new message into the chat";
    39 DmPinnedMessages: DirectMessaging Get "/v3/dm/pinned" AccessToken,
        query (ChatQuery), body none, response (Vec<PinnedMessage>),
        "Pinned messages", "Gets all pinned messages inside the chat";
    40 DmPinMessage: DirectMessaging Patch "/v3/dm/pin" AccessToken,
        query none, body (PinMessageReq), response (GenericSuccessBody),
        "Pin message", "Pins the specified message";
    41 DmUnpinMessage: DirectMessaging Patch "/v3/dm/unpin" AccessToken,
        query none, body (PinMessageReq), response (GenericSuccessBody),
        "Unpin message", "Unpins the specified message";
    42 DmEditMessage: DirectMessaging Patch "/v3/dm/messages/edit" AccessToken,
        query none, body (EditMessageReq), response (Message),
        "Edit message", "Edits the content of the specified message";
    43 DmGetPosition: DirectMessaging Get "/v3/dm/position" AccessToken,
        query (MessagePositionQuery), body none, response (GetPositionResp),
        "Get position", "Gets the position of a message which can be passed as query param in get to load that section of messages";
    44 RegisterAttachmentUploads: DirectMessaging Post "/v3/dm/attachments/register" AccessToken,
        query none, body (S3PresignedFileReq), response (Vec<S3PresignedFileResponse>),
        "Register attachment(s) upload", "Registers the upload(s) and returns necessary data to complete the actual upload";
    45 CompleteAttachmentUpload: DirectMessaging Post "/v3/dm/attachments/complete" AccessToken,
        query none, body (CompleteUploadReq), response (Attachment),
        "Complete attachment upload", "Marks the upload as completed. After that the fileId can be provided when sending a message.";
    46 RegisterMultipartUpload: DirectMessaging Post "/v3/dm/attachments/multipart/register" AccessToken,
        query none, body (S3MultipartUploadReq), response (S3PresignedMultiResp),
        "Register attachment(s) upload", "Registers the upload(s) and returns necessary data to complete the actual upload";
    47 CompleteMultipartUpload: DirectMessaging Post "/v3/dm/attachments/multipart/complete" AccessToken,
        query none, body (S3FinishMultiReq), response (Attachment),
        "Complete attachment upload", "Marks the upload as completed. After that the fileId can be provided when sending a message.";

    // File transfer
    48 StartTransfer: FileTransfer Post "/v3/transfer/start" AccessToken,
        query none, body (StartNewReq), response (StartNewResp),
        "Start new", "Starts a new file transfer with the specified user. The 2 users must have each other in their contacts";
    49 AcceptTransfer: FileTransfer Post "/v3/transfer/accept" AccessToken,
        query none, body (TransferIdReq), response (RTCConfiguration),
        "Accept", "Accepts the file transfer and allows to establish a WebRTC connection";
    50 DeclineTransfer: FileTransfer Post "/v3/transfer/decline" AccessToken,
        query none, body (TransferIdReq), response (GenericSuccessBody),
        "Decline", "Declines the file transfer";
    51 SendTransferOffer: FileTransfer Post "/v3/transfer/offer" AccessToken,
        query none, body (RTCSendOfferReq), response (GenericSuccessBody),
        "WebRTC Offer SDP", "Sends the WebRTC Offer SDP (Sender Only)";
    52 SendTransferAnswer: FileTransfer Post "/v3/transfer/answer" AccessToken,
        query none, body (RTCSendAnswerReq), response (GenericSuccessBody),
        "WebRTC Answer SDP", "Sends the WebRTC Answer SDP (Receiver Only)";
    53 SendTransferCandidate: FileTransfer Post "/v3/transfer/candidate" AccessToken,
        query none, body (RTCSendCandidateReq), response (GenericSuccessBody),
        "WebRTC ICE Candidate", "Sends the WebRTC ICE Candidate (Receiver and Sender)";

    // Cascade
    54 RegisterCascadePictureUpload: Cascade Post "/v3/cascade/picture/register" AccessToken,
        query none, body (S3PresignedFileReq), response (Vec<S3PresignedFileResponse>),
        "Register new picture upload", "Returns credentials to upload a new cascade picture.";
    55 CompleteCascadePictureUpload: Cascade Post "/v3/cascade/picture/complete" AccessToken,
        query none, body (CompletePicUploadReq), response (GenericSuccessBody),
        "Complete Cascade Picture Upload", "";
    56 CreateCascade: Cascade Post "/v3/cascade" AccessToken,
        query none, body (CreateCascadeReq), response (Cascade),
        "Create new", "Creates a new cascade with the provided data";
    57 GetCascades: Cascade Get "/v3/cascade" AccessToken,
        query none, body none, response (Vec<Cascade>),
        "Get", "Gets all cascades that the user owns or a member of";
    58 LeaveOrDeleteCascade: Cascade Patch "/v3/cascade/leave" AccessToken,
        query none, body (CascadeIdReq), response (GenericSuccessBody),
        "Leave/Delete", "Deletes or leaves the cascade based on whether the users owns the cascade or not";
    59 KickMember: Cascade Patch "/v3/cascade/kick" AccessToken,
        query none, body (KickMemberReq), response (GenericSuccessBody),
        "Kick/Ban member", "Kicks or bans a member based on what the client chose";
    60 GetBans: Cascade Get "/v3/cascade/bans" AccessToken,
        query (CascadeQuery), body none, response (Vec<Ban>),
        "Get bans", "Fetches all banned members";
    61 UnbanMember: Cascade Patch "/v3/cascade/unban" AccessToken,
        query none, body (UnbanReq), response (GenericSuccessBody),
        "Unban member", "Unbans the specified member";
    62 CascadeDiscovery: Cascade Get "/v3/cascade/discovery" AccessToken,
        query (DiscoveryQuery), body none, response (Vec<DiscoveryCascade>),
        "Discovery", "Fetches all public cascades with small insights";
    63 GetCascadeFromInvite: Cascade Get "/v3/cascade/invite" AccessToken,
        query (InviteQuery), body none, response (DiscoveryCascade),
        "Get from invite", "Fetches the cascade's data that the invite is valid for";
    64 JoinFromInvite: Cascade Post "/v3/cascade/invite/join" AccessToken,
        query none, body (JoinFromInviteReq), response (Cascade),
        "Join from invite", "Joins the cascade with a valid invite";
    65 JoinPublicCascade: Cascade Post "/v3/cascade/join" AccessToken,
        query none, body (JoinPublicReq), response (Cascade),
        "Join public", "Joins the public cascade";
    66 EditCascadeName: Cascade Patch "/v3/cascade/name" AccessToken,
        query none, body (EditNameReq), response (GenericSuccessBody),
        "Edit name", "Sets a new name for the cascade";
    67 ChangeCascadeVisibility: Cascade Patch "/v3/cascade/visibility" AccessToken,
        query none, body (ChangeVisibility), response (GenericSuccessBody),
        "Change visibility", "Changes the visibility of the cascade";
    68 GetThreads: Cascade Get "/v3/cascade/threads" AccessToken,
        query (ThreadsQuery), body none, response (Vec<Thread>),
        "Get threads", "Fetches all threads from a specific parent (For root threads use null as parentId)";

    // Thread
    69 StartThread: Thread Post "/v3/thread" AccessToken,
        query none, body (StartNewThreadReq), response (Thread),
        "Start a new thread", "Starts a new thread inside the cascade";
    70 CloseThread: Thread Patch "/v3/thread/close" AccessToken,
        query none, body (ThreadIdReq), response (GenericSuccessBody),
        "Close thread", "Deletes the specified thread and all subthreads";
    71 UpdateThread: Thread Patch "/v3/thread" AccessToken,
        query none, body (UpdateThreadReq), response (Thread),
        "Update thread", "Updates the thread";

    // Thread Messages
    72 TmDeleteMessages: ThreadMessages Patch "/v3/thread/messages/delete" AccessToken,
        query none, body (TMDeleteMessagesReq), response (GenericSuccessBody),
        "Delete message(s)", "Deletes the specified message(s)";
    73 TmGetMessages: ThreadMessages Get "/v3/thread/messages" AccessToken,
        query (TMGetMessagesQuery), body none, response (Vec<ThreadMessage>),
        "Get", "Fetches all messages inside the chat";
    74 TmSendMessage: ThreadMessages Post "/v3/thread/messages" AccessToken,
        query none, body (TMSendMessageReq), response (ThreadMessage),
        "Send message", "Sends a new message into the thread";
    75 TmPinnedMessages: ThreadMessages Get "/v3/thread/pinned" AccessToken,
        query (ThreadQuery), body none, response (Vec<ThreadMessage>),
        "Pinned messages", "Gets all pinned messages inside the thread";
    76 TmPinMessage: ThreadMessages Patch "/v3/thread/pin" AccessToken,
        query none, body (TMPinMessageReq), response (GenericSuccessBody),
        "Pin message", "Pins the specified message";
    77 TmUnpinMessage: ThreadMessages Patch "/v3/thread/unpin" AccessToken,
        query none, body (TMPinMessageReq), response (GenericSuccessBody),
        "Unpin message", "Unpins the specified message";
    78 TmEditMessage: ThreadMessages Patch "/v3/thread/messages/edit" AccessToken,
        query none, body (TMEditMessageReq), response (ThreadMessage),
        "Edit message", "Edits the content of the specified message";
    79 TmGetPosition: ThreadMessages Get "/v3/thread/position" AccessToken,
        query (TMPositionQuery), body none, response (TMGetPositionResp),
        "Get position", "Gets the position of a message which can be passed as query param in get to load that section of messages";

    // Pictures creator
    80 FollowCreator: PicturesCreator Patch "/v3/pictures/creator/follow" AccessToken,
        query none, body (UnOrFollowCreatorReq), response (Creator),
        "Follow", "(un)follows the creator";
    81 CreatorDetails: PicturesCreator Get "/v3/pictures/creator" AccessToken,
        query (CreatorQuery), body none, response (Creator),
        "Details", "Fetches user data and albums/pictures count";
    82 ToggleDiscoveryParticipation: PicturesCreator Patch "/v3/pictures/creator/discovery" AccessToken,
        query none, body (ToggleDiscoveryParticipationReq), response (GenericSuccessBody),
        "Discovery participation", "Toggles whether the user's uploads should be included in discovery";

    // Pictures
    83 GetPictures: Pictures Get "/v3/pictures" AccessToken,
        query (PicturesQuery), body none, response (Vec<Picture>),
        "Get pictures", "Fetches pictures uploaded to a specific album. If albumId is not provided then pictures uploaded without an album will be fetched.";
    84 UploadPictures: Pictures Post "/v3/pictures" AccessToken,
        query none, body (UploadPicturesReq), response (Vec<Picture>),
        "Upload pictures", "Registers the uploaded pictures in the database.";
    85 RegisterPictureUploads: Pictures Post "/v3/pictures/register" AccessToken,
        query none, body (S3PresignedFileReq), response (Vec<S3PresignedFileResponse>),
        "Register picture uploads", "Returns credentials to upload a set amount of pictures.";
    86 DeletePicture: Pictures Patch "/v3/pictures/delete" AccessToken,
        query none, body (PictureIdReq), response (GenericSuccessBody),
        "Delete picture", "Deletes the specified picture.";
    87 EditPicture: Pictures Patch "/v3/pictures/edit" AccessToken,
        query none, body (EditPictureReq), response (Picture),
        "Edit picture", "Modifies the specified picture.";
    88 LikePicture: Pictures Patch "/v3/pictures/like" AccessToken,
        query none, body (LikePictureReq), response (Picture),
        "Like picture", "(dis)Likes the specified picture.";
    89 PictureDiscovery: Pictures Get "/v3/pictures/discovery" AccessToken,
        query none, body none, response (DiscoveryResp),
        "Discovery", "Fetches all recent and most liked public pictures.";

    // Picture comments
    90 PostComment: PictureComments Post "/v3/pictures/comments" AccessToken,
        query none, body (PostCommentReq), response (Comment),
        "Post comment", "Posts a new comment under the specified picture.";
    91 GetComments: PictureComments Get "/v3/pictures/comments" AccessToken,
        query (PictureQuery), body none, response (Vec<Comment>),
        "Get comments", "Fetches all comments under the specified picture.";
    92 EditComment: PictureComments Patch "/v3/pictures/comments/edit" AccessToken,
        query none, body (EditCommentReq), response (Comment),
        "Edit comment", "Updates the content of the specified comment.";
    93 DeleteComment: PictureComments Patch "/v3/pictures/comments/delete" AccessToken,
        query none, body (CommentIdReq), response (GenericSuccessBody),
        "Delete comment", "Deletes the specified comment.";

    // Picture album
    94 CreateAlbum: PictureAlbum Post "/v3/pictures/albums" AccessToken,
        query none, body (CreateAlbumReq), response (Album),
        "Create new", "Creates a new album";
    95 GetAlbums: PictureAlbum Get "/v3/pictures/albums" AccessToken,
        query (CreatorQuery), body none, response (Vec<Album>),
        "Get", "Gets all albums";
    96 DeleteAlbum: PictureAlbum Patch "/v3/pictures/albums/delete" AccessToken,
        query none, body (AlbumIdReq), response (GenericSuccessBody),
        "Delete", "Deletes the specified album";
    97 EditAlbum: PictureAlbum Patch "/v3/pictures/albums/edit" AccessToken,
        query none, body (EditAlbumReq), response (Album),
        "Edit", "Modifies the specified album's data";

    // Call signaling: an extension of the index (docs/call-signaling.md), numbered after it.
    98 AnswerCall: Call Post "/v3/call/answer" AccessToken,
        query none, body (CallRef), response (RTCConfiguration),
        "Answer call", "The callee answers a ringing call on this device: the caller gets `callAnswered` and sends its offer; the callee's other devices get `callAnswered` and stop ringing.";
    99 DeclineCall: Call Post "/v3/call/decline" AccessToken,
        query none, body (DeclineCallReq), response (GenericSuccessBody),
        "Decline call", "The callee declines a ringing call (busy: in another call). Both parties' other devices get `callEnded` with the reason.";
    100 HangUpCall: Call Post "/v3/call/hangup" AccessToken,
        query none, body (CallRef), response (GenericSuccessBody),
        "Hang up", "Either party ends the call: the caller before an answer cancels it. Both parties' other devices get `callEnded` with the reason.";
    101 SendCallSignal: Call Post "/v3/call/signal" AccessToken,
        query none, body (CallSignalReq), response (GenericSuccessBody),
        "WebRTC call signal", "Relays an offer (caller), answer (callee) or ICE candidate (either) of an answered call to the other party as `callSignal`.";
}

// The one door between the UI and Rust. Components receive a `Backend` and never import Tauri,
// so the same UI runs in the Tauri window, in a plain browser against the in-memory test
// backend (./memory), and in unit tests. Every type that Rust owns comes from the generated
// `../bindings`; the `_Serialize` variants are what Rust sends. The commands themselves are not
// written here again: `Backend` is derived from the generated `commands` (`CommandMethods`), so
// a command added in Rust is a `Backend` method as soon as the bindings are regenerated.
import type {
  AppInfo_Serialize,
  Attachment_Serialize,
  AuthMethods,
  Ban_Serialize,
  CallDevices_Serialize,
  CallEnd,
  CallInfo_Serialize,
  CallQuality,
  CallQualityChanged,
  CallStage,
  Cascade_Serialize,
  CascadeMember_Serialize,
  CascadeRole,
  CatchUp,
  Challenge,
  ChallengePurpose,
  CommandError_Serialize,
  DesktopSettings_Serialize,
  EngineState,
  OAuthProvider,
  Connection,
  Contact_Serialize,
  ConversationRef,
  DiscoveryCascade_Serialize,
  ErrorCode_Serialize,
  FactorKind,
  ListDiff,
  Message_Serialize,
  PendingMessage_Serialize,
  PinnedMessage_Serialize,
  PublicUserData_Serialize,
  RegisterForm_Deserialize,
  SessionV3,
  Thread_Serialize,
  TimelineEntry_Serialize,
  TransferEntry,
  TransferPhase,
  UnreadCounts,
  UploadProgress,
  commands,
  // Galleries (issue 12)
  Album_Serialize,
  Comment_Serialize,
  Creator_Serialize,
  EditPictureReq_Deserialize,
  GalleryFeed,
  GalleryPage_Serialize,
  GalleryPicture_Serialize,
} from "../bindings";

export type AppInfo = AppInfo_Serialize;
/** Close to the tray, start with the system, Do Not Disturb. */
export type DesktopSettings = DesktopSettings_Serialize;
export type Attachment = Attachment_Serialize;
export type Contact = Contact_Serialize;
export type ErrorCode = ErrorCode_Serialize;
export type Message = Message_Serialize;
export type PendingMessage = PendingMessage_Serialize;
export type PinnedMessage = PinnedMessage_Serialize;
export type TimelineEntry = TimelineEntry_Serialize;
export type User = PublicUserData_Serialize;
export type CommandError = CommandError_Serialize;
export type Cascade = Cascade_Serialize;
export type CascadeMember = CascadeMember_Serialize;
export type Ban = Ban_Serialize;
export type DiscoveryCascade = DiscoveryCascade_Serialize;
export type Thread = Thread_Serialize;
export type CallInfo = CallInfo_Serialize;
export type CallDevices = CallDevices_Serialize;
export type { CallEnd, CallQuality, CallQualityChanged, CallStage };
export type {
  AuthMethods,
  CascadeRole,
  CatchUp,
  Challenge,
  ConversationRef,
  ChallengePurpose,
  Connection,
  FactorKind,
  ListDiff,
  SessionV3,
  TransferEntry,
  TransferPhase,
  UnreadCounts,
  UploadProgress,
};

export type RegisterForm = RegisterForm_Deserialize;
export type { OAuthProvider };
export type { EngineState };

// Galleries (issue 12)
export type Album = Album_Serialize;
export type PictureComment = Comment_Serialize;
export type Creator = Creator_Serialize;
export type GalleryPicture = GalleryPicture_Serialize;
export type GalleryPage = GalleryPage_Serialize;
export type PictureEdit = EditPictureReq_Deserialize;
export type { GalleryFeed };

export type Unsubscribe = () => void;

/** Live changes: the core's typed events. Each `on…` answers how to stop listening. */
export interface BackendEvents {
  /** The app's engine finished starting (ready, or failed); `engineState()` is the snapshot. */
  engine(handler: (state: EngineState) => void): Promise<Unsubscribe>;
  chatList(handler: (diff: ListDiff<Contact>) => void): Promise<Unsubscribe>;
  timeline(handler: (chatid: string, diff: ListDiff<TimelineEntry>) => void): Promise<Unsubscribe>;
  connection(handler: (state: Connection) => void): Promise<Unsubscribe>;
  /** Catching up after a connect came further (while `connecting`; a connection change ends it). */
  catchingUp(handler: (progress: CatchUp) => void): Promise<Unsubscribe>;
  upload(handler: (progress: UploadProgress) => void): Promise<Unsubscribe>;
  sessionEnded(handler: () => void): Promise<Unsubscribe>;
  /** A notification was clicked: show this chat; `compose` ("Reply"): with the cursor in its
   * composer. */
  openChat(handler: (chatid: string, compose: boolean) => void): Promise<Unsubscribe>;
  /** A peer-to-peer transfer changed: the whole record, keyed by `transferId`. */
  transfer(handler: (transfer: TransferEntry) => void): Promise<Unsubscribe>;
  /** The cascades the user belongs to. */
  cascadeList(handler: (diff: ListDiff<Cascade>) => void): Promise<Unsubscribe>;
  /** An open thread's timeline. */
  threadTimeline(handler: (cascadeId: string, threadId: string, diff: ListDiff<TimelineEntry>) => void): Promise<Unsubscribe>;
  /** A cascade's threads under `parentId` (`null`: the root threads), as they are now. */
  threads(handler: (cascadeId: string, parentId: string | null, threads: Thread[]) => void): Promise<Unsubscribe>;
  /** A notification was clicked: show this thread. */
  openThread(handler: (cascadeId: string, threadId: string) => void): Promise<Unsubscribe>;
  unread(handler: (unread: UnreadCounts) => void): Promise<Unsubscribe>;
  /** An invite link was opened (`chatenium://invite/<code>`). */
  inviteOpened(handler: (code: string) => void): Promise<Unsubscribe>;
  /** A call changed; `stage: "ended"` is its last change. */
  call(handler: (call: CallInfo) => void): Promise<Unsubscribe>;
  /** The running call's connection quality, every few seconds. */
  callQuality(handler: (quality: CallQualityChanged) => void): Promise<Unsubscribe>;
  /** A moderator removed the user from a cascade (before the cascade leaves the list). */
  removedFromCascade(handler: (removal: CascadeRemoval) => void): Promise<Unsubscribe>;
  /** The desktop settings changed (the tray's menu turns Do Not Disturb on or off too). */
  desktopSettings(handler: (settings: DesktopSettings) => void): Promise<Unsubscribe>;
  // Galleries (issue 12)
  /** An open gallery feed changed. */
  galleryFeed(handler: (feed: GalleryFeed, diff: ListDiff<GalleryPicture>) => void): Promise<Unsubscribe>;
  /** An open comment thread changed. */
  galleryComments(handler: (pictureId: string, diff: ListDiff<PictureComment>) => void): Promise<Unsubscribe>;
  /** A creator's open album list changed. */
  galleryAlbums(handler: (userid: string, diff: ListDiff<Album>) => void): Promise<Unsubscribe>;
  /** A creator's details changed (followed or unfollowed). */
  galleryCreator(handler: (creator: Creator) => void): Promise<Unsubscribe>;
}

/** How the user was removed from a cascade: kicked, or banned with the reason given. */
export interface CascadeRemoval {
  cascadeId: string;
  banned: boolean;
  reason: string | null;
}

/** A cascade's picture as the page has it. */
export interface PictureFile {
  name: string;
  bytes: Uint8Array;
}

/** The generated commands as the UI calls them. */
type Commands = typeof commands;

/** What a command answers once settled: the data of an `ok`, `void` for a command that answers
 * nothing; an `error` is thrown as a `BackendError` instead. */
type Data<Outcome> = Outcome extends { status: "ok"; data: infer T }
  ? [T] extends [null]
    ? void
    : T
  : Outcome extends { status: "error" }
    ? never
    : Outcome;
type Settled<Answer> = Answer extends Promise<infer Outcome> ? Promise<Data<Outcome>> : Answer;

/** Commands the `Backend` offers only through a method of its own (the staging commands are
 * `stageFile`, which also sends the raw chunks). */
export const WRAPPED_COMMANDS = ["beginStaging", "watchCallVideo"] as const;

/** Every command of `bindings.ts` as a `Backend` method: the same name and parameters,
 * answering the data or throwing the typed error. */
export type CommandMethods = {
  [Name in Exclude<keyof Commands, (typeof WRAPPED_COMMANDS)[number]>]: (
    ...args: Parameters<Commands[Name]>
  ) => Settled<ReturnType<Commands[Name]>>;
};

export interface Backend extends Omit<CommandMethods, "changeProfilePicture" | "createCascade"> {
  /** A picture's bytes as the page has them (the command takes them as a JSON array). */
  changeProfilePicture(name: string, bytes: Uint8Array): Promise<User>;
  createCascade(name: string, isPublic: boolean, picture: PictureFile | null): Promise<Cascade>;
  /** Hands a picked, dropped or pasted file to Rust in chunks (a page cannot name a path);
   * answers the staged id that `uploadAttachment` or `sendFileDirectly` takes. `onProgress`
   * hears how many bytes are across. */
  stageFile(file: Blob, name: string, onProgress?: (bytes: number) => void): Promise<string>;
  /** The call's encoded video from now on, one packet per frame as raw bytes (see
   * src-tauri/src/commands/calls.rs for the layout, lib/call-video.ts for the reading). */
  watchCallVideo(onPacket: (packet: ArrayBuffer) => void): Promise<void>;
  /** Where an `<img>` loads a picture at `width` (0: the original): the media scheme in the app. */
  pictureUrl(pictureId: string, width: number): string;
  /** Whether `sendChosenFiles` has the system's file dialog (the app); without one (a
   * browser) the page's own file input picks, and the file is staged. */
  nativeFileDialog: boolean;

  on: BackendEvents;
}

/** A command that failed: its typed error, which the UI translates (see i18n/errors). */
export class BackendError extends Error {
  constructor(readonly error: CommandError) {
    super(error.kind === "api" ? error.code : error.kind);
    this.name = "BackendError";
  }
}

/** Picks the backend for the environment the page is running in. */
export async function selectBackend(): Promise<Backend> {
  const { isTauri } = await import("@tauri-apps/api/core");
  if (isTauri()) {
    const { tauriBackend } = await import("./tauri");
    return tauriBackend;
  }
  // The browser build for tests (vite --mode browser-test) runs on the in-memory backend.
  if (import.meta.env.MODE === "browser-test") {
    const { exposeMemoryBackend } = await import("./memory");
    return exposeMemoryBackend();
  }
  throw new BackendUnavailableError();
}

export class BackendUnavailableError extends Error {
  constructor() {
    super("No backend: open this page inside the Chatenium app, or serve it with a test backend.");
    this.name = "BackendUnavailableError";
  }
}

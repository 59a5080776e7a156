// The one door between the UI and Rust. Components receive a `Backend` and never import Tauri,
// so the same UI runs in the Tauri window, in a plain browser against the in-memory test
// backend (./memory), and in unit tests. Every type that Rust owns comes from the generated
// `../bindings`; the `_Serialize` variants are what Rust sends.
import type {
  AppInfo_Serialize,
  Attachment_Serialize,
  AuthMethods,
  Challenge,
  ChallengePurpose,
  CommandError_Serialize,
  Connection,
  Contact_Serialize,
  ErrorCode_Serialize,
  FactorKind,
  ListDiff,
  Message_Serialize,
  PendingMessage_Serialize,
  PinnedMessage_Serialize,
  PublicUserData_Serialize,
  SessionV3,
  TimelineEntry_Serialize,
  TransferEntry,
  TransferPhase,
  UploadProgress,
} from "../bindings";

export type AppInfo = AppInfo_Serialize;
export type Attachment = Attachment_Serialize;
export type Contact = Contact_Serialize;
export type ErrorCode = ErrorCode_Serialize;
export type Message = Message_Serialize;
export type PendingMessage = PendingMessage_Serialize;
export type PinnedMessage = PinnedMessage_Serialize;
export type TimelineEntry = TimelineEntry_Serialize;
export type User = PublicUserData_Serialize;
export type CommandError = CommandError_Serialize;
export type {
  AuthMethods,
  Challenge,
  ChallengePurpose,
  Connection,
  FactorKind,
  ListDiff,
  SessionV3,
  TransferEntry,
  TransferPhase,
  UploadProgress,
};

export interface RegisterForm {
  username: string;
  displayName: string;
  email: string;
  phone: string | null;
  password: string;
}

export type Unsubscribe = () => void;

/** Live changes: the core's typed events. Each `on…` answers how to stop listening. */
export interface BackendEvents {
  chatList(handler: (diff: ListDiff<Contact>) => void): Promise<Unsubscribe>;
  timeline(handler: (chatid: string, diff: ListDiff<TimelineEntry>) => void): Promise<Unsubscribe>;
  connection(handler: (state: Connection) => void): Promise<Unsubscribe>;
  upload(handler: (progress: UploadProgress) => void): Promise<Unsubscribe>;
  sessionEnded(handler: () => void): Promise<Unsubscribe>;
  /** A notification was clicked: show this chat. */
  openChat(handler: (chatid: string) => void): Promise<Unsubscribe>;
  /** A peer-to-peer transfer changed: the whole record, keyed by `transferId`. */
  transfer(handler: (transfer: TransferEntry) => void): Promise<Unsubscribe>;
}

export interface Backend {
  /** Version, contract size and the server this app talks to. */
  appInfo(): Promise<AppInfo>;
  setLanguage(language: string): Promise<void>;
  /** Which server to use from the next start; `null` for the built-in one. */
  setServerUrl(url: string | null): Promise<void>;

  signInMethods(identity: string): Promise<AuthMethods>;
  usernameAvailable(username: string): Promise<boolean>;
  emailAvailable(email: string): Promise<boolean>;
  signInWithPassword(identity: string, password: string): Promise<User>;
  startChallenge(
    purpose: ChallengePurpose,
    identity: string | null,
    newEmail: string | null,
    newPhone: string | null,
  ): Promise<Challenge>;
  requestCode(challengeId: string, kind: FactorKind): Promise<void>;
  verifyCode(challengeId: string, kind: FactorKind, code: string): Promise<Challenge>;
  signInWithChallenge(identity: string, challengeId: string): Promise<User>;
  register(form: RegisterForm): Promise<User>;
  registerPasswordless(username: string, displayName: string, challengeId: string): Promise<User>;
  resetPassword(challengeId: string, token: string, password: string): Promise<void>;
  /** The account signed in last time, if its tokens are still in the keyring. */
  resumeSession(): Promise<User | null>;
  signOut(): Promise<void>;

  chatList(): Promise<Contact[]>;
  addContact(identity: string): Promise<Contact>;
  deleteContact(chatid: string): Promise<void>;
  setMuted(chatid: string, muted: boolean): Promise<void>;
  openChat(chatid: string): Promise<TimelineEntry[]>;
  closeChat(chatid: string): Promise<void>;
  markRead(chatid: string): Promise<void>;
  /** Older messages arrive as a `pushFront` diff; answers how many (0: the beginning). */
  loadOlder(chatid: string): Promise<number>;
  /** The timeline resets to the page holding the message. */
  jumpToMessage(chatid: string, msgid: string): Promise<void>;
  /** After a jump far back, the next newer messages arrive as diffs; answers how many (0: the
   * timeline shows the newest and follows live messages again). */
  loadNewer(chatid: string): Promise<number>;
  sendMessage(chatid: string, text: string, replyToId: string | null, fileIds: string[]): Promise<string>;
  /** A refused message goes back into the outbox, in its place. */
  retrySend(chatid: string, clientKey: string): Promise<void>;
  /** A refused message leaves the outbox and the timeline. */
  discardSend(chatid: string, clientKey: string): Promise<void>;
  editMessage(chatid: string, msgid: string, text: string): Promise<void>;
  deleteMessages(chatid: string, msgids: string[]): Promise<void>;
  setPinned(chatid: string, msgid: string, pinned: boolean): Promise<void>;
  pinnedMessages(chatid: string): Promise<PinnedMessage[]>;
  /** Hands a picked, dropped or pasted file to Rust in chunks (a page cannot name a path);
   * answers the staged id that `uploadAttachment` or `sendFileDirectly` takes. `onProgress`
   * hears how many bytes are across. */
  stageFile(file: Blob, name: string, onProgress?: (bytes: number) => void): Promise<string>;
  /** Drops a staged file nobody will use. */
  discardStaged(stageId: string): Promise<void>;
  /** Uploads a staged file as an attachment; progress arrives through `on.upload`. */
  uploadAttachment(stageId: string): Promise<Attachment>;

  /** Offers a staged file to `userid` peer-to-peer; answers the transfer's id. */
  sendFileDirectly(userid: string, stageId: string): Promise<string>;
  /** Accepts an offered file into the download folder. */
  acceptTransfer(transferId: string): Promise<void>;
  declineTransfer(transferId: string): Promise<void>;
  cancelTransfer(transferId: string): Promise<void>;
  /** Opens the system's file manager at a received file. */
  showReceivedFile(transferId: string): Promise<void>;

  changeUsername(username: string): Promise<User>;
  changeDisplayName(displayName: string): Promise<User>;
  changeEmail(email: string, challengeId: string): Promise<void>;
  changePhone(phone: string, challengeId: string): Promise<void>;
  changeProfilePicture(name: string, bytes: Uint8Array): Promise<User>;
  sessions(): Promise<SessionV3[]>;
  logOutSession(sessionId: string): Promise<void>;
  deleteAccount(password: string | null, challengeId: string | null): Promise<void>;

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

// An in-memory `Backend`: a tiny fake server in the page. It lets the real UI run in a plain
// browser (the hostile-text test in real Chromium) and in unit tests, with no Rust at all.
// It keeps the same promises as the real one: snapshots, then diffs through `on`.
import { commands } from "../bindings";
import { searchMessages } from "./memory-search";
import { callBackend, type CallHooks } from "./memory-calls";
import { cascadeBackend, type CascadeHooks, type Forwarded } from "./memory-cascades";
import { galleryBackend, type GalleryHooks } from "./memory-gallery";
import * as timelineWindow from "./memory-window";
import {
  BackendError,
  WRAPPED_COMMANDS,
  type Attachment,
  type Backend,
  type CatchUp,
  type Challenge,
  type Connection,
  type Contact,
  type DesktopSettings,
  type ErrorCode,
  type FactorKind,
  type ListDiff,
  type Message,
  type PendingMessage,
  type TimelineEntry,
  type TransferEntry,
  type User,
} from "./index";

type Handlers = { [K in keyof Backend["on"]]: Set<Parameters<Backend["on"][K]>[0]> };

interface Account {
  user: User;
  password: string | null;
  email: string;
}

/** What the fake implements: each member is checked against `Backend`'s signature (derived
 * from the generated bindings), so a command it implements cannot drift from Rust's. A command
 * it does not implement (one added in Rust and not needed by a test) is filled in by
 * `withEveryCommand` and refuses. */
type MemoryImplementation = Partial<Backend> & Pick<Backend, "on" | "stageFile" | "watchCallVideo" | "nativeFileDialog"> & TestHooks;

export interface MemoryBackend extends Backend, TestHooks {}

interface TestHooks extends CascadeHooks, CallHooks, GalleryHooks {
  /** The connection as the core would report it: a state, and while connecting, how far
   * catching up has come (the snapshot `connectionStatus` answers, and the events). */
  setConnection(state: Connection, catchingUp: CatchUp | null): void;
  /** Opens an invite link as the desktop would (`chatenium://invite/<code>`). */
  openInvite(code: string): void;
  /** A notification for a thread message was clicked. */
  clickThreadNotification(cascadeId: string, threadId: string): void;
  /** Test hooks: a partner writes `text` into the chat with `partner` (created if needed). */
  deliver(partner: string, text: string, files?: Attachment[]): Message;
  /** Signs a user in without the forms. */
  signInAs(username: string): User;
  /** Adds `count` messages from `partner` at once, with no events: a long history. */
  seedHistory(partner: string, count: number, text: (n: number) => string): string;
  /** The next message sent is refused with `code` and stays in the timeline as failed. */
  refuseNextSend(code: ErrorCode): void;
  /** A partner offers a file peer-to-peer; answers the transfer's id. */
  offerFile(partner: string, name: string, size: number): string;
  /** Moves a transfer along as the core would report it. */
  updateTransfer(transferId: string, change: Partial<TransferEntry>): void;
  /** The transfers whose file was shown in the file manager, in order. */
  readonly revealed: string[];
  readonly accounts: Map<string, Account>;
}

const fail = (code: ErrorCode): never => {
  throw new BackendError({ kind: "api", code });
};

/** `pageSize`: how many messages opening a chat shows; older ones come by `loadOlder`.
 * `windowSize`: at most how many an open chat's timeline keeps; paging past it drops the far
 * end, as the core does (crates/core/src/timeline.rs). */
export function createMemoryBackend({ pageSize = Infinity, windowSize = Infinity }: { pageSize?: number; windowSize?: number } = {}): MemoryBackend {
  const rule: timelineWindow.WindowRule = { pageSize, size: windowSize };
  const handlers: Handlers = {
    engine: new Set(),
    chatList: new Set(),
    timeline: new Set(),
    connection: new Set(),
    catchingUp: new Set(),
    upload: new Set(),
    sessionEnded: new Set(),
    openChat: new Set(),
    transfer: new Set(),
    cascadeList: new Set(),
    threadTimeline: new Set(),
    threads: new Set(),
    openThread: new Set(),
    unread: new Set(),
    inviteOpened: new Set(),
    call: new Set(),
    callQuality: new Set(),
    removedFromCascade: new Set(),
    desktopSettings: new Set(),
    galleryFeed: new Set(),
    galleryComments: new Set(),
    galleryAlbums: new Set(),
    galleryCreator: new Set(),
  };
  const accounts = new Map<string, Account>();
  const chats: Contact[] = [];
  const messages = new Map<string, Message[]>();
  const open = new Set<string>();
  /** Per open chat, the part of its history the timeline shows. */
  const shownPart = new Map<string, timelineWindow.Shown>();
  let me: User | null = null;
  /** Always online unless a test says otherwise (`setConnection`). */
  let connectionStatus: { state: Connection; catchingUp: CatchUp | null } = { state: "online", catchingUp: null };
  let desktopSettings: DesktopSettings = { closeToTray: true, startWithSystem: false, startHidden: false, doNotDisturb: false };
  let clock = 1_700_000_000;
  let ids = 0;
  const nextId = (prefix: string) => `${prefix}${++ids}`;

  const listen = <K extends keyof Handlers>(kind: K, handler: Parameters<Backend["on"][K]>[0]) => {
    (handlers[kind] as Set<unknown>).add(handler);
    return Promise.resolve(() => {
      (handlers[kind] as Set<unknown>).delete(handler);
    });
  };
  const emitChats = () => {
    chats.sort((a, b) => (b.latestMessage?.sentAt.T ?? 0) - (a.latestMessage?.sentAt.T ?? 0));
    const diff: ListDiff<Contact> = { op: "reset", items: structuredClone(chats) };
    handlers.chatList.forEach((h) => h(diff));
  };
  const emitTimeline = (chatid: string, diff: ListDiff<TimelineEntry>) => {
    if (open.has(chatid)) handlers.timeline.forEach((h) => h(chatid, diff));
  };
  const history = (chatid: string) => messages.get(chatid) ?? [];
  const part = (chatid: string) => shownPart.get(chatid) ?? timelineWindow.opened(history(chatid).length, rule);
  /** History positions `from` to `to` as timeline rows (each its own copy, as from Rust). */
  const rows = (chatid: string, from: number, to: number): TimelineEntry[] =>
    history(chatid)
      .slice(from, to)
      .map((message) => ({ kind: "message", message: structuredClone(message) }));
  /** The messages the open timeline shows. */
  const entries = (chatid: string): TimelineEntry[] => {
    const shown = part(chatid);
    return rows(chatid, shown.from, shown.to ?? history(chatid).length);
  };
  /** A message's row in the shown timeline, or -1 when it is not shown. */
  const shown = (chatid: string, index: number) => timelineWindow.rowOf(part(chatid), index, history(chatid).length);
  /** Moves an open chat's window: the rows it brings in, then those it drops. */
  const moveWindow = (chatid: string, step: timelineWindow.WindowStep, at: "front" | "back") => {
    shownPart.set(chatid, step.shown);
    if (step.added) {
      const items = rows(chatid, step.added.from, step.added.to);
      emitTimeline(chatid, at === "front" ? { op: "pushFront", items } : { op: "append", items });
    }
    if (step.dropped) emitTimeline(chatid, { op: "removeRange", ...step.dropped });
    return step.added ? step.added.to - step.added.from : 0;
  };

  const account = (username: string, email: string, password: string | null): Account => {
    if ([...accounts.values()].some((a) => a.user.username === username)) fail("usernameTaken");
    const created = {
      user: { userid: nextId("u"), username, displayName: username, pfp: null },
      password,
      email,
    };
    accounts.set(created.user.userid, created);
    return created;
  };
  const find = (identity: string) =>
    [...accounts.values()].find((a) => a.user.username === identity || a.email === identity) ??
    fail("userNotFound");
  const signedIn = () => me ?? fail("unauthorized");
  const chatOf = (chatid: string) => chats.find((c) => c.chatid === chatid) ?? fail("notFound");

  const post = (chatid: string, author: string, text: string, replyToId: string | null, files: Attachment[], forwarded: Forwarded | null = null) => {
    const list = messages.get(chatid) ?? [];
    messages.set(chatid, list);
    const reply = replyToId ? list.find((m) => m.msgid === replyToId) : undefined;
    const message: Message = {
      msgid: nextId("m"),
      chatid,
      author,
      message: text,
      sent_at: { T: ++clock, I: 0 },
      isEdited: false,
      seen: false,
      pinned: false,
      replyToId: replyToId,
      replyTo: reply?.message ?? null,
      files,
      clientKey: null,
      forwardedFrom: forwarded?.from ?? null,
      forwardedFromName: forwarded?.fromName ?? null,
      metaData: null,
    };
    list.push(message);
    const chat = chatOf(chatid);
    chat.latestMessage = { msgid: message.msgid, message: text, isAuthor: author === me?.userid, sentAt: message.sent_at };
    if (author !== me?.userid && !open.has(chatid)) chat.notifications += 1;
    if (open.has(chatid)) moveWindow(chatid, timelineWindow.liveAdded(part(chatid), list.length, rule), "back");
    emitChats();
    return message;
  };
  // As the server does: registering proves every new address (e-mail and phone: two factors).
  const challenge = (purpose: Challenge["purpose"], email: string, phone: string | null): Challenge => {
    const factors: Challenge["factors"] = [{ kind: "email", target: email, verified: false }];
    if (phone) factors.push({ kind: "sms", target: phone, verified: false });
    return {
      challengeId: nextId("c"),
      purpose,
      factors,
      required: purpose === "register" ? factors.length : 1,
      complete: false,
      expiresAt: clock + 600,
    };
  };
  // Every code is "123456" here: the forms, not the delivery, are under test.
  const verified = (c: Challenge, kind: FactorKind): Challenge => {
    const factors = c.factors.map((f) => (f.kind === kind ? { ...f, verified: true } : f));
    return { ...c, factors, complete: factors.filter((f) => f.verified).length >= c.required };
  };
  const challenges = new Map<string, Challenge>();
  const updateMe = (change: Partial<User>) => {
    const current = signedIn();
    Object.assign(current, change);
    const stored = accounts.get(current.userid);
    if (stored) Object.assign(stored.user, change);
    return structuredClone(current);
  };
  const ok = <T>(value: T) => Promise.resolve(value);
  const run = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const { threadMessage, postForwarded, ...cascades } = cascadeBackend({
    signedIn: () => signedIn(),
    user: (username) =>
      ([...accounts.values()].find((a) => a.user.username === username) ?? account(username, `${username}@example.test`, "partner-password")).user,
    nextId,
    tick: () => ({ T: ++clock, I: 0 }),
    emit: {
      cascadeList: (diff) => handlers.cascadeList.forEach((h) => h(structuredClone(diff))),
      threadTimeline: (cascadeId, threadId, diff) => handlers.threadTimeline.forEach((h) => h(cascadeId, threadId, structuredClone(diff))),
      threads: (cascadeId, parentId, list) => handlers.threads.forEach((h) => h(cascadeId, parentId, structuredClone(list))),
      unread: (unread) => handlers.unread.forEach((h) => h(structuredClone(unread))),
      removedFromCascade: (removal) => handlers.removedFromCascade.forEach((h) => h(structuredClone(removal))),
    },
    attachment: (fileId) => uploads.get(fileId),
    takeRefusal: () => {
      const code = refusal;
      refusal = null;
      return code;
    },
  });

  const calls = callBackend({
    chat: (chatid) => chats.find((c) => c.chatid === chatid),
    chatWith: (username) => chats.find((c) => c.user.username === username),
    emit: {
      call: (call) => handlers.call.forEach((h) => h(structuredClone(call))),
      callQuality: (quality) => handlers.callQuality.forEach((h) => h(structuredClone(quality))),
    },
  });

  const gallery = galleryBackend({
    signedIn: () => signedIn(),
    user: (username) =>
      ([...accounts.values()].find((a) => a.user.username === username) ?? account(username, `${username}@example.test`, "partner-password")).user,
    userById: (userid) => accounts.get(userid)?.user,
    nextId,
    tick: () => ({ T: ++clock, I: 0 }),
    takeStaged: (stageId) => {
      const file = staged.get(stageId) ?? fail("notFound");
      staged.delete(stageId);
      return file;
    },
    emit: {
      galleryFeed: (feed, diff) => handlers.galleryFeed.forEach((h) => h(structuredClone(feed), structuredClone(diff))),
      galleryComments: (pictureId, diff) => handlers.galleryComments.forEach((h) => h(pictureId, structuredClone(diff))),
      galleryAlbums: (userid, diff) => handlers.galleryAlbums.forEach((h) => h(userid, structuredClone(diff))),
      galleryCreator: (creator) => handlers.galleryCreator.forEach((h) => h(structuredClone(creator))),
      upload: (progress) => handlers.upload.forEach((h) => h({ ...progress })),
    },
  });

  const backend = withEveryCommand({
    ...cascades,
    ...calls,
    ...gallery,
    openInvite: (code) => handlers.inviteOpened.forEach((h) => h(code)),
    takeOpenedInvite: () => ok(null),
    clickThreadNotification: (cascadeId, threadId) => handlers.openThread.forEach((h) => h(cascadeId, threadId)),
    accounts,
    // In memory there is nothing to start.
    // In memory there is nothing to start.
    engineState: () => ok({ phase: "ready" as const }),
    connectionStatus: () => ok(structuredClone(connectionStatus)),
    setConnection: (state, catchingUp) => {
      const changed = state !== connectionStatus.state;
      connectionStatus = { state, catchingUp };
      if (changed) handlers.connection.forEach((h) => h(state));
      if (catchingUp) handlers.catchingUp.forEach((h) => h(structuredClone(catchingUp)));
    },
    appInfo: () => ok({ version: "test", endpointCount: 97, serverUrl: null, activeServerUrl: "memory:" }),
    setLanguage: () => ok(undefined),
    setServerUrl: () => ok(undefined),
    oauthProviders: () => ok([]),
    logFolder: () => ok("/home/test/.local/share/hu.chatenium.desktop/logs"),
    desktopSettings: () => ok({ ...desktopSettings }),
    setDesktopSettings: (settings) => {
      desktopSettings = { ...desktopSettings, ...settings };
      handlers.desktopSettings.forEach((h) => h({ ...desktopSettings }));
      return ok({ ...desktopSettings });
    },

    signInMethods: (identity) =>
      run(() => {
        const found = find(identity);
        return { password: found.password !== null, email: true, sms: false };
      }),
    usernameAvailable: (username) => ok(![...accounts.values()].some((a) => a.user.username === username)),
    emailAvailable: (email) => ok(![...accounts.values()].some((a) => a.email === email)),
    signInWithPassword: (identity, password) =>
      run(() => {
        const found = find(identity);
        if (found.password === null) fail("passwordlessAccount");
        if (found.password !== password) fail("invalidCredentials");
        me = found.user;
        return structuredClone(found.user);
      }),
    startChallenge: (purpose, identity, newEmail, newPhone) =>
      run(() => {
        const target = newEmail ?? (identity ? find(identity).email : fail("factorUnavailable"));
        const created = challenge(purpose, target, newPhone);
        challenges.set(created.challengeId, created);
        return created;
      }),
    requestCode: () => ok(undefined),
    verifyCode: (challengeId, kind, code) =>
      run(() => {
        const found = challenges.get(challengeId) ?? fail("challengeNotFound");
        if (code.trim() !== "123456") fail("invalidCode");
        const done = verified(found, kind);
        challenges.set(challengeId, done);
        return done;
      }),
    signInWithChallenge: (identity, challengeId) =>
      run(() => {
        if (!challenges.get(challengeId)?.complete) fail("challengeIncomplete");
        me = find(identity).user;
        return structuredClone(me);
      }),
    register: (form) =>
      run(() => {
        if (form.password.length < 8) fail("weakPassword");
        me = account(form.username, form.email, form.password).user;
        return structuredClone(me);
      }),
    registerPasswordless: (username, displayName, challengeId) =>
      run(() => {
        const proved = challenges.get(challengeId);
        if (!proved?.complete) fail("challengeIncomplete");
        me = account(username, proved?.factors[0]?.target ?? "", null).user;
        me.displayName = displayName;
        return structuredClone(me);
      }),
    resetPassword: (challengeId, token, password) =>
      run(() => {
        if (!challenges.has(challengeId) || token !== "123456") fail("invalidResetToken");
        if (password.length < 8) fail("weakPassword");
      }),
    resumeSession: () => ok(me ? structuredClone(me) : null),
    signOut: () =>
      run(() => {
        me = null;
      }),

    chatList: () => ok(structuredClone(chats)),
    addContact: (identity) =>
      run(() => {
        const self = signedIn();
        const partner = [...accounts.values()].find((a) => a.user.username === identity) ?? fail("addUserUnk");
        if (partner.user.userid === self.userid) fail("noStartChatWithSelf");
        if (chats.some((c) => c.user.userid === partner.user.userid)) fail("chatAlreadyExists");
        const contact: Contact = {
          chatid: nextId("chat"),
          user: structuredClone(partner.user),
          muted: false,
          notifications: 0,
          accepted: false,
          latestMessage: null,
        };
        chats.push(contact);
        emitChats();
        return structuredClone(contact);
      }),
    deleteContact: (chatid) =>
      run(() => {
        chats.splice(chats.indexOf(chatOf(chatid)), 1);
        messages.delete(chatid);
        emitChats();
      }),
    setMuted: (chatid, muted) =>
      run(() => {
        chatOf(chatid).muted = muted;
        emitChats();
      }),
    openChat: (chatid) =>
      run(() => {
        open.add(chatid);
        shownPart.set(chatid, timelineWindow.opened(history(chatid).length, rule));
        return entries(chatid);
      }),
    closeChat: (chatid) =>
      run(() => {
        open.delete(chatid);
      }),
    markRead: (chatid) =>
      run(() => {
        chatOf(chatid).notifications = 0;
        emitChats();
      }),
    loadOlder: (chatid) =>
      run(() => {
        return moveWindow(chatid, timelineWindow.pagedBack(part(chatid), history(chatid).length, rule), "front");
      }),
    loadNewer: (chatid) =>
      run(() => {
        return moveWindow(chatid, timelineWindow.pagedForward(part(chatid), history(chatid).length, rule), "back");
      }),
    // With no page size (the default) a jump shows the whole history.
    jumpToMessage: (chatid, msgid) =>
      run(() => {
        const index = history(chatid).findIndex((m) => m.msgid === msgid);
        if (index < 0) fail("notFound");
        shownPart.set(chatid, timelineWindow.jumpedTo(index, history(chatid).length, rule));
        emitTimeline(chatid, { op: "reset", items: entries(chatid) });
      }),
    // Direct chats' messages; the fake's threads are not searched.
    searchMessages: (request) =>
      run(() =>
        searchMessages(
          [...messages.entries()].flatMap(([chatid, list]) =>
            list.map((message) => ({ conversation: { kind: "chat" as const, chatid }, message })),
          ),
          request,
        ),
      ),
    sendMessage: (chatid, text, replyToId, fileIds) =>
      run(() => {
        if (refusal) {
          // As the core does: the echo stays, marked with the server's code.
          const pending: PendingMessage = {
            clientKey: nextId("k"),
            chatid,
            text,
            replyToId,
            fileIds,
            queuedAt: { T: ++clock, I: 0 },
            failure: refusal,
          };
          refusal = null;
          failed.set(pending.clientKey, pending);
          emitTimeline(chatid, { op: "append", items: [{ kind: "pending", pending: structuredClone(pending) }] });
          return pending.clientKey;
        }
        const files = fileIds.map((id) => uploads.get(id)).filter((f): f is Attachment => f !== undefined);
        return post(chatid, signedIn().userid, text, replyToId, files).msgid;
      }),
    retrySend: (chatid, clientKey) =>
      run(() => {
        const pending = failed.get(clientKey) ?? fail("notFound");
        removeFailed(chatid, clientKey);
        post(chatid, signedIn().userid, pending.text, pending.replyToId, []);
      }),
    discardSend: (chatid, clientKey) => run(() => removeFailed(chatid, clientKey)),
    editMessage: (chatid, msgid, text) =>
      run(() => {
        const list = messages.get(chatid) ?? [];
        const index = list.findIndex((m) => m.msgid === msgid);
        const found = list[index] ?? fail("notFound");
        if (found.author !== signedIn().userid) fail("notAuthor");
        found.message = text;
        found.isEdited = true;
        if (shown(chatid, index) >= 0) {
          emitTimeline(chatid, { op: "set", index: shown(chatid, index), item: { kind: "message", message: structuredClone(found) } });
        }
      }),
    deleteMessages: (chatid, msgids) =>
      run(() => {
        const list = messages.get(chatid) ?? [];
        for (const msgid of msgids) {
          const index = list.findIndex((m) => m.msgid === msgid);
          if (index < 0) continue;
          const at = shown(chatid, index);
          shownPart.set(chatid, timelineWindow.removedAt(part(chatid), index));
          list.splice(index, 1);
          if (at >= 0) emitTimeline(chatid, { op: "remove", index: at });
        }
      }),
    setPinned: (chatid, msgid, pinned) =>
      run(() => {
        const list = messages.get(chatid) ?? [];
        const index = list.findIndex((m) => m.msgid === msgid);
        const found = list[index] ?? fail("notFound");
        found.pinned = pinned;
        if (shown(chatid, index) >= 0) {
          emitTimeline(chatid, { op: "set", index: shown(chatid, index), item: { kind: "message", message: structuredClone(found) } });
        }
      }),
    // Forwarding, as the server does: a new message of mine with the original's text and
    // files that names the original's author.
    forwardMessage: (from, msgid, to) =>
      run(() => {
        const original =
          from.kind === "chat"
            ? ((messages.get(chatOf(from.chatid).chatid) ?? []).find((m) => m.msgid === msgid) ?? fail("notFound"))
            : threadMessage(from.cascadeId, from.threadId, msgid);
        const author = accounts.get(original.author)?.user;
        const forwarded: Forwarded = {
          text: original.message,
          files: structuredClone(original.files),
          from: original.author,
          fromName: author?.displayName ?? original.author,
        };
        if (to.kind === "chat") post(chatOf(to.chatid).chatid, signedIn().userid, forwarded.text, null, forwarded.files, forwarded);
        else postForwarded(to.cascadeId, to.threadId, forwarded);
      }),
    pinnedMessages: (chatid) =>
      ok(
        (messages.get(chatid) ?? [])
          .filter((m) => m.pinned)
          .map((message) => ({ message: structuredClone(message), pinnedBy: me?.userid ?? "", pinnedAt: message.sent_at })),
      ),
    nativeFileDialog: false,
    stageFile: async (file, name, onProgress) => {
      const stageId = nextId("stage");
      staged.set(stageId, { name, bytes: await readBytes(file) });
      onProgress?.(file.size);
      return stageId;
    },
    discardStaged: (stageId) => run(() => void staged.delete(stageId)),
    uploadAttachment: (stageId) =>
      run(() => {
        const { name, bytes } = staged.get(stageId) ?? fail("notFound");
        staged.delete(stageId);
        const fileID = nextId("f");
        const format = name.split(".").pop()?.toLowerCase() ?? "";
        const image = ["png", "jpg", "jpeg", "gif", "webp"].includes(format);
        const url = URL.createObjectURL(new Blob([bytes.slice()]));
        const attachment: Attachment = {
          fileID,
          fileName: name,
          format,
          type: image ? "image" : "file",
          path: url,
          size: bytes.length,
          height: null,
          width: null,
          hasThumbnail: false,
        };
        uploads.set(fileID, attachment);
        handlers.upload.forEach((h) => h({ id: fileID, name, sent: bytes.length, total: bytes.length, state: "done" }));
        return attachment;
      }),

    sendFileDirectly: (userid, stageId) =>
      run(() => {
        const { name, bytes } = staged.get(stageId) ?? fail("notFound");
        staged.delete(stageId);
        const transferId = nextId("t");
        emitTransfer({ ...newTransfer(transferId, "outgoing", userid, name, bytes.length), phase: "waiting" });
        return transferId;
      }),
    acceptTransfer: (transferId) =>
      run(() => {
        const offer = transfers.get(transferId);
        if (offer?.phase !== "offered") fail("notFound");
        emitTransfer({ ...offer!, phase: "connecting" });
      }),
    declineTransfer: (transferId) => run(() => endTransfer(transferId, "declined", false)),
    cancelTransfer: (transferId) => run(() => endTransfer(transferId, "cancelled", false)),
    showReceivedFile: (transferId) =>
      run(() => {
        if (!transfers.get(transferId)?.savedPath) fail("notFound");
        backend.revealed.push(transferId);
      }),

    changeUsername: (username) =>
      run(() => {
        if ([...accounts.values()].some((a) => a.user.username === username)) fail("usernameTaken");
        return updateMe({ username });
      }),
    changeDisplayName: (displayName) => run(() => updateMe({ displayName })),
    changeEmail: () => ok(undefined),
    changePhone: () => ok(undefined),
    changeProfilePicture: (_name, bytes) =>
      run(() => updateMe({ pfp: URL.createObjectURL(new Blob([bytes.slice()])) })),
    sessions: () =>
      ok([{ sessionId: "s1", os: "linux", language: "en", createdAt: clock, lastActive: clock, current: true }]),
    logOutSession: () => ok(undefined),
    deleteAccount: () =>
      run(() => {
        accounts.delete(signedIn().userid);
        me = null;
      }),

    on: {
      engine: (h) => listen("engine", h),
      chatList: (h) => listen("chatList", h),
      timeline: (h) => listen("timeline", h),
      // Nothing to connect to: the test backend is online unless a test says otherwise.
      connection: (h) => {
        h(connectionStatus.state);
        return listen("connection", h);
      },
      catchingUp: (h) => listen("catchingUp", h),
      upload: (h) => listen("upload", h),
      sessionEnded: (h) => listen("sessionEnded", h),
      openChat: (h) => listen("openChat", h),
      transfer: (h) => listen("transfer", h),
      cascadeList: (h) => listen("cascadeList", h),
      threadTimeline: (h) => listen("threadTimeline", h),
      threads: (h) => listen("threads", h),
      openThread: (h) => listen("openThread", h),
      unread: (h) => listen("unread", h),
      inviteOpened: (h) => listen("inviteOpened", h),
      call: (h) => listen("call", h),
      callQuality: (h) => listen("callQuality", h),
      removedFromCascade: (h) => listen("removedFromCascade", h),
      desktopSettings: (h) => listen("desktopSettings", h),
      galleryFeed: (h) => listen("galleryFeed", h),
      galleryComments: (h) => listen("galleryComments", h),
      galleryAlbums: (h) => listen("galleryAlbums", h),
      galleryCreator: (h) => listen("galleryCreator", h),
    },
    revealed: [],
    refuseNextSend(code) {
      refusal = code;
    },
    offerFile(partnerName, name, size) {
      const partner = [...accounts.values()].find((a) => a.user.username === partnerName) ?? fail("userNotFound");
      const transferId = nextId("t");
      emitTransfer({
        ...newTransfer(transferId, "incoming", partner.user.userid, name, size),
        peerName: partner.user.displayName,
        expiresAt: (clock + 600) * 1000,
      });
      return transferId;
    },
    updateTransfer(transferId, change) {
      const current = transfers.get(transferId) ?? fail("notFound");
      emitTransfer({ ...current, ...change });
    },

    deliver(partnerName, text, files = []) {
      signedIn();
      const partner =
        [...accounts.values()].find((a) => a.user.username === partnerName) ??
        account(partnerName, `${partnerName}@example.test`, "partner-password");
      let chat = chats.find((c) => c.user.userid === partner.user.userid);
      if (!chat) {
        chat = {
          chatid: nextId("chat"),
          user: structuredClone(partner.user),
          muted: false,
          notifications: 0,
          accepted: true,
          latestMessage: null,
        };
        chats.push(chat);
      }
      return post(chat.chatid, partner.user.userid, text, null, files);
    },
    seedHistory(partnerName, count, text) {
      const chatid = backend.deliver(partnerName, text(0)).chatid;
      const list = messages.get(chatid)!;
      const author = list[0]!.author;
      for (let n = 1; n < count; n++) {
        list.push({ ...list[0]!, msgid: nextId("m"), message: text(n), author, sent_at: { T: ++clock, I: 0 } });
      }
      return chatid;
    },
    signInAs(username) {
      const found = [...accounts.values()].find((a) => a.user.username === username) ?? account(username, `${username}@example.test`, "test-password");
      me = found.user;
      return structuredClone(me);
    },
  });
  const uploads = new Map<string, Attachment>();
  const staged = new Map<string, { name: string; bytes: Uint8Array }>();
  let refusal: ErrorCode | null = null;
  /** Refused sends, which sit after the messages of their chat's timeline. */
  const failed = new Map<string, PendingMessage>();
  function removeFailed(chatid: string, clientKey: string) {
    const stillFailed = [...failed.values()].filter((p) => p.chatid === chatid);
    const at = stillFailed.findIndex((p) => p.clientKey === clientKey);
    if (at < 0) return;
    failed.delete(clientKey);
    emitTimeline(chatid, { op: "remove", index: entries(chatid).length + at });
  }
  const transfers = new Map<string, TransferEntry>();
  function emitTransfer(transfer: TransferEntry) {
    transfers.set(transfer.transferId, transfer);
    handlers.transfer.forEach((h) => h(structuredClone(transfer)));
  }
  function endTransfer(transferId: string, phase: "declined" | "cancelled", byPeer: boolean) {
    const current = transfers.get(transferId) ?? fail("notFound");
    emitTransfer({ ...current, phase, byPeer });
  }
  return backend;
}

/** `implemented`, with every command of the bindings it lacks answering a local error. */
function withEveryCommand(implemented: MemoryImplementation): MemoryBackend {
  const members = implemented as unknown as Record<string, unknown>;
  for (const name of Object.keys(commands)) {
    if (name in members || (WRAPPED_COMMANDS as readonly string[]).includes(name)) continue;
    members[name] = () =>
      Promise.reject(new BackendError({ kind: "local", detail: `${name} is not in the in-memory backend` }));
  }
  return implemented as MemoryBackend;
}

/** The core's page and window (DEFAULT_PAGE_SIZE, timeline::WINDOW), which the browser-test
 * build pages direct chats with, so it measures what the app keeps. */
export const CORE_PAGE_SIZE = 50;
export const CORE_WINDOW = 5 * CORE_PAGE_SIZE;

/** The browser-test build's backend, reachable by a test driver as `window.chateniumTest`. */
export function exposeMemoryBackend(): MemoryBackend {
  const backend = createMemoryBackend({ pageSize: CORE_PAGE_SIZE, windowSize: CORE_WINDOW });
  (window as unknown as { chateniumTest: MemoryBackend }).chateniumTest = backend;
  return backend;
}

function newTransfer(
  transferId: string,
  side: TransferEntry["side"],
  peer: string,
  name: string,
  size: number,
): TransferEntry {
  return {
    transferId,
    side,
    peer,
    peerName: null,
    name,
    size,
    phase: "offered",
    bytes: 0,
    bytesPerSec: 0,
    secsLeft: null,
    expiresAt: null,
    savedPath: null,
    failure: null,
    byPeer: false,
  };
}

/** A blob's bytes through FileReader, which jsdom's blobs have (they lack `arrayBuffer`). */
function readBytes(blob: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

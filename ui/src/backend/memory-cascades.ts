// The cascades and threads of the in-memory backend (./memory): cascades with members, bans and
// an invite, the thread tree, and thread timelines with the same promises as a chat's (a
// snapshot, then diffs). Test hooks let another member act: create, join, write, remove you.
import { BackendError, type Backend, type Ban, type CascadeRemoval, type Cascade, type CascadeMember, type CascadeRole, type DiscoveryCascade, type ErrorCode, type ListDiff, type Message, type PendingMessage, type Thread, type TimelineEntry, type UnreadCounts, type User } from "./index";

/** What the cascades share with the rest of the fake server. */
export interface World {
  signedIn(): User;
  /** A user by name, made on first use. */
  user(username: string): User;
  nextId(prefix: string): string;
  /** The next moment of the fake clock. */
  tick(): { T: number; I: number };
  emit: {
    cascadeList(diff: ListDiff<Cascade>): void;
    threadTimeline(cascadeId: string, threadId: string, diff: ListDiff<TimelineEntry>): void;
    threads(cascadeId: string, parentId: string | null, threads: Thread[]): void;
    unread(unread: UnreadCounts): void;
    removedFromCascade(removal: CascadeRemoval): void;
  };
  /** Attachments uploaded by `uploadAttachment`, by file id. */
  attachment(fileId: string): Message["files"][number] | undefined;
  /** The code the next send is refused with, taken once. */
  takeRefusal(): ErrorCode | null;
}

export interface CascadeHooks {
  /** Another user makes a cascade (not joined by the signed-in user). */
  cascadeBy(username: string, name: string, isPublic: boolean): Cascade;
  /** Another user joins a cascade. */
  joinAs(username: string, cascadeId: string): void;
  /** Another user starts a thread (or subthread). */
  threadBy(username: string, cascadeId: string, name: string, parentId?: string | null): Thread;
  /** Another member writes in a thread. */
  threadMessageFrom(username: string, cascadeId: string, threadId: string, text: string, replyToId?: string | null): Message;
  /** The owner removes the signed-in user (a kick, or a ban with an optional reason). */
  removeMe(cascadeId: string, ban: boolean, reason?: string | null): void;
  /** The owner renames a cascade. */
  renameAs(cascadeId: string, name: string): void;
  /** Adds `count` messages from `username` to a thread at once, with no events. */
  seedThread(username: string, cascadeId: string, threadId: string, count: number, text: (n: number) => string): void;
}

type Implemented = Pick<
  Backend,
  | "cascadeList"
  | "discoverCascades"
  | "cascadeFromInvite"
  | "joinCascadeFromInvite"
  | "joinPublicCascade"
  | "leaveCascade"
  | "renameCascade"
  | "setCascadePublic"
  | "kickMember"
  | "banMember"
  | "cascadeBans"
  | "unbanMember"
  | "threads"
  | "createThread"
  | "updateThread"
  | "closeThread"
  | "openThread"
  | "closeThreadTimeline"
  | "loadOlderInThread"
  | "loadNewerInThread"
  | "jumpToThreadMessage"
  | "sendThreadMessage"
  | "retryThreadSend"
  | "discardThreadSend"
  | "editThreadMessage"
  | "deleteThreadMessages"
  | "setThreadMessagePinned"
  | "pinnedThreadMessages"
  | "unreadCounts"
  | "mutedCascades"
  | "setCascadeMuted"
> & { createCascade(name: string, isPublic: boolean, picture: { name: string; bytes: Uint8Array } | null): Promise<Cascade> };

interface Stored {
  cascadeId: string;
  name: string;
  ownerId: string;
  public: boolean;
  picture: string | null;
  members: CascadeMember[];
  bans: Ban[];
  invite: string;
  createdAt: { T: number; I: number };
}

const fail = (code: ErrorCode): never => {
  throw new BackendError({ kind: "api", code });
};

const run = <T>(work: () => T): Promise<T> => {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
};

/** What a forward copies of its original, and whose it was. */
export interface Forwarded {
  text: string;
  files: Message["files"];
  from: string;
  fromName: string;
}

/** Forwarding into and out of threads, for the chats' side of the fake (./memory). */
export interface ThreadForwarding {
  /** A message of a thread of the signed-in user's, or `notFound`. */
  threadMessage(cascadeId: string, threadId: string, msgid: string): Message;
  /** Stores a forward as the signed-in user's newest message of the thread. */
  postForwarded(cascadeId: string, threadId: string, forwarded: Forwarded): Message;
}

export function cascadeBackend(world: World): Implemented & CascadeHooks & ThreadForwarding {
  const cascades: Stored[] = [];
  const threads: Thread[] = [];
  const logs = new Map<string, Message[]>();
  const open = new Set<string>();
  const failed = new Map<string, PendingMessage & { cascadeId: string }>();
  const unread = new Map<string, number>();
  /** Muted on this device: the engine silences their notifications; counts stay. */
  const muted = new Set<string>();
  const key = (cascadeId: string, threadId: string) => `${cascadeId}/${threadId}`;

  const find = (cascadeId: string) => cascades.find((c) => c.cascadeId === cascadeId) ?? fail("notFound");
  const memberOf = (stored: Stored, userid: string) => stored.members.find((m) => m.user.userid === userid);
  const roleOf = (stored: Stored, userid: string): CascadeRole => memberOf(stored, userid)?.role ?? fail("notFound");
  const mine = (cascadeId: string) => {
    const stored = find(cascadeId);
    roleOf(stored, world.signedIn().userid);
    return stored;
  };
  const mayModerate = (stored: Stored) => roleOf(stored, world.signedIn().userid) !== "member" || fail("forbidden");
  const view = (stored: Stored, userid: string): Cascade => {
    const role = roleOf(stored, userid);
    return structuredClone({
      cascadeId: stored.cascadeId,
      name: stored.name,
      ownerId: stored.ownerId,
      public: stored.public,
      picture: stored.picture,
      role,
      members: stored.members,
      invite: role === "member" ? null : { code: stored.invite, expiresAt: null, maxUses: null, uses: 0 },
      createdAt: stored.createdAt,
    });
  };
  const listed = (): Cascade[] => {
    const me = world.signedIn().userid;
    return cascades.filter((c) => memberOf(c, me)).map((c) => view(c, me));
  };
  const emitList = () => world.emit.cascadeList({ op: "reset", items: listed() });
  const discovery = (stored: Stored): DiscoveryCascade => ({
    cascadeId: stored.cascadeId,
    name: stored.name,
    picture: stored.picture,
    public: stored.public,
    memberCount: stored.members.length,
    threadCount: threads.filter((t) => t.cascadeId === stored.cascadeId).length,
    recentMessages: [...logs.entries()].filter(([k]) => k.startsWith(`${stored.cascadeId}/`)).reduce((n, [, l]) => n + l.length, 0),
  });
  const make = (owner: User, name: string, isPublic: boolean, picture: string | null): Stored => {
    const stored: Stored = {
      cascadeId: world.nextId("cascade"),
      name,
      ownerId: owner.userid,
      public: isPublic,
      picture,
      members: [{ user: structuredClone(owner), role: "owner" }],
      bans: [],
      invite: world.nextId("invite"),
      createdAt: world.tick(),
    };
    cascades.push(stored);
    return stored;
  };
  const join = (stored: Stored, user: User) => {
    if (stored.bans.some((b) => b.user.userid === user.userid)) fail("forbidden");
    if (!memberOf(stored, user.userid)) stored.members.push({ user: structuredClone(user), role: "member" });
  };
  const children = (cascadeId: string, parentId: string | null) =>
    structuredClone(threads.filter((t) => t.cascadeId === cascadeId && t.parentId === parentId));
  const emitThreads = (cascadeId: string, parentId: string | null) => world.emit.threads(cascadeId, parentId, children(cascadeId, parentId));
  const threadOf = (cascadeId: string, threadId: string) =>
    threads.find((t) => t.cascadeId === cascadeId && t.threadId === threadId) ?? fail("notFound");
  const newThread = (by: User, cascadeId: string, parentId: string | null, name: string, description: string | null) => {
    if (parentId) threadOf(cascadeId, parentId);
    const thread: Thread = { threadId: world.nextId("thread"), cascadeId, parentId, name, description, createdBy: by.userid, createdAt: world.tick() };
    threads.push(thread);
    emitThreads(cascadeId, parentId);
    return structuredClone(thread);
  };

  const logOf = (cascadeId: string, threadId: string) => {
    const k = key(cascadeId, threadId);
    const list = logs.get(k) ?? [];
    logs.set(k, list);
    return list;
  };
  const entries = (cascadeId: string, threadId: string): TimelineEntry[] => [
    ...logOf(cascadeId, threadId).map((message): TimelineEntry => ({ kind: "message", message: structuredClone(message) })),
    ...[...failed.values()]
      .filter((p) => p.cascadeId === cascadeId && p.chatid === threadId)
      .map(({ cascadeId: _, ...pending }): TimelineEntry => ({ kind: "pending", pending })),
  ];
  const emitTimeline = (cascadeId: string, threadId: string, diff: ListDiff<TimelineEntry>) => {
    if (open.has(key(cascadeId, threadId))) world.emit.threadTimeline(cascadeId, threadId, diff);
  };
  const counts = (): UnreadCounts => {
    const conversations = [...unread.entries()]
      .filter(([, count]) => count > 0)
      .map(([k, count]) => {
        const [cascadeId, threadId] = k.split("/") as [string, string];
        return { conversation: { kind: "thread" as const, cascadeId, threadId }, count };
      });
    return { conversations, total: conversations.reduce((n, c) => n + c.count, 0) };
  };
  const post = (
    author: User,
    cascadeId: string,
    threadId: string,
    text: string,
    replyToId: string | null,
    fileIds: string[],
    forwarded: Forwarded | null = null,
  ) => {
    const list = logOf(cascadeId, threadId);
    const reply = replyToId ? list.find((m) => m.msgid === replyToId) : undefined;
    const message: Message = {
      msgid: world.nextId("tm"),
      chatid: threadId,
      author: author.userid,
      message: text,
      sent_at: world.tick(),
      isEdited: false,
      seen: false,
      pinned: false,
      replyToId,
      replyTo: reply?.message ?? null,
      files: forwarded?.files ?? fileIds.map((id) => world.attachment(id)).filter((f) => f !== undefined),
      clientKey: null,
      forwardedFrom: forwarded?.from ?? null,
      forwardedFromName: forwarded?.fromName ?? null,
      metaData: null,
    };
    list.push(message);
    emitTimeline(cascadeId, threadId, { op: "insert", index: list.length - 1, item: { kind: "message", message: structuredClone(message) } });
    const me = world.signedIn().userid;
    const k = key(cascadeId, threadId);
    if (author.userid !== me && !open.has(k) && memberOf(find(cascadeId), me)) {
      unread.set(k, (unread.get(k) ?? 0) + 1);
      world.emit.unread(counts());
    }
    return message;
  };
  const change = (cascadeId: string, threadId: string, msgid: string, apply: (m: Message) => void) => {
    const list = logOf(cascadeId, threadId);
    const index = list.findIndex((m) => m.msgid === msgid);
    const found = list[index] ?? fail("notFound");
    apply(found);
    emitTimeline(cascadeId, threadId, { op: "set", index, item: { kind: "message", message: structuredClone(found) } });
  };
  const removeFailed = (cascadeId: string, threadId: string, clientKey: string) => {
    const at = entries(cascadeId, threadId).findIndex((e) => e.kind === "pending" && e.pending.clientKey === clientKey);
    const pending = failed.get(clientKey) ?? fail("notFound");
    failed.delete(clientKey);
    if (at >= 0) emitTimeline(cascadeId, threadId, { op: "remove", index: at });
    return pending;
  };
  const removeMember = (cascadeId: string, userid: string, ban: boolean, reason: string | null) => {
    const stored = find(cascadeId);
    const member = memberOf(stored, userid) ?? fail("notFound");
    if (member.role === "owner") fail("forbidden");
    stored.members = stored.members.filter((m) => m.user.userid !== userid);
    if (ban) stored.bans.push({ user: structuredClone(member.user), bannedBy: world.signedIn().userid, reason, bannedAt: world.tick() });
    emitList();
  };

  return {
    threadMessage: (cascadeId, threadId, msgid) => {
      mine(cascadeId);
      threadOf(cascadeId, threadId);
      return structuredClone(logOf(cascadeId, threadId).find((m) => m.msgid === msgid) ?? fail("notFound"));
    },
    postForwarded: (cascadeId, threadId, forwarded) => {
      mine(cascadeId);
      threadOf(cascadeId, threadId);
      return post(world.signedIn(), cascadeId, threadId, forwarded.text, null, [], forwarded);
    },
    cascadeList: () => run(listed),
    mutedCascades: () => run(() => [...muted].sort()),
    setCascadeMuted: (cascadeId, on) =>
      run(() => {
        mine(cascadeId);
        if (on) muted.add(cascadeId);
        else muted.delete(cascadeId);
      }),
    createCascade: (name, isPublic, picture) =>
      run(() => {
        if (!name.trim()) fail("badRequest");
        const url = picture ? URL.createObjectURL(new Blob([picture.bytes.slice()])) : null;
        const stored = make(world.signedIn(), name, isPublic, url);
        emitList();
        return view(stored, world.signedIn().userid);
      }),
    discoverCascades: (from, limit) =>
      run(() => {
        const start = from ?? 0;
        return cascades
          .filter((c) => c.public)
          .slice(start, start + (limit ?? 50))
          .map(discovery);
      }),
    cascadeFromInvite: (code) => run(() => discovery(cascades.find((c) => c.invite === code.trim()) ?? fail("notFound"))),
    joinCascadeFromInvite: (code) =>
      run(() => {
        const stored = cascades.find((c) => c.invite === code.trim()) ?? fail("notFound");
        join(stored, world.signedIn());
        emitList();
        return view(stored, world.signedIn().userid);
      }),
    joinPublicCascade: (cascadeId) =>
      run(() => {
        const stored = find(cascadeId);
        if (!stored.public) fail("notFound");
        join(stored, world.signedIn());
        emitList();
        return view(stored, world.signedIn().userid);
      }),
    leaveCascade: (cascadeId) =>
      run(() => {
        const stored = mine(cascadeId);
        const me = world.signedIn().userid;
        if (stored.ownerId === me) cascades.splice(cascades.indexOf(stored), 1);
        else stored.members = stored.members.filter((m) => m.user.userid !== me);
        emitList();
      }),
    renameCascade: (cascadeId, name) =>
      run(() => {
        const stored = mine(cascadeId);
        mayModerate(stored);
        stored.name = name;
        emitList();
      }),
    setCascadePublic: (cascadeId, isPublic) =>
      run(() => {
        const stored = mine(cascadeId);
        mayModerate(stored);
        stored.public = isPublic;
        emitList();
      }),
    kickMember: (cascadeId, userid) => run(() => (mayModerate(mine(cascadeId)), removeMember(cascadeId, userid, false, null))),
    banMember: (cascadeId, userid, reason) => run(() => (mayModerate(mine(cascadeId)), removeMember(cascadeId, userid, true, reason))),
    cascadeBans: (cascadeId) =>
      run(() => {
        const stored = mine(cascadeId);
        mayModerate(stored);
        return structuredClone(stored.bans);
      }),
    unbanMember: (cascadeId, userid) =>
      run(() => {
        const stored = mine(cascadeId);
        mayModerate(stored);
        stored.bans = stored.bans.filter((b) => b.user.userid !== userid);
      }),
    threads: (cascadeId, parentId) => run(() => (mine(cascadeId), children(cascadeId, parentId))),
    createThread: (cascadeId, parentId, name, description) =>
      run(() => (mine(cascadeId), newThread(world.signedIn(), cascadeId, parentId, name, description))),
    updateThread: (cascadeId, threadId, name, description) =>
      run(() => {
        mine(cascadeId);
        const thread = threadOf(cascadeId, threadId);
        if (name !== null) thread.name = name;
        // As the server does: a blank description clears it.
        if (description !== null) thread.description = description.trim() || null;
        emitThreads(cascadeId, thread.parentId);
        return structuredClone(thread);
      }),
    closeThread: (cascadeId, threadId) =>
      run(() => {
        mine(cascadeId);
        const thread = threadOf(cascadeId, threadId);
        const gone = new Set([threadId]);
        for (let grew = true; grew; ) {
          grew = false;
          for (const t of threads) if (t.parentId && gone.has(t.parentId) && !gone.has(t.threadId)) (gone.add(t.threadId), (grew = true));
        }
        for (let i = threads.length - 1; i >= 0; i--) if (threads[i]!.cascadeId === cascadeId && gone.has(threads[i]!.threadId)) threads.splice(i, 1);
        emitThreads(cascadeId, thread.parentId);
      }),

    openThread: (cascadeId, threadId) =>
      run(() => {
        mine(cascadeId);
        threadOf(cascadeId, threadId);
        open.add(key(cascadeId, threadId));
        if (unread.delete(key(cascadeId, threadId))) world.emit.unread(counts());
        return entries(cascadeId, threadId);
      }),
    closeThreadTimeline: (cascadeId, threadId) => run(() => void open.delete(key(cascadeId, threadId))),
    // A thread opens with its whole history here: nothing older or newer is ever missing.
    loadOlderInThread: () => Promise.resolve(0),
    loadNewerInThread: () => Promise.resolve(0),
    jumpToThreadMessage: (cascadeId, threadId) =>
      run(() => emitTimeline(cascadeId, threadId, { op: "reset", items: entries(cascadeId, threadId) })),
    sendThreadMessage: (cascadeId, threadId, text, replyToId, fileIds) =>
      run(() => {
        mine(cascadeId);
        threadOf(cascadeId, threadId);
        const refusal = world.takeRefusal();
        if (refusal) {
          const pending = { clientKey: world.nextId("k"), chatid: threadId, text, replyToId, fileIds, queuedAt: world.tick(), failure: refusal };
          failed.set(pending.clientKey, { ...pending, cascadeId });
          emitTimeline(cascadeId, threadId, { op: "append", items: [{ kind: "pending", pending }] });
          return pending.clientKey;
        }
        return post(world.signedIn(), cascadeId, threadId, text, replyToId, fileIds).msgid;
      }),
    retryThreadSend: (cascadeId, threadId, clientKey) =>
      run(() => {
        const pending = removeFailed(cascadeId, threadId, clientKey);
        post(world.signedIn(), cascadeId, threadId, pending.text, pending.replyToId, pending.fileIds);
      }),
    discardThreadSend: (cascadeId, threadId, clientKey) => run(() => void removeFailed(cascadeId, threadId, clientKey)),
    editThreadMessage: (cascadeId, threadId, msgid, text) =>
      run(() =>
        change(cascadeId, threadId, msgid, (m) => {
          if (m.author !== world.signedIn().userid) fail("notAuthor");
          m.message = text;
          m.isEdited = true;
        }),
      ),
    deleteThreadMessages: (cascadeId, threadId, msgids) =>
      run(() => {
        const list = logOf(cascadeId, threadId);
        for (const msgid of msgids) {
          const index = list.findIndex((m) => m.msgid === msgid);
          if (index < 0) continue;
          list.splice(index, 1);
          emitTimeline(cascadeId, threadId, { op: "remove", index });
        }
      }),
    setThreadMessagePinned: (cascadeId, threadId, msgid, pinned) => run(() => change(cascadeId, threadId, msgid, (m) => (m.pinned = pinned))),
    pinnedThreadMessages: (cascadeId, threadId) =>
      run(() => logOf(cascadeId, threadId).filter((m) => m.pinned).map((message): TimelineEntry => ({ kind: "message", message: structuredClone(message) }))),
    unreadCounts: () => run(counts),

    cascadeBy(username, name, isPublic) {
      const stored = make(world.user(username), name, isPublic, null);
      return view(stored, stored.ownerId);
    },
    joinAs(username, cascadeId) {
      join(find(cascadeId), world.user(username));
      if (memberOf(find(cascadeId), world.signedIn().userid)) emitList();
    },
    threadBy(username, cascadeId, name, parentId = null) {
      return newThread(world.user(username), cascadeId, parentId, name, null);
    },
    threadMessageFrom(username, cascadeId, threadId, text, replyToId = null) {
      return post(world.user(username), cascadeId, threadId, text, replyToId, []);
    },
    removeMe(cascadeId, ban, reason = null) {
      const stored = find(cascadeId);
      const me = world.signedIn();
      stored.members = stored.members.filter((m) => m.user.userid !== me.userid);
      if (ban) stored.bans.push({ user: structuredClone(me), bannedBy: stored.ownerId, reason, bannedAt: world.tick() });
      // As the core does: the removal first, then the list without the cascade.
      world.emit.removedFromCascade({ cascadeId, banned: ban, reason: ban ? reason : null });
      emitList();
    },
    renameAs(cascadeId, name) {
      find(cascadeId).name = name;
      emitList();
    },
    seedThread(username, cascadeId, threadId, count, text) {
      const author = world.user(username).userid;
      const list = logOf(cascadeId, threadId);
      for (let n = 0; n < count; n++) {
        list.push({
          msgid: world.nextId("tm"),
          chatid: threadId,
          author,
          message: text(n),
          sent_at: world.tick(),
          isEdited: false,
          seen: false,
          pinned: false,
          replyToId: null,
          replyTo: null,
          files: [],
          clientKey: null,
          forwardedFrom: null,
          forwardedFromName: null,
          metaData: null,
        });
      }
    },
  };
}

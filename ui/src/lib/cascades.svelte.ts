// What the cascade screens share: who may do what (the server decides; the UI shows an action
// only to who may take it), invite links, and the index of every known thread, kept from the
// tree loads and the `threads` events (the tree, the switcher and the unread roll-up read it).
import type { Backend, Cascade, CascadeRole, Thread, UnreadCounts } from "../backend";

export const moderates = (role: CascadeRole) => role === "owner" || role === "admin";

/** The owner removes anyone but themselves; an admin removes members only. */
export const mayRemove = (mine: CascadeRole, theirs: CascadeRole) =>
  theirs !== "owner" && (mine === "owner" || (mine === "admin" && theirs === "member"));

/** A thread is updated or closed by a moderator or by whoever started it. */
export const mayManageThread = (cascade: Cascade, thread: Thread, me: string) =>
  moderates(cascade.role) || thread.createdBy === me;

export const INVITE_PREFIX = "chatenium://invite/";
export const inviteLink = (code: string) => `${INVITE_PREFIX}${encodeURIComponent(code)}`;

/** The code in an invite link or a pasted code (a link of the web service's form too). */
export function inviteCode(text: string): string {
  const trimmed = text.trim();
  const match = /invite\/([^/?#\s]+)/.exec(trimmed);
  return decodeURIComponent(match ? match[1]! : trimmed);
}

const slot = (cascadeId: string, parentId: string | null) => `${cascadeId}|${parentId ?? ""}`;

export class ThreadIndex {
  /** Threads by `cascadeId|parentId` (an empty parent: the root threads). */
  private byParent = $state.raw<Record<string, Thread[]>>({});
  /** When each level was last set (a counter): a load answered after a newer event is stale. */
  private setAt = new Map<string, number>();
  private clock = 0;

  children(cascadeId: string, parentId: string | null): Thread[] {
    return this.byParent[slot(cascadeId, parentId)] ?? [];
  }

  set(cascadeId: string, parentId: string | null, threads: Thread[]) {
    this.setAt.set(slot(cascadeId, parentId), ++this.clock);
    this.byParent = { ...this.byParent, [slot(cascadeId, parentId)]: threads };
  }

  /** Every known thread of a cascade (all of them, when `cascadeId` is null). */
  all(cascadeId: string | null = null): Thread[] {
    return Object.entries(this.byParent)
      .filter(([k]) => cascadeId === null || k.startsWith(`${cascadeId}|`))
      .flatMap(([, list]) => list);
  }

  find(cascadeId: string, threadId: string): Thread | undefined {
    return this.all(cascadeId).find((t) => t.threadId === threadId);
  }

  forget(cascadeId: string) {
    for (const key of this.setAt.keys()) if (key.startsWith(`${cascadeId}|`)) this.setAt.delete(key);
    this.byParent = Object.fromEntries(Object.entries(this.byParent).filter(([k]) => !k.startsWith(`${cascadeId}|`)));
  }

  /** Loads a cascade's whole tree, level by level. */
  async load(backend: Backend, cascadeId: string, parentId: string | null = null): Promise<void> {
    const asked = ++this.clock;
    let threads = await backend.threads(cascadeId, parentId);
    if ((this.setAt.get(slot(cascadeId, parentId)) ?? 0) > asked) threads = this.children(cascadeId, parentId);
    else this.set(cascadeId, parentId, threads);
    await Promise.all(threads.map((t) => this.load(backend, cascadeId, t.threadId)));
  }

  /** A `threads` event: the level as it is now, and the trees of threads new in it. */
  async changed(backend: Backend, cascadeId: string, parentId: string | null, threads: Thread[]): Promise<void> {
    const known = new Set(this.children(cascadeId, parentId).map((t) => t.threadId));
    this.set(cascadeId, parentId, threads);
    await Promise.all(threads.filter((t) => !known.has(t.threadId)).map((t) => this.load(backend, cascadeId, t.threadId)));
  }
}

/** Unread messages per thread and rolled up per cascade. */
export function threadUnread(unread: UnreadCounts): { threads: Record<string, number>; cascades: Record<string, number> } {
  const threads: Record<string, number> = {};
  const cascades: Record<string, number> = {};
  for (const { conversation, count } of unread.conversations) {
    if (conversation.kind !== "thread") continue;
    threads[`${conversation.cascadeId}/${conversation.threadId}`] = count;
    cascades[conversation.cascadeId] = (cascades[conversation.cascadeId] ?? 0) + count;
  }
  return { threads, cascades };
}

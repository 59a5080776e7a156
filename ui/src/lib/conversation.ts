// One timeline for direct chats and threads: what a conversation view needs from the backend,
// as one port per kind. The view (ConversationView.svelte) does not know which it shows; the
// rows are the same `TimelineEntry` for both (Rust shapes a thread's rows as a chat's).
import type { Backend, ConversationRef, ListDiff, TimelineEntry, Unsubscribe } from "../backend";

export interface ConversationPort {
  /** Unique over chats and threads (for keys and the composer's draft). */
  key: string;
  /** Which conversation it is, as commands name it (forwarding names its source). */
  conversation: ConversationRef;
  open(): Promise<TimelineEntry[]>;
  close(): Promise<void>;
  onChange(handler: (diff: ListDiff<TimelineEntry>) => void): Promise<Unsubscribe>;
  /** The conversation is on screen: what arrived is read. */
  markRead(): Promise<void>;
  loadOlder(): Promise<number>;
  loadNewer(): Promise<number>;
  jump(msgid: string): Promise<void>;
  send(text: string, replyToId: string | null, fileIds: string[]): Promise<unknown>;
  retry(clientKey: string): Promise<void>;
  discard(clientKey: string): Promise<void>;
  edit(msgid: string, text: string): Promise<void>;
  delete(msgids: string[]): Promise<void>;
  setPinned(msgid: string, pinned: boolean): Promise<void>;
  /** The pinned messages: id and text. */
  pinned(): Promise<{ msgid: string; text: string }[]>;
}

export function dmPort(backend: Backend, chatid: string): ConversationPort {
  return {
    key: `chat:${chatid}`,
    conversation: { kind: "chat", chatid },
    open: () => backend.openChat(chatid),
    close: () => backend.closeChat(chatid),
    onChange: (handler) => backend.on.timeline((changed, diff) => changed === chatid && handler(diff)),
    markRead: () => backend.markRead(chatid),
    loadOlder: () => backend.loadOlder(chatid),
    loadNewer: () => backend.loadNewer(chatid),
    jump: (msgid) => backend.jumpToMessage(chatid, msgid),
    send: (text, replyToId, fileIds) => backend.sendMessage(chatid, text, replyToId, fileIds),
    retry: (clientKey) => backend.retrySend(chatid, clientKey),
    discard: (clientKey) => backend.discardSend(chatid, clientKey),
    edit: (msgid, text) => backend.editMessage(chatid, msgid, text),
    delete: (msgids) => backend.deleteMessages(chatid, msgids),
    setPinned: (msgid, pinned) => backend.setPinned(chatid, msgid, pinned),
    pinned: async () => (await backend.pinnedMessages(chatid)).map((p) => ({ msgid: p.message.msgid, text: p.message.message })),
  };
}

export function threadPort(backend: Backend, cascadeId: string, threadId: string): ConversationPort {
  return {
    key: `thread:${cascadeId}/${threadId}`,
    conversation: { kind: "thread", cascadeId, threadId },
    open: () => backend.openThread(cascadeId, threadId),
    close: () => backend.closeThreadTimeline(cascadeId, threadId),
    onChange: (handler) =>
      backend.on.threadTimeline((c, t, diff) => c === cascadeId && t === threadId && handler(diff)),
    // A thread is read by being shown (the core's attention machine clears its count).
    markRead: () => Promise.resolve(),
    loadOlder: () => backend.loadOlderInThread(cascadeId, threadId),
    loadNewer: () => backend.loadNewerInThread(cascadeId, threadId),
    jump: (msgid) => backend.jumpToThreadMessage(cascadeId, threadId, msgid),
    send: (text, replyToId, fileIds) => backend.sendThreadMessage(cascadeId, threadId, text, replyToId, fileIds),
    retry: (clientKey) => backend.retryThreadSend(cascadeId, threadId, clientKey),
    discard: (clientKey) => backend.discardThreadSend(cascadeId, threadId, clientKey),
    edit: (msgid, text) => backend.editThreadMessage(cascadeId, threadId, msgid, text),
    delete: (msgids) => backend.deleteThreadMessages(cascadeId, threadId, msgids),
    setPinned: (msgid, pinned) => backend.setThreadMessagePinned(cascadeId, threadId, msgid, pinned),
    pinned: async () =>
      (await backend.pinnedThreadMessages(cascadeId, threadId)).flatMap((e) =>
        e.kind === "message" ? [{ msgid: e.message.msgid, text: e.message.message }] : [],
      ),
  };
}

// The in-memory backend's search: a simple equivalent of the core's FTS5 index (accents and
// case folded, each word a prefix of a word of the message, every word required), enough for
// the UI's tests; ranked by how many words matched, newest first among equals.
import type { SearchRequest_Deserialize, SearchResult } from "../bindings";
import type { ConversationRef, Message } from "./index";

export interface SearchableMessage {
  conversation: ConversationRef;
  message: Pick<Message, "msgid" | "author" | "message" | "sent_at" | "files">;
}

const fold = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase();
const wordsOf = (text: string) => fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
const sameConversation = (a: ConversationRef, b: ConversationRef) =>
  a.kind === "chat" ? b.kind === "chat" && a.chatid === b.chatid : b.kind === "thread" && a.cascadeId === b.cascadeId && a.threadId === b.threadId;

export function searchMessages(all: readonly SearchableMessage[], request: SearchRequest_Deserialize): SearchResult[] {
  const wanted = wordsOf(request.text);
  if (wanted.length === 0) return [];
  const hits: { result: SearchResult; score: number; at: number }[] = [];
  for (const { conversation, message } of all) {
    if (request.conversation && !sameConversation(request.conversation, conversation)) continue;
    if (request.author && message.author !== request.author) continue;
    if (request.hasAttachment !== null && request.hasAttachment !== undefined && request.hasAttachment !== message.files.length > 0) continue;
    const at = message.sent_at.T ?? 0;
    if (request.since && at < (request.since.T ?? 0)) continue;
    if (request.until && at >= (request.until.T ?? 0)) continue;
    // The message's words with where each starts, in code points (the ranges' unit).
    const points = Array.from(message.message);
    const words: { folded: string; start: number; end: number }[] = [];
    let start = -1;
    points.forEach((point, index) => {
      const inWord = /[\p{L}\p{N}]/u.test(point);
      if (inWord && start < 0) start = index;
      if (!inWord && start >= 0) {
        words.push({ folded: fold(points.slice(start, index).join("")), start, end: index });
        start = -1;
      }
    });
    if (start >= 0) words.push({ folded: fold(points.slice(start).join("")), start, end: points.length });
    const matched = words.filter((w) => wanted.some((q) => w.folded.startsWith(q)));
    if (!wanted.every((q) => matched.some((w) => w.folded.startsWith(q)))) continue;
    hits.push({
      result: {
        conversation,
        msgid: message.msgid,
        author: message.author,
        sentAt: message.sent_at,
        snippet: message.message,
        matches: matched.map(({ start, end }) => ({ start, end })),
      },
      score: matched.length,
      at,
    });
  }
  hits.sort((a, b) => b.score - a.score || b.at - a.at);
  return hits.slice(0, request.limit ?? 50).map((h) => h.result);
}

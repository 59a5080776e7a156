// How a timeline reads: consecutive messages of one author within a few minutes form a group
// (one avatar and name for the group), and a new calendar day starts with a separator.
import type { TimelineEntry } from "../backend";
import { dateFormat } from "./format";

/** Messages further apart than this start a new group, as in Discord. */
const GROUP_GAP_SECONDS = 7 * 60;

export interface EntryMeta {
  author: string;
  /** Seconds since the epoch (a pending message: when it was queued); null if unknown. */
  seconds: number | null;
  isReply: boolean;
}

export function entryMeta(entry: TimelineEntry, me: string): EntryMeta {
  if (entry.kind === "message") {
    const message = entry.message;
    return { author: message.author, seconds: message.sent_at.T ?? null, isReply: message.replyToId !== null };
  }
  return { author: me, seconds: entry.pending.queuedAt.T ?? null, isReply: entry.pending.replyToId !== null };
}

export const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

export interface RowPlace {
  /** The row opens a new calendar day: show this day above it. */
  day: Date | null;
  /** The row continues the previous row's group: no avatar or name. */
  continues: boolean;
}

export function rowPlace(entry: TimelineEntry, previous: TimelineEntry | undefined, me: string): RowPlace {
  const current = entryMeta(entry, me);
  const date = current.seconds === null ? null : new Date(current.seconds * 1000);
  if (!previous) return { day: date, continues: false };
  const before = entryMeta(previous, me);
  const beforeDate = before.seconds === null ? null : new Date(before.seconds * 1000);
  const newDay = date !== null && beforeDate !== null && !sameDay(date, beforeDate);
  const close =
    current.seconds === null || before.seconds === null || Math.abs(current.seconds - before.seconds) <= GROUP_GAP_SECONDS;
  return {
    day: newDay ? date : null,
    continues: !newDay && close && current.author === before.author && !current.isReply,
  };
}

/** "Today", "Yesterday" or the full date, in the reader's language. */
export function dayLabel(day: Date, language: string, words: { today: string; yesterday: string }, now = new Date()): string {
  if (sameDay(day, now)) return words.today;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(day, yesterday)) return words.yesterday;
  return dateFormat(language, {
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
  }).format(day);
}

/** When a chat last spoke, as chat lists show it: the time today, the weekday this week, else
 * the date. */
export function shortWhen(when: Date, language: string, now = new Date()): string {
  if (sameDay(when, now)) return dateFormat(language, { hour: "2-digit", minute: "2-digit" }).format(when);
  const days = (now.getTime() - when.getTime()) / 86_400_000;
  if (days >= 0 && days < 6) return dateFormat(language, { weekday: "short" }).format(when);
  return dateFormat(language, { year: "numeric", month: "short", day: "numeric" }).format(when);
}

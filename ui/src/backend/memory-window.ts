// Which part of a chat's history an open timeline shows, for the in-memory backend: the same
// rule as the core's timeline (crates/core/src/timeline.rs). A timeline opens at the newest page
// and keeps at most `size` messages; paging one way drops as many from the other end, and
// dropping the newest detaches it from the live end (live messages then wait for forward
// paging). Pure: positions in, positions out; the backend turns them into diffs.

export interface WindowRule {
  /** Messages per page (opening, paging back, paging forward). */
  pageSize: number;
  /** At most this many messages shown. */
  size: number;
}

/** History positions `from` to `to` (exclusive); `to` is `null` while the newest are shown. */
export interface Shown {
  from: number;
  to: number | null;
}

/** A move of the window: the history positions it brings in (shown at the front or the back),
 * then the rows it drops, as positions in the list shown once the new ones are in. */
export interface WindowStep {
  shown: Shown;
  added: { from: number; to: number } | null;
  dropped: { start: number; end: number } | null;
}

const end = (shown: Shown, length: number) => shown.to ?? length;

export const opened = (length: number, rule: WindowRule): Shown => ({ from: Math.max(0, length - rule.pageSize), to: null });

/** The row of history position `index` in the list shown, or -1 when it is not shown. */
export function rowOf(shown: Shown, index: number, length: number): number {
  return index >= shown.from && index < end(shown, length) ? index - shown.from : -1;
}

/** How many messages are shown. */
export const shownCount = (shown: Shown, length: number) => end(shown, length) - shown.from;

/** The page before the oldest shown; past the window, the newest go and the timeline detaches. */
export function pagedBack(shown: Shown, length: number, rule: WindowRule): WindowStep {
  const from = Math.max(0, shown.from - rule.pageSize);
  if (from === shown.from) return { shown, added: null, dropped: null };
  const count = end(shown, length) - from;
  const added = { from, to: shown.from };
  if (count <= rule.size) return { shown: { from, to: shown.to }, added, dropped: null };
  return { shown: { from, to: from + rule.size }, added, dropped: { start: rule.size, end: count } };
}

/** After the window was detached: the page after the newest shown; past the window, the oldest
 * go. Reaching the newest attaches it to the live end again. */
export function pagedForward(shown: Shown, length: number, rule: WindowRule): WindowStep {
  if (shown.to === null || shown.to >= length) return { shown: { from: shown.from, to: null }, added: null, dropped: null };
  const to = Math.min(length, shown.to + rule.pageSize);
  return trimFront({ from: shown.from, to: to >= length ? null : to }, length, { from: shown.to, to }, rule);
}

/** A message was added at the end of the history (`length` counts it): shown when the window
 * follows the live end, and then the oldest shown may go. */
export function liveAdded(shown: Shown, length: number, rule: WindowRule): WindowStep {
  if (shown.to !== null) return { shown, added: null, dropped: null };
  return trimFront(shown, length, { from: length - 1, to: length }, rule);
}

function trimFront(shown: Shown, length: number, added: WindowStep["added"], rule: WindowRule): WindowStep {
  const excess = shownCount(shown, length) - rule.size;
  if (excess <= 0) return { shown, added, dropped: null };
  return { shown: { from: shown.from + excess, to: shown.to }, added, dropped: { start: 0, end: excess } };
}

/** A jump: the page around history position `index`, detached unless it reaches the newest. */
export function jumpedTo(index: number, length: number, rule: WindowRule): Shown {
  const from = Math.max(0, index - Math.floor(rule.pageSize / 2));
  const to = from + rule.pageSize;
  return { from, to: to >= length ? null : to };
}

/** History position `index` was deleted: the window keeps showing the same messages. */
export function removedAt(shown: Shown, index: number): Shown {
  if (index < shown.from) return { from: shown.from - 1, to: shown.to === null ? null : shown.to - 1 };
  if (shown.to !== null && index < shown.to) return { from: shown.from, to: shown.to - 1 };
  return shown;
}

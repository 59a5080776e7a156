// Applies the core's list diffs. A list is replaced, never mutated, so a `$state.raw` array
// changes identity once per diff and a 100,000-row timeline is not deep-proxied.
import type { ListDiff } from "../backend";

export function applyDiff<T>(list: readonly T[], diff: ListDiff<T>): T[] {
  switch (diff.op) {
    case "reset":
      return [...diff.items];
    case "append":
      return [...list, ...diff.items];
    case "pushFront":
      return [...diff.items, ...list];
    case "insert":
      // Out of range means a missed diff: ignore it; the next reset repairs the list.
      return diff.index <= list.length ? [...list.slice(0, diff.index), diff.item, ...list.slice(diff.index)] : [...list];
    case "set":
      return diff.index < list.length ? list.map((item, i) => (i === diff.index ? diff.item : item)) : [...list];
    case "remove":
      return diff.index < list.length ? list.filter((_, i) => i !== diff.index) : [...list];
    case "removeRange":
      return diff.start <= diff.end && diff.end <= list.length
        ? [...list.slice(0, diff.start), ...list.slice(diff.end)]
        : [...list];
  }
}

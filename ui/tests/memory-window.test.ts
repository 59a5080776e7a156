import { describe, expect, it } from "vitest";
import {
  jumpedTo,
  liveAdded,
  opened,
  pagedBack,
  pagedForward,
  removedAt,
  rowOf,
  shownCount,
  type Shown,
  type WindowStep,
} from "../src/backend/memory-window";

const rule = { pageSize: 50, size: 150 };

/** The history positions a list shows, moved by `step` as the UI's diffs would move it. */
function apply(list: number[], step: WindowStep, at: "front" | "back"): number[] {
  let next = list;
  if (step.added) {
    const added = Array.from({ length: step.added.to - step.added.from }, (_, i) => step.added!.from + i);
    next = at === "front" ? [...added, ...next] : [...next, ...added];
  }
  if (step.dropped) next = [...next.slice(0, step.dropped.start), ...next.slice(step.dropped.end)];
  return next;
}

const positions = (shown: Shown, length: number) =>
  Array.from({ length: shownCount(shown, length) }, (_, i) => shown.from + i);

describe("the in-memory backend's timeline window", () => {
  it("pages back through any length keeping at most the window, and forward again to the live end", () => {
    const length = 1_000;
    let shown = opened(length, rule);
    let list = positions(shown, length);
    expect(list).toEqual(positions({ from: 950, to: null }, length));
    for (;;) {
      const step = pagedBack(shown, length, rule);
      if (!step.added) break;
      list = apply(list, step, "front");
      shown = step.shown;
      expect(list).toEqual(positions(shown, length));
      expect(list.length).toBeLessThanOrEqual(rule.size);
    }
    expect(shown).toEqual({ from: 0, to: 150 });
    // Detached: a live message is not shown, and the window does not move.
    expect(liveAdded(shown, length + 1, rule)).toEqual({ shown, added: null, dropped: null });
    for (;;) {
      const step = pagedForward(shown, length, rule);
      if (!step.added) break;
      list = apply(list, step, "back");
      shown = step.shown;
      expect(list).toEqual(positions(shown, length));
      expect(list.length).toBeLessThanOrEqual(rule.size);
    }
    expect(shown).toEqual({ from: 850, to: null });
    // At the live end, a new message shows and the oldest goes.
    const live = liveAdded(shown, length + 1, rule);
    expect(apply(list, live, "back")).toEqual(positions(live.shown, length + 1));
    expect(live.dropped).toEqual({ start: 0, end: 1 });
  });

  it("shows everything when there is no page size, as unit tests use it", () => {
    const unbounded = { pageSize: Infinity, size: Infinity };
    const shown = opened(100_000, unbounded);
    expect(shownCount(shown, 100_000)).toBe(100_000);
    expect(pagedBack(shown, 100_000, unbounded).added).toBeNull();
    expect(jumpedTo(5, 100_000, unbounded)).toEqual({ from: 0, to: null });
  });

  it("jumps to the page around a message, and keeps its messages when others are deleted", () => {
    const shown = jumpedTo(500, 1_000, rule);
    expect(shown).toEqual({ from: 475, to: 525 });
    expect(rowOf(shown, 500, 1_000)).toBe(25);
    expect(rowOf(shown, 525, 1_000)).toBe(-1);
    expect(jumpedTo(990, 1_000, rule)).toEqual({ from: 965, to: null });
    expect(removedAt(shown, 10)).toEqual({ from: 474, to: 524 });
    expect(removedAt(shown, 480)).toEqual({ from: 475, to: 524 });
    expect(removedAt(shown, 600)).toEqual(shown);
  });
});

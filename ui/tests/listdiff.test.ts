import { describe, expect, it } from "vitest";
import type { ListDiff } from "../src/backend";
import { applyDiff } from "../src/lib/listdiff";

describe("applyDiff", () => {
  it("rebuilds the list the core describes, and ignores a diff it cannot place", () => {
    const diffs: ListDiff<number>[] = [
      { op: "reset", items: [2, 3] },
      { op: "pushFront", items: [0, 1] },
      { op: "append", items: [5] },
      { op: "insert", index: 4, item: 4 },
      { op: "set", index: 0, item: 10 },
      { op: "remove", index: 1 },
      { op: "remove", index: 99 },
      { op: "insert", index: 99, item: 7 },
      { op: "append", items: [6, 7] },
      { op: "removeRange", start: 5, end: 7 },
      { op: "removeRange", start: 0, end: 1 },
      { op: "removeRange", start: 2, end: 99 },
      { op: "removeRange", start: 2, end: 1 },
      { op: "pushFront", items: [10] },
    ];
    let list: number[] = [];
    for (const diff of diffs) {
      const before = list;
      list = applyDiff(list, diff);
      expect(list).not.toBe(before);
    }
    expect(list).toEqual([10, 2, 3, 4, 5]);
  });
});

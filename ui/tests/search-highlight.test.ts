import { describe, expect, it } from "vitest";
import { snippetParts } from "../src/components/search/highlight";

describe("snippetParts", () => {
  it("splits a snippet at its match ranges, counting code points", () => {
    expect(snippetParts("🙂 a kávé és tea", [{ start: 4, end: 8 }, { start: 12, end: 15 }])).toEqual([
      { text: "🙂 a ", matched: false },
      { text: "kávé", matched: true },
      { text: " és ", matched: false },
      { text: "tea", matched: true },
    ]);
  });

  it("keeps markup as text and clips ranges past the end", () => {
    expect(snippetParts("<b>x</b>", [{ start: 3, end: 99 }])).toEqual([
      { text: "<b>", matched: false },
      { text: "x</b>", matched: true },
    ]);
    expect(snippetParts("plain", [])).toEqual([{ text: "plain", matched: false }]);
  });
});

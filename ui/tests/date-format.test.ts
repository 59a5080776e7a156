import { describe, expect, it } from "vitest";
import { DATE_AND_TIME, dateFormat } from "../src/lib/format";
import { dayLabel, shortWhen } from "../src/lib/timeline";

describe("dateFormat", () => {
  const when = new Date(2026, 10, 3, 14, 5, 9);

  it("reads as toLocale*String does, in both languages", () => {
    for (const language of ["en", "hu"]) {
      expect(dateFormat(language, DATE_AND_TIME).format(when)).toBe(when.toLocaleString(language));
      const clock = { hour: "2-digit", minute: "2-digit" } as const;
      expect(dateFormat(language, clock).format(when)).toBe(when.toLocaleTimeString(language, clock));
      const words = { today: "today", yesterday: "yesterday" };
      expect(dayLabel(when, language, words, new Date(2027, 0, 1))).toBe(
        when.toLocaleDateString(language, { weekday: "long", year: "numeric", month: "long", day: "numeric" }),
      );
      expect(shortWhen(when, language, new Date(2027, 0, 1))).toBe(
        when.toLocaleDateString(language, { year: "numeric", month: "short", day: "numeric" }),
      );
    }
  });

  it("makes one formatter per language and style, and reuses it", () => {
    const first = dateFormat("hu", { weekday: "short" });
    expect(dateFormat("hu", { weekday: "short" })).toBe(first);
    expect(dateFormat("en", { weekday: "short" })).not.toBe(first);
  });
});

// The design language's pure parts: initials and colours, grouping and day separators, the
// quick switcher's matching, and the theme setting.
import { afterEach, describe, expect, it } from "vitest";
import type { TimelineEntry } from "../src/backend";
import { colourIndex, initials, isPictureUrl } from "../src/lib/avatar";
import { matchItems, type SwitcherItem } from "../src/lib/navigation";
import { applyTheme, theme } from "../src/lib/theme.svelte";
import { dayLabel, rowPlace, shortWhen } from "../src/lib/timeline";

const message = (author: string, seconds: number, replyToId: string | null = null): TimelineEntry => ({
  kind: "message",
  message: {
    msgid: `m${seconds}`,
    chatid: "c",
    author,
    message: "text",
    files: [],
    sent_at: { T: seconds, I: 0 },
    isEdited: false,
    pinned: false,
    replyToId,
    replyTo: null,
  } as unknown as Extract<TimelineEntry, { kind: "message" }>["message"],
});

describe("avatars", () => {
  it("take the first letters of the first and last word, in upper case", () => {
    expect(initials("Ada Lovelace")).toBe("AL");
    expect(initials("  zoé ")).toBe("Z");
    expect(initials("Kovács Ödön Péter")).toBe("KP");
    expect(initials("")).toBe("?");
  });

  it("have one colour per id, the same every time", () => {
    expect(colourIndex("u1")).toBe(colourIndex("u1"));
    const colours = new Set(Array.from({ length: 50 }, (_, i) => colourIndex(`user-${i}`)));
    expect(colours.size).toBeGreaterThan(4);
    for (const colour of colours) expect(colour).toBeLessThan(8);
  });

  it("show only web and object URLs as pictures", () => {
    expect(isPictureUrl("https://cdn.example/p.png")).toBe(true);
    expect(isPictureUrl("blob:abc")).toBe(true);
    expect(isPictureUrl("javascript:alert(1)")).toBe(false);
    expect(isPictureUrl(null)).toBe(false);
  });
});

describe("timeline grouping", () => {
  const noon = new Date(2026, 10, 27, 12, 0).getTime() / 1000;

  it("groups an author's messages a few minutes apart, and starts again for another author", () => {
    expect(rowPlace(message("a", noon + 60), message("a", noon), "me")).toEqual({ day: null, continues: true });
    expect(rowPlace(message("b", noon + 60), message("a", noon), "me").continues).toBe(false);
    expect(rowPlace(message("a", noon + 3600), message("a", noon), "me").continues).toBe(false);
    // A reply shows its quote under a name of its own.
    expect(rowPlace(message("a", noon + 60, "m1"), message("a", noon), "me").continues).toBe(false);
  });

  it("puts a day separator above the first row and where the calendar day changes", () => {
    expect(rowPlace(message("a", noon), undefined, "me").day).toEqual(new Date(noon * 1000));
    const nextDay = noon + 24 * 3600;
    const place = rowPlace(message("a", nextDay), message("a", noon), "me");
    expect(place.day).toEqual(new Date(nextDay * 1000));
    expect(place.continues).toBe(false);
  });

  it("names the day in the reader's language", () => {
    const now = new Date(2026, 10, 28, 9, 0);
    const words = { today: "Ma", yesterday: "Tegnap" };
    expect(dayLabel(new Date(2026, 10, 28, 1, 0), "hu", words, now)).toBe("Ma");
    expect(dayLabel(new Date(2026, 10, 27, 23, 0), "hu", words, now)).toBe("Tegnap");
    expect(dayLabel(new Date(2026, 0, 5), "hu", words, now)).toContain("január");
    expect(dayLabel(new Date(2026, 0, 5), "en", { today: "Today", yesterday: "Yesterday" }, now)).toContain("January");
  });
});

describe("chat list times", () => {
  it("show the time today, the weekday this week and the date before", () => {
    const now = new Date(2026, 10, 28, 15, 0);
    expect(shortWhen(new Date(2026, 10, 28, 9, 5), "en", now)).toMatch(/09:05|9:05/);
    expect(shortWhen(new Date(2026, 10, 26, 9, 5), "en", now)).toBe("Thu");
    expect(shortWhen(new Date(2026, 0, 5), "hu", now)).toContain("jan");
  });
});

describe("quick switcher matching", () => {
  const item = (label: string, detail = ""): SwitcherItem => ({
    key: label,
    label,
    detail,
    avatar: { id: label, picture: null },
    open: () => {},
  });
  const items = [item("Bruno Kovács", "@bruno"), item("Zoé", "@zoe"), item("Ödön", "@odon"), item("Anna Bruno", "@anna")];

  it("finds names without accents and ranks a name that starts with the query first", () => {
    expect(matchItems(items, "zoe").map((i) => i.label)).toEqual(["Zoé"]);
    expect(matchItems(items, "odo").map((i) => i.label)).toEqual(["Ödön"]);
    expect(matchItems(items, "bru").map((i) => i.label)).toEqual(["Bruno Kovács", "Anna Bruno"]);
    expect(matchItems(items, "@ann").map((i) => i.label)).toEqual(["Anna Bruno"]);
    expect(matchItems(items, "  ")).toHaveLength(4);
    expect(matchItems(items, "nobody")).toEqual([]);
  });
});

describe("theme", () => {
  afterEach(() => theme.set("system"));

  it("pins light or dark on the page and remembers it; the system's theme leaves it off", () => {
    theme.set("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem("chatenium.theme")).toBe("dark");
    theme.set("system");
    expect(document.documentElement.dataset.theme).toBeUndefined();
    const root = document.createElement("div");
    applyTheme("light", root);
    expect(root.dataset.theme).toBe("light");
  });
});

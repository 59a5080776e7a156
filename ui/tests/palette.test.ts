import { describe, expect, it } from "vitest";
import { onPaletteKey, type PaletteKeys } from "../src/lib/palette";

/** Presses `key` on a palette of `count` rows with row `active` active; answers what it did. */
function press(key: string, count: number, active: number, keepTab = false) {
  const did: string[] = [];
  const keys: PaletteKeys = {
    count,
    active,
    move: (to) => did.push(`move ${to}`),
    pick: () => did.push("pick"),
    close: () => did.push("close"),
    keepTab,
  };
  const event = new KeyboardEvent("keydown", { key, cancelable: true });
  onPaletteKey(event, keys);
  return { did, prevented: event.defaultPrevented };
}

describe("the palette dialogs' keys", () => {
  it("moves the active row down and up, wrapping around the list", () => {
    expect(press("ArrowDown", 3, 0).did).toEqual(["move 1"]);
    expect(press("ArrowDown", 3, 2).did).toEqual(["move 0"]);
    expect(press("ArrowUp", 3, 0).did).toEqual(["move 2"]);
    expect(press("ArrowUp", 3, 2).did).toEqual(["move 1"]);
  });

  it("leaves the arrows alone on an empty list", () => {
    expect(press("ArrowDown", 0, 0)).toEqual({ did: [], prevented: false });
    expect(press("ArrowUp", 0, 0)).toEqual({ did: [], prevented: false });
  });

  it("picks with Enter and closes with Esc", () => {
    expect(press("Enter", 2, 1)).toEqual({ did: ["pick"], prevented: true });
    expect(press("Escape", 2, 1)).toEqual({ did: ["close"], prevented: true });
  });

  it("keeps Tab in the field only when asked, and leaves typing to the field", () => {
    expect(press("Tab", 2, 0, true)).toEqual({ did: [], prevented: true });
    expect(press("Tab", 2, 0, false)).toEqual({ did: [], prevented: false });
    expect(press("a", 2, 0, true)).toEqual({ did: [], prevented: false });
  });
});

import { describe, expect, it } from "vitest";
import { en } from "../src/i18n/en";
import { hu } from "../src/i18n/hu";
import { detectLanguage, translate } from "../src/i18n/index.svelte";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("i18n", () => {
  it("Hungarian translates every English key with the same placeholders", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(hu[key], key).toBeTruthy();
      expect(placeholders(hu[key]), key).toEqual(placeholders(en[key]));
    }
    expect(Object.keys(hu).sort()).toEqual(Object.keys(en).sort());
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(translate("en", "info.endpoints", { count: 97 })).toBe("97 endpoints");
    expect(translate("hu", "info.endpoints", { count: 3 })).toBe("3 végpont");
    expect(translate("en", "info.endpoints")).toBe("{count} endpoints");
  });

  it("starts in the system language when we speak it", () => {
    expect(detectLanguage(["hu-HU", "en-US"])).toBe("hu");
    expect(detectLanguage(["de-DE", "en-GB"])).toBe("en");
    expect(detectLanguage(["fr"])).toBe("en");
    expect(detectLanguage([])).toBe("en");
  });
});

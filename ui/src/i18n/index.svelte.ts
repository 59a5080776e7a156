// A deliberately small i18n: two languages, typed keys, `{name}` placeholders. A missing
// Hungarian key is a compile error, not a blank label.
import { en, type MessageKey } from "./en";
import { describeError } from "./errors";
import { hu } from "./hu";

export const LANGUAGES = { en: "English", hu: "Magyar" } as const;
export type Language = keyof typeof LANGUAGES;

const catalogs: Record<Language, Record<MessageKey, string>> = { en, hu };

/** The language a fresh install starts in: the system's, when we speak it. */
export function detectLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if (base === "hu" || base === "en") return base;
  }
  return "en";
}

export function translate(
  language: Language,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  const template = catalogs[language][key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

class Locale {
  language = $state<Language>("en");
  t = (key: MessageKey, params?: Record<string, string | number>) =>
    translate(this.language, key, params);
  /** A failed command as a sentence in the current language. */
  error = (error: unknown) => describeError(this.language, error);
  /** Runs `work`; answers "" when it succeeds, else why it failed, as a sentence. */
  attempt = async (work: () => Promise<unknown>): Promise<string> => {
    try {
      await work();
      return "";
    } catch (error) {
      return this.error(error);
    }
  };
}

export const locale = new Locale();

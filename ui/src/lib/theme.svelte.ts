// The colour theme: the system's (the default) or one the user pinned on the Account screen.
// The choice lives in localStorage (a display preference of this machine, not of the account)
// and shows as <html data-theme>, which app.css reads; "system" leaves the attribute off so the
// prefers-color-scheme media query decides.
export const THEMES = ["system", "light", "dark"] as const;
export type ThemeChoice = (typeof THEMES)[number];

const STORAGE_KEY = "chatenium.theme";

function stored(): ThemeChoice {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return THEMES.find((choice) => choice === value) ?? "system";
  } catch {
    // Storage can be refused (a locked-down profile): the system's theme still works.
    return "system";
  }
}

export function applyTheme(choice: ThemeChoice, root: HTMLElement | undefined = globalThis.document?.documentElement) {
  if (!root) return;
  if (choice === "system") delete root.dataset.theme;
  else root.dataset.theme = choice;
}

class Theme {
  choice = $state<ThemeChoice>(stored());

  set(choice: ThemeChoice) {
    this.choice = choice;
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, choice);
    } catch {
      // Not persisted; it still applies for this run.
    }
    applyTheme(choice);
  }
}

export const theme = new Theme();

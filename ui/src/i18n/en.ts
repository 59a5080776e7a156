// English is the source language: every key starts here, and the type of this object is the
// type every other language must satisfy (see ./index.svelte.ts).
export const en = {
  "app.name": "Chatenium",
  "app.tagline": "Chat, share files and call, right from your desktop.",
  "info.version": "Version",
  "info.contract": "API contract",
  "info.endpoints": "{count} endpoints",
  "info.server": "Server",
  "info.server.embedded": "Built-in local server",
  "status.loading": "Starting…",
  "status.error": "Something went wrong: {message}",
  "language.label": "Language",
} as const;

export type MessageKey = keyof typeof en;

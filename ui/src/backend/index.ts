// The one door between the UI and Rust. Components receive a `Backend` and never import Tauri,
// so the same UI runs in the Tauri window, in a plain browser against a test backend, and in
// unit tests against a fake. Every type that Rust owns comes from the generated `../bindings`.
import type { AppInfo } from "../bindings";

export type { AppInfo } from "../bindings";

export interface Backend {
  /** Version, contract size and the server this app talks to: a round trip through a Rust command. */
  appInfo(): Promise<AppInfo>;
}

/** Picks the backend for the environment the page is running in. */
export async function selectBackend(): Promise<Backend> {
  const { isTauri } = await import("@tauri-apps/api/core");
  if (isTauri()) {
    const { tauriBackend } = await import("./tauri");
    return tauriBackend;
  }
  throw new BackendUnavailableError();
}

export class BackendUnavailableError extends Error {
  constructor() {
    super("No backend: open this page inside the Chatenium app, or serve it with a test backend.");
    this.name = "BackendUnavailableError";
  }
}

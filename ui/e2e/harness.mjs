// What every end-to-end test of the real app shares: a fresh app (its own throw-away home, so
// a run never touches a developer's profile or another test's), screenshots, and the Enter key.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, startTauriDriver } from "./webdriver.mjs";

export const root = resolve(import.meta.dirname, "../..");
// Where `./dev` built the app: its target folder, which CARGO_TARGET_DIR may move.
export const application =
  process.env.CHATENIUM_APP_BINARY ??
  join(resolve(root, process.env.CARGO_TARGET_DIR ?? "target"), "debug/chatenium-desktop");
export const artifacts = process.env.CHATENIUM_E2E_ARTIFACTS ?? join(root, ".e2e-artifacts");
export const cargoVersion = /\[workspace\.package\][^[]*?version\s*=\s*"([^"]+)"/s.exec(
  readFileSync(join(root, "Cargo.toml"), "utf8"),
)?.[1];
/** WebDriver's key code for Enter. */
export const ENTER = "\uE007";

/** Starts the real app on its embedded server through tauri-driver; `home` to start it again
 * on the data of an earlier run, `extraEnv` for what one test needs besides. */
export async function openApp({ home = mkdtempSync(join(tmpdir(), "chatenium-e2e-")), extraEnv = {} } = {}) {
  assert.ok(process.env.DISPLAY, "DISPLAY must be set (run under xvfb-run)");
  mkdirSync(artifacts, { recursive: true });
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    ...extraEnv,
  };
  delete env.CHATENIUM_SERVER_URL;
  const driver = await startTauriDriver({ env, log: (line) => process.env.E2E_VERBOSE && process.stderr.write(line) });
  const session = await Session.open(driver.base, application);
  return {
    session,
    home,
    env,
    async close() {
      await session.close().catch(() => {});
      driver.stop();
    },
  };
}

/** The URL of the server the app runs inside itself (through a command the window may call). */
export async function embeddedServerUrl(session) {
  const info = await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     window.__TAURI_INTERNALS__.invoke("app_info").then(done, (e) => done({ error: String(e) }));`,
  );
  assert.ok(info.activeServerUrl?.startsWith("http://127.0.0.1:"), JSON.stringify(info));
  return info.activeServerUrl;
}

export async function screenshot(session, name) {
  writeFileSync(join(artifacts, `${name}.png`), await session.screenshot());
}

/** Registers a new user through the app's own form (a password account). */
export async function registerInApp(session, { username, displayName, password }) {
  await session.click('[data-testid="go-register"]');
  await session.type('[data-testid="reg-username"]', username);
  await session.waitForText('[data-testid="username-availability"]', (text) => text === "Available");
  await session.type('[data-testid="reg-display-name"]', displayName);
  await session.type('[data-testid="reg-email"]', `${username}@example.test`);
  await session.type('[data-testid="reg-password"]', password);
  // The e-mail's availability line appears under its field a moment after typing and moves
  // the button down: a click aimed before that lands beside it.
  await session.waitForText('[data-testid="email-availability"]', (text) => text === "Available");
  await screenshot(session, "register");
  await session.click('[data-testid="reg-submit"]');
  await session.waitFor('[data-testid="chat-list"]');
}

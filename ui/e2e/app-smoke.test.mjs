// End-to-end smoke test of the real app binary under Xvfb, through tauri-driver and
// WebKitWebDriver. Run by `./dev test` (inside xvfb-run); needs the app built with the
// `custom-protocol` feature so that it serves the built UI.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { Session, startTauriDriver } from "./webdriver.mjs";

const root = resolve(import.meta.dirname, "../..");
const application = process.env.CHATENIUM_APP_BINARY ?? join(root, "target/debug/chatenium-desktop");
const artifacts = process.env.CHATENIUM_E2E_ARTIFACTS ?? join(root, ".e2e-artifacts");
const cargoVersion = /\[workspace\.package\][^[]*?version\s*=\s*"([^"]+)"/s.exec(
  readFileSync(join(root, "Cargo.toml"), "utf8"),
)?.[1];

let driver;
let session;

before(async () => {
  assert.ok(process.env.DISPLAY, "DISPLAY must be set (run under xvfb-run)");
  mkdirSync(artifacts, { recursive: true });
  // The app gets a throw-away home so that a test run never touches a developer's profile.
  const home = mkdtempSync(join(tmpdir(), "chatenium-e2e-"));
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_CACHE_HOME: join(home, ".cache"),
  };
  delete env.CHATENIUM_SERVER_URL;
  driver = await startTauriDriver({ env, log: (line) => process.env.E2E_VERBOSE && process.stderr.write(line) });
  session = await Session.open(driver.base, application);
});

after(async () => {
  await session?.close().catch(() => {});
  driver?.stop();
});

test("the window shows what a Rust command returned", async () => {
  assert.equal(await session.title(), "Chatenium");
  const version = await session.waitForText('[data-testid="app-version"]', (text) => text.length > 0);
  assert.equal(version, cargoVersion);
  const endpoints = await session.waitForText('[data-testid="endpoint-count"]', (text) => text.length > 0);
  assert.equal(endpoints, "97 endpoints");
  const server = await session.waitForText('[data-testid="server"]', (text) => text.length > 0);
  assert.equal(server, "Built-in local server");
  writeFileSync(join(artifacts, "smoke-en.png"), await session.screenshot());
});

test("switching to Hungarian relabels the page", async () => {
  await session.execute(
    `const select = document.querySelector('[data-testid="language"]');
     select.value = "hu";
     select.dispatchEvent(new Event("change", { bubbles: true }));`,
  );
  const endpoints = await session.waitForText('[data-testid="endpoint-count"]', (text) => text.includes("végpont"));
  assert.equal(endpoints, "97 végpont");
  writeFileSync(join(artifacts, "smoke-hu.png"), await session.screenshot());
});

test("the window may not call a command its capability does not grant", async () => {
  // `set_title` exists in Tauri's core window plugin, but the main window's capability file grants
  // only the app's own commands: the ACL must refuse it and the title must stay.
  const outcome = await session.request("POST", "/execute/async", {
    script: `const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke("plugin:window|set_title", { label: "main", value: "pwned" })
        .then(() => done("allowed"), (error) => done("refused: " + String(error)));`,
    args: [],
  });
  assert.match(outcome, /^refused: /);
  assert.equal(await session.title(), "Chatenium");
});

// End-to-end smoke test of the real app binary under Xvfb, through tauri-driver and
// WebKitWebDriver. Run by `./dev test` (inside xvfb-run); needs the app built with the
// `custom-protocol` feature so that it serves the built UI.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { cargoVersion, openApp, screenshot } from "./harness.mjs";

let app;
let session;

before(async () => {
  app = await openApp();
  session = app.session;
});

after(async () => {
  await app?.close();
});

test("the window shows what a Rust command returned", async () => {
  assert.equal(await session.title(), "Chatenium");
  const version = await session.waitForText('[data-testid="app-version"]', (text) => text.length > 0);
  assert.equal(version, cargoVersion);
  const endpoints = await session.waitForText('[data-testid="endpoint-count"]', (text) => text.length > 0);
  // The index's 97 rows plus the four call-signaling rows that extend it (docs/call-signaling.md).
  assert.equal(endpoints, "101 endpoints");
  const server = await session.waitForText('[data-testid="server"]', (text) => text.length > 0);
  assert.equal(server, "Built-in local server");
  await screenshot(session, "smoke-en");
});

test("switching to Hungarian relabels the page", async () => {
  await session.execute(
    `const select = document.querySelector('[data-testid="language"]');
     select.value = "hu";
     select.dispatchEvent(new Event("change", { bubbles: true }));`,
  );
  const endpoints = await session.waitForText('[data-testid="endpoint-count"]', (text) => text.includes("végpont"));
  assert.equal(endpoints, "101 végpont");
  await screenshot(session, "smoke-hu");
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

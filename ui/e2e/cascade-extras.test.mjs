// Cascade settings and thread details on the real app: muting a cascade on this device (kept by
// the core: the switch reads it back when the page opens again), and a thread's description set
// and shown in its header. Screenshots in .e2e-artifacts/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ENTER, openApp, registerInApp, screenshot } from "./harness.mjs";

let app;
let session;

before(async () => {
  app = await openApp();
  session = app.session;
  await registerInApp(session, { username: "ada", displayName: "Ada", password: "ada-password-1" });
  await session.waitForText('[data-testid="connection"]', (t) => t === "Online");
  await session.click('[data-testid="nav-discover"]');
  await session.click('[data-testid="create-cascade"]');
  await session.type('[data-testid="new-cascade-name"]', "Club");
  await session.click('[data-testid="submit-cascade"]');
  await session.waitForText('[data-testid="cascade-title"]', (t) => t === "Club");
});

after(async () => {
  await app?.close();
});

const checked = (selector) =>
  session.waitForScript(`const box = document.querySelector(${JSON.stringify(selector)}); return box && !box.disabled ? box.checked : null;`, (v) => v !== null);

test("the user mutes the cascade on this device, and the settings remember it", async () => {
  await session.click('[data-testid="cascade-settings"]');
  assert.equal(await checked('[data-testid="cascade-muted"]'), false);
  await session.click('[data-testid="cascade-muted"]');
  await session.waitFor('[data-testid="settings-saved"]');
  await screenshot(session, "cascade-settings-muted");
  await session.click('[data-testid="close-settings"]');
  await session.click('[data-testid="cascade-settings"]');
  assert.equal(await checked('[data-testid="cascade-muted"]'), true);
  await session.click('[data-testid="close-settings"]');
});

test("the user starts a thread with a description and edits it", async () => {
  await session.click('[data-testid="new-thread"]');
  await session.type('[data-testid="thread-name"]', "General");
  await session.type('[data-testid="thread-description"]', `Anything goes${ENTER}`);
  await session.waitForText('[data-testid="thread-view"] .description', (t) => t === "Anything goes");
  await session.click('[data-testid="thread-item"][data-name="General"] [data-testid="rename-thread"]');
  await session.clear('[data-testid="thread-description"]');
  await session.type('[data-testid="thread-description"]', "Books only");
  await screenshot(session, "thread-edit-description");
  await session.type('[data-testid="thread-description"]', ENTER);
  await session.waitForText('[data-testid="thread-view"] .description', (t) => t === "Books only");
  await screenshot(session, "thread-description");
});

// Forwarding on the real app: another user's direct message, with its file, is forwarded from
// the message's menu into a thread of the user's cascade, picked in the Forward dialog through
// its filter; the thread shows it as the user's message with its "Forwarded from" line and the
// file. Screenshots in .e2e-artifacts/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ENTER, embeddedServerUrl, openApp, registerInApp, screenshot } from "./harness.mjs";
import { ApiUser, tinyPng } from "./server-api.mjs";

let app;
let session;
let bruno;
let original;

before(async () => {
  app = await openApp();
  session = app.session;
  await registerInApp(session, { username: "ada", displayName: "Ada", password: "ada-password-1" });
  await session.waitForText('[data-testid="connection"]', (t) => t === "Online");
  bruno = new ApiUser(await embeddedServerUrl(session));
});

after(async () => {
  await app?.close();
});

test("the user has a cascade with a thread and a message from another user", async () => {
  await session.click('[data-testid="nav-discover"]');
  await session.click('[data-testid="create-cascade"]');
  await session.type('[data-testid="new-cascade-name"]', "Club");
  await session.click('[data-testid="submit-cascade"]');
  await session.waitForText('[data-testid="cascade-title"]', (t) => t === "Club");
  await session.click('[data-testid="new-thread"]');
  await session.type('[data-testid="thread-name"]', `General${ENTER}`);
  await session.waitForText('[data-testid="thread-title"]', (t) => t === "General");

  await bruno.register("bruno");
  const chatid = await bruno.addContact("ada");
  const attachment = await bruno.upload("note.png", "image/png", tinyPng());
  original = await bruno.send(chatid, "Worth sharing with the club", [attachment.fileID]);
  await session.click('[data-testid="nav-chats"]');
  await session.click('[data-testid="open-chat"]');
  await session.waitForText(`[data-msgid="${original.msgid}"] [data-testid="message-text"]`, (t) => t === "Worth sharing with the club");
});

test("the user forwards the message into the thread from its menu", async () => {
  await session.click(`[data-msgid="${original.msgid}"] [data-testid="forward"]`);
  await session.waitFor('[data-testid="forward-dialog"]');
  // Both kinds of target are offered: the thread (the chat itself is not).
  await session.waitForText('[data-testid="forward-target"][data-kind="thread"] .label', (t) => t === "General");
  await session.type('[data-testid="forward-filter"]', "gen");
  await session.waitForCount('[data-testid="forward-target"]', (n) => n === 1);
  await screenshot(session, "forward-dialog");
  await session.type('[data-testid="forward-filter"]', ENTER);
  await session.waitForCount('[data-testid="forward-dialog"]', (n) => n === 0);
  assert.equal(await session.waitForText('[data-testid="forward-done"]', (t) => t.length > 0), "Forwarded to General");
});

test("the thread shows the forward with its Forwarded from line and its file", async () => {
  await session.click('[data-testid="rail-cascade"]');
  await session.click('[data-testid="thread-item"][data-name="General"] > .row [data-testid="open-thread"]');
  await session.waitForText('[data-testid="thread-title"]', (t) => t === "General");
  const forwarded = `[...document.querySelectorAll('[data-testid="thread-view"] [data-testid="message"]')].find((m) => m.querySelector('[data-testid="message-text"]')?.textContent === "Worth sharing with the club")`;
  const shown = await session.waitForScript(
    `const m = ${forwarded};
     if (!m) return null;
     const img = m.querySelector('[data-testid="image-preview"]');
     return {
       from: m.querySelector('[data-testid="forwarded-from"]')?.textContent.trim() ?? "",
       author: m.querySelector('[data-testid="message-author"]')?.textContent ?? "",
       image: img ? img.complete && img.naturalWidth : -1,
     };`,
    (value) => value !== null && value.image === 4,
  );
  assert.deepEqual(shown, { from: "Forwarded from Bruno", author: "Ada", image: 4 });
  await screenshot(session, "forwarded-in-thread");
});

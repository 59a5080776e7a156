// Local search on the real app: another user writes "kávé" far back in a long chat; the user,
// with no chat open, presses Ctrl+Shift+F and types "kave" without the accent. The core's index
// finds the cached message, the match is marked, and opening the result jumps the chat's
// timeline back to the message, which is visible and marked.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { embeddedServerUrl, openApp, registerInApp, screenshot } from "./harness.mjs";
import { ApiUser } from "./server-api.mjs";

const CONTROL = "\uE009";
const SHIFT = "\uE008";
/** More than a timeline page (50) after the message, so opening it is a real jump back. */
const LATER_MESSAGES = 60;

let app;
let session;
let bruno;
let chatid;
let coffee;

before(async () => {
  app = await openApp();
  session = app.session;
  await session.waitFor('[data-testid="sign-in"]');
  bruno = new ApiUser(await embeddedServerUrl(session));
});

after(async () => {
  await app?.close();
});

/** Presses Ctrl+Shift+`key` as the keyboard would (WebDriver key actions). */
async function pressWithControlShift(key) {
  await session.request("POST", "/actions", {
    actions: [
      {
        type: "key",
        id: "keyboard",
        actions: [
          { type: "keyDown", value: CONTROL },
          { type: "keyDown", value: SHIFT },
          { type: "keyDown", value: key },
          { type: "keyUp", value: key },
          { type: "keyUp", value: SHIFT },
          { type: "keyUp", value: CONTROL },
        ],
      },
    ],
  });
  await session.request("DELETE", "/actions");
}

test("a long chat arrives and is cached", async () => {
  await registerInApp(session, { username: "ada", displayName: "Ada", password: "ada-password-1" });
  await session.waitForText('[data-testid="connection"]', (t) => t === "Online");
  await bruno.register("bruno");
  chatid = await bruno.addContact("ada");
  await session.waitForText('[data-testid="chat"] .name', (t) => t === "Bruno");
  coffee = await bruno.send(chatid, "Megjött a kávé, gyere át!");
  for (let n = 1; n <= LATER_MESSAGES; n++) await bruno.send(chatid, `later message ${n}`);
  // Every message is in the cache once the unread count has them all.
  await session.waitForText('[data-testid="unread"]', (t) => t === String(LATER_MESSAGES + 1));
});

test("searching everywhere without the accent finds the message and marks the match", async () => {
  await pressWithControlShift("f");
  await session.waitFor('[data-testid="search"]');
  assert.equal(await session.waitForText('[data-testid="search-scope"]', (t) => t.length > 0), "In every conversation");
  await session.type('[data-testid="search-input"]', "kave");
  const result = `[data-testid="search-result"][data-msgid="${coffee.msgid}"]`;
  assert.equal(await session.waitForText(`${result} [data-testid="search-match"]`, (t) => t.length > 0), "kávé");
  assert.equal(await session.waitForText(`${result} [data-testid="search-result-author"]`, (t) => t.length > 0), "Bruno");
  assert.equal(await session.waitForText(`${result} [data-testid="search-result-conversation"]`, (t) => t.length > 0), "Bruno");
  assert.equal(await session.waitForText(`${result} [data-testid="search-snippet"]`, (t) => t.length > 0), "Megjött a kávé, gyere át!");
  await screenshot(session, "search-results");
});

test("opening the result lands on the message, visible and marked", async () => {
  await session.click(`[data-testid="search-result"][data-msgid="${coffee.msgid}"]`);
  await session.waitForCount('[data-testid="search"]', (n) => n === 0);
  await session.waitForText('[data-testid="dm-title"]', (t) => t === "Bruno");
  const row = `[data-testid="message"][data-msgid="${coffee.msgid}"]`;
  await session.waitForVisible(row);
  await session.waitForScript(
    `const row = document.querySelector(${JSON.stringify(row)});
     const timeline = row?.closest('[data-testid="dm-view"]')?.querySelector('.timeline');
     if (!row || !timeline) return false;
     const box = row.getBoundingClientRect(), view = timeline.getBoundingClientRect();
     return row.classList.contains("highlighted") && box.bottom > view.top && box.top < view.bottom;`,
    (onScreen) => onScreen === true,
  );
  assert.equal(await session.waitForText(`${row} [data-testid="message-text"]`, (t) => t.length > 0), "Megjött a kávé, gyere át!");
  await screenshot(session, "search-opened");
});

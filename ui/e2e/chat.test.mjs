// The first vertical slice on the real app: a new user registers in the window; a second user,
// driven from Node over the embedded server's HTTP API, writes and sends a file; the first
// user sees both live, replies, edits, pins and deletes, and the second user's view of the
// server agrees. A screenshot of each screen is kept in .e2e-artifacts/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENTER, embeddedServerUrl, openApp, registerInApp, screenshot } from "./harness.mjs";
import { ApiUser, tinyPng } from "./server-api.mjs";

let app;
let session;
let bruno;
let chatid;

before(async () => {
  app = await openApp();
  session = app.session;
  await session.waitFor('[data-testid="sign-in"]');
  await screenshot(session, "sign-in");
  bruno = new ApiUser(await embeddedServerUrl(session));
});

after(async () => {
  await app?.close();
});

const messageText = (msgid) => `[data-msgid="${msgid}"] [data-testid="message-text"]`;

test("a new user registers in the app", async () => {
  await registerInApp(session, { username: "ada", displayName: "Ada", password: "ada-password-1" });
  assert.equal(await session.waitForText('[data-testid="nav-account"]', (t) => t.length > 0), "Ada");
  await session.waitForText('[data-testid="connection"]', (t) => t === "Online");
});

test("another user's contact request and message show live, with an unread count", async () => {
  await bruno.register("bruno");
  chatid = await bruno.addContact("ada");
  await session.waitForText('[data-testid="chat"] .name', (t) => t === "Bruno");
  await bruno.send(chatid, "Hello Ada!");
  await session.waitForText('[data-testid="unread"]', (t) => t === "1");
  await screenshot(session, "chats");
});

test("opening the chat shows the message and clears the unread count", async () => {
  await session.click('[data-testid="open-chat"]');
  await session.waitForText('[data-testid="message-text"]', (t) => t === "Hello Ada!");
  await session.waitForCount('[data-testid="unread"]', (n) => n === 0);
});

test("a file arrives live and its image preview loads", async () => {
  const attachment = await bruno.upload("red.png", "image/png", tinyPng());
  const sent = await bruno.send(chatid, "a picture", [attachment.fileID]);
  await session.waitForText(messageText(sent.msgid), (t) => t === "a picture");
  // The preview really loaded: the CSP lets the embedded server's signed URL in.
  await session.waitForScript(
    `const img = document.querySelector('[data-msgid="${sent.msgid}"] [data-testid="image-preview"]');
     return img ? img.complete && img.naturalWidth : -1;`,
    (width) => width === 4,
  );
  await screenshot(session, "dm-live");
});

test("a reply reaches the other user with its reference", async () => {
  const [hello] = (await bruno.messages(chatid)).filter((m) => m.message === "Hello Ada!");
  await session.click(`[data-msgid="${hello.msgid}"] [data-testid="reply"]`);
  await session.waitFor('[data-testid="replying"]');
  await session.type('[data-testid="composer"]', `Hi Bruno${ENTER}`);
  const reply = await waitForServer((messages) => messages.find((m) => m.message === "Hi Bruno"));
  assert.equal(reply.replyToId, hello.msgid);
  await session.waitForText(messageText(reply.msgid), (t) => t === "Hi Bruno");
  await session.waitFor(`[data-msgid="${reply.msgid}"] [data-testid="reply-quote"]`);
  await screenshot(session, "dm-reply");
});

test("an edit reaches the other user and is marked", async () => {
  const reply = (await bruno.messages(chatid)).find((m) => m.message === "Hi Bruno");
  await session.click(`[data-msgid="${reply.msgid}"] [data-testid="edit"]`);
  await session.waitFor('[data-testid="editing"]');
  await session.clear('[data-testid="composer"]');
  await session.type('[data-testid="composer"]', `Hi Bruno, edited${ENTER}`);
  await session.waitForText(messageText(reply.msgid), (t) => t === "Hi Bruno, edited");
  await session.waitFor(`[data-msgid="${reply.msgid}"] [data-testid="edited-mark"]`);
  const edited = await waitForServer((messages) => messages.find((m) => m.msgid === reply.msgid && m.isEdited));
  assert.equal(edited.message, "Hi Bruno, edited");
  await screenshot(session, "dm-edit");
});

test("pinning shows in the pinned list", async () => {
  const hello = (await bruno.messages(chatid)).find((m) => m.message === "Hello Ada!");
  await session.click(`[data-msgid="${hello.msgid}"] [data-testid="pin"]`);
  await session.waitFor(`[data-msgid="${hello.msgid}"] [data-testid="pinned-mark"]`);
  await session.click('[data-testid="show-pinned"]');
  await session.waitForText('[data-testid="pinned-item"]', (t) => t.includes("Hello Ada!"));
  await screenshot(session, "dm-pinned");
});

test("a file picked in the app uploads, previews and reaches the other user", async () => {
  const file = join(app.home, "from-ada.png");
  writeFileSync(file, tinyPng());
  await session.type('[data-testid="file-picker"]', file);
  await session.waitForText('[data-testid="ready-attachment"]', (t) => t.includes("from-ada.png"));
  await session.type('[data-testid="composer"]', `with a file${ENTER}`);
  const sent = await waitForServer((messages) => messages.find((m) => m.message === "with a file"));
  assert.equal(sent.files[0]?.fileName, "from-ada.png");
  assert.equal(sent.files[0]?.type, "image");
  await session.waitForScript(
    `const img = document.querySelector('[data-msgid="${sent.msgid}"] [data-testid="image-preview"]');
     return img ? img.complete && img.naturalWidth : -1;`,
    (width) => width === 4,
  );
});

test("several messages are deleted at once, for both users", async () => {
  await session.type('[data-testid="composer"]', `one more${ENTER}`);
  const extra = await waitForServer((messages) => messages.find((m) => m.message === "one more"));
  const reply = (await bruno.messages(chatid)).find((m) => m.message === "Hi Bruno, edited");
  await session.waitFor(messageText(extra.msgid));
  await session.click(`[data-msgid="${reply.msgid}"] [data-testid="select-message"]`);
  await session.click(`[data-msgid="${extra.msgid}"] [data-testid="select-message"]`);
  await session.waitForText('[data-testid="delete-selected"]', (t) => t === "Delete 2");
  await session.click('[data-testid="delete-selected"]');
  await session.waitForCount(`[data-msgid="${reply.msgid}"], [data-msgid="${extra.msgid}"]`, (n) => n === 0);
  await waitForServer((messages) =>
    messages.every((m) => m.msgid !== reply.msgid && m.msgid !== extra.msgid) ? messages : undefined,
  );
  await screenshot(session, "dm-deleted");
});

test("the account screen changes the name and picture and logs out another device", async () => {
  // Ada is also signed in elsewhere (here: over the API).
  const elsewhere = new ApiUser(bruno.base);
  const signedIn = await elsewhere.call("SignIn", {
    body: { identity: "ada", password: "ada-password-1", os: "elsewhere", language: "en" },
  });
  elsewhere.token = signedIn.accessToken;
  await session.click('[data-testid="nav-account"]');
  await session.waitForText('[data-testid="sessions"]', (t) => t.includes("this device") && t.includes("elsewhere"));

  await session.clear('[data-testid="account-display-name"]');
  await session.type('[data-testid="account-display-name"]', "Ada L.");
  await session.click('[data-testid="save-display-name"]');
  await session.waitForText('[data-testid="nav-account"]', (t) => t === "Ada L.");

  const picture = join(app.home, "me.png");
  writeFileSync(picture, tinyPng());
  await session.type('[data-testid="pfp-input"]', picture);
  await session.waitForScript(
    `const img = document.querySelector('[data-testid="pfp"]'); return img ? img.complete && img.naturalWidth : -1;`,
    (width) => width === 4,
  );
  await screenshot(session, "account");

  await session.click('[data-testid="log-out-session"]');
  await session.waitForText('[data-testid="sessions"]', (t) => !t.includes("elsewhere"));
  await assert.rejects(elsewhere.call("GetContacts"), /answered 401/);
});

/** Asks the server (as Bruno) until `find` finds what it looks for in the chat. */
async function waitForServer(find, attempts = 100) {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const found = find(await bruno.messages(chatid));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the server never showed the change");
}

test("signing out and in again (identity first, then the password) brings the chats back", async () => {
  await session.click('[data-testid="sign-out"]');
  await session.waitFor('[data-testid="sign-in"]');
  await session.type('[data-testid="identity"]', "ada");
  await session.click('[data-testid="continue"]');
  await session.type('[data-testid="password"]', "wrong-password");
  await session.click('[data-testid="sign-in-submit"]');
  assert.equal(await session.waitForText('[data-testid="sign-in-error"]', (t) => t.length > 0), "Wrong password or code.");
  await screenshot(session, "sign-in-error");
  await session.clear('[data-testid="password"]');
  await session.type('[data-testid="password"]', `ada-password-1${ENTER}`);
  await session.waitForText('[data-testid="chat"] .name', (t) => t === "Bruno");
});

test("deleting the account signs out and the account is gone", async () => {
  await session.click('[data-testid="nav-account"]');
  await session.type('[data-testid="delete-password"]', "ada-password-1");
  await session.click('[data-testid="delete-account"]');
  await session.click('[data-testid="confirm-delete-account"]');
  await session.waitFor('[data-testid="sign-in"]');
  await assert.rejects(bruno.call("FetchUserId", { query: { identity: "ada" } }), /answered 404/);
});

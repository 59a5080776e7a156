// Cascades and threads on the real app: the user creates a cascade with a picture and copies its
// invite; a second user on the Rust core (peer.mjs) joins with it; threads and a subthread;
// messages, a reply, an edit, a pin and a deletion go both ways live; the member is kicked,
// banned, listed under bans and unbanned; a public cascade of the other user is joined from
// Discover; a second start with an invite link shows its preview in the running window; and a
// notification for a thread message opens that thread. Screenshots in .e2e-artifacts/.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ENTER, application, embeddedServerUrl, openApp, registerInApp, screenshot } from "./harness.mjs";
import { CorePeer } from "./peer.mjs";
import { ApiUser, tinyPng } from "./server-api.mjs";

const work = mkdtempSync(join(tmpdir(), "chatenium-cascades-"));
let app;
let session;
let peer;
let cascade;
let inviteCode;
const threads = {};

before(async () => {
  app = await openApp();
  session = app.session;
  await registerInApp(session, { username: "ada", displayName: "Ada", password: "ada-password-1" });
  await session.waitForText('[data-testid="connection"]', (t) => t === "Online");
  const server = await embeddedServerUrl(session);
  await new ApiUser(server).register("bruno");
  peer = await CorePeer.start(server, "bruno", "bruno-password-1", join(work, "bruno"));
});

after(async () => {
  await peer?.stop();
  await app?.close();
});

const texts = (selector) =>
  session.execute(`return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent.trim());`, [selector]);
const threadMessage = (text) =>
  `[...document.querySelectorAll('[data-testid="thread-view"] [data-testid="message"]')].find((m) => m.querySelector('[data-testid="message-text"]')?.textContent === ${JSON.stringify(text)})`;
/** Clicks a control inside the thread message whose text is `text`. */
async function onMessage(text, testid) {
  const msgid = await session.waitForScript(`const m = ${threadMessage(text)}; return m ? m.closest("[data-msgid]")?.dataset.msgid ?? null : null;`, (id) => id !== null);
  await session.click(`[data-msgid="${msgid}"] [data-testid="${testid}"]`);
}
const threadItem = (name) => `[data-testid="thread-item"][data-name="${name}"]`;

test("the user creates a cascade with a picture and copies its invite link", async () => {
  const picture = join(work, "club.png");
  writeFileSync(picture, tinyPng());
  await session.click('[data-testid="nav-discover"]');
  await session.click('[data-testid="create-cascade"]');
  await session.type('[data-testid="new-cascade-name"]', "Book club");
  await session.type('[data-testid="new-cascade-picture"]', picture);
  await screenshot(session, "cascade-create");
  await session.click('[data-testid="submit-cascade"]');
  await session.waitForText('[data-testid="cascade-title"]', (t) => t === "Book club");
  // The rail shows the cascade's picture, loaded from the server.
  await session.waitForScript(
    `const img = document.querySelector('[data-testid="rail-cascade"] img');
     return img ? img.complete && img.naturalWidth : -1;`,
    (width) => width === 4,
  );
  await session.click('[data-testid="cascade-settings"]');
  const link = await session.waitForScript(`return document.querySelector('[data-testid="invite-link"]')?.value ?? "";`, (v) => v.startsWith("chatenium://invite/"));
  inviteCode = decodeURIComponent(link.slice("chatenium://invite/".length));
  await session.click('[data-testid="copy-invite"]');
  await session.waitForText('[data-testid="copy-invite"]', (t) => t === "Copied");
  await screenshot(session, "cascade-settings");
  await session.click('[data-testid="close-settings"]');
});

test("a second user joins with the invite and shows among the members live", async () => {
  cascade = await peer.run("joinInvite", { code: inviteCode });
  assert.equal(cascade.name, "Book club");
  await session.click('[data-testid="toggle-members"]');
  await session.waitFor('[data-testid="member"][data-username="bruno"]');
  await session.waitForText('[data-testid="member"][data-username="bruno"] [data-testid="member-role"]', (t) => t === "Member");
  await screenshot(session, "cascade-members");
});

test("the user starts a thread and a subthread; the other member sees both", async () => {
  await session.click('[data-testid="new-thread"]');
  await session.type('[data-testid="thread-name"]', `General${ENTER}`);
  await session.waitForText('[data-testid="thread-title"]', (t) => t === "General");
  await session.click(`${threadItem("General")} [data-testid="new-subthread"]`);
  await session.type('[data-testid="thread-name"]', `Spoilers${ENTER}`);
  await session.waitForText('[data-testid="thread-title"]', (t) => t === "Spoilers");
  await session.waitFor(`${threadItem("General")} ${threadItem("Spoilers")}`);
  const [general] = await peerThreads(null);
  threads.general = general.threadId;
  const [spoilers] = await peerThreads(general.threadId);
  threads.spoilers = spoilers.threadId;
  assert.equal(spoilers.name, "Spoilers");
  await screenshot(session, "cascade-threads");
});

/** The threads the other member's core has under `parentId`, once there are some. */
async function peerThreads(parentId) {
  for (let attempt = 0; attempt < 150; attempt++) {
    const list = await peer.run("threads", { cascadeId: cascade.cascadeId, parentId });
    if (list.length > 0) return list;
    await sleep(100);
  }
  throw new Error("the other member never saw the threads");
}

test("messages, a reply, an edit, a pin and a deletion go both ways live in a thread", async () => {
  await session.click(`${threadItem("General")} > .row [data-testid="open-thread"]`);
  await session.waitForText('[data-testid="thread-title"]', (t) => t === "General");
  await peer.run("openThread", { cascadeId: cascade.cascadeId, threadId: threads.general });

  await peer.run("sendThread", { cascadeId: cascade.cascadeId, threadId: threads.general, text: "Hello from Bruno", replyToId: null });
  await session.waitForScript(`return !!(${threadMessage("Hello from Bruno")});`, (found) => found === true);

  await onMessage("Hello from Bruno", "reply");
  await session.waitFor('[data-testid="replying"]');
  await session.type('[data-testid="composer"]', `Hi Bruno${ENTER}`);
  const hello = (await peer.threadMessages(threads.general, (list) => list.some((m) => m.message === "Hi Bruno"))).find((m) => m.message === "Hello from Bruno");
  const reply = (await peer.threadMessages(threads.general, (list) => list.some((m) => m.message === "Hi Bruno"))).find((m) => m.message === "Hi Bruno");
  assert.equal(reply.replyToId, hello.msgid);

  await onMessage("Hi Bruno", "edit");
  await session.waitFor('[data-testid="editing"]');
  await session.clear('[data-testid="composer"]');
  await session.type('[data-testid="composer"]', `Hi Bruno, edited${ENTER}`);
  await peer.threadMessages(threads.general, (list) => list.some((m) => m.msgid === reply.msgid && m.message === "Hi Bruno, edited" && m.isEdited));

  await onMessage("Hello from Bruno", "pin");
  await peer.threadMessages(threads.general, (list) => list.some((m) => m.msgid === hello.msgid && m.pinned));
  await session.click('[data-testid="show-pinned"]');
  await session.waitForText('[data-testid="pinned-item"]', (t) => t.includes("Hello from Bruno"));
  await session.click('[data-testid="show-pinned"]');

  // The other way: Bruno edits, pins and deletes; the window follows.
  await peer.run("editThread", { cascadeId: cascade.cascadeId, threadId: threads.general, msgid: hello.msgid, text: "Hello from Bruno, edited" });
  await session.waitForScript(`return !!(${threadMessage("Hello from Bruno, edited")});`, (found) => found === true);
  await peer.run("pinThread", { cascadeId: cascade.cascadeId, threadId: threads.general, msgid: reply.msgid, pinned: true });
  await session.waitFor(`[data-msgid="${reply.msgid}"] [data-testid="pinned-mark"]`);
  await screenshot(session, "thread");
  await peer.run("deleteThread", { cascadeId: cascade.cascadeId, threadId: threads.general, msgids: [hello.msgid] });
  await session.waitForScript(`return !!(${threadMessage("Hello from Bruno, edited")});`, (found) => found === false);

  await onMessage("Hi Bruno, edited", "delete-message");
  await session.click(`[data-msgid="${reply.msgid}"] [data-testid="confirm-delete-message"]`);
  await peer.threadMessages(threads.general, (list) => !list.some((m) => m.msgid === reply.msgid));

  // And the subthread is a timeline of its own.
  await session.click(`${threadItem("Spoilers")} [data-testid="open-thread"]`);
  await session.waitForText('[data-testid="thread-title"]', (t) => t === "Spoilers");
  await session.type('[data-testid="composer"]', `No spoilers here${ENTER}`);
  await peer.run("openThread", { cascadeId: cascade.cascadeId, threadId: threads.spoilers });
  await peer.threadMessages(threads.spoilers, (list) => list.some((m) => m.message === "No spoilers here"));
});

test("the user kicks the member, bans them, sees them under bans and unbans them", async () => {
  const bruno = '[data-testid="member"][data-username="bruno"]';
  await session.click(`${bruno} [data-testid="kick"]`);
  await session.waitFor(`${bruno} [role="alert"]`);
  await session.click(`${bruno} [data-testid="confirm-remove"]`);
  await session.waitForCount(bruno, (n) => n === 0);
  await peer.cascades((list) => !list.some((c) => c.cascadeId === cascade.cascadeId));

  await peer.run("joinInvite", { code: inviteCode });
  await session.waitFor(bruno);
  await session.click(`${bruno} [data-testid="ban"]`);
  await session.click(`${bruno} [data-testid="confirm-remove"]`);
  await session.waitForCount(bruno, (n) => n === 0);
  await session.click('[data-testid="show-bans"]');
  await session.waitFor('[data-testid="ban-item"][data-username="bruno"]');
  await screenshot(session, "cascade-bans");
  // A banned user cannot come back with the invite.
  await assert.rejects(peer.run("joinInvite", { code: inviteCode }));
  await session.click('[data-testid="ban-item"][data-username="bruno"] [data-testid="unban"]');
  await session.waitForCount('[data-testid="ban-item"]', (n) => n === 0);
  await peer.run("joinInvite", { code: inviteCode });
  await session.waitFor(bruno);
});

test("a public cascade of the other user shows in Discover and the user joins it", async () => {
  await peer.run("createCascade", { name: "Bruno's open house", public: true });
  await session.click('[data-testid="nav-discover"]');
  const item = `[data-testid="discover-item"][data-name="Bruno's open house"]`;
  await session.waitFor(item);
  await screenshot(session, "discover");
  await session.click(`${item} [data-testid="join-public"]`);
  await session.waitForText('[data-testid="cascade-title"]', (t) => t === "Bruno's open house");
  assert.deepEqual((await texts('[data-testid="rail-cascade"] .visually-hidden')).sort(), ["Book club", "Bruno's open house"]);
});

test("starting the app again with an invite link shows its preview in the running window", async () => {
  const den = await peer.run("createCascade", { name: "Bruno's den", public: false });
  const second = spawn(application, [`chatenium://invite/${den.invite.code}`], { env: app.env, stdio: "ignore" });
  const [code] = await once(second, "exit");
  assert.equal(code, 0);
  await session.waitForText('[data-testid="preview-name"]', (t) => t === "Bruno's den");
  await screenshot(session, "invite-preview");
  await session.click('[data-testid="join-invite"]');
  await session.waitForText('[data-testid="cascade-title"]', (t) => t === "Bruno's den");
});

test("a notification for a thread message opens that thread", async () => {
  const dunstctl = (...args) => execFileSync("dunstctl", args, { encoding: "utf8" }).trim();
  dunstctl("close-all");
  await session.click('[data-testid="nav-chats"]');
  const other = spawn("xmessage", ["-geometry", "+900+600", "another program"], { stdio: "ignore" });
  try {
    const window = execFileSync("xdotool", ["search", "--sync", "--name", "^xmessage$"], { encoding: "utf8" }).trim().split("\n")[0];
    execFileSync("xdotool", ["windowfocus", "--sync", window]);
    await peer.run("sendThread", { cascadeId: cascade.cascadeId, threadId: threads.spoilers, text: "Chapter 3 is wild", replyToId: null });
    for (let attempt = 0; Number(dunstctl("count", "displayed")) === 0; attempt++) {
      if (attempt > 150) throw new Error("no notification was displayed");
      await sleep(100);
    }
    dunstctl("action", "0");
    await session.waitForText('[data-testid="thread-title"]', (t) => t === "Spoilers");
    await session.waitForScript(`return !!(${threadMessage("Chapter 3 is wild")});`, (found) => found === true);
  } finally {
    other.kill();
    dunstctl("close-all");
  }
});

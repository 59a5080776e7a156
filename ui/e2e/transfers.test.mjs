// Peer-to-peer file transfers on the real app: a contact, driven through the Rust core (a real
// WebRTC peer, see peer.mjs), offers a file; the user accepts it in the window, watches it
// arrive, and opens its folder; then the user sends a file from a chat (the page's file input,
// staged) and one chosen in the native file dialog (sent from where it is), and the contact's
// core receives them. The bytes are compared by SHA-256 on both ends.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ENTER, embeddedServerUrl, openApp, registerInApp, screenshot } from "./harness.mjs";
import { CorePeer } from "./peer.mjs";
import { ApiUser } from "./server-api.mjs";

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const work = mkdtempSync(join(tmpdir(), "chatenium-e2e-transfers-"));
// "Show in folder" starts the desktop's opener (xdg-open on Linux). This machine has no file
// manager, so the opener on the app's PATH is a script that writes down what it was asked to
// open: the test then reads which folder the app asked for.
const opened = join(work, "opened.txt");
const bin = join(work, "bin");
mkdirSync(bin);
writeFileSync(join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$@" >> '${opened}'\n`);
chmodSync(join(bin, "xdg-open"), 0o755);
// A WebDriver test cannot click the system's file dialog: the app's test seam
// (CHATENIUM_TEST_DIALOG_PICK, src-tauri/src/commands/transfers.rs) names the file the dialog
// would have answered. What it covers: the button, the command, and the core reading the file
// where it is; not GTK's dialog itself.
const chosen = join(work, "chosen in the dialog.bin");

/** The files under `dir` of at least `size` bytes (none when `dir` does not exist). */
function largeFilesUnder(dir, size) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile() && statSync(path).size >= size);
}

/** Polls `check` until it answers true (a throw counts as not yet). */
async function eventually(check, attempts = 100) {
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      if (check()) return;
    } catch {
      // not yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  assert.fail("the condition never held");
}

let app;
let session;
let carla;
let peer;

before(async () => {
  app = await openApp({ extraEnv: { PATH: `${bin}:${process.env.PATH}`, CHATENIUM_TEST_DIALOG_PICK: chosen } });
  session = app.session;
  await registerInApp(session, { username: "ada", displayName: "Ada", password: "ada-password-1" });
  await session.waitForText('[data-testid="connection"]', (t) => t === "Online");
  const server = await embeddedServerUrl(session);
  // Carla asks Ada to be contacts and writes; Ada's answer makes them contacts (the server lets
  // only contacts offer each other files).
  carla = new ApiUser(server);
  await carla.register("carla");
  const chatid = await carla.addContact("ada");
  await carla.send(chatid, "I have the photos");
  await session.click('[data-testid="open-chat"]');
  await session.type('[data-testid="composer"]', `Send them over${ENTER}`);
  await session.waitForScript(
    `return [...document.querySelectorAll('[data-testid="message"] [data-testid="message-text"]')].some((e) => e.textContent === "Send them over");`,
    (found) => found === true,
  );
  peer = await CorePeer.start(server, "carla", "carla-password-1", join(work, "carla"));
});

after(async () => {
  await peer?.stop();
  await app?.close();
});

test("a contact's file is offered, accepted in the app, arrives intact and opens in its folder", async () => {
  const bytes = randomBytes(3 * 1024 * 1024 + 123);
  const file = join(work, "photos-2026.zip");
  writeFileSync(file, bytes);
  const ada = (await carla.call("FetchUserId", { query: { identity: "ada" } })).userid;
  peer.sendFile(ada, file);
  const offered = await peer.transfer((t) => t.direction === "outgoing" && t.state === "waiting");

  // The offer is counted in the header and listed with the sender and the file.
  await session.waitForText('[data-testid="offer-count"]', (t) => t === "1");
  await session.click('[data-testid="nav-transfers"]');
  const card = `[data-transfer-id="${offered.transferId}"]`;
  await session.waitForText(`${card} [data-testid="transfer-name"]`, (t) => t === "photos-2026.zip");
  await session.waitForText(`${card} [data-testid="transfer-status"]`, (t) => t === "Wants to send you a file");
  await screenshot(session, "transfer-offered");

  await session.click(`${card} [data-testid="accept-transfer"]`);
  await session.waitForScript(
    `return document.querySelector('${card}')?.dataset.phase;`,
    (phase) => phase === "completed",
    { attempts: 600 },
  );
  const sent = await peer.transfer((t) => t.transferId === offered.transferId && t.state === "completed");
  assert.equal(sent.sha256, sha256(bytes));
  const saved = join(app.home, "Downloads", "photos-2026.zip");
  assert.equal(sha256(readFileSync(saved)), sha256(bytes), "the saved file is the sent file");
  await screenshot(session, "transfer-received");

  await session.click(`${card} [data-testid="show-in-folder"]`);
  await eventually(() => readFileSync(opened, "utf8").trim() === join(app.home, "Downloads"));
});

test("a file sent from a chat reaches the contact's core intact", async () => {
  const bytes = randomBytes(2 * 1024 * 1024 + 7);
  const file = join(work, "notes from ada.txt");
  writeFileSync(file, bytes);
  await session.click('[data-testid="nav-chats"]');
  await session.click('[data-testid="open-chat"]');
  await session.type('[data-testid="direct-picker"]', file);
  const incoming = await peer.transfer((t) => t.direction === "incoming" && t.state === "offered");
  assert.equal(incoming.name, "notes from ada.txt");
  assert.equal(incoming.size, bytes.length);
  // The chat shows its contact's transfer, waiting for an answer.
  const card = `[data-testid="dm-view"] [data-transfer-id="${incoming.transferId}"]`;
  await session.waitForScript(`return document.querySelector('${card}')?.dataset.phase;`, (p) => p === "waiting");
  await screenshot(session, "transfer-sending");

  const folder = join(work, "carla-downloads");
  mkdirSync(folder);
  peer.accept(incoming.transferId, folder);
  const received = await peer.transfer((t) => t.transferId === incoming.transferId && t.state === "completed");
  assert.equal(sha256(readFileSync(received.path)), sha256(bytes));
  await session.waitForScript(
    `return document.querySelector('${card}')?.dataset.phase;`,
    (phase) => phase === "completed",
    { attempts: 300 },
  );
  await session.waitForText(`${card} [data-testid="transfer-status"]`, (t) => t === "Done");
  await screenshot(session, "transfer-sent");
});

test("a file chosen in the native dialog is sent from where it is, with no copy in the app's cache", async () => {
  const bytes = randomBytes(5 * 1024 * 1024 + 11);
  writeFileSync(chosen, bytes);
  const since = peer.lines.length;
  await session.click('[data-testid="nav-chats"]');
  await session.click('[data-testid="open-chat"]');
  await session.click('[data-testid="send-direct"]');
  const incoming = await peer.transfer((t) => t.direction === "incoming" && t.state === "offered", { since });
  assert.equal(incoming.name, "chosen in the dialog.bin");
  assert.equal(incoming.size, bytes.length);
  // Nothing was staged: no file of that size anywhere in the app's cache (where staged files
  // go: <cache>/staged/).
  const cache = join(app.home, ".cache", "hu.chatenium.desktop");
  assert.ok(existsSync(cache), "the app's cache folder is where the test looks");
  assert.deepEqual(largeFilesUnder(cache, bytes.length), []);

  const folder = join(work, "carla-chosen");
  mkdirSync(folder);
  peer.accept(incoming.transferId, folder);
  const received = await peer.transfer((t) => t.transferId === incoming.transferId && t.state === "completed", { since });
  assert.equal(sha256(readFileSync(received.path)), sha256(bytes));
  const card = `[data-testid="dm-view"] [data-transfer-id="${incoming.transferId}"]`;
  await session.waitForScript(
    `return document.querySelector('${card}')?.dataset.phase;`,
    (phase) => phase === "completed",
    { attempts: 300 },
  );
});

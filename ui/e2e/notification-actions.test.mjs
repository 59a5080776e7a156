// Notifications that do something, on the real app with a real notification daemon (dunst, on
// the private D-Bus session `./dev test` runs the end-to-end tests in): a conversation's
// messages are one notification, replaced as they arrive, and its "Mark as read" action clears
// the chat's unread count.
//
// The action is chosen in dunst's context menu, as a user does (dunst.mjs).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { contextMenu, dunstctl, pickFile, waitForMenu } from "./dunst.mjs";
import { embeddedServerUrl, openApp, registerInApp, screenshot } from "./harness.mjs";
import { ApiUser } from "./server-api.mjs";

let app;
let session;
let other;
/** Mara's partner, who writes from the server's API, and their chat. */
let bruno;
let chatid;

const runtime = process.env.XDG_RUNTIME_DIR;

before(async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run inside a D-Bus session with dunst");
  assert.ok(runtime, "XDG_RUNTIME_DIR is where dunst's menu picker meets this test");
  for (let attempt = 0; ; attempt++) {
    try {
      if (dunstctl("is-paused") === "false") break;
    } catch (error) {
      if (attempt > 100) throw new Error(`dunst is not running: ${error}`);
    }
    await sleep(100);
  }
  app = await openApp();
  session = app.session;
});

after(async () => {
  other?.kill();
  rmSync(pickFile, { force: true });
  await app?.close();
});

test("three messages are one notification; its Mark as read clears the unread count", async () => {
  await registerInApp(session, { username: "mara", displayName: "Mara", password: "mara-password-1" });
  bruno = new ApiUser(await embeddedServerUrl(session));
  await bruno.register("bruno");
  chatid = await bruno.addContact("mara");
  await session.waitForText('[data-testid="chat"] .name', (t) => t === "Bruno");

  other = spawn("xmessage", ["-geometry", "+900+600", "another program"], { stdio: "ignore" });
  const window = execFileSync("xdotool", ["search", "--sync", "--name", "^xmessage$"], { encoding: "utf8" })
    .trim()
    .split("\n")[0];
  execFileSync("xdotool", ["windowfocus", "--sync", window]);
  dunstctl("close-all");

  for (const text of ["one", "two", "three"]) await bruno.send(chatid, text);
  await session.waitForText('[data-testid="chat"] [data-testid="unread"]', (t) => t === "3");
  // One notification, updated to the third message: its menu offers each action once.
  const menu = await waitForMenu((lines) => lines.some((line) => line.includes("(Bruno (3))")));
  assert.equal(Number(dunstctl("count", "displayed")), 1);
  assert.deepEqual(
    menu.filter((line) => line.includes("Mark as read")),
    [menu.find((line) => line.includes("Mark as read"))],
    JSON.stringify(menu),
  );
  assert.ok(menu.some((line) => line.startsWith("#Reply (Bruno (3))")), JSON.stringify(menu));

  await contextMenu("Mark as read");
  await session.waitForCount('[data-testid="chat"] [data-testid="unread"]', (n) => n === 0);
  await screenshot(session, "marked-read-from-notification");
  // Read, so its notification is gone.
  for (let attempt = 0; Number(dunstctl("count", "displayed")) > 0; attempt++) {
    assert.ok(attempt < 150, "the notification stayed on screen");
    await sleep(100);
  }
});

test("Reply opens the chat with the cursor in its composer", async () => {
  await session.click('[data-testid="nav-account"]');
  await session.waitFor('[data-testid="account"]');
  const window = execFileSync("xdotool", ["search", "--name", "^xmessage$"], { encoding: "utf8" }).trim().split("\n")[0];
  execFileSync("xdotool", ["windowfocus", "--sync", window]);
  await bruno.send(chatid, "Still there?");
  await waitForMenu((lines) => lines.some((line) => line.includes("#Reply (Bruno)")));
  await contextMenu("#Reply (Bruno)");
  await session.waitForText('[data-testid="dm-title"]', (t) => t === "Bruno");
  await session.waitForScript(
    `return document.activeElement?.dataset.testid ?? null;`,
    (focused) => focused === "composer",
  );
});

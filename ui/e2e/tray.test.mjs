// Living in the tray, on the real app with a real notification daemon (dunst, on the private
// D-Bus session `./dev test` runs the end-to-end tests in).
//
// Closing: the window gets the WM_DELETE_WINDOW message a window manager's close button sends
// (tools/close-window.py; Xvfb has no window manager). Hidden means X no longer maps it
// (`xdotool search --onlyvisible`).
//
// The tray's menu: under Xvfb no desktop shows a tray (no StatusNotifier host), so nothing can
// be clicked. The app started with CHATENIUM_TEST_HOOKS=1 lets the window call
// `use_tray_menu_item`, which runs the same handler as a click on the item (tray.rs `activate`).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { embeddedServerUrl, openApp, registerInApp, screenshot } from "./harness.mjs";
import { ApiUser } from "./server-api.mjs";

let app;
let session;
let other;

const dunstctl = (...args) => execFileSync("dunstctl", args, { encoding: "utf8" }).trim();
const closeWindowTool = join(import.meta.dirname, "tools/close-window.py");

before(async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run inside a D-Bus session with dunst");
  for (let attempt = 0; ; attempt++) {
    try {
      if (dunstctl("is-paused") === "false") break;
    } catch (error) {
      if (attempt > 100) throw new Error(`dunst is not running: ${error}`);
    }
    await sleep(100);
  }
  app = await openApp({ extraEnv: { CHATENIUM_TEST_HOOKS: "1" } });
  session = app.session;
});

after(async () => {
  other?.kill();
  await app?.close();
});

/** Polls `read` until `predicate` holds; answers the last value. */
async function waitUntil(what, read, predicate, attempts = 150) {
  let value;
  for (let attempt = 0; attempt < attempts; attempt++) {
    value = read();
    if (predicate(value)) return value;
    await sleep(100);
  }
  throw new Error(`${what}: still ${JSON.stringify(value)}`);
}

/** The app's X windows that are mapped (shown). */
function shownWindows() {
  try {
    return execFileSync("xdotool", ["search", "--onlyvisible", "--name", "^Chatenium$"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean);
  } catch {
    // xdotool answers 1 when it finds none.
    return [];
  }
}

/** Calls a command of the app from the window. */
async function invoke(command, args = {}) {
  const answer = await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((value) => done({ value }), (error) => done({ error }));`,
    [command, args],
  );
  assert.equal(answer.error, undefined, `${command}: ${JSON.stringify(answer.error)}`);
  return answer.value;
}

const useTrayMenuItem = (id) => invoke("use_tray_menu_item", { id });

/** Every notification dunst has shown, once closed (dunst 1.9 cannot clear its history: a
 * test compares against what it held before). */
function history() {
  dunstctl("close-all");
  return JSON.parse(dunstctl("history")).data.flat();
}

/** The notifications in dunst's history that are not in `before`. */
function since(before) {
  const known = new Set(before.map((n) => n.id.data));
  return history().filter((n) => !known.has(n.id.data));
}

test("closing the window hides it to the tray; the tray's Open brings it back", async () => {
  const before = history();
  await session.waitFor('[data-testid="go-register"]');
  const [window] = await waitUntil("the window is shown", shownWindows, (w) => w.length === 1);

  execFileSync("/usr/bin/python3", [closeWindowTool, window]);
  await waitUntil("the window is hidden", shownWindows, (w) => w.length === 0);
  // Still running, and the first time it says where it went.
  await waitUntil("the tray notification", () => Number(dunstctl("count", "displayed")), (n) => n > 0);
  const told = since(before).find((n) => n.summary?.data === "Chatenium is still running");
  assert.ok(told, `dunst's history: ${JSON.stringify(history())}`);
  assert.equal(told.appname.data, "Chatenium");

  await useTrayMenuItem("open");
  await waitUntil("the window is shown again", shownWindows, (w) => w.length === 1);
  await screenshot(session, "tray-reopened");
  await session.waitFor('[data-testid="go-register"]');
});

test("Do Not Disturb: no notification, while the unread badge counts", async () => {
  await registerInApp(session, { username: "dana", displayName: "Dana", password: "dana-password-1" });
  const bruno = new ApiUser(await embeddedServerUrl(session));
  await bruno.register("bruno");
  const chatid = await bruno.addContact("dana");
  await session.waitForText('[data-testid="chat"] .name', (t) => t === "Bruno");

  // On from the Account screen; the tray's menu item turns it off and on again, and the screen
  // follows.
  await session.click('[data-testid="nav-account"]');
  await session.click('[data-testid="do-not-disturb"]');
  const isChecked = () => session.execute(`return document.querySelector('[data-testid="do-not-disturb"]').checked;`);
  await waitForAsync("Do Not Disturb is saved", () => invoke("desktop_settings"), (s) => s.doNotDisturb === true);
  await useTrayMenuItem("do-not-disturb");
  await waitForAsync("the Account screen shows it off", isChecked, (checked) => checked === false);
  await useTrayMenuItem("do-not-disturb");
  await waitForAsync("the Account screen shows it on", isChecked, (checked) => checked === true);
  await screenshot(session, "do-not-disturb");
  await session.click('[data-testid="nav-chats"]');
  await session.waitFor('[data-testid="chat-list"]');

  // The user is in another program: the app's window is not focused.
  other = spawn("xmessage", ["-geometry", "+900+600", "another program"], { stdio: "ignore" });
  const xmessage = execFileSync("xdotool", ["search", "--sync", "--name", "^xmessage$"], { encoding: "utf8" })
    .trim()
    .split("\n")[0];
  execFileSync("xdotool", ["windowfocus", "--sync", xmessage]);
  const before = history();

  await bruno.send(chatid, "A quiet message");
  await session.waitForText('[data-testid="chat"] [data-testid="unread"]', (t) => t === "1");
  assert.equal(Number(dunstctl("count", "displayed")) + Number(dunstctl("count", "waiting")), 0);
  assert.deepEqual(since(before), []);

  // Off again: the next message notifies. Once it has arrived, the quiet one, sent first, would
  // have too: dunst holds only the second.
  await useTrayMenuItem("do-not-disturb");
  await bruno.send(chatid, "A loud message");
  await waitUntil("the notification", () => Number(dunstctl("count", "displayed")), (n) => n > 0);
  await session.waitForText('[data-testid="chat"] [data-testid="unread"]', (t) => t === "2");
  const shown = since(before);
  assert.deepEqual(
    shown.map((n) => n.body?.data),
    ["A loud message"],
    `dunst's history: ${JSON.stringify(shown)}`,
  );
});

test("Start with the system writes the desktop's autostart entry, marked for a hidden start", async () => {
  other?.kill();
  await session.click('[data-testid="nav-account"]');
  await session.click('[data-testid="start-with-system"]');
  await waitForAsync("the setting", () => invoke("desktop_settings"), (s) => s.startWithSystem === true);
  const folder = join(app.home, ".config/autostart");
  const entries = readdirSync(folder).filter((name) => name.endsWith(".desktop"));
  assert.equal(entries.length, 1, `autostart entries: ${entries}`);
  const entry = readFileSync(join(folder, entries[0]), "utf8");
  assert.match(entry, /^Exec=.*chatenium-desktop.* --autostarted/m);

  await session.click('[data-testid="start-hidden"]');
  await waitForAsync("start hidden", () => invoke("desktop_settings"), (s) => s.startHidden === true);
  await session.click('[data-testid="start-with-system"]');
  await waitForAsync("the setting is off", () => invoke("desktop_settings"), (s) => s.startWithSystem === false);
  assert.equal(existsSync(join(folder, entries[0])), false);
});

test("Quit in the tray's menu ends the app", async () => {
  await useTrayMenuItem("quit").catch(() => {
    // The app may end before it answers.
  });
  const anyWindow = () => {
    try {
      return execFileSync("xdotool", ["search", "--name", "^Chatenium$"], { encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };
  await waitUntil("the app's windows are gone", anyWindow, (found) => found === "");
});

/** Like `waitUntil`, for a value read asynchronously. */
async function waitForAsync(what, read, predicate, attempts = 150) {
  let value;
  for (let attempt = 0; attempt < attempts; attempt++) {
    value = await read();
    if (predicate(value)) return value;
    await sleep(100);
  }
  throw new Error(`${what}: still ${JSON.stringify(value)}`);
}

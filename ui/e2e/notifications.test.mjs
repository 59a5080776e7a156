// A native notification on the real app with a real notification daemon: dunst, on the
// private D-Bus session `./dev test` runs the end-to-end tests in. A partner's message while the
// window is not focused becomes a notification with the sender and the text; invoking its
// default action opens that chat. Under Xvfb there is no window manager to switch windows, so
// the test opens another X window (xmessage) and gives it the input focus (xdotool), as a
// user switching to another program would.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { embeddedServerUrl, openApp, registerInApp, screenshot } from "./harness.mjs";
import { ApiUser } from "./server-api.mjs";

let app;
let session;
let other;

const dunstctl = (...args) => execFileSync("dunstctl", args, { encoding: "utf8" }).trim();

before(async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run inside a D-Bus session with dunst");
  // dunst is started next to this test run; wait until it owns its bus name.
  for (let attempt = 0; ; attempt++) {
    try {
      if (dunstctl("is-paused") === "false") break;
    } catch (error) {
      if (attempt > 100) throw new Error(`dunst is not running: ${error}`);
    }
    await sleep(100);
  }
  dunstctl("close-all");
  app = await openApp();
  session = app.session;
});

after(async () => {
  other?.kill();
  await app?.close();
});

/** Waits until dunst displays a notification. */
async function waitForDisplayed() {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (Number(dunstctl("count", "displayed")) > 0) return;
    await sleep(100);
  }
  throw new Error("no notification was displayed");
}

test("a partner's message while unfocused is a notification that opens the chat", async () => {
  await registerInApp(session, { username: "nora", displayName: "Nora", password: "nora-password-1" });
  const bruno = new ApiUser(await embeddedServerUrl(session));
  await bruno.register("bruno");
  const chatid = await bruno.addContact("nora");
  await session.waitForText('[data-testid="chat"] .name', (t) => t === "Bruno");

  other = spawn("xmessage", ["-geometry", "+900+600", "another program"], { stdio: "ignore" });
  const window = execFileSync("xdotool", ["search", "--sync", "--name", "^xmessage$"], { encoding: "utf8" })
    .trim()
    .split("\n")[0];
  execFileSync("xdotool", ["windowfocus", "--sync", window]);
  await bruno.send(chatid, "Are you there, Nora?");
  await waitForDisplayed();
  await screenshot(session, "notification");

  // The default action is a click on the notification.
  dunstctl("action", "0");
  await session.waitForText('[data-testid="dm-title"]', (t) => t === "Bruno");
  await session.waitForText('[data-testid="message-text"]', (t) => t === "Are you there, Nora?");

  dunstctl("close-all");
  const history = JSON.parse(dunstctl("history")).data.flat();
  const shown = history.find((n) => n.body?.data === "Are you there, Nora?");
  assert.ok(shown, `dunst's history: ${JSON.stringify(history)}`);
  assert.equal(shown.summary.data, "Bruno");
  assert.equal(shown.appname.data, "Chatenium");
});

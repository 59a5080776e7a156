// A start by the system (the autostart entry's `--autostarted`) with "start hidden in the tray"
// on: the app runs, its page loaded, and no window shows until the tray's Open. (The tray's
// menu is reached through the test hook, as in tray.test.mjs: under Xvfb no tray can be
// clicked.) Hidden means X does not map the window (`xdotool search --onlyvisible`).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openApp } from "./harness.mjs";

let app;

after(async () => {
  await app?.close();
});

/** The app's X windows: all of them, or only the mapped (shown) ones. */
function windows({ shown }) {
  const args = shown ? ["search", "--onlyvisible", "--name", "^Chatenium$"] : ["search", "--name", "^Chatenium$"];
  try {
    return execFileSync("xdotool", args, { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    // xdotool answers 1 when it finds none.
    return [];
  }
}

/** Calls a command of the app from the window. */
async function invoke(command, args = {}) {
  const answer = await app.session.executeAsync(
    `const done = arguments[arguments.length - 1];
     window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((value) => done({ value }), (error) => done({ error }));`,
    [command, args],
  );
  assert.equal(answer.error, undefined, `${command}: ${JSON.stringify(answer.error)}`);
  return answer.value;
}

async function waitUntil(what, read, predicate, attempts = 150) {
  let value;
  for (let attempt = 0; attempt < attempts; attempt++) {
    value = read();
    if (predicate(value)) return value;
    await sleep(100);
  }
  throw new Error(`${what}: still ${JSON.stringify(value)}`);
}

test("started by the system with 'start hidden' on, the app stays in the tray until opened", async () => {
  app = await openApp({ extraEnv: { CHATENIUM_TEST_HOOKS: "1" } });
  await app.session.waitFor('[data-testid="go-register"]');
  const settings = await invoke("desktop_settings");
  await invoke("set_desktop_settings", { settings: { ...settings, startHidden: true } });
  await app.close();

  app = await openApp({ home: app.home, extraEnv: { CHATENIUM_TEST_HOOKS: "1" }, args: ["--autostarted"] });
  // Up and running: its page rendered the sign-in screen and the engine answers...
  await app.session.waitFor('[data-testid="go-register"]');
  assert.equal((await invoke("engine_state")).phase, "ready");
  // ...with its window made but not shown.
  await waitUntil("the window exists", () => windows({ shown: false }), (w) => w.length === 1);
  assert.deepEqual(windows({ shown: true }), []);

  await invoke("use_tray_menu_item", { id: "open" });
  await waitUntil("the window is shown", () => windows({ shown: true }), (w) => w.length === 1);
});

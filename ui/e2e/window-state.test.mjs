// The window's size is remembered: resized, closed, and started again on the same data, the app
// opens at the size it had. (Under Xvfb there is no window manager, so the place on screen is
// not asserted: nothing moves windows there.)
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openApp } from "./harness.mjs";

let app;

after(async () => {
  await app?.close();
});

test("a resized window opens at its size the next time", async () => {
  app = await openApp();
  await app.session.waitFor('[data-testid="sign-in"]');
  await app.session.request("POST", "/window/rect", { width: 900, height: 640 });
  const resized = await app.session.request("GET", "/window/rect");
  assert.deepEqual([resized.width, resized.height], [900, 640]);
  // The app writes the geometry once a resize has settled, so it survives even being killed,
  // which is how the WebDriver session ends it.
  const saved = join(app.home, ".config/hu.chatenium.desktop/.window-state.json");
  for (let attempt = 0; ; attempt++) {
    const state = existsSync(saved) ? JSON.parse(readFileSync(saved, "utf8")).main : undefined;
    if (state?.width === 900 && state?.height === 640) break;
    assert.ok(attempt < 100, `the window state was not written: ${JSON.stringify(state)}`);
    await sleep(100);
  }
  await app.close();

  app = await openApp({ home: app.home });
  await app.session.waitFor('[data-testid="sign-in"]');
  const reopened = await app.session.request("GET", "/window/rect");
  assert.deepEqual([reopened.width, reopened.height], [900, 640]);
});

// Single instance on the real app: starting Chatenium again while it runs hands over to the
// running app (which brings its window forward) and the second process ends at once, instead
// of a second window on the same data and keyring entries.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { application, openApp } from "./harness.mjs";

let app;

before(async () => {
  app = await openApp();
  await app.session.waitFor('[data-testid="sign-in"]');
});

after(async () => {
  await app?.close();
});

test("a second start hands over to the running app and exits", async () => {
  const second = spawn(application, [], { env: app.env, stdio: "ignore" });
  const [code] = await once(second, "exit");
  assert.equal(code, 0);
  // The first one is still there and still answers.
  assert.equal(await app.session.title(), "Chatenium");
  await app.session.waitFor('[data-testid="sign-in"]');
});

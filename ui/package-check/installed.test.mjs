// The app as a user's machine has it after `apt-get install ./Chatenium_*.deb`: `./dev test`
// runs this with CHATENIUM_APP_BINARY=/usr/bin/chatenium-desktop (see check_packages in ./dev).
// Not among ui/e2e/: it needs the package installed first.
import assert from "node:assert/strict";
import { test } from "node:test";
import { application, openApp, screenshot } from "../e2e/harness.mjs";

test("the installed binary starts and renders its sign-in screen", async () => {
  assert.equal(application, "/usr/bin/chatenium-desktop");
  const app = await openApp();
  try {
    await app.session.waitForVisible('[data-testid="sign-in"]');
    await screenshot(app.session, "installed-sign-in", { shows: '[data-testid="sign-in"]' });
  } finally {
    await app.close();
  }
});

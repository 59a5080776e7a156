// One-time codes on the real app: a passwordless registration proves its e-mail address with a
// code, and the account then signs in with e-mailed codes only. The built-in server delivers
// codes to `<data folder>/server/outbox.jsonl`, which is where this test reads them. Errors
// read in the language the user chose.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openApp, screenshot } from "./harness.mjs";

let app;
let session;

before(async () => {
  app = await openApp();
  session = app.session;
  await session.waitFor('[data-testid="sign-in"]');
});

after(async () => {
  await app?.close();
});

/** Waits for a code sent to `to` that is not one of `seen`; answers it. */
async function codeSentTo(to, seen = []) {
  const outbox = join(app.home, ".local/share/hu.chatenium.desktop/server/outbox.jsonl");
  for (let attempt = 0; attempt < 100; attempt++) {
    const sent = existsSync(outbox)
      ? readFileSync(outbox, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line))
      : [];
    const code = sent.filter((m) => m.to === to).map((m) => m.secret).filter((s) => !seen.includes(s)).pop();
    if (code) return code;
    await sleep(100);
  }
  throw new Error(`no code was sent to ${to}`);
}

test("a passwordless account registers by proving its e-mail with a code", async () => {
  await session.click('[data-testid="go-register"]');
  await session.type('[data-testid="reg-username"]', "pia");
  await session.waitForText('[data-testid="username-availability"]', (t) => t === "Available");
  await session.type('[data-testid="reg-display-name"]', "Pia");
  await session.type('[data-testid="reg-email"]', "pia@example.test");
  // Wait for the availability line, which moves what is below it (see registerInApp).
  await session.waitForText('[data-testid="email-availability"]', (t) => t === "Available");
  await session.click('[data-testid="reg-passwordless"]');
  await session.click('[data-testid="reg-submit"]');
  await session.click('[data-testid="send-code-email"]');
  const code = await codeSentTo("pia@example.test");
  await screenshot(session, "register-code");
  await session.type('[data-testid="code-email"]', `${code}\uE007`);
  assert.equal(await session.waitForText('[data-testid="nav-account"]', (t) => t.length > 0), "Pia");
});

test("it signs in with an e-mailed code, and a wrong code is explained in Hungarian", async () => {
  const first = await codeSentTo("pia@example.test");
  await session.click('[data-testid="nav-account"]');
  await session.click('[data-testid="sign-out"]');
  await session.waitFor('[data-testid="sign-in"]');
  await session.execute(
    `const select = document.querySelector('[data-testid="language"]');
     select.value = "hu";
     select.dispatchEvent(new Event("change", { bubbles: true }));`,
  );
  await session.type('[data-testid="identity"]', "pia");
  await session.click('[data-testid="continue"]');
  // No password field: this account has none.
  await session.waitFor('[data-testid="code-by-email"]');
  assert.equal(await session.waitForCount('[data-testid="password"]', (n) => n === 0), 0);
  await session.click('[data-testid="code-by-email"]');
  const code = await codeSentTo("pia@example.test", [first]);
  await session.type('[data-testid="code-email"]', `000000\uE007`);
  assert.equal(
    await session.waitForText('[data-testid="challenge"] [role="alert"]', (t) => t.length > 0),
    "A kód hibás vagy lejárt.",
  );
  await screenshot(session, "sign-in-code-hu");
  await session.clear('[data-testid="code-email"]');
  await session.type('[data-testid="code-email"]', `${code}\uE007`);
  assert.equal(await session.waitForText('[data-testid="nav-account"]', (t) => t.length > 0), "Pia");
});

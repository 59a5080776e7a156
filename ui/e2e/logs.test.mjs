// The app's log file on the real app: it is written from the start, and no secret reaches it.
// The test signs up with a password, signs in again with the password and then with an e-mailed
// code, reads each token pair the app kept from the Secret Service (`secret-tool`, on the private
// D-Bus session `./dev test` runs the end-to-end tests in) while it is signed in, and then
// searches every log file for the password, the codes and the tokens.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openApp, registerInApp } from "./harness.mjs";

const PASSWORD = "lina-password-Secret-1";
const WRONG_PASSWORD = "lina-wrong-Secret-2";
/** The keyring's service name for the app (`KEYRING_SERVICE` in crates/core/src/tokens.rs). */
const KEYRING_SERVICE = "hu.chatenium.desktop";

let app;
let session;

before(async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run inside a D-Bus session with gnome-keyring");
  app = await openApp();
  session = app.session;
  await session.waitFor('[data-testid="sign-in"]');
});

after(async () => {
  await app?.close();
});

const dataFolder = () => join(app.home, ".local/share/hu.chatenium.desktop");

/** The token pairs the app keeps in the Secret Service now (JSON `{access, refresh}` each). */
function tokensInKeyring() {
  const listing = execFileSync("secret-tool", ["search", "--all", "service", KEYRING_SERVICE], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return listing
    .split("\n")
    .filter((line) => line.startsWith("secret = "))
    .map((line) => JSON.parse(line.slice("secret = ".length)))
    .flatMap((pair) => [pair.access, pair.refresh]);
}

/** Waits until the keyring holds tokens not among `seen`; answers them. */
async function newTokens(seen = []) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const tokens = tokensInKeyring().filter((token) => !seen.includes(token));
    if (tokens.length > 0) return tokens;
    await sleep(100);
  }
  throw new Error("the app kept no new tokens in the keyring");
}

/** Waits for a code sent to `to` that is not one of `seen` (the built-in server's outbox). */
async function codeSentTo(to, seen = []) {
  const outbox = join(dataFolder(), "server/outbox.jsonl");
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

async function signOut() {
  await session.click('[data-testid="nav-account"]');
  await session.click('[data-testid="sign-out"]');
  await session.waitFor('[data-testid="sign-in"]');
}

test("the log file holds the app's records and none of the password, the codes or the tokens", async () => {
  const secrets = [PASSWORD, WRONG_PASSWORD];

  await registerInApp(session, { username: "lina", displayName: "Lina", password: PASSWORD });
  secrets.push(...(await newTokens()));
  await signOut();

  await session.type('[data-testid="identity"]', "lina");
  await session.click('[data-testid="continue"]');
  // A wrong password first: a refused sign-in is logged too, and must not carry it.
  await session.type('[data-testid="password"]', WRONG_PASSWORD);
  await session.click('[data-testid="sign-in-submit"]');
  await session.waitForText('[data-testid="sign-in-error"]', (t) => t.length > 0);
  await session.clear('[data-testid="password"]');
  await session.type('[data-testid="password"]', PASSWORD);
  await session.click('[data-testid="sign-in-submit"]');
  await session.waitForText('[data-testid="nav-account"]', (t) => t === "Lina");
  secrets.push(...(await newTokens(secrets)));
  await signOut();

  await session.type('[data-testid="identity"]', "lina");
  await session.click('[data-testid="continue"]');
  await session.click('[data-testid="code-by-email"]');
  const code = await codeSentTo("lina@example.test");
  secrets.push(code);
  await session.type('[data-testid="code-email"]', `${code}\uE007`);
  await session.waitForText('[data-testid="nav-account"]', (t) => t === "Lina");
  secrets.push(...(await newTokens(secrets)));

  const logFolder = join(dataFolder(), "logs");
  const files = readdirSync(logFolder).filter((name) => name.endsWith(".log"));
  assert.ok(files.length > 0, `no log file in ${logFolder}`);
  const log = files.map((name) => readFileSync(join(logFolder, name), "utf8")).join("\n");
  assert.match(log, /Chatenium started/);
  assert.match(log, /signed in/);
  assert.match(log, /a command failed/);
  // Each line opens with its time, down to the microsecond: six digits that a six-digit code
  // could equal by chance. Searched without them; a code is searched as a whole number.
  const searched = log.replace(/^\S+Z /gm, "");
  for (const secret of secrets) {
    const pattern = /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`) : null;
    const found = pattern ? pattern.test(searched) : searched.includes(secret);
    assert.ok(!found, `the log holds a secret (${secret.length} characters)`);
  }
  assert.ok(secrets.length >= 9, `two passwords, a code and three token pairs expected: ${secrets.length}`);
});

// Every screen the in-memory backend can reach, in real Chromium (playwright-core driving
// Debian's /usr/bin/chromium) on the browser build, in the light and in the dark theme:
// axe-core finds no violation, and a screenshot of each is kept in .e2e-artifacts/ as
// look-<screen>-<theme>.png. The page is served with the app's own Content-Security-Policy (from
// tauri.conf.json), and nothing on any screen may trip it: no inline style or script at run time.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { artifacts, root } from "./harness.mjs";

const dist = join(root, "ui/dist-browser-test");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };
const csp = Object.entries(JSON.parse(readFileSync(join(root, "tauri.conf.json"), "utf8")).app.security.csp)
  .map(([directive, sources]) => `${directive} ${sources}`)
  .join("; ");

let server;
let browser;
let base;

before(async () => {
  // A static server for the build: only files under dist, never a path outside it.
  server = createServer((request, response) => {
    const path = normalize(new URL(request.url, "http://x").pathname).replace(/^\/+/, "") || "index.html";
    try {
      const body = readFileSync(join(dist, path));
      response.writeHead(200, {
        "content-type": TYPES[extname(path)] ?? "application/octet-stream",
        "content-security-policy": csp,
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** A fresh page in `scheme`, on the sign-in screen. */
async function openPage(scheme) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI} (${e.sourceFile}:${e.lineNumber}) ${e.sample}`),
    );
  });
  await page.goto(base);
  await page.waitForSelector('[data-testid="sign-in"]');
  await page.evaluate(axeSource);
  return page;
}

/** Runs axe-core on the page as it is now; fails with each violation and where it is. */
async function audit(page, screen, scheme) {
  // Transitions finish first, so that colours are measured as they end up.
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))));
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ")}`),
    }));
  });
  await page.screenshot({ path: join(artifacts, `look-${screen}-${scheme}.png`) });
  assert.deepEqual(violations, [], `${screen} (${scheme}): ${JSON.stringify(violations, null, 2)}`);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], `${screen} (${scheme}): the CSP refused something`);
}

/** The test backend's user `reader`, signed in through the form, with a chat that has history:
 * messages of both sides, a reply, a pinned and an edited message, and a waiting file offer. */
async function signedIn(page) {
  await page.evaluate(() => {
    const backend = window.chateniumTest;
    backend.signInAs("reader");
    backend.deliver("bruno", "Hi! Did you get the photos from Saturday?");
    backend.deliver("bruno", "The ones from the lake are my favourites.");
    backend.deliver("ada", "Are we still on for Thursday?");
  });
  await page.fill('[data-testid="identity"]', "reader");
  await page.click('[data-testid="continue"]');
  await page.fill('[data-testid="password"]', "test-password");
  await page.click('[data-testid="sign-in-submit"]');
  await page.waitForSelector('[data-testid="chat-list"] [data-testid="chat"]');
}

for (const scheme of ["light", "dark"]) {
  test(`the signed-out screens have no accessibility violation (${scheme})`, async () => {
    const page = await openPage(scheme);
    await audit(page, "sign-in", scheme);
    await page.click("summary");
    await page.waitForSelector('[data-testid="endpoint-count"]');
    await audit(page, "sign-in-about", scheme);

    await page.evaluate(() => {
      window.chateniumTest.signInAs("known");
      return window.chateniumTest.signOut();
    });
    await page.fill('[data-testid="identity"]', "known");
    await page.click('[data-testid="continue"]');
    await page.waitForSelector('[data-testid="password"]');
    await page.fill('[data-testid="password"]', "wrong-password");
    await page.click('[data-testid="sign-in-submit"]');
    await page.waitForSelector('[data-testid="sign-in-error"]');
    await audit(page, "sign-in-password", scheme);

    await page.click('[data-testid="go-register"]');
    await page.fill('[data-testid="reg-username"]', "newcomer");
    await page.fill('[data-testid="reg-email"]', "newcomer@example.test");
    await page.waitForSelector('[data-testid="username-availability"]');
    await page.waitForSelector('[data-testid="email-availability"]');
    await audit(page, "register", scheme);
    await page.fill('[data-testid="reg-display-name"]', "Newcomer");
    await page.click('[data-testid="reg-passwordless"]');
    await page.click('[data-testid="reg-submit"]');
    await page.waitForSelector('[data-testid="challenge"]');
    await audit(page, "challenge", scheme);

    await page.reload();
    await page.evaluate(axeSource);
    await page.click('[data-testid="go-reset"]');
    await page.waitForSelector('[data-testid="reset"]');
    await audit(page, "reset", scheme);
    await page.close();
  });

  test(`the signed-in screens have no accessibility violation (${scheme})`, async () => {
    const page = await openPage(scheme);
    await signedIn(page);
    await audit(page, "chats", scheme);

    await page.click('[data-testid="chat"]:has-text("bruno") [data-testid="open-chat"]');
    await page.waitForSelector('[data-testid="message"]');
    await page.fill('[data-testid="composer"]', "Yes! They came out great.");
    await page.press('[data-testid="composer"]', "Enter");
    await page.waitForSelector('[data-testid="message-text"]:text-is("Yes! They came out great.")');
    await page.fill('[data-testid="composer"]', "I'll send the rest tonight.");
    await page.press('[data-testid="composer"]', "Enter");
    await page.waitForSelector('[data-testid="message-text"]:text-is("I\'ll send the rest tonight.")');
    const first = '[data-testid="message"]:has-text("Did you get the photos")';
    await page.hover(first);
    await page.click(`${first} [data-testid="pin"]`);
    await page.waitForSelector(`${first} [data-testid="pinned-mark"]`);
    await page.hover(`${first} [data-testid="message-text"]`);
    await audit(page, "dm", scheme);

    await page.click(`${first} [data-testid="reply"]`);
    await page.waitForSelector('[data-testid="replying"]');
    await page.click('[data-testid="show-pinned"]');
    await page.waitForSelector('[data-testid="pinned-item"]');
    await audit(page, "dm-reply-pinned", scheme);
    // Esc closes the innermost open thing first: the reply, then the pinned list.
    await page.keyboard.press("Escape");
    await page.waitForSelector('[data-testid="replying"]', { state: "detached" });
    await page.keyboard.press("Escape");
    await page.waitForSelector('[data-testid="pinned-list"]', { state: "detached" });

    // Up in the empty composer edits my last message; the row's actions show on focus.
    await page.click('[data-testid="composer"]');
    await page.keyboard.press("ArrowUp");
    await page.waitForSelector('[data-testid="editing"]');
    await audit(page, "dm-editing", scheme);
    await page.keyboard.press("Escape");
    await page.waitForSelector('[data-testid="editing"]', { state: "detached" });
    await page.hover(first);
    await page.click(`${first} [data-testid="select-message"]`);
    await page.waitForSelector('[data-testid="delete-selected"]');
    await audit(page, "dm-selecting", scheme);
    await page.keyboard.press("Escape");
    await page.waitForSelector('[data-testid="delete-selected"]', { state: "detached" });

    // The Forward dialog, from a message's actions; Esc closes it.
    await page.hover(first);
    await page.click(`${first} [data-testid="forward"]`);
    await page.waitForSelector('[data-testid="forward-target"]');
    await audit(page, "forward-dialog", scheme);
    await page.keyboard.press("Escape");
    await page.waitForSelector('[data-testid="forward-dialog"]', { state: "detached" });

    await page.keyboard.press("Control+k");
    await page.waitForSelector('[data-testid="switcher"]');
    await page.keyboard.type("ad");
    await page.waitForSelector('[data-testid="switcher-option"]');
    await audit(page, "switcher", scheme);
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-testid="switcher"]', { state: "detached" });
    assert.equal(await page.textContent('[data-testid="dm-title"]'), "ada");

    await page.evaluate(() => window.chateniumTest.offerFile("bruno", "holiday-photos.zip", 48_200_000));
    await page.click('[data-testid="nav-transfers"]');
    await page.waitForSelector('[data-testid="accept-transfer"]');
    await audit(page, "transfers", scheme);

    await page.click('[data-testid="nav-discover"]');
    await page.waitForSelector('[data-testid="discover-screen"]');
    await audit(page, "discover", scheme);
    await page.click('[data-testid="nav-pictures"]');
    await page.waitForSelector('[data-testid="pictures-screen"]');
    await audit(page, "pictures", scheme);

    await page.click('[data-testid="nav-account"]');
    await page.waitForSelector('[data-testid="account"]');
    await audit(page, "account", scheme);
    await page.close();
  });

  test(`the cascade screens have no accessibility violation (${scheme})`, async () => {
    const page = await openPage(scheme);
    await signedIn(page);
    const invite = await page.evaluate(() => {
      const backend = window.chateniumTest;
      const club = backend.cascadeBy("reader", "Book club", false);
      backend.joinAs("bruno", club.cascadeId);
      backend.joinAs("ada", club.cascadeId);
      const general = backend.threadBy("reader", club.cascadeId, "General");
      backend.threadBy("bruno", club.cascadeId, "Spoilers", general.threadId);
      backend.threadBy("reader", club.cascadeId, "Meetups");
      backend.threadMessageFrom("bruno", club.cascadeId, general.threadId, "Who has finished chapter 3?");
      backend.threadMessageFrom("ada", club.cascadeId, general.threadId, "Not yet, no spoilers please!");
      backend.cascadeBy("ada", "Hiking friends", true);
      const den = backend.cascadeBy("ada", "Ada's den", false);
      backend.signInAs("ada");
      return backend.cascadeList().then((list) => {
        backend.signInAs("reader");
        return list.find((c) => c.cascadeId === den.cascadeId).invite.code;
      });
    });
    await page.click('[data-testid="rail-cascade"]');
    await page.waitForSelector('[data-testid="thread-tree"]');
    await audit(page, "cascade", scheme);

    await page.click('[data-testid="thread-item"][data-name="General"] > .row [data-testid="open-thread"]');
    await page.waitForSelector('[data-testid="thread-view"] [data-testid="message"]');
    await page.fill('[data-testid="composer"]', "I have, it was great.");
    await page.press('[data-testid="composer"]', "Enter");
    await page.waitForSelector('[data-testid="message-text"]:text-is("I have, it was great.")');
    await audit(page, "thread", scheme);

    await page.click('[data-testid="new-subthread"]');
    await page.waitForSelector('[data-testid="thread-form"]');
    await audit(page, "thread-new", scheme);
    await page.keyboard.press("Escape");

    await page.click('[data-testid="toggle-members"]');
    await page.waitForSelector('[data-testid="members-panel"]');
    await page.click('[data-testid="member"][data-username="ada"] [data-testid="ban"]');
    await page.waitForSelector('[data-testid="confirm-remove"]');
    await audit(page, "members", scheme);
    await page.click('[data-testid="confirm-remove"]');
    await page.click('[data-testid="show-bans"]');
    await page.waitForSelector('[data-testid="ban-item"]');
    await audit(page, "bans", scheme);

    await page.click('[data-testid="cascade-settings"]');
    await page.waitForSelector('[data-testid="cascade-settings-page"]');
    await page.click('[data-testid="leave-cascade"]');
    await page.waitForSelector('[data-testid="confirm-leave"]');
    await audit(page, "cascade-settings", scheme);

    await page.click('[data-testid="nav-discover"]');
    await page.waitForSelector('[data-testid="discover-item"]');
    await page.click('[data-testid="create-cascade"]');
    await page.waitForSelector('[data-testid="create-cascade-form"]');
    await audit(page, "discover-create", scheme);
    await page.evaluate((code) => window.chateniumTest.openInvite(code), invite);
    await page.waitForSelector('[data-testid="invite-preview"]');
    await audit(page, "invite-preview", scheme);

    // Removed from a cascade: the notice says so.
    await page.evaluate(() => {
      const backend = window.chateniumTest;
      return backend.cascadeList().then((list) => {
        const hiking = backend.cascadeBy("ada", "Choir", false);
        backend.joinAs("reader", hiking.cascadeId);
        backend.removeMe(hiking.cascadeId, false);
        return list.length;
      });
    });
    await page.waitForSelector('[data-testid="cascade-removed"]');
    await audit(page, "cascade-removed", scheme);
    await page.close();
  });
}

test("the theme chosen on the Account screen wins over the system's and stays after a restart", async () => {
  const page = await openPage("light");
  await signedIn(page);
  await page.click('[data-testid="nav-account"]');
  await page.click('label:has([data-testid="theme-dark"])');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  const dark = await background();
  await page.reload();
  await page.waitForSelector('[data-testid="sign-in"]');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.equal(await background(), dark);
  await page.close();
});

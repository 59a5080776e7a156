// 1:1 calls on the real app: the user video-calls a contact driven through the Rust core (a
// real WebRTC peer sending a 440 Hz tone and the test pattern, see peer.mjs and e2e_peer.rs);
// the contact answers; the call view's canvas shows the partner's frames, decoded in the window
// by WebCodecs, and their pixels are the test pattern's; the user mutes and hangs up. Then the
// contact calls the user: the ring shows in the window and as a notification (dunst, as in
// notifications.test.mjs) with Accept and Decline, and the user declines; a later call is
// answered in the window, and another from the notification's Accept (dunst.mjs).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { contextMenu, dunstctl, waitForMenu } from "./dunst.mjs";
import { ENTER, embeddedServerUrl, openApp, registerInApp, screenshot } from "./harness.mjs";
import { CorePeer } from "./peer.mjs";
import { ApiUser } from "./server-api.mjs";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const work = mkdtempSync(join(tmpdir(), "chatenium-e2e-calls-"));
/** The peer's test pattern: vertical bars at luma 160 ± 40 (e2e_peer.rs). */
const PATTERN = { dark: 120, light: 200 };

let app;
let session;
let dora;
let peer;
let chatid;

before(async () => {
  app = await openApp();
  session = app.session;
  await registerInApp(session, { username: "vera", displayName: "Vera", password: "vera-password-1" });
  await session.waitForText('[data-testid="connection"]', (t) => t === "Online");
  const server = await embeddedServerUrl(session);
  // Dora asks Vera to be contacts and writes; Vera's answer makes them contacts (the server
  // lets only contacts call each other).
  dora = new ApiUser(server);
  await dora.register("dora");
  chatid = await dora.addContact("vera");
  await dora.send(chatid, "Call me?");
  await session.click('[data-testid="open-chat"]');
  await session.type('[data-testid="composer"]', `Calling you now${ENTER}`);
  await session.waitForScript(
    `return [...document.querySelectorAll('[data-testid="message-text"]')].some((e) => e.textContent === "Calling you now");`,
    (found) => found === true,
  );
  peer = await CorePeer.start(server, "dora", "dora-password-1", join(work, "dora"));
});

after(async () => {
  await peer?.stop();
  await app?.close();
});

/** Waits until the number of notifications dunst displays satisfies `predicate`. */
async function waitForDunst(predicate) {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (predicate(Number(dunstctl("count", "displayed")))) return;
    await sleep(100);
  }
  assert.fail(`dunst displays ${dunstctl("count", "displayed")} notifications`);
}

/** axe-core's violations on the window as it is now (injected through WebDriver). */
async function violations() {
  await session.execute(`${axeSource}; return true;`);
  return session.executeAsync(
    `const done = arguments[arguments.length - 1];
     window.axe.run(document, { resultTypes: ["violations"] }).then(
       (r) => done(r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(" ")) }))),
       (e) => done([{ id: "axe failed", nodes: [String(e)] }]),
     );`,
  );
}

/** The partner canvas's pixels: the share of grey pixels, the dark and light levels found,
 * and whether each column is one level from top to bottom (the pattern's bars are vertical). */
const readCanvas = `
  const canvas = document.querySelector('[data-testid="call-partner-video"]');
  const { width, height } = canvas;
  if (!width || !height) return null;
  const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  let grey = 0, dark = 0, light = 0, darkSum = 0, lightSum = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b] = [pixels[i], pixels[i + 1], pixels[i + 2]];
    if (Math.abs(r - g) <= 12 && Math.abs(g - b) <= 12) grey++;
    if (g < 160) { dark++; darkSum += g; } else { light++; lightSum += g; }
  }
  let columnsUniform = 0;
  for (let x = 2; x < width - 2; x++) {
    const top = pixels[(4 * width + x) * 4 + 1], bottom = pixels[((height - 5) * width + x) * 4 + 1];
    if (Math.abs(top - bottom) <= 16) columnsUniform++;
  }
  return {
    width, height,
    frames: Number(canvas.dataset.frames),
    greyShare: grey / (width * height),
    darkShare: dark / (width * height),
    darkMean: dark ? darkSum / dark : 0,
    lightMean: light ? lightSum / light : 0,
    columnsUniformShare: columnsUniform / (width - 4),
  };`;

test("a video call: the contact answers, the canvas shows their test pattern, mute and hang up", async () => {
  await session.click('[data-testid="call-video"]');
  await session.waitFor('[data-testid="call-view"][data-stage="outgoingRinging"]');
  const ringing = await peer.call((call) => call.phase === "incomingRinging");
  assert.equal(ringing.chatid, chatid);
  await screenshot(session, "call-ringing", { shows: '[data-testid="call-view"]' });

  await peer.run("acceptCall", { video: true });
  await session.waitFor('[data-testid="call-view"][data-stage="active"]', { attempts: 300 });
  // Decoded frames arrive on the canvas: WebCodecs in the window, VP8 from the contact's core.
  await session.waitForScript(
    `return Number(document.querySelector('[data-testid="call-partner-video"]').dataset.frames);`,
    (frames) => frames >= 10,
    { attempts: 300 },
  );
  const seen = await session.execute(readCanvas);
  assert.deepEqual([seen.width, seen.height], [320, 240], JSON.stringify(seen));
  assert.ok(seen.greyShare > 0.95, `the pattern is grey: ${JSON.stringify(seen)}`);
  // Two bar levels, about half the picture each, near the pattern's (video range to RGB
  // stretches them a little apart), and bars that run from top to bottom.
  assert.ok(seen.darkShare > 0.3 && seen.darkShare < 0.7, JSON.stringify(seen));
  assert.ok(Math.abs(seen.darkMean - PATTERN.dark) < 25, JSON.stringify(seen));
  assert.ok(Math.abs(seen.lightMean - PATTERN.light) < 30, JSON.stringify(seen));
  assert.ok(seen.columnsUniformShare > 0.9, JSON.stringify(seen));
  // Our own video reaches the contact's core (the test pattern, as this machine has no camera).
  await peer.callMedia((report) => report.videoFrames >= 10);
  await session.waitFor('[data-testid="call-quality"]', { attempts: 100 });
  await screenshot(session, "call-active", { shows: '[data-testid="call-partner-video"]' });
  assert.deepEqual(await violations(), [], "the call view");

  await session.click('[data-testid="call-mute"]');
  await session.waitFor('[data-testid="call-view"][data-muted="true"]');
  await session.waitFor('[data-testid="call-mute"][aria-pressed="true"]');

  await session.click('[data-testid="call-hang-up"]');
  await session.waitFor('[data-testid="call-ended"][data-reason="hungUp"]');
  const ended = await peer.call((call) => call.phase === "ended");
  assert.equal(ended.reason, "hungUp");
  await screenshot(session, "call-ended", { shows: '[data-testid="call-ended"]' });
  assert.deepEqual(await violations(), [], "the ended state");
  await session.click('[data-testid="call-ended-close"]');
});

test("an incoming call rings in the window and as a notification, is declined, then answered", async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run inside a D-Bus session with dunst");
  dunstctl("close-all");
  const since = peer.lines.length;
  await peer.run("startCall", { chatid, video: false });
  await session.waitFor('[data-testid="call-incoming"]', { attempts: 150 });
  await session.waitForText('[data-testid="call-incoming"] .title', (t) => t === "Dora is calling");
  await screenshot(session, "call-incoming", { shows: '[data-testid="call-incoming"]' });
  assert.deepEqual(await violations(), [], "the ring");

  // The notification is shown while the call rings, and goes once it is declined.
  await waitForDunst((displayed) => displayed === 1);
  await session.click('[data-testid="call-decline"]');
  await session.waitFor('[data-testid="call-ended"][data-reason="declined"]');
  await waitForDunst((displayed) => displayed === 0);
  const shown = JSON.parse(dunstctl("history"))
    .data.flat()
    .find((n) => n.summary?.data === "Dora is calling");
  assert.ok(shown, `dunst's history: ${dunstctl("history")}`);
  assert.equal(shown.appname.data, "Chatenium");
  const ended = await peer.call((call) => call.phase === "ended", { since });
  assert.equal(ended.reason, "declined");

  // The contact calls again; the user answers in the window; the contact hangs up.
  const again = peer.lines.length;
  await peer.run("startCall", { chatid, video: false });
  await session.click('[data-testid="call-accept"]');
  await session.waitFor('[data-testid="call-view"][data-stage="active"]', { attempts: 300 });
  await peer.call((call) => call.phase === "active", { since: again });
  // Answered: its notification went too (ringing stops wherever it rang).
  await waitForDunst((displayed) => displayed === 0);
  await peer.run("hangUp", {});
  await session.waitFor('[data-testid="call-ended"][data-reason="hungUp"]');
});

test("an incoming call is answered from its notification", async () => {
  const since = peer.lines.length;
  await peer.run("startCall", { chatid, video: false });
  await session.waitFor('[data-testid="call-incoming"]', { attempts: 150 });
  const menu = await waitForMenu((lines) => lines.some((line) => line.includes("Accept")));
  assert.ok(menu.some((line) => line.includes("Decline")), JSON.stringify(menu));
  await contextMenu("Accept");
  await session.waitFor('[data-testid="call-view"][data-stage="active"]', { attempts: 300 });
  await peer.call((call) => call.phase === "active", { since });
  await waitForDunst((displayed) => displayed === 0);
  await peer.run("hangUp", {});
  await session.waitFor('[data-testid="call-ended"][data-reason="hungUp"]');
});

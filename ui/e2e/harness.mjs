// What every end-to-end test of the real app shares: a fresh app (its own throw-away home, so
// a run never touches a developer's profile or another test's), screenshots, and the Enter key.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { inflateSync } from "node:zlib";
import { Session, startTauriDriver } from "./webdriver.mjs";

export const root = resolve(import.meta.dirname, "../..");
// Where `./dev` built the app: its target folder, which CARGO_TARGET_DIR may move.
export const application =
  process.env.CHATENIUM_APP_BINARY ??
  join(resolve(root, process.env.CARGO_TARGET_DIR ?? "target"), "debug/chatenium-desktop");
export const artifacts = process.env.CHATENIUM_E2E_ARTIFACTS ?? join(root, ".e2e-artifacts");
export const cargoVersion = /\[workspace\.package\][^[]*?version\s*=\s*"([^"]+)"/s.exec(
  readFileSync(join(root, "Cargo.toml"), "utf8"),
)?.[1];
/** WebDriver's key code for Enter. */
export const ENTER = "\uE007";

/** Starts the real app on its embedded server through tauri-driver; `home` to start it again
 * on the data of an earlier run, `extraEnv` for what one test needs besides, `args` for its
 * command line. */
export async function openApp({ home = mkdtempSync(join(tmpdir(), "chatenium-e2e-")), extraEnv = {}, args = [] } = {}) {
  assert.ok(process.env.DISPLAY, "DISPLAY must be set (run under xvfb-run)");
  mkdirSync(artifacts, { recursive: true });
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    ...extraEnv,
  };
  delete env.CHATENIUM_SERVER_URL;
  const driver = await startTauriDriver({ env, log: (line) => process.env.E2E_VERBOSE && process.stderr.write(line) });
  const session = await Session.open(driver.base, application, args);
  return {
    session,
    home,
    env,
    async close() {
      await session.close().catch(() => {});
      driver.stop();
    },
  };
}

/** The URL of the server the app runs inside itself (through a command the window may call). */
export async function embeddedServerUrl(session) {
  const info = await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     window.__TAURI_INTERNALS__.invoke("app_info").then(done, (e) => done({ error: String(e) }));`,
  );
  assert.ok(info.activeServerUrl?.startsWith("http://127.0.0.1:"), JSON.stringify(info));
  return info.activeServerUrl;
}

/** How many times a screenshot is taken again while it is still one colour (the web view
 * composites a frame after the page painted it; each try waits two more frames). */
const SCREENSHOT_TRIES = 20;

/** Keeps a screenshot of what the window shows, once it has painted: `shows` (a selector,
 * by default the page's main element) is visible, two animation frames have passed, and the
 * picture is not a single colour. Throws rather than keep a blank picture. */
export async function screenshot(session, name, { shows = "#app > *" } = {}) {
  await session.waitForVisible(shows);
  let png;
  for (let attempt = 0; attempt < SCREENSHOT_TRIES; attempt++) {
    await session.afterTwoFrames();
    png = await session.screenshot();
    if (!isOneColour(png)) {
      writeFileSync(join(artifacts, `${name}.png`), png);
      return;
    }
  }
  writeFileSync(join(artifacts, `${name}-blank.png`), png);
  throw new Error(`screenshot ${name} stayed a single colour: the window never painted ${shows}`);
}

/** Whether every pixel of a PNG (8-bit grey, RGB, grey+alpha or RGBA, not interlaced) has
 * the same value. */
export function isOneColour(png) {
  const pixels = decodePng(png);
  const { data, bytesPerPixel } = pixels;
  for (let offset = bytesPerPixel; offset < data.length; offset += bytesPerPixel) {
    for (let byte = 0; byte < bytesPerPixel; byte++) {
      if (data[offset + byte] !== data[byte]) return false;
    }
  }
  return true;
}

/** The raw pixels of a PNG: its chunks' image data inflated and each scanline unfiltered
 * (PNG specification, section 9). */
function decodePng(png) {
  assert.equal(png.subarray(0, 8).toString("hex"), "89504e470d0a1a0a", "not a PNG");
  let offset = 8;
  let header;
  const compressed = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("ascii", offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8], colour: body[9], interlace: body[12] };
    } else if (type === "IDAT") {
      compressed.push(body);
    } else if (type === "IEND") {
      break;
    }
    offset += 12 + length;
  }
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[header?.colour];
  assert.ok(channels && header.depth === 8 && header.interlace === 0, `unsupported PNG: ${JSON.stringify(header)}`);
  const bytesPerPixel = channels;
  const stride = header.width * bytesPerPixel;
  const filtered = inflateSync(Buffer.concat(compressed));
  const data = Buffer.alloc(stride * header.height);
  for (let row = 0; row < header.height; row++) {
    const filter = filtered[row * (stride + 1)];
    const line = filtered.subarray(row * (stride + 1) + 1, (row + 1) * (stride + 1));
    const out = row * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= bytesPerPixel ? data[out + x - bytesPerPixel] : 0;
      const up = row > 0 ? data[out - stride + x] : 0;
      const upLeft = row > 0 && x >= bytesPerPixel ? data[out - stride + x - bytesPerPixel] : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) predicted = paeth(left, up, upLeft);
      data[out + x] = (line[x] + predicted) & 0xff;
    }
  }
  return { data, bytesPerPixel };
}

function paeth(left, up, upLeft) {
  const estimate = left + up - upLeft;
  const [toLeft, toUp, toUpLeft] = [left, up, upLeft].map((v) => Math.abs(estimate - v));
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}

/** Registers a new user through the app's own form (a password account). */
export async function registerInApp(session, { username, displayName, password }) {
  await session.click('[data-testid="go-register"]');
  await session.type('[data-testid="reg-username"]', username);
  await session.waitForText('[data-testid="username-availability"]', (text) => text === "Available");
  await session.type('[data-testid="reg-display-name"]', displayName);
  await session.type('[data-testid="reg-email"]', `${username}@example.test`);
  await session.type('[data-testid="reg-password"]', password);
  // The e-mail's availability line appears under its field a moment after typing and moves
  // the button down: a click aimed before that lands beside it.
  await session.waitForText('[data-testid="email-availability"]', (text) => text === "Available");
  await screenshot(session, "register");
  await session.click('[data-testid="reg-submit"]');
  await session.waitFor('[data-testid="chat-list"]');
}

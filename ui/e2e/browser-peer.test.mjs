// Peer-to-peer transfers between the Rust core and a browser: headless Chromium (Debian's, through
// playwright-core) with its standard RTCPeerConnection runs a page written only from
// docs/p2p-transfer-protocol.md (browser-peer/peer-page.js); the core is the e2e peer
// (crates/core/examples/e2e_peer.rs); the signaling goes through the real local server
// (chatenium-server, started here). 256 KiB messages both ways. The core sends to the browser
// many times over, to show that no transfer stalls; a connection the browser stops reading is
// replaced after the core's idle timeout and the transfer resumes. Each transfer's duration and
// the rate are reported (t.diagnostic, and .e2e-artifacts/browser-peer.json for ./dev bench);
// the waits are bounds, never assertions on time.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { artifacts, root } from "./harness.mjs";
import { CorePeer } from "./peer.mjs";
import { ApiUser } from "./server-api.mjs";

const MIB = 1024 * 1024;
/** Core-to-browser transfers in a row, and their size: enough to show whether some stall. */
const ROUNDS = Number(process.env.CHATENIUM_BROWSER_PEER_ROUNDS ?? 20);
const SIZE = Number(process.env.CHATENIUM_BROWSER_PEER_MIB ?? 4) * MIB;

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const work = mkdtempSync(join(tmpdir(), "chatenium-browser-peer-"));
const serverBinary =
  process.env.CHATENIUM_SERVER_BINARY ?? join(resolve(root, process.env.CARGO_TARGET_DIR ?? "target"), "debug/chatenium-server");
const openapi = JSON.parse(readFileSync(join(root, "crates/api/openapi.json"), "utf8"));
const paths = {};
for (const [path, methods] of Object.entries(openapi.paths)) {
  for (const operation of Object.values(methods)) paths[operation.operationId] = path;
}

let server;
let browser;
let page;
let core;
let cora;
let bree;
const reports = [];
let waiters = [];
const figures = { rounds: [], browserToCore: null, stalled: null };

/** The first page report, seen or still to come, that `predicate` accepts; a report of a
 * failure (any transfer's: the page runs one at a time) rejects. Bounded by the test's own
 * timeout. */
function pageReport(predicate) {
  return new Promise((done, fail) => {
    const check = (report) => {
      if (report.kind === "error" || report.kind === "failed") {
        fail(new Error(`the browser peer: ${report.message}`));
        return true;
      }
      if (!predicate(report)) return false;
      done(report);
      return true;
    };
    if (reports.some(check)) return;
    waiters.push(check);
  });
}

async function startServer() {
  const child = spawn(serverBinary, [], {
    env: { ...process.env, CHATENIUM_BIND: "127.0.0.1:0", CHATENIUM_DATA_DIR: join(work, "server") },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((done, fail) => {
    child.on("exit", (code) => fail(new Error(`chatenium-server exited (${code})`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const listening = /listening on (\S+)/.exec(line);
      if (listening) done(listening[1]);
    });
  });
  return { child, url };
}

before(async () => {
  server = await startServer();
  // Two users who are contacts: bree (the browser) asks, cora (the core) answers.
  cora = new ApiUser(server.url);
  await cora.register("cora");
  bree = new ApiUser(server.url);
  await bree.register("bree");
  const chatid = await bree.addContact("cora");
  await cora.send(chatid, "hi");
  core = await CorePeer.start(server.url, "cora", "cora-password-1", join(work, "cora"));

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // A page fulfilled by the test has no address of its own, so Chromium's local network
    // access checks would count it as public and block its WebSocket to 127.0.0.1.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--allow-loopback-in-peer-connection",
      "--disable-features=LocalNetworkAccessChecks",
    ],
  });
  page = await browser.newPage();
  await page.exposeBinding("report", (_source, report) => {
    reports.push(report);
    waiters = waiters.filter((check) => !check(report));
  });
  // The page is served at the server's origin, so that its HTTP calls and WebSocket are the
  // same origin's, as a web client of the server would be.
  const script = readFileSync(join(import.meta.dirname, "browser-peer/peer-page.js"), "utf8");
  await page.route(`${server.url}/browser-peer.html`, (route) =>
    route.fulfill({ contentType: "text/html", body: `<!doctype html><title>browser peer</title><script>${script}</script>` }),
  );
  await page.goto(`${server.url}/browser-peer.html`);
  await page.evaluate((options) => window.startPeer(options), { token: bree.token, paths });
});

after(async () => {
  await browser?.close();
  await core?.stop();
  server?.child.kill();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, "browser-peer.json"), `${JSON.stringify(figures, null, 2)}\n`);
});

/** The core offers a file of `size` random bytes; the browser accepts it (with `options`);
 * answers the page's final report and the seconds from accepting to saving. */
async function coreToBrowser(name, size, options = {}) {
  const bytes = randomBytes(size);
  const file = join(work, name);
  writeFileSync(file, bytes);
  const since = core.lines.length;
  core.sendFile(bree.userid, file);
  const offered = await pageReport((r) => r.kind === "offered" && r.file.name === name);
  const started = performance.now();
  await page.evaluate(([id, file, options]) => window.peer.accept(id, file, options), [offered.transferId, offered.file, options]);
  const received = await pageReport((r) => r.transferId === offered.transferId && r.kind === "received");
  const seconds = (performance.now() - started) / 1000;
  assert.equal(received.sha256, sha256(bytes), "the browser saved the sent bytes");
  const sent = await core.transfer((t) => t.transferId === offered.transferId && t.state === "completed", { since });
  assert.equal(sent.sha256, sha256(bytes));
  rmSync(file);
  return { transferId: offered.transferId, received, seconds, since };
}

test("the core sends to the browser again and again, and every transfer completes", async (t) => {
  for (let round = 1; round <= ROUNDS; round++) {
    const { seconds, received } = await coreToBrowser(`round-${round}.bin`, SIZE);
    figures.rounds.push({ round, seconds, connections: received.connections });
  }
  const longest = Math.max(...figures.rounds.map((r) => r.seconds));
  const total = figures.rounds.reduce((sum, r) => sum + r.seconds, 0);
  figures.coreToBrowser = { transfers: ROUNDS, mib: SIZE / MIB, longestSeconds: longest, mbPerSecond: (ROUNDS * SIZE) / total / 1e6 };
  t.diagnostic(
    `core to browser: ${ROUNDS} transfers of ${SIZE / MIB} MiB, ${figures.coreToBrowser.mbPerSecond.toFixed(1)} MB/s, ` +
      `longest ${longest.toFixed(2)} s, connections per transfer: ${[...new Set(figures.rounds.map((r) => r.connections))].join(", ")}`,
  );
});

test("the browser sends to the core in 256 KiB messages, and the file arrives intact", async (t) => {
  const folder = join(work, "cora-downloads");
  mkdirSync(folder);
  const since = core.lines.length;
  const started = performance.now();
  const { transferId, sha256: digest } = await page.evaluate(([userid, size]) => window.peer.send(userid, "from-the-browser.bin", size), [cora.userid, SIZE]);
  await core.transfer((t) => t.transferId === transferId && t.state === "offered", { since });
  core.accept(transferId, folder);
  const received = await core.transfer((t) => t.transferId === transferId && t.state === "completed", { since, timeoutMs: 300_000 });
  const seconds = (performance.now() - started) / 1000;
  assert.equal(received.sha256, digest);
  assert.equal(sha256(readFileSync(received.path)), digest, "the core saved the browser's bytes");
  await pageReport((r) => r.transferId === transferId && r.kind === "sent");
  const chunk = await pageReport((r) => r.transferId === transferId && r.kind === "chunkSize");
  assert.equal(chunk.chunk, 262144, "the core's answer allows 256 KiB messages");
  figures.browserToCore = { mib: SIZE / MIB, seconds, mbPerSecond: SIZE / seconds / 1e6 };
  t.diagnostic(`browser to core: ${SIZE / MIB} MiB in ${seconds.toFixed(2)} s, ${figures.browserToCore.mbPerSecond.toFixed(1)} MB/s`);
});

test("a connection the browser stops reading is replaced after the idle timeout, and the transfer resumes", async (t) => {
  const { transferId, received, seconds, since } = await coreToBrowser("stalled.bin", SIZE, { freezeAt: MIB });
  const frozen = await pageReport((r) => r.transferId === transferId && r.kind === "frozen");
  assert.ok(received.connections >= 2, "the core connected again");
  // The core said where it went on from: the bytes the browser had acknowledged, not 0.
  const reconnecting = await core.transfer((u) => u.transferId === transferId && u.state === "reconnecting", { since });
  assert.ok(reconnecting.offset > 0 && reconnecting.offset <= frozen.written, JSON.stringify(reconnecting));
  figures.stalled = { seconds, connections: received.connections, resumedFrom: reconnecting.offset };
  t.diagnostic(`a stalled connection replaced: ${seconds.toFixed(2)} s in all, ${received.connections} connections, resumed from ${reconnecting.offset}`);
});

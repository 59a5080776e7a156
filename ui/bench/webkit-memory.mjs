// What an open chat costs the real app (issue 11), in WebKitGTK: the app (debug build, as
// `./dev test` builds it) under Xvfb, driven through WebDriver as the end-to-end tests drive it.
// A user registers in the window; a second user, over the embedded server's HTTP API, writes
// 1,000 messages to them. Measured in one run, one app:
//   1. the sign-in screen;
//   2. the chat list alone (the 1,000 messages synced and stored, no chat open);
//   3. the 1,000-message chat open at its newest messages, not scrolled;
//   4. the 1,000-message chat open, scrolled from the newest message to the very first (paged
//      back from the cache, the core's window dropping the newest) and back to the newest
//      (paged forward from the server);
//   5. the chat closed (the Transfers page shown instead): what stays after it.
// The web process's PSS is also split by kind of mapping (smaps): malloc's main heap ([heap]),
// executable anonymous memory (JavaScriptCore's JIT code), other anonymous memory (the JS heap,
// WebKit's own allocator, thread heaps) and files; so a run says what grew.
// At each moment, once it stops falling (the collector and the allocator give memory back some
// seconds after the work; the reading right after the step is shown too): the PSS
// (proportional set size, /proc/<pid>/smaps_rollup) of the app's own
// process, of its WebKitWebProcess (the page: DOM, JavaScript, layout) and of its
// WebKitNetworkProcess, and the anonymous part of each (Pss_Anon: heaps, not mapped files).
// WebKit gives a page no JS heap figure (`performance.memory` is Chromium's), so only PSS is
// reported; ui/bench/timeline-heap.mjs measures the JS heap of the same UI in Chromium.
//
// Target (issue 11): an open chat adds at most 10 MiB (step 3 over step 2, all processes);
// reported as met or not, never a failure (PSS moves with allocators and the collector).
//
// Run by `./dev bench` inside a private D-Bus session with the Secret Service, under xvfb-run.
// CHATENIUM_APP_BINARY runs another build (for a before/after comparison).
import { readFileSync, readdirSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import { application, embeddedServerUrl, openApp, registerInApp } from "../e2e/harness.mjs";
import { ApiUser } from "../e2e/server-api.mjs";

const MESSAGES = 1_000;
const TARGET_MIB = 10;
const KiB = 1024;
const MiB = 2 ** 20;
const binary = realpathSync(application);

/** Which of the app's processes `pid` is: the app's own (its executable), or a WebKit process
 * (by /proc/<pid>/comm, which the kernel cuts to 15 characters). */
function kindOf(pid) {
  const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  if (comm.startsWith("WebKitWebProces")) return "web";
  if (comm.startsWith("WebKitNetwork")) return "network";
  return readlinkSync(`/proc/${pid}/exe`) === binary ? "app" : null;
}

/** The processes of the app started with `home`: its own, and the WebKit processes it spawned
 * (they inherit its environment; WebKitWebDriver, which also does, is not one of them). */
function appProcesses(home) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const kind = kindOf(entry);
      if (!kind) continue;
      const environment = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (environment.includes(`HOME=${home}`)) found.push({ pid: Number(entry), kind });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Pss and Pss_Anon of a process, in bytes. */
function pss(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? 0) * KiB;
  return { pss: field("Pss"), anon: field("Pss_Anon") };
}

/** The PSS of a process by kind of mapping. */
function pssByMapping(pid) {
  const kinds = { heap: 0, jit: 0, anonymous: 0, files: 0 };
  let kind = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const [, permissions, name] = mapping;
      if (name === "[heap]") kind = "heap";
      else if (name.startsWith("/") || name.startsWith("[vdso") || name.startsWith("[vvar")) kind = "files";
      else kind = permissions.includes("x") ? "jit" : "anonymous";
      continue;
    }
    const figure = /^Pss:\s+(\d+) kB/.exec(line);
    if (figure && kind) kinds[kind] += Number(figure[1]) * KiB;
  }
  return kinds;
}

/** Each kind's PSS (summed over its processes, e.g. several web processes), and the total. */
function measure(home) {
  const totals = { app: { pss: 0, anon: 0, count: 0 }, web: { pss: 0, anon: 0, count: 0 }, network: { pss: 0, anon: 0, count: 0 } };
  const webMappings = { heap: 0, jit: 0, anonymous: 0, files: 0 };
  for (const { pid, kind } of appProcesses(home)) {
    const figures = pss(pid);
    totals[kind].pss += figures.pss;
    totals[kind].anon += figures.anon;
    totals[kind].count += 1;
    if (kind === "web") for (const [name, bytes] of Object.entries(pssByMapping(pid))) webMappings[name] += bytes;
  }
  if (totals.app.count !== 1 || totals.web.count < 1) {
    throw new Error(`expected the app and its web process, found ${JSON.stringify(totals)}`);
  }
  const all = Object.values(totals);
  return { ...totals, webMappings, total: { pss: all.reduce((s, t) => s + t.pss, 0), anon: all.reduce((s, t) => s + t.anon, 0) } };
}

/** Lets the page settle before a measurement: two frames painted. */
const settled = (session) => session.afterTwoFrames();

/** How long PSS may take to stop falling after a step, and how often it is read meanwhile. */
const SETTLE_LIMIT_MS = 60_000;
const SETTLE_POLL_MS = 2_000;
/** Two readings this close, in a row, are "settled". */
const SETTLED_BYTES = 0.5 * MiB;

/** The figures once the processes are idle: JavaScriptCore collects garbage and WebKit's
 * allocator gives memory back some seconds after the work, so a reading right after a step
 * counts garbage. Read until the total stops falling (bounded), and answer both readings. */
async function measureSettled(home) {
  const first = measure(home);
  let last = first;
  for (let waited = 0; waited < SETTLE_LIMIT_MS; waited += SETTLE_POLL_MS) {
    await new Promise((done) => setTimeout(done, SETTLE_POLL_MS));
    const next = measure(home);
    const settledNow = Math.abs(next.total.pss - last.total.pss) < SETTLED_BYTES;
    last = next;
    if (settledNow) break;
  }
  return { ...last, atOnce: first };
}

/** Scrolls the open chat from the newest message to the first and back to the newest, an end
 * at a time (each step pages once); answers the most rows the list held and the steps taken. */
async function scrollThroughHistory(session) {
  return session.executeAsync(
    `const [count, done] = arguments;
     const viewport = document.querySelector('[data-testid="dm-view"] [data-testid="virtual-viewport"]');
     const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
     const shown = (text) => [...viewport.querySelectorAll('[data-testid="message-text"]')].some((p) => p.textContent === text);
     const rows = () => Math.max(0, ...[...viewport.querySelectorAll("li[data-index]")].map((li) => Number(li.dataset.index))) + 1;
     const latest = () => document.querySelector('[data-testid="jump-to-latest"]');
     const atBottom = () => viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - 2;
     (async () => {
       let steps = 0;
       let most = 0;
       // Bounded: a list that never reaches its end must not hang the run.
       const limit = count * 4;
       while (!(shown("message 0") && viewport.scrollTop === 0) && steps++ < limit) {
         viewport.scrollTop = 0;
         await frame();
         await frame();
         most = Math.max(most, rows());
       }
       const reachedFirst = shown("message 0");
       const newest = "message " + (count - 1);
       while (!(shown(newest) && !latest() && atBottom()) && steps++ < limit) {
         viewport.scrollTop = viewport.scrollHeight;
         await frame();
         await frame();
         most = Math.max(most, rows());
       }
       return { reachedFirst, reachedNewest: shown(newest) && !latest(), steps, most };
     })().then(done, (error) => done({ error: String(error) }));`,
    [MESSAGES],
  );
}

const app = await openApp();
const { session, home } = app;
const moments = [];
try {
  // The scroll-through takes longer than WebDriver's default 30 s script timeout on 2 cores.
  await session.request("POST", "/timeouts", { script: 600_000 });
  await session.waitFor('[data-testid="sign-in"]');
  await settled(session);
  moments.push(["sign-in screen", await measureSettled(home)]);

  await registerInApp(session, { username: "ada", displayName: "Ada", password: "ada-password-1" });
  await session.waitForText('[data-testid="connection"]', (t) => t === "Online");
  const bruno = new ApiUser(await embeddedServerUrl(session));
  await bruno.register("bruno");
  const chatid = await bruno.addContact("ada");
  await session.waitForText('[data-testid="chat"] .name', (t) => t === "Bruno");
  // One at a time, so that they are stored in order ("message 0" the oldest).
  for (let n = 0; n < MESSAGES; n++) await bruno.send(chatid, `message ${n}`);
  await session.waitForText('[data-testid="chat"] .preview', (t) => t === `message ${MESSAGES - 1}`, { attempts: 600 });
  await settled(session);
  moments.push(["chat list alone (1,000 messages stored)", await measureSettled(home)]);

  await session.click('[data-testid="open-chat"]');
  await session.waitForText('[data-testid="dm-view"] [data-testid="message-text"]', (t) => t.startsWith("message "));
  await settled(session);
  moments.push(["1,000-message chat open at the newest, not scrolled", await measureSettled(home)]);
  const scrolled = await scrollThroughHistory(session);
  if (scrolled.error || !scrolled.reachedFirst || !scrolled.reachedNewest) {
    throw new Error(`the chat was not scrolled through: ${JSON.stringify(scrolled)}`);
  }
  await settled(session);
  moments.push([`1,000-message chat open, scrolled to the first and back (${scrolled.steps} steps, at most ${scrolled.most} rows held)`, await measureSettled(home)]);

  await session.click('[data-testid="nav-transfers"]');
  await session.waitForCount('[data-testid="dm-view"]', (n) => n === 0);
  await settled(session);
  moments.push(["chat closed (Transfers page)", await measureSettled(home)]);
} finally {
  await app.close();
  rmSync(home, { recursive: true, force: true });
}

const mib = (bytes) => (bytes / MiB).toFixed(1);
const columns = ["moment", "app PSS", "app anon", "web PSS", "web anon", "network PSS", "total PSS", "total over chat list", "total at once"];
const listAlone = moments[1][1];
const rows = moments.map(([label, m], index) => [
  label,
  mib(m.app.pss),
  mib(m.app.anon),
  mib(m.web.pss),
  mib(m.web.anon),
  mib(m.network.pss),
  mib(m.total.pss),
  index < 2 ? "-" : mib(m.total.pss - listAlone.total.pss),
  mib(m.atOnce.total.pss),
]);
const widths = columns.map((name, i) => Math.max(name.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(" | ");
console.log(`the app: ${application}`);
console.log(line(columns));
for (const row of rows) console.log(line(row));
console.log(
  "MiB. PSS from /proc/<pid>/smaps_rollup once it stopped falling (\"at once\": right after the step); anon is Pss_Anon. " +
    "WebKit exposes no JS heap figure to the page: PSS only.",
);
const open = moments[3][1];
const added = (open.total.pss - listAlone.total.pss) / MiB;
console.log(
  `target (an open chat adds at most ${TARGET_MIB} MiB), 1,000 messages: ${added.toFixed(1)} MiB ` +
    `(app ${mib(open.app.pss - listAlone.app.pss)}, web ${mib(open.web.pss - listAlone.web.pss)}, network ${mib(open.network.pss - listAlone.network.pss)}; ` +
    `anonymous memory alone ${mib(open.total.anon - listAlone.total.anon)}, as shared libraries' PSS moves with other processes), ` +
    `${added <= TARGET_MIB ? "met" : "not met"}`,
);
console.log(
  "the web process by mapping (MiB): " +
    moments
      .map(([label, m]) => `${label.split(" (")[0]}: ` + Object.entries(m.webMappings).map(([name, bytes]) => `${name} ${mib(bytes)}`).join(", "))
      .join("; "),
);

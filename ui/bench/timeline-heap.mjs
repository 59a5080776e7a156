// What an open timeline costs in memory (issue 11): the browser-test build (the real UI on the
// in-memory backend) in Chromium, signed in, measured at three moments in one page per case:
//   1. the chat list alone (signed in, nothing seeded, no chat open);
//   2. the conversation seeded in the fake backend but not opened: the in-memory backend keeps
//      every message in the page itself (the real app keeps them in Rust), so this step separates
//      the fake backend's own data from what the UI costs;
//   3. the conversation open, scrolled from the bottom to the top and back (every row rendered
//      and measured once, as a reader going through the history would).
// At each moment: the JS heap after a forced garbage collection (CDP HeapProfiler.collectGarbage,
// then Runtime.getHeapUsage) and the DOM's element count. Cases: a direct chat of 1,000 and of
// 10,000 messages, and a thread of 1,000 messages.
//
// Target (issue 11): an open chat of any length adds at most 10 MiB; reported as met or not met,
// never a failure (heap figures vary with the engine). The exit status is non-zero only if the
// DOM grows with the message count (1,000 against 10,000): the timeline is then not virtualized.
//
// Run by `./dev bench` after `npm --prefix ui run build:browser-test`; prints a table.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
const dist = join(root, "ui/dist-browser-test");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };
const csp = Object.entries(JSON.parse(readFileSync(join(root, "tauri.conf.json"), "utf8")).app.security.csp)
  .map(([directive, sources]) => `${directive} ${sources}`)
  .join("; ");
const TARGET_MIB = 10;
/** How much more DOM the 10,000-message chat may hold than the 1,000-message one: rows differ in
 * height (a day separator, a group's first row), so the rows in view differ by a few. */
const DOM_MARGIN = 1.1;
const MiB = 2 ** 20;

const server = createServer((request, response) => {
  const path = normalize(new URL(request.url, "http://x").pathname).replace(/^\/+/, "") || "index.html";
  try {
    const body = readFileSync(join(dist, path));
    response.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream", "content-security-policy": csp });
    response.end(body);
  } catch {
    response.writeHead(404).end();
  }
});
await new Promise((done) => server.listen(0, "127.0.0.1", done));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

/** The JS heap in use after a full garbage collection, and the DOM's element count. */
async function snapshot(page, cdp) {
  // Twice: objects freed by the first collection's finalizers go in the second.
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  const elements = await page.evaluate(() => document.getElementsByTagName("*").length);
  return { heap: usedSize, elements };
}

/** Scrolls the timeline a screen at a time to the top, then back to the bottom, a frame per
 * screen so the list renders (and measures) the rows of each. */
async function scrollThrough(page, view, count) {
  const reached = await page.evaluate(async (view) => {
    const viewport = document.querySelector(`[data-testid="${view}"] [data-testid="virtual-viewport"]`);
    const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
    // Bounded: a list that never reaches its end must not hang the run.
    for (let step = 0; step < 100_000 && viewport.scrollTop > 0; step++) {
      viewport.scrollTop = Math.max(0, viewport.scrollTop - viewport.clientHeight);
      await frame();
    }
    const indices = () => [...viewport.querySelectorAll("li[data-index]")].map((li) => Number(li.dataset.index));
    const top = Math.min(...indices());
    const atBottom = () => viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - 2;
    for (let step = 0; step < 100_000 && !atBottom(); step++) {
      viewport.scrollTop += viewport.clientHeight;
      await frame();
    }
    await frame();
    await frame();
    return { top, bottom: Math.max(...indices()) };
  }, view);
  if (reached.top !== 0 || reached.bottom !== count - 1) {
    throw new Error(`the ${view} timeline was scrolled over rows ${reached.top} to ${reached.bottom}, not 0 to ${count - 1}`);
  }
}

async function signedIn() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("crash", () => console.error("the page crashed"));
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto(base);
  await page.waitForSelector('[data-testid="sign-in"]');
  await page.evaluate(() => window.chateniumTest.signInAs("bench"));
  await page.fill('[data-testid="identity"]', "bench");
  await page.click('[data-testid="continue"]');
  await page.fill('[data-testid="password"]', "test-password");
  await page.click('[data-testid="sign-in-submit"]');
  await page.waitForSelector('[data-testid="chat-list"]', { state: "attached" });
  const cdp = await page.context().newCDPSession(page);
  return { page, cdp };
}

/** A direct chat of `count` messages from "bela". */
async function directChat(count) {
  const { page, cdp } = await signedIn();
  const alone = await snapshot(page, cdp);
  await page.evaluate((n) => window.chateniumTest.seedHistory("bela", n, (i) => `message ${i} of the history`), count);
  await page.waitForSelector('[data-testid="chat"]');
  const seeded = await snapshot(page, cdp);
  await page.click('[data-testid="open-chat"]');
  await page.waitForSelector('[data-testid="dm-view"] [data-testid="message"]');
  await scrollThrough(page, "dm-view", count);
  const open = await snapshot(page, cdp);
  await page.close();
  return { label: "direct chat", count, alone, seeded, open };
}

/** A thread of `count` messages, in a cascade the user is a member of. */
async function thread(count) {
  const { page, cdp } = await signedIn();
  const alone = await snapshot(page, cdp);
  await page.evaluate((n) => {
    const backend = window.chateniumTest;
    const cascade = backend.cascadeBy("bela", "Bench", false);
    backend.joinAs("bench", cascade.cascadeId);
    const general = backend.threadBy("bela", cascade.cascadeId, "General");
    backend.seedThread("bela", cascade.cascadeId, general.threadId, n, (i) => `message ${i} of the thread`);
  }, count);
  await page.waitForSelector('[data-testid="rail-cascade"]');
  const seeded = await snapshot(page, cdp);
  await page.click('[data-testid="rail-cascade"]');
  await page.click('[data-testid="thread-item"][data-name="General"] > .row [data-testid="open-thread"]');
  await page.waitForSelector('[data-testid="thread-view"] [data-testid="message"]');
  await scrollThrough(page, "thread-view", count);
  const open = await snapshot(page, cdp);
  await page.close();
  return { label: "thread", count, alone, seeded, open };
}

const cases = [];
for (const [measure, count] of [
  [directChat, 1_000],
  [directChat, 10_000],
  [thread, 1_000],
]) {
  cases.push(await measure(count));
  console.error(`measured a ${cases.at(-1).label} of ${count} messages`);
}
await browser.close();
server.close();

const mib = (bytes) => (bytes / MiB).toFixed(1);
const columns = ["case", "messages", "DOM elements", "JS heap MiB", "added over chat list MiB", "fake backend's data MiB", "open timeline MiB"];
const rows = [["chat list alone", "0", String(cases[0].alone.elements), mib(cases[0].alone.heap), "-", "-", "-"]];
for (const c of cases) {
  rows.push([
    `${c.label}, seeded, not open`,
    c.count.toLocaleString("en"),
    String(c.seeded.elements),
    mib(c.seeded.heap),
    mib(c.seeded.heap - c.alone.heap),
    mib(c.seeded.heap - c.alone.heap),
    "-",
  ]);
  rows.push([
    `${c.label}, open, scrolled`,
    c.count.toLocaleString("en"),
    String(c.open.elements),
    mib(c.open.heap),
    mib(c.open.heap - c.alone.heap),
    mib(c.seeded.heap - c.alone.heap),
    mib(c.open.heap - c.seeded.heap),
  ]);
}
const widths = columns.map((name, i) => Math.max(name.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(" | ");
console.log(line(columns));
for (const row of rows) console.log(line(row));
console.log(
  "Each case in its own page; \"added\" is over that page's own chat list alone. The open timeline's cost is the open " +
    "chat over the same chat seeded and not open: the fake backend's copy of the messages is not the UI's.",
);
for (const c of cases) {
  const cost = (c.open.heap - c.seeded.heap) / MiB;
  console.log(
    `target (an open ${c.label} adds at most ${TARGET_MIB} MiB), ${c.count.toLocaleString("en")} messages: ${cost.toFixed(1)} MiB, ${cost <= TARGET_MIB ? "met" : "not met"}`,
  );
}

const [thousand, tenThousand] = cases;
// "Any length": the open timeline's cost per message, from the two chat lengths, and where that
// slope would cross the target (the UI keeps every message it has paged in).
const perThousand = ((tenThousand.open.heap - tenThousand.seeded.heap - (thousand.open.heap - thousand.seeded.heap)) / 9) / MiB;
const fixed = (thousand.open.heap - thousand.seeded.heap) / MiB - perThousand;
console.log(
  `open timeline: ${fixed.toFixed(1)} MiB fixed + ${perThousand.toFixed(2)} MiB per 1,000 messages paged in` +
    (perThousand > 0 ? `; the target is reached at about ${Math.round(((TARGET_MIB - fixed) / perThousand) * 1000).toLocaleString("en")} messages` : ""),
);
if (tenThousand.open.elements > thousand.open.elements * DOM_MARGIN) {
  console.error(
    `the timeline's DOM grew with the messages (${thousand.open.elements} elements at 1,000, ${tenThousand.open.elements} at 10,000): it is not virtualized`,
  );
  process.exit(1);
}

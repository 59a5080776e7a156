// The picture grid at scale: the browser-test build (the real UI on the in-memory backend) in
// Chromium, Discover's grid holding 0, 1,000 and 10,000 pictures, each fully loaded (every page
// appended). For each: the DOM's element count, the decoded size of the images the page holds
// (width x height x 4 of each loaded <img>: what the renderer keeps as bitmaps), the JS heap,
// and the time between frames while the grid scrolls top to bottom (p50, p95). The DOM and the
// images stay bounded if the grid virtualizes; the counts should not grow with the pictures.
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
const COUNTS = [0, 1_000, 10_000];
const SCROLL_FRAMES = 240;

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

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function measure(count) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("crash", () => console.error(`the page crashed at ${count} pictures`));
  page.on("pageerror", (error) => console.error(`page error at ${count} pictures: ${error.message}`));
  await page.goto(base);
  await page.waitForSelector('[data-testid="sign-in"]');
  await page.evaluate((n) => {
    const backend = window.chateniumTest;
    backend.signInAs("bench");
    backend.seedPictures("artist", n);
  }, count);
  await page.fill('[data-testid="identity"]', "bench");
  await page.click('[data-testid="continue"]');
  await page.fill('[data-testid="password"]', "test-password");
  await page.click('[data-testid="sign-in-submit"]');
  await page.click('[data-testid="nav-pictures"]');
  await page.waitForSelector('[data-testid="pictures-screen"]');
  if (count > 0) {
    await page.waitForSelector('[data-testid="picture-cell"]');
    // Every page appended, as scrolling to the end would.
    await page.evaluate(async () => {
      while (await window.chateniumTest.loadMoreGallery({ kind: "recent" }));
    });
    await page.waitForFunction((n) => document.querySelector("[data-feed='recent']")?.dataset.count === String(n), count);
  } else {
    await page.waitForSelector('[data-testid="gallery-empty"]');
  }
  const frames = await page.evaluate(async (total) => {
    const viewport = document.querySelector('[data-testid="picture-grid"]');
    const gaps = [];
    let last = performance.now();
    for (let frame = 0; frame < total; frame++) {
      await new Promise((done) => requestAnimationFrame(done));
      const now = performance.now();
      gaps.push(now - last);
      last = now;
      if (viewport) viewport.scrollTop = ((frame + 1) / total) * (viewport.scrollHeight - viewport.clientHeight);
    }
    // The DOM is counted in the middle of the grid, where rows are rendered on both sides.
    if (viewport) viewport.scrollTop = (viewport.scrollHeight - viewport.clientHeight) / 2;
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    return gaps.slice(1).sort((a, b) => a - b);
  }, SCROLL_FRAMES);
  // The images in view at the end have loaded before counting (lazy ones out of view never
  // load). A picture that never loads would hang the run, so this waits a bounded while.
  await page
    .waitForFunction(
      () =>
        [...document.images]
          .filter((i) => {
            const box = i.getBoundingClientRect();
            return box.bottom > 0 && box.top < innerHeight;
          })
          .every((i) => i.complete),
      null,
      { timeout: 10_000 },
    )
    .catch(() => console.error("some pictures in view had not loaded after 10 s"));
  const dom = await page.evaluate(() => ({
    elements: document.getElementsByTagName("*").length,
    images: document.images.length,
    decodedBytes: [...document.images].reduce((sum, i) => sum + (i.complete ? i.naturalWidth * i.naturalHeight * 4 : 0), 0),
  }));
  const client = await page.context().newCDPSession(page);
  await client.send("Performance.enable");
  const { metrics } = await client.send("Performance.getMetrics");
  const heap = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0;
  await page.close();
  return { count, ...dom, heapMiB: heap / 2 ** 20, p50: percentile(frames, 50), p95: percentile(frames, 95) };
}

const rows = [];
for (const count of COUNTS) {
  rows.push(await measure(count));
  console.error(`measured ${count} pictures`);
}
await browser.close();
server.close();

console.log("pictures | DOM elements | <img> | decoded images | JS heap | frame p50 | frame p95");
for (const r of rows) {
  console.log(
    `${String(r.count).padStart(8)} | ${String(r.elements).padStart(12)} | ${String(r.images).padStart(5)} | ${(r.decodedBytes / 2 ** 20).toFixed(1).padStart(10)} MiB | ${r.heapMiB.toFixed(1).padStart(5)} MiB | ${r.p50.toFixed(1).padStart(6)} ms | ${r.p95.toFixed(1).padStart(6)} ms`,
  );
}
const [, thousand, tenThousand] = rows;
if (tenThousand.elements > thousand.elements * 1.5 || tenThousand.images > thousand.images * 1.5) {
  console.error("the grid's DOM grew with the pictures: it is not virtualized");
  process.exit(1);
}

// Hostile message texts in real Chromium (playwright-core driving Debian's /usr/bin/chromium):
// the UI built for the browser with the in-memory test backend renders a corpus of script
// tags, event handlers and javascript: links, and none of them executes. Every text must come
// back as exactly the characters that were sent, and the timeline must hold no element a
// message could have smuggled in.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { artifacts, root } from "./harness.mjs";

const dist = join(root, "ui/dist-browser-test");
const corpus = JSON.parse(readFileSync(join(import.meta.dirname, "hostile-corpus.json"), "utf8"));
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };

let server;
let browser;
let page;
const dialogs = [];

before(async () => {
  // A static server for the build: only files under dist, never a path outside it.
  server = createServer((request, response) => {
    const path = normalize(new URL(request.url, "http://x").pathname).replace(/^\/+/, "") || "index.html";
    try {
      const body = readFileSync(join(dist, path));
      response.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage();
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForSelector('[data-testid="sign-in"]');
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("no hostile message text executes, and each shows as the text that was sent", async () => {
  await page.evaluate((texts) => {
    const backend = window.chateniumTest;
    backend.signInAs("reader");
    for (const text of texts) backend.deliver("mallory", text);
    // An attachment whose name is markup and whose link is javascript:.
    backend.deliver("mallory", "file", [
      {
        fileID: "evil",
        fileName: "<img src=x onerror=\"window.__pwned = 'file-name'\">.png",
        format: "png",
        type: "file",
        path: "javascript:window.__pwned = 'file-link'",
        size: 1,
        height: null,
        width: null,
        hasThumbnail: false,
      },
    ]);
  }, corpus);
  // Sign in through the form, as a user would (the test backend's accounts use this password).
  await page.fill('[data-testid="identity"]', "reader");
  await page.click('[data-testid="continue"]');
  await page.fill('[data-testid="password"]', "test-password");
  await page.click('[data-testid="sign-in-submit"]');
  await page.click('[data-testid="open-chat"]');
  await page.waitForSelector('[data-testid="message"]');

  // Scroll through the whole (virtualized) timeline so every row is rendered once.
  const seen = new Set();
  for (let step = 0; step < 100; step++) {
    const texts = await page.$$eval('[data-testid="message-text"]', (nodes) => nodes.map((n) => n.textContent));
    texts.forEach((text) => seen.add(text));
    const atTop = await page.$eval('[data-testid="virtual-viewport"]', (v) => {
      const was = v.scrollTop;
      v.scrollTop = Math.max(0, was - v.clientHeight / 2);
      return was === 0;
    });
    if (atTop) break;
  }
  for (const text of corpus) assert.ok(seen.has(text), `not shown as sent: ${text}`);

  // Follow every link the timeline offers, as a user might.
  for (const link of await page.$$('[data-testid="dm-view"] a')) await link.click().catch(() => {});

  const smuggled = await page.$$eval('[data-testid="dm-view"]', ([view]) => {
    const found = [];
    // The app's own icons are the only SVG allowed: lucide's `svg.lucide-icon`, hidden from
    // screen readers, made of plain shapes (their attributes are checked below with the rest).
    const SHAPES = ["path", "circle", "rect", "line", "polyline", "polygon", "ellipse"];
    const isIcon = (svg) =>
      svg.classList.contains("lucide-icon") &&
      svg.getAttribute("aria-hidden") === "true" &&
      [...svg.children].every((child) => SHAPES.includes(child.tagName.toLowerCase()) && child.children.length === 0);
    for (const element of view.querySelectorAll("*")) {
      const tag = element.tagName.toLowerCase();
      if (["script", "iframe", "object", "embed", "math", "style", "meta", "details", "body"].includes(tag)) {
        found.push(tag);
      }
      if (tag === "svg" && !isIcon(element)) found.push("svg");
      if (SHAPES.includes(tag) && !isIcon(element.parentElement)) found.push(tag);
      for (const attribute of element.attributes) {
        if (/href/i.test(attribute.name) && element.closest("svg")) found.push(`${tag}[${attribute.name}]`);
      }
      for (const attribute of element.attributes) {
        if (attribute.name.startsWith("on")) found.push(`${tag}[${attribute.name}]`);
        if (/^\s*javascript:/i.test(attribute.value)) found.push(`${tag}[${attribute.name}=javascript:]`);
      }
    }
    return found;
  });
  assert.deepEqual(smuggled, []);
  // A message text is text only: no element inside it at all.
  const elementsInTexts = await page.$$eval('[data-testid="message-text"]', (nodes) => nodes.reduce((n, node) => n + node.children.length, 0));
  assert.equal(elementsInTexts, 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(dialogs, []);
  await page.screenshot({ path: join(artifacts, "hostile-text.png") });
});

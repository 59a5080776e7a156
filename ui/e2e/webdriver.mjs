// A small W3C WebDriver client over fetch, plus the harness that starts tauri-driver (which in
// turn starts WebKitWebDriver and the real app binary). No WebDriver library: the protocol
// calls we need are a handful of JSON requests.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

/** Listens on an ephemeral loopback port and answers the listening server. */
function listenOnFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** `count` distinct free ports. All are held open together until the last is found, so the
 * kernel cannot hand out one of them twice; they are released only to be handed over. */
export async function freePorts(count) {
  const servers = [];
  try {
    while (servers.length < count) servers.push(await listenOnFreePort());
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** How many times tauri-driver is started on fresh ports when a start fails (another process
 * took a port between its release and tauri-driver binding it). */
const DRIVER_STARTS = 3;

/** Starts tauri-driver on two distinct free ports and answers once it is proven up: the
 * process still runs and answers `/status` as a WebDriver server ready for a session. A start
 * that fails is stopped and tried again on fresh ports. */
export async function startTauriDriver({ env = process.env, log = () => {} } = {}) {
  const failures = [];
  for (let start = 0; start < DRIVER_STARTS; start++) {
    const [port, nativePort] = await freePorts(2);
    const driver = spawnTauriDriver({ port, nativePort, env, log });
    try {
      await driver.ready;
      return { base: driver.base, stop: () => driver.stopGroup("SIGTERM") };
    } catch (error) {
      driver.stopGroup("SIGKILL");
      await driver.exited;
      failures.push(`ports ${port}/${nativePort}: ${error.message}`);
    }
  }
  throw new Error(`tauri-driver did not start: ${failures.join("; ")}`);
}

function spawnTauriDriver({ port, nativePort, env, log }) {
  const child = spawn(
    "tauri-driver",
    ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"],
    // Its own process group, so that stopping it also ends WebKitWebDriver and the app, which
    // inherit its output pipes and would otherwise keep this test process alive.
    { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const stopGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  child.stdout.on("data", (chunk) => log(String(chunk)));
  child.stderr.on("data", (chunk) => log(String(chunk)));
  let exitCode = null;
  const exited = new Promise((resolve) => {
    child.once("error", (error) => {
      exitCode = `an error (${error.message})`;
      resolve();
    });
    child.once("exit", (code, signal) => {
      exitCode = code ?? signal;
      resolve();
    });
  });
  const base = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (exitCode !== null) throw new Error(`tauri-driver exited with ${exitCode}`);
      try {
        const response = await fetch(`${base}/status`);
        const status = await response.json().catch(() => null);
        // tauri-driver answers `/status` through the native driver it started on the other
        // port, so `ready` proves both ports are theirs. A port taken by another program makes
        // tauri-driver (or WebKitWebDriver) exit at once ("can not listen"): no `ready`.
        if (response.ok && status?.value?.ready === true && exitCode === null) return;
      } catch {
        // not listening yet
      }
      await Promise.race([sleep(100), exited]);
    }
    throw new Error("did not answer /status");
  })();
  return { base, ready, exited, stopGroup };
}

async function call(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json();
  if (!response.ok || payload?.value?.error) {
    const detail = payload?.value ? `${payload.value.error}: ${payload.value.message}` : response.status;
    throw new Error(`WebDriver ${method} ${path} failed: ${detail}`);
  }
  return payload.value;
}

export class Session {
  /** `args`: the command line the application is started with. */
  static async open(base, application, args = []) {
    const value = await call(base, "POST", "/session", {
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application, args } } },
    });
    return new Session(base, value.sessionId);
  }

  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  request(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** Waits for an element to exist (the page renders after an async round trip to Rust). */
  async waitFor(selector, { attempts = 100 } = {}) {
    let lastError;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        const element = await this.request("POST", "/element", { using: "css selector", value: selector });
        return element[ELEMENT_KEY];
      } catch (error) {
        lastError = error;
        await sleep(100);
      }
    }
    throw new Error(`no element matches ${selector}: ${lastError?.message}`);
  }

  /** Waits until the element's text content (trimmed) satisfies `predicate`; returns it. Read
   * from the DOM rather than WebDriver's "rendered text", which is empty for a row scrolled
   * out of a virtualized list's viewport. */
  async waitForText(selector, predicate, { attempts = 150 } = {}) {
    let text = "";
    for (let attempt = 0; attempt < attempts; attempt++) {
      await this.waitFor(selector);
      text = await this.execute(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;",
        [selector],
      );
      if (text !== null && predicate(text)) return text;
      await sleep(100);
    }
    throw new Error(`text of ${selector} never matched; last seen: ${JSON.stringify(text)}`);
  }

  /** Waits until `count(elements matching selector)` satisfies `predicate`; returns the count. */
  async waitForCount(selector, predicate, { attempts = 150 } = {}) {
    let count = -1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      // Counted in the page, not with WebDriver's "find elements": WebKitWebDriver answers
      // "stale element reference" when a matching node is removed mid-search, which is
      // exactly what a test waiting for rows to disappear provokes.
      count = await this.execute("return document.querySelectorAll(arguments[0]).length;", [selector]);
      if (predicate(count)) return count;
      await sleep(100);
    }
    throw new Error(`count of ${selector} never matched; last seen: ${count}`);
  }

  /** Waits for a script's result to satisfy `predicate` (state the page reaches after events). */
  async waitForScript(script, predicate, { attempts = 150 } = {}) {
    let value;
    for (let attempt = 0; attempt < attempts; attempt++) {
      value = await this.execute(script);
      if (predicate(value)) return value;
      await sleep(100);
    }
    throw new Error(`script never matched; last value: ${JSON.stringify(value)}`);
  }

  async click(selector) {
    await this.withFreshElement(selector, (element) => this.request("POST", `/element/${element}/click`, {}));
  }

  /** Runs `action` on the element matching `selector`; finds it again if a re-render replaced
   * the node between finding and acting on it (WebDriver's "stale element reference"). */
  async withFreshElement(selector, action, { attempts = 20 } = {}) {
    for (let attempt = 1; ; attempt++) {
      const element = await this.waitFor(selector);
      try {
        return await action(element);
      } catch (error) {
        if (attempt >= attempts || !String(error?.message).includes("stale element")) throw error;
        await sleep(50);
      }
    }
  }

  /** Types into a field, as keystrokes (so the page sees real input events). */
  async type(selector, text) {
    await this.withFreshElement(selector, (element) => this.request("POST", `/element/${element}/value`, { text }));
  }

  async clear(selector) {
    await this.withFreshElement(selector, (element) => this.request("POST", `/element/${element}/clear`, {}));
  }

  /** Runs an async script: it receives `done` as its last argument. */
  executeAsync(script, args = []) {
    return this.request("POST", "/execute/async", { script, args });
  }

  execute(script, args = []) {
    return this.request("POST", "/execute/sync", { script, args });
  }

  title() {
    return this.request("GET", "/title");
  }

  async screenshot() {
    return Buffer.from(await this.request("GET", "/screenshot"), "base64");
  }

  /** Resolves once the page has produced two more frames: what the DOM holds now is painted. */
  afterTwoFrames() {
    return this.executeAsync(
      `const done = arguments[arguments.length - 1];
       requestAnimationFrame(() => requestAnimationFrame(() => done(true)));`,
    );
  }

  /** Waits until the element matching `selector` is rendered with a size and not hidden. */
  async waitForVisible(selector, { attempts = 150 } = {}) {
    await this.waitForScript(
      `const e = document.querySelector(${JSON.stringify(selector)});
       if (!e) return false;
       const box = e.getBoundingClientRect();
       const style = getComputedStyle(e);
       return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.display !== "none";`,
      (visible) => visible === true,
      { attempts },
    );
  }

  close() {
    return this.request("DELETE", "");
  }
}

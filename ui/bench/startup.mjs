// How fast the app starts and what it weighs then (issue 17), against a bare Tauri v2 window
// (bench/bare-window: the same Tauri, a one-line page), both release builds, run alternately in
// one run (median of RUNS each), under Xvfb with a real Secret Service (`./dev bench` runs this
// inside `with_secret_service xvfb-run`, as `./dev test` runs the end-to-end tests).
//
// Measured for each start:
//   - time: from the process's start to the screen painted. The process start is taken by a
//     wrapper script that WebKitWebDriver launches instead of the binary: it writes its pid and
//     the wall clock (ns), then `exec`s the binary (same pid). "Painted" is the page's own User
//     Timing mark `painted:<screen>` (ui/src/lib/painted.ts; the bare page has the same line):
//     taken two animation frames after the screen entered the page, so the first of those frames
//     rendered it. Its wall-clock time is `performance.timeOrigin + mark.startTime`. WebDriver
//     only reads the mark afterwards, so its polling does not enter the figure.
//   - "page from": when the page's navigation began (its `performance.timeOrigin`), from the
//     same process start: what the shell did before the window loaded anything.
//   - memory: the total PSS (`/proc/<pid>/smaps_rollup`) of the process and all its descendants
//     (WebKit's web and network processes), read as soon as the mark is seen.
// Screens: the app's sign-in screen (nobody signed in), the app's chat list for a signed-in user
// (signed in beforehand through the app's sign-in command: tokens in the keyring, account
// remembered; the next start resumes the session), and the bare window's page.
//
// Targets (issue 17): each figure at most 1.3x the bare window's. Reported, never a failure:
// start-up times vary with the machine. The exit status is non-zero only when a start failed.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Session, startTauriDriver } from "../e2e/webdriver.mjs";
import { ApiUser } from "../e2e/server-api.mjs";

const root = resolve(import.meta.dirname, "../..");
const targetDir = resolve(root, process.env.CARGO_TARGET_DIR ?? "target");
const APP = process.env.CHATENIUM_APP_BINARY ?? join(targetDir, "release/chatenium-desktop");
const BARE = process.env.BARE_WINDOW_BINARY ?? join(targetDir, "release/bare-window");
/** Another build of the app to measure in the same run (say, before a change), if set. */
const OTHER = process.env.CHATENIUM_OTHER_APP_BINARY;
const RUNS = Number(process.env.STARTUP_RUNS ?? 5);
const TARGET_RATIO = 1.3;
/** Chats in the signed-in user's list, each with a message (the embedded server lets one
 * address register 10 accounts a minute: the reader and these). */
const CHATS = 8;
/** How long one start may take to paint before the run is given up (a hung start). */
const PAINT_DEADLINE_MS = 60_000;

const scratch = mkdtempSync(join(tmpdir(), "chatenium-startup-bench-"));

/** A throw-away home with XDG folders in it, as the end-to-end tests' `openApp` makes. */
function freshHome(name) {
  const home = join(scratch, name);
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_CACHE_HOME: join(home, ".cache"),
  };
  // The embedded server, as a user's first start has it.
  delete env.CHATENIUM_SERVER_URL;
  return { home, env };
}

/** A script that records its pid and the wall clock in ns, then becomes `binary`. */
function wrapperFor(binary, label) {
  const wrapper = join(scratch, `start-${label}.sh`);
  const started = join(scratch, `started-${label}`);
  writeFileSync(wrapper, `#!/bin/sh\necho "$$ $(date +%s%N)" > '${started}'\nexec '${binary}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  return { wrapper, started };
}

/** Every process below `pid` (WebKit's web and network processes, their sandbox helpers). */
function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // The command name is in parentheses and may hold spaces: the fields start after the last ")".
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(Number(entry));
  }
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift();
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** The summed PSS, in KiB, of `pid` and its descendants. */
function totalPssKiB(pid) {
  let total = 0;
  for (const process of descendants(pid)) {
    try {
      const rollup = readFileSync(`/proc/${process}/smaps_rollup`, "utf8");
      total += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // A helper that ended meanwhile weighs nothing.
    }
  }
  return total;
}

/** Starts `binary` through tauri-driver (as the end-to-end tests do), waits for the page's
 * `painted:<mark>` and measures; `then` runs on the open session before it closes. */
async function start({ binary, label, env, mark, then }) {
  const { wrapper, started } = wrapperFor(binary, label);
  const driver = await startTauriDriver({ env });
  let session;
  try {
    session = await Session.open(driver.base, wrapper);
    const [pid, startedNs] = readFileSync(started, "utf8").trim().split(" ");
    const deadline = Date.now() + PAINT_DEADLINE_MS;
    let marks = null;
    while (marks === null) {
      if (Date.now() > deadline) throw new Error(`${label}: no painted:${mark} mark in ${PAINT_DEADLINE_MS} ms`);
      marks = await session
        .execute(
          `const [entry] = performance.getEntriesByName(arguments[0]);
           return entry ? { page: performance.timeOrigin, painted: performance.timeOrigin + entry.startTime } : null;`,
          [`painted:${mark}`],
        )
        .catch(() => null); // the page may still be loading
      if (marks === null) await sleep(10);
    }
    const pssKiB = totalPssKiB(Number(pid));
    const startedMs = Number(BigInt(startedNs) / 1000n) / 1000;
    if (then) await then(session);
    // `pageMs`: when the page's navigation began (its time origin), for where the time went.
    return { ms: marks.painted - startedMs, pageMs: marks.page - startedMs, pssKiB };
  } finally {
    await session?.close().catch(() => {});
    driver.stop();
    await waitGone(binary);
  }
}

/** Waits until no process runs `binary` (the next start must not meet the last one's
 * single-instance lock or server port). */
async function waitGone(binary) {
  for (let attempt = 0; attempt < 500; attempt++) {
    const running = readdirSync("/proc").some((entry) => {
      try {
        return /^\d+$/.test(entry) && readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")[0] === binary;
      } catch {
        return false;
      }
    });
    if (!running) return;
    await sleep(20);
  }
  throw new Error(`${binary} did not exit`);
}

/** The user the chat list is measured for, with CHATS chats, and signed in inside the app. */
async function prepareSignedIn(env) {
  await start({
    binary: APP,
    label: "prepare",
    env,
    mark: "sign-in",
    then: async (session) => {
      const info = await session.executeAsync(
        `const done = arguments[arguments.length - 1];
         window.__TAURI_INTERNALS__.invoke("app_info").then(done, (e) => done({ error: String(e) }));`,
      );
      const base = info.activeServerUrl;
      if (!base?.startsWith("http://127.0.0.1:")) throw new Error(`no embedded server: ${JSON.stringify(info)}`);
      const reader = new ApiUser(base);
      await reader.register("reader");
      for (let n = 0; n < CHATS; n++) {
        const friend = new ApiUser(base);
        await friend.register(`friend${n}`);
        const chatid = await friend.addContact("reader");
        await friend.send(chatid, `Hello from friend ${n}`);
      }
      const signedIn = await session.executeAsync(
        `const done = arguments[arguments.length - 1];
         window.__TAURI_INTERNALS__.invoke("sign_in_with_password", { identity: "reader", password: "reader-password-1" })
           .then((user) => done(user.userid), (e) => done({ error: JSON.stringify(e) }));`,
      );
      if (signedIn !== reader.userid) throw new Error(`the app did not sign in: ${JSON.stringify(signedIn)}`);
    },
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function main() {
  const bareHome = freshHome("bare");
  const signedOutHome = freshHome("signed-out");
  const signedInHome = freshHome("signed-in");
  // One start each first: the embedded server's database is made and migrated, the user signed
  // in; WebKit's and the system's caches are warm for both.
  await start({ binary: BARE, label: "warm-bare", env: bareHome.env, mark: "page" });
  await start({ binary: APP, label: "warm-app", env: signedOutHome.env, mark: "sign-in" });
  await prepareSignedIn(signedInHome.env);
  if (OTHER) await start({ binary: OTHER, label: "warm-other", env: signedOutHome.env, mark: "sign-in" });

  const cases = [
    { name: "bare Tauri window: its page", binary: BARE, env: bareHome.env, mark: "page" },
    { name: "app: sign-in screen", binary: APP, env: signedOutHome.env, mark: "sign-in" },
    { name: "app: chat list (signed in)", binary: APP, env: signedInHome.env, mark: "chat-list" },
    ...(OTHER
      ? [
          { name: "other build: sign-in screen", binary: OTHER, env: signedOutHome.env, mark: "sign-in" },
          { name: "other build: chat list", binary: OTHER, env: signedInHome.env, mark: "chat-list" },
        ]
      : []),
  ];
  const results = new Map(cases.map((c) => [c.name, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const c of cases) {
      const result = await start({ binary: c.binary, label: `${run}`, env: c.env, mark: c.mark });
      results.get(c.name).push(result);
      process.stdout.write(
        `  run ${run + 1}/${RUNS} ${c.name}: ${result.ms.toFixed(0)} ms (page from ${result.pageMs.toFixed(0)} ms), ${(result.pssKiB / 1024).toFixed(1)} MiB\n`,
      );
    }
  }

  const summary = cases.map((c) => ({
    name: c.name,
    ms: median(results.get(c.name).map((r) => r.ms)),
    pageMs: median(results.get(c.name).map((r) => r.pageMs)),
    mib: median(results.get(c.name).map((r) => r.pssKiB)) / 1024,
  }));
  const [bare] = summary;
  const ratio = (value, base) => value / base;
  const verdict = (r) => (r <= TARGET_RATIO ? "met" : "NOT met");
  console.log(`\nStart-up, median of ${RUNS} alternating release runs (process start to the screen painted; PSS of the app and its WebKit processes then)`);
  console.log(`${"".padEnd(30)} ${"page from".padStart(9)} ${"painted".padStart(9)} ${"ratio".padStart(6)} ${"PSS".padStart(10)} ${"ratio".padStart(6)}`);
  for (const row of summary) {
    const timeRatio = ratio(row.ms, bare.ms);
    const memoryRatio = ratio(row.mib, bare.mib);
    const note = row === bare ? "" : `  target ${TARGET_RATIO}x: time ${verdict(timeRatio)}, memory ${verdict(memoryRatio)}`;
    console.log(
      `${row.name.padEnd(30)} ${`${row.pageMs.toFixed(0)} ms`.padStart(9)} ${`${row.ms.toFixed(0)} ms`.padStart(9)} ${`${timeRatio.toFixed(2)}x`.padStart(6)} ${`${row.mib.toFixed(1)} MiB`.padStart(10)} ${`${memoryRatio.toFixed(2)}x`.padStart(6)}${note}`,
    );
  }
}

try {
  await main();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

// A second user driven through the Rust core (crates/core/examples/e2e_peer.rs), for what bare
// HTTP cannot do: be the other end of a peer-to-peer transfer, and a member of a cascade with
// live thread timelines. One JSON line per command in, one per event out.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join, resolve } from "node:path";
import { root } from "./harness.mjs";

export const peerBinary =
  process.env.CHATENIUM_E2E_PEER_BINARY ??
  join(resolve(root, process.env.CARGO_TARGET_DIR ?? "target"), "debug/examples/e2e_peer");

export class CorePeer {
  /** Signs `identity` in on `server`; resolves once the peer is online. */
  static async start(server, identity, password, dataDir) {
    const peer = new CorePeer(spawn(peerBinary, [server, identity, password, dataDir], { stdio: ["pipe", "pipe", "inherit"] }));
    const ready = await peer.next((line) => line.ready);
    peer.userid = ready.ready.userid;
    return peer;
  }

  constructor(child) {
    this.child = child;
    this.lines = [];
    this.waiters = [];
    this.exited = new Promise((done) => child.on("exit", done));
    createInterface({ input: child.stdout }).on("line", (text) => {
      const line = JSON.parse(text);
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => !w.check(line));
    });
  }

  /** Resolves with the first line, already seen or still to come, that `predicate` accepts.
   * A line reporting an error fails it at once. */
  next(predicate, { timeoutMs = 60_000, since = 0 } = {}) {
    const seen = this.lines.slice(since).find((line) => predicate(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolveLine, reject) => {
      const timer = setTimeout(() => reject(new Error("the core peer never reported what the test waits for")), timeoutMs);
      this.waiters.push({
        check: (line) => {
          if (line.error) {
            clearTimeout(timer);
            reject(new Error(`the core peer: ${line.error}`));
            return true;
          }
          if (!predicate(line)) return false;
          clearTimeout(timer);
          resolveLine(line);
          return true;
        },
      });
      this.exited.then((code) => reject(new Error(`the core peer exited (${code})`)));
    });
  }

  /** The first transfer event for which `predicate(transfer)` holds. */
  async transfer(predicate, options) {
    return (await this.next((line) => line.transfer && predicate(line.transfer), options)).transfer;
  }

  /** The first call change, from `since` on, for which `predicate(call)` holds (calls). */
  async call(predicate, options) {
    return (await this.next((line) => line.call && predicate(line.call), options)).call;
  }

  /** The first media report of a running call for which `predicate(report)` holds (calls). */
  async callMedia(predicate, options) {
    return (await this.next((line) => line.callMedia && predicate(line.callMedia), options)).callMedia;
  }

  command(command) {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  sendFile(userid, path) {
    this.command({ send: { userid, path } });
  }

  accept(transferId, folder) {
    this.command({ accept: { transferId, folder } });
  }

  /** Runs a command and resolves with its result (a failed command rejects). */
  async run(name, args) {
    const since = this.lines.length;
    this.command({ [name]: args });
    const result = (await this.next((line) => line.done?.command === name, { since })).done.result;
    // An opened thread's first state is the command's answer.
    if (name === "openThread") this.lines.push({ threadTimeline: result });
    return result;
  }

  /** Where the newest line of a kind is: each is a whole state, so the newest is the state now
   * and older ones no longer count. */
  newest(kind) {
    for (let index = this.lines.length - 1; index >= 0; index--) if (kind(this.lines[index])) return index;
    return 0;
  }

  /** Resolves once the cascade list satisfies `predicate`; answers it. */
  async cascades(predicate) {
    const since = this.newest((line) => line.cascades);
    return (await this.next((line) => line.cascades && predicate(line.cascades), { since })).cascades;
  }

  /** Resolves once the open thread's messages (rows the server stored) satisfy `predicate`. */
  async threadMessages(threadId, predicate) {
    const messages = (line) =>
      line.threadTimeline?.threadId === threadId
        ? line.threadTimeline.items.filter((item) => item.kind === "message").map((item) => item.message)
        : null;
    const since = this.newest((line) => messages(line) !== null);
    const found = await this.next(
      (line) => {
        const list = messages(line);
        return list !== null && predicate(list);
      },
      { since },
    );
    return messages(found);
  }

  async stop() {
    this.child.stdin.end();
    await Promise.race([this.exited, new Promise((done) => setTimeout(done, 5000))]);
    this.child.kill();
  }
}

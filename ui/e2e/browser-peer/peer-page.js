// A peer of Chatenium's peer-to-peer transfers written only from docs/p2p-transfer-protocol.md,
// with the browser's own RTCPeerConnection: signaling over the server's HTTP API and WebSocket
// (this page is served at the server's origin), the data channel protocol on top. The test
// (../browser-peer.test.mjs) drives it through `window.peer` and hears it through
// `window.report` (a Playwright binding).
/* global report */

const CONTROL_LIMIT = 4096;
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
const ACK_EVERY = 1024 * 1024;

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (bytes) => hex(await crypto.subtle.digest("SHA-256", bytes));
const ufragOfDescription = (sdp) => /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? null;
const ufragOfCandidate = (line) => /\sufrag\s(\S+)/.exec(line)?.[1] ?? null;

class Peer {
  /** `paths`: operation id to path, from the contract. */
  constructor({ token, paths }) {
    this.token = token;
    this.paths = paths;
    this.transfers = new Map();
  }

  async api(operation, body) {
    const response = await fetch(this.paths[operation], {
      method: "POST",
      headers: { "content-type": "application/json", authorization: this.token },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${operation} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://${location.host}/v3/ws?accessToken=${encodeURIComponent(this.token)}`);
      socket.onmessage = (event) => {
        const frame = JSON.parse(event.data);
        const data = JSON.parse(frame.data);
        if (frame.action === "connectionId") resolve();
        else this.onEvent(frame.action, data).catch((error) => report({ kind: "error", message: String(error?.stack ?? error) }));
      };
      socket.onerror = () => reject(new Error("the WebSocket failed"));
      this.socket = socket;
    });
  }

  async onEvent(action, data) {
    const transfer = this.transfers.get(data.transferId);
    switch (action) {
      case "transferRequest":
        report({ kind: "offered", transferId: data.transferId, file: data.file });
        break;
      case "transferAccepted":
        if (transfer?.role === "sender") await transfer.connect();
        break;
      case "transferOffer":
        if (transfer?.role === "receiver") await transfer.answer(data.sdp);
        break;
      case "transferAnswer":
        if (transfer?.role === "sender") await transfer.described(data.sdp, "answer");
        break;
      case "transferCandidate":
        await transfer?.candidate(data);
        break;
      case "transferDeclined":
        transfer?.declined();
        break;
    }
  }

  /** Accepts an offer; `freezeAt`: stop reading (no writes, no acks) once that many bytes
   * arrived on the first connection, as a stalled connection would. */
  async accept(transferId, file, { freezeAt = null } = {}) {
    const transfer = new Receiving(this, transferId, file, freezeAt);
    this.transfers.set(transferId, transfer);
    transfer.rtc = await this.api("AcceptTransfer", { transferId });
  }

  /** Offers `size` random bytes named `name` to `userid`; answers the transfer id and hash. */
  async send(userid, name, size) {
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
    const digest = await sha256(bytes);
    const started = await this.api("StartTransfer", { userid, file: { name, size, mime: "application/octet-stream" } });
    const transfer = new Sending(this, started.transferId, { name, size, mime: "application/octet-stream" }, bytes, digest);
    transfer.rtc = started.rtc;
    this.transfers.set(started.transferId, transfer);
    return { transferId: started.transferId, sha256: digest };
  }
}

/** What both roles share: one peer connection at a time, candidates told apart by ufrag. */
class Transfer {
  constructor(peer, transferId, file) {
    this.peer = peer;
    this.transferId = transferId;
    this.file = file;
    this.pc = null;
    this.remoteUfrag = undefined;
    this.early = [];
    this.connections = 0;
  }

  meta() {
    return { type: "meta", transferId: this.transferId, name: this.file.name, size: this.file.size, mime: this.file.mime };
  }

  newConnection() {
    this.pc?.close();
    this.connections += 1;
    this.remoteUfrag = undefined;
    this.early = [];
    const pc = new RTCPeerConnection({ iceServers: this.rtc?.iceServers ?? [] });
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate || pc !== this.pc) return;
      this.peer
        .api("SendTransferCandidate", {
          transferId: this.transferId,
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid,
          sdpMLineIndex: candidate.sdpMLineIndex,
        })
        .catch(() => {});
    };
    this.pc = pc;
    return pc;
  }

  async described(sdp, type) {
    await this.pc.setRemoteDescription({ type, sdp });
    this.remoteUfrag = ufragOfDescription(sdp);
    const held = this.early;
    this.early = [];
    for (const candidate of held) await this.candidate(candidate);
  }

  async candidate({ candidate, sdpMid, sdpMLineIndex }) {
    if (!this.pc || this.remoteUfrag === undefined) {
      this.early.push({ candidate, sdpMid, sdpMLineIndex });
      return;
    }
    const named = ufragOfCandidate(candidate);
    if (named && this.remoteUfrag && named !== this.remoteUfrag) {
      report({ kind: "staleCandidate", transferId: this.transferId });
      return;
    }
    if (!candidate) return;
    await this.pc.addIceCandidate({ candidate, sdpMid: sdpMid ?? "", sdpMLineIndex: sdpMLineIndex ?? 0 }).catch(() => {});
  }

  say(channel, message) {
    const text = JSON.stringify(message);
    if (text.length > CONTROL_LIMIT) throw new Error("control message too large");
    channel.send(text);
  }

  fail(channel, code, message) {
    try {
      this.say(channel, { type: "error", code, message });
    } catch {
      // the channel is gone
    }
    this.finish({ kind: "failed", message });
  }

  /** The transfer is over for this side; `keepConnection`: the receiver after `done` keeps the
   * connection until the sender closes the channel, so that `done` reaches it. */
  finish(outcome, { keepConnection = false } = {}) {
    if (this.over) return;
    this.over = true;
    if (!keepConnection) this.pc?.close();
    report({ transferId: this.transferId, connections: this.connections, ...outcome });
  }

  declined() {
    if (!this.over) this.finish({ kind: "cancelled" });
  }
}

class Receiving extends Transfer {
  constructor(peer, transferId, file, freezeAt) {
    super(peer, transferId, file);
    this.role = "receiver";
    this.chunks = [];
    this.written = 0;
    this.freezeAt = freezeAt;
  }

  async answer(offerSdp) {
    const pc = this.newConnection();
    const connection = this.connections;
    pc.ondatachannel = ({ channel }) => this.onChannel(channel, connection);
    await this.described(offerSdp, "offer");
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await this.peer.api("SendTransferAnswer", { transferId: this.transferId, sdp: pc.localDescription.sdp });
  }

  onChannel(channel, connection) {
    channel.binaryType = "arraybuffer";
    let started = false;
    let lastAck = this.written;
    let frozen = false;
    channel.onmessage = async ({ data }) => {
      if (this.over || frozen) return;
      if (typeof data !== "string") {
        if (!started) return this.fail(channel, "protocol", "file data came before meta");
        if (this.written + data.byteLength > this.file.size) return this.fail(channel, "protocol", "more file data came than the file's size");
        this.chunks.push(new Uint8Array(data));
        this.written += data.byteLength;
        if (this.written - lastAck >= ACK_EVERY || this.written === this.file.size) {
          lastAck = this.written;
          this.say(channel, { type: "ack", offset: this.written });
        }
        if (this.freezeAt !== null && connection === 1 && this.written >= this.freezeAt) {
          // A stalled connection: nothing more is read, written or acknowledged on it.
          frozen = true;
          report({ kind: "frozen", transferId: this.transferId, written: this.written });
        }
        return;
      }
      const message = JSON.parse(data);
      if (message.type === "meta" && !started) {
        const expected = this.meta();
        for (const field of ["transferId", "name", "size", "mime"]) {
          if (message[field] !== expected[field]) return this.fail(channel, "protocol", `meta gives the file's ${field} as ${message[field]}`);
        }
        started = true;
        this.say(channel, { type: "resume", offset: this.written });
      } else if (message.type === "end" && started) {
        if (this.written !== this.file.size) return this.fail(channel, "protocol", "end came before every byte");
        const whole = new Uint8Array(this.written);
        let at = 0;
        for (const chunk of this.chunks) {
          whole.set(chunk, at);
          at += chunk.byteLength;
        }
        const digest = await sha256(whole);
        if (digest !== message.sha256) return this.fail(channel, "hashMismatch", `received ${digest}, announced ${message.sha256}`);
        this.say(channel, { type: "done", sha256: digest });
        const pc = this.pc;
        channel.onclose = () => pc.close();
        this.finish({ kind: "received", sha256: digest, size: this.written }, { keepConnection: true });
      } else if (message.type === "cancel") {
        this.finish({ kind: "cancelled" });
      } else if (message.type === "error") {
        this.finish({ kind: "failed", message: `${message.code}: ${message.message}` });
      } else {
        this.fail(channel, "protocol", `a ${message.type} message came out of turn`);
      }
    };
  }
}

class Sending extends Transfer {
  constructor(peer, transferId, file, bytes, digest) {
    super(peer, transferId, file);
    this.role = "sender";
    this.bytes = bytes;
    this.digest = digest;
  }

  async connect() {
    const pc = this.newConnection();
    const channel = pc.createDataChannel("chatenium-file", { protocol: "chatenium-transfer/1", ordered: true });
    channel.binaryType = "arraybuffer";
    channel.bufferedAmountLowThreshold = LOW_WATER;
    channel.onopen = () => this.say(channel, this.meta());
    channel.onmessage = ({ data }) => {
      if (this.over) return;
      if (typeof data !== "string") return this.fail(channel, "protocol", "the receiver sent file data");
      const message = JSON.parse(data);
      if (message.type === "resume") void this.pump(channel, message.offset);
      else if (message.type === "ack") this.acked = message.offset;
      else if (message.type === "done") {
        if (message.sha256 !== this.digest) return this.fail(channel, "hashMismatch", "the saved file differs");
        channel.close();
        this.peer.api("DeclineTransfer", { transferId: this.transferId }).catch(() => {});
        this.finish({ kind: "sent", sha256: this.digest });
      } else if (message.type === "error") this.finish({ kind: "failed", message: `${message.code}: ${message.message}` });
      else if (message.type === "cancel") this.finish({ kind: "cancelled" });
    };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await this.peer.api("SendTransferOffer", { transferId: this.transferId, sdp: pc.localDescription.sdp });
  }

  async pump(channel, offset) {
    if (offset > this.file.size) return this.fail(channel, "protocol", `resume asks for byte ${offset} of ${this.file.size}`);
    const chunk = Math.min(this.pc.sctp?.maxMessageSize || 65536, 262144);
    report({ kind: "chunkSize", transferId: this.transferId, chunk });
    for (let at = offset; at < this.file.size; at += chunk) {
      if (channel.bufferedAmount > HIGH_WATER) {
        await new Promise((resume) => channel.addEventListener("bufferedamountlow", resume, { once: true }));
      }
      if (channel.readyState !== "open") return;
      channel.send(this.bytes.subarray(at, Math.min(this.file.size, at + chunk)));
    }
    this.say(channel, { type: "end", sha256: this.digest });
  }
}

window.startPeer = async (options) => {
  window.peer = new Peer(options);
  await window.peer.connect();
};

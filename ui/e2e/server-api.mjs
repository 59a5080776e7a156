// A second user driven from Node over the server's HTTP API, for the end-to-end tests. Paths
// and methods come from the generated contract (crates/api/openapi.json) by operation id, so
// this file spells no route of its own.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./harness.mjs";

const openapi = JSON.parse(readFileSync(join(root, "crates/api/openapi.json"), "utf8"));
const operations = new Map();
for (const [path, methods] of Object.entries(openapi.paths)) {
  for (const [method, operation] of Object.entries(methods)) {
    operations.set(operation.operationId, { path, method: method.toUpperCase() });
  }
}

export class ApiUser {
  constructor(base) {
    this.base = base;
    this.token = null;
    this.userid = null;
  }

  async call(operationId, { query, body } = {}) {
    const operation = operations.get(operationId);
    if (!operation) throw new Error(`no operation ${operationId} in the contract`);
    const url = new URL(this.base + operation.path);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, String(value));
    const headers = { "content-type": "application/json" };
    if (this.token) headers.authorization = this.token;
    const response = await fetch(url, {
      method: operation.method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${operationId} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async register(username) {
    const auth = await this.call("Register", {
      body: {
        username,
        displayName: `${username[0].toUpperCase()}${username.slice(1)}`,
        email: `${username}@example.test`,
        password: `${username}-password-1`,
        phone: null,
        os: "e2e",
        language: "en",
      },
    });
    this.token = auth.accessToken;
    this.userid = auth.userid;
    return auth;
  }

  /** Adds `username` as a contact; answers the chat id. */
  async addContact(username) {
    const { userid } = await this.call("FetchUserId", { query: { identity: username } });
    return (await this.call("CreateContact", { body: { userid } })).chatid;
  }

  send(chatid, message, fileIDs = [], replyToId = null) {
    const clientKey = `e2e-${Date.now()}-${Math.random().toString(16).slice(2)}`;
    return this.call("DmSendMessage", { body: { chatid, message, fileIDs, replyToId, clientKey } });
  }

  /** Uploads bytes as an attachment (register, PUT to the signed URL, complete). */
  async upload(name, mime, bytes) {
    const [target] = await this.call("RegisterAttachmentUploads", {
      body: { files: [{ name, size: bytes.length, mime }] },
    });
    const put = await fetch(target.uploadUrl, { method: "PUT", body: bytes });
    if (!put.ok) throw new Error(`upload PUT answered ${put.status}`);
    return this.call("CompleteAttachmentUpload", { body: { fileID: target.fileID } });
  }

  /** The newest page of a chat, oldest first. */
  messages(chatid) {
    return this.call("DmGetMessages", { query: { chatid, from: 0, limit: 200 } });
  }
}

/** A 4x4 red PNG, made here so the test needs no fixture file. */
export function tinyPng() {
  return Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg==",
    "base64",
  );
}

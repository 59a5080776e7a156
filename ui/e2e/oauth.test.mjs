// "Continue with Google" on the real app, against a test identity provider served by this test
// (as the core's OAuth test does): its /authorize redirects back to the app's loopback listener,
// /token checks PKCE and signs an ID token, /jwks publishes the key the embedded server checks it
// with. The app reads two test-only variables (src-tauri/src/oauth_sign_in.rs):
// CHATENIUM_TEST_OAUTH_PROVIDER (this provider, trusted by the embedded server) and
// CHATENIUM_TEST_OPENER (tools/test-browser.sh instead of the system browser: curl following
// the redirects).
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openApp, screenshot } from "./harness.mjs";

const CLIENT_ID = "chatenium-desktop-test";
let app;
let session;
let provider;
/** What /authorize does: "approve", "refuse" (the user declines) or "hang" (the user left). */
let mode = "approve";
const hanging = [];
let stopProvider = () => {};

const base64url = (value) => Buffer.from(value).toString("base64url");

/** A test identity provider on loopback; answers its base URL. */
async function serveProvider() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "test-key", alg: "RS256", use: "sig" };
  const codes = new Map();
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, "http://provider");
    if (url.pathname === "/jwks") {
      response.setHeader("content-type", "application/json");
      return response.end(JSON.stringify({ keys: [jwk] }));
    }
    if (url.pathname === "/authorize") {
      const redirect = url.searchParams.get("redirect_uri");
      const state = url.searchParams.get("state");
      if (mode === "hang") return hanging.push(response);
      if (mode === "refuse") {
        response.writeHead(302, { location: `${redirect}?error=access_denied&state=${state}` });
        return response.end();
      }
      const code = `code-${codes.size}`;
      codes.set(code, { challenge: url.searchParams.get("code_challenge"), redirect });
      response.writeHead(302, { location: `${redirect}?code=${code}&state=${state}` });
      return response.end();
    }
    if (url.pathname === "/token" && request.method === "POST") {
      let body = "";
      for await (const chunk of request) body += chunk;
      const form = new URLSearchParams(body);
      const issued = codes.get(form.get("code"));
      codes.delete(form.get("code"));
      const verifier = createHash("sha256").update(form.get("code_verifier") ?? "").digest("base64url");
      if (!issued || verifier !== issued.challenge || form.get("redirect_uri") !== issued.redirect || form.get("client_id") !== CLIENT_ID) {
        response.writeHead(400);
        return response.end("PKCE, code or redirect mismatch");
      }
      const now = Math.floor(Date.now() / 1000);
      const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "test-key" }));
      const claims = base64url(
        JSON.stringify({
          iss: provider,
          aud: CLIENT_ID,
          sub: "google-subject-e2e",
          iat: now,
          exp: now + 600,
          email: "oauth.person@example.test",
          email_verified: true,
          name: "OAuth Person",
        }),
      );
      const signature = sign("RSA-SHA256", Buffer.from(`${header}.${claims}`), privateKey).toString("base64url");
      response.setHeader("content-type", "application/json");
      return response.end(JSON.stringify({ id_token: `${header}.${claims}.${signature}`, token_type: "Bearer" }));
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise((listening) => server.listen(0, "127.0.0.1", listening));
  stopProvider = () => {
    hanging.forEach((r) => r.destroy());
    server.closeAllConnections();
    server.close();
  };
  return `http://127.0.0.1:${server.address().port}`;
}

before(async () => {
  provider = await serveProvider();
  app = await openApp({
    extraEnv: {
      CHATENIUM_TEST_OAUTH_PROVIDER: provider,
      CHATENIUM_TEST_OPENER: join(import.meta.dirname, "tools/test-browser.sh"),
    },
  });
  session = app.session;
});

after(async () => {
  await app?.close();
  stopProvider();
});

test("declining at the provider says so", async () => {
  mode = "refuse";
  await session.click('[data-testid="oauth-google"]');
  await session.waitForText('[data-testid="sign-in-error"]', (t) => t.includes("refused at the provider"));
});

test("a browser that never comes back can be cancelled", async () => {
  mode = "hang";
  await session.click('[data-testid="oauth-google"]');
  await session.waitForText('[data-testid="oauth-waiting"]', (t) => t.includes("Google"));
  await screenshot(session, "oauth-waiting");
  await session.click('[data-testid="oauth-cancel"]');
  await session.waitForText('[data-testid="sign-in-error"]', (t) => t === "Signing in was cancelled.");
});

test("Continue with Google signs in through the browser", async () => {
  mode = "approve";
  assert.equal(await session.waitForText('[data-testid="oauth-apple"]', (t) => t.length > 0), "Continue with Apple");
  await session.click('[data-testid="oauth-google"]');
  await session.waitFor('[data-testid="chat-list"]');
  await screenshot(session, "oauth-signed-in");
});

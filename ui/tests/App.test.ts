import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import type { AppInfo, Backend } from "../src/backend";
import { createMemoryBackend } from "../src/backend/memory";
import { locale } from "../src/i18n/index.svelte";

// The UI under test is real; only Rust is replaced, by the in-memory backend.
function backendReporting(info: Partial<AppInfo>): Promise<Backend> {
  const backend = createMemoryBackend();
  return Promise.resolve({
    ...backend,
    appInfo: () => Promise.resolve({ version: "1", endpointCount: 97, serverUrl: null, activeServerUrl: "x", ...info }),
  });
}

// Vitest runs without globals, so the library's automatic unmount is off: unmount here.
afterEach(() => {
  cleanup();
  locale.language = "en";
});

describe("App", () => {
  it("shows what the backend reports on the sign-in screen", async () => {
    render(App, { backend: backendReporting({ version: "1.2.3" }) });
    expect(await screen.findByTestId("app-version")).toHaveProperty("textContent", "1.2.3");
    expect(screen.getByTestId("endpoint-count").textContent).toBe("97 endpoints");
    expect(screen.getByTestId("server").textContent?.trim()).toBe("Built-in local server");
    expect(screen.getByTestId("sign-in")).toBeTruthy();
  });

  it("names a remote server and renders it as text, never as markup", async () => {
    const hostile = "https://evil.example/<img src=x onerror=alert(1)>";
    render(App, { backend: backendReporting({ serverUrl: hostile }) });
    const server = await screen.findByTestId("server");
    expect(server.textContent?.trim()).toBe(hostile);
    expect(server.querySelector("img")).toBeNull();
  });

  it("speaks Hungarian when asked", async () => {
    locale.language = "hu";
    render(App, { backend: backendReporting({}) });
    expect((await screen.findByTestId("endpoint-count")).textContent).toBe("97 végpont");
  });

  it("shows a failing backend as an error, not a blank window", async () => {
    render(App, { backend: Promise.reject(new Error("no core")) });
    const status = await screen.findByRole("alert");
    expect(status.textContent).toContain("no core");
  });

  it("signs in with a password after asking for the identity's methods, with errors in Hungarian", async () => {
    const backend = createMemoryBackend();
    backend.signInAs("anna");
    await backend.signOut();
    locale.language = "hu";
    render(App, { backend: Promise.resolve(backend) });
    await fireEvent.input(await screen.findByTestId("identity"), { target: { value: "nobody" } });
    await fireEvent.click(screen.getByTestId("continue"));
    expect((await screen.findByTestId("sign-in-error")).textContent).toBe(
      "Nincs fiók ezzel a felhasználónévvel, e-mail-címmel vagy telefonszámmal.",
    );
    await fireEvent.input(screen.getByTestId("identity"), { target: { value: "anna" } });
    await fireEvent.click(screen.getByTestId("continue"));
    await fireEvent.input(await screen.findByTestId("password"), { target: { value: "wrong-password" } });
    await fireEvent.click(screen.getByTestId("sign-in-submit"));
    expect((await screen.findByTestId("sign-in-error")).textContent).toBe("Hibás jelszó vagy kód.");
    await fireEvent.input(screen.getByTestId("password"), { target: { value: "test-password" } });
    await fireEvent.click(screen.getByTestId("sign-in-submit"));
    expect(await screen.findByTestId("chat-list")).toBeTruthy();
  });

  it("registers passwordless after proving the e-mail with a code", async () => {
    const backend = createMemoryBackend();
    render(App, { backend: Promise.resolve(backend) });
    await fireEvent.click(await screen.findByTestId("go-register"));
    await fireEvent.input(screen.getByTestId("reg-username"), { target: { value: "zoe" } });
    expect((await screen.findByTestId("username-availability")).textContent?.trim()).toBe("Available");
    await fireEvent.input(screen.getByTestId("reg-display-name"), { target: { value: "Zoé" } });
    await fireEvent.input(screen.getByTestId("reg-email"), { target: { value: "zoe@example.test" } });
    await fireEvent.click(screen.getByTestId("reg-passwordless"));
    await fireEvent.click(screen.getByTestId("reg-submit"));
    await fireEvent.click(await screen.findByTestId("send-code-email"));
    await fireEvent.input(screen.getByTestId("code-email"), { target: { value: "123456" } });
    await fireEvent.submit(screen.getByTestId("factor-email"));
    expect((await screen.findByTestId("nav-account")).textContent?.trim()).toBe("Zoé");
  });

  it("lists chats with unread counts and shows a partner's message live", async () => {
    const backend = createMemoryBackend();
    backend.signInAs("me");
    backend.deliver("bela", "hello");
    render(App, { backend: Promise.resolve(backend) });
    expect((await screen.findByTestId("unread")).textContent).toBe("1");
    await fireEvent.click(screen.getByTestId("open-chat"));
    await screen.findByText("hello");
    backend.deliver("bela", "second, live");
    // In the timeline (the chat list's preview shows it too).
    expect(await screen.findByText("second, live", { selector: '[data-testid="message-text"]' })).toBeTruthy();
    await waitFor(() => expect(screen.queryByTestId("unread")).toBeNull());
  });
});

describe("App, more flows", () => {
  it("needs both codes when a passwordless account registers an e-mail and a phone", async () => {
    const backend = createMemoryBackend();
    render(App, { backend: Promise.resolve(backend) });
    await fireEvent.click(await screen.findByTestId("go-register"));
    await fireEvent.input(screen.getByTestId("reg-username"), { target: { value: "mfa" } });
    await fireEvent.input(screen.getByTestId("reg-display-name"), { target: { value: "Two Codes" } });
    await fireEvent.input(screen.getByTestId("reg-email"), { target: { value: "mfa@example.test" } });
    await fireEvent.input(screen.getByTestId("reg-phone"), { target: { value: "+36201234567" } });
    await fireEvent.click(screen.getByTestId("reg-passwordless"));
    await fireEvent.click(screen.getByTestId("reg-submit"));
    expect((await screen.findByTestId("challenge")).textContent).toContain("Verify 2 codes");
    await fireEvent.input(screen.getByTestId("code-email"), { target: { value: "000000" } });
    await fireEvent.submit(screen.getByTestId("factor-email"));
    expect((await screen.findByRole("alert")).textContent).toBe("The code is wrong or expired.");
    await fireEvent.input(screen.getByTestId("code-email"), { target: { value: "123456" } });
    await fireEvent.submit(screen.getByTestId("factor-email"));
    await waitFor(() => expect(screen.queryByTestId("code-email")).toBeNull());
    expect(screen.queryByTestId("nav-account")).toBeNull();
    await fireEvent.input(screen.getByTestId("code-sms"), { target: { value: "123456" } });
    await fireEvent.submit(screen.getByTestId("factor-sms"));
    expect((await screen.findByTestId("nav-account")).textContent?.trim()).toBe("Two Codes");
  });

  it("resets a password with the e-mailed code", async () => {
    const backend = createMemoryBackend();
    backend.signInAs("rita");
    await backend.signOut();
    render(App, { backend: Promise.resolve(backend) });
    await fireEvent.click(await screen.findByTestId("go-reset"));
    const reset = screen.getByTestId("reset");
    await fireEvent.input(reset.querySelector("input")!, { target: { value: "rita" } });
    await fireEvent.submit(reset.querySelector("form")!);
    await fireEvent.input(await screen.findByTestId("reset-token"), { target: { value: "123456" } });
    await fireEvent.input(reset.querySelector('input[type="password"]')!, { target: { value: "short" } });
    await fireEvent.submit(reset.querySelector("form")!);
    expect((await screen.findByRole("alert")).textContent).toBe("A password needs at least 8 characters.");
    await fireEvent.input(reset.querySelector('input[type="password"]')!, { target: { value: "a-new-password" } });
    await fireEvent.submit(reset.querySelector("form")!);
    expect((await screen.findByRole("status")).textContent).toContain("Your password is changed");
  });

  it("changes the display name from the account screen and signs out", async () => {
    const backend = createMemoryBackend();
    backend.signInAs("vera");
    render(App, { backend: Promise.resolve(backend) });
    await fireEvent.click(await screen.findByTestId("nav-account"));
    await fireEvent.input(screen.getByTestId("account-display-name"), { target: { value: "Véra" } });
    await fireEvent.click(screen.getByTestId("save-display-name"));
    await waitFor(() => expect(screen.getByTestId("nav-account").textContent?.trim()).toBe("Véra"));
    await fireEvent.click(screen.getByTestId("sign-out"));
    expect(await screen.findByTestId("sign-in")).toBeTruthy();
  });
});

describe("App, contacts", () => {
  it("adds a contact, refuses an unknown one, and deletes after a confirmation", async () => {
    const backend = createMemoryBackend();
    backend.signInAs("olga");
    await backend.signOut();
    backend.signInAs("me");
    render(App, { backend: Promise.resolve(backend) });
    await fireEvent.input(await screen.findByTestId("add-contact-input"), { target: { value: "nobody" } });
    await fireEvent.click(screen.getByTestId("add-contact"));
    expect((await screen.findByTestId("chats-error")).textContent).toBe("No user has this name.");
    await fireEvent.input(screen.getByTestId("add-contact-input"), { target: { value: "olga" } });
    await fireEvent.click(screen.getByTestId("add-contact"));
    expect((await screen.findByTestId("dm-title")).textContent).toBe("olga");
    await fireEvent.click(screen.getByTestId("toggle-mute"));
    await screen.findByTestId("muted");
    await fireEvent.click(screen.getByTestId("delete-contact"));
    expect(screen.getAllByTestId("chat")).toHaveLength(1);
    await fireEvent.click(screen.getByTestId("confirm-delete-contact"));
    await waitFor(() => expect(screen.queryByTestId("chat")).toBeNull());
    expect(screen.queryByTestId("dm-view")).toBeNull();
  });

  it("opens on the sign-in screen when the session cannot be resumed", async () => {
    const backend = createMemoryBackend();
    render(App, {
      backend: Promise.resolve({ ...backend, resumeSession: () => Promise.reject(new Error("no keyring")) }),
    });
    expect(await screen.findByTestId("sign-in")).toBeTruthy();
  });
});

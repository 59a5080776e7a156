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
    expect(await screen.findByText("second, live")).toBeTruthy();
    await waitFor(() => expect(screen.queryByTestId("unread")).toBeNull());
  });
});

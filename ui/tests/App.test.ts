import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import type { AppInfo, Backend } from "../src/backend";
import { locale } from "../src/i18n/index.svelte";

// A fake at the `Backend` seam: the UI under test is real, only Rust is replaced.
function backendReturning(info: AppInfo): Promise<Backend> {
  return Promise.resolve({ appInfo: () => Promise.resolve(info) });
}

// Vitest runs without globals, so the library's automatic unmount is off: unmount here.
afterEach(() => {
  cleanup();
  locale.language = "en";
});

describe("App", () => {
  it("shows what the backend reports", async () => {
    render(App, { backend: backendReturning({ version: "1.2.3", endpointCount: 97, serverUrl: null }) });
    expect(await screen.findByTestId("app-version")).toHaveProperty("textContent", "1.2.3");
    expect(screen.getByTestId("endpoint-count").textContent).toBe("97 endpoints");
    expect(screen.getByTestId("server").textContent?.trim()).toBe("Built-in local server");
  });

  it("names a remote server and renders it as text, never as markup", async () => {
    const hostile = "https://evil.example/<img src=x onerror=alert(1)>";
    render(App, { backend: backendReturning({ version: "1", endpointCount: 1, serverUrl: hostile }) });
    const server = await screen.findByTestId("server");
    expect(server.textContent?.trim()).toBe(hostile);
    expect(server.querySelector("img")).toBeNull();
  });

  it("speaks Hungarian when asked", async () => {
    locale.language = "hu";
    render(App, { backend: backendReturning({ version: "1", endpointCount: 97, serverUrl: null }) });
    expect((await screen.findByTestId("endpoint-count")).textContent).toBe("97 végpont");
  });

  it("shows a failing backend as an error, not a blank window", async () => {
    render(App, { backend: Promise.reject(new Error("no core")) });
    const status = await screen.findByRole("alert");
    expect(status.textContent).toContain("no core");
  });
});

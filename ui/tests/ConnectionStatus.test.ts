// The connection in the sidebar's header, and the catching up after a connect shown there.
import { cleanup, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { createMemoryBackend } from "../src/backend/memory";
import ConnectionStatus from "../src/components/ConnectionStatus.svelte";
import { locale } from "../src/i18n/index.svelte";

afterEach(() => {
  cleanup();
  locale.language = "en";
});

describe("ConnectionStatus", () => {
  it("shows the state alone when nothing is being caught up", () => {
    render(ConnectionStatus, { state: "online", catchingUp: null });
    expect(screen.getByTestId("connection").textContent?.trim()).toBe("Online");
    expect(screen.queryByRole("progressbar")).toBeNull();
  });

  it("shows how far catching up has come as a percent and an accessible progress bar", async () => {
    const view = render(ConnectionStatus, {
      state: "connecting",
      catchingUp: { stage: "changes", done: 420, total: 1000 },
    });
    const bar = screen.getByRole("progressbar", { name: "Catching up on what you missed" });
    expect(bar.getAttribute("aria-valuenow")).toBe("42");
    expect(bar.getAttribute("aria-valuemin")).toBe("0");
    expect(bar.getAttribute("aria-valuemax")).toBe("100");
    expect(screen.getByTestId("connection").textContent?.trim()).toBe("Catching up… 42%");

    await view.rerender({ state: "connecting", catchingUp: { stage: "conversations", done: 3, total: 4 } });
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("75");
    expect(screen.getByTestId("connection").textContent?.trim()).toBe("Checking conversations… 75%");

    await view.rerender({ state: "connecting", catchingUp: { stage: "resync", done: 0, total: 0 } });
    expect(screen.getByTestId("connection").textContent?.trim()).toBe("Reloading messages… 100%");
  });

  it("ends with the connection's next state", async () => {
    const view = render(ConnectionStatus, {
      state: "connecting",
      catchingUp: { stage: "conversations", done: 4, total: 4 },
    });
    await view.rerender({ state: "online", catchingUp: { stage: "conversations", done: 4, total: 4 } });
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect(screen.getByTestId("connection").textContent?.trim()).toBe("Online");
  });

  it("speaks Hungarian too", () => {
    locale.language = "hu";
    render(ConnectionStatus, { state: "connecting", catchingUp: { stage: "changes", done: 1, total: 3 } });
    expect(screen.getByTestId("connection").textContent?.trim()).toBe("Felzárkózás… 33%");
    expect(screen.getByRole("progressbar", { name: "Felzárkózás a kimaradt változásokhoz" })).toBeTruthy();
  });
});

describe("the window's connection", () => {
  it("opened mid-catch-up shows where it stands, follows the progress, and ends online", async () => {
    const backend = createMemoryBackend();
    backend.signInAs("anna");
    backend.setConnection("connecting", { stage: "changes", done: 250, total: 1000 });
    render(App, { backend: Promise.resolve(backend) });
    const bar = await screen.findByRole("progressbar");
    expect(bar.getAttribute("aria-valuenow")).toBe("25");

    backend.setConnection("connecting", { stage: "conversations", done: 1, total: 2 });
    await waitFor(() => expect(screen.getByTestId("connection").textContent?.trim()).toBe("Checking conversations… 50%"));

    backend.setConnection("online", null);
    await waitFor(() => expect(screen.getByTestId("connection").textContent?.trim()).toBe("Online"));
    expect(screen.queryByRole("progressbar")).toBeNull();
  });
});

// The About dialog (version, server, log folder, the licences of what ships) and the keyboard
// shortcut sheet (Ctrl+/), on the in-memory backend.
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { createMemoryBackend } from "../src/backend/memory";
import About from "../src/components/About.svelte";
import licences from "../src/licences.json";

afterEach(() => cleanup());

describe("About", () => {
  it("shows the version, the server, the log folder and every shipped dependency's licence", async () => {
    render(About, { backend: createMemoryBackend(), onclose: () => {} });
    await waitFor(() => expect(screen.getByTestId("about-version").textContent).toBe("test"));
    expect(screen.getByTestId("about-server").textContent).toBe("Built-in local server");
    expect(screen.getByTestId("about-log-folder").textContent).toContain("logs");
    const rust = await screen.findByTestId("licences-rust");
    const npm = screen.getByTestId("licences-npm");
    expect(rust.querySelectorAll("li")).toHaveLength(licences.rust.length);
    expect(npm.querySelectorAll("li")).toHaveLength(licences.npm.length);
    for (const name of ["tauri", "tokio", "notify-rust"]) expect(rust.textContent).toContain(`${name} `);
    for (const name of ["svelte", "@tauri-apps/api", "@lucide/svelte"]) expect(npm.textContent).toContain(`${name} `);
  });

  it("the generated list names a licence for every dependency", () => {
    expect(licences.rust.length).toBeGreaterThan(100);
    for (const dependency of [...licences.rust, ...licences.npm]) expect(dependency.license).not.toBe("unknown");
  });
});

describe("the shortcut sheet", () => {
  it("opens with Ctrl+/ and closes again", async () => {
    render(App, { backend: Promise.resolve(createMemoryBackend()) });
    await waitFor(() => expect(screen.queryByTestId("sign-in")).toBeTruthy());
    await fireEvent.keyDown(window, { key: "/", ctrlKey: true });
    const sheet = screen.getByTestId("shortcuts");
    expect(sheet.textContent).toContain("Ctrl+K");
    expect(sheet.textContent).toContain("Show these shortcuts");
    await fireEvent.click(screen.getByTestId("shortcuts-close"));
    expect(screen.queryByTestId("shortcuts")).toBeNull();
  });
});

// The search box on the in-memory backend: Ctrl+Shift+F searches every chat, Ctrl+F the open
// one; a word typed without its accent finds it, the match is marked from ranges (as text), and
// opening a result shows and marks the message in its timeline.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { createMemoryBackend } from "../src/backend/memory";
import { searchMessages } from "../src/backend/memory-search";
import { locale } from "../src/i18n/index.svelte";

afterEach(() => {
  cleanup();
  locale.language = "en";
});

describe("search box", () => {
  it("finds a word without its accent everywhere, marks it, and opens the message", async () => {
    const backend = createMemoryBackend();
    backend.signInAs("me");
    backend.deliver("bruno", "Kérsz egy <b>kávét</b>?");
    backend.deliver("zoe", "nothing here");
    render(App, { backend: Promise.resolve(backend) });
    await waitFor(() => expect(screen.getAllByTestId("chat")).toHaveLength(2));

    await fireEvent.keyDown(window, { key: "F", ctrlKey: true, shiftKey: true });
    expect(screen.getByTestId("search-scope").textContent).toBe("In every conversation");
    await fireEvent.input(screen.getByTestId("search-input"), { target: { value: "kave" } });
    const result = await screen.findByTestId("search-result");
    expect(within(result).getByTestId("search-result-author").textContent).toBe("bruno");
    expect(within(result).getByTestId("search-result-conversation").textContent).toBe("bruno");
    expect(within(result).getByTestId("search-match").textContent).toBe("kávét");
    // The message's markup is text in the snippet.
    expect(within(result).getByTestId("search-snippet").textContent).toBe("Kérsz egy <b>kávét</b>?");
    expect(result.querySelector("b")).toBeNull();

    await fireEvent.click(result);
    expect(screen.queryByTestId("search")).toBeNull();
    expect((await screen.findByTestId("dm-title")).textContent).toBe("bruno");
    await waitFor(() => {
      const row = screen.getAllByTestId("message").find((m) => m.dataset.msgid === result.dataset.msgid);
      expect(row?.classList.contains("highlighted")).toBe(true);
    });
  });

  it("Ctrl+F searches only the open chat, in Hungarian", async () => {
    locale.language = "hu";
    const backend = createMemoryBackend();
    backend.signInAs("me");
    backend.deliver("bruno", "alma a fa alatt");
    backend.deliver("zoe", "almás pite");
    render(App, { backend: Promise.resolve(backend) });
    const zoe = (await screen.findAllByTestId("chat")).find((c) => c.textContent?.includes("zoe"))!;
    await fireEvent.click(within(zoe).getByTestId("open-chat"));
    await screen.findByTestId("dm-title");
    await fireEvent.keyDown(window, { key: "f", ctrlKey: true });
    expect(screen.getByTestId("search-scope").textContent).toBe("Itt: zoe");
    await fireEvent.input(screen.getByTestId("search-input"), { target: { value: "alma" } });
    await waitFor(() => expect(screen.getAllByTestId("search-result")).toHaveLength(1));
    expect(screen.getByTestId("search-match").textContent).toBe("almás");
    await fireEvent.click(screen.getByTestId("search-everywhere"));
    await waitFor(() => expect(screen.getAllByTestId("search-result")).toHaveLength(2));
    await fireEvent.keyDown(screen.getByTestId("search-input"), { key: "Escape" });
    expect(screen.queryByTestId("search")).toBeNull();
  });
});

describe("the in-memory backend's search", () => {
  it("folds accents both ways, needs every word as a prefix, and filters", () => {
    const at = (T: number) => ({ T, I: 0 });
    const all = [
      { conversation: { kind: "chat" as const, chatid: "c1" }, message: { msgid: "a", author: "u1", message: "Őszi kávé", sent_at: at(1), files: [] } },
      { conversation: { kind: "chat" as const, chatid: "c2" }, message: { msgid: "b", author: "u2", message: "kave es tea", sent_at: at(2), files: [] } },
    ];
    const ids = (request: Parameters<typeof searchMessages>[1]) => searchMessages(all, request).map((r) => r.msgid);
    expect(ids({ text: "kávé" })).toEqual(["b", "a"]);
    expect(ids({ text: "osz kav" })).toEqual(["a"]);
    expect(ids({ text: "kave", conversation: { kind: "chat", chatid: "c2" } })).toEqual(["b"]);
    expect(ids({ text: "kave", author: "u1" })).toEqual(["a"]);
    expect(ids({ text: "kave", hasAttachment: true })).toEqual([]);
    expect(ids({ text: " ... " })).toEqual([]);
  });
});

import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import corpus from "../e2e/hostile-corpus.json";
import { createMemoryBackend } from "../src/backend/memory";
import DmView from "../src/components/DmView.svelte";

afterEach(() => cleanup());

/** Lets the list finish placing itself after new rows (it scrolls to the newest on a tick). */
async function settled() {
  await tick();
  await tick();
}

/** Every message text the timeline renders while scrolled from the top to the bottom. */
async function textsWhileScrolling(container: HTMLElement): Promise<(string | null)[]> {
  const viewport = screen.getByTestId("virtual-viewport");
  const total = parseFloat(container.querySelector("ol")!.style.height);
  const seen = new Map<string, string | null>();
  for (let top = 0; top <= total; top += 300) {
    viewport.scrollTop = top;
    await fireEvent.scroll(viewport);
    for (const row of container.querySelectorAll<HTMLElement>("li[data-key]")) {
      seen.set(row.dataset.key!, row.querySelector('[data-testid="message-text"]')?.textContent ?? null);
    }
  }
  return [...seen.values()];
}

/** SVG elements that are not one of the app's icons: an icon is `svg.lucide-icon`, hidden from
 * screen readers, made of plain shapes only, with no event handler or link anywhere. */
function foreignSvg(container: HTMLElement): string[] {
  const shapes = new Set(["path", "circle", "rect", "line", "polyline", "polygon", "ellipse"]);
  const found: string[] = [];
  for (const svg of container.querySelectorAll("svg")) {
    const isIcon =
      svg.classList.contains("lucide-icon") &&
      svg.getAttribute("aria-hidden") === "true" &&
      [...svg.children].every((child) => shapes.has(child.tagName.toLowerCase()) && child.children.length === 0) &&
      [svg, ...svg.children].every((element) =>
        [...element.attributes].every((a) => !a.name.startsWith("on") && !/href/i.test(a.name)),
      );
    if (!isIcon) found.push(svg.outerHTML.slice(0, 120));
  }
  return found;
}

async function chatWith(history: number, text: (n: number) => string = (n) => `message ${n}`) {
  const backend = createMemoryBackend();
  const me = backend.signInAs("me");
  backend.seedHistory("bela", history, text);
  const [contact] = await backend.chatList();
  return { backend, me, contact: contact! };
}

describe("DmView", () => {
  it("keeps a bounded number of rows in the DOM at 100,000 messages, wherever it is scrolled", async () => {
    const { backend, me, contact } = await chatWith(100_000);
    const { container } = render(DmView, { backend, contact, me });
    await waitFor(() => expect(container.querySelectorAll('[data-testid="message"]').length).toBeGreaterThan(0));
    await settled();
    const rows = () => container.querySelectorAll('[data-testid="message"]');
    // A 600px viewport of 64px rows plus the overscan on both sides: well under 40.
    expect(rows().length).toBeLessThan(40);
    const list = container.querySelector("ol")!;
    expect(parseFloat(list.style.height)).toBeGreaterThan(100_000 * 60);

    const viewport = screen.getByTestId("virtual-viewport");
    for (const fraction of [0.5, 0.999, 0]) {
      viewport.scrollTop = Math.floor(parseFloat(list.style.height) * fraction);
      await fireEvent.scroll(viewport);
      await waitFor(() => {
        const indices = [...container.querySelectorAll<HTMLElement>("li[data-index]")].map((li) => Number(li.dataset.index));
        expect(Math.abs(indices[0]! - 100_000 * fraction)).toBeLessThan(20);
      });
      expect(rows().length).toBeLessThan(40);
    }
  });

  it("renders hostile texts as text, never as markup", async () => {
    const { backend, me, contact } = await chatWith(corpus.length, (n) => corpus[n]!);
    const { container } = render(DmView, { backend, contact, me });
    await waitFor(() => expect(container.querySelectorAll('[data-testid="message-text"]').length).toBeGreaterThan(0));
    await settled();
    expect(await textsWhileScrolling(container)).toEqual(corpus);
    expect(container.querySelector("script, iframe, object, img, details, [onerror], [onload]")).toBeNull();
    // The only SVG is the app's own icons (decorative, drawn from lucide's shapes); a message
    // text holds no element at all.
    expect(foreignSvg(container)).toEqual([]);
    for (const text of container.querySelectorAll('[data-testid="message-text"]')) expect(text.children).toHaveLength(0);
  });

  it("shows a partner's message live, replies to it and edits the reply", async () => {
    const { backend, me, contact } = await chatWith(1);
    render(DmView, { backend, contact, me });
    await screen.findByText("message 0");
    backend.deliver("bela", "are you there?");
    const incoming = await screen.findByText("are you there?");
    const row = incoming.closest("article")!;
    await fireEvent.click(row.querySelector('[data-testid="reply"]')!);
    expect(screen.getByTestId("replying").textContent).toContain("are you there?");
    const composer = screen.getByTestId("composer");
    await fireEvent.input(composer, { target: { value: "yes" } });
    await fireEvent.keyDown(composer, { key: "Enter" });
    const mine = (await screen.findByText("yes")).closest("article")!;
    expect(mine.querySelector('[data-testid="reply-quote"]')?.textContent).toContain("are you there?");
    await fireEvent.click(mine.querySelector('[data-testid="edit"]')!);
    await fireEvent.input(composer, { target: { value: "yes, here" } });
    await fireEvent.keyDown(composer, { key: "Enter" });
    await screen.findByText("yes, here");
    expect(mine.querySelector('[data-testid="edited-mark"]')).not.toBeNull();
  });
});

describe("attachments", () => {
  // jsdom's File has no arrayBuffer(); the webview's and Chromium's do.
  const file = (name: string) => {
    const bytes = new Uint8Array([137, 80, 78, 71]);
    return Object.assign(new File([bytes], name, { type: "image/png" }), { arrayBuffer: async () => bytes.buffer });
  };

  it("come by drag and drop and by paste, show a preview, and are sent with the message", async () => {
    const { backend, me, contact } = await chatWith(1);
    // jsdom has no object URLs; the preview only needs some URL.
    URL.createObjectURL ??= () => "blob:test";
    URL.revokeObjectURL ??= () => {};
    render(DmView, { backend, contact, me });
    await screen.findByText("message 0");
    await fireEvent.drop(screen.getByTestId("dm-view"), { dataTransfer: { files: [file("dot.png")] } });
    await fireEvent.paste(screen.getByTestId("composer"), { clipboardData: { files: [file("")] } });
    await waitFor(() => expect(screen.getAllByTestId("ready-attachment")).toHaveLength(2));
    expect(screen.getAllByTestId("ready-attachment")[0]!.querySelector("img")).not.toBeNull();
    await fireEvent.input(screen.getByTestId("composer"), { target: { value: "two files" } });
    await fireEvent.click(screen.getByTestId("send"));
    const sent = (await screen.findByText("two files")).closest("article")!;
    expect([...sent.querySelectorAll('[data-testid="attachment"], [data-testid="image-preview"]')]).toHaveLength(2);
    expect(screen.queryByTestId("ready-attachment")).toBeNull();
  });
});

describe("jumping", () => {
  it("brings a pinned message far back into view from the pinned list", async () => {
    const { backend, me, contact } = await chatWith(500);
    const { container } = render(DmView, { backend, contact, me });
    await waitFor(() => expect(container.querySelectorAll('[data-testid="message"]').length).toBeGreaterThan(0));
    await settled();
    const viewport = screen.getByTestId("virtual-viewport");
    const [first] = await backend.openChat(contact.chatid);
    if (first?.kind !== "message") throw new Error("no first message");
    await backend.setPinned(contact.chatid, first.message.msgid, true);
    await fireEvent.click(screen.getByTestId("show-pinned"));
    viewport.scrollTop = 400 * 64;
    await fireEvent.scroll(viewport);
    await fireEvent.click(await screen.findByTestId("pinned-item"));
    await waitFor(() => expect(container.querySelector(`[data-msgid="${first.message.msgid}"]`)).not.toBeNull());
    expect(viewport.scrollTop).toBe(0);
  });
});

describe("back-paging", () => {
  it("loads older pages at the top, keeping the reader's place, until the start", async () => {
    const backend = createMemoryBackend({ pageSize: 50 });
    const me = backend.signInAs("me");
    backend.seedHistory("bela", 120, (n) => `message ${n}`);
    const [contact] = await backend.chatList();
    const { container } = render(DmView, { backend, contact: contact!, me });
    const keys = () => [...container.querySelectorAll<HTMLElement>("li[data-key]")].map((li) => li.dataset.key);
    const count = () => parseFloat(container.querySelector("ol")!.style.height) / 64;
    await waitFor(() => expect(count()).toBeGreaterThanOrEqual(50));
    await settled();
    const viewport = screen.getByTestId("virtual-viewport");
    // jsdom has no layout, so the list may already have reached the top once; page until the
    // start, each page landing above the row that was at the top.
    for (let page = 0; page < 3 && count() < 120; page++) {
      const before = count();
      viewport.scrollTop = 0;
      await fireEvent.scroll(viewport);
      await waitFor(() => expect(count()).toBeGreaterThan(before));
      await settled();
      expect(viewport.scrollTop).toBe((count() - before) * 64);
      expect(keys().length).toBeGreaterThan(0);
    }
    viewport.scrollTop = 0;
    await fireEvent.scroll(viewport);
    await settled();
    expect(count()).toBe(120);
    expect(screen.getByText("message 0")).toBeTruthy();
  });
});

describe("a long chat's window", () => {
  /** jsdom has no layout: the viewport is given a height and its content's, so reaching the top
   * and the bottom mean what they mean in a window. */
  function laidOut(viewport: HTMLElement, list: () => HTMLElement) {
    Object.defineProperty(viewport, "clientHeight", { configurable: true, get: () => 600 });
    Object.defineProperty(viewport, "scrollHeight", { configurable: true, get: () => parseFloat(list().style.height) });
  }

  it("keeps at most the window while paging back and forward, on the reader's row, and detaches from the live end", async () => {
    const backend = createMemoryBackend({ pageSize: 50, windowSize: 150 });
    const me = backend.signInAs("me");
    backend.seedHistory("bela", 250, (n) => `message ${n}`);
    const [contact] = await backend.chatList();
    const { container } = render(DmView, { backend, contact: contact!, me });
    const viewport = screen.getByTestId("virtual-viewport");
    const list = () => container.querySelector("ol")!;
    laidOut(viewport, list);
    const count = () => parseFloat(list().style.height) / 64;
    /** The text of the row at `y` (every row is 64px without layout), if it is rendered. */
    const textAt = (y: number) =>
      container.querySelector(`li[data-index="${Math.floor(y / 64)}"] [data-testid="message-text"]`)?.textContent;
    /** Scrolls to `y` and lets the list render there. */
    const scrollTo = async (y: number) => {
      viewport.scrollTop = y;
      await fireEvent.scroll(viewport);
      await settled();
    };
    await waitFor(() => expect(count()).toBe(50));
    await settled();

    // Back to the start, a page at a time: never more than the window, and the row that was at
    // the top stays at the top.
    for (let page = 0; page < 4; page++) {
      // Near the top (not at it), to see which row the top is.
      await scrollTo(3 * 64);
      const top = textAt(0);
      expect(top).toBeTruthy();
      await scrollTo(0);
      await waitFor(() => expect(viewport.scrollTop).toBeGreaterThan(0));
      await settled();
      expect(count()).toBeLessThanOrEqual(150);
      expect(viewport.scrollTop).toBe(50 * 64);
      expect(textAt(viewport.scrollTop)).toBe(top);
    }
    await scrollTo(0);
    expect(screen.getByText("message 0")).toBeTruthy();
    expect(count()).toBe(150);
    // The newest were dropped: a live message waits, and "Jump to the newest" is offered.
    expect(screen.getByTestId("jump-to-latest")).toBeTruthy();
    backend.deliver("bela", "while you read the start");
    await settled();
    expect(screen.queryByText("while you read the start")).toBeNull();

    // Forward again to the live end: the oldest go, the reader stays on their row.
    for (let page = 0; page < 5 && screen.queryByTestId("jump-to-latest"); page++) {
      const bottom = parseFloat(list().style.height) - 600;
      await scrollTo(bottom - 3 * 64);
      const top = textAt(bottom);
      expect(top).toBeTruthy();
      await scrollTo(bottom);
      await settled();
      expect(count()).toBeLessThanOrEqual(150);
      expect(textAt(viewport.scrollTop)).toBe(top);
    }
    await waitFor(() => expect(screen.queryByTestId("jump-to-latest")).toBeNull());
    viewport.scrollTop = parseFloat(list().style.height) - 600;
    await fireEvent.scroll(viewport);
    await screen.findByText("while you read the start");
    expect(count()).toBe(150);
  }, 30_000);
});

describe("sends", () => {
  it("show a pending echo at once and a clear mark when refused", async () => {
    const { default: MessageRow } = await import("../src/components/MessageRow.svelte");
    const pending = { clientKey: "k", chatid: "c", text: "on its way", replyToId: null, fileIds: [], queuedAt: { T: 1, I: 0 }, failure: null };
    const noop = () => {};
    const handlers = { onreply: noop, onedit: noop, onpin: noop, onselect: noop, onjump: noop, onretry: noop, ondiscard: noop };
    const sending = render(MessageRow, { entry: { kind: "pending", pending }, me: "me", selected: false, ...handlers });
    expect(screen.getByTestId("pending-message").dataset.state).toBe("sending");
    expect(screen.queryByTestId("send-failed")).toBeNull();
    sending.unmount();
    render(MessageRow, { entry: { kind: "pending", pending: { ...pending, failure: "messageTooLong" } }, me: "me", selected: false, ...handlers });
    expect(screen.getByTestId("pending-message").dataset.state).toBe("failed");
    expect(screen.getByTestId("send-failed").textContent).toContain("Not sent");
  });
});

describe("refused sends", () => {
  it("are retried into a sent message, or discarded, from the failed echo", async () => {
    const { backend, me, contact } = await chatWith(1);
    render(DmView, { backend, contact, me });
    await screen.findByText("message 0");
    const composer = screen.getByTestId("composer");
    backend.refuseNextSend("notFound");
    await fireEvent.input(composer, { target: { value: "try again" } });
    await fireEvent.keyDown(composer, { key: "Enter" });
    backend.refuseNextSend("messageTooLong");
    await fireEvent.input(composer, { target: { value: "give up" } });
    await fireEvent.keyDown(composer, { key: "Enter" });
    await waitFor(() => expect(screen.getAllByTestId("send-failed")).toHaveLength(2));
    expect(screen.getAllByTestId("send-failed")[1]!.textContent).toContain("Not sent");

    const [first, second] = screen.getAllByTestId("pending-message");
    await fireEvent.click(second!.querySelector('[data-testid="discard-send"]')!);
    await waitFor(() => expect(screen.getAllByTestId("pending-message")).toHaveLength(1));
    expect(screen.queryByText("give up")).toBeNull();
    await fireEvent.click(first!.querySelector('[data-testid="retry-send"]')!);
    await waitFor(() => expect(screen.queryAllByTestId("pending-message")).toHaveLength(0));
    expect(screen.getByText("try again").closest('[data-testid="message"]')).toBeTruthy();
  });
});

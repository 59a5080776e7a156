// The shell on the in-memory backend: the navigation rail, the quick switcher (Ctrl+K),
// Alt+Up/Down between conversations, the coming-soon screens, and the timeline's keyboard and
// hover actions (Up edits my last message, Esc cancels, delete asks once more, copy).
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import corpus from "../e2e/hostile-corpus.json";
import App from "../src/App.svelte";
import { createMemoryBackend } from "../src/backend/memory";
import DmView from "../src/components/DmView.svelte";
import NavRail from "../src/components/NavRail.svelte";
import QuickSwitcher from "../src/components/QuickSwitcher.svelte";
import type { SwitcherItem } from "../src/lib/navigation";

afterEach(() => cleanup());

const me = { userid: "u-me", username: "me", displayName: "Me Myself", pfp: null };

describe("NavRail", () => {
  it("names every entry, marks the current one, and shows no cascade list until there are cascades", async () => {
    const onnavigate = vi.fn();
    const rail = render(NavRail, { current: "chats", me, offers: 2, unreadChats: 3, onnavigate, onquickswitch: () => {} });
    const nav = screen.getByRole("navigation");
    for (const name of ["Chats", "Discover", "Pictures", "Transfers", "Me Myself"]) {
      expect(within(nav).getByRole("button", { name: new RegExp(name) })).toBeTruthy();
    }
    expect(screen.getByTestId("nav-chats").getAttribute("aria-current")).toBe("page");
    expect(screen.getByTestId("nav-account").textContent?.trim()).toBe("Me Myself");
    expect(screen.getByTestId("offer-count").textContent).toBe("2");
    expect(screen.getByTestId("chats-unread").textContent).toContain("3 unread");
    expect(screen.queryByTestId("rail-cascades")).toBeNull();
    await fireEvent.click(screen.getByTestId("nav-discover"));
    expect(onnavigate).toHaveBeenCalledWith("discover");

    const onopencascade = vi.fn();
    await rail.rerender({
      current: null,
      me,
      onnavigate,
      onquickswitch: () => {},
      cascades: [{ id: "c1", name: "Book Club", picture: null, unread: 4 }],
      currentCascade: "c1",
      onopencascade,
    });
    const cascade = within(screen.getByTestId("rail-cascades")).getByRole("button", { name: /Book Club/ });
    expect(cascade.getAttribute("aria-current")).toBe("page");
    expect(cascade.textContent).toContain("4");
    await fireEvent.click(cascade);
    expect(onopencascade).toHaveBeenCalledWith("c1");
  });
});

describe("QuickSwitcher", () => {
  const opened: string[] = [];
  const item = (label: string): SwitcherItem => ({
    key: label,
    label,
    detail: `@${label.toLowerCase()}`,
    avatar: { id: label, picture: null },
    open: () => opened.push(label),
  });

  it("filters as you type, picks with the arrow keys and Enter, and closes on Esc", async () => {
    const onclose = vi.fn();
    render(QuickSwitcher, { items: [item("Bruno"), item("Zoé"), item("Béla")], onclose });
    const input = screen.getByRole("combobox");
    expect(document.activeElement).toBe(input);
    expect(screen.getAllByRole("option")).toHaveLength(3);
    await fireEvent.input(input, { target: { value: "b" } });
    expect(screen.getAllByRole("option").map((o) => o.textContent?.trim().split(/\s+/)[0])).toEqual(["Bruno", "Béla"]);
    await fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(screen.getAllByRole("option")[1]!.getAttribute("aria-selected")).toBe("true");
    expect(input.getAttribute("aria-activedescendant")).toBe(screen.getAllByRole("option")[1]!.id);
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(opened).toEqual(["Béla"]);
    expect(onclose).toHaveBeenCalledTimes(1);
    await fireEvent.keyDown(input, { key: "Escape" });
    expect(onclose).toHaveBeenCalledTimes(2);
  });

  it("shows hostile names as text", () => {
    const { container } = render(QuickSwitcher, { items: corpus.map((text, i) => ({ ...item(text), key: `k${i}` })), onclose: () => {} });
    const labels = [...container.querySelectorAll(".label")].map((l) => l.textContent);
    expect(labels).toEqual(corpus);
    expect(container.querySelector("script, iframe, object, img, [onerror], [onload]")).toBeNull();
  });
});

describe("App shell", () => {
  it("opens the switcher with Ctrl+K and jumps to the chosen chat; Alt+Up/Down moves between chats", async () => {
    const backend = createMemoryBackend();
    backend.signInAs("me");
    backend.deliver("bruno", "from bruno");
    backend.deliver("zoe", "from zoe");
    render(App, { backend: Promise.resolve(backend) });
    await waitFor(() => expect(screen.getAllByTestId("chat")).toHaveLength(2));

    await fireEvent.keyDown(window, { key: "k", ctrlKey: true });
    const input = await screen.findByTestId("switcher-input");
    await fireEvent.input(input, { target: { value: "bru" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    expect((await screen.findByTestId("dm-title")).textContent).toBe("bruno");
    expect(screen.queryByTestId("switcher")).toBeNull();

    // The list is newest first: zoe, then bruno.
    await fireEvent.keyDown(window, { key: "ArrowUp", altKey: true });
    await waitFor(() => expect(screen.getByTestId("dm-title").textContent).toBe("zoe"));
    await fireEvent.keyDown(window, { key: "ArrowUp", altKey: true });
    await waitFor(() => expect(screen.getByTestId("dm-title").textContent).toBe("bruno"));
    await fireEvent.keyDown(window, { key: "ArrowDown", altKey: true });
    await waitFor(() => expect(screen.getByTestId("dm-title").textContent).toBe("zoe"));
  });

  it("shows Discover, Pictures, and the chats again from the rail", async () => {
    const backend = createMemoryBackend();
    backend.signInAs("me");
    render(App, { backend: Promise.resolve(backend) });
    await fireEvent.click(await screen.findByTestId("nav-discover"));
    expect(screen.getByTestId("discover-screen").textContent).toContain("Public cascades");
    await fireEvent.click(screen.getByTestId("nav-pictures"));
    // Pictures was a coming-soon screen until the galleries (issue 12); now it opens on Discover.
    expect(screen.getByTestId("pictures-screen").textContent).toContain("Most liked");
    await fireEvent.click(screen.getByTestId("nav-chats"));
    expect(screen.getByTestId("chat-list")).toBeTruthy();
  });

  it("no longer shows the contract's endpoint count on the sign-in screen until About is opened", async () => {
    const backend = createMemoryBackend();
    render(App, { backend: Promise.resolve(backend) });
    const about = (await screen.findByTestId("app-info")).closest("details")!;
    expect(about.open).toBe(false);
    expect(screen.getByTestId("sign-in").textContent).not.toContain("endpoints");
  });
});

describe("timeline actions", () => {
  async function chat() {
    const backend = createMemoryBackend();
    const user = backend.signInAs("me");
    backend.deliver("bela", "hello");
    const [contact] = await backend.chatList();
    render(DmView, { backend, contact: contact!, me: user });
    await screen.findByText("hello");
    const composer = screen.getByTestId("composer");
    await fireEvent.input(composer, { target: { value: "first of mine" } });
    await fireEvent.keyDown(composer, { key: "Enter" });
    await screen.findByText("first of mine");
    await fireEvent.input(composer, { target: { value: "last of mine" } });
    await fireEvent.keyDown(composer, { key: "Enter" });
    await screen.findByText("last of mine");
    return { backend, composer };
  }

  it("Up in the empty composer edits my last message, and Esc cancels the edit", async () => {
    const { composer } = await chat();
    await fireEvent.keyDown(composer, { key: "ArrowUp" });
    expect(screen.getByTestId("editing")).toBeTruthy();
    expect((composer as HTMLTextAreaElement).value).toBe("last of mine");
    await fireEvent.keyDown(composer, { key: "Escape" });
    expect(screen.queryByTestId("editing")).toBeNull();
    expect((composer as HTMLTextAreaElement).value).toBe("");
  });

  it("Esc anywhere cancels a reply", async () => {
    await chat();
    const row = screen.getByText("hello").closest("article")!;
    await fireEvent.click(within(row).getByTestId("reply"));
    expect(screen.getByTestId("replying")).toBeTruthy();
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByTestId("replying")).toBeNull();
  });

  it("groups my consecutive messages under one name, with a day separator above the first row", async () => {
    await chat();
    expect(screen.getAllByTestId("day-separator")).toHaveLength(1);
    expect(screen.getAllByTestId("message-author").map((a) => a.textContent)).toEqual(["bela", "me"]);
  });

  it("deletes my message after a second click, and copies a message's text", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await chat();
    const hello = screen.getByText("hello").closest("article")!;
    expect(within(hello).queryByTestId("delete-message")).toBeNull();
    await fireEvent.click(within(hello).getByTestId("copy"));
    expect(writeText).toHaveBeenCalledWith("hello");

    const mine = screen.getByText("first of mine").closest("article")!;
    await fireEvent.click(within(mine).getByTestId("delete-message"));
    await fireEvent.click(within(mine).getByTestId("confirm-delete-message"));
    await waitFor(() => expect(screen.queryByText("first of mine")).toBeNull());
    expect(screen.getByText("last of mine")).toBeTruthy();
  });
});

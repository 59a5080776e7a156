import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import corpus from "../e2e/hostile-corpus.json";
import App from "../src/App.svelte";
import { createMemoryBackend, type MemoryBackend } from "../src/backend/memory";
import ThreadTree from "../src/components/ThreadTree.svelte";
import ThreadView from "../src/components/ThreadView.svelte";
import { ThreadIndex } from "../src/lib/cascades.svelte";

afterEach(() => cleanup());

async function signedIn(): Promise<MemoryBackend> {
  const backend = createMemoryBackend();
  backend.signInAs("me");
  render(App, { backend: Promise.resolve(backend) });
  await screen.findByTestId("nav-rail");
  return backend;
}

async function write(text: string) {
  const composer = screen.getByTestId("composer");
  await fireEvent.input(composer, { target: { value: text } });
  await fireEvent.keyDown(composer, { key: "Enter" });
}

/** Creates a cascade from Discover and opens it. */
async function createCascade(name: string, isPublic = false) {
  await fireEvent.click(screen.getByTestId("nav-discover"));
  await fireEvent.click(await screen.findByTestId("create-cascade"));
  await fireEvent.input(screen.getByTestId("new-cascade-name"), { target: { value: name } });
  if (isPublic) await fireEvent.click(screen.getByTestId("new-cascade-public"));
  await fireEvent.submit(screen.getByTestId("create-cascade-form"));
  await screen.findByTestId("thread-tree");
}

async function startThread(name: string, parent?: HTMLElement) {
  await fireEvent.click(parent ? within(parent).getAllByTestId("new-subthread")[0]! : screen.getByTestId("new-thread"));
  await fireEvent.input(screen.getByTestId("thread-name"), { target: { value: name } });
  await fireEvent.submit(screen.getByTestId("thread-form"));
  await waitFor(() => expect(screen.getByTestId("thread-title").textContent).toBe(name));
}

const threadRow = (name: string) => screen.getAllByTestId("thread-item").find((li) => li.dataset.name === name)!;

describe("cascades", () => {
  it("creates a cascade shown in the rail with its initials, starts a thread and a subthread, and writes in them", async () => {
    await signedIn();
    await createCascade("Book club");
    const rail = screen.getByTestId("rail-cascades");
    expect(within(rail).getByText("Book club")).toBeTruthy();
    expect(rail.querySelector('[data-initials="BC"]')).toBeTruthy();
    expect(screen.getByTestId("cascade-title").textContent).toBe("Book club");
    await startThread("General");
    await write("hello thread");
    await screen.findByText("hello thread");
    await startThread("Spoilers", threadRow("General"));
    // The subthread sits inside its parent's item.
    expect(within(threadRow("General")).getByText("Spoilers")).toBeTruthy();
    await write("in the subthread");
    await screen.findByText("in the subthread");
    expect(screen.queryByText("hello thread")).toBeNull();
  });

  it("shows another member's thread messages live; replies, edits, pins and deletes in a thread", async () => {
    const backend = await signedIn();
    await createCascade("Club");
    await startThread("General");
    const [cascade] = await backend.cascadeList();
    const [thread] = await backend.threads(cascade!.cascadeId, null);
    backend.joinAs("bela", cascade!.cascadeId);
    backend.threadMessageFrom("bela", cascade!.cascadeId, thread!.threadId, "hi from bela");
    const incoming = (await screen.findByText("hi from bela")).closest("article")!;
    expect(incoming.textContent).toContain("bela");
    await fireEvent.click(incoming.querySelector('[data-testid="reply"]')!);
    await write("hi bela");
    const mine = (await screen.findByText("hi bela")).closest("article")!;
    expect(mine.querySelector('[data-testid="reply-quote"]')?.textContent).toContain("hi from bela");
    await fireEvent.click(mine.querySelector('[data-testid="edit"]')!);
    await write("hi, bela");
    const edited = (await screen.findByText("hi, bela")).closest("article")!;
    await fireEvent.click(edited.querySelector('[data-testid="pin"]')!);
    await fireEvent.click(screen.getByTestId("show-pinned"));
    expect(within(await screen.findByTestId("pinned-list")).getByText("hi, bela")).toBeTruthy();
    await fireEvent.click(screen.getByTestId("show-pinned"));
    const row = (await screen.findByText("hi, bela")).closest("article")!;
    await fireEvent.click(row.querySelector('[data-testid="delete-message"]')!);
    await fireEvent.click(await within(row).findByTestId("confirm-delete-message"));
    await waitFor(() => expect(screen.queryByText("hi, bela")).toBeNull());
  });

  it("counts unread thread messages on the thread and the cascade, and a notification's click opens the thread", async () => {
    const backend = await signedIn();
    const made = backend.cascadeBy("bela", "Bela's place", true);
    backend.joinAs("me", made.cascadeId);
    const thread = backend.threadBy("bela", made.cascadeId, "News");
    const rail = await screen.findByTestId("rail-cascades");
    backend.threadMessageFrom("bela", made.cascadeId, thread.threadId, "breaking");
    await waitFor(() => expect(within(rail).getByText("1")).toBeTruthy());
    backend.clickThreadNotification(made.cascadeId, thread.threadId);
    await screen.findByText("breaking");
    expect(screen.getByTestId("thread-title").textContent).toBe("News");
    await waitFor(() => expect(within(rail).queryByText("1")).toBeNull());
  });

  it("kicks and bans a member after a confirmation, lists the ban and unbans", async () => {
    const backend = await signedIn();
    await createCascade("Moderated");
    const [cascade] = await backend.cascadeList();
    backend.joinAs("bela", cascade!.cascadeId);
    await fireEvent.click(screen.getByTestId("toggle-members"));
    const panel = await screen.findByTestId("members-panel");
    const bela = () => within(panel).getAllByTestId("member").find((m) => m.dataset.username === "bela");
    await waitFor(() => expect(bela()).toBeTruthy());
    // The owner's own row has no removal buttons.
    const mine = within(panel).getAllByTestId("member").find((m) => m.dataset.username === "me")!;
    expect(within(mine).queryByTestId("kick")).toBeNull();
    await fireEvent.click(within(bela()!).getByTestId("kick"));
    expect(within(bela()!).getByRole("alert").textContent).toContain("bela");
    await fireEvent.click(within(bela()!).getByTestId("confirm-remove"));
    await waitFor(() => expect(bela()).toBeUndefined());
    backend.joinAs("bela", cascade!.cascadeId);
    await waitFor(() => expect(bela()).toBeTruthy());
    await fireEvent.click(within(bela()!).getByTestId("ban"));
    await fireEvent.click(within(bela()!).getByTestId("confirm-remove"));
    await waitFor(() => expect(bela()).toBeUndefined());
    await fireEvent.click(within(panel).getByTestId("show-bans"));
    const bans = await within(panel).findByTestId("bans-list");
    expect(within(bans).getByText("bela")).toBeTruthy();
    await fireEvent.click(within(bans).getByTestId("unban"));
    await waitFor(() => expect(within(bans).queryByText("bela")).toBeNull());
  });

  it("shows a plain member no moderation, and tells them clearly when they are removed", async () => {
    const backend = await signedIn();
    const made = backend.cascadeBy("bela", "Strict", false);
    backend.joinAs("me", made.cascadeId);
    await fireEvent.click(await within(await screen.findByTestId("rail-cascades")).findByTestId("rail-cascade"));
    await fireEvent.click(screen.getByTestId("toggle-members"));
    const panel = await screen.findByTestId("members-panel");
    expect(within(panel).queryByTestId("kick")).toBeNull();
    expect(within(panel).queryByTestId("show-bans")).toBeNull();
    await fireEvent.click(screen.getByTestId("cascade-settings"));
    expect(screen.queryByTestId("invite-link")).toBeNull();
    expect(screen.queryByTestId("cascade-rename")).toBeNull();
    expect(screen.getByTestId("leave-cascade").textContent).toContain("Leave");
    backend.removeMe(made.cascadeId, true);
    expect((await screen.findByTestId("cascade-removed")).textContent).toContain("Strict");
    expect(screen.queryByTestId("rail-cascades")).toBeNull();
    expect(screen.queryByTestId("thread-tree")).toBeNull();
  });

  it("renames, makes public, copies the invite link, and deletes after a confirmation for the owner", async () => {
    const backend = await signedIn();
    let copied = "";
    Object.assign(navigator, { clipboard: { writeText: (text: string) => ((copied = text), Promise.resolve()) } });
    await createCascade("Old name");
    await fireEvent.click(screen.getByTestId("cascade-settings"));
    await fireEvent.click(screen.getByTestId("copy-invite"));
    await waitFor(() => expect(copied).toMatch(/^chatenium:\/\/invite\/.+/));
    await fireEvent.input(screen.getByTestId("cascade-rename"), { target: { value: "New name" } });
    await fireEvent.click(screen.getByTestId("save-cascade-name"));
    await waitFor(() => expect(screen.getByTestId("cascade-title").textContent).toBe("New name"));
    await fireEvent.click(screen.getByTestId("cascade-public"));
    await waitFor(async () => expect((await backend.cascadeList())[0]!.public).toBe(true));
    await fireEvent.click(screen.getByTestId("leave-cascade"));
    expect(screen.getByRole("alert").textContent).toContain("New name");
    await fireEvent.click(screen.getByTestId("confirm-leave"));
    await waitFor(() => expect(screen.queryByTestId("rail-cascades")).toBeNull());
    // Leaving is no removal: no notice.
    expect(screen.queryByTestId("cascade-removed")).toBeNull();
    expect(await backend.cascadeList()).toEqual([]);
  });

  it("lists public cascades with their insights in Discover and joins one", async () => {
    const backend = await signedIn();
    const made = backend.cascadeBy("bela", "Open house", true);
    backend.cascadeBy("bela", "Hidden", false);
    await fireEvent.click(screen.getByTestId("nav-discover"));
    const item = await screen.findByText("Open house");
    const row = item.closest("li")!;
    expect(row.textContent).toContain("Members: 1");
    expect(screen.queryByText("Hidden")).toBeNull();
    await fireEvent.click(within(row).getByTestId("join-public"));
    await waitFor(() => expect(screen.getByTestId("cascade-title").textContent).toBe("Open house"));
    expect((await backend.cascadeList()).map((c) => c.cascadeId)).toEqual([made.cascadeId]);
  });

  it("shows an opened invite link's preview and joins from it", async () => {
    const backend = await signedIn();
    const made = backend.cascadeBy("bela", "Invite only", false);
    const code = (await (async () => {
      // The owner's view carries the invite.
      backend.signInAs("bela");
      const [owned] = await backend.cascadeList();
      backend.signInAs("me");
      return owned!.invite!.code;
    })());
    backend.openInvite(code);
    const preview = await screen.findByTestId("invite-preview");
    expect(within(preview).getByTestId("preview-name").textContent).toBe("Invite only");
    await fireEvent.click(within(preview).getByTestId("join-invite"));
    await waitFor(() => expect(screen.getByTestId("cascade-title").textContent).toBe("Invite only"));
    expect((await backend.cascadeList())[0]!.cascadeId).toBe(made.cascadeId);
  });

  it("finds cascades and threads in the quick switcher", async () => {
    const backend = await signedIn();
    const made = backend.cascadeBy("bela", "Gardening", true);
    backend.joinAs("me", made.cascadeId);
    backend.threadBy("bela", made.cascadeId, "Tomatoes");
    await screen.findByTestId("rail-cascades");
    await fireEvent.keyDown(window, { key: "k", ctrlKey: true });
    const input = await screen.findByRole("combobox");
    await fireEvent.input(input, { target: { value: "tomat" } });
    const option = await screen.findByRole("option", { name: /Tomatoes/ });
    await fireEvent.click(option);
    await waitFor(() => expect(screen.getByTestId("thread-title").textContent).toBe("Tomatoes"));
  });
});

describe("hostile texts in cascades", () => {
  it("renders hostile cascade names, thread names and thread messages as text only", async () => {
    const backend = createMemoryBackend();
    const me = backend.signInAs("me");
    const made = backend.cascadeBy("bela", corpus[0]!, true);
    backend.joinAs("me", made.cascadeId);
    for (const text of corpus) backend.threadBy("bela", made.cascadeId, text);
    const thread = backend.threadBy("bela", made.cascadeId, "messages");
    backend.seedThread("bela", made.cascadeId, thread.threadId, corpus.length, (n) => corpus[n]!);
    const [cascade] = await backend.cascadeList();
    const index = new ThreadIndex();
    await index.load(backend, made.cascadeId);
    const tree = render(ThreadTree, {
      backend,
      cascade: cascade!,
      me,
      index,
      selected: null,
      unread: {},
      membersOpen: false,
      onselect: () => {},
      onsettings: () => {},
      onmembers: () => {},
    });
    const names = [...tree.container.querySelectorAll('[data-testid="thread-name-label"]')].map((n) => n.textContent);
    expect(names).toEqual([...corpus, "messages"]);
    expect(tree.getByTestId("cascade-title").textContent).toBe(corpus[0]);
    const view = render(ThreadView, { backend, cascade: cascade!, thread, me });
    await waitFor(() => expect(view.container.querySelectorAll('[data-testid="message-text"]').length).toBeGreaterThan(0));
    await tick();
    for (const text of view.container.querySelectorAll('[data-testid="message-text"]')) {
      expect(text.children).toHaveLength(0);
      expect(corpus).toContain(text.textContent);
    }
    for (const container of [tree.container, view.container]) {
      expect(container.querySelector("script, iframe, object, img, details, [onerror], [onload]")).toBeNull();
    }
    expect((window as unknown as { __pwned?: string }).__pwned).toBeUndefined();
  });

  it("keeps a bounded number of rows in the DOM for a thread of 100,000 messages", async () => {
    const backend = createMemoryBackend();
    const me = backend.signInAs("me");
    const made = backend.cascadeBy("bela", "Big", true);
    backend.joinAs("me", made.cascadeId);
    const thread = backend.threadBy("bela", made.cascadeId, "long");
    backend.seedThread("bela", made.cascadeId, thread.threadId, 100_000, (n) => `message ${n}`);
    const [cascade] = await backend.cascadeList();
    const { container } = render(ThreadView, { backend, cascade: cascade!, thread, me });
    await waitFor(() => expect(container.querySelectorAll("li[data-key]").length).toBeGreaterThan(0));
    expect(container.querySelectorAll("li[data-key]").length).toBeLessThan(200);
  });
});

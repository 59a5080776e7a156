import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { createMemoryBackend, type MemoryBackend } from "../src/backend/memory";
import { locale } from "../src/i18n/index.svelte";

afterEach(() => cleanup());

/** Signed in as "me" with a chat from bela and a cascade with a thread "General". */
async function world() {
  const backend: MemoryBackend = createMemoryBackend();
  const me = backend.signInAs("me");
  backend.deliver("bela", "worth a read");
  const cascade = await backend.createCascade("Book club", false, null);
  const thread = await backend.createThread(cascade.cascadeId, null, "General", null);
  render(App, { backend: Promise.resolve(backend) });
  await screen.findByTestId("nav-rail");
  return { backend, me, cascadeId: cascade.cascadeId, threadId: thread.threadId };
}

const target = (name: string) => screen.getAllByTestId("forward-target").find((li) => li.textContent?.includes(name));

describe("forwarding", () => {
  it("forwards a chat message into a thread picked through the filter, which names its author", async () => {
    const { backend, me } = await world();
    await fireEvent.click(await screen.findByTestId("open-chat"));
    const original = (await screen.findByText("worth a read", { selector: '[data-testid="message-text"]' })).closest("article")!;
    await fireEvent.click(within(original).getByTestId("forward"));
    const dialog = await screen.findByTestId("forward-dialog");
    await waitFor(() => expect(target("General")).toBeTruthy());
    // The chat the message is in is not a target; the thread says which cascade it is in.
    expect(target("bela")).toBeUndefined();
    expect(target("General")!.textContent).toContain("Thread in Book club");
    await fireEvent.input(within(dialog).getByTestId("forward-filter"), { target: { value: "zzz" } });
    expect(within(dialog).queryAllByTestId("forward-target")).toHaveLength(0);
    expect(dialog.textContent).toContain("No chat or thread matches.");
    await fireEvent.input(within(dialog).getByTestId("forward-filter"), { target: { value: "gen" } });
    await fireEvent.keyDown(within(dialog).getByTestId("forward-filter"), { key: "Enter" });
    await waitFor(() => expect(screen.queryByTestId("forward-dialog")).toBeNull());
    expect(screen.getByTestId("forward-done").textContent).toBe("Forwarded to General");

    // The forward is in the thread as my message, naming bela.
    await fireEvent.click(screen.getAllByTestId("rail-cascade")[0]!);
    await fireEvent.click(await screen.findByTestId("open-thread"));
    const forwarded = (await screen.findByText("worth a read", { selector: '[data-testid="message-text"]' })).closest("article")!;
    expect(within(forwarded).getByTestId("forwarded-from").textContent).toBe("Forwarded from bela");
    const [cascade] = await backend.cascadeList();
    const [thread] = await backend.threads(cascade!.cascadeId, null);
    const last = (await backend.openThread(cascade!.cascadeId, thread!.threadId)).at(-1);
    expect(last?.kind === "message" && [last.message.author, last.message.forwardedFromName]).toEqual([me.userid, "bela"]);
  });

  it("forwards a thread message into a chat, and Esc closes the dialog without forwarding", async () => {
    const { backend, cascadeId, threadId } = await world();
    backend.joinAs("cili", cascadeId);
    backend.threadMessageFrom("cili", cascadeId, threadId, "thread news");
    await fireEvent.click(screen.getAllByTestId("rail-cascade")[0]!);
    await fireEvent.click(await screen.findByTestId("open-thread"));
    const original = (await screen.findByText("thread news", { selector: '[data-testid="message-text"]' })).closest("article")!;

    await fireEvent.click(within(original).getByTestId("forward"));
    await waitFor(() => expect(target("bela")).toBeTruthy());
    await fireEvent.keyDown(screen.getByTestId("forward-filter"), { key: "Escape" });
    expect(screen.queryByTestId("forward-dialog")).toBeNull();

    await fireEvent.click(within(original).getByTestId("forward"));
    await waitFor(() => expect(target("bela")).toBeTruthy());
    expect(target("General")).toBeUndefined();
    await fireEvent.click(target("bela")!);
    await waitFor(() => expect(screen.queryByTestId("forward-dialog")).toBeNull());
    const [chat] = await backend.chatList();
    const messages = await backend.openChat(chat!.chatid);
    const last = messages.at(-1);
    expect(last?.kind === "message" && [last.message.message, last.message.forwardedFromName]).toEqual(["thread news", "cili"]);
  });

  it("says Forwarded from in Hungarian too", async () => {
    locale.language = "hu";
    try {
      expect(locale.t("forward.from", { name: "Béla" })).toBe("Továbbítva tőle: Béla");
    } finally {
      locale.language = "en";
    }
  });
});

// Muting a cascade on this device, a thread's description, Discover's paging, and the notice
// that says whether one was kicked or banned (and why), on the in-memory backend.
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { createMemoryBackend, type MemoryBackend } from "../src/backend/memory";

afterEach(() => cleanup());

async function signedIn(): Promise<MemoryBackend> {
  const backend = createMemoryBackend();
  backend.signInAs("me");
  render(App, { backend: Promise.resolve(backend) });
  await screen.findByTestId("nav-rail");
  return backend;
}

async function createCascade(name: string) {
  await fireEvent.click(screen.getByTestId("nav-discover"));
  await fireEvent.click(await screen.findByTestId("create-cascade"));
  await fireEvent.input(screen.getByTestId("new-cascade-name"), { target: { value: name } });
  await fireEvent.submit(screen.getByTestId("create-cascade-form"));
  await screen.findByTestId("thread-tree");
}

describe("cascade extras", () => {
  it("mutes a cascade on this device from its settings, and unmutes it", async () => {
    const backend = await signedIn();
    await createCascade("Quiet club");
    const [cascade] = await backend.cascadeList();
    await fireEvent.click(screen.getByTestId("cascade-settings"));
    const box = (await screen.findByTestId("cascade-muted")) as HTMLInputElement;
    await waitFor(() => expect(box.disabled).toBe(false));
    expect(box.checked).toBe(false);
    expect(screen.getByTestId("cascade-settings-page").textContent).toContain("unread messages are still counted");
    await fireEvent.click(box);
    await waitFor(async () => expect(await backend.mutedCascades()).toEqual([cascade!.cascadeId]));

    // Opened again, the page shows it muted; unticked, it is not.
    await fireEvent.click(screen.getByTestId("close-settings"));
    await fireEvent.click(screen.getByTestId("cascade-settings"));
    const again = (await screen.findByTestId("cascade-muted")) as HTMLInputElement;
    await waitFor(() => expect(again.checked).toBe(true));
    await fireEvent.click(again);
    await waitFor(async () => expect(await backend.mutedCascades()).toEqual([]));
  });

  it("starts a thread with a description, edits it, and clears it", async () => {
    await signedIn();
    await createCascade("Club");
    await fireEvent.click(screen.getByTestId("new-thread"));
    await fireEvent.input(screen.getByTestId("thread-name"), { target: { value: "General" } });
    await fireEvent.input(screen.getByTestId("thread-description"), { target: { value: "Anything goes" } });
    await fireEvent.submit(screen.getByTestId("thread-form"));
    await waitFor(() => expect(screen.getByTestId("thread-view").textContent).toContain("Anything goes"));

    await fireEvent.click(screen.getByTestId("rename-thread"));
    const description = screen.getByTestId("thread-description") as HTMLInputElement;
    expect(description.value).toBe("Anything goes");
    await fireEvent.input(description, { target: { value: "Books only" } });
    await fireEvent.submit(screen.getByTestId("thread-form"));
    await waitFor(() => expect(screen.getByTestId("thread-view").textContent).toContain("Books only"));
    await waitFor(() => expect(screen.queryByTestId("thread-form")).toBeNull());

    await fireEvent.click(screen.getByTestId("rename-thread"));
    await fireEvent.input(screen.getByTestId("thread-description"), { target: { value: "  " } });
    await fireEvent.submit(screen.getByTestId("thread-form"));
    await waitFor(() => expect(screen.getByTestId("thread-view").textContent).not.toContain("Books only"));
    expect(screen.getByTestId("thread-title").textContent).toBe("General");
  });

  it("pages Discover: Load more brings the next public cascades until the last page", async () => {
    const backend = await signedIn();
    for (let n = 0; n < 55; n++) backend.cascadeBy("zoe", `Public ${n}`, true);
    await fireEvent.click(screen.getByTestId("nav-discover"));
    await waitFor(() => expect(screen.getAllByTestId("discover-item")).toHaveLength(50));
    await fireEvent.click(screen.getByTestId("discover-more"));
    await waitFor(() => expect(screen.getAllByTestId("discover-item")).toHaveLength(55));
    expect(screen.getAllByTestId("discover-item").at(-1)?.dataset.name).toBe("Public 54");
    expect(screen.queryByTestId("discover-more")).toBeNull();
  });

  it("says whether the user was kicked or banned, with the ban's reason", async () => {
    const backend = await signedIn();
    const kicked = backend.cascadeBy("zoe", "Loud", false);
    const banned = backend.cascadeBy("zoe", "Strict", false);
    const plain = backend.cascadeBy("zoe", "Plain", false);
    for (const c of [kicked, banned, plain]) backend.joinAs("me", c.cascadeId);
    await waitFor(() => expect(screen.getAllByTestId("rail-cascade")).toHaveLength(3));

    backend.removeMe(kicked.cascadeId, false);
    expect((await screen.findByTestId("cascade-removed")).textContent).toContain(
      "You were removed from Loud by a moderator. You may join it again with an invite.",
    );
    backend.removeMe(banned.cascadeId, true, "spam");
    await waitFor(() =>
      expect(screen.getByTestId("cascade-removed").textContent).toContain("You were banned from Strict by a moderator. Reason: spam"),
    );
    backend.removeMe(plain.cascadeId, true);
    await waitFor(() => expect(screen.getByTestId("cascade-removed").textContent).toContain("You were banned from Plain by a moderator."));
    expect(screen.getByTestId("cascade-removed").textContent).not.toContain("Reason");
  });
});

import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { createMemoryBackend } from "../src/backend/memory";
import { locale } from "../src/i18n/index.svelte";

afterEach(() => {
  cleanup();
  locale.language = "en";
});

async function signedInWithBela() {
  const backend = createMemoryBackend();
  backend.signInAs("me");
  backend.deliver("bela", "hello");
  render(App, { backend: Promise.resolve(backend) });
  await screen.findByTestId("open-chat");
  return backend;
}

const card = async (transferId: string) => {
  const found = await waitFor(() => {
    const element = document.querySelector<HTMLElement>(`[data-transfer-id="${transferId}"]`);
    if (!element) throw new Error(`no card for ${transferId}`);
    return element;
  });
  return { element: found, within: within(found) };
};

describe("file transfers", () => {
  it("an offer is counted, accepted with a progress bar, and its file shown in the folder", async () => {
    const backend = await signedInWithBela();
    const id = backend.offerFile("bela", "<b>holiday</b>.zip", 3_000_000);
    expect((await screen.findByTestId("offer-count")).textContent).toBe("1");
    await fireEvent.click(screen.getByTestId("nav-transfers"));
    const offered = await card(id);
    expect(offered.element.dataset.phase).toBe("offered");
    // The peer's file name is text, never markup.
    expect(offered.within.getByTestId("transfer-name").textContent).toBe("<b>holiday</b>.zip");
    expect(offered.element.querySelector("b")).toBeNull();
    expect(offered.within.getByTestId("transfer-status").textContent).toBe("Wants to send you a file");

    await fireEvent.click(offered.within.getByTestId("accept-transfer"));
    await waitFor(() => expect(offered.element.dataset.phase).toBe("connecting"));
    expect(screen.queryByTestId("offer-count")).toBeNull();

    backend.updateTransfer(id, { phase: "transferring", bytes: 1_500_000, bytesPerSec: 500_000, secsLeft: 3 });
    const bar = await waitFor(() => offered.within.getByTestId("transfer-progress") as HTMLProgressElement);
    await waitFor(() => expect(bar.value).toBe(1_500_000));
    expect(bar.max).toBe(3_000_000);
    expect(offered.element.textContent).toContain("500 KB/s, 3 s left");

    backend.updateTransfer(id, { phase: "completed", bytes: 3_000_000, savedPath: "/home/me/Downloads/holiday.zip" });
    await fireEvent.click(await offered.within.findByTestId("show-in-folder"));
    expect(backend.revealed).toEqual([id]);
    await fireEvent.click(offered.within.getByTestId("dismiss-transfer"));
    await waitFor(() => expect(document.querySelector(`[data-transfer-id="${id}"]`)).toBeNull());
  });

  it("a declined offer says so, and a failure says why, in Hungarian too", async () => {
    const backend = await signedInWithBela();
    locale.language = "hu";
    const declined = backend.offerFile("bela", "a.txt", 10);
    const failed = backend.offerFile("bela", "b.txt", 10);
    await fireEvent.click(await screen.findByTestId("nav-transfers"));
    await fireEvent.click((await card(declined)).within.getByTestId("decline-transfer"));
    await waitFor(async () => expect((await card(declined)).element.dataset.phase).toBe("declined"));
    expect((await card(declined)).within.getByTestId("transfer-status").textContent).toBe("Elutasítva");
    backend.updateTransfer(failed, { phase: "failed", failure: "hash mismatch" });
    await waitFor(async () =>
      expect((await card(failed)).within.getByTestId("transfer-status").textContent).toBe("Sikertelen: hash mismatch"),
    );
  });

  it("sends a picked file directly from a chat, and the chat shows its transfer", async () => {
    const backend = await signedInWithBela();
    await fireEvent.click(screen.getByTestId("open-chat"));
    const picker = (await screen.findByTestId("direct-picker")) as HTMLInputElement;
    const file = new File([new Uint8Array(2048)], "report.pdf", { type: "application/pdf" });
    Object.defineProperty(picker, "files", { value: [file], configurable: true });
    await fireEvent.change(picker);
    const sent = await waitFor(() => {
      const element = screen.getByTestId("dm-view").querySelector<HTMLElement>('[data-testid="transfer"]');
      if (!element) throw new Error(`no transfer in the chat yet: ${screen.queryByTestId("dm-error")?.textContent}`);
      return element;
    });
    expect(sent.dataset.side).toBe("outgoing");
    expect(sent.dataset.phase).toBe("waiting");
    expect(within(sent).getByTestId("transfer-name").textContent).toBe("report.pdf");
    expect(sent.textContent).toContain("To bela");
    await fireEvent.click(within(sent).getByTestId("cancel-transfer"));
    await waitFor(() => expect(sent.dataset.phase).toBe("cancelled"));
  });
});

import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { createMemoryBackend } from "../src/backend/memory";
import { locale } from "../src/i18n/index.svelte";
import { formatDuration } from "../src/lib/call.svelte";
import { parsePacket } from "../src/lib/call-video";

afterEach(() => {
  cleanup();
  locale.language = "en";
});

async function inChatWithBela() {
  const backend = createMemoryBackend();
  backend.signInAs("me");
  backend.deliver("bela", "hello");
  render(App, { backend: Promise.resolve(backend) });
  await fireEvent.click(await screen.findByTestId("open-chat"));
  await screen.findByTestId("call-voice");
  return backend;
}

describe("calls", () => {
  it("a call from the DM header rings, connects, mutes and hangs up", async () => {
    const backend = await inChatWithBela();
    await fireEvent.click(screen.getByTestId("call-voice"));
    const view = await screen.findByTestId("call-view");
    expect(view.dataset.stage).toBe("outgoingRinging");
    expect(view.textContent).toContain("Ringing bela");
    expect((screen.getByTestId("call-video") as HTMLButtonElement).disabled).toBe(true);

    backend.partnerAnswers();
    await waitFor(() => expect(screen.getByTestId("call-view").dataset.stage).toBe("active"));
    expect(screen.getByTestId("call-duration").textContent).toBe("0:00");
    expect(screen.getByTestId("call-quality").dataset.quality).toBe("good");
    expect(document.activeElement).toBe(screen.getByTestId("call-hang-up"));

    expect(screen.queryByTestId("call-headphones")).toBeNull();
    await fireEvent.click(screen.getByTestId("call-mute"));
    await waitFor(() => expect(screen.getByTestId("call-view").dataset.muted).toBe("true"));
    await fireEvent.click(screen.getByTestId("call-devices-toggle"));
    expect(await screen.findByTestId("call-microphone")).toBeTruthy();

    await fireEvent.click(screen.getByTestId("call-hang-up"));
    const ended = await screen.findByTestId("call-ended");
    expect(ended.dataset.reason).toBe("hungUp");
    expect(ended.textContent).toContain("Call ended");
    await fireEvent.click(screen.getByTestId("call-ended-close"));
    expect(screen.queryByTestId("call-ended")).toBeNull();
  });

  it("an incoming call is accepted or declined, and a busy partner is named, in Hungarian too", async () => {
    const backend = await inChatWithBela();
    backend.ringFrom("bela");
    const ring = await screen.findByTestId("call-incoming");
    expect(ring.textContent).toContain("bela is calling");
    await fireEvent.click(screen.getByTestId("call-decline"));
    expect((await screen.findByTestId("call-ended")).dataset.reason).toBe("declined");

    backend.setEchoCancellation(false);
    backend.ringFrom("bela");
    await fireEvent.click(await screen.findByTestId("call-accept"));
    await waitFor(() => expect(screen.getByTestId("call-view").dataset.stage).toBe("active"));
    // Without echo cancellation the call says what to do about it.
    expect((await screen.findByTestId("call-headphones")).textContent).toContain("headphones advised");
    backend.partnerEnds("hungUp");
    await screen.findByTestId("call-ended");

    locale.language = "hu";
    await fireEvent.click(screen.getByTestId("call-voice"));
    backend.partnerEnds("busy");
    const busy = await screen.findByTestId("call-ended");
    await waitFor(() => expect(busy.textContent).toContain("bela éppen egy másik hívásban van"));
  });

  it("reads the video channel's packets and formats durations", () => {
    const packet = new Uint8Array([0, 1, 0, 0, 64, 66, 15, 0, 0, 0, 0, 0, 9, 8, 7]);
    const parsed = parsePacket(packet.buffer);
    expect(parsed?.source).toBe("partner");
    expect(parsed?.keyframe).toBe(true);
    expect(parsed?.timestamp).toBe(1_000_000);
    expect(Array.from(parsed!.data)).toEqual([9, 8, 7]);
    expect(parsePacket(new Uint8Array([1, 0, 0]).buffer)).toBeNull();
    expect(parsePacket(new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).buffer)).toBeNull();
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(3725)).toBe("1:02:05");
  });
});

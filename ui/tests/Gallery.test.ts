import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../src/App.svelte";
import { createMemoryBackend, type MemoryBackend } from "../src/backend/memory";
import { applyProgress, columnsFor, feedId, neighbour, placeholderColour, thumbnailWidth, visibleRows } from "../src/lib/gallery";

afterEach(() => cleanup());

async function pictures(): Promise<MemoryBackend> {
  const backend = createMemoryBackend();
  backend.signInAs("me");
  render(App, { backend: Promise.resolve(backend) });
  await fireEvent.click(await screen.findByTestId("nav-pictures"));
  await screen.findByTestId("pictures-screen");
  return backend;
}

const png = (name: string) => new File([new Uint8Array([137, 80, 78, 71, 1, 2, 3])], name, { type: "image/png" });
const cells = () => screen.queryAllByTestId("picture-cell");

describe("gallery logic", () => {
  it("names feeds, lays out the grid, reads a blurhash's colour and picks a thumbnail", () => {
    expect(feedId({ kind: "album", userid: "u1", albumId: "a1" })).toBe("album:u1:a1");
    expect(feedId({ kind: "recent" })).toBe("recent");
    expect(columnsFor(800)).toBe(4);
    expect(columnsFor(10)).toBe(1);
    // 10,000 rows of 100px, a 600px viewport scrolled far down: a screenful and the overscan.
    expect(visibleRows(500_000, 600, 100, 10_000, 2)).toEqual({ start: 4998, end: 5008 });
    expect(visibleRows(0, 600, 100, 0)).toEqual({ start: 0, end: 0 });
    expect(placeholderColour("LEHV6nWB2yk8pyo0adR*.7kCMdnj")).toMatch(/^#[0-9a-f]{6}$/);
    expect(placeholderColour("not a hash!")).toBeNull();
    expect(thumbnailWidth({ thumbnailWidths: [1280, 320] }, 168, 2)).toBe(1280);
    expect(thumbnailWidth({ thumbnailWidths: [320, 1280] }, 168, 1)).toBe(320);
    expect(thumbnailWidth({ thumbnailWidths: [] }, 168)).toBe(0);
    expect(neighbour(0, -1, 3)).toBeNull();
    expect(neighbour(1, 1, 3)).toBe(2);
    const entries = applyProgress([{ key: "k", name: "a.png", stageId: "s1", sent: 0, total: 10, state: "running" }], { id: "s1", name: "a.png", sent: 5, total: 10, state: "running" });
    expect(entries[0]!.sent).toBe(5);
  });
});

describe("gallery", () => {
  it("makes an album, drops three pictures on it, and shows three uploads and three thumbnails", async () => {
    const backend = await pictures();
    await fireEvent.click(screen.getByTestId("gallery-mine"));
    await fireEvent.click(await screen.findByTestId("new-album"));
    await fireEvent.input(screen.getByTestId("album-name"), { target: { value: "Holiday" } });
    await fireEvent.submit(screen.getByTestId("new-album-form"));
    const chip = await screen.findByTestId("album-chip");
    expect(chip.dataset.name).toBe("Holiday");
    backend.holdUploads();
    await fireEvent.drop(chip, { dataTransfer: { files: [png("a.png"), png("b.png"), png("c.png")] } });
    await waitFor(() => expect(screen.getAllByTestId("upload-row")).toHaveLength(3));
    await waitFor(() => expect(screen.getAllByTestId("upload-row").every((r) => r.dataset.state === "running")).toBe(true));
    backend.releaseUploads();
    await waitFor(() => expect(screen.getAllByTestId("upload-row").every((r) => r.dataset.state === "done")).toBe(true));
    await waitFor(() => expect(cells()).toHaveLength(3));
    await waitFor(() => expect(within(screen.getByTestId("album-chip")).getByText("3")).toBeTruthy());
  });

  it("uses one's own picture as its album's cover, which falls back to the newest when it moves out", async () => {
    await pictures();
    await fireEvent.click(screen.getByTestId("gallery-mine"));
    await fireEvent.click(await screen.findByTestId("new-album"));
    await fireEvent.input(screen.getByTestId("album-name"), { target: { value: "Holiday" } });
    await fireEvent.submit(screen.getByTestId("new-album-form"));
    await fireEvent.drop(await screen.findByTestId("album-chip"), { dataTransfer: { files: [png("a.png"), png("b.png")] } });
    await waitFor(() => expect(cells()).toHaveLength(2));
    const cover = () => within(screen.getByTestId("album-chip")).queryByTestId("album-cover")?.dataset.pictureId;
    // The newest first, in the grid and as the cover.
    await fireEvent.click(within(cells()[0]!).getByRole("button"));
    const newest = (await screen.findByTestId("picture-viewer")).dataset.pictureId!;
    await waitFor(() => expect(cover()).toBe(newest));
    expect(screen.getByTestId("use-as-cover").getAttribute("aria-pressed")).toBe("true");
    await fireEvent.keyDown(screen.getByTestId("picture-viewer"), { key: "ArrowRight" });
    await waitFor(() => expect(screen.getByTestId("picture-viewer").dataset.index).toBe("1"));
    const older = screen.getByTestId("picture-viewer").dataset.pictureId!;
    expect(screen.getByTestId("use-as-cover").getAttribute("aria-pressed")).toBe("false");
    await fireEvent.click(screen.getByTestId("use-as-cover"));
    await waitFor(() => expect(cover()).toBe(older));
    await waitFor(() => expect(screen.getByTestId("use-as-cover").getAttribute("aria-pressed")).toBe("true"));
    expect(screen.getByTestId("use-as-cover").textContent).toContain("The album's cover");
    // Moved out of the album: no cover action for it, and the newest is the cover again.
    await fireEvent.click(screen.getByTestId("edit-picture"));
    await fireEvent.change(screen.getByTestId("edit-picture-album"), { target: { value: "" } });
    await fireEvent.submit(screen.getByTestId("edit-picture-form"));
    await waitFor(() => expect(cover()).toBe(newest));
    await waitFor(() => expect(screen.queryByTestId("use-as-cover")).toBeNull());
  });

  it("shows another user's like and comment live, and moves through the viewer with the arrow keys", async () => {
    const backend = await pictures();
    await fireEvent.click(screen.getByTestId("gallery-mine"));
    await fireEvent.drop(await screen.findByTestId("creator-page"), { dataTransfer: { files: [png("one.png"), png("two.png")] } });
    await waitFor(() => expect(cells()).toHaveLength(2));
    await fireEvent.click(within(cells()[0]!).getByRole("button"));
    const viewer = await screen.findByTestId("picture-viewer");
    const first = viewer.dataset.pictureId!;
    backend.likeAs("friend", first);
    await waitFor(() => expect(screen.getByTestId("viewer-likes").textContent).toContain("1"));
    backend.commentAs("friend", first, "Lovely light");
    await screen.findByText("Lovely light");
    await fireEvent.keyDown(viewer, { key: "ArrowRight" });
    await waitFor(() => expect(screen.getByTestId("picture-viewer").dataset.index).toBe("1"));
    await fireEvent.keyDown(screen.getByTestId("picture-viewer"), { key: "ArrowLeft" });
    await waitFor(() => expect(screen.getByTestId("picture-viewer").dataset.pictureId).toBe(first));
    // One's own comment: post, edit, delete.
    await fireEvent.input(screen.getByTestId("comment-input"), { target: { value: "Thanks" } });
    await fireEvent.click(screen.getByTestId("comment-post"));
    await screen.findByText("Thanks");
    expect(screen.getAllByTestId("comment-edit")).toHaveLength(1);
    // The owner may delete any comment under their picture; the second is their own.
    await fireEvent.click(screen.getAllByTestId("comment-delete")[1]!);
    await waitFor(() => expect(screen.queryByText("Thanks")).toBeNull());
  });

  it("follows a creator from a discovered picture, and lists the most liked", async () => {
    const backend = await pictures();
    const picture = backend.pictureBy("artist", "Sunset");
    backend.pictureBy("artist", "Dawn");
    backend.likeAs("someone", picture.pictureId);
    await waitFor(() => expect(cells()).toHaveLength(2));
    await fireEvent.click(screen.getByTestId("discover-most-liked"));
    await waitFor(() => expect(cells()).toHaveLength(1));
    await fireEvent.click(within(cells()[0]!).getByRole("button"));
    await fireEvent.click(await screen.findByTestId("viewer-author"));
    const follow = await screen.findByTestId("follow-creator");
    await fireEvent.click(follow);
    await waitFor(() => expect(screen.getByTestId("follow-creator").getAttribute("aria-pressed")).toBe("true"));
    expect(screen.getByTestId("creator-followers").textContent).toContain("1");
  });

  it("deletes a picture and an album, whose pictures stay", async () => {
    await pictures();
    await fireEvent.click(screen.getByTestId("gallery-mine"));
    await fireEvent.click(await screen.findByTestId("new-album"));
    await fireEvent.input(screen.getByTestId("album-name"), { target: { value: "Trip" } });
    await fireEvent.submit(screen.getByTestId("new-album-form"));
    await fireEvent.drop(await screen.findByTestId("album-chip"), { dataTransfer: { files: [png("x.png"), png("y.png")] } });
    await waitFor(() => expect(cells()).toHaveLength(2));
    await fireEvent.click(within(cells()[0]!).getByRole("button"));
    await fireEvent.click(await screen.findByTestId("delete-picture"));
    await fireEvent.click(screen.getByTestId("confirm-delete-picture"));
    await waitFor(() => expect(cells()).toHaveLength(1));
    expect(screen.queryByTestId("picture-viewer")).toBeNull();
    await fireEvent.click(screen.getByTestId("delete-album"));
    await fireEvent.click(screen.getByTestId("confirm-delete-album"));
    await waitFor(() => expect(screen.queryByTestId("album-chip")).toBeNull());
    await fireEvent.click(screen.getByTestId("album-unsorted"));
    await waitFor(() => expect(cells()).toHaveLength(1));
  });
});

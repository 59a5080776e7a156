// The galleries' logic without the DOM: naming feeds, the virtual grid's arithmetic, the
// placeholder colour of a blurhash, which thumbnail width a cell needs, moving in the viewer,
// and the uploads' progress.
import type { GalleryFeed, GalleryPicture, UploadProgress } from "../backend";

/** A feed's identity, to match the events that name it. */
export function feedId(feed: GalleryFeed): string {
  switch (feed.kind) {
    case "recent":
    case "mostLiked":
      return feed.kind;
    case "creator":
    case "unsorted":
      return `${feed.kind}:${feed.userid}`;
    case "album":
      return `album:${feed.userid}:${feed.albumId}`;
  }
}

/** How many pictures a feed shows at first and per further page. */
export const GALLERY_PAGE = 120;

/** The grid's columns for a width: cells of at least `minCell` pixels, at least one. */
export function columnsFor(width: number, minCell = 168, gap = 8): number {
  return Math.max(1, Math.floor((width + gap) / (minCell + gap)));
}

/** The rows (first included, end excluded) a viewport shows, with `overscan` rows each side. */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  rowCount: number,
  overscan = 2,
): { start: number; end: number } {
  if (rowHeight <= 0 || rowCount === 0) return { start: 0, end: 0 };
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(rowCount, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}

const BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

/** The average colour a blurhash encodes (its DC component, characters 2 to 5), as CSS; a
 * neutral `null` for anything that is not a blurhash. */
export function placeholderColour(blurhash: string | null | undefined): string | null {
  if (!blurhash || blurhash.length < 6) return null;
  let value = 0;
  for (const char of blurhash.slice(2, 6)) {
    const digit = BASE83.indexOf(char);
    if (digit < 0) return null;
    value = value * 83 + digit;
  }
  const hex = (value & 0xffffff).toString(16).padStart(6, "0");
  return `#${hex}`;
}

/** The thumbnail width to ask for a cell `cssPixels` wide: the narrowest served that is at
 * least as wide on this screen, else the widest (0, the original, only when there is none). */
export function thumbnailWidth(picture: Pick<GalleryPicture, "thumbnailWidths">, cssPixels: number, pixelRatio = 1): number {
  const needed = Math.ceil(cssPixels * pixelRatio);
  const widths = [...picture.thumbnailWidths].sort((a, b) => a - b);
  if (widths.length === 0) return 0;
  return widths.find((w) => w >= needed) ?? widths[widths.length - 1]!;
}

/** The index `step` away from `index` in a list of `length`, or null past either end. */
export function neighbour(index: number, step: number, length: number): number | null {
  const next = index + step;
  return next >= 0 && next < length ? next : null;
}

/** One upload the window started: its staged id once staged, and how far it is. */
export interface UploadEntry {
  key: string;
  name: string;
  stageId: string | null;
  sent: number;
  total: number;
  state: "staging" | UploadProgress["state"];
}

/** An upload's entry after a progress event from the core (matched by its staged id). */
export function applyProgress(entries: readonly UploadEntry[], progress: UploadProgress): UploadEntry[] {
  return entries.map((entry) =>
    entry.stageId === progress.id
      ? { ...entry, sent: progress.sent ?? entry.sent, total: progress.total ?? entry.total, state: progress.state }
      : entry,
  );
}

/** How far an upload is, from 0 to 1. */
export const fraction = (entry: Pick<UploadEntry, "sent" | "total" | "state">): number =>
  entry.state === "done" ? 1 : entry.total > 0 ? Math.min(1, entry.sent / entry.total) : 0;

/** Whether an upload is over (done, failed or cancelled). */
export const finished = (entry: Pick<UploadEntry, "state">): boolean =>
  entry.state === "done" || entry.state === "failed" || entry.state === "cancelled";

/** The image files among dropped, picked or pasted files. */
export function imagesOf(files: Iterable<File>): File[] {
  return [...files].filter((file) => file.type.startsWith("image/") || /\.(png|jpe?g|gif|webp)$/i.test(file.name));
}

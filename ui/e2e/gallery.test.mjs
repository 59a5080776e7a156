// Picture galleries on the real app: the user makes an album and drops three pictures on it
// (three progress bars, then three thumbnails from the media scheme); a second user on the Rust
// core (peer.mjs) likes one and comments, both live in the viewer; the viewer moves with the
// arrow keys; the user follows the second user's creator page and sees their next picture
// arrive live; Discover shows recent and most liked; the user deletes a picture and the album.
// Screenshots of each screen in the light and the dark theme, in .e2e-artifacts/.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { after, before, test } from "node:test";
import { embeddedServerUrl, openApp, registerInApp, screenshot } from "./harness.mjs";
import { CorePeer } from "./peer.mjs";
import { ApiUser } from "./server-api.mjs";

const ARROW_LEFT = "\uE012";
const ARROW_RIGHT = "\uE014";

const work = mkdtempSync(join(tmpdir(), "chatenium-gallery-"));
let app;
let session;
let peer;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, body) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}
/** A 480x360 RGB PNG: a gradient in the colour `seed` picks, with a band, made here so the test
 * needs no fixture and every picture differs. */
function photo(seed) {
  const [width, height] = [480, 360];
  const [r, g, b] = [[66, 135, 245], [235, 120, 60], [60, 170, 110], [170, 80, 200]][seed % 4];
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const band = Math.abs(y - height * 0.6 - Math.sin(x / 40) * 30) < 24;
      const shade = 0.55 + (0.45 * x) / width;
      row[1 + x * 3] = band ? 250 : Math.round(r * shade);
      row[2 + x * 3] = band ? 240 : Math.round(g * shade);
      row[3 + x * 3] = band ? 220 : Math.round(b * (1.2 - shade / 2));
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  return Buffer.concat([
    Buffer.from("89504e470d0a1a0a", "hex"),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

before(async () => {
  app = await openApp();
  session = app.session;
  await registerInApp(session, { username: "ada", displayName: "Ada", password: "ada-password-1" });
  await session.waitForText('[data-testid="connection"]', (t) => t === "Online");
  const server = await embeddedServerUrl(session);
  await new ApiUser(server).register("bruno");
  peer = await CorePeer.start(server, "bruno", "bruno-password-1", join(work, "bruno"));
  const first = join(work, "bruno-1.png");
  writeFileSync(first, photo(3));
  await peer.run("uploadPicture", { path: first, albumId: null });
});

after(async () => {
  await peer?.stop();
  await app?.close();
});

/** A screenshot in each theme, then back to the light one. */
async function inBothThemes(name, shows) {
  for (const scheme of ["light", "dark"]) {
    await session.execute(`document.documentElement.dataset.theme = arguments[0];`, [scheme]);
    await screenshot(session, `gallery-${name}-${scheme}`, { shows });
  }
  await session.execute(`document.documentElement.dataset.theme = "light";`);
}

const cellIds = () => session.execute(`return [...document.querySelectorAll('[data-testid="picture-cell"]')].map((c) => c.dataset.pictureId);`);
/** Waits until the grid shows `count` pictures, each thumbnail loaded (decoded, with a size). */
const thumbnailsLoaded = (count) =>
  session.waitForScript(
    `const imgs = [...document.querySelectorAll('[data-testid="picture-thumbnail"]')];
     return imgs.length === ${count} && imgs.every((i) => i.complete && i.naturalWidth > 0) ? imgs.length : -imgs.length;`,
    (n) => n === count,
  );

test("the user makes an album, drops three pictures on it, and sees three progress bars and then three thumbnails", async () => {
  await session.click('[data-testid="nav-pictures"]');
  await session.click('[data-testid="gallery-mine"]');
  await session.click('[data-testid="new-album"]');
  await session.type('[data-testid="album-name"]', "Holiday");
  await session.type('[data-testid="album-description"]', "Summer by the lake");
  await session.click('[data-testid="create-album"]');
  await session.waitForText('[data-testid="album-title"]', (t) => t === "Holiday");

  const pictures = [0, 1, 2].map((seed) => photo(seed).toString("base64"));
  await session.execute(
    `const transfer = new DataTransfer();
     arguments[0].forEach((data, i) => {
       const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
       transfer.items.add(new File([bytes], "lake-" + (i + 1) + ".png", { type: "image/png" }));
     });
     const chip = document.querySelector('[data-testid="album-chip"][data-name="Holiday"]');
     chip.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));`,
    [pictures],
  );
  // Three rows, each with its own progress bar, then each done.
  await session.waitForCount('[data-testid="upload-row"] progress', (n) => n === 3);
  await session.waitForScript(
    `return [...document.querySelectorAll('[data-testid="upload-row"]')].map((r) => r.dataset.state).join(",");`,
    (states) => states === "done,done,done",
  );
  await thumbnailsLoaded(3);
  await session.waitForText('[data-testid="album-chip"][data-name="Holiday"] .count', (t) => t === "3");
  await inBothThemes("album", '[data-testid="picture-grid"]');
});

test("the second user likes one and comments, and both show live in the viewer, which moves with the arrow keys", async () => {
  const ids = await cellIds();
  assert.equal(ids.length, 3);
  await session.click(`[data-testid="picture-cell"][data-picture-id="${ids[1]}"] button`);
  await session.waitForScript(`return document.querySelector('[data-testid="picture-viewer"]')?.dataset.pictureId ?? null;`, (id) => id === ids[1]);
  await peer.run("likePicture", { pictureId: ids[1], like: true });
  await session.waitForText('[data-testid="viewer-likes"]', (t) => t === "Likes: 1");
  await peer.run("commentPicture", { pictureId: ids[1], text: "What a view!" });
  await session.waitForText('[data-testid="comment-text"]', (t) => t === "What a view!");
  await session.waitForScript(
    `return document.querySelector('[data-testid="viewer-image"]')?.naturalWidth ?? 0;`,
    (width) => width > 0,
  );
  await inBothThemes("viewer", '[data-testid="picture-viewer"]');

  await session.type('[data-testid="picture-viewer"]', ARROW_RIGHT);
  await session.waitForScript(`return document.querySelector('[data-testid="picture-viewer"]').dataset.pictureId;`, (id) => id === ids[2]);
  await session.type('[data-testid="picture-viewer"]', ARROW_LEFT);
  await session.type('[data-testid="picture-viewer"]', ARROW_LEFT);
  await session.waitForScript(`return document.querySelector('[data-testid="picture-viewer"]').dataset.pictureId;`, (id) => id === ids[0]);
  await session.click('[data-testid="viewer-close"]');
  // The grid shows the like and the comment too.
  await session.waitForScript(
    `const stats = document.querySelector('[data-testid="picture-cell"][data-picture-id="${ids[1]}"] .stats');
     return stats ? stats.dataset.likes + "/" + stats.dataset.comments : null;`,
    (counts) => counts === "1/1",
  );
});

test("the user follows the second user's creator page, whose next picture arrives live", async () => {
  await session.click('[data-testid="gallery-discover"]');
  await session.click('[data-testid="discover-recent"]');
  const bruno = peer.userid;
  // Bruno's picture is the oldest of the four in Recent.
  await session.waitForCount('[data-testid="picture-cell"]', (n) => n === 4);
  const brunos = await session.execute(`return [...document.querySelectorAll('[data-testid="picture-cell"]')].at(-1).dataset.pictureId;`);
  await session.click(`[data-testid="picture-cell"][data-picture-id="${brunos}"] button`);
  await session.click('[data-testid="viewer-author"]');
  await session.waitForScript(`return document.querySelector('[data-testid="creator-page"]')?.dataset.userid ?? null;`, (id) => id === bruno);
  await session.waitForText('[data-testid="follow-creator"]', (t) => t === "Follow");
  await session.click('[data-testid="follow-creator"]');
  await session.waitForText('[data-testid="follow-creator"]', (t) => t === "Unfollow");
  await session.waitForText('[data-testid="creator-followers"]', (t) => t.startsWith("Followers: 1"));
  await thumbnailsLoaded(1);

  const second = join(work, "bruno-2.png");
  writeFileSync(second, photo(1));
  await peer.run("uploadPicture", { path: second, albumId: null });
  await thumbnailsLoaded(2);
  await inBothThemes("creator", '[data-testid="creator-page"]');
});

test("Discover shows the recent and the most liked pictures", async () => {
  await session.click('[data-testid="gallery-discover"]');
  await session.click('[data-testid="discover-recent"]');
  await thumbnailsLoaded(5);
  await inBothThemes("discover-recent", '[data-testid="picture-grid"]');
  await session.click('[data-testid="discover-most-liked"]');
  await thumbnailsLoaded(1);
  await inBothThemes("discover-most-liked", '[data-testid="picture-grid"]');
});

test("the user deletes a picture, then the album, whose other pictures stay", async () => {
  await session.click('[data-testid="gallery-mine"]');
  await session.click('[data-testid="album-chip"][data-name="Holiday"]');
  await thumbnailsLoaded(3);
  const ids = await cellIds();
  await session.click(`[data-testid="picture-cell"][data-picture-id="${ids[0]}"] button`);
  await session.click('[data-testid="delete-picture"]');
  await session.click('[data-testid="confirm-delete-picture"]');
  await session.waitForCount('[data-testid="picture-viewer"]', (n) => n === 0);
  await session.waitForCount('[data-testid="picture-cell"]', (n) => n === 2);
  await session.click('[data-testid="delete-album"]');
  await session.click('[data-testid="confirm-delete-album"]');
  await session.waitForCount('[data-testid="album-chip"]', (n) => n === 0);
  await session.click('[data-testid="album-unsorted"]');
  await thumbnailsLoaded(2);
});

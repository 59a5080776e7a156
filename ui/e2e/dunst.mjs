// The notification daemon of the end-to-end tests (dunst, started by `./dev test` with
// tools/dunstrc on the tests' private D-Bus session), seen and driven as a user would.
//
// A client cannot send the daemon's `ActionInvoked` signal, so a notification's action is chosen
// as a user does: in dunst's context menu (`dunstctl context`, through dunst's own D-Bus
// interface), whose "dmenu" is tools/dunst-menu-pick.sh: it answers the line a test asks for,
// and dunst then signals `ActionInvoked` to the app.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const dunstctl = (...args) => execFileSync("dunstctl", args, { encoding: "utf8" }).trim();

const runtime = process.env.XDG_RUNTIME_DIR ?? "";
/** What the picker answers (a test writes it) and the menu it was offered (it writes that). */
export const pickFile = join(runtime, "dunst-pick");
const menuFile = join(runtime, "dunst-menu");

/** Opens dunst's context menu over the notifications on screen, answering the first line that
 * contains `pick` (nothing: the menu is only read); answers the menu's lines once the picker
 * has run. */
export async function contextMenu(pick) {
  writeFileSync(pickFile, pick ?? "");
  rmSync(menuFile, { force: true });
  // dunst runs the picker on a thread of its own: dunstctl returns before it is done. And it
  // refuses a new menu ("already running") until the previous menu's thread has finished,
  // which is a moment after that picker wrote its file: so ask again while no menu came.
  for (let request = 0; request < 8; request++) {
    dunstctl("context");
    for (let attempt = 0; attempt < 20; attempt++) {
      if (existsSync(menuFile)) return readFileSync(menuFile, "utf8").trim().split("\n");
      await sleep(100);
    }
  }
  throw new Error("dunst never opened its context menu");
}

/** Opens the context menu until its lines satisfy `predicate` (a notification may still be on
 * its way); answers them. */
export async function waitForMenu(predicate) {
  let lines = [];
  for (let attempt = 0; attempt < 150; attempt++) {
    if (Number(dunstctl("count", "displayed")) > 0) {
      lines = await contextMenu(null);
      if (predicate(lines)) return lines;
    }
    await sleep(100);
  }
  throw new Error(`dunst's menu: ${JSON.stringify(lines)}`);
}

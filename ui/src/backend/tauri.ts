// The Tauri implementation of `Backend`: the generated, typed commands, each settled the same
// way (its data answered, its typed error thrown as a `BackendError`), and the events. No
// command is named here but the few the `Backend` shapes itself, so a new command needs
// nothing in this file.
import { Channel, invoke } from "@tauri-apps/api/core";
import { commands, events } from "../bindings";
import { BackendError, type Backend, type CommandError, type CommandMethods } from "./index";

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  const outcome = await call;
  if (outcome.status === "error") throw new BackendError(outcome.error);
  return outcome.data;
}

/** How much of a file one `stage_chunk` call carries: large enough that the per-call cost
 * vanishes, small enough that progress moves and memory stays flat. */
const STAGE_CHUNK_BYTES = 4 << 20;

/** `stage_chunk` takes a raw body, so it has no generated signature (see
 * src-tauri/src/commands/staging.rs); this is the one command called by name. */
async function stageFile(file: Blob, name: string, onProgress?: (bytes: number) => void): Promise<string> {
  const stageId = await unwrap(commands.beginStaging(name, file.size));
  try {
    for (let offset = 0; offset < file.size; offset += STAGE_CHUNK_BYTES) {
      const chunk = new Uint8Array(await file.slice(offset, offset + STAGE_CHUNK_BYTES).arrayBuffer());
      await invoke("stage_chunk", chunk, { headers: { "x-stage-id": stageId, "x-offset": String(offset) } });
      onProgress?.(offset + chunk.length);
    }
  } catch (error) {
    await commands.discardStaged(stageId);
    throw error instanceof Error ? error : new BackendError(error as CommandError);
  }
  return stageId;
}

type AnyOutcome = { status: "ok"; data: unknown } | { status: "error"; error: CommandError };

/** A generated command answers either its value (a command that cannot fail) or an outcome. */
function isOutcome(answer: unknown): answer is AnyOutcome {
  return (
    typeof answer === "object" &&
    answer !== null &&
    "status" in answer &&
    (answer.status === "ok" || answer.status === "error")
  );
}

async function settle(call: Promise<unknown>): Promise<unknown> {
  const answer = await call;
  if (!isOutcome(answer)) return answer;
  if (answer.status === "error") throw new BackendError(answer.error);
  return answer.data;
}

/** Every generated command, settled. The one cast: the mapping is the same for each command,
 * which `CommandMethods` spells out as types. */
const commandMethods = Object.fromEntries(
  Object.entries(commands).map(([name, command]) => [
    name,
    (...args: unknown[]) => settle((command as (...args: unknown[]) => Promise<unknown>)(...args)),
  ]),
) as unknown as CommandMethods;

/** The media scheme's address (see src-tauri/src/media_protocol.rs): WebView2 on Windows
 * reaches a custom scheme as `http://<scheme>.localhost`. */
function pictureUrl(pictureId: string, width: number): string {
  const base = navigator.userAgent.includes("Windows") ? "http://media.localhost" : "media://localhost";
  return `${base}/${encodeURIComponent(pictureId)}/${width}`;
}

export const tauriBackend: Backend = {
  ...commandMethods,
  // A profile picture is small: JSON's array of numbers is fine here.
  changeProfilePicture: (name, bytes) => unwrap(commands.changeProfilePicture(name, Array.from(bytes))),
  createCascade: (name, isPublic, picture) =>
    unwrap(commands.createCascade(name, isPublic, picture && { name: picture.name, bytes: Array.from(picture.bytes) })),
  stageFile,
  watchCallVideo: async (onPacket) => {
    // The packets are raw bytes (an ArrayBuffer), which the generated type calls `number[]`.
    const channel = new Channel<ArrayBuffer>();
    channel.onmessage = onPacket;
    await unwrap(commands.watchCallVideo(channel as unknown as Parameters<typeof commands.watchCallVideo>[0]));
  },
  pictureUrl,
  nativeFileDialog: true,

  on: {
    engine: (handler) => events.engineStateChanged.listen((e) => handler(e.payload.state)),
    chatList: (handler) => events.chatListChanged.listen((e) => handler(e.payload.diff)),
    timeline: (handler) => events.timelineChanged.listen((e) => handler(e.payload.chatid, e.payload.diff)),
    connection: (handler) => events.connectionChanged.listen((e) => handler(e.payload.state)),
    catchingUp: (handler) => events.catchingUp.listen((e) => handler(e.payload.progress)),
    upload: (handler) => events.uploadProgressed.listen((e) => handler(e.payload.progress)),
    sessionEnded: (handler) => events.sessionEnded.listen(() => handler()),
    openChat: (handler) => events.openChatRequested.listen((e) => handler(e.payload.chatid, e.payload.compose)),
    transfer: (handler) => events.transferChanged.listen((e) => handler(e.payload.transfer)),
    cascadeList: (handler) => events.cascadeListChanged.listen((e) => handler(e.payload.diff)),
    threadTimeline: (handler) =>
      events.threadTimelineChanged.listen((e) => handler(e.payload.cascadeId, e.payload.threadId, e.payload.diff)),
    threads: (handler) => events.threadsChanged.listen((e) => handler(e.payload.cascadeId, e.payload.parentId, e.payload.threads)),
    openThread: (handler) => events.openThreadRequested.listen((e) => handler(e.payload.cascadeId, e.payload.threadId)),
    unread: (handler) => events.unreadChanged.listen((e) => handler(e.payload.unread)),
    inviteOpened: (handler) => events.inviteOpened.listen((e) => handler(e.payload.code)),
    call: (handler) => events.callChanged.listen((e) => handler(e.payload.call)),
    callQuality: (handler) => events.callQualityChanged.listen((e) => handler(e.payload)),
    removedFromCascade: (handler) => events.removedFromCascade.listen((e) => handler(e.payload)),
    desktopSettings: (handler) => events.desktopSettingsChanged.listen((e) => handler(e.payload.settings)),
    galleryFeed: (handler) => events.galleryFeedChanged.listen((e) => handler(e.payload.feed, e.payload.diff)),
    galleryComments: (handler) => events.galleryCommentsChanged.listen((e) => handler(e.payload.pictureId, e.payload.diff)),
    galleryAlbums: (handler) => events.galleryAlbumsChanged.listen((e) => handler(e.payload.userid, e.payload.diff)),
    galleryCreator: (handler) => events.galleryCreatorChanged.listen((e) => handler(e.payload.creator)),
  },
};

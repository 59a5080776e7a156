// The Tauri implementation of `Backend`: a thin mapping onto the generated, typed commands and
// events. A command's typed error becomes a thrown `BackendError`.
import { invoke } from "@tauri-apps/api/core";
import { commands, events } from "../bindings";
import { BackendError, type Backend, type CommandError } from "./index";

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

const done = async (call: Promise<Outcome<null>>): Promise<void> => {
  await unwrap(call);
};

export const tauriBackend: Backend = {
  appInfo: () => commands.appInfo(),
  setLanguage: (language) => commands.setLanguage(language),
  setServerUrl: (url) => done(commands.setServerUrl(url)),

  signInMethods: (identity) => unwrap(commands.signInMethods(identity)),
  usernameAvailable: (username) => unwrap(commands.usernameAvailable(username)),
  emailAvailable: (email) => unwrap(commands.emailAvailable(email)),
  signInWithPassword: (identity, password) => unwrap(commands.signInWithPassword(identity, password)),
  startChallenge: (purpose, identity, newEmail, newPhone) =>
    unwrap(commands.startChallenge(purpose, identity, newEmail, newPhone)),
  requestCode: (challengeId, kind) => done(commands.requestCode(challengeId, kind)),
  verifyCode: (challengeId, kind, code) => unwrap(commands.verifyCode(challengeId, kind, code)),
  signInWithChallenge: (identity, challengeId) => unwrap(commands.signInWithChallenge(identity, challengeId)),
  register: (form) => unwrap(commands.register(form)),
  registerPasswordless: (username, displayName, challengeId) =>
    unwrap(commands.registerPasswordless(username, displayName, challengeId)),
  resetPassword: (challengeId, token, password) => done(commands.resetPassword(challengeId, token, password)),
  resumeSession: () => unwrap(commands.resumeSession()),
  signOut: () => done(commands.signOut()),

  chatList: () => unwrap(commands.chatList()),
  addContact: (identity) => unwrap(commands.addContact(identity)),
  deleteContact: (chatid) => done(commands.deleteContact(chatid)),
  setMuted: (chatid, muted) => done(commands.setMuted(chatid, muted)),
  openChat: (chatid) => unwrap(commands.openChat(chatid)),
  closeChat: (chatid) => done(commands.closeChat(chatid)),
  markRead: (chatid) => done(commands.markRead(chatid)),
  loadOlder: (chatid) => unwrap(commands.loadOlder(chatid)),
  jumpToMessage: (chatid, msgid) => done(commands.jumpToMessage(chatid, msgid)),
  loadNewer: (chatid) => unwrap(commands.loadNewer(chatid)),
  sendMessage: (chatid, text, replyToId, fileIds) => unwrap(commands.sendMessage(chatid, text, replyToId, fileIds)),
  retrySend: (chatid, clientKey) => done(commands.retrySend(chatid, clientKey)),
  discardSend: (chatid, clientKey) => done(commands.discardSend(chatid, clientKey)),
  editMessage: (chatid, msgid, text) => done(commands.editMessage(chatid, msgid, text)),
  deleteMessages: (chatid, msgids) => done(commands.deleteMessages(chatid, msgids)),
  setPinned: (chatid, msgid, pinned) => done(commands.setPinned(chatid, msgid, pinned)),
  pinnedMessages: (chatid) => unwrap(commands.pinnedMessages(chatid)),
  stageFile,
  discardStaged: (stageId) => commands.discardStaged(stageId),
  uploadAttachment: (stageId) => unwrap(commands.uploadAttachment(stageId)),

  sendFileDirectly: (userid, stageId) => unwrap(commands.sendFileDirectly(userid, stageId)),
  acceptTransfer: (transferId) => done(commands.acceptTransfer(transferId)),
  declineTransfer: (transferId) => done(commands.declineTransfer(transferId)),
  cancelTransfer: (transferId) => done(commands.cancelTransfer(transferId)),
  showReceivedFile: (transferId) => done(commands.showReceivedFile(transferId)),

  changeUsername: (username) => unwrap(commands.changeUsername(username)),
  changeDisplayName: (displayName) => unwrap(commands.changeDisplayName(displayName)),
  changeEmail: (email, challengeId) => done(commands.changeEmail(email, challengeId)),
  changePhone: (phone, challengeId) => done(commands.changePhone(phone, challengeId)),
  // A profile picture is small: JSON's array of numbers is fine here.
  changeProfilePicture: (name, bytes) => unwrap(commands.changeProfilePicture(name, Array.from(bytes))),
  sessions: () => unwrap(commands.sessions()),
  logOutSession: (sessionId) => done(commands.logOutSession(sessionId)),
  deleteAccount: (password, challengeId) => done(commands.deleteAccount(password, challengeId)),

  on: {
    chatList: (handler) => events.chatListChanged.listen((e) => handler(e.payload.diff)),
    timeline: (handler) => events.timelineChanged.listen((e) => handler(e.payload.chatid, e.payload.diff)),
    connection: (handler) => events.connectionChanged.listen((e) => handler(e.payload.state)),
    upload: (handler) => events.uploadProgressed.listen((e) => handler(e.payload.progress)),
    sessionEnded: (handler) => events.sessionEnded.listen(() => handler()),
    openChat: (handler) => events.openChatRequested.listen((e) => handler(e.payload.chatid)),
    transfer: (handler) => events.transferChanged.listen((e) => handler(e.payload.transfer)),
  },
};

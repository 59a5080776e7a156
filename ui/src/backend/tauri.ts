// The Tauri implementation of `Backend`: a thin mapping onto the generated, typed commands and
// events. A command's typed error becomes a thrown `BackendError`.
import { commands, events } from "../bindings";
import { BackendError, type Backend, type CommandError } from "./index";

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  const outcome = await call;
  if (outcome.status === "error") throw new BackendError(outcome.error);
  return outcome.data;
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
  sendMessage: (chatid, text, replyToId, fileIds) => unwrap(commands.sendMessage(chatid, text, replyToId, fileIds)),
  editMessage: (chatid, msgid, text) => done(commands.editMessage(chatid, msgid, text)),
  deleteMessages: (chatid, msgids) => done(commands.deleteMessages(chatid, msgids)),
  setPinned: (chatid, msgid, pinned) => done(commands.setPinned(chatid, msgid, pinned)),
  pinnedMessages: (chatid) => unwrap(commands.pinnedMessages(chatid)),
  // Tauri's JSON IPC carries bytes as an array of numbers.
  uploadAttachment: (name, bytes) => unwrap(commands.uploadAttachment(name, Array.from(bytes))),

  changeUsername: (username) => unwrap(commands.changeUsername(username)),
  changeDisplayName: (displayName) => unwrap(commands.changeDisplayName(displayName)),
  changeEmail: (email, challengeId) => done(commands.changeEmail(email, challengeId)),
  changePhone: (phone, challengeId) => done(commands.changePhone(phone, challengeId)),
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
  },
};

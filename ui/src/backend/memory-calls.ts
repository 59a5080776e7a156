// Calls in the in-memory backend (./memory): the call's stages as the core reports them, with
// test hooks for the partner's side (ring us, answer, decline, hang up). No media: the video
// channel stays silent.
import { BackendError, type Backend, type CallDevices, type CallEnd, type CallInfo, type CallQualityChanged, type Contact } from "./index";

export interface CallWorld {
  /** The direct chat with `chatid`, if any. */
  chat(chatid: string): Contact | undefined;
  /** A partner's direct chat by username. */
  chatWith(username: string): Contact | undefined;
  emit: {
    call(call: CallInfo): void;
    callQuality(quality: CallQualityChanged): void;
  };
}

export interface CallHooks {
  /** `username` rings the signed-in user. */
  ringFrom(username: string, video?: boolean): void;
  /** The partner answers our ring: the call becomes active. */
  partnerAnswers(): void;
  /** The partner ends the call (hangs up, declines, is busy) or the server does (missed). */
  partnerEnds(reason: CallEnd): void;
  /** Whether this machine cancels echo (from the next call on); without, headphones are advised. */
  setEchoCancellation(on: boolean): void;
}

type Implemented = Pick<
  Backend,
  | "startCall"
  | "acceptCall"
  | "declineCall"
  | "hangUp"
  | "setCallMuted"
  | "setCallCamera"
  | "currentCall"
  | "callDevices"
  | "chooseCallDevices"
  | "watchCallVideo"
>;

const DEVICES: CallDevices = {
  microphones: [{ name: "Built-in microphone", isDefault: true }],
  speakers: [{ name: "Built-in speakers", isDefault: true }],
  cameras: [],
  echoCancellation: true,
  choice: { microphone: null, speaker: null, camera: null },
};

export function callBackend(world: CallWorld): Implemented & CallHooks {
  let current: CallInfo | null = null;
  let choice = structuredClone(DEVICES.choice);
  let echoCancellation = DEVICES.echoCancellation;
  const refuse = (detail: string): never => {
    throw new BackendError({ kind: "local", detail });
  };
  const run = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const update = (change: Partial<CallInfo>) => {
    if (!current) return;
    current = { ...current, ...change };
    const shown = structuredClone(current);
    if (current.stage === "ended") current = null;
    world.emit.call(shown);
  };

  return {
    startCall: (chatid, video) =>
      run(() => {
        if (current) refuse("already in a call");
        const chat = world.chat(chatid) ?? refuse(`no direct chat ${chatid}`);
        current = { chatid, peer: chat.user.userid, outgoing: true, cameraOn: video, muted: false, stage: "outgoingRinging", endReason: null };
        world.emit.call(structuredClone(current));
      }),
    acceptCall: (video) =>
      run(() => {
        if (current?.stage !== "incomingRinging") refuse("no call to do that to");
        update({ cameraOn: video, stage: "active" });
        world.emit.callQuality({ quality: "good", echoCancellation });
      }),
    declineCall: () =>
      run(() => {
        if (current?.stage !== "incomingRinging") refuse("no call to do that to");
        update({ stage: "ended", endReason: "declined" });
      }),
    hangUp: () =>
      run(() => {
        if (!current) refuse("no call to do that to");
        const reason = current!.stage === "outgoingRinging" ? "cancelled" : current!.stage === "incomingRinging" ? "declined" : "hungUp";
        update({ stage: "ended", endReason: reason });
      }),
    setCallMuted: (muted) => run(() => (current ? update({ muted }) : refuse("no call to do that to"))),
    setCallCamera: (on) => run(() => (current ? update({ cameraOn: on }) : refuse("no call to do that to"))),
    currentCall: () => run(() => (current ? structuredClone(current) : null)),
    callDevices: () => run(() => ({ ...structuredClone(DEVICES), echoCancellation, choice: structuredClone(choice) })),
    chooseCallDevices: (picked) =>
      run(() => {
        choice = { microphone: picked.microphone ?? null, speaker: picked.speaker ?? null, camera: picked.camera ?? null };
      }),
    watchCallVideo: () => Promise.resolve(),

    ringFrom(username, video = false) {
      const chat = world.chatWith(username) ?? refuse(`no chat with ${username}`);
      if (current) return;
      current = { chatid: chat.chatid, peer: chat.user.userid, outgoing: false, cameraOn: video, muted: false, stage: "incomingRinging", endReason: null };
      world.emit.call(structuredClone(current));
    },
    partnerAnswers() {
      if (current?.stage !== "outgoingRinging") return;
      update({ stage: "active" });
      world.emit.callQuality({ quality: "good", echoCancellation });
    },
    setEchoCancellation(on) {
      echoCancellation = on;
    },
    partnerEnds(reason) {
      update({ stage: "ended", endReason: reason });
    },
  };
}

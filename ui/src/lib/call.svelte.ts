// The call as the window shows it: one at a time, from the core's `CallChanged` events. The
// core decides everything; this keeps what the view needs (the call, its last end, the
// connection's quality, when it became active) and sends the user's intents.
import type { Backend, CallInfo, CallQuality } from "../backend";
import { locale } from "../i18n/index.svelte";
import { Ringtone } from "./call-ringtone";

export class CallState {
  /** The call now; `null` when there is none. */
  call = $state<CallInfo | null>(null);
  /** The last call that ended, until dismissed or another starts. */
  ended = $state<CallInfo | null>(null);
  quality = $state<CallQuality | null>(null);
  /** `false` when the running call has no echo cancellation: headphones are advised. */
  echoCancellation = $state(true);
  /** When the call became active (ms since the epoch), for its duration. */
  activeSince = $state<number | null>(null);
  /** What failed when the user last asked for something. */
  error = $state("");
  private backend: Backend | null = null;
  private readonly ringtone = new Ringtone();

  /** Follows the backend's call events; answers how to stop. */
  async attach(backend: Backend): Promise<() => void> {
    this.backend = backend;
    this.call = null;
    this.ended = null;
    this.activeSince = null;
    const stopCalls = await backend.on.call((call) => this.changed(call));
    const stopQuality = await backend.on.callQuality((q) => {
      this.quality = q.quality;
      this.echoCancellation = q.echoCancellation;
    });
    const now = await backend.currentCall().catch(() => null);
    if (now) this.changed(now);
    return () => {
      stopCalls();
      stopQuality();
      this.ringtone.stop();
    };
  }

  private changed(call: CallInfo) {
    if (call.stage === "ended") {
      this.call = null;
      this.ended = call;
      this.activeSince = null;
      this.quality = null;
    } else {
      if (!this.call) this.ended = null;
      if (call.stage === "active" && this.activeSince === null) this.activeSince = Date.now();
      this.call = call;
    }
    if (call.stage === "incomingRinging") this.ringtone.start();
    else this.ringtone.stop();
  }

  private async act(work: (backend: Backend) => Promise<unknown>) {
    const backend = this.backend;
    if (!backend) return;
    this.error = await locale.attempt(() => work(backend));
  }

  start = (chatid: string, video: boolean) => this.act((b) => b.startCall(chatid, video));
  accept = (video: boolean) => this.act((b) => b.acceptCall(video));
  decline = () => this.act((b) => b.declineCall());
  hangUp = () => this.act((b) => b.hangUp());
  toggleMute = () => this.act((b) => b.setCallMuted(!this.call?.muted));
  toggleCamera = () => this.act((b) => b.setCallCamera(!this.call?.cameraOn));
  dismissEnded = () => {
    this.ended = null;
  };
}

/** The window's one call state (App.svelte attaches it; the DM header and the call view use it). */
export const calls = new CallState();

/** `seconds` as m:ss, or h:mm:ss past an hour. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

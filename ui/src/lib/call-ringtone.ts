// The ringtone of an incoming call, played by the page (Web Audio): two short tones, then a
// pause, until stopped. A window without audio output stays silent.

const PATTERN_SECONDS = 3;

export class Ringtone {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  start() {
    if (this.timer || typeof AudioContext !== "function") return;
    try {
      this.context = new AudioContext();
    } catch {
      return;
    }
    const ring = () => {
      const context = this.context;
      if (!context) return;
      for (const [offset, frequency] of [
        [0, 880],
        [0.45, 660],
      ] as const) {
        const tone = context.createOscillator();
        const gain = context.createGain();
        tone.frequency.value = frequency;
        gain.gain.value = 0.15;
        tone.connect(gain).connect(context.destination);
        tone.start(context.currentTime + offset);
        tone.stop(context.currentTime + offset + 0.35);
      }
    };
    ring();
    this.timer = setInterval(ring, PATTERN_SECONDS * 1000);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    void this.context?.close().catch(() => {});
    this.context = null;
  }
}

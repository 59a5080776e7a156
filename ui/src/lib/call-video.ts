// The call's video in the window: packets of encoded VP8 from Rust (the partner's frames and
// our own preview, see src-tauri/src/commands/calls.rs for the layout), decoded by WebCodecs'
// `VideoDecoder` onto a canvas. WebKitGTK has no WebRTC, but it has WebCodecs.

/** Whose picture a packet carries. */
export type VideoSource = "partner" | "preview";

export interface VideoPacket {
  source: VideoSource;
  keyframe: boolean;
  /** Microseconds, increasing per source. */
  timestamp: number;
  data: Uint8Array;
}

const HEADER_BYTES = 12;

/** One packet's parts; `null` for a packet too short or of an unknown source. */
export function parsePacket(packet: ArrayBuffer): VideoPacket | null {
  if (packet.byteLength <= HEADER_BYTES) return null;
  const view = new DataView(packet);
  const sourceByte = view.getUint8(0);
  if (sourceByte > 1) return null;
  return {
    source: sourceByte === 0 ? "partner" : "preview",
    keyframe: view.getUint8(1) === 1,
    timestamp: Number(view.getBigUint64(4, true)),
    data: new Uint8Array(packet, HEADER_BYTES),
  };
}

/** Decodes one source's frames onto a canvas. Frames before the first keyframe (and after a
 * decoding error, until the next keyframe) are skipped: VP8 cannot start from a delta frame. */
export class CanvasDecoder {
  /** Frames drawn so far (the end-to-end test waits on it). */
  drawn = 0;
  private decoder: VideoDecoder | null = null;
  private needKeyframe = true;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly ondrawn: (drawn: number) => void = () => {},
  ) {}

  /** Whether this window can decode at all (WebCodecs present). */
  static supported(): boolean {
    return typeof VideoDecoder === "function";
  }

  push(packet: VideoPacket) {
    if (this.needKeyframe && !packet.keyframe) return;
    const decoder = this.decoder ?? this.open();
    if (!decoder) return;
    this.needKeyframe = false;
    try {
      decoder.decode(new EncodedVideoChunk({ type: packet.keyframe ? "key" : "delta", timestamp: packet.timestamp, data: packet.data }));
    } catch {
      this.reset();
    }
  }

  close() {
    if (this.decoder && this.decoder.state !== "closed") this.decoder.close();
    this.decoder = null;
  }

  private open(): VideoDecoder | null {
    if (!CanvasDecoder.supported()) return null;
    const decoder = new VideoDecoder({
      output: (frame) => this.draw(frame),
      error: () => this.reset(),
    });
    decoder.configure({ codec: "vp8" });
    this.decoder = decoder;
    return decoder;
  }

  private draw(frame: VideoFrame) {
    try {
      if (this.canvas.width !== frame.displayWidth) this.canvas.width = frame.displayWidth;
      if (this.canvas.height !== frame.displayHeight) this.canvas.height = frame.displayHeight;
      this.canvas.getContext("2d")?.drawImage(frame, 0, 0);
      this.drawn += 1;
      this.ondrawn(this.drawn);
    } finally {
      frame.close();
    }
  }

  /** The decoder broke: start again at the next keyframe. */
  private reset() {
    this.close();
    this.needKeyframe = true;
  }
}

// The picture uploads the window started: each file is staged (handed to Rust), then uploaded
// into an album or none, with its own progress (the core's `upload` events, by staged id) and
// its own cancel. Finished ones stay listed until cleared, so the user sees what happened.
import type { Backend, Unsubscribe } from "../backend";
import { locale } from "../i18n/index.svelte";
import { applyProgress, finished, type UploadEntry } from "./gallery";

export class PictureUploads {
  entries = $state.raw<UploadEntry[]>([]);
  error = $state("");
  #keys = 0;
  #stop: Promise<Unsubscribe> | null = null;

  /** `backend`: a getter, as a component's prop is read when used. */
  constructor(private readonly backendOf: () => Backend) {}

  private get backend(): Backend {
    return this.backendOf();
  }

  /** Starts hearing the core's progress; answers how to stop. */
  listen(): () => void {
    this.#stop = this.backend.on.upload((progress) => {
      this.entries = applyProgress(this.entries, progress);
    });
    return () => void this.#stop?.then((stop) => stop());
  }

  /** Uploads every file, side by side, into `albumId` (null: none). */
  add(files: readonly File[], albumId: string | null): void {
    for (const file of files) void this.#upload(file, albumId);
  }

  async #upload(file: File, albumId: string | null): Promise<void> {
    const key = `upload-${++this.#keys}`;
    this.entries = [...this.entries, { key, name: file.name, stageId: null, sent: 0, total: file.size, state: "staging" }];
    const update = (change: Partial<UploadEntry>) => {
      this.entries = this.entries.map((e) => (e.key === key ? { ...e, ...change } : e));
    };
    try {
      const stageId = await this.backend.stageFile(file, file.name);
      if (this.entries.find((e) => e.key === key)?.state === "cancelled") {
        await this.backend.discardStaged(stageId);
        return;
      }
      update({ stageId, state: "running" });
      await this.backend.uploadPicture(stageId, albumId);
      update({ state: "done", sent: file.size });
    } catch (error) {
      const entry = this.entries.find((e) => e.key === key);
      if (entry && entry.state !== "cancelled") {
        update({ state: "failed" });
        this.error = locale.error(error);
      }
    }
  }

  cancel(key: string): void {
    const entry = this.entries.find((e) => e.key === key);
    if (!entry || finished(entry)) return;
    if (entry.stageId) void this.backend.cancelPictureUpload(entry.stageId);
    this.entries = this.entries.map((e) => (e.key === key ? { ...e, state: "cancelled" } : e));
  }

  clearFinished(): void {
    this.entries = this.entries.filter((e) => !finished(e));
    this.error = "";
  }
}

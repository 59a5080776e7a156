// The Tauri implementation of `Backend`: a thin mapping onto the generated, typed commands.
import { commands } from "../bindings";
import type { Backend } from "./index";

export const tauriBackend: Backend = {
  appInfo: () => commands.appInfo(),
};

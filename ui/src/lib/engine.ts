// The app's engine starts beside the window (src-tauri/src/startup.rs): the window shows its
// starting screen until the engine is up.
import type { Backend, EngineState } from "../backend";

/** Resolves once the engine is up; rejects with the reason when it could not start. Listens
 * first and then reads the state, so a start that settles in between is not missed. */
export async function engineStarted(backend: Backend): Promise<void> {
  let settle: (state: EngineState) => void = () => {};
  const settled = new Promise<EngineState>((resolve) => (settle = resolve));
  const stop = await backend.on.engine((state) => settle(state));
  try {
    const now = await backend.engineState();
    if (now.phase !== "starting") settle(now);
    const state = await settled;
    if (state.phase === "failed") throw new Error(state.reason);
  } finally {
    stop();
  }
}

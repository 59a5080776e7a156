// The `Backend` is derived from the generated bindings; these check the two implementations
// keep up with them at run time too (the types check them at compile time).
import { describe, expect, it } from "vitest";
import { commands } from "../src/bindings";
import { BackendError, WRAPPED_COMMANDS } from "../src/backend";
import { createMemoryBackend } from "../src/backend/memory";

const backendCommands = Object.keys(commands).filter(
  (name) => !(WRAPPED_COMMANDS as readonly string[]).includes(name),
);

describe("the in-memory backend", () => {
  it("answers every generated command", () => {
    const backend = createMemoryBackend() as unknown as Record<string, unknown>;
    const missing = backendCommands.filter((name) => typeof backend[name] !== "function");
    expect(missing).toEqual([]);
  });

  it("refuses a command it does not implement with a local error, not a crash", async () => {
    const backend = createMemoryBackend();
    const refusal = await backend.openLogFolder().then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(BackendError);
    expect((refusal as BackendError).error).toEqual({
      kind: "local",
      detail: "openLogFolder is not in the in-memory backend",
    });
  });
});

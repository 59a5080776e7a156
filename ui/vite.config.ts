import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The same build serves the Tauri window (from ui/dist, embedded in the binary) and a plain
// browser pointed at a test backend; nothing here is Tauri-specific.
export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // Tauri's CSP has no 'unsafe-inline': keep every asset a file, never an inlined data: URL.
    assetsInlineLimit: 0,
  },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.ts"],
  },
  // Vitest runs in mode "test": resolve Svelte's browser build for component tests.
  resolve: mode === "test" ? { conditions: ["browser"] } : undefined,
}));

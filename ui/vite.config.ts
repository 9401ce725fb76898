// Builds the window's page to dist/, which tauri serves (tauri.conf.json: frontendDist).
// The CSP allows no inline script or style, so nothing is inlined: every asset is a file.
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: ".",
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});

import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The demo app. It imports the library from `../src` (not from `dist`), so it always runs the code of this
 * checkout and needs no library build first.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // simple-peer's plain entry reads Node's `global`; the library imports its prebuilt bundle, this covers the rest.
  define: { global: "globalThis" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
  },
  server: { port: 5173, strictPort: true, host: "127.0.0.1" },
  preview: { port: 5173, strictPort: true, host: "127.0.0.1" },
});

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
    // The demo, and the README's zero-configuration example that the e2e suite opens as `/zero-config.html`.
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL("index.html", import.meta.url)),
        zeroConfig: fileURLToPath(new URL("zero-config.html", import.meta.url)),
      },
    },
  },
  server: { port: 5173, strictPort: true, host: "127.0.0.1" },
  preview: { port: 5173, strictPort: true, host: "127.0.0.1" },
});

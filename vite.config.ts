import { resolve } from "node:path";
import { defineConfig } from "vite";

// Library build: one ES module entry, every dependency left external so that
// applications bundle (and deduplicate) them themselves.
export default defineConfig({
  build: {
    lib: {
      entry: resolve(import.meta.dirname, "src/index.ts"),
      formats: ["es"],
      fileName: () => "hamok.js",
    },
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
    rollupOptions: {
      external: [/^node:/, "eventemitter3", "idb", "simple-peer", /^simple-peer\//, "socket.io-client"],
    },
  },
});

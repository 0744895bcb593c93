import { resolve } from "node:path";
import { defineConfig } from "vite";

// The signaling server as the shipped program `hamok-signal` (package.json `bin`): signaling-server/main.ts (the
// process behind `npm run signal`) as one Node ES module in dist/bin, every package external (socket.io is a
// dependency; redis and its adapter are optional peers, loaded only with --redis-url). Built JavaScript, so
// `npx hamok-signal` runs on plain Node without tsx.
export default defineConfig({
  build: {
    ssr: resolve(import.meta.dirname, "signaling-server/main.ts"),
    outDir: "dist/bin",
    emptyOutDir: false,
    minify: false,
    sourcemap: false,
    target: "node20",
    rollupOptions: {
      output: {
        format: "es",
        entryFileNames: "hamok-signal.js",
        chunkFileNames: "[name].js",
        banner: "#!/usr/bin/env node",
      },
    },
  },
});

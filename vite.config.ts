import { resolve } from "node:path";
import { defineConfig } from "vite";

const entry = (name: string) => resolve(import.meta.dirname, `src/${name}.ts`);

// Library build: one output module per source module (preserveModules), so that an app's bundler keeps only the
// modules it reaches from the entries it imports: `hamok` alone never pulls simple-peer or socket.io-client, which
// only `hamok/webrtc` reaches. Every dependency stays external: apps bundle (and deduplicate) them themselves.
// Not minified (the app's bundler minifies) and without source maps: each file is the compiled module it is named
// after, readable in a stack trace as it is.
export default defineConfig({
  build: {
    lib: {
      entry: {
        index: entry("index"),
        webrtc: entry("webrtc"),
        indexeddb: entry("indexeddb"),
        advanced: entry("advanced"),
      },
      formats: ["es"],
    },
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    minify: false,
    target: "es2022",
    rollupOptions: {
      external: [/^node:/, "eventemitter3", "idb", "simple-peer", /^simple-peer\//, "socket.io-client"],
      output: {
        preserveModules: true,
        preserveModulesRoot: "src",
        entryFileNames: "[name].js",
      },
    },
  },
});

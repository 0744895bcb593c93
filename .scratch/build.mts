import { build } from "vite";
await build({ configFile: false, root: process.cwd(), logLevel: "silent", define: { global: "globalThis" },
  build: { outDir: ".scratch/dist", emptyOutDir: true, minify: false, target: "es2022",
    lib: { entry: "bench/browser/page.ts", formats: ["es"], fileName: () => "bench.js" } } });

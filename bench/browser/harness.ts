/**
 * The Node side of the browser benchmarks: bundle the bench page with Vite, serve it from loopback, start the
 * signaling servers (hamok's own and, for the Yjs baseline, y-webrtc's), launch Chromium through the project's
 * one launch definition (`e2e/chromium.ts`) with an on-disk profile (an in-memory one would make IndexedDB
 * free), and call page functions by name. Everything listens inside the benchmark's network namespace.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { build } from "vite";
import { CHROMIUM_PATH, WEBRTC_CHROMIUM_ARGS } from "../../e2e/chromium";
import { createSignalingServer, type SignalingServer } from "../../signaling-server/server";
import type { HamokBenchApi } from "./page";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PAGE_PORT = 4180;
const SIGNAL_PORT = 8790;
const YJS_SIGNAL_PORT = 4444;

/** The bench page's origin. `localhost` is a secure context (Web Locks, WebCrypto need one). */
export const PAGE_ORIGIN = `http://localhost:${PAGE_PORT}`;
/**
 * The same server under a second origin (also a secure context): its tabs share no BroadcastChannel or
 * IndexedDB with {@link PAGE_ORIGIN}'s, which keeps y-webrtc on its WebRTC path.
 */
export const OTHER_ORIGIN = `http://127.0.0.1:${PAGE_PORT}`;
/** hamok's signaling server for the bench page. */
export const SIGNAL_URL = `http://localhost:${SIGNAL_PORT}`;
/** y-webrtc's signaling server (its own `bin/server.js`). */
export const YJS_SIGNAL_URL = `ws://localhost:${YJS_SIGNAL_PORT}`;

/** A running browser with the bench page served and the signaling servers up. */
export interface BenchBrowser {
  readonly context: BrowserContext;
  /** A new tab on the bench page of `origin` (default {@link PAGE_ORIGIN}). */
  open(origin?: string): Promise<Page>;
  close(): Promise<void>;
}

type Api = HamokBenchApi;

/**
 * Call `window.hamokBench[name](...args)` in `page`. The call is sent as a string: tsx would otherwise inject
 * its helpers into a function's source, which the page does not have.
 */
export function call<K extends keyof Api>(
  page: Page,
  name: K,
  ...args: Parameters<Api[K]>
): Promise<Awaited<ReturnType<Api[K]>>> {
  const list = args.map((arg) => JSON.stringify(arg)).join(", ");
  return page.evaluate(`window.hamokBench.${String(name)}(${list})`) as Promise<Awaited<ReturnType<Api[K]>>>;
}

async function bundlePage(outDir: string): Promise<string> {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: "silent",
    // simple-peer's plain entry (which y-webrtc's dependencies reach) reads Node's `global`.
    define: { global: "globalThis" },
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      target: "es2022",
      lib: { entry: join(ROOT, "bench/browser/page.ts"), formats: ["es"], fileName: () => "bench.js" },
      // One file: the page is served as a single script, and hamok loads its IndexedDB code with a dynamic import.
      rollupOptions: { output: { inlineDynamicImports: true } },
    },
  });
  return readFile(join(outDir, "bench.js"), "utf8");
}

function servePage(script: string): Promise<Server> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>hamok bench</title><script type="module" src="/bench.js"></script>';
  const server = createServer((request, response) => {
    const isScript = request.url === "/bench.js";
    // Cross-origin isolated, so that performance.now() has microsecond resolution instead of 100 µs.
    response.writeHead(200, {
      "content-type": isScript ? "text/javascript" : "text/html",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    response.end(isScript ? script : html);
  });
  return new Promise((resolve) => server.listen(PAGE_PORT, "127.0.0.1", () => resolve(server)));
}

function startYjsSignaling(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, "node_modules/y-webrtc/bin/server.js")], {
    env: { ...process.env, PORT: String(YJS_SIGNAL_PORT) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  // The server prints one line once it listens.
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stdout?.once("data", () => resolve(child));
  });
}

/** Start everything; `close()` stops it all and removes the profile. */
export async function startBenchBrowser(): Promise<BenchBrowser> {
  const workDir = await mkdtemp(join(tmpdir(), "hamok-bench-browser-"));
  const script = await bundlePage(join(workDir, "dist"));
  const page = await servePage(script);
  const signaling: SignalingServer = createSignalingServer({ host: "127.0.0.1", port: SIGNAL_PORT });
  await signaling.listen();
  const yjsSignaling = await startYjsSignaling();
  const context = await chromium.launchPersistentContext(join(workDir, "profile"), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...WEBRTC_CHROMIUM_ARGS],
  });
  return {
    context,
    open: async (origin = PAGE_ORIGIN) => {
      const tab = await context.newPage();
      await tab.goto(`${origin}/`);
      await tab.waitForFunction("window.hamokBench !== undefined");
      return tab;
    },
    close: async () => {
      await context.close();
      yjsSignaling.kill();
      await signaling.close();
      await new Promise((done) => page.close(done));
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

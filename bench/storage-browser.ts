/**
 * Persisted append latency and throughput of the IndexedDB storage in Chromium,
 * relaxed vs strict durability (and the browser default).
 *
 * Run: `npx tsx bench/storage-browser.ts` (`--quick` for a short run).
 *
 * The storage is bundled with Vite and loaded into a page of a persistent
 * (on-disk) Chromium profile: the default incognito-like context keeps
 * IndexedDB in memory, which would make every durability look free. The page
 * is served through Playwright request interception, so nothing touches the network.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { build } from "vite";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../e2e/chromium";
import type { ClusterBenchRow, StorageBenchRow } from "./storage-browser-page";

export type { ClusterBenchRow, StorageBenchRow };

/** Options of {@link runStorageBrowserBench}. */
export interface StorageBenchOptions {
  /** Saves per storage configuration. Default 400. */
  readonly saves?: number;
  /** Map writes per cluster configuration. Default 2000. */
  readonly clusterWrites?: number;
  /** Cluster writes in flight at once. Default 64. */
  readonly concurrency?: number;
  readonly executablePath?: string;
}

/** Results of {@link runStorageBrowserBench}. */
export interface StorageBenchResult {
  readonly storage: StorageBenchRow[];
  readonly cluster: ClusterBenchRow[];
}

const ORIGIN = "http://hamok-bench.localhost";

async function bundleStorage(outDir: string): Promise<string> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  await build({
    configFile: false,
    root,
    logLevel: "silent",
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: join(root, "bench/storage-browser-page.ts"), formats: ["es"], fileName: () => "storage.js" },
    },
  });
  return readFile(join(outDir, "storage.js"), "utf8");
}

/**
 * Measure in headless Chromium: the IndexedDB storage alone (one row per durability and
 * batch size), then a 3-peer cluster per storage (memory, relaxed, strict).
 */
export async function runStorageBrowserBench(options: StorageBenchOptions = {}): Promise<StorageBenchResult> {
  const workDir = await mkdtemp(join(tmpdir(), "hamok-storage-bench-"));
  try {
    const script = await bundleStorage(join(workDir, "dist"));
    const context = await chromium.launchPersistentContext(join(workDir, "profile"), {
      executablePath: options.executablePath ?? CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    try {
      await context.route(`${ORIGIN}/**`, (route) => {
        const isScript = new URL(route.request().url()).pathname === "/storage.js";
        return route.fulfill(
          isScript
            ? { contentType: "text/javascript", body: script }
            : { contentType: "text/html", body: "<!doctype html><title>hamok storage bench</title>" },
        );
      });
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${ORIGIN}/`);
      // Strings, not functions: tsx would inject helpers into a function's source that the page lacks.
      const storage = (await page.evaluate(
        `import("/storage.js").then((bench) => bench.measureStorage(${options.saves ?? 400}))`,
      )) as StorageBenchRow[];
      const cluster = (await page.evaluate(
        `import("/storage.js").then((bench) => bench.measureCluster(${options.clusterWrites ?? 2000}, ${options.concurrency ?? 64}))`,
      )) as ClusterBenchRow[];
      return { storage, cluster };
    } finally {
      await context.close();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** An aligned text table. */
function formatTable(header: readonly string[], lines: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]?.length ?? 0)));
  const format = (cells: readonly string[]) => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join("  ");
  return [format(header), format(widths.map((width) => "-".repeat(width))), ...lines.map(format)].join("\n");
}

/** The results as two text tables, with titles. */
export function formatStorageBenchResult(result: StorageBenchResult): string {
  const storage = formatTable(
    ["durability", "entries/save", "saves", "p50 ms", "p99 ms", "saves/s", "entries/s"],
    result.storage.map((row) => [
      row.durability,
      String(row.entriesPerSave),
      String(row.saves),
      row.p50Ms.toFixed(2),
      row.p99Ms.toFixed(2),
      row.savesPerSecond.toFixed(0),
      row.entriesPerSecond.toFixed(0),
    ]),
  );
  const cluster = formatTable(
    ["storage", "writes", "in flight", "p50 ms", "p99 ms", "writes/s"],
    result.cluster.map((row) => [
      row.storage,
      String(row.writes),
      String(row.concurrency),
      row.p50Ms.toFixed(2),
      row.p99Ms.toFixed(2),
      row.writesPerSecond.toFixed(0),
    ]),
  );
  return [
    "IndexedDB RaftLogs in Chromium (on-disk profile), one save awaited at a time",
    storage,
    "",
    "3 Hamok peers in one Chromium page (MemoryHub), map writes through a follower",
    cluster,
  ].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes("--quick");
  const result = await runStorageBrowserBench(quick ? { saves: 100, clusterWrites: 500 } : {});
  console.log(formatStorageBenchResult(result));
}

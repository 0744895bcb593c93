/**
 * `npm run size`: what hamok costs an app. Builds the package (`npm run build`), then three small consumer apps with
 * Vite against the built package exactly as an app imports it (`hamok`, `hamok/indexeddb`, `hamok/webrtc` through
 * the `exports` map), with Vite's default production settings, and prints two tables:
 *
 * - per app: the gzip size of the chunks it loads at start (eager), of every chunk of its build (total), and of
 *   what it loads for what it does (counted: eager plus the lazy chunks it loads; held to the target). A lazy chunk
 *   is left out of `counted` only where the app declares it is never loaded and why (`notLoaded`). Each chunk is
 *   gzipped on its own, as a server sends it.
 * - per app: where the bytes come from, minified kB by part of hamok (raft core, runtime, collections, ...) and by
 *   dependency.
 *
 * Exits 1 when an app is over its target. `--no-build` measures the `dist/` that is already there.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Rollup, transformWithEsbuild } from "vite";

const repository = resolve(import.meta.dirname, "..");

interface ConsumerApp {
  readonly name: string;
  readonly targetGzipKb: number;
  readonly source: string;
  /** Lazy chunks (by the module they are made for, relative to dist/) this app never loads, with why. */
  readonly notLoaded?: Readonly<Record<string, string>>;
}

// Each app uses what it imports (a write, an event listener), so that the minifier cannot drop it.
const APPS: readonly ConsumerApp[] = [
  {
    name: "core + BroadcastChannel",
    targetGzipKb: 30,
    source: `import { Hamok, broadcastChannelTransport } from "hamok";
const hamok = new Hamok();
hamok.on("leader-changed", (leaderId) => console.log("leader", leaderId));
await hamok.join({ transport: broadcastChannelTransport({ room: "size" }) });
await hamok.createMap({ mapId: "m" }).set("k", 1);`,
    notLoaded: {
      "storage/indexeddb/indexeddb-raft-logs.js":
        "only persistence: { type: 'indexeddb' } loads it; this app keeps memory",
      "storage/dead-peers.js": "only stand-ins load it, and they run only with IndexedDB persistence",
    },
  },
  {
    name: "+ IndexedDB",
    targetGzipKb: 33,
    source: `import { Hamok, broadcastChannelTransport } from "hamok";
import { claimPeerId, pruneIndexedDbRaftLogs } from "hamok/indexeddb";
const room = "size";
const { peerId } = (await claimPeerId({ room })).identity;
const hamok = new Hamok({ peerId, persistence: { type: "indexeddb", room } });
await hamok.join({ transport: broadcastChannelTransport({ room }) });
await hamok.createMap({ mapId: "m" }).set("k", 1);
await pruneIndexedDbRaftLogs({ room, members: [peerId] });`,
  },
  {
    name: "+ WebRTC",
    targetGzipKb: 60,
    source: `import { Hamok } from "hamok";
import { claimPeerId } from "hamok/indexeddb";
import { webrtcTransport } from "hamok/webrtc";
const room = "size";
const { peerId } = (await claimPeerId({ room })).identity;
const hamok = new Hamok({ peerId, persistence: { type: "indexeddb", room } });
await hamok.join({ transport: webrtcTransport({ url: "https://signal.example", room }) });
await hamok.createMap({ mapId: "m" }).set("k", 1);`,
  },
];

interface Measured {
  readonly eagerGzip: number;
  readonly countedGzip: number;
  readonly totalGzip: number;
  /** Minified bytes by part: a hamok folder (`raft`, `runtime/membership`, ...) or a dependency's name. */
  readonly byPart: ReadonlyMap<string, number>;
}

/** The part a module belongs to: its folder under hamok's dist/ (two levels under runtime/), or its package. */
function partOf(moduleId: string): string {
  const marker = "/node_modules/";
  const at = moduleId.lastIndexOf(marker);
  if (at >= 0) {
    const rest = moduleId.slice(at + marker.length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "?");
  }
  const dist = `${repository}/dist/`;
  if (!moduleId.startsWith(dist)) return moduleId.includes("vite/") ? "vite runtime" : "app";
  const folders = moduleId.slice(dist.length).split("/").slice(0, -1);
  if (folders.length === 0) return "hamok (entries, facade)";
  return `hamok ${folders.slice(0, folders[0] === "runtime" ? 2 : 1).join("/")}`;
}

/** The module a dynamic chunk was made for, relative to dist/ (`storage/dead-peers.js`). */
function lazyFacade(chunk: Rollup.OutputChunk): string {
  const id = chunk.facadeModuleId ?? "";
  return id.startsWith(`${repository}/dist/`) ? id.slice(`${repository}/dist/`.length) : id;
}

async function measure(app: ConsumerApp, workDir: string): Promise<Measured> {
  const appDir = mkdtempSync(join(workDir, "app-"));
  mkdirSync(join(appDir, "node_modules"));
  // The app sees the package as installed: its package.json `exports` decide what each specifier loads.
  symlinkSync(repository, join(appDir, "node_modules", "hamok"), "dir");
  writeFileSync(join(appDir, "main.js"), `${app.source}\n`);
  // Vite's production defaults (minifier, target, module preload): what an app's `vite build` does.
  const result = await build({
    root: appDir,
    configFile: false,
    logLevel: "silent",
    build: { write: false, rollupOptions: { input: join(appDir, "main.js") } },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const chunks = new Map<string, Rollup.OutputChunk>();
  for (const output of outputs) {
    for (const item of output.output) if (item.type === "chunk") chunks.set(item.fileName, item);
  }
  const gzip = (chunk: Rollup.OutputChunk) => gzipSync(chunk.code, { level: 9 }).length;
  // What loading a chunk loads: itself and its static imports, transitively.
  const closure = (roots: Iterable<string>): Set<string> => {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const imported of chunks.get(name)?.imports ?? []) visit(imported);
    };
    for (const root of roots) visit(root);
    return seen;
  };
  const all = [...chunks.values()];
  const eager = closure(all.filter((chunk) => chunk.isEntry).map((chunk) => chunk.fileName));
  const notLoaded = app.notLoaded ?? {};
  const declared = new Set(Object.keys(notLoaded));
  const loadedLazy = all.filter((chunk) => chunk.isDynamicEntry && !declared.has(lazyFacade(chunk)));
  for (const chunk of all) {
    if (chunk.isDynamicEntry && declared.has(lazyFacade(chunk))) declared.delete(lazyFacade(chunk));
  }
  // A declaration that matches no lazy chunk is stale: refuse it rather than let it excuse something else later.
  if (declared.size > 0) throw new Error(`${app.name}: no lazy chunk for ${[...declared].join(", ")}`);
  const counted = closure([...eager, ...loadedLazy.map((chunk) => chunk.fileName)]);
  const sum = (names: Iterable<string>) => {
    let bytes = 0;
    for (const name of names) {
      const chunk = chunks.get(name);
      if (chunk !== undefined) bytes += gzip(chunk);
    }
    return bytes;
  };
  const byPart = new Map<string, number>();
  for (const name of counted) {
    const chunk = chunks.get(name);
    if (chunk === undefined) continue;
    for (const [id, info] of Object.entries(chunk.modules)) {
      if (info.code === null || info.code.length === 0) continue;
      const minified = await transformWithEsbuild(info.code, `${id.replace(/[?#].*$/, "")}.js`, {
        minify: true,
        format: "esm",
        loader: "js",
      });
      const part = partOf(id);
      byPart.set(part, (byPart.get(part) ?? 0) + Buffer.byteLength(minified.code));
    }
  }
  return { eagerGzip: sum(eager), countedGzip: sum(counted), totalGzip: sum(chunks.keys()), byPart };
}

const kb = (bytes: number) => (bytes / 1000).toFixed(1);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

if (!process.argv.includes("--no-build")) {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: repository, stdio: "inherit" });
}
const workDir = mkdtempSync(join(tmpdir(), "hamok-size-"));
let over = 0;
try {
  const sizes: string[][] = [];
  const parts: string[][] = [];
  const notes: string[] = [];
  for (const app of APPS) {
    const measured = await measure(app, workDir);
    const ok = measured.countedGzip <= app.targetGzipKb * 1000;
    if (!ok) over += 1;
    sizes.push([
      app.name,
      kb(measured.eagerGzip),
      kb(measured.countedGzip),
      kb(measured.totalGzip),
      `≤ ${app.targetGzipKb}${ok ? "" : " (over)"}`,
    ]);
    parts.push([
      app.name,
      [...measured.byPart]
        .filter(([part]) => part !== "app")
        .sort((a, b) => b[1] - a[1])
        .map(([part, bytes]) => `${part} ${kb(bytes)}`)
        .join(", "),
    ]);
    for (const [chunk, why] of Object.entries(app.notLoaded ?? {}))
      notes.push(`${app.name}: ${chunk} not loaded (${why})`);
  }
  console.log(table(["app (vite build)", "eager gzip kB", "counted gzip kB", "all chunks gzip kB", "target"], sizes));
  console.log();
  console.log(table(["app", "counted chunks: minified kB by part (each module minified alone)"], parts));
  if (notes.length > 0)
    console.log(`\nLazy chunks left out of "counted":\n${notes.map((note) => `- ${note}`).join("\n")}`);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
process.exit(over === 0 ? 0 : 1);

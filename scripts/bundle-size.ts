/**
 * `npm run size`: what hamok costs an app. Builds the package (`npm run build`), then three small consumer apps with
 * Vite against the built package exactly as an app imports it (`hamok`, `hamok/indexeddb`, `hamok/webrtc` through
 * the `exports` map), minified for production, and prints a table: minified and gzip size of each app, its target,
 * and what each package contributes (rendered, before minification). Exits 1 when an app is over its target.
 *
 * `--no-build` measures the `dist/` that is already there.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Rollup } from "vite";

const repository = resolve(import.meta.dirname, "..");

interface ConsumerApp {
  readonly name: string;
  readonly targetGzipKb: number;
  readonly source: string;
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
  readonly minBytes: number;
  readonly gzipBytes: number;
  /** Rendered (minified) bytes per package: "hamok" or the dependency's name. */
  readonly byPackage: ReadonlyMap<string, number>;
}

function packageOf(moduleId: string): string {
  const marker = "/node_modules/";
  const at = moduleId.lastIndexOf(marker);
  if (at < 0) return moduleId.startsWith(repository) ? "hamok" : "app";
  const rest = moduleId.slice(at + marker.length).split("/");
  return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "?");
}

async function measure(app: ConsumerApp, workDir: string): Promise<Measured> {
  const appDir = mkdtempSync(join(workDir, "app-"));
  mkdirSync(join(appDir, "node_modules"));
  // The app sees the package as installed: its package.json `exports` decide what each specifier loads.
  symlinkSync(repository, join(appDir, "node_modules", "hamok"), "dir");
  writeFileSync(join(appDir, "main.js"), `${app.source}\n`);
  const result = await build({
    root: appDir,
    configFile: false,
    logLevel: "silent",
    build: {
      write: false,
      minify: "esbuild",
      target: "es2022",
      modulePreload: false,
      rollupOptions: { input: join(appDir, "main.js") },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  let code = "";
  const byPackage = new Map<string, number>();
  for (const output of outputs) {
    for (const item of output.output) {
      if (item.type !== "chunk") continue;
      code += item.code;
      for (const [id, info] of Object.entries(item.modules)) {
        const name = packageOf(id);
        byPackage.set(name, (byPackage.get(name) ?? 0) + info.renderedLength);
      }
    }
  }
  return { minBytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length, byPackage };
}

const kb = (bytes: number) => (bytes / 1000).toFixed(1);

if (!process.argv.includes("--no-build")) {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: repository, stdio: "inherit" });
}
const workDir = mkdtempSync(join(tmpdir(), "hamok-size-"));
let over = 0;
try {
  const rows: string[][] = [];
  for (const app of APPS) {
    const measured = await measure(app, workDir);
    const parts = [...measured.byPackage]
      .filter(([name]) => name !== "app")
      .sort((a, b) => b[1] - a[1])
      .map(([name, bytes]) => `${name} ${kb(bytes)}`)
      .join(", ");
    const ok = measured.gzipBytes <= app.targetGzipKb * 1000;
    if (!ok) over += 1;
    rows.push([
      app.name,
      kb(measured.minBytes),
      kb(measured.gzipBytes),
      `≤ ${app.targetGzipKb}${ok ? "" : " (over)"}`,
      parts,
    ]);
  }
  const header = ["app (Vite, minified)", "min kB", "gzip kB", "target gzip kB", "unminified kB by package"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log(line(header));
  console.log(`| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`);
  for (const row of rows) console.log(line(row));
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
process.exit(over === 0 ? 0 : 1);

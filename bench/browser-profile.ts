/**
 * Where a tab's time goes during the 3-tab write benchmark: a CPU profile (CDP `Profiler.start`/`stop`) of the
 * writing follower and of the leader while they run the same writes as `bench/browser-cluster.ts` (relaxed
 * durability), summarised as the functions with the most self time.
 *
 *   npx tsx bench/browser-profile.ts [--out DIR]     (re-runs itself inside a private network namespace)
 *
 * With `--out`, the raw profiles are written there as `.cpuprofile` files (open them in Chromium's DevTools).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CDPSession, Page } from "playwright-core";
import { startCluster } from "./browser/cluster";
import { call, startBenchBrowser } from "./browser/harness";
import { type BenchRow, runInNamespace } from "./namespace-bench";

const TOP = 25;

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

async function startProfiler(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  await cdp.send("Profiler.start");
  return cdp;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split("/").pop() ?? "";
  return `${functionName || "(anonymous)"}${file === "" ? "" : ` ${file}:${lineNumber + 1}`}`;
}

/** Self time by function, in ms, most first. */
export function selfTimes(profile: Profile): { total: number; rows: [string, number][] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    if (node === undefined) continue;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]);
  return { total: (profile.endTime - profile.startTime) / 1000, rows };
}

function outDir(): string | undefined {
  const at = process.argv.indexOf("--out");
  return at < 0 ? undefined : process.argv[at + 1];
}

async function run(): Promise<BenchRow[]> {
  const browser = await startBenchBrowser();
  try {
    const cluster = await startCluster(browser, 3, { transport: "webrtc", durability: "relaxed" });
    const follower = cluster.followers[0]!;
    // Warm the JIT first, so the profile shows the steady state.
    await call(follower, "writeLatencies", "warm", 100, 0);
    const profilers = [
      ["follower", await startProfiler(follower)],
      ["leader", await startProfiler(cluster.leader)],
    ] as const;
    const latency = await call(follower, "writeLatencies", "latency", 300, 0);
    const ms = await call(follower, "throughput", "throughput", 5_000, 200);
    const rows: BenchRow[] = [
      { name: "follower write, p50 (while profiled)", value: latency.p50, unit: "ms" },
      { name: "follower writes, 200 in flight (while profiled)", value: 5_000 / (ms / 1000), unit: "ops/s" },
    ];
    for (const [role, cdp] of profilers) {
      const { profile } = (await cdp.send("Profiler.stop")) as { profile: Profile };
      const dir = outDir();
      if (dir !== undefined) await writeFile(join(dir, `${role}.cpuprofile`), JSON.stringify(profile));
      const { total, rows: top } = selfTimes(profile);
      rows.push({ name: `${role}: profiled wall time`, value: total, unit: "ms" });
      for (const [name, selfMs] of top.slice(0, TOP)) {
        rows.push({ name: `${role}: ${name.slice(0, 90)}`, value: selfMs, unit: "ms", floor: total / 100 });
      }
    }
    await cluster.stop();
    return rows;
  } finally {
    await browser.close();
  }
}

runInNamespace(
  import.meta.url,
  "hamok tab CPU profile: 3 tabs, WebRTC, IndexedDB relaxed; self time by function ('x floor' = % of the profiled wall time)",
  run,
  600_000,
);

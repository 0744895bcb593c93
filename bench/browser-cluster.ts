/**
 * Browser cluster benchmark: 3 Chromium tabs of the demo over WebRTC, each persisting to IndexedDB.
 *
 *   npx tsx bench/browser-cluster.ts            (re-runs itself inside a private network namespace)
 *
 * Prints commit latency (p50/p99) of writes from a follower tab, sustained write throughput, failover time
 * after the leader tab closes or stalls, and the catch-up time of a late tab on 10,000 entries. The tabs
 * run in a persistent (on-disk) browser profile: the default incognito context keeps IndexedDB in memory,
 * which would leave persistence out of the numbers. Needs root (for the namespace) and /usr/bin/chromium.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "@playwright/test";
import config from "../e2e/playwright.config";
import { DEMO_ORIGIN, startE2eServers } from "../e2e/servers";
import { demoUrl } from "../e2e/tabs";
import { type BenchRow, runInNamespace } from "./namespace-bench";

const LATENCY_WRITES = 300;
const THROUGHPUT_WRITES = 5_000;
const THROUGHPUT_CONCURRENCY = 200;
const CATCH_UP_ENTRIES = 10_000;

type Row = BenchRow;

async function openTab(context: BrowserContext, room: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(demoUrl(room));
  await page.waitForFunction(() => window.hamokDemo !== undefined);
  await page.evaluate(() => window.hamokDemo!.joined);
  return page;
}

async function roles(pages: readonly Page[]): Promise<{ leader: Page; followers: Page[] }> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const states = await Promise.all(pages.map((page) => page.evaluate(() => window.hamokDemo!.inspect())));
    const leaders = states.filter((state) => state.role === "leader");
    if (leaders.length === 1 && states.every((state) => state.leaderId === leaders[0]!.peerId)) {
      const index = states.indexOf(leaders[0]!);
      return { leader: pages[index]!, followers: pages.filter((_, i) => i !== index) };
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error("the tabs did not agree on one leader");
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Sequential writes from a follower: each is forwarded to the leader, persisted by a quorum, applied here. */
function followerLatencies(follower: Page): Promise<number[]> {
  return follower.evaluate(async (count) => {
    const { tasks, hamok } = window.hamokDemo!.cluster;
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await tasks.set(`latency-${i}`, { text: `latency ${i}`, done: false, author: hamok.localPeerId, createdAt: i });
      samples.push(performance.now() - started);
    }
    return samples;
  }, LATENCY_WRITES);
}

/** Resolves (in ms since the epoch) when one of `pages` sees a leader other than `oldLeaderId`. */
function watchNewLeader(pages: readonly Page[], oldLeaderId: string): Promise<number> {
  const never = new Promise<number>(() => undefined);
  return Promise.race(
    pages.map((page) =>
      page
        .evaluate(async (old) => {
          const { hamok } = window.hamokDemo!.cluster;
          for (;;) {
            const leaderId = hamok.raft.leaderId;
            if (leaderId !== undefined && leaderId !== old) return Date.now();
            await new Promise((done) => setTimeout(done, 5));
          }
        }, oldLeaderId)
        // A page closed before it saw the new leader simply does not win the race.
        .catch(() => never),
    ),
  );
}

async function failover(context: BrowserContext, room: string, how: "close" | "stall"): Promise<number> {
  const pages = [await openTab(context, room), await openTab(context, room), await openTab(context, room)];
  const { leader, followers } = await roles(pages);
  const oldLeaderId = await leader.evaluate(() => window.hamokDemo!.cluster.hamok.localPeerId);
  const elected = watchNewLeader(followers, oldLeaderId);
  const started = Date.now();
  if (how === "close") {
    await leader.close();
  } else {
    const cdp = await context.newCDPSession(leader);
    await cdp.send("Debugger.enable");
    await cdp.send("Debugger.pause");
  }
  const ms = (await elected) - started;
  for (const page of pages) if (!page.isClosed()) await page.close().catch(() => undefined);
  return ms;
}

async function run(): Promise<Row[]> {
  const outDir = await mkdtemp(join(tmpdir(), "hamok-bench-demo-"));
  const profile = await mkdtemp(join(tmpdir(), "hamok-bench-profile-"));
  const servers = await startE2eServers(outDir);
  const context = await chromium.launchPersistentContext(profile, {
    ...config.use?.launchOptions,
    baseURL: DEMO_ORIGIN,
    viewport: { width: 1000, height: 700 },
  });
  const rows: Row[] = [];
  try {
    const room = `bench-${Date.now().toString(36)}`;
    const pages = [await openTab(context, room), await openTab(context, room), await openTab(context, room)];
    const { leader, followers } = await roles(pages);

    const latencies = (await followerLatencies(followers[0]!)).sort((a, b) => a - b);
    rows.push({ name: "commit latency from a follower, p50", value: percentile(latencies, 50), unit: "ms" });
    rows.push({ name: "commit latency from a follower, p99", value: percentile(latencies, 99), unit: "ms" });

    const started = performance.now();
    await leader.evaluate(
      ([count, concurrency]) => window.hamokDemo!.bulkAdd("throughput", count!, concurrency!),
      [THROUGHPUT_WRITES, THROUGHPUT_CONCURRENCY],
    );
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      name: `throughput, ${THROUGHPUT_CONCURRENCY} writes in flight`,
      value: THROUGHPUT_WRITES / seconds,
      unit: "ops/s",
    });

    // Fill up to 10,000 entries, then time a new tab from navigation to joined with every entry applied.
    const size = await leader.evaluate(() => window.hamokDemo!.cluster.tasks.size);
    await leader.evaluate((count) => window.hamokDemo!.bulkAdd("fill", count, 200), CATCH_UP_ENTRIES - size);
    const catchUpStarted = performance.now();
    const late = await openTab(context, room);
    await late.waitForFunction((count) => window.hamokDemo!.cluster.tasks.size >= count, CATCH_UP_ENTRIES);
    rows.push({ name: "late tab catch-up on 10,000 entries", value: performance.now() - catchUpStarted, unit: "ms" });
    for (const page of [...pages, late]) await page.close();

    rows.push({
      name: "failover after the leader tab closes",
      value: await failover(context, `${room}-close`, "close"),
      unit: "ms",
    });
    rows.push({
      name: "failover after the leader tab stalls",
      value: await failover(context, `${room}-stall`, "stall"),
      unit: "ms",
    });
  } finally {
    await context.close();
    await servers.close();
    await rm(outDir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
  return rows;
}

runInNamespace(
  import.meta.url,
  "hamok browser cluster: 3 Chromium tabs, WebRTC data channels, IndexedDB (relaxed durability)",
  run,
  600_000,
);

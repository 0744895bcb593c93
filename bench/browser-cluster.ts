/**
 * Browser cluster benchmark: 3 Chromium tabs of a bare page (the library, no rendering), each a hamok peer over
 * WebRTC persisting to IndexedDB, with `relaxed` and with `strict` durability; the floors measured in the same
 * browser and run; the Yjs baseline (y-webrtc); and the demo's own figures beside the bare page's.
 *
 *   npx tsx bench/browser-cluster.ts [--no-demo]     (re-runs itself inside a private network namespace)
 *
 * The "x floor" column divides each figure by what it is read against: a follower write by its physical
 * floor (two data-channel round trips and one IndexedDB transaction of that durability), hamok's write by a
 * Yjs update reaching the other tab (the price of consensus), the demo's figure by the bare page's.
 */
import { startCluster, uniqueRoom } from "./browser/cluster";
import { demoCatchUp, demoFailover, demoRoles, demoWriteLatencies, openDemoTab, startDemo } from "./browser/demo-tabs";
import { followerWriteFloor, measureFloors } from "./browser/floors";
import { type BenchBrowser, startBenchBrowser } from "./browser/harness";
import { measureYjs } from "./browser/yjs-baseline";
import { followerWrites } from "./browser-cluster-writes";
import { type BenchRow, runInNamespace } from "./namespace-bench";

const LATENCY_WRITES = 300;
const LATENCY_WARM_UP = 30;
const CATCH_UP_ENTRIES = 10_000;

async function bare(browser: BenchBrowser): Promise<{ rows: BenchRow[]; relaxedP50: number }> {
  const floors = await measureFloors(browser);
  const rtt = floors.rtcRtt.p50;
  const rows: BenchRow[] = [
    { name: "floor: raw data-channel round trip, p50", value: rtt, unit: "ms" },
    { name: "floor: raw data-channel round trip, p99", value: floors.rtcRtt.p99, unit: "ms" },
    { name: "floor: one IndexedDB transaction (relaxed), p50", value: floors.idbRelaxed.p50, unit: "ms" },
    { name: "floor: one IndexedDB transaction (strict), p50", value: floors.idbStrict.p50, unit: "ms" },
  ];
  let relaxedP50 = Number.NaN;
  for (const durability of ["relaxed", "strict"] as const) {
    const floor = followerWriteFloor(rtt, durability === "relaxed" ? floors.idbRelaxed.p50 : floors.idbStrict.p50);
    const cluster = await startCluster(browser, 3, { transport: "webrtc", durability });
    const figures = await followerWrites(cluster);
    await cluster.stop();
    if (durability === "relaxed") relaxedP50 = figures.p50;
    rows.push(
      { name: `${durability}: floor of a follower write (2 RTT + 1 transaction)`, value: floor, unit: "ms" },
      { name: `${durability}: follower write, p50`, value: figures.p50, unit: "ms", floor },
      { name: `${durability}: follower write, p99`, value: figures.p99, unit: "ms", floor },
      {
        name: `${durability}: follower writes, ${figures.inFlight} in flight`,
        value: figures.perSecond,
        unit: "ops/s",
      },
    );
  }
  const yjs = await measureYjs(browser, "webrtc");
  rows.push(
    { name: "Yjs: map update reaches the other tab over y-webrtc, p50", value: yjs.p50, unit: "ms", floor: rtt / 2 },
    { name: "Yjs: map update reaches the other tab over y-webrtc, p99", value: yjs.p99, unit: "ms" },
    { name: "price of consensus: relaxed follower write p50 / Yjs p50", value: relaxedP50, unit: "ms", floor: yjs.p50 },
  );
  return { rows, relaxedP50 };
}

async function demo(browser: BenchBrowser, bareP50: number): Promise<BenchRow[]> {
  const servers = await startDemo();
  try {
    const room = uniqueRoom("demo-3");
    const pages = [];
    for (let i = 0; i < 3; i++) pages.push(await openDemoTab(browser.context, room));
    const { followers } = await demoRoles(pages, 3);
    const latency = await demoWriteLatencies(followers[0]!, "latency", LATENCY_WRITES, LATENCY_WARM_UP);
    for (const page of pages) await page.close();
    return [
      { name: "demo (x = vs bare page): follower write, p50", value: latency.p50, unit: "ms", floor: bareP50 },
      { name: "demo: follower write, p99", value: latency.p99, unit: "ms" },
      {
        name: "demo: late tab catch-up on 10,000 entries",
        value: await demoCatchUp(browser.context, CATCH_UP_ENTRIES),
        unit: "ms",
      },
      {
        name: "demo: failover after the leader tab closes",
        value: await demoFailover(browser.context, "close"),
        unit: "ms",
      },
      {
        name: "demo: failover after the leader tab stalls",
        value: await demoFailover(browser.context, "stall"),
        unit: "ms",
      },
    ];
  } finally {
    await servers.close();
  }
}

async function run(): Promise<BenchRow[]> {
  const browser = await startBenchBrowser();
  try {
    const { rows, relaxedP50 } = await bare(browser);
    if (!process.argv.includes("--no-demo")) rows.push(...(await demo(browser, relaxedP50)));
    return rows;
  } finally {
    await browser.close();
  }
}

runInNamespace(
  import.meta.url,
  "hamok browser cluster: 3 Chromium tabs (bare page), WebRTC data channels, IndexedDB relaxed and strict",
  run,
  900_000,
);

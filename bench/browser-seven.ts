/**
 * Seven-tab benchmark: 7 Chromium tabs of a bare page over WebRTC with IndexedDB (relaxed): 5 voters and 2
 * learners (hamok's default `maxVoters` is 5). Prints the write latency from a voting follower and from a
 * learner against the floor measured in the same run, and the demo's own figures beside the bare page's.
 *
 *   npx tsx bench/browser-seven.ts [--no-demo]        (re-runs itself inside a private network namespace)
 */

import { startCluster, uniqueRoom } from "./browser/cluster";
import { demoRoles, demoWriteLatencies, openDemoTab, startDemo } from "./browser/demo-tabs";
import { followerWriteFloor, measureFloors } from "./browser/floors";
import { type BenchBrowser, startBenchBrowser } from "./browser/harness";
import { writeLatencies } from "./browser-cluster-writes";
import { type BenchRow, runInNamespace } from "./namespace-bench";

const TABS = 7;
const VOTERS = 5;

async function demo(browser: BenchBrowser, bare: { follower: number; learner: number }): Promise<BenchRow[]> {
  const servers = await startDemo();
  try {
    const room = uniqueRoom("demo-7");
    const pages = [];
    for (let i = 0; i < TABS; i++) pages.push(await openDemoTab(browser.context, room));
    const { followers, learners } = await demoRoles(pages, VOTERS);
    const follower = await demoWriteLatencies(followers[0]!, "follower", 300, 30);
    const learner = await demoWriteLatencies(learners[0]!, "learner", 300, 30);
    for (const page of pages) await page.close();
    return [
      {
        name: "demo (x = vs bare page): voting follower write, p50",
        value: follower.p50,
        unit: "ms",
        floor: bare.follower,
      },
      { name: "demo (x = vs bare page): learner write, p50", value: learner.p50, unit: "ms", floor: bare.learner },
      { name: "demo: learner write, p99", value: learner.p99, unit: "ms" },
    ];
  } finally {
    await servers.close();
  }
}

async function run(): Promise<BenchRow[]> {
  const browser = await startBenchBrowser();
  try {
    const floors = await measureFloors(browser);
    const floor = followerWriteFloor(floors.rtcRtt.p50, floors.idbRelaxed.p50);
    const cluster = await startCluster(browser, TABS, { transport: "webrtc", durability: "relaxed" });
    const follower = await writeLatencies(cluster.followers[0]!, "follower");
    const learner = await writeLatencies(cluster.learners[0]!, "learner");
    await cluster.stop();
    const rows: BenchRow[] = [
      { name: "floor: raw data-channel round trip, p50", value: floors.rtcRtt.p50, unit: "ms" },
      { name: "floor: one IndexedDB transaction (relaxed), p50", value: floors.idbRelaxed.p50, unit: "ms" },
      { name: "floor of a follower write (2 RTT + 1 transaction)", value: floor, unit: "ms" },
      { name: "voting follower write, p50", value: follower.p50, unit: "ms", floor },
      { name: "voting follower write, p99", value: follower.p99, unit: "ms", floor },
      { name: "learner write, p50", value: learner.p50, unit: "ms", floor },
      { name: "learner write, p99", value: learner.p99, unit: "ms", floor },
    ];
    if (!process.argv.includes("--no-demo")) {
      rows.push(...(await demo(browser, { follower: follower.p50, learner: learner.p50 })));
    }
    return rows;
  } finally {
    await browser.close();
  }
}

runInNamespace(
  import.meta.url,
  `hamok 7 tabs: ${VOTERS} voters + ${TABS - VOTERS} learners (bare page), WebRTC, IndexedDB relaxed`,
  run,
  900_000,
);

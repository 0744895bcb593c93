/**
 * Zero-configuration benchmark: 3 Chromium tabs of one origin, each a hamok peer that called `join()` with no
 * transport (so BroadcastChannel, hamok's default between tabs) and persists to IndexedDB (relaxed); the floors
 * measured in the same browser and run; the Yjs baseline over y-webrtc's BroadcastChannel.
 *
 *   npx tsx bench/browser-broadcast.ts               (re-runs itself inside a private network namespace)
 *
 * No WebRTC is involved, but the run still happens in the namespace so that the browser can reach nothing
 * but this machine.
 */

import { startCluster } from "./browser/cluster";
import { followerWriteFloor, measureFloors } from "./browser/floors";
import { startBenchBrowser } from "./browser/harness";
import { measureYjs } from "./browser/yjs-baseline";
import { followerWrites } from "./browser-cluster-writes";
import { type BenchRow, runInNamespace } from "./namespace-bench";

async function run(): Promise<BenchRow[]> {
  const browser = await startBenchBrowser();
  try {
    const floors = await measureFloors(browser);
    const rtt = floors.broadcastRtt.p50;
    const floor = followerWriteFloor(rtt, floors.idbRelaxed.p50);
    const cluster = await startCluster(browser, 3, { transport: "zero-config", durability: "relaxed" });
    const figures = await followerWrites(cluster);
    await cluster.stop();
    const yjs = await measureYjs(browser, "broadcast");
    return [
      { name: "floor: BroadcastChannel round trip, p50", value: rtt, unit: "ms" },
      { name: "floor: BroadcastChannel round trip, p99", value: floors.broadcastRtt.p99, unit: "ms" },
      { name: "floor: one IndexedDB transaction (relaxed), p50", value: floors.idbRelaxed.p50, unit: "ms" },
      { name: "floor of a follower write (2 RTT + 1 transaction)", value: floor, unit: "ms" },
      { name: "follower write, p50", value: figures.p50, unit: "ms", floor },
      { name: "follower write, p99", value: figures.p99, unit: "ms", floor },
      { name: `follower writes, ${figures.inFlight} in flight`, value: figures.perSecond, unit: "ops/s" },
      {
        name: "Yjs: map update reaches the other tab over BroadcastChannel, p50",
        value: yjs.p50,
        unit: "ms",
        floor: rtt / 2,
      },
      { name: "Yjs: map update reaches the other tab over BroadcastChannel, p99", value: yjs.p99, unit: "ms" },
      { name: "price of consensus: follower write p50 / Yjs p50", value: figures.p50, unit: "ms", floor: yjs.p50 },
    ];
  } finally {
    await browser.close();
  }
}

runInNamespace(
  import.meta.url,
  "hamok zero-config: 3 Chromium tabs (bare page), BroadcastChannel, IndexedDB relaxed",
  run,
  600_000,
);

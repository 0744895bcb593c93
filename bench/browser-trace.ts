/**
 * The critical path of one follower write, as a timeline across the 3 tabs of `bench/browser-cluster.ts`
 * (WebRTC, IndexedDB relaxed): every send, receive and save of each tab, in ms since the write started, for
 * the median of a run of traced sequential writes. Times are `performance.timeOrigin + now()` of each tab
 * (one machine clock).
 *
 *   npx tsx bench/browser-trace.ts           (re-runs itself inside a private network namespace)
 */
import { startCluster } from "./browser/cluster";
import { call, startBenchBrowser } from "./browser/harness";
import type { TraceEvent } from "./browser/page-hamok";
import { type BenchRow, runInNamespace } from "./namespace-bench";

const WRITES = 60;

async function run(): Promise<BenchRow[]> {
  const browser = await startBenchBrowser();
  try {
    const cluster = await startCluster(browser, 3, { transport: "webrtc", durability: "relaxed", trace: true });
    const writer = cluster.followers[0]!;
    await call(writer, "tracedWrites", WRITES);
    const events: TraceEvent[] = (await Promise.all(cluster.pages.map((page) => call(page, "traceEvents"))))
      .flat()
      .sort((a, b) => a.at - b.at);
    await cluster.stop();
    const writerId = events.find((event) => event.what === "write 0 start")!.peerId;
    const spans: { i: number; start: number; end: number }[] = [];
    for (let i = WRITES / 2; i < WRITES; i++) {
      const start = events.find((event) => event.peerId === writerId && event.what === `write ${i} start`)!.at;
      const end = events.find((event) => event.peerId === writerId && event.what === `write ${i} done`)!.at;
      spans.push({ i, start, end });
    }
    spans.sort((a, b) => a.end - a.start - (b.end - b.start));
    const median = spans[Math.floor(spans.length / 2)]!;
    const names = new Map(cluster.pages.map((_, i) => [`b${i + 1}`, `b${i + 1}`]));
    console.log(`write ${median.i} (median of the last ${spans.length}), writer ${writerId}:`);
    for (const event of events) {
      if (event.at < median.start || event.at > median.end) continue;
      console.log(
        `${(event.at - median.start).toFixed(3).padStart(8)} ms  ${names.get(event.peerId) ?? event.peerId}  ${event.what}`,
      );
    }
    console.log("");
    return [{ name: "median traced follower write", value: median.end - median.start, unit: "ms" }];
  } finally {
    await browser.close();
  }
}

runInNamespace(import.meta.url, "hamok follower write, traced across 3 tabs", run, 600_000);

/** The write measurements every browser cluster benchmark makes, from one tab of a settled cluster. */
import type { Page } from "playwright-core";
import type { BenchCluster } from "./browser/cluster";
import { call } from "./browser/harness";
import type { LatencySummary } from "./browser/stats";

const LATENCY_WRITES = 300;
const LATENCY_WARM_UP = 30;
const THROUGHPUT_WRITES = 5_000;
const THROUGHPUT_IN_FLIGHT = 200;

/** Latency and throughput of writes from one tab. */
export interface WriteFigures extends LatencySummary {
  readonly perSecond: number;
  readonly inFlight: number;
}

/** Sequential writes from `page` (each awaited until committed and applied there). */
export function writeLatencies(page: Page, prefix = "latency"): Promise<LatencySummary> {
  return call(page, "writeLatencies", prefix, LATENCY_WRITES, LATENCY_WARM_UP);
}

/** Sequential writes from a follower, then 5,000 writes with 200 in flight from the same follower. */
export async function followerWrites(cluster: BenchCluster): Promise<WriteFigures> {
  const follower = cluster.followers[0]!;
  const latency = await writeLatencies(follower);
  const ms = await call(follower, "throughput", "throughput", THROUGHPUT_WRITES, THROUGHPUT_IN_FLIGHT);
  return { ...latency, perSecond: THROUGHPUT_WRITES / (ms / 1000), inFlight: THROUGHPUT_IN_FLIGHT };
}

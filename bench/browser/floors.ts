/**
 * The floors every browser table is read against, measured in the same browser and run as the figures they
 * bound: raw data-channel and BroadcastChannel round trips between two tabs, one IndexedDB transaction.
 */
import type { Page } from "playwright-core";
import { type BenchBrowser, call } from "./harness";
import type { LatencySummary } from "./stats";

const ROUNDS = 1_000;
const WARM_UP = 100;
const IDB_ROUNDS = 300;

/** The measured floors (p50/p99 in ms). */
export interface Floors {
  readonly rtcRtt: LatencySummary;
  readonly broadcastRtt: LatencySummary;
  readonly idbRelaxed: LatencySummary;
  readonly idbStrict: LatencySummary;
}

/** Connect a raw RTCPeerConnection from `a` to `b`, the Node side carrying the SDP (no server). */
async function rawChannel(a: Page, b: Page): Promise<void> {
  const offer = await call(a, "rtcOffer");
  const answer = await call(b, "rtcAnswer", offer);
  await call(a, "rtcConnect", answer);
}

/** Measure every floor with two fresh tabs (closed afterwards). */
export async function measureFloors(browser: BenchBrowser): Promise<Floors> {
  const a = await browser.open();
  const b = await browser.open();
  try {
    await rawChannel(a, b);
    const rtcRtt = await call(a, "rtcPing", ROUNDS, WARM_UP);
    await call(a, "rtcClose");
    await call(b, "rtcClose");
    const channel = `hamok-bench-floor-${Date.now().toString(36)}`;
    await call(b, "broadcastEcho", channel);
    const broadcastRtt = await call(a, "broadcastPing", channel, ROUNDS, WARM_UP);
    const idbRelaxed = await call(a, "idbTransactions", "relaxed", IDB_ROUNDS, 30);
    const idbStrict = await call(a, "idbTransactions", "strict", IDB_ROUNDS, 30);
    return { rtcRtt, broadcastRtt, idbRelaxed, idbStrict };
  } finally {
    await a.close();
    await b.close();
  }
}

/**
 * The least a follower's write can take: forward to the leader, the leader's append to the followers, a
 * follower's save, its acknowledgement, and the commit reaching the writer: two round trips plus one
 * transaction (the leader's own save runs beside the followers').
 */
export function followerWriteFloor(rtt: number, transaction: number): number {
  return 2 * rtt + transaction;
}

/**
 * The peer baseline beside each hamok table: how long a Yjs map update takes to reach another tab of the same
 * browser, over y-webrtc's WebRTC mesh (tabs of two origins, so y-webrtc cannot use its BroadcastChannel) or
 * over its BroadcastChannel (tabs of one origin, no signaling server). Both run against servers inside the
 * namespace only.
 */
import type { Page } from "playwright-core";
import { type BenchBrowser, call, OTHER_ORIGIN, PAGE_ORIGIN, YJS_SIGNAL_URL } from "./harness";
import type { LatencySummary } from "./stats";

const ROUNDS = 500;
const WARM_UP = 50;

async function until(page: Page, probe: "yjsWebrtcPeers" | "yjsBroadcastPeers"): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if ((await call(page, probe)) > 0) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`y-webrtc: no peer over ${probe === "yjsWebrtcPeers" ? "WebRTC" : "BroadcastChannel"}`);
}

/** Half the round trip of an update and its answer between two tabs, over `path`. */
export async function measureYjs(browser: BenchBrowser, path: "webrtc" | "broadcast"): Promise<LatencySummary> {
  const a = await browser.open(PAGE_ORIGIN);
  const b = await browser.open(path === "webrtc" ? OTHER_ORIGIN : PAGE_ORIGIN);
  const room = `yjs-${path}-${Date.now().toString(36)}`;
  const signaling = path === "webrtc" ? [YJS_SIGNAL_URL] : [];
  try {
    await call(a, "startYjs", room, signaling);
    await call(b, "startYjs", room, signaling);
    const probe = path === "webrtc" ? "yjsWebrtcPeers" : "yjsBroadcastPeers";
    await until(a, probe);
    await until(b, probe);
    await call(b, "yjsEcho");
    return await call(a, "yjsPing", ROUNDS, WARM_UP);
  } finally {
    await call(a, "stopYjs").catch(() => undefined);
    await call(b, "stopYjs").catch(() => undefined);
    await a.close();
    await b.close();
  }
}
